//===- MoeAttrs.td - Attributes of moe ---------------------*- tablegen -*-===//
//
// The moe dialect's attributes: its enums (MoeEnums.td) and the typed
// kernel configuration of the expert GEMM, #moe.gemm_config.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOEATTRS_TD
#define MOE_DIALECT_MOE_IR_MOEATTRS_TD

include "moe/Dialect/Moe/IR/MoeDialect.td"
include "moe/Dialect/Moe/IR/MoeEnums.td"
include "mlir/IR/AttrTypeBase.td"

class Moe_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Moe_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// GemmConfigAttr
//===----------------------------------------------------------------------===//

// The defaults, written once: the parameters and the no-argument builder
// use them.
defvar GemmDefaultKernel = "::mlir::moe::GemmKernel::tiled";
defvar GemmDefaultTileM = "128";
defvar GemmDefaultTileN = "256";
defvar GemmDefaultTileK = "64";
defvar GemmDefaultStages = "4";
defvar GemmDefaultWarpgroups = "2";
defvar GemmDefaultWarpSpecialize = "false";
defvar GemmDefaultClusterM = "1";
defvar GemmDefaultClusterN = "1";
defvar GemmDefaultRaster = "::mlir::moe::GemmRaster::along_m";
defvar GemmDefaultSwapAB = "false";
defvar GemmDefaultSplitK = "1";
defvar GemmDefaultCtas = "132";
defvar GemmDefaultSimpleThreads = "256";
defvar GemmDefaultStreamColumns = "2";
defvar GemmDefaultMinRows = "0";
defvar GemmDefaultStagedEpilogue = "false";
defvar GemmDefaultL2Hints = "false";

def Moe_GemmConfigAttr : Moe_Attr<"GemmConfig", "gemm_config"> {
  let summary = "kernel configuration of moe.grouped_matmul";
  let description = [{
    How `moe.grouped_matmul` is computed, carried by the op as its
    `moe.config` attribute (written by hand or by `moe-select-configs`).
    Every parameter has a default and the assembly shows only those that
    differ from it, so `#moe.gemm_config<>` is the default configuration.

    | parameter | default | allowed values (verified) | meaning |
    |---|---|---|---|
    | `kernel` | `tiled` | `tiled`, `simple`, `stream` | `simple` forces the one-thread-per-output kernel; `stream` the weight-streaming decode kernel (below) |
    | `tile_m` | 128 | `64 * warpgroups` | rows of an output tile |
    | `tile_n` | 256 | multiple of 16 in [16, 256] | columns of the accumulator tile (wgmma N; a gated epilogue's gate and up halves are `tile_n / 2` each) |
    | `tile_k` | 64 | 64 (bf16/f16), 128 (fp8) | K elements per pipeline step: one 128-byte row |
    | `stages` | 4 | [2, 8], and the ring fits shared memory | slots of the shared-memory ring of A and W tiles |
    | `warpgroups` | 2 | [1, 4], the accumulators plus 64 registers fit (below) | consumer warpgroups, 64 rows of the tile each |
    | `warp_specialize` | `false` | `false`, `true` (the tiled kernel only) | a producer warpgroup of its own issues the tile copies (`moe-warp-specialize`; below) |
    | `cluster_m`, `cluster_n` | 1, 1 | [1, 8] each, `cluster_m * cluster_n <= 8` | thread block cluster shape |
    | `raster` | `along_m` | `along_m`, `along_n` | order of an expert's tiles: `along_m` walks the row tiles of one column block before the next block |
    | `swap_ab` | `false` | `false`, `true` | compute `(W A^T)^T`, W's rows as wgmma's M (for a handful of rows) |
    | `split_k` | 1 | at least 1 | K split over at most that many blocks where tiles are few, partial sums reduced in a fixed order (below) |
    | `ctas` | 132 | [1, 65535] | persistent blocks at most (one H100 wave) |
    | `simple_threads` | 256 | multiple of 32 in [32, 1024] | block size of the simple kernel (`kernel = simple`, and the tiled kernel's fallbacks) |
    | `stream_columns` | 2 | [1, 4] | output columns of one lane slot of the stream kernel (`kernel = stream`, below) |
    | `min_rows` | 0 | at least 0 | the fewest GEMM rows (A's rows) this configuration is for, in a list of configurations (below) |
    | `staged_epilogue` | `false` | `false`, `true` (the tiled kernel only) | the epilogue stores 16-bit outputs through shared memory in whole 16-byte runs (below) |
    | `l2_hints` | `false` | `false`, `true` | the tiled kernel's TMA copies ask the L2 to keep A's rows (`evict_last`: every column block reads them) and to evict W's tiles first (`evict_first`: only the row tiles of one column block, running together, read them) |

    The default tile is 128 x 256: 256 columns (the widest wgmma) measured
    faster than 128 at every shape tried (docs/performance.md, version 3).

    The verifier checks what the hardware and the kernel's data layout
    allow, and names the parameter and the allowed values:

    - `tile_m = 64 * warpgroups`: each consumer warpgroup holds 64 rows of
      the accumulator (wgmma's M).
    - `tile_n / 2 + 64 <= min(255, 65536 / (128 * warpgroups))`: each
      thread holds `tile_n / 2` f32 accumulator registers plus about 64 for
      addresses, loop state and the epilogue, and a block of
      `128 * warpgroups` threads gets at most `65536 / (128 * warpgroups)`
      registers a thread: tile_n up to 256 for one or two warpgroups, 208
      for three (192 x 192 tiles), 128 for four.
      With `tile_k = 128` (fp8) a thread holds two accumulators (`tile_n`
      registers: the block-scale promotion's partial sums of one K block
      beside the f32 accumulator), so tile_n is at most 176 for one or two
      warpgroups.
    - `tile_k = 64` or `128`: a K step is one 128-byte swizzled row, the
      only layout the tile loads and the wgmma descriptors use: 64 16-bit
      or 128 fp8 elements. `moe.grouped_matmul`'s verifier checks that a
      tiled configuration's tile_k matches its a (128 for `quant =
      fp8_block`, 64 otherwise); an fp8 GEMM without a `moe.config` gets
      `#moe.gemm_config<tile_n = 128, tile_k = 128, stages = 6,
      warp_specialize = true>`.
    - The ring fits the 227 KiB of shared memory an sm_90 block may use:
      `stages * (tile_m + tile_n) * 128` bytes (128-byte rows whatever the
      element type) plus 2 KiB (1024-byte
      alignment and the two mbarrier rings). With the default tiles (48 KiB
      a slot) that is at most 4 stages. The ring is never made shallower
      behind the user's back.
    - `cluster_m * cluster_n <= 8`: the portable cluster size of sm_90.
    - `staged_epilogue = true` takes `tile_m * 144` more bytes of shared
      memory (below), counted in the ring's budget, and the tiled kernel.

    Values the kernels do not implement yet are legal here and rejected by
    the lowering (`moe-tile-grouped-matmul`, and `convert-moe-to-gpu`)
    with an error at the op ("not supported yet"), whichever kernel the op
    would get: `cluster_m` other than 1 or 2, `cluster_n` other than 1,
    `raster = along_n`, `swap_ab = true`, `split_k` other than 1 together
    with `cluster_m = 2` or `kernel = simple` or `stream`, and `kernel =
    stream` with an fp8 scheme. docs/Rationale.md says why the two kinds
    of limits are checked in two places.

    `kernel = stream` (decode, a few rows per expert): no tiles, no tile
    schedule and no tensor cores. Each block lists the experts that have
    rows and their row ranges (from the offsets, in its own shared
    memory), then each warp takes units of (expert, a few output columns)
    in turn: its lanes stream the columns' W rows along K in 16-byte
    loads, multiply them with the expert's A rows (up to 4 at a time, read
    through `row_index` when gathered, so a decode layer needs no row copy)
    in f32, add the lanes' partial sums by xor shuffles in a fixed order
    and apply the epilogue. One launch per GEMM: rows outside every expert
    are zeroed and non-monotone offsets take the simple kernel's code
    inside the same launch. `ctas` bounds the grid at `ctas` blocks of 512
    threads (one an SM); the tile parameters are not read. `stream_columns`
    is a unit's output columns per slot of lanes: more columns put more W
    rows in flight per thread and need more accumulators (ptxas, gated
    bf16 at K = 2048: 78 registers with 1, 128 with 2, spills with 4), and
    fewer make more, smaller units, which balance better over the warps
    when the units are few (8 experts x 768 columns in units of 2 are 1.45
    a warp on 132 SMs). It is the
    default of the weight-only schemes.
    bf16 and f16 A with W of the same type, or the weight-only schemes'
    integer W (`w4a16`, `w4a16_zp`, `w8a16`: a 16-byte load is 32 int4 or
    16 int8 values of one group, dequantized in registers as
    docs/Semantics.md defines); K a multiple of one load's elements and
    16-byte aligned rows (checked at run time, the simple kernel
    otherwise).

    `split_k = S` (decode): a call whose (row tile, column block) tiles
    number fewer than twice its persistent blocks splits each tile's K
    into just enough ranges to reach that (at most `S`, each at least 4 K
    steps), decided on the device from the schedule. Each split stores its
    raw f32 accumulator into a workspace of `S * R` rows; a second kernel,
    launched only when the call split, adds the splits in the order of K
    and applies the epilogue (bias, activation, row scale, rounding), so
    the result does not depend on which block finished first. A call with
    more tiles runs the usual kernel with its epilogue, and the workspace
    is one element.

    `cluster_m = 2` runs the tiled kernel in clusters of two blocks that
    take the two row tiles of one schedule entry (2 * tile_m rows of an
    expert) and share each W tile through TMA multicast, each block loading
    half of it; the blocks share their claimed tiles. Correct on an H100;
    within a few percent of `cluster_m = 1` (Mixtral T = 8192 with
    `warp_specialize` 3% faster, Kimi-K2 6% slower; docs/performance.md,
    5k): not a default.

    `staged_epilogue = true`: the tiled kernel's epilogue (`moe.tile_store
    ... staging`) goes through a shared-memory slice of 16 rows x 72
    columns for each consumer warp, 64 output columns at a time, and
    leaves it in 16-byte runs of whole rows (a warp's store: 4 rows of 128
    bytes) instead of each thread's 4-byte pieces of the wgmma fragment,
    which fill half of every 32-byte sector they touch; f32 outputs (the
    split-K workspace) keep the direct stores.

    `warp_specialize = true`: `moe-warp-specialize` (which the registered
    pipeline runs on the launches whose configuration asks for it, or on
    all with `warp-specialize=1`) gives the kernel a producer warpgroup that
    issues the tile copies and claims the tiles, while the consumer
    warpgroups only compute; their register budget is then what the
    producer leaves (`65536 - 128 * 40` registers over the consumer
    threads, at most 232 a thread), which the verifier checks. A kernel
    whose A rows are gathered has the whole producer warpgroup copy them
    (per-thread `cp.async`). The fp8
    default (`tile_n = 128, tile_k = 128, stages = 6`) is warp-specialized:
    the promotion of each K block then no longer delays the next copies
    (measured 20% faster from 256 rows on, docs/performance.md).

    **Configurations by row count.** The best kernel depends on the rows
    per expert, known only when the layer runs (a 64-row tile wastes less
    of a small expert, clusters pay only where both row tiles have rows).
    `moe.config` may therefore be a list of configurations in increasing
    `min_rows`, the first with `min_rows = 0`, each of the tiled or the
    stream kernel: the GPU lowering compiles one kernel per entry and the
    host code launches the one of the last entry whose `min_rows` is at
    most the GEMM's rows (A's rows, T * k for a layer's GEMMs) at each
    call. A single configuration has `min_rows = 0`.

    ```mlir
    {moe.config = [#moe.gemm_config<>,
                   #moe.gemm_config<cluster_m = 2, min_rows = 16384>]}
    ```

    Example (one warpgroup, 64 x 64 tiles, a three-slot ring):

    ```mlir
    moe.grouped_matmul %a, %w, %offsets outs(%out)
        {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 3, warpgroups = 1>}
        : (memref<?x64xbf16>, memref<4x64x64xbf16>, memref<5xi32>, memref<?x64xbf16>) -> ()
    ```
  }];
  let parameters = (ins
    DefaultValuedParameter<"::mlir::moe::GemmKernel", GemmDefaultKernel,
                           "tiled or simple kernel">:$kernel,
    DefaultValuedParameter<"int64_t", GemmDefaultTileM,
                           "rows of an output tile">:$tile_m,
    DefaultValuedParameter<"int64_t", GemmDefaultTileN,
                           "columns of an accumulator tile">:$tile_n,
    DefaultValuedParameter<"int64_t", GemmDefaultTileK,
                           "K per pipeline step">:$tile_k,
    DefaultValuedParameter<"int64_t", GemmDefaultStages,
                           "slots of the shared-memory ring">:$stages,
    DefaultValuedParameter<"int64_t", GemmDefaultWarpgroups,
                           "consumer warpgroups">:$warpgroups,
    DefaultValuedParameter<"bool", GemmDefaultWarpSpecialize,
                           "a producer warpgroup issues the copies">:$warp_specialize,
    DefaultValuedParameter<"int64_t", GemmDefaultClusterM,
                           "cluster blocks along M">:$cluster_m,
    DefaultValuedParameter<"int64_t", GemmDefaultClusterN,
                           "cluster blocks along N">:$cluster_n,
    DefaultValuedParameter<"::mlir::moe::GemmRaster", GemmDefaultRaster,
                           "order of an expert's tiles">:$raster,
    DefaultValuedParameter<"bool", GemmDefaultSwapAB,
                           "W's rows as wgmma's M">:$swap_ab,
    DefaultValuedParameter<"int64_t", GemmDefaultSplitK,
                           "blocks sharing one tile's K">:$split_k,
    DefaultValuedParameter<"int64_t", GemmDefaultCtas,
                           "persistent blocks at most">:$ctas,
    DefaultValuedParameter<"int64_t", GemmDefaultSimpleThreads,
                           "block size of the simple kernel">:$simple_threads,
    DefaultValuedParameter<"int64_t", GemmDefaultStreamColumns,
                           "output columns of a stream kernel slot">:$stream_columns,
    DefaultValuedParameter<"int64_t", GemmDefaultMinRows,
                           "fewest GEMM rows the configuration is for">:$min_rows,
    DefaultValuedParameter<"bool", GemmDefaultStagedEpilogue,
                           "16-bit outputs stored through shared memory">:$staged_epilogue,
    DefaultValuedParameter<"bool", GemmDefaultL2Hints,
                           "L2 priorities on the tile copies">:$l2_hints
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let builders = [
    // The default configuration, #moe.gemm_config<>.
    AttrBuilder<(ins), "return $_get($_ctxt, " # !interleave([
        GemmDefaultKernel, GemmDefaultTileM, GemmDefaultTileN,
        GemmDefaultTileK, GemmDefaultStages, GemmDefaultWarpgroups,
        GemmDefaultWarpSpecialize,
        GemmDefaultClusterM, GemmDefaultClusterN, GemmDefaultRaster,
        GemmDefaultSwapAB, GemmDefaultSplitK, GemmDefaultCtas,
        GemmDefaultSimpleThreads, GemmDefaultStreamColumns,
        GemmDefaultMinRows, GemmDefaultStagedEpilogue, GemmDefaultL2Hints],
        ", ") # ");">
  ];
  let extraClassDeclaration = [{
    /// The configuration of `<parameter>=<value>` fields (a moe-select-configs
    /// table entry): each parameter at most once, spelled as in the
    /// assembly (integers, enum words, `true`/`false`), the others at their
    /// defaults, checked by the verifier. Errors, naming the field, are
    /// appended to the diagnostic `emitError` returns.
    static ::mlir::FailureOr<GemmConfigAttr>
    getFromFields(::mlir::MLIRContext *context,
                  ::llvm::ArrayRef<std::pair<::llvm::StringRef,
                                             ::llvm::StringRef>> fields,
                  ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError);
    /// This configuration for `minRows` and more rows (the kernel is the
    /// same: two configurations compile to the same kernels exactly when
    /// their withMinRows(0) are equal).
    GemmConfigAttr withMinRows(int64_t minRows) const;
    /// This configuration with `staged_epilogue` set to `staged`.
    GemmConfigAttr withStagedEpilogue(bool staged) const;
    /// The default configuration of a GEMM with quantization `quant`
    /// (for one without a `moe.config`, and what moe-select-configs' row
    /// lists start from): #moe.gemm_config<> without one; for the fp8
    /// schemes K steps of one 128-byte row of 128 elements (tile_k = 128)
    /// and 128 x 128 tiles, whose two accumulators (the block-scale
    /// promotion's partial sums beside the f32 accumulator) fit the
    /// registers, in a six-slot ring. fp8_block's is warp-specialized (the
    /// producer's copies run on while the consumers promote: measured 20%
    /// faster on an H100 from 256 rows of DeepSeek-V3's shapes on,
    /// docs/performance.md); fp8_channel's and fp8_tensor's (one
    /// accumulator, scaled in the epilogue) are not (not measured). The
    /// weight-only schemes take the stream kernel, which dequantizes
    /// integer weights in registers (the simple kernel where its 16-byte
    /// loads do not apply): #moe.gemm_config<kernel = stream>.
    static GemmConfigAttr getDefault(::mlir::MLIRContext *context,
                                     ::mlir::moe::QuantScheme quant);
    /// Bytes of one slot of the shared-memory ring: an A tile and a W tile
    /// of one 128-byte row of `tile_k` elements (16-bit for 64, fp8 for
    /// 128) a row.
    int64_t getStageBytes() const;
    /// Dynamic shared memory of the tiled kernel: the ring's tiles, its
    /// small buffers (mbarrier rings, claim words) and the alignment slack.
    int64_t getSharedMemoryBytes() const;
  }];
}

#endif // MOE_DIALECT_MOE_IR_MOEATTRS_TD
