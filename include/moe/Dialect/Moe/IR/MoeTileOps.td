//===- MoeTileOps.td - Device-side tile ops of the moe dialect -*- tablegen -*-===//
//
// The interface between the tiling pass and the TMA-descriptor pass: inside
// a kernel, asynchronous global-to-shared tile copies that complete on the
// slots of a ring, and waits for a slot. `moe-tile-grouped-matmul` emits
// them; `moe-create-tma-descriptors` turns them into tensor maps on the host,
// TMA loads and mbarriers.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOETILEOPS_TD
#define MOE_DIALECT_MOE_IR_MOETILEOPS_TD

include "moe/Dialect/Moe/IR/MoeDialect.td"
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
    `indices` (one per dimension; the box has the shape of `dest`) into the
    workgroup buffer `dest`. Elements of the box outside `source` read as
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

    With `gather(%row_index)` (a rank-2 copy of rows, the vLLM layout), row
    `r` of the box reads source row `row_index[indices[0] + r] /
    index_divisor` instead of `indices[0] + r`; a position outside
    `row_index`, a negative index or a quotient past the source's rows gives
    a zero row. Gathered copies need every source row to start at a 16-byte
    aligned address (the producer checks it; TMA cannot gather rows, so the
    TMA pass lowers them to per-thread 16-byte `cp.async`).

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
                       DefaultValuedAttr<I64Attr, "1">:$index_divisor);
  let assemblyFormat = [{
    $source `[` $indices `]`
    (`gather` `(` $row_index^ `:` type($row_index) `)`)?
    (`divisor` `=` $index_divisor^)?
    `into` $dest `ready` $ready `[` $slot `]`
    (`swizzle` `=` $swizzle^)? attr-dict `:` type($source) `,` type($dest)
    `,` type($ready)
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

#endif // MOE_DIALECT_MOE_IR_MOETILEOPS_TD
