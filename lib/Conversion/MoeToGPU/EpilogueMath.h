//===- EpilogueMath.h - The activations of the GEMM epilogues ---*- C++ -*-===//
//
// The f32 math of every grouped_matmul epilogue (docs/Semantics.md, "Expert
// activations"), shared by the simple kernel and the tiled kernel's
// moe.tile_store lowering so that both compute the same formula in the same
// order as the reference (lib/Reference/Activation.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETOGPU_EPILOGUEMATH_H
#define MOE_LIB_CONVERSION_MOETOGPU_EPILOGUEMATH_H

#include "moe/Dialect/Moe/IR/MoeOps.h"

#include <optional>

namespace mlir::moe {

class KernelBuilder;

/// An epilogue's activation with its parameters resolved (defaults applied).
struct EpilogueActivation {
  Epilogue kind = Epilogue::none;
  GateUpLayout layout = GateUpLayout::split;
  /// The clamp limit the activation applies, if any.
  std::optional<float> clampLimit;
  float swigluAlpha = kDefaultSwigluAlpha;

  bool isGated() const { return isGatedEpilogue(kind); }
};

/// The activation of `epilogue` with its optional `clampLimit` and
/// `swigluAlpha` (the defaults applied).
EpilogueActivation getEpilogueActivation(Epilogue epilogue, GateUpLayout layout,
                                         FloatAttr clampLimit,
                                         FloatAttr swigluAlpha);

/// The activation of a grouped_matmul or tile_store (any op with the
/// epilogue, gate_up_layout, clamp_limit and swiglu_alpha attributes).
template <typename OpTy> EpilogueActivation getEpilogueActivation(OpTy op) {
  return getEpilogueActivation(op.getEpilogue(), op.getGateUpLayout(),
                               op.getClampLimitAttr(), op.getSwigluAlphaAttr());
}

/// A gated activation's output from its f32 `gate` and `up` values.
Value buildGatedActivation(KernelBuilder &k,
                           const EpilogueActivation &activation, Value gate,
                           Value up);

/// An elementwise activation (silu, gelu, gelu_tanh, relu2) of the f32 `v`;
/// `v` itself for none.
Value buildElementwiseActivation(KernelBuilder &k, Epilogue kind, Value v);

} // namespace mlir::moe

#endif // MOE_LIB_CONVERSION_MOETOGPU_EPILOGUEMATH_H
