//===- MoeEnums.td - Enums and attributes of moe -----------*- tablegen -*-===//
//
// Enumerations used by the moe ops. Each is an I32EnumAttr wrapped in an
// EnumAttr whose assembly is the bare keyword, so ops print `scoring = sigmoid`.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOEENUMS_TD
#define MOE_DIALECT_MOE_IR_MOEENUMS_TD

include "moe/Dialect/Moe/IR/MoeDialect.td"
include "mlir/IR/EnumAttr.td"

def Moe_ScoringFunc : I32EnumAttr<"ScoringFunc",
    "how router logits become expert scores", [
      I32EnumAttrCase<"softmax", 0>,
      I32EnumAttrCase<"sigmoid", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_ScoringFuncAttr : EnumAttr<Moe_Dialect, Moe_ScoringFunc, "scoring"> {
  let assemblyFormat = "$value";
}

def Moe_GroupScore : I32EnumAttr<"GroupScore",
    "how an expert group is scored for group-limited routing", [
      I32EnumAttrCase<"max", 0>,
      I32EnumAttrCase<"top2_sum", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_GroupScoreAttr : EnumAttr<Moe_Dialect, Moe_GroupScore, "group_score"> {
  let assemblyFormat = "$value";
}

// The activation fused into an expert GEMM's epilogue: one case per
// fused_moe activation. The `*_and_mul` forms are gated (output column n is
// act(gate n) * up n, halving N); the others apply the function to each of
// the N columns. docs/Semantics.md has the formulas.
def Moe_Epilogue : I32EnumAttr<"Epilogue",
    "activation fused into the expert GEMM's epilogue", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"silu_and_mul", 1>,
      I32EnumAttrCase<"gelu_and_mul", 2>,
      I32EnumAttrCase<"gelu_tanh_and_mul", 3>,
      I32EnumAttrCase<"swigluoai_and_mul", 4>,
      I32EnumAttrCase<"swiglustep_and_mul", 5>,
      I32EnumAttrCase<"silu", 6>,
      I32EnumAttrCase<"gelu", 7>,
      I32EnumAttrCase<"gelu_tanh", 8>,
      I32EnumAttrCase<"relu2", 9>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_EpilogueAttr : EnumAttr<Moe_Dialect, Moe_Epilogue, "epilogue"> {
  let assemblyFormat = "$value";
}

// The first expert GEMM's activation (vLLM's MoE activation set). The gated
// forms take [2I] GEMM outputs (gate, up) to [I]; the `*_no_mul` forms apply
// the function to all I outputs (w13 has I rows). docs/Semantics.md has the
// formulas.
def Moe_Activation : I32EnumAttr<"Activation",
    "activation of an MoE layer's first expert GEMM", [
      I32EnumAttrCase<"silu", 0>,
      I32EnumAttrCase<"gelu", 1>,
      I32EnumAttrCase<"gelu_tanh", 2>,
      I32EnumAttrCase<"swigluoai", 3>,
      I32EnumAttrCase<"swiglustep", 4>,
      I32EnumAttrCase<"silu_no_mul", 5>,
      I32EnumAttrCase<"gelu_no_mul", 6>,
      I32EnumAttrCase<"gelu_tanh_no_mul", 7>,
      I32EnumAttrCase<"relu2_no_mul", 8>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_ActivationAttr : EnumAttr<Moe_Dialect, Moe_Activation, "activation"> {
  let assemblyFormat = "$value";
}

// The weight of the fused shared-expert slots when no `shared_logits` give
// it: the routed mass (DeepSeek-V3's fused shared expert; 1 when the routed
// weights are renormalized) or 1 (Llama-4, DeepSeek-V2: the shared expert is
// added unweighted). docs/Semantics.md, "gate", step 6.
def Moe_SharedWeight : I32EnumAttr<"SharedWeight",
    "the weight of the fused shared-expert slots", [
      I32EnumAttrCase<"routed_mass", 0>,
      I32EnumAttrCase<"one", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_SharedWeightAttr : EnumAttr<Moe_Dialect, Moe_SharedWeight,
                                    "shared_weight"> {
  let assemblyFormat = "$value";
}

def Moe_GateUpLayout : I32EnumAttr<"GateUpLayout",
    "where a gated activation's gate and up rows lie in w13", [
      I32EnumAttrCase<"split", 0>,
      I32EnumAttrCase<"interleaved", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_GateUpLayoutAttr : EnumAttr<Moe_Dialect, Moe_GateUpLayout,
                                    "gate_up_layout"> {
  let assemblyFormat = "$value";
}

def Moe_QuantScheme : I32EnumAttr<"QuantScheme",
    "quantization of an expert GEMM's weights (and fp8 activations)", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"fp8_block", 1>,
      I32EnumAttrCase<"fp8_channel", 2>,
      I32EnumAttrCase<"fp8_tensor", 3>,
      I32EnumAttrCase<"w4a16", 4>,
      I32EnumAttrCase<"w4a16_zp", 5>,
      I32EnumAttrCase<"w8a16", 6>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_QuantSchemeAttr : EnumAttr<Moe_Dialect, Moe_QuantScheme, "quant"> {
  let assemblyFormat = "$value";
}

def Moe_GemmKernel : I32EnumAttr<"GemmKernel",
    "the kernel that computes a grouped_matmul", [
      I32EnumAttrCase<"tiled", 0>,
      I32EnumAttrCase<"simple", 1>,
      I32EnumAttrCase<"stream", 2>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}

def Moe_GemmRaster : I32EnumAttr<"GemmRaster",
    "the order of a tiled GEMM's output tiles within an expert", [
      I32EnumAttrCase<"along_m", 0>,
      I32EnumAttrCase<"along_n", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}

// How long the lines a tile copy brings into L2 should stay there, relative
// to other data (PTX createpolicy's L2 priorities): `evict_first` for data
// read once or by a few copies close together in time (a weight tile its
// row tiles share), `evict_last` for data many later copies read again (an
// expert's activation rows, read once per column block).
def Moe_CachePriority : I32EnumAttr<"CachePriority",
    "the L2 priority of a tile copy's lines", [
      I32EnumAttrCase<"normal", 0>,
      I32EnumAttrCase<"evict_first", 1>,
      I32EnumAttrCase<"evict_last", 2>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::moe";
}
def Moe_CachePriorityAttr : EnumAttr<Moe_Dialect, Moe_CachePriority,
                                     "cache_priority"> {
  let assemblyFormat = "$value";
}

#endif // MOE_DIALECT_MOE_IR_MOEENUMS_TD
