//===- MoeTileOps.td - Device-side tile ops of the moe dialect -*- tablegen -*-===//
//
// The tile IR: a kernel's program at the level of tiles, independent of PTX.
// `moe-tile-grouped-matmul` emits a loop over the tile schedule with
// synchronous tile loads (`moe.tile_load`), a tile MMA into a register
// accumulator (`moe.tile_mma`; for fp8 block scales, each K block's sums
// promoted by `moe.tile_scale_accumulate`) and an epilogue store
// (`moe.tile_store`) on workgroup buffers (`moe.tile_alloc`); `moe-pipeline-tile-loads` turns the
// loads of a loop into a ring of asynchronous copies (`moe.tile_load_async`,
// `moe.tile_wait`, `moe.tile_release`); `moe-warp-specialize` splits a
// pipelined kernel into a producer and consumer warpgroups;
// `moe-create-tma-descriptors` turns the copies into tensor maps, TMA loads
// and mbarriers, and `convert-moe-tile-to-nvgpu` the rest into nvgpu ops.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOETILEOPS_TD
#define MOE_DIALECT_MOE_IR_MOETILEOPS_TD

include "moe/Dialect/Moe/IR/MoeDialect.td"
include "moe/Dialect/Moe/IR/MoeEnums.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"

// The ring: one 8-byte word per slot in workgroup memory (an mbarrier once
// lowered).
def Moe_TileRing : MemRefRankOf<[I64], [1]>;

//===----------------------------------------------------------------------===//
// TileLoadAsyncOp
//===----------------------------------------------------------------------===//

def Moe_TileLoadAsyncOp : Moe_Op<"tile_load_async",
    [AttrSizedOperandSegments]> {
  let summary = "asynchronous global-to-shared tile copy completing on a ring "
                "slot";
  let description = [{
    Inside a GPU kernel, starts copying the box of `source` whose origin is
    `indices` (one per dimension; the box has the shape of `dest`, with
    leading dimensions of extent 1 where `dest` has a lower rank) into the
    workgroup buffer `dest` (row-major and contiguous; any offset). Elements of the box outside `source` read as
    zero, so a box may hang over any edge. The box lands in `dest` row-major;
    with `swizzle = S` (32, 64 or 128 bytes; 0 is none), the 16-byte chunk
    `c` of the box's row `r` (rows of the flattened outer dimensions) is
    stored at chunk `c xor (r mod (S / 16))` within its row, the layout that
    wgmma reads with the matching swizzle mode. The innermost dimension of
    `dest` spans a multiple of 16 bytes and, when swizzled, at most `S`.

    The op is collective: every thread of the block reaches it with the same
    operands (the lowering picks which thread issues the copy). Completion is
    tracked by slot `slot` of the ring `ready`: the copies a block starts on
    a slot before waiting for it form one batch, and a `moe.tile_wait` on the
    slot with the batch's parity returns once the whole batch has landed.
    The copies of one batch follow one another in a block with only
    side-effect-free ops (views, index arithmetic) between them. A slot's parity starts at 0
    and flips with every completed batch. The ring's words must not be
    touched otherwise.

    `source` is a global buffer with a contiguous innermost dimension. For
    TMA it is defined outside the kernel (its tensor map is encoded on the
    host).

    With `multicast = N` (N > 1) the kernel runs in clusters of N blocks
    and every block of a cluster reaches the op with the same operands: the
    box is shared. Each block issues a 1/N share of the box's outermost rows
    and the hardware writes it into `dest` of every block of the cluster, so
    the cluster reads the box once; each block's batch completes when the
    whole box has landed in its own `dest`. The box's outermost extent must
    split into N equal shares (of whole swizzle spans when swizzled), and
    whoever overwrites `dest` later must know that every block of the
    cluster is done with it (`moe.tile_release ... cluster = N`).

    With `gather(%row_index)` (a rank-2 copy of rows, the vLLM layout), row
    `r` of the box reads source row `row_index[indices[0] + r] /
    index_divisor` instead of `indices[0] + r`; a position outside
    `row_index`, a negative index or a quotient past the source's rows gives
    a zero row. Gathered copies need every source row to start at a 16-byte
    aligned address (the producer checks it; TMA cannot gather rows, so the
    TMA pass lowers them to per-thread 16-byte `cp.async`).

    With `threads = N` (N > 0, a multiple of 32) only threads 0 .. N - 1 of
    the block reach the copy, such as the producer warpgroup of a
    warp-specialized kernel (`moe-warp-specialize` sets it on gathered
    copies), and a gathered copy is split among those N threads; every copy
    of a batch names the same N. 0 (the default) is every thread of the
    block. Such a gathered copy whose source is defined outside the kernel
    goes as one TMA copy a row (a one-row box of the source's tensor map;
    rows without a source row read a coordinate out of bounds, so zeros);
    other gathered copies are per-thread `cp.async`.

    `l2 = evict_first` or `evict_last` asks the L2 to evict the copy's lines
    before, or after, lines of normal priority (`normal`, the default,
    gives no hint): a TMA copy carries it as a cache policy; a per-thread
    `cp.async` gathered copy does not.

    Example (a 128 x 64 bf16 tile of A at row `%r`, K offset `%k`):

    ```mlir
    moe.tile_load_async %a[%r, %k] into %slot_a ready %ring[%s] swizzle = 128
        : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
          memref<4xi64, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "", [MemRead]>:$source,
                       Variadic<Index>:$indices,
                       Arg<AnyStaticShapeMemRef, "", [MemWrite]>:$dest,
                       Arg<Moe_TileRing, "", [MemRead, MemWrite]>:$ready,
                       Index:$slot,
                       DefaultValuedAttr<I64Attr, "0">:$swizzle,
                       Arg<Optional<MemRefRankOf<[I32], [1]>>, "",
                           [MemRead]>:$row_index,
                       DefaultValuedAttr<I64Attr, "1">:$index_divisor,
                       DefaultValuedAttr<I64Attr, "1">:$multicast,
                       DefaultValuedAttr<I64Attr, "0">:$threads,
                       DefaultValuedAttr<Moe_CachePriorityAttr,
                           "::mlir::moe::CachePriority::normal">:$l2);
  let assemblyFormat = [{
    $source `[` $indices `]`
    (`gather` `(` $row_index^ `:` type($row_index) `)`)?
    (`divisor` `=` $index_divisor^)?
    `into` $dest `ready` $ready `[` $slot `]`
    (`swizzle` `=` $swizzle^)? (`multicast` `=` $multicast^)?
    (`threads` `=` $threads^)? (`l2` `=` $l2^)?
    attr-dict `:` type($source) `,` type($dest) `,` type($ready)
  }];
  let extraClassDeclaration = [{
    /// Bytes this copy brings into shared memory.
    int64_t getBoxBytes();
    /// Whether rows are gathered through `row_index`.
    bool isGathered() { return static_cast<bool>(getRowIndex()); }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileWaitOp
//===----------------------------------------------------------------------===//

def Moe_TileWaitOp : Moe_Op<"tile_wait"> {
  let summary = "wait until a ring slot's batch of tile copies has landed";
  let description = [{
    Every thread that reaches it waits until the batch of
    `moe.tile_load_async` copies with parity `parity` (0 or 1: the batch
    count of the slot modulo 2) on slot `slot` of `ready` has completed;
    the copied tiles are then visible to the thread. A wait for a batch that
    already completed returns at once (while the slot holds no newer one).

    ```mlir
    moe.tile_wait %ring[%s] parity %p
        : memref<4xi64, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<Moe_TileRing, "", [MemRead, MemWrite]>:$ready,
                       Index:$slot, Index:$parity);
  let assemblyFormat = [{
    $ready `[` $slot `]` `parity` $parity attr-dict `:` type($ready)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileAllocOp
//===----------------------------------------------------------------------===//

def Moe_TileAllocOp : Moe_Op<"tile_alloc"> {
  let summary = "a block-wide workgroup buffer for tiles or ring words";
  let description = [{
    A buffer in workgroup (shared) memory that every thread of the block
    sees, for the tiles of a kernel (operands of `moe.tile_mma`, a ring of
    them) or for the words of a ring (`memref<Sxi64>`). It lives as long as
    the kernel. `convert-moe-tile-to-nvgpu` places every buffer of a kernel
    in its dynamic shared memory, those of 1 KiB or more (tiles) first,
    each 1024-byte aligned (what swizzled TMA destinations and wgmma
    operands need), then the smaller ones (ring words) 16-byte aligned, and
    sets the launch's dynamic shared memory size. It must be created at the top level of a
    `gpu.launch` body.

    ```mlir
    %a = moe.tile_alloc : memref<4x128x64xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let results = (outs Res<AnyStaticShapeMemRef, "", [MemAlloc]>:$buffer);
  let assemblyFormat = "attr-dict `:` type($buffer)";
  let extraClassDeclaration = [{
    /// Bytes the buffer takes.
    int64_t getBytes();
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileLoadOp
//===----------------------------------------------------------------------===//

def Moe_TileLoadOp : Moe_Op<"tile_load", [AttrSizedOperandSegments]> {
  let summary = "synchronous global-to-shared tile copy";
  let description = [{
    Copies the box of `source` at `indices` into the workgroup buffer `dest`,
    with the rules of `moe.tile_load_async` (box shape, zero fill past the
    edges, swizzle, gathered rows, a box shared by a cluster, the L2
    priority), but
    synchronously: when every thread of
    the block has returned from it, `dest` holds the box. It is the form the
    tiling pass writes; `moe-pipeline-tile-loads` turns the loads of a loop
    into asynchronous copies on a ring of buffers, the only way they are
    lowered.

    ```mlir
    moe.tile_load %a[%r, %k] into %tile swizzle = 128
        : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "", [MemRead]>:$source,
                       Variadic<Index>:$indices,
                       Arg<AnyStaticShapeMemRef, "", [MemWrite]>:$dest,
                       DefaultValuedAttr<I64Attr, "0">:$swizzle,
                       Arg<Optional<MemRefRankOf<[I32], [1]>>, "",
                           [MemRead]>:$row_index,
                       DefaultValuedAttr<I64Attr, "1">:$index_divisor,
                       DefaultValuedAttr<I64Attr, "1">:$multicast,
                       DefaultValuedAttr<Moe_CachePriorityAttr,
                           "::mlir::moe::CachePriority::normal">:$l2);
  let assemblyFormat = [{
    $source `[` $indices `]`
    (`gather` `(` $row_index^ `:` type($row_index) `)`)?
    (`divisor` `=` $index_divisor^)?
    `into` $dest (`swizzle` `=` $swizzle^)? (`multicast` `=` $multicast^)?
    (`l2` `=` $l2^)?
    attr-dict `:` type($source) `,` type($dest)
  }];
  let extraClassDeclaration = [{
    bool isGathered() { return static_cast<bool>(getRowIndex()); }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileReleaseOp
//===----------------------------------------------------------------------===//

def Moe_TileReleaseOp : Moe_Op<"tile_release"> {
  let summary = "arrive on a ring slot: its tile may be overwritten";
  let description = [{
    Whole warps reach it (all threads of a warp together), each thread
    arriving once on slot `slot` of the ring `ring`; the slot's phase
    completes when `arrivals` threads (a multiple of 32) have arrived, and a
    `moe.tile_wait` on the slot with that phase's parity returns. The
    lowering arrives once per warp.
    Consumers release a buffer slot this way once they are done reading it;
    the producer waits for the release before it copies into the slot again.
    With `cluster = N` (N > 1, a kernel in clusters of N blocks, every block
    releasing the slot) each thread arrives on the slot in every block of
    its cluster, so a slot's phase completes once the whole cluster is done
    with it: `arrivals` then counts the threads of all N blocks. The ring
    for copies that are multicast to the cluster.
    A ring is either a ring of copy batches (`moe.tile_load_async`) or a
    ring of releases, never both, and every release on one ring names the
    same `arrivals`.

    ```mlir
    moe.tile_release %empty[%s] arrivals = 256
        : memref<4xi64, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<Moe_TileRing, "", [MemRead, MemWrite]>:$ring,
                       Index:$slot, I64Attr:$arrivals,
                       DefaultValuedAttr<I64Attr, "1">:$cluster);
  let assemblyFormat = [{
    $ring `[` $slot `]` `arrivals` `=` $arrivals
    (`cluster` `=` $cluster^)? attr-dict `:` type($ring)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileSignalOp
//===----------------------------------------------------------------------===//

def Moe_TileSignalOp : Moe_Op<"tile_signal"> {
  let summary = "one thread's arrival on a ring slot: a word is ready";
  let description = [{
    The thread that reaches it arrives once on slot `slot` of the ring
    `ring`, which completes the slot's phase: a `moe.tile_wait` on the slot
    with that phase's parity returns, and the waiting threads then see what
    the signalling thread wrote to workgroup memory before the signal. It
    hands a value from one thread to others, e.g. the next tile from a
    producer warp to the consumers (`moe-warp-specialize`). A ring signalled
    this way is neither a ring of copies nor one of releases.

    With `rank %r` (a kernel in clusters) the arrival is on the slot of
    block `r` of the cluster instead, at cluster scope: there, the waiting
    threads see what the signalling thread wrote to that block's workgroup
    memory before (`moe.tile_publish`).

    ```mlir
    moe.tile_signal %queue_full[%s]
        : memref<2xi64, #gpu.address_space<workgroup>>
    moe.tile_signal %mailbox_empty[%s] rank %c0
        : memref<4xi64, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<Moe_TileRing, "", [MemRead, MemWrite]>:$ring,
                       Index:$slot, Optional<Index>:$rank);
  let assemblyFormat = [{
    $ring `[` $slot `]` (`rank` $rank^)? attr-dict `:` type($ring)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TilePublishOp
//===----------------------------------------------------------------------===//

def Moe_TilePublishOp : Moe_Op<"tile_publish"> {
  let summary = "one thread writes a word into a peer block and signals it";
  let description = [{
    In a kernel in clusters, the thread that reaches it writes the i32
    `value` into word `slot` of `words` (a workgroup buffer) of block `rank`
    of its cluster, then arrives once on slot `slot` of that block's ring
    `ring` at cluster scope, so the threads of block `rank` whose
    `moe.tile_wait` on the slot returns see the word. The ring is a
    signalled ring (one arrival a phase, as `moe.tile_signal`'s).

    ```mlir
    moe.tile_publish %tile into %words[%s] ready %full rank %c1
        : memref<4xi32, #gpu.address_space<workgroup>>,
          memref<4xi64, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins I32:$value,
                       Arg<MemRefRankOf<[I32], [1]>, "", [MemWrite]>:$words,
                       Index:$slot,
                       Arg<Moe_TileRing, "", [MemRead, MemWrite]>:$ring,
                       Index:$rank);
  let assemblyFormat = [{
    $value `into` $words `[` $slot `]` `ready` $ring `rank` $rank attr-dict
    `:` type($words) `,` type($ring)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileClaimOp, TileClaimedOp
//===----------------------------------------------------------------------===//

def Moe_TileClaimOp : Moe_Op<"tile_claim"> {
  let summary = "claim the block's next tile from a global counter";
  let description = [{
    Collective: every thread of the block reaches it with the same operands.
    One thread adds 1 to the i32 word `counter[word]` (global memory, shared
    by all blocks of the grid) atomically and keeps `offset` plus the old
    value as the block's claim in `slot` (one i32 word of workgroup memory);
    `moe.tile_claimed` reads it. A persistent kernel whose blocks first take
    tiles 0 .. grid - 1 claims with `offset` = grid: tiles then start in the
    order they are claimed, whatever each costs. Nothing synchronizes here,
    so the claim can be issued early, e.g. at the start of the current tile,
    and read at its end.

    With `cluster = N` (N > 1, a kernel in clusters of N blocks that walk
    the same tiles, e.g. to share multicast copies) the claim is the
    cluster's: every block of the cluster reaches the op, block 0 of the
    cluster claims, and every block's slot receives block 0's claim
    (`offset` then counts clusters).

    ```mlir
    moe.tile_claim %schedule[%c1] offset %grid into %slot
        : memref<?xi32>, memref<1xi32, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<MemRefRankOf<[I32], [1]>, "",
                           [MemRead, MemWrite]>:$counter,
                       Index:$word, Index:$offset,
                       Arg<MemRefRankOf<[I32], [1]>, "", [MemWrite]>:$slot,
                       DefaultValuedAttr<I64Attr, "1">:$cluster);
  let assemblyFormat = [{
    $counter `[` $word `]` `offset` $offset `into` $slot
    (`cluster` `=` $cluster^)? attr-dict `:` type($counter) `,` type($slot)
  }];
  let extraClassDeclaration = [{
    /// The claim itself, for the thread a lowering picks: adds 1 to the
    /// counter word atomically and returns `offset` plus the old value
    /// (i32).
    ::mlir::Value createAtomicClaim(::mlir::OpBuilder &builder);
  }];
  let hasVerifier = 1;
}

def Moe_TileClaimedOp : Moe_Op<"tile_claimed"> {
  let summary = "the tile the block's last moe.tile_claim took";
  let description = [{
    Collective: every thread of the block reaches it and receives the claim
    that the last `moe.tile_claim` into `slot` made. After it the slot may
    be claimed into again. It orders the block like a barrier: every thread
    has finished what came before it in the block. With `cluster = N` (the
    claim's) it orders the whole cluster so.

    ```mlir
    %next = moe.tile_claimed %slot
        : memref<1xi32, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<MemRefRankOf<[I32], [1]>, "",
                           [MemRead, MemWrite]>:$slot,
                       DefaultValuedAttr<I64Attr, "1">:$cluster);
  let results = (outs Index:$tile);
  let assemblyFormat = [{
    $slot (`cluster` `=` $cluster^)? attr-dict `:` type($slot)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileMmaOp
//===----------------------------------------------------------------------===//

// A tile accumulator: f32 rows x columns, held in registers by the
// warpgroups that compute it.
def Moe_TileAccumulator : VectorOfRankAndType<[2], [F32]>;

def Moe_TileMmaOp : Moe_Op<"tile_mma", [AllTypesMatch<["acc", "result"]>]> {
  let summary = "tile matrix multiply-accumulate from workgroup memory";
  let description = [{
    `result = acc + lhs * transpose(rhs)` for an `M x K` tile `lhs` and an
    `N x K` tile `rhs` (both K-major, in workgroup memory, written with the
    `swizzle`-byte swizzle of `moe.tile_load`: a K row of each spans
    exactly `swizzle` bytes), accumulated in f32. The operands are both
    bf16, both f16, or both fp8 (`f8E4M3FN` or `f8E5M2`, which may differ
    between them: the e4m3 x e4m3 products of the fp8 expert GEMMs); a
    128-byte K row is 64 16-bit or 128 fp8 elements. The fp8 products are
    exact in the f32 accumulator; scales (per tensor, channel or 128 x 128
    block) are the caller's, applied to the accumulator.

    The accumulator `M x N` is held in registers, distributed over the
    `M / 64` warpgroups of the block that reach the op with their index
    `warpgroup` (0, 1, ...): warpgroup `w` computes and holds rows
    `[64 w, 64 w + 64)`. Every thread of those warpgroups must reach it.

    The op is asynchronous: with `pending = P` it may return while the last
    `P` tile MMAs of the warpgroup (this one included) still read their
    shared-memory operands; all older ones have finished. `P = 0` returns
    once this one is done. The accumulator may be read (by
    `moe.tile_store`) only after a `moe.tile_mma_wait` with `pending = 0`.

    With `rows R`, only the first `R` rows of `result` are defined: a
    warpgroup whose 64 rows all lie at or past `R` skips its MMAs (its rows
    of `result` are then those of `acc`). A tile that holds the last few
    rows of an expert thus issues tensor-core work for the warpgroups that
    have rows only. `R` must be the same for every thread of the block.

    ```mlir
    %acc1 = moe.tile_mma %a, %w, %acc0 warpgroup %wg rows %n pending = 1
        : memref<128x64xbf16, #gpu.address_space<workgroup>>,
          memref<256x64xbf16, #gpu.address_space<workgroup>>
          -> vector<128x256xf32>
    ```
  }];
  let arguments = (ins Arg<AnyStaticShapeMemRef, "", [MemRead]>:$lhs,
                       Arg<AnyStaticShapeMemRef, "", [MemRead]>:$rhs,
                       Moe_TileAccumulator:$acc, Index:$warpgroup,
                       Optional<Index>:$rows,
                       DefaultValuedAttr<I64Attr, "128">:$swizzle,
                       DefaultValuedAttr<I64Attr, "0">:$pending);
  let results = (outs Moe_TileAccumulator:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $acc `warpgroup` $warpgroup (`rows` $rows^)?
    (`pending` `=` $pending^)? (`swizzle` `=` $swizzle^)? attr-dict
    `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileMmaWaitOp
//===----------------------------------------------------------------------===//

def Moe_TileMmaWaitOp : Moe_Op<"tile_mma_wait",
    [AllTypesMatch<["acc", "result"]>]> {
  let summary = "wait until all but the last `pending` tile MMAs are done";
  let description = [{
    Returns `acc` once all tile MMAs of the warpgroup but the last `pending`
    have finished (reading their operands and writing the accumulator).
    With `pending = 0` the accumulator is final and may be read.

    ```mlir
    %done = moe.tile_mma_wait %acc : vector<128x256xf32>
    ```
  }];
  let arguments = (ins Moe_TileAccumulator:$acc,
                       DefaultValuedAttr<I64Attr, "0">:$pending);
  let results = (outs Moe_TileAccumulator:$result);
  let assemblyFormat = [{
    $acc (`pending` `=` $pending^)? attr-dict `:` type($acc)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TileScaleAccumulateOp
//===----------------------------------------------------------------------===//

def Moe_TileScaleAccumulateOp : Moe_Op<"tile_scale_accumulate",
    [AllTypesMatch<["partial", "acc", "result"]>]> {
  let summary = "the fp8 block-scale promotion: acc + partial * scales";
  let description = [{
    The promotion of an fp8 block-scaled GEMM (`quant = fp8_block`): after
    the tile MMAs of one 128-wide K block `kb` have summed `partial` (a
    fresh accumulator, final: after `moe.tile_mma_wait` with
    `pending = 0`), it is scaled and added to the f32 accumulator `acc`.
    For each tile row `r < rows` and column `j`:

    ```
    result[r, j] = fma(partial[r, j], s, acc[r, j]),
    s = a_scale[row + r, kb] * w_scale[expert, min(wr(j) / 128, B - 1), kb]
    ```

    one f32 product of the two scales and one fused multiply-add (the
    accumulation order contract of docs/Semantics.md), where `B` is
    `w_scale`'s dimension 1 (columns past the weights' last row read the
    last block's scale; they are never stored) and `wr(j)` is the weight
    row of accumulator column `j`: `w_row + w_row_stride * j`, or with
    `up_row` (a gated tile: gate columns `[0, N/2)`, up columns
    `[N/2, N)`) `w_row + w_row_stride * j` for `j < N/2` and `up_row +
    w_row_stride * (j - N/2)` after. `w_row_stride` is 1, or 2 for
    interleaved gate/up rows. The lowering reads one weight scale per
    group of 8 columns, so the rows of each group must lie in one 128-row
    block: `w_row` and `up_row`, each rounded down to a multiple of
    `w_row_stride`, must be multiples of `8 * w_row_stride`.
    Rows at or past `rows` of `result` are undefined and `a_scale` is not
    read for them, so a tile may hang over the last row.

    The accumulators are distributed as `moe.tile_mma` defines (warpgroup
    `w` holds rows `[64 w, 64 w + 64)`); every thread of the tile's
    warpgroups reaches the op, and a warpgroup whose rows all lie at or
    past `rows` returns `acc`. The scales are read from global memory
    (they are small and stay in L2).

    ```mlir
    %acc1 = moe.tile_scale_accumulate %partial, %acc0 warpgroup %wg
        rows %n a_scale(%as : memref<?x?xf32>)[%r, %kb]
        w_scale(%ws : memref<?x?x?xf32>)[%e] w_row %n0
        : vector<128x128xf32>
    ```
  }];
  let arguments = (ins Moe_TileAccumulator:$partial, Moe_TileAccumulator:$acc,
                       Index:$warpgroup, Index:$rows,
                       Arg<MemRefRankOf<[F32], [2]>, "", [MemRead]>:$a_scale,
                       Index:$row, Index:$k_block,
                       Arg<MemRefRankOf<[F32], [3]>, "", [MemRead]>:$w_scale,
                       Index:$expert, Index:$w_row,
                       Optional<Index>:$up_row,
                       DefaultValuedAttr<I64Attr, "1">:$w_row_stride);
  let results = (outs Moe_TileAccumulator:$result);
  let assemblyFormat = [{
    $partial `,` $acc `warpgroup` $warpgroup `rows` $rows
    `a_scale` `(` $a_scale `:` type($a_scale) `)` `[` $row `,` $k_block `]`
    `w_scale` `(` $w_scale `:` type($w_scale) `)` `[` $expert `]`
    `w_row` $w_row (`up_row` $up_row^)?
    (`w_row_stride` `=` $w_row_stride^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TilePrefetchOp
//===----------------------------------------------------------------------===//

def Moe_TilePrefetchOp : Moe_Op<"tile_prefetch"> {
  let summary = "a hint: the per-row values a tile's epilogue will read";
  let description = [{
    Brings `source[row, row + rows)` (a per-row vector of 4-byte values:
    the row scale, a gathered GEMM's row index) into the SM's L1 cache, so
    that the epilogue's loads after the K loop do not wait for DRAM: one
    `prefetch.global.L1` per 128-byte line of the range, each from one
    thread of the block (thread `t` takes the line of element `row + 32 t`,
    the last line by the range's last element). Elements at or past
    `source`'s end are not touched; the values read later do not change.
    Written at the start of a tile, before its K loop.

    ```mlir
    moe.tile_prefetch %scale[%row] rows %n : memref<?xf32>
    ```
  }];
  let arguments = (ins MemRefRankOf<[F32, I32], [1]>:$source, Index:$row,
                       Index:$rows);
  let assemblyFormat = [{
    $source `[` $row `]` `rows` $rows attr-dict `:` type($source)
  }];
}

//===----------------------------------------------------------------------===//
// TileStoreOp
//===----------------------------------------------------------------------===//

def Moe_TileStoreOp : Moe_Op<"tile_store", [AttrSizedOperandSegments]> {
  let summary = "the epilogue of a tile: bias, activation, row scale, masked "
                "store";
  let description = [{
    Writes the accumulator tile `acc` (`M x N`, distributed as
    `moe.tile_mma` defines, `warpgroup` being the thread's warpgroup) to
    `dest [R, C]` at row `row` and column `col`, computing for each tile
    row `r < rows` and output column `j` (`col + j < C`):

    - `v = acc[r, j]`; with `dequant(a_scale, w_scale)` (fp8 weights and
      activations scaled per channel or per tensor: docs/Semantics.md)
      `v = acc[r, j] * (a_scale[row + r, 0] * w_scale[expert, n])` per
      channel (a_scale `[R, 1]`, w_scale `[E, N]`, `n` the weight row of
      the column: the bias columns below) or `v = acc[r, j] * (a_scale[0] *
      w_scale[expert])` per tensor (a_scale `[1]`, w_scale `[E]`), the up
      half alike;
    - `+ bias[expert, col + j]` with a bias;
    - with a gated `epilogue` (`*_and_mul`: the tile's columns `[0, N/2)`
      are gate columns and `[N/2, N)` the up columns of the same output
      columns, `j < N/2`, whatever the weights' layout: the loads put them
      there): `v = act(v, acc[r, N/2 + j] + bias_up)` with `clamp_limit` and
      `swiglu_alpha` as grouped_matmul defines them; the bias columns are
      `col + j` (gate) and `C + col + j` (up) for `gate_up_layout = split`,
      `2 (col + j)` and `2 (col + j) + 1` for `interleaved`;
    - with an elementwise `epilogue` (`silu`, `gelu`, `gelu_tanh`,
      `relu2`): `v = act(v)`;
    - `v *= scale[row + r]` with a scale;
    - with `gather(row_index)`: `v = 0` where the row has no source row
      (`row_index[row + r]` negative, or its quotient by `index_divisor` not
      below `a_rows`);
    - rounded to `dest`'s element type.

    Rows at or past `rows` and columns at or past `C` are not written, so a
    tile may hang over any edge. Every thread of the `M / 64` warpgroups
    reaches it; the accumulator must be final (`moe.tile_mma_wait`).

    With `staging(buffer)` (a 16-bit `dest`; `buffer` a workgroup
    `memref<(M / 16) x 16 x 72 x T>` of dest's element type `T`) the values
    go to global memory through shared memory, 64 columns at a time: each
    warp writes its 16 rows of the chunk into its own `16 x 72` slice (the
    wgmma fragment: 4-byte pieces, 8 rows apart; the 8 padding columns
    keep those stores free of bank conflicts), then stores whole 16-byte
    runs of 8 columns, 4 rows of 128 bytes per warp instruction, instead
    of 4-byte pieces that fill half of each 32-byte sector. Each warp
    synchronizes only with itself. Runs that cross `C` or rows of `dest`
    not 16-byte aligned go element by element; the result is the same.

    ```mlir
    moe.tile_store %acc warpgroup %wg into %out[%r, %c] rows %n
        epilogue = silu_and_mul scale(%rw : memref<?xf32>)
        : vector<128x256xf32>, memref<?x768xbf16>
    ```
  }];
  let arguments = (ins Moe_TileAccumulator:$acc, Index:$warpgroup,
                       Arg<MemRefRankOf<[F32, BF16, F16], [2]>, "",
                           [MemWrite]>:$dest,
                       Index:$row, Index:$col, Index:$rows,
                       DefaultValuedAttr<Moe_EpilogueAttr,
                                         "::mlir::moe::Epilogue::none">:$epilogue,
                       Arg<Optional<MemRefRankOf<[F32, BF16, F16], [2]>>, "",
                           [MemRead]>:$bias,
                       Optional<Index>:$expert,
                       Arg<Optional<MemRefRankOf<[F32], [1]>>, "",
                           [MemRead]>:$scale,
                       Arg<Optional<MemRefRankOf<[I32], [1]>>, "",
                           [MemRead]>:$row_index,
                       DefaultValuedAttr<I64Attr, "1">:$index_divisor,
                       Optional<Index>:$a_rows,
                       Arg<Optional<MemRefRankOf<[F32], [1, 2]>>, "",
                           [MemRead]>:$a_scale,
                       Arg<Optional<MemRefRankOf<[F32], [1, 2]>>, "",
                           [MemRead]>:$w_scale,
                       DefaultValuedAttr<Moe_GateUpLayoutAttr,
                         "::mlir::moe::GateUpLayout::split">:$gate_up_layout,
                       OptionalAttr<F32Attr>:$clamp_limit,
                       OptionalAttr<F32Attr>:$swiglu_alpha,
                       Arg<Optional<MemRefRankOf<[BF16, F16], [3]>>, "",
                           [MemRead, MemWrite]>:$staging);
  let assemblyFormat = [{
    $acc `warpgroup` $warpgroup `into` $dest `[` $row `,` $col `]`
    `rows` $rows (`epilogue` `=` `` $epilogue^)?
    (`gate_up_layout` `=` `` $gate_up_layout^)?
    (`clamp_limit` `=` $clamp_limit^)? (`swiglu_alpha` `=` $swiglu_alpha^)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`dequant` `(` $a_scale^ `:` type($a_scale) `,` $w_scale `:`
      type($w_scale) `)`)?
    (`expert` $expert^)?
    (`scale` `(` $scale^ `:` type($scale) `)`)?
    (`gather` `(` $row_index^ `:` type($row_index) `)` `a_rows` $a_rows)?
    (`divisor` `=` $index_divisor^)?
    (`staging` `(` $staging^ `:` type($staging) `)`)?
    attr-dict `:` type($acc) `,` type($dest)
  }];
  let extraClassDeclaration = [{
    bool isGated() { return ::mlir::moe::isGatedEpilogue(getEpilogue()); }
  }];
  let hasVerifier = 1;
}

#endif // MOE_DIALECT_MOE_IR_MOETILEOPS_TD
