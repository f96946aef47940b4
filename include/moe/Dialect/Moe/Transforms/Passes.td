//===- Passes.td - Transformations of the moe dialect ------*- tablegen -*-===//

#ifndef MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
#define MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MoeDecomposeFusedMoe : Pass<"moe-decompose-fused-moe"> {
  let summary = "Expand moe.fused_moe into routing, permutation, GEMMs and combine";
  let description = [{
    Rewrites every `moe.fused_moe` into the ops that compute it:

    ```
    %weights, %ids = moe.gate %logits ...        // [T, k+S]
    %rows, %src, %offsets, %row_w = moe.permute %x, %ids weights(%weights)
    %h = moe.grouped_matmul %rows, %w13, %offsets epilogue = silu_and_mul
    %y = moe.grouped_matmul %h, %w2, %offsets scale(%row_w)
    %out = moe.combine %y, %src k = k+S
    ```

    The activation is the first GEMM's epilogue (`silu` ->
    `silu_and_mul`, ..., `relu2_no_mul` -> `relu2`, with `gate_up_layout`,
    `clamp_limit` and `swiglu_alpha` as given), `b13` and `b2` the GEMMs'
    biases. The routed weight is applied in the second GEMM's epilogue (as
    vLLM's `MUL_ROUTED_WEIGHT`), so `moe.combine` only sums. An
    `expert_map` goes to the permutation (`moe.permute` or
    `moe.permute_indices` with `expert_map`, `num_experts` = this rank's
    experts, w13 dim 0, which must then be static): slots of experts held
    elsewhere are dropped there, so the GEMMs read only the local weights
    and those slots add nothing. With
    `num_shared_experts = S`, the S shared experts are the last S experts of
    `w13`/`w2` and every token takes all of them through the same GEMMs
    (SGLang-style shared-expert fusion). Intermediates are in x's element
    type. The rewrite runs on any op nested in the pass's anchor.

    With `gather-token-rows`, `moe.permute_indices` computes only the
    permutation and the first GEMM reads each row's token from `%x` in
    place (`moe.grouped_matmul %x[%src] ... index_divisor = k+S`).
  }];
  let options = [
    Option<"gatherTokenRows", "gather-token-rows", "bool", /*default=*/"false",
           "Skip the row copy: permute_indices, and a first GEMM that reads "
           "each row's token from x by index (grouped_matmul x[src_index]). "
           "Off by default: measured on an H200, the layers are 15-33% "
           "slower with it at T >= 2048 and mostly slower below "
           "(docs/performance.md, 5f)">
  ];
  let dependentDialects = ["::mlir::moe::MoeDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numDecomposed", "num-decomposed",
              "Number of moe.fused_moe ops expanded">
  ];
}

def MoeDecomposeMotLinear : Pass<"moe-decompose-mot-linear"> {
  let summary = "Route moe.mot_linear and moe.mot_mlp through the grouped GEMM";
  let description = [{
    Rewrites each tensor-form `moe.mot_linear` whose `x` and `w` share a
    16-bit element type (the operands the tiled TMA/wgmma grouped GEMM
    takes) and whose number of token types is static into

    ```
    %ids = tensor.expand_shape %type_ids [[0, 1]]        // [T, 1]
    %rows, %src, %offsets = moe.permute %x, %ids num_experts = G
    %y = moe.grouped_matmul %rows, %w, %offsets bias(%bias)
    %out = moe.combine %y, %src k = 1
    ```

    which computes the same values: tokens whose type is outside `[0, G)`
    get no row and come out zero, and the single combine term `1 * y` is
    exact, so the GEMM's rounding is the only one. Other `mot_linear` ops
    are left to their own (simple) kernel. With `gather-token-rows`,
    `moe.permute_indices` and a GEMM reading `%x[%src]` replace the copy.

    Each tensor-form `moe.mot_mlp` with a static number of token types
    (w13 dim 0) becomes the same permutation and two GEMMs, as
    `moe-decompose-fused-moe` expands an expert MLP:

    ```
    %h = moe.grouped_matmul %rows, %w13, %offsets bias(%b13)
        epilogue = silu_and_mul                   // the activation's
    %y = moe.grouped_matmul %h, %w2, %offsets bias(%b2)
    %out = moe.combine %y, %src k = 1
    ```

    A `mot_mlp` it cannot expand is an error: it has no kernel of its own.
  }];
  let options = [
    Option<"gatherTokenRows", "gather-token-rows", "bool", /*default=*/"false",
           "Skip the row copy: permute_indices, and a first GEMM that reads "
           "each row's token from x by index (grouped_matmul x[src_index]). "
           "Off by default: measured on an H200, the layers are 15-33% "
           "slower with it at T >= 2048 and mostly slower below "
           "(docs/performance.md, 5f)">
  ];
  let dependentDialects = ["::mlir::moe::MoeDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MoeSelectConfigs : Pass<"moe-select-configs"> {
  let summary = "Choose each moe op's kernel configuration";
  let description = [{
    Attaches a `moe.config` to every moe layer op that has none, which the
    GPU lowering reads: a `#moe.gemm_config<...>` to `grouped_matmul`, a
    dictionary (e.g. `{threads = 256 : i64}`) to the other ops. With
    `table=<file>`, the first matching line of that tuned table wins; each
    line is `<op> [<size>=<n> ...] <key>=<value> ...`, where the sizes `E`,
    `H`, `N`, `K` and `k` (experts, hidden, output, reduction, top-k) must
    equal the op's (static) sizes and the remaining keys form the config;
    `#` starts a comment. For `grouped_matmul` the keys are the parameters
    of `#moe.gemm_config`, each value written as in the attribute (an
    integer, a word such as `simple` or `along_m`, `true` or `false`), and
    the parameters a line leaves out keep their defaults. A `grouped_matmul`
    line matches one quantization scheme, `quant=<scheme>` (`fp8_block`,
    `w4a16`, ...; K is the logical K, twice the packed int4 dimension), or
    `none` when it names none, so a line tuned for bf16 never configures a
    quantized GEMM of the same sizes. Lines with a `min_rows=<n>` key
    configure the GEMMs of at least n rows (A's rows, T * k in a layer):
    a `grouped_matmul` gets the first matching line of each `min_rows` as
    a list of configurations by row count, and the host code picks one at
    run time (`#moe.gemm_config`); rows below every matching line's
    `min_rows` get the heuristic:

    ```
    grouped_matmul E=128 N=1536 K=2048  tile_m=64 warpgroups=1 tile_n=128 stages=6
    grouped_matmul E=128 N=1536 K=2048  min_rows=16384 cluster_m=2
    grouped_matmul E=257 N=4096 K=7168 quant=fp8_block  tile_n=128
    grouped_matmul E=8                  kernel=simple simple_threads=128
    rms_norm       H=4096               threads=512
    ```

    For the other ops the keys are integers with the rules the `moe.config`
    verifier applies (the keys the op reads, each in its hardware range:
    docs/Pipeline.md). Every entry is checked when the table is read: an
    unknown key, a value out of range or a #moe.gemm_config its verifier
    rejects is an error naming the file, the line and the entry. Without a
    match a heuristic picks the config, and when a table was given the op gets a warning
    saying so (the usual "using the default MoE config" complaint, made
    visible at compile time). The `grouped_matmul` heuristic is a list by
    row count: 64 x 128 tiles in an 8-slot ring below 4 rows per expert on
    average (`min_rows = 4 * E`; decode, where twice the column blocks keep
    more SMs streaming weights), the defaults `#moe.gemm_config<>` from
    there (measured by the autotuner on an H100: docs/performance.md); with
    a dynamic E, the defaults alone. Unquantized GEMMs get
    `staged_epilogue = true` in both (their 16-bit outputs leave through
    shared memory in whole sectors; docs/performance.md 5n). An op that
    already has `moe.config` is left alone.
  }];
  let options = [
    Option<"table", "table", "std::string", /*default=*/"",
           "Tuned configuration table (see the description)">
  ];
  let statistics = [
    Statistic<"numTuned", "num-tuned", "Ops configured from the table">,
    Statistic<"numHeuristic", "num-heuristic", "Ops configured by heuristic">
  ];
  let dependentDialects = ["::mlir::moe::MoeDialect"];
}

def MoeExportManifest : Pass<"moe-export-manifest", "ModuleOp"> {
  let summary = "Write the entry points of a module to an artifact manifest";
  let description = [{
    Writes, for every public function of the module (tensor level, before
    lowering), its arguments and results (element type and shape, `?` for
    a dynamic size) and each moe op with its attributes and which function
    arguments feed its operands. The runner (tools/moe-runner) reads this
    manifest on the GPU host, where there is no MLIR, to call the compiled
    `_mlir_ciface_<name>` entry points with correctly shaped buffers and to
    check them against the CPU reference. The IR is left unchanged.

    Every public function must be what the runner can call: one block
    ending in `func.return`, arguments and results ranked tensors or
    memrefs of f32, bf16, f16, i32, f8E4M3FN or i8 (the integer weights
    and zero points of the weight-only schemes). Anything else is an error
    at the function, and no manifest is written. Quantized ops are
    described as any other: `quant`, `group_size` and the scale and zero
    point operands are fields of their records.

    Format, one record per line, fields separated by spaces:
    ```
    moe-manifest 1
    function <name>
    arg <index> <element-type> <dim>x<dim>...
    result <index> <element-type> <dim>x... out=<argument it is written to>
    op <name> <operand>=<argument index or -> ... <attribute>=<value> ...
    end
    ```
  }];
  let options = [
    Option<"path", "path", "std::string", /*default=*/"\"-\"",
           "Where to write the manifest ('-' for stdout)">
  ];
}

def MoePipelineTileLoads : Pass<"moe-pipeline-tile-loads", "ModuleOp"> {
  let summary = "Software-pipeline the tile loads of a loop onto a ring of "
                "buffers";
  let description = [{
    For every `scf.for` (from 0 by 1, inside a `gpu.launch` of static block
    size) whose body holds `moe.tile_load` ops, each writing a
    `moe.tile_alloc` buffer (or a subview of one): every such buffer becomes
    a ring of `stages` buffers (a new `moe.tile_alloc` with a leading
    dimension of `stages`), and the loads become asynchronous copies
    (`moe.tile_load_async`) issued up to `stages` iterations ahead of their
    use, completing on a "full" ring of `stages` slots. Each iteration waits
    for its slot (`moe.tile_wait`), runs the body on that slot's buffers
    with its tile MMAs left in flight (`pending` = the MMAs of one
    iteration), then releases the previous iteration's slot on an "empty"
    ring (`moe.tile_release`, every thread of the block arriving) and
    refills it for the iteration `stages` ahead, after waiting for the
    release. After the loop it waits for the MMAs (`moe.tile_mma_wait`) and
    releases the last slot. A per-thread step counter carries the ring
    position from one run of the loop to the next, so the loop may sit in a
    persistent loop over tiles.

    The depth is the loop's `moe.pipeline_stages` attribute (the tiling pass
    writes it from the op's configuration), else the `stages` option; it
    must be in [2, 16]. The ops in the body that compute the loads'
    operands must be free of side effects (they are cloned into each
    refill). Errors name the loop or load that breaks a rule.
  }];
  let options = [
    Option<"stages", "stages", "int64_t", /*default=*/"4",
           "Ring depth for loops without a moe.pipeline_stages attribute">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def MoeWarpSpecialize : Pass<"moe-warp-specialize", "ModuleOp"> {
  let summary = "Give a pipelined tile kernel a producer warpgroup";
  let description = [{
    For every `gpu.launch` that `moe-pipeline-tile-loads` has pipelined
    (asynchronous tile copies on full rings, releases on empty rings): the
    block grows by one warpgroup of 128 threads, the producer, which runs
    first. The kernel body after its
    buffer allocations is split on the thread id:

    - the producer warpgroup lowers its registers
      (`nvvm.setmaxregister decrease 40`) and one of its threads walks the
      body keeping only the copies and the waits for a slot's release: it
      runs up to a ring ahead of the consumers, across tiles. Gathered
      copies (A rows through a row index: per-thread `cp.async`) are split
      over the whole producer warpgroup instead, which then walks the body
      with every thread (the copies say `threads = 128`; thread 0 still
      issues the TMA copies);
    - the consumer warpgroups raise theirs
      (`nvvm.setmaxregister increase 232`) and walk the body without the
      copies, with thread ids counted from 0 again: waits for full slots,
      tile MMAs, releases (whose `arrivals` are the consumer threads) and
      epilogues.

    Tiles claimed from a counter (`moe.tile_claim` into a slot, read by
    `moe.tile_claimed` later in the same block) reach the consumers
    through a queue of 4 words in workgroup memory: the producer's thread
    makes each claim (one `memref.atomic_rmw`), waits for the word's slot
    on an empty ring, writes it and signals a full ring
    (`moe.tile_signal`); its own `moe.tile_claimed` reads its last claim.
    The consumers' `moe.tile_claimed` waits on the full ring, reads the
    word and releases the slot. So tiles still start in the order they are
    claimed, and the producer claims the next tile as it starts copying
    the current one. When the whole producer warpgroup copies, its thread
    0 claims and pushes, and every producer thread pops the claim as the
    consumers do (the slot's release then counts both sides' threads).

    The block must be one-dimensional, of static size, a multiple of 128
    and at most 896 threads, with no `gpu.barrier` (producer and consumers
    never meet at one). Loops that only carried accumulators in the
    producer are simplified away.

    Which launches: every one that qualifies, or with `only-marked` only
    those carrying the `moe.warp_specialize` unit attribute, which
    `moe-tile-grouped-matmul` sets where the GEMM's configuration says
    `#moe.gemm_config<warp_specialize = true>` (the registered pipeline
    runs the pass so, and with `warp-specialize=1` on every launch). The
    attribute is removed either way.
  }];
  let options = [
    Option<"onlyMarked", "only-marked", "bool", /*default=*/"false",
           "Only launches marked moe.warp_specialize (by their GEMM "
           "configuration)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
