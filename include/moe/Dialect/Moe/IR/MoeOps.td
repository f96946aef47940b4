//===- MoeOps.td - Ops of the moe dialect ------------------*- tablegen -*-===//
//
// Routing, token alignment/permutation, expert GEMM, token-type dispatch and
// fused normalization ops. docs/Semantics.md is the contract every op here,
// the CPU reference and every lowering follow.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOEOPS_TD
#define MOE_DIALECT_MOE_IR_MOEOPS_TD

include "moe/Dialect/Moe/IR/MoeDialect.td"
include "moe/Dialect/Moe/IR/MoeEnums.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

// Every op is in destination-passing style: its results are written into
// `outs` operands. On tensors each out is tied to the result of the same
// type; after bufferization the same op works on memrefs and has no results.
class Moe_Shaped<list<Type> elements, int rank>
    : AnyTypeOf<[TensorRankOf<elements, [rank]>, MemRefRankOf<elements, [rank]>]>;

def Moe_Float1D : Moe_Shaped<[F32, BF16, F16], 1>;
def Moe_Float2D : Moe_Shaped<[F32, BF16, F16], 2>;
def Moe_Float3D : Moe_Shaped<[F32, BF16, F16], 3>;
def Moe_F32_1D : Moe_Shaped<[F32], 1>;
def Moe_F32_2D : Moe_Shaped<[F32], 2>;
def Moe_I32_1D : Moe_Shaped<[I32], 1>;
def Moe_I32_2D : Moe_Shaped<[I32], 2>;
def Moe_RankedShaped : AnyTypeOf<[AnyRankedTensor, AnyMemRef]>;

// Quantized operands (docs/Semantics.md, "Quantized experts"): GEMM inputs
// that may be f8E4M3FN, weights that may be f8E4M3FN or i8 (int8, or two
// int4 values a byte), and scales and zero points whose rank the scheme
// decides (the verifier checks it).
def Moe_GemmInput2D : Moe_Shaped<[F32, BF16, F16, F8E4M3FN], 2>;
def Moe_GemmWeight3D : Moe_Shaped<[F32, BF16, F16, F8E4M3FN, I8], 3>;
def Moe_F8_2D : Moe_Shaped<[F8E4M3FN], 2>;
class Moe_AnyRank<list<Type> elements>
    : AnyTypeOf<[RankedTensorOf<elements>, MemRefOf<elements>]>;
def Moe_F32_AnyRank : Moe_AnyRank<[F32]>;
def Moe_Float_AnyRank : Moe_AnyRank<[F32, BF16, F16]>;
def Moe_I8_AnyRank : Moe_AnyRank<[I8]>;

// Results on tensors: one per out, of the same type.
defvar DpsResults = (outs Variadic<AnyRankedTensor>:$result_tensors);

class Moe_DpsOp<string mnemonic, list<Trait> traits = []>
    : Moe_Op<mnemonic, !listconcat(traits, [
        DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
        DeclareOpInterfaceMethods<ConditionallySpeculatable>,
        DestinationStyleOpInterface])> {
  // The outs are the trailing operands (counted by getNumOuts()).
  code dpsInitsDecl = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      unsigned numOperands = getOperation()->getNumOperands();
      return ::mlir::MutableOperandRange(getOperation(),
                                         numOperands - getNumOuts(),
                                         getNumOuts());
    }
  }];
}

//===----------------------------------------------------------------------===//
// Routing attributes shared by moe.gate and moe.fused_moe
//===----------------------------------------------------------------------===//

defvar RoutingAttrs = (ins
  I64Attr:$k,
  Moe_ScoringFuncAttr:$scoring,
  DefaultValuedAttr<I64Attr, "1">:$num_groups,
  DefaultValuedAttr<I64Attr, "1">:$topk_groups,
  DefaultValuedAttr<Moe_GroupScoreAttr, "::mlir::moe::GroupScore::max">:$group_score,
  UnitAttr:$renormalize,
  DefaultValuedAttr<F32Attr, "1.0f">:$scaling_factor,
  DefaultValuedAttr<I64Attr, "0">:$num_shared_experts,
  DefaultValuedAttr<Moe_SharedWeightAttr,
                    "::mlir::moe::SharedWeight::routed_mass">:$shared_weight
);

// Assembly of the routing attributes: defaults are elided, enums print as
// keywords.
defvar RoutingFormat = [{
    `k` `=` $k `scoring` `=` `` $scoring
    (`num_groups` `=` $num_groups^ `topk_groups` `=` $topk_groups)?
    (`group_score` `=` `` $group_score^)? (`renormalize` $renormalize^)?
    (`scaling_factor` `=` $scaling_factor^)?
    (`num_shared_experts` `=` $num_shared_experts^)?
    (`shared_weight` `=` `` $shared_weight^)?
}];

defvar RoutingDoc = [{
    Routing attributes (shared with `moe.fused_moe`):
    - `k`: routed experts per token (`1 <= k <= topk_groups * E / num_groups`).
    - `scoring`: `softmax` over all E logits, or an independent `sigmoid`.
    - `num_groups`, `topk_groups`, `group_score`: group-limited routing. The E
      experts form `num_groups` contiguous groups (`num_groups` divides E);
      each group is scored by the `max` or the `top2_sum` of its selection
      scores, and only experts of the best `topk_groups` groups are eligible.
    - `renormalize`: divide the k weights by their sum (a zero sum gives
      zeros, never NaN).
    - `scaling_factor`: multiplies the routed weights after renormalization.
    - `num_shared_experts` S: appends S fused shared-expert slots with ids
      `E .. E+S-1`. Their weight: `sigmoid(shared_logits[t, s])` with the
      optional `shared_logits [T, S]` operand (Qwen2-MoE / Qwen3-Next's
      shared-expert gate, computed beside the router logits); otherwise, as
      `shared_weight` says, `routed_mass` (default: the sum of the final
      routed weights / scaling_factor, 1 when renormalized) or `one`
      (Llama-4, DeepSeek-V2: added unweighted). scaling_factor never
      scales a shared slot.

    Selection uses `score + bias`; weights use the unbiased score. Ties pick
    the lower expert index; ids come out in descending selection score. A NaN
    logit or score ranks below every number (as `-inf`) and gets weight 0;
    ids are always valid, distinct expert indices.
}];

//===----------------------------------------------------------------------===//
// GateOp
//===----------------------------------------------------------------------===//

def Moe_GateOp : Moe_DpsOp<"gate", [AttrSizedOperandSegments]> {
  let summary = "top-k router: expert ids and weights per token";
  let description = !strconcat([{
    Computes, for each of the T rows of `logits [T, E]`, the `k` experts a
    token is sent to and their weights, with optional correction `bias [E]`
    (DeepSeek-V3's `e_score_correction_bias`) and optional
    `shared_logits [T, S]` (the shared-expert gate's logits: shared slot `s`
    gets `sigmoid(shared_logits[t, s])`). Results: `weights [T, k+S]`
    (f32) and `ids [T, k+S]` (i32).

    Per row: `score = softmax(logits)` or `sigmoid(logits)`; selection score
    `s = score + bias`; group-limited top-k on `s`; `weight = score[id]`,
    renormalized and scaled; then the shared-expert slots.

  }], RoutingDoc, [{

    Example (DeepSeek-V3 routing with one fused shared expert):

    ```mlir
    %weights, %ids = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid
        num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
        scaling_factor = 2.5 num_shared_experts = 1 outs(%w_init, %ids_init)
        : (tensor<?x256xbf16>, tensor<256xf32>, tensor<?x9xf32>,
           tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
    ```

    Example (Qwen3-Next: top-10 of 512, one shared expert weighted by its
    sigmoid gate):

    ```mlir
    %weights, %ids = moe.gate %logits shared_logits(%shared) k = 10
        scoring = softmax renormalize num_shared_experts = 1
        outs(%w_init, %ids_init)
        : (tensor<?x512xbf16>, tensor<?x1xbf16>, tensor<?x11xf32>,
           tensor<?x11xi32>) -> (tensor<?x11xf32>, tensor<?x11xi32>)
    ```
  }]);
  let arguments = !con((ins Moe_Float2D:$logits, Optional<Moe_F32_1D>:$bias,
                            Optional<Moe_Float2D>:$shared_logits),
                       RoutingAttrs,
                       (ins Moe_F32_2D:$weights_init, Moe_I32_2D:$ids_init));
  let results = DpsResults;
  let assemblyFormat = !strconcat([{ $logits (`bias` `(` $bias^ `)`)?
    (`shared_logits` `(` $shared_logits^ `)`)? }],
    RoutingFormat, [{ `outs` `(` $weights_init `,` $ids_init `)`
    attr-dict `:` functional-type(operands, results) }]);
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 2; }
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// AlignOp
//===----------------------------------------------------------------------===//

def Moe_AlignOp : Moe_DpsOp<"align"> {
  let summary = "sort token slots by expert, padded to the GEMM block size";
  let description = [{
    The vLLM `moe_align_block_size` step. With flat slot index
    `f = t * k + j` into `ids [T, k]`, lists the slots of each expert in
    increasing expert id and increasing `f` (stable), each expert padded with
    the sentinel `T * k` to a multiple of `block_m`; experts without slots
    take no block.

    Results: `sorted_ids [P]`, `expert_ids [P / block_m]` and
    `num_tokens_post_pad [1]` (the padded total), all i32, where
    `P = T*k + num_experts*(block_m - 1)` rounded up to a multiple of
    `block_m`. `expert_ids[b]` is the expert of block `b`, mapped through
    `expert_map [num_experts]` when given (-1 marks an expert that is not on
    this rank). Past the padded total, `sorted_ids` holds the sentinel and
    `expert_ids` holds -1. Ids outside `[0, num_experts)` are dropped.
    `num_experts` counts every id the router can produce, shared-expert slots
    included.

    Example:

    ```mlir
    %sorted, %experts, %total = moe.align %ids num_experts = 8 block_m = 64
        outs(%s, %e, %n) : (tensor<32x2xi32>, tensor<576xi32>, tensor<9xi32>,
        tensor<1xi32>) -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
    ```
  }];
  let arguments = (ins Moe_I32_2D:$ids, Optional<Moe_I32_1D>:$expert_map,
                       I64Attr:$num_experts, I64Attr:$block_m,
                       Moe_I32_1D:$sorted_ids_init, Moe_I32_1D:$expert_ids_init,
                       Moe_I32_1D:$num_tokens_post_pad_init);
  let results = DpsResults;
  let assemblyFormat = [{
    $ids (`expert_map` `(` $expert_map^ `)`)? `num_experts` `=` $num_experts
    `block_m` `=` $block_m
    `outs` `(` $sorted_ids_init `,` $expert_ids_init `,` $num_tokens_post_pad_init `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 3; }

    /// The static length P of `sorted_ids` for `numSlots = T * k` slots, or
    /// ShapedType::kDynamic when T is dynamic.
    static int64_t getPaddedSize(int64_t numSlots, int64_t numExperts,
                                 int64_t blockM);
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// PermuteOp
//===----------------------------------------------------------------------===//

def Moe_PermuteOp : Moe_DpsOp<"permute", [AttrSizedOperandSegments]> {
  let summary = "gather token rows into expert-contiguous order";
  let description = [{
    Copies the row of each token slot of `ids [T, k]` into `rows [T*k, H]`,
    grouped by expert in increasing expert id and, within an expert, in
    increasing flat slot index `f = t * k + j` (stable).
    `src_index [T*k]` holds `f` for each row (`rows[r] = x[f / k]`) and
    `offsets [num_experts + 1]` the first row of each expert (the last entry
    counts the rows with a valid id). With `weights [T, k]`, the extra result
    `row_weights [T*k]` holds each row's routing weight. Rows of slots whose
    id is outside `[0, num_experts)` come last, zero, with `src_index = -1`
    and weight 0.

    With `scale_rows` (it needs `weights`; `row_weights` is then optional),
    each row is its token's row times its slot's weight, in f32, rounded to
    x's element type: `rows[r] = x[f / k] * weights[f / k, f % k]` (vLLM's
    `apply_router_weight_on_input`, Llama-4).

    With `expert_map [G]` (expert parallelism), each id is mapped first:
    `expert_map[id]` for an id in `[0, G)`, else -1; the map gives a global
    expert id's index among this rank's `num_experts` experts, or -1 (any
    value outside `[0, num_experts)`) when another rank holds it, so those
    slots are dropped like out-of-range ids.

    With `slot_rows_outs(%p)`, the extra result `slot_rows [T*k]` (i32) is
    the inverse of `src_index`: `slot_rows[f]` is the row `r` with
    `src_index[r] == f`, or -1 when slot `f` has no row (its id, after the
    expert map, is outside `[0, num_experts)`). `moe.combine slot_rows(...)`
    reads it instead of inverting `src_index` itself.

    `offsets` maps to `torch._grouped_mm` as `offs = offsets[1:]` and to
    `ragged_dot` as `group_sizes[e] = offsets[e+1] - offsets[e]`.

    Example:

    ```mlir
    %rows, %src, %offsets, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
        outs(%r0, %s0, %o0, %w0)
        : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>,
           tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
        -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
    %rows2, %src2, %offsets2, %slots = moe.permute %x, %ids num_experts = 8
        outs(%r0, %s0, %o0) slot_rows_outs(%p0)
        : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>,
           tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
        -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
    ```
  }];
  let arguments = (ins Moe_Float2D:$x, Moe_I32_2D:$ids,
                       Optional<Moe_F32_2D>:$weights,
                       Optional<Moe_I32_1D>:$expert_map, I64Attr:$num_experts,
                       Moe_Float2D:$rows_init, Moe_I32_1D:$src_index_init,
                       Moe_I32_1D:$offsets_init,
                       Optional<Moe_F32_1D>:$row_weights_init,
                       Optional<Moe_I32_1D>:$slot_rows_init,
                       UnitAttr:$scale_rows);
  let results = DpsResults;
  let assemblyFormat = [{
    $x `,` $ids (`weights` `(` $weights^ `)`)? (`scale_rows` $scale_rows^)?
    (`expert_map` `(` $expert_map^ `)`)? `num_experts` `=` $num_experts
    `outs` `(` $rows_init `,` $src_index_init `,` $offsets_init
    (`,` $row_weights_init^)? `)`
    (`slot_rows_outs` `(` $slot_rows_init^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() {
      return 3 + (getRowWeightsInit() ? 1 : 0) + (getSlotRowsInit() ? 1 : 0);
    }
    /// The row_weights result (tensor form), or null without one.
    ::mlir::Value getRowWeightsResult() {
      // The buffer form has no results.
      if (!getRowWeightsInit() || getOperation()->getNumResults() == 0)
        return ::mlir::Value();
      return getOperation()->getResult(3);
    }
    /// The slot_rows result (tensor form), or null without one.
    ::mlir::Value getSlotRowsResult() {
      if (!getSlotRowsInit() || getOperation()->getNumResults() == 0)
        return ::mlir::Value();
      return getOperation()->getResults().back();
    }
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// PermuteIndicesOp
//===----------------------------------------------------------------------===//

def Moe_PermuteIndicesOp : Moe_DpsOp<"permute_indices",
    [AttrSizedOperandSegments]> {
  let summary = "the permutation of moe.permute, without moving rows";
  let description = [{
    `moe.permute` without `x` and `rows`: the same `src_index [T*k]`,
    `offsets [num_experts + 1]` and, with `weights [T, k]`, `row_weights
    [T*k]`, with the same order, tail (`src_index = -1`, weight 0 for slots
    whose id is outside `[0, num_experts)`, after the optional
    `expert_map` as `moe.permute` applies it) and stability. Nothing is copied:
    a consumer reads token rows in place, e.g. `moe.grouped_matmul
    %x[%src_index]` with `index_divisor = k` reads `x[src_index[r] / k]`.
    `moe.fused_moe` decomposes into it, and a `moe.permute` whose `rows`
    result is unused canonicalizes to it. With `slot_rows_outs(%p)`, the
    extra result `slot_rows [T*k]` is `moe.permute`'s: the row of each slot,
    or -1 for a dropped slot.

    Example:

    ```mlir
    %src, %offsets, %rw = moe.permute_indices %ids weights(%w) num_experts = 8
        outs(%s0, %o0, %w0)
        : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>,
           tensor<8xf32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
    %src2, %offsets2, %slots = moe.permute_indices %ids num_experts = 8
        outs(%s0, %o0) slot_rows_outs(%p0)
        : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
        -> (tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
    ```
  }];
  let arguments = (ins Moe_I32_2D:$ids, Optional<Moe_F32_2D>:$weights,
                       Optional<Moe_I32_1D>:$expert_map,
                       I64Attr:$num_experts, Moe_I32_1D:$src_index_init,
                       Moe_I32_1D:$offsets_init,
                       Optional<Moe_F32_1D>:$row_weights_init,
                       Optional<Moe_I32_1D>:$slot_rows_init);
  let results = DpsResults;
  let assemblyFormat = [{
    $ids (`weights` `(` $weights^ `)`)?
    (`expert_map` `(` $expert_map^ `)`)? `num_experts` `=` $num_experts
    `outs` `(` $src_index_init `,` $offsets_init (`,` $row_weights_init^)? `)`
    (`slot_rows_outs` `(` $slot_rows_init^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() {
      return 2 + (getRowWeightsInit() ? 1 : 0) + (getSlotRowsInit() ? 1 : 0);
    }
    /// The row_weights result (tensor form), or null without one.
    ::mlir::Value getRowWeightsResult() {
      // The buffer form has no results.
      if (!getRowWeightsInit() || getOperation()->getNumResults() == 0)
        return ::mlir::Value();
      return getOperation()->getResult(2);
    }
    /// The slot_rows result (tensor form), or null without one.
    ::mlir::Value getSlotRowsResult() {
      if (!getSlotRowsInit() || getOperation()->getNumResults() == 0)
        return ::mlir::Value();
      return getOperation()->getResults().back();
    }
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// CombineOp
//===----------------------------------------------------------------------===//

def Moe_CombineOp : Moe_DpsOp<"combine", [AttrSizedOperandSegments]> {
  let summary = "un-permute expert outputs and sum each token's k rows";
  let description = [{
    The inverse of `moe.permute` fused with vLLM's `moe_sum`: for `y [R, H]`
    and the permutation's `src_index [R]`,
    `out[t] = sum_{j = 0}^{k-1} w[t, j] * y[r(t*k + j)]` where `r(f)` is the
    row whose `src_index` is `f` (the lowest such row; no term when there is
    none), `w` is `weights [T, k]` or 1 when absent. The sum runs in
    increasing `j` in f32: the result is deterministic (no atomics). Result
    `out [T, H]`.

    With `slot_rows(%p)` (i32 `[T*k]`, the `slot_rows` result of the
    `moe.permute` or `moe.permute_indices` that made `src_index`),
    `r(f) = slot_rows[f]`, no term when it is negative or not below R;
    `src_index` is then not read. The GPU lowering then needs no inverse of
    its own: one kernel instead of three.

    Example:

    ```mlir
    %out = moe.combine %y, %src k = 2 outs(%init)
        : (tensor<8x16xbf16>, tensor<8xi32>, tensor<4x16xbf16>)
        -> tensor<4x16xbf16>
    %out2 = moe.combine %y, %src slot_rows(%slots) k = 2 outs(%init)
        : (tensor<8x16xbf16>, tensor<8xi32>, tensor<8xi32>, tensor<4x16xbf16>)
        -> tensor<4x16xbf16>
    ```
  }];
  let arguments = (ins Moe_Float2D:$y, Moe_I32_1D:$src_index,
                       Optional<Moe_I32_1D>:$slot_rows,
                       Optional<Moe_F32_2D>:$weights, I64Attr:$k,
                       Moe_Float2D:$out_init);
  let results = DpsResults;
  let assemblyFormat = [{
    $y `,` $src_index (`slot_rows` `(` $slot_rows^ `)`)?
    (`weights` `(` $weights^ `)`)? `k` `=` $k
    `outs` `(` $out_init `)` attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 1; }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

def Moe_GroupedMatmulOp : Moe_DpsOp<"grouped_matmul",
    [AttrSizedOperandSegments]> {
  let summary = "expert GEMM over expert-contiguous rows, with fused epilogue";
  let description = [{
    For rows grouped by expert through `offsets [E+1]` (row `r` belongs to
    expert `e` when `offsets[e] <= r < offsets[e+1]`) computes
    `acc[r, n] = sum_k A[r, k] * w[e, n, k]` with `w [E, N, K]` (each expert's
    weight in `nn.Linear` layout), in f32. `A` is `a [R, K]` (contiguous), or,
    with `[row_index]`, the gathered rows `a[row_index[r] / index_divisor]` of
    `a [M, K]` (the vLLM layout: `index_divisor = k` reads token rows straight
    from flat slot indices; a row whose index is negative or out of range,
    like vLLM's padding sentinel, is zero).

    Epilogue, in order, on the f32 accumulator: `+ bias[e, n]`
    (`bias [E, N]`); the activation (fused_moe's activations,
    docs/Semantics.md "Expert activations"): the gated `silu_and_mul`,
    `gelu_and_mul` (exact erf GELU), `gelu_tanh_and_mul`,
    `swigluoai_and_mul`, `swiglustep_and_mul` (output column `n < N/2` is
    `act(gate_n, up_n)`, with `gate_n, up_n = acc[n], acc[n + N/2]` for
    `gate_up_layout = split` (default) or `acc[2n], acc[2n + 1]` for
    `interleaved`; `clamp_limit` L clamps the gate to at most L and up to
    `[-L, L]` first, swigluoai and swiglustep use 7.0 when it is absent and
    swigluoai's `swiglu_alpha` is 1.702 when absent), or the elementwise
    `silu`, `gelu`, `gelu_tanh`, `relu2` on each of the N columns; times
    `scale[r]` (`scale [R]`, e.g. routed weights); rounding to the result
    element type. Result `[R, N]` or `[R, N/2]` for a gated epilogue. Rows
    outside
    `[offsets[0], offsets[E])` are zero. Experts with no rows, `R = 0`, and
    N or K of any size are valid.

    Its kernel configuration is a `#moe.gemm_config`, or a list of them by
    row count (`min_rows`, see `#moe.gemm_config`), in the discardable
    `moe.config` attribute (a dictionary there is an error); without one
    the GPU lowering uses `#moe.gemm_config<>`, the defaults.

    Quantized GEMMs (docs/Semantics.md, "Quantized experts"): `quant`
    names the scheme and with it the operands, element types and shapes the
    verifier requires; `group_size` is the block or group edge G.

    | `quant` | a | w | `w_scale` | `a_scale` | `w_zero` | G |
    |---|---|---|---|---|---|---|
    | `none` (default) | f32/bf16/f16 | as a | - | - | - | - |
    | `fp8_block` | f8E4M3FN | f8E4M3FN `[E,N,K]` | f32 `[E, ceil(N/G), ceil(K/G)]` | f32 `[M, ceil(K/G)]` | - | 128 |
    | `fp8_channel` | f8E4M3FN | f8E4M3FN `[E,N,K]` | f32 `[E, N]` | f32 `[M, 1]` | - | - |
    | `fp8_tensor` | f8E4M3FN | f8E4M3FN `[E,N,K]` | f32 `[E]` | f32 `[1]` | - | - |
    | `w4a16` | bf16/f16 | i8 `[E,N,K/2]`, two int4 a byte | f32/bf16/f16 `[E, N, ceil(K/G)]` | - | - | 32/64/128 |
    | `w4a16_zp` | bf16/f16 | i8 `[E,N,K/2]`, two int4 a byte | f32/bf16/f16 `[E, N, ceil(K/G)]` | - | i8 `[E, N, ceil(K/G)]` | 32/64/128 |
    | `w8a16` | bf16/f16 | i8 `[E,N,K]` | f32/bf16/f16 `[E, N]` | - | - | - |

    `M` is the number of rows of `a`: a gathered GEMM gathers `a_scale`'s
    rows with `a`'s. fp8 partial sums are scaled per 128-wide K block into
    the f32 accumulator; weight-only weights are dequantized to a's 16-bit
    type before the MMA. Every other combination is a verifier error.

    Example (the second expert GEMM of an MoE layer, scaled by the routed
    weights):

    ```mlir
    %y = moe.grouped_matmul %h, %w2, %offsets scale(%rw) outs(%init)
        : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>,
           tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
    ```

    Example (DeepSeek-V3's first expert GEMM in fp8 with 128 x 128 blocks):

    ```mlir
    %h = moe.grouped_matmul %q, %w13, %offsets epilogue = silu_and_mul
        quant = fp8_block group_size = 128 a_scale(%q_scale) w_scale(%w13_scale)
        outs(%init)
        : (tensor<?x7168xf8E4M3FN>, tensor<257x4096x7168xf8E4M3FN>,
           tensor<258xi32>, tensor<?x56xf32>, tensor<257x32x56xf32>,
           tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
    ```
  }];
  let arguments = (ins Moe_GemmInput2D:$a, Optional<Moe_I32_1D>:$row_index,
                       Moe_GemmWeight3D:$w, Moe_I32_1D:$offsets,
                       Optional<Moe_F32_1D>:$scale,
                       Optional<Moe_Float2D>:$bias,
                       DefaultValuedAttr<Moe_EpilogueAttr,
                                         "::mlir::moe::Epilogue::none">:$epilogue,
                       DefaultValuedAttr<I64Attr, "1">:$index_divisor,
                       Optional<Moe_F32_AnyRank>:$a_scale,
                       Optional<Moe_Float_AnyRank>:$w_scale,
                       Optional<Moe_I8_AnyRank>:$w_zero,
                       DefaultValuedAttr<Moe_QuantSchemeAttr,
                                         "::mlir::moe::QuantScheme::none">:$quant,
                       OptionalAttr<I64Attr>:$group_size,
                       Moe_Float2D:$out_init,
                       DefaultValuedAttr<Moe_GateUpLayoutAttr,
                         "::mlir::moe::GateUpLayout::split">:$gate_up_layout,
                       OptionalAttr<F32Attr>:$clamp_limit,
                       OptionalAttr<F32Attr>:$swiglu_alpha);
  let results = DpsResults;
  let assemblyFormat = [{
    $a (`[` $row_index^ `]`)? `,` $w `,` $offsets (`scale` `(` $scale^ `)`)?
    (`bias` `(` $bias^ `)`)? (`epilogue` `=` `` $epilogue^)?
    (`gate_up_layout` `=` `` $gate_up_layout^)?
    (`clamp_limit` `=` $clamp_limit^)? (`swiglu_alpha` `=` $swiglu_alpha^)?
    (`quant` `=` `` $quant^)? (`group_size` `=` $group_size^)?
    (`a_scale` `(` $a_scale^ `)`)? (`w_scale` `(` $w_scale^ `)`)?
    (`w_zero` `(` $w_zero^ `)`)?
    `outs` `(` $out_init `)` attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 1; }
    /// True for the `*_and_mul` epilogues that halve N.
    bool isGated() { return ::mlir::moe::isGatedEpilogue(getEpilogue()); }
    /// True when the GEMM's operands are quantized (quant is not none).
    bool isQuantized() { return getQuant() != ::mlir::moe::QuantScheme::none; }
    /// quant is fp8_block, fp8_channel or fp8_tensor: e4m3 a and w with
    /// f32 a_scale and w_scale.
    bool isFp8Quantized();
    /// The op's kernel configurations in increasing min_rows: its
    /// `moe.config`, which the verifier has checked is a #moe.gemm_config
    /// or a list of them, or the default configuration.
    ::llvm::SmallVector<::mlir::moe::GemmConfigAttr> getGemmConfigs();
    /// The configuration for the fewest rows (min_rows = 0): the one the
    /// simple kernel takes its settings from.
    ::mlir::moe::GemmConfigAttr getGemmConfig() {
      return getGemmConfigs().front();
    }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MotLinearOp
//===----------------------------------------------------------------------===//

def Moe_MotLinearOp : Moe_DpsOp<"mot_linear"> {
  let summary = "linear layer whose weights are picked per token by its type";
  let description = [{
    Mixture-of-Transformers dispatch (e.g. Bagel's text and image tokens):
    `out[t] = x[t] . w[type_ids[t]]^T + bias[type_ids[t]]` for `x [T, K]`,
    `w [G, N, K]`, `type_ids [T]` (i32) and optional `bias [G, N]`; f32
    accumulation, rounded to the result type. Rows whose type id is outside
    `[0, G)` are zero. It is top-1 routing with weight 1 and lowers through
    the grouped GEMM.

    Example (Bagel QKV projection):

    ```mlir
    %qkv = moe.mot_linear %x, %w, %types bias(%b) outs(%init)
        : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>,
           tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
    ```
  }];
  let arguments = (ins Moe_Float2D:$x, Moe_Float3D:$w, Moe_I32_1D:$type_ids,
                       Optional<Moe_Float2D>:$bias, Moe_Float2D:$out_init);
  let results = DpsResults;
  let assemblyFormat = [{
    $x `,` $w `,` $type_ids (`bias` `(` $bias^ `)`)?
    `outs` `(` $out_init `)` attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 1; }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MotMlpOp
//===----------------------------------------------------------------------===//

// The expert MLP's activation attributes (shared by moe.fused_moe and
// moe.mot_mlp).
defvar ActivationAttrs = (ins
  DefaultValuedAttr<Moe_ActivationAttr,
                    "::mlir::moe::Activation::silu">:$activation,
  DefaultValuedAttr<Moe_GateUpLayoutAttr,
                    "::mlir::moe::GateUpLayout::split">:$gate_up_layout,
  OptionalAttr<F32Attr>:$clamp_limit,
  OptionalAttr<F32Attr>:$swiglu_alpha
);

def Moe_MotMlpOp : Moe_DpsOp<"mot_mlp", [AttrSizedOperandSegments]> {
  let summary = "MLP block whose weights are picked per token by its type";
  let description = [{
    Mixture-of-Transformers MLP (Bagel's per-modality FFN): for `x [T, H]`
    and `type_ids [T]` (i32), token `t` of type `g = type_ids[t]` computes,
    in f32, `a = w13[g] . x[t] + b13[g]`, `h = act(a)` rounded to x's
    element type, `out[t] = w2[g] . h + b2[g]` rounded to x's element type,
    with `w13 [G, 2I, H]` (gated activation; `[G, I, H]` for `*_no_mul`),
    `w2 [G, H, I]` and optional biases `b13 [G, 2I or I]`, `b2 [G, H]`.
    Rows whose type id is outside `[0, G)` are zero. The activation
    attributes are `moe.fused_moe`'s (docs/Semantics.md, "Expert
    activations"): `activation` (default `silu`), `gate_up_layout`,
    `clamp_limit`, `swiglu_alpha`.

    It is `moe.fused_moe` with top-1 routing by type and weight 1, and
    `moe-decompose-mot-linear` expands it the same way: `permute` (rows
    grouped by type) -> `grouped_matmul` (w13, the activation epilogue) ->
    `grouped_matmul` (w2) -> `combine k = 1`.

    Example (Bagel's MLP block: Qwen2.5-7B sized, text and image weights):

    ```mlir
    %y = moe.mot_mlp %x, %w13, %w2, %types outs(%init)
        : (tensor<?x3584xbf16>, tensor<2x37888x3584xbf16>,
           tensor<2x3584x18944xbf16>, tensor<?xi32>, tensor<?x3584xbf16>)
        -> tensor<?x3584xbf16>
    ```
  }];
  let arguments = !con((ins Moe_Float2D:$x, Moe_Float3D:$w13,
                            Moe_Float3D:$w2, Moe_I32_1D:$type_ids,
                            Optional<Moe_Float2D>:$b13,
                            Optional<Moe_Float2D>:$b2),
                       ActivationAttrs, (ins Moe_Float2D:$out_init));
  let results = DpsResults;
  let assemblyFormat = [{
    $x `,` $w13 `,` $w2 `,` $type_ids (`b13` `(` $b13^ `)`)?
    (`b2` `(` $b2^ `)`)? (`activation` `=` `` $activation^)?
    (`gate_up_layout` `=` `` $gate_up_layout^)?
    (`clamp_limit` `=` $clamp_limit^)? (`swiglu_alpha` `=` $swiglu_alpha^)?
    `outs` `(` $out_init `)` attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 1; }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// RmsNormOp
//===----------------------------------------------------------------------===//

def Moe_RmsNormOp : Moe_DpsOp<"rms_norm", [AttrSizedOperandSegments]> {
  let summary = "RMSNorm with optional per-type weights and fused residual add";
  let description = [{
    `out[t, h] = s[t, h] * rsqrt(mean_h(s[t, :]^2) + epsilon) * w[h]` for
    `x [T, H]`, where `s = x` or, with `residual [T, H]`, `s = x + residual`
    rounded to x's element type and returned as the second result
    `residual_out`. The weight is `weight [H]`, or `weight [G, H]` indexed by
    `type_ids [T]` (MoT per-type norms; a row whose type id is outside
    `[0, G)` is zero). f32 math, results in x's element type.

    Example (MoT per-type norm with the residual add of the previous layer):

    ```mlir
    %y, %sum = moe.rms_norm %x, %w type_ids(%types) residual(%res)
        epsilon = 1.0e-06 outs(%y0, %sum0)
        : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>,
           tensor<?x3584xbf16>, tensor<?x3584xbf16>, tensor<?x3584xbf16>)
        -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
    ```
  }];
  let arguments = (ins Moe_Float2D:$x, Moe_RankedShaped:$weight,
                       Optional<Moe_I32_1D>:$type_ids,
                       Optional<Moe_Float2D>:$residual, F32Attr:$epsilon,
                       Moe_Float2D:$out_init,
                       Optional<Moe_Float2D>:$residual_out_init);
  let results = DpsResults;
  let assemblyFormat = [{
    $x `,` $weight (`type_ids` `(` $type_ids^ `)`)? (`residual` `(` $residual^ `)`)?
    `epsilon` `=` $epsilon `outs` `(` $out_init (`,` $residual_out_init^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return getResidualOutInit() ? 2 : 1; }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// SiluAndMulOp
//===----------------------------------------------------------------------===//

def Moe_SiluAndMulOp : Moe_DpsOp<"silu_and_mul"> {
  let summary = "SwiGLU activation: silu of the first half times the second";
  let description = [{
    `out[m, n] = silu(x[m, n]) * x[m, n + N]` for `x [M, 2N]`, result
    `[M, N]`, with `silu(v) = v / (1 + exp(-v))` in f32.

    ```mlir
    %h = moe.silu_and_mul %x outs(%init)
        : (tensor<?x1536xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>

    // After bufferization:
    moe.silu_and_mul %xb outs(%hb) : (memref<?x1536xbf16>, memref<?x768xbf16>) -> ()
    ```
  }];
  let arguments = (ins Moe_Float2D:$x, Moe_Float2D:$out_init);
  let results = DpsResults;
  let assemblyFormat = [{
    $x `outs` `(` $out_init `)` attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 1; }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// FusedMoeOp
//===----------------------------------------------------------------------===//

def Moe_FusedMoeOp : Moe_DpsOp<"fused_moe", [AttrSizedOperandSegments]> {
  let summary = "a whole MoE layer: route, two expert GEMMs, combine";
  let description = !strconcat([{
    For tokens `x [T, H]` and router logits `[T, E]`, routes each token with
    the routing attributes (as `moe.gate`, optional correction `bias [E]`),
    then computes, per token, the weighted sum over its `k + S` experts of
    `w2[e] . act_and_mul(w13[e] . x)`, with `w13 [E+S, 2I, H]` (gate rows
    first, then up rows) and `w2 [E+S, H, I]`. Result `[T, H]` in x's
    element type; intermediates are rounded to x's element type.

    Expert MLP (docs/Semantics.md, "Expert activations"):
    - `activation`: the gated forms `silu` (default), `gelu` (erf),
      `gelu_tanh`, `swigluoai` (gpt-oss: `(up + 1) * g * sigmoid(alpha * g)`
      with `g = min(gate, limit)`, `up` clamped to `[-limit, limit]`) and
      `swiglustep` (`min(silu(gate), limit) * clamp(up, -limit, limit)`)
      take `w13 [E+S, 2I, H]`; the `*_no_mul` forms `silu_no_mul`,
      `gelu_no_mul`, `gelu_tanh_no_mul` and `relu2_no_mul` (`relu(v)^2`)
      apply the function to all of the first GEMM's outputs, with
      `w13 [E+S, I, H]`.
    - `gate_up_layout`: `split` (default; gate rows `[0, I)`, up rows
      `[I, 2I)`) or `interleaved` (gpt-oss: row `2i` gate, `2i+1` up).
    - `clamp_limit` L > 0 (gated forms): the gate is clamped to at most L and
      up to `[-L, L]` before the activation (`swigluoai` and `swiglustep`
      take their limit from it, 7.0 when absent). `swiglu_alpha`
      (`swigluoai` only, default 1.702).
    - `b13 [E+S, 2I or I]`, `b2 [E+S, H]`: per-expert biases added to each
      GEMM's f32 accumulator (before the activation, before the routed
      weight).
    - `expert_map [E+S]` i32 (expert parallelism): global expert id -> index
      into this rank's `w13`/`w2`/biases (dim 0 of any size L), or -1; slots
      whose id maps to -1 (or outside `[0, L)`) contribute nothing.
    - `shared_logits [T, S]` (Qwen2-MoE, Qwen3-Next): the logits of each
      shared expert's own sigmoid gate (its `[H] -> 1` linear, computed
      beside the router logits); shared slot `s` of token `t` is weighted
      `sigmoid(shared_logits[t, s])`.
    - `router_weight_on_input` (Llama-4; vLLM's
      `apply_router_weight_on_input`, `k = 1` only): each slot's weight
      multiplies the token's row before the first GEMM (rounded to x's
      element type) instead of the second GEMM's output.

    Softmax over the top-k logits (gpt-oss) is `scoring = softmax
    renormalize`: top-k of the softmax scores is top-k of the logits, and
    the renormalized weights are the softmax of the selected logits.

    `moe-decompose-fused-moe` expands it into
    `gate -> permute -> grouped_matmul (act_and_mul) -> grouped_matmul
    (scale = routed weights) -> combine` (with `router_weight_on_input`:
    `permute scale_rows` and no scale on the second GEMM).

    Quantized experts: `quant` and `group_size` as on `moe.grouped_matmul`,
    with `w13_scale`/`w2_scale` (and `w13_zero`/`w2_zero` for `w4a16_zp`)
    shaped for `w13 [E+S, 2I, H]` and `w2 [E+S, H, I]`; `fp8_tensor` also
    takes the static activation scales `a1_scale`, `a2_scale` (`[1]` f32).
    x and the result stay f32/bf16/f16 (bf16/f16 for the weight-only
    schemes); the decomposition quantizes each GEMM's input with
    `moe.quantize` for the fp8 schemes.

  }], RoutingDoc, [{

    Example (Mixtral-8x7B):

    ```mlir
    %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
        renormalize outs(%init)
        : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>,
           tensor<8x4096x14336xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
    ```

    Example (gpt-oss-20b: biases, interleaved gate/up, clamped SwiGLU):

    ```mlir
    %y = moe.fused_moe %x, %logits, %w13, %w2 k = 4 scoring = softmax
        renormalize activation = swigluoai gate_up_layout = interleaved
        clamp_limit = 7.0 b13(%b13) b2(%b2) outs(%init)
        : (tensor<?x2880xbf16>, tensor<?x32xbf16>, tensor<32x5760x2880xbf16>,
           tensor<32x2880x2880xbf16>, tensor<32x5760xbf16>,
           tensor<32x2880xbf16>, tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
    ```

    Example (Llama-4-Scout: top-1 sigmoid routing with the weight on the
    input rows, one shared expert of weight 1 as expert 16):

    ```mlir
    %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid
        num_shared_experts = 1 shared_weight = one router_weight_on_input
        outs(%init)
        : (tensor<?x5120xbf16>, tensor<?x16xbf16>, tensor<17x16384x5120xbf16>,
           tensor<17x5120x8192xbf16>, tensor<?x5120xbf16>)
        -> tensor<?x5120xbf16>
    ```

    Example (Qwen3-30B-A3B with AWQ int4 weights, groups of 128):

    ```mlir
    %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax
        renormalize quant = w4a16_zp group_size = 128 w13_scale(%s13)
        w2_scale(%s2) w13_zero(%z13) w2_zero(%z2) outs(%init)
        : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x1024xi8>,
           tensor<128x2048x384xi8>, tensor<128x1536x16xbf16>,
           tensor<128x2048x6xbf16>, tensor<128x1536x16xi8>,
           tensor<128x2048x6xi8>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
    ```
  }]);
  let arguments = !con((ins Moe_Float2D:$x, Moe_Float2D:$logits,
                            Moe_GemmWeight3D:$w13, Moe_GemmWeight3D:$w2,
                            Optional<Moe_F32_1D>:$bias,
                            Optional<Moe_Float2D>:$shared_logits),
                       RoutingAttrs,
                       (ins DefaultValuedAttr<Moe_ActivationAttr,
                            "::mlir::moe::Activation::silu">:$activation,
                            DefaultValuedAttr<Moe_QuantSchemeAttr,
                              "::mlir::moe::QuantScheme::none">:$quant,
                            OptionalAttr<I64Attr>:$group_size,
                            Optional<Moe_Float_AnyRank>:$w13_scale,
                            Optional<Moe_Float_AnyRank>:$w2_scale,
                            Optional<Moe_I8_AnyRank>:$w13_zero,
                            Optional<Moe_I8_AnyRank>:$w2_zero,
                            Optional<Moe_F32_1D>:$a1_scale,
                            Optional<Moe_F32_1D>:$a2_scale,
                            DefaultValuedAttr<Moe_GateUpLayoutAttr,
                              "::mlir::moe::GateUpLayout::split">:$gate_up_layout,
                            OptionalAttr<F32Attr>:$clamp_limit,
                            OptionalAttr<F32Attr>:$swiglu_alpha,
                            Optional<Moe_Float2D>:$b13,
                            Optional<Moe_Float2D>:$b2,
                            Optional<Moe_I32_1D>:$expert_map,
                            UnitAttr:$router_weight_on_input,
                            Moe_Float2D:$out_init));
  let results = DpsResults;
  let assemblyFormat = !strconcat(
    [{ $x `,` $logits `,` $w13 `,` $w2 (`bias` `(` $bias^ `)`)?
    (`shared_logits` `(` $shared_logits^ `)`)? }],
    RoutingFormat, [{ (`router_weight_on_input` $router_weight_on_input^)?
    (`activation` `=` `` $activation^)?
    (`gate_up_layout` `=` `` $gate_up_layout^)?
    (`clamp_limit` `=` $clamp_limit^)? (`swiglu_alpha` `=` $swiglu_alpha^)?
    (`b13` `(` $b13^ `)`)? (`b2` `(` $b2^ `)`)?
    (`expert_map` `(` $expert_map^ `)`)?
    (`quant` `=` `` $quant^)? (`group_size` `=` $group_size^)?
    (`w13_scale` `(` $w13_scale^ `)`)? (`w2_scale` `(` $w2_scale^ `)`)?
    (`w13_zero` `(` $w13_zero^ `)`)? (`w2_zero` `(` $w2_zero^ `)`)?
    (`a1_scale` `(` $a1_scale^ `)`)? (`a2_scale` `(` $a2_scale^ `)`)?
    `outs` `(` $out_init `)` attr-dict `:` functional-type(operands, results) }]);
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return 1; }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

def Moe_QuantizeOp : Moe_DpsOp<"quantize", [AttrSizedOperandSegments]> {
  let summary = "quantize activations to f8E4M3FN, per token group or static";
  let description = [{
    Quantizes `x [T, K]` (f32/bf16/f16) to `q [T, K]` f8E4M3FN for an fp8
    expert GEMM (docs/Semantics.md, "Activation quantization"):

    - dynamic, with `group_size` G and a `scales [T, ceil(K/G)]` f32 out:
      per row and group of G columns, `amax = max |x|` (NaNs skipped),
      `scale = max(amax, 1e-10) / 448`, `q = e4m3(x / scale)` (f32
      division, round to nearest even, saturating to +-448). `G >= K` is
      one scale per token (`fp8_channel`); G = 128 is DeepSeek-V3's
      activation grouping (`fp8_block`).
    - static, with a `scale [1]` f32 operand and no scales out:
      `q = e4m3(x / scale)` (`fp8_tensor`'s calibrated scale).

    An all-zero group gets `scale = 1e-10 / 448` and `q = 0` (vLLM's
    `eps`; never a zero or subnormal scale).

    The decomposition of an fp8 `moe.fused_moe` puts it right after the op
    that produces the activations (`moe.permute`, the first GEMM's
    activation epilogue). `convert-moe-to-gpu` gives it a kernel of its own
    (any T and K, static or dynamic; a team of lanes of one warp per token
    group, docs/performance.md), bit for bit the reference's; a later pass
    is to fuse it into its producer's kernel, so that the quantized rows
    are written once instead of being read back in a pass over memory.

    Example (DeepSeek-V3's 128-column token groups):

    ```mlir
    %q, %scales = moe.quantize %rows group_size = 128 outs(%q0, %s0)
        : (tensor<?x7168xbf16>, tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>)
        -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>)
    ```
  }];
  let arguments = (ins Moe_Float2D:$x, Optional<Moe_F32_1D>:$scale,
                       OptionalAttr<I64Attr>:$group_size,
                       Moe_F8_2D:$q_init, Optional<Moe_F32_2D>:$scales_init);
  let results = DpsResults;
  let assemblyFormat = [{
    $x (`scale` `(` $scale^ `)`)? (`group_size` `=` $group_size^)?
    `outs` `(` $q_init (`,` $scales_init^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = dpsInitsDecl # [{
    unsigned getNumOuts() { return getScalesInit() ? 2 : 1; }
  }];
  let hasVerifier = 1;
}

include "moe/Dialect/Moe/IR/MoeTileOps.td"

#endif // MOE_DIALECT_MOE_IR_MOEOPS_TD
