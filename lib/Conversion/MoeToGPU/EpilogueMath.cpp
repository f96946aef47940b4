//===- EpilogueMath.cpp - The activations of the GEMM epilogues -----------===//
//
// Each formula follows lib/Reference/Activation.cpp operation by operation
// (the same f32 operations in the same order), so the kernels differ from
// the reference only where exp, tanh and erf do and in silu's approximate
// division (KernelBuilder::silu). Clamps use minimumf / maximumf, which
// keep a NaN operand as torch.clamp does (the limit is never NaN).
//
//===----------------------------------------------------------------------===//

#include "EpilogueMath.h"
#include "GemmKernels.h"
#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

/// min(v, limit); a NaN v stays NaN.
Value clampAbove(KernelBuilder &k, Value v, float limit) {
  return arith::MinimumFOp::create(k.b(), k.getLoc(), v, k.f32(limit));
}

/// v clamped to [-limit, limit]; a NaN v stays NaN.
Value clampBoth(KernelBuilder &k, Value v, float limit) {
  Value below = clampAbove(k, v, limit);
  return arith::MaximumFOp::create(k.b(), k.getLoc(), below, k.f32(-limit));
}

Value mulF(KernelBuilder &k, Value a, Value b) {
  return arith::MulFOp::create(k.b(), k.getLoc(), a, b);
}

Value addF(KernelBuilder &k, Value a, Value b) {
  return arith::AddFOp::create(k.b(), k.getLoc(), a, b);
}

/// 1 / (1 + exp(-v)).
Value sigmoid(KernelBuilder &k, Value v) {
  Value negated = arith::NegFOp::create(k.b(), k.getLoc(), v);
  Value expNeg = math::ExpOp::create(k.b(), k.getLoc(), negated);
  Value denominator = addF(k, k.f32(1.0f), expNeg);
  return arith::DivFOp::create(k.b(), k.getLoc(), k.f32(1.0f), denominator);
}

/// 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3))), in the reference's
/// order of operations.
Value geluTanh(KernelBuilder &k, Value v) {
  Value halfV = mulF(k, k.f32(0.5f), v);
  Value cube = mulF(k, k.f32(0.044715f), v);
  cube = mulF(k, cube, v);
  cube = mulF(k, cube, v);
  Value inner = addF(k, v, cube);
  Value scaled = mulF(k, k.f32(0.79788456080286535588f), inner);
  Value tanh = math::TanhOp::create(k.b(), k.getLoc(), scaled);
  Value onePlusTanh = addF(k, k.f32(1.0f), tanh);
  return mulF(k, halfV, onePlusTanh);
}

/// max(v, 0)^2; a NaN v stays NaN.
Value relu2(KernelBuilder &k, Value v) {
  Value negative = cmpF(k, arith::CmpFPredicate::OLT, v, k.f32(0.0f));
  Value relu = select(k, negative, k.f32(0.0f), v);
  return mulF(k, relu, relu);
}

} // namespace

EpilogueActivation mlir::moe::getEpilogueActivation(Epilogue epilogue,
                                                    GateUpLayout layout,
                                                    FloatAttr clampLimit,
                                                    FloatAttr swigluAlpha) {
  auto valueOf = [](FloatAttr attr) -> std::optional<llvm::APFloat> {
    if (!attr)
      return std::nullopt;
    return attr.getValue();
  };
  EpilogueActivation activation;
  activation.kind = epilogue;
  activation.layout = layout;
  activation.clampLimit = getEffectiveClampLimit(epilogue, valueOf(clampLimit));
  activation.swigluAlpha = getEffectiveSwigluAlpha(valueOf(swigluAlpha));
  return activation;
}

Value mlir::moe::buildGatedActivation(KernelBuilder &k,
                                      const EpilogueActivation &activation,
                                      Value gate, Value up) {
  std::optional<float> limit = activation.clampLimit;
  switch (activation.kind) {
  case Epilogue::swigluoai_and_mul: {
    // (clamp(up) + 1) * (g * sigmoid(alpha g)), g = min(gate, L).
    Value g = clampAbove(k, gate, *limit);
    Value u = clampBoth(k, up, *limit);
    Value uPlusOne = addF(k, u, k.f32(1.0f));
    Value alphaG = mulF(k, k.f32(activation.swigluAlpha), g);
    Value glu = mulF(k, g, sigmoid(k, alphaG));
    return mulF(k, uPlusOne, glu);
  }
  case Epilogue::swiglustep_and_mul: {
    // min(silu(gate), L) * clamp(up, -L, L).
    Value act = clampAbove(k, k.silu(gate), *limit);
    Value u = clampBoth(k, up, *limit);
    return mulF(k, act, u);
  }
  default:
    break;
  }
  if (limit) {
    gate = clampAbove(k, gate, *limit);
    up = clampBoth(k, up, *limit);
  }
  Value act;
  switch (activation.kind) {
  case Epilogue::silu_and_mul:
    act = k.silu(gate);
    break;
  case Epilogue::gelu_and_mul:
    act = buildGelu(k, gate);
    break;
  case Epilogue::gelu_tanh_and_mul:
    act = geluTanh(k, gate);
    break;
  default:
    llvm_unreachable("not a gated epilogue");
  }
  return mulF(k, act, up);
}

Value mlir::moe::buildElementwiseActivation(KernelBuilder &k, Epilogue kind,
                                            Value v) {
  switch (kind) {
  case Epilogue::none:
    return v;
  case Epilogue::silu:
    return k.silu(v);
  case Epilogue::gelu:
    return buildGelu(k, v);
  case Epilogue::gelu_tanh:
    return geluTanh(k, v);
  case Epilogue::relu2:
    return relu2(k, v);
  default:
    llvm_unreachable("not an elementwise epilogue");
  }
}
