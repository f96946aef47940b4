//===- Passes.td - Conversions out of the moe dialect ------*- tablegen -*-===//

#ifndef MOE_CONVERSION_PASSES_TD
#define MOE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMoeToGPU : Pass<"convert-moe-to-gpu", "ModuleOp"> {
  let summary = "Lower buffer-form moe ops to GPU kernels";
  let description = [{
    Replaces every moe op in buffer (memref) form by one or more
    `gpu.launch` regions computing it as docs/Semantics.md defines; run
    `gpu-kernel-outlining` next to turn them into `gpu.func` kernels and
    `gpu.launch_func` calls. Each kernel reads its launch shape from the op's
    `moe.config` attribute (see `moe-select-configs`) or a default.
    Every kernel bounds-checks every access against the memref sizes, so any
    shape (and any run-time ids or offsets) is safe. Ops with no lowering yet
    are reported with an error naming them.

    `grouped_matmul` and `mot_linear` left here become the simple kernel
    (one thread per output element); run `moe-tile-grouped-matmul` first for
    the tiled kernel (the `moe-to-nvvm` pipeline does). The simple kernel
    is the only one for the weight-only schemes (`w4a16`, `w4a16_zp`,
    `w8a16`): it unpacks each int4 (or reads each int8) weight where it
    reads it and dequantizes it as docs/Semantics.md defines, group scale
    and zero point per `group_size` columns of K. A `grouped_matmul`
    whose `#moe.gemm_config` asks for what no kernel implements yet is an
    error here too, as in `moe-tile-grouped-matmul`. Tile ops left in
    kernels (`moe.tile_load_async`, `moe.tile_wait`) are
    `moe-create-tma-descriptors`' work and are left alone.

    Fused routing (`fuse-routing`, on by default): a `gate` whose `ids`
    buffer is read next by `align`, `permute` or `permute_indices` (with
    nothing between them that writes memory) is lowered together with
    that op's counting sort into one launch whenever the sort's slots
    `T * ids columns` fit one block's pass: `max(T, 1)` blocks of
    `max(gate threads, 512)` threads; block `b < T` routes row `b` with the
    gate kernel's code, and the last block to finish (a ticket counter,
    zeroed by a `gpu.memset` when `T > 1`) runs the sort's single-block
    kernel code on the ids in global memory. The bound on the slots
    `T * (k + S)` is the smaller of `fuse-routing-max-slots` (default 512:
    measured on an H100, the fused launch wins up to about 300 slots and
    loses from about 2000, where its one sorting block is the critical
    path; docs/performance.md) and what one block sorts in one pass (4096
    for any `E <= 512` with the default block). The bound is checked on
    the host (at compile time for static shapes); above it, and without
    `fuse-routing`, the ops get their own kernels. Results are
    bit-identical either way (the same code computes them; docs/Pipeline.md).

    Example (`permute_indices` on the ids of a gate):

    ```mlir
    moe.gate %logits k = 8 scoring = softmax renormalize
        outs(%w, %ids : memref<?x8xf32>, memref<?x8xi32>)
    moe.permute_indices %ids weights(%w) num_experts = 128
        outs(%src, %off, %rw : memref<?xi32>, memref<129xi32>, memref<?xf32>)
    // -> scf.if (T * 8 <= 512) { gpu.memset (T > 1); one gpu.launch }
    //    else { the gate's gpu.launch }, then the sort's launches if above.
    ```
  }];
  let options = [
    Option<"fuseRouting", "fuse-routing", "bool", /*default=*/"true",
           "Lower a gate and the align, permute or permute_indices sorting "
           "its ids into one launch where the sort fits one block">,
    Option<"fuseRoutingMaxSlots", "fuse-routing-max-slots", "int64_t",
           /*default=*/"512",
           "Fuse routing only while T * (k + S) is at most this (positive; "
           "capped by what one block sorts in one pass)">
  ];
  let statistics = [
    Statistic<"numFusedRoutings", "fused-routings",
              "gate + sort pairs lowered to one routing launch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect"
  ];
}

def MoeTileGroupedMatmul : Pass<"moe-tile-grouped-matmul", "ModuleOp"> {
  let summary = "Tile grouped GEMMs into a scheduled, pipelined wgmma kernel";
  let description = [{
    Runs on buffer-form IR, before `convert-moe-to-gpu`. Every
    `moe.grouped_matmul` the tiled kernel can compute (16-bit A and W of the
    same type, identity layouts, `kernel = tiled` in its `#moe.gemm_config`,
    the default) becomes, behind a host-side check of the TMA rules
    (16-byte aligned A and W, K a multiple of 8, no empty dimension, all
    below 2^31 - 4096 for the 32-bit schedule and coordinates) whose
    other branch is the simple kernel:

    1. A one-block tile-schedule kernel that builds, from the expert offsets
       on the device, one entry (expert, row start, row count) per
       `64 * warpgroups` rows of every expert, so no block works on padding
       and experts without rows cost nothing; rows outside every expert get
       zero-output entries. Non-monotone offsets set a device flag instead.
    2. A persistent kernel of at most `ctas` blocks, each of `warpgroups`
       warpgroups, over (schedule entry, column block of `tile_n`) tiles in
       an L2-aware order (an expert's tiles consecutive, column block by
       column block). With `dynamic-tiles` (the default) a block takes its
       next tile from a counter in the schedule (`moe.tile_claim` as the
       current tile starts, `moe.tile_claimed` after it), so the tiles in
       flight stay within about one tile per block of each other however
       much the tiles' costs differ; otherwise block b takes tiles b,
       b + grid, ...
       The kernel is tile IR only: per 64-wide K step, `moe.tile_load` of
       the A and W tiles (128-byte swizzle; gate and up halves of W into
       the two halves of one tile) and a `moe.tile_mma` (its `rows`, the
       tile's rows, let a warpgroup without rows skip its MMAs), then a
       `moe.tile_store` epilogue: bias, activation, row scale,
       rounding, stores masked at expert boundaries and the N edge.
    3. The simple kernel, gated by the device flag, with a bounded grid.

    Gathered A (`a[row_index]`, the vLLM layout) arrives through gathered
    tile copies (`gather(row_index)`), straight into the ring; the epilogue
    writes zero rows where an index has no A row. The tiles, the ring
    depth and the grid come from the op's `moe.config = #moe.gemm_config<...>`
    (from `moe-select-configs`; `#moe.gemm_config<>` when it has none),
    whose verifier has checked them: nothing is adjusted here. A
    configuration asking for what the kernels do not implement yet
    (`cluster_m` above 2, `cluster_n` other than 1, `raster = along_n`,
    `swap_ab = true`, `split_k` with `cluster_m = 2` or `kernel = simple`)
    is an error at the op, for every grouped_matmul whichever kernel it
    would get. With `split_k`, the schedule kernel also decides the
    call's number of K splits; the GEMM kernel's tiles then cover one K
    range each and store raw f32 partial sums into a workspace, which a
    fourth, device-gated launch (the simple kernel reading the partials
    instead of A and W) adds up in a fixed order and finishes with the
    epilogue. Ops it cannot take
    are left to `convert-moe-to-gpu`'s simple kernel.

    Configurations with `kernel = stream` (bf16 or f16, unquantized) get the
    weight-streaming decode kernel instead of the three launches above: one
    launch with no schedule, behind a host-side check of its 16-byte loads
    (aligned A and W rows, K a multiple of 8, at most 1024 experts) whose
    other branch is the simple kernel (`#moe.gemm_config`'s description
    says how it works). A list of configurations may mix the two.

    Run `moe-pipeline-tile-loads`, then `moe-create-tma-descriptors` and
    `convert-moe-tile-to-nvgpu`, next.
  }];
  let options = [
    Option<"dynamicTiles", "dynamic-tiles", "bool", /*default=*/"true",
           "Blocks take tiles from a counter in the schedule (in the order "
           "they start); off: round robin">
  ];
  let dependentDialects = [
    "::mlir::moe::MoeDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect"
  ];
}

def MoeCreateTmaDescriptors : Pass<"moe-create-tma-descriptors", "ModuleOp"> {
  let summary = "Lower in-kernel tile copies to TMA loads on mbarriers";
  let description = [{
    Runs on `gpu.launch` regions, before `gpu-kernel-outlining`. For every
    `moe.tile_load_async` in a kernel it creates, right before the launch,
    the tensor map of the copy's source with the copy's box and swizzle
    (`nvgpu.tma.create.descriptor`, out-of-bounds elements zero-filled; one
    map per source, box and swizzle, shared by the copies of the launch),
    and rewrites the copies:

    - each ready ring (a workgroup `memref<Sxi64>`) becomes S mbarriers,
      initialized by thread 0 right after the ring is created, followed by a
      block barrier;
    - each batch of copies (copies on the same ring slot following one
      another in a block, with only side-effect-free ops between) becomes,
      on thread 0, one `mbarrier.arrive.expect_tx` of the batch's bytes and
      one `cp.async.bulk.tensor` per copy completing on that mbarrier;
    - `moe.tile_wait` becomes `mbarrier.try_wait.parity`.

    Hopper's TMA cannot gather rows, so gathered copies
    (`gather(row_index)`) become per-thread 16-byte `cp.async` copies
    instead: each thread of the (static-size) block copies its share of the
    box's chunks to the swizzled positions TMA would use, zero-filling rows
    without a valid index and the K edge, and arrives on the slot's
    mbarrier when they land (`cp.async.mbarrier.arrive.noinc`; such a
    ring's mbarriers expect one arrival per thread besides thread 0's). A
    wait on such a ring is followed by `fence.proxy.async.shared::cta`, as
    wgmma reads what the generic proxy wrote.

    The maps travel to the kernel as launch operands (by value after
    `moe-tensor-maps-by-value`). Errors: a tile op outside a `gpu.launch`,
    a source defined inside the kernel or whose innermost stride is not 1,
    boxes TMA cannot copy (rank over 5, a dimension over 256 elements), a
    ring not created at the kernel's top level, and a slot's batch split by
    other ops.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect"
  ];
}

def ConvertMoeTileToNVGPU : Pass<"convert-moe-tile-to-nvgpu", "ModuleOp"> {
  let summary = "Lower the tile IR's buffers, MMAs and epilogues to nvgpu";
  let description = [{
    Runs on `gpu.launch` regions after `moe-create-tma-descriptors` (which
    lowers the copies, waits and releases), before `gpu-kernel-outlining`:

    - the kernel's `moe.tile_alloc` buffers are placed in its dynamic shared
      memory, tiles first and 1024-byte aligned each, then buffers under
      1 KiB (ring words) 16-byte aligned, and the launch's dynamic shared
      memory size is set (a launch that already has one is an error);
    - a tile accumulator `vector<MxNxf32>` becomes, in each of the `M / 64`
      warpgroups, `!nvgpu.warpgroup.accumulator<fragmented =
      vector<64xNxf32>>`, through `scf.for`/`scf.if`; a zero tile becomes
      `nvgpu.warpgroup.mma.init.accumulator` (other constant tiles are not
      lowered);
    - `moe.tile_mma` becomes, per 16-wide K slice, two
      `nvgpu.warpgroup.generate.descriptor` (the warpgroup's 64 rows of
      lhs, and rhs) and one `nvgpu.warpgroup.mma` (wgmma m64nNk16 with
      K-major operands) whose `waitGroup` leaves the tile op's `pending`
      MMAs in flight; with `rows`, a warpgroup whose 64 rows all lie past
      them issues none: a loop of such MMAs (rows and warpgroup defined
      outside it) is first versioned into `scf.if (the warpgroup has rows)
      {the loop, its MMAs waited for} else {the loop without its MMAs}`, so
      the K loop has no branch between a wgmma left in flight and its wait;
      elsewhere a branch around the MMA's wgmmas;
    - `moe.tile_mma_wait` (pending = 0) becomes
      `nvvm.wgmma.wait.group.sync.aligned 0`;
    - `moe.tile_store` becomes the epilogue on each thread's registers of
      the wgmma D fragment (read through the accumulator's LLVM struct):
      bias, gated activation, row scale, zero rows without a source row,
      rounding, and stores under the row and column bounds (a thread's two
      adjacent columns in one two-element `vector.store` where both are in
      bounds and the output's rows are 16-byte aligned).

    Run upstream `convert-nvgpu-to-nvvm` later (the `moe-to-nvvm` pipeline
    does).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ub::UBDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // MOE_CONVERSION_PASSES_TD
