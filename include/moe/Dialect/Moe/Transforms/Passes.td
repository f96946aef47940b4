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

    The routed weight is applied in the second GEMM's epilogue (as vLLM's
    `MUL_ROUTED_WEIGHT`), so `moe.combine` only sums. With
    `num_shared_experts = S`, the S shared experts are the last S experts of
    `w13`/`w2` and every token takes all of them through the same GEMMs
    (SGLang-style shared-expert fusion). Intermediates are in x's element
    type. The rewrite runs on any op nested in the pass's anchor.
  }];
  let dependentDialects = ["::mlir::moe::MoeDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numDecomposed", "num-decomposed",
              "Number of moe.fused_moe ops expanded">
  ];
}

def MoeDecomposeMotLinear : Pass<"moe-decompose-mot-linear"> {
  let summary = "Route moe.mot_linear through the grouped GEMM";
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
    are left to their own (simple) kernel.
  }];
  let dependentDialects = ["::mlir::moe::MoeDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MoeSelectConfigs : Pass<"moe-select-configs"> {
  let summary = "Choose each moe op's kernel configuration";
  let description = [{
    Attaches a `moe.config` dictionary (e.g. `{threads = 256 : i64}`) to
    every moe op that has none, which convert-moe-to-gpu reads. With
    `table=<file>`, the first matching line of that tuned table wins; each
    line is `<op> [<size>=<n> ...] <key>=<n> ...`, where the sizes `E`, `H`,
    `N`, `K` and `k` (experts, hidden, output, reduction, top-k) must equal
    the op's (static) sizes and the remaining keys form the config; `#`
    starts a comment. Every entry is checked when the table is read, with
    the rules the `moe.config` verifier applies (the keys the op reads, each
    in its hardware range: docs/Pipeline.md); a bad entry is an error naming
    the file, the line and the entry. Without a match a heuristic picks the
    config, and when a table was given the op gets a warning saying so (the
    usual "using the default MoE config" complaint, made visible at compile
    time). An op that already has `moe.config` is left alone.
  }];
  let options = [
    Option<"table", "table", "std::string", /*default=*/"",
           "Tuned configuration table (see the description)">
  ];
  let statistics = [
    Statistic<"numTuned", "num-tuned", "Ops configured from the table">,
    Statistic<"numHeuristic", "num-heuristic", "Ops configured by heuristic">
  ];
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
    memrefs of f32, bf16, f16 or i32. Anything else is an error at the
    function, and no manifest is written.

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

#endif // MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
