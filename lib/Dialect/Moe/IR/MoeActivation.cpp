//===- MoeActivation.cpp - Expert activations and epilogues ---------------===//
//
// Which activations and epilogues are gated, the epilogue of each
// activation, the swiglu defaults and the shared verifier of their
// parameters (MoeActivation.h).
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeActivation.h"

#include "mlir/IR/Operation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;

bool mlir::moe::isGatedEpilogue(Epilogue epilogue) {
  switch (epilogue) {
  case Epilogue::silu_and_mul:
  case Epilogue::gelu_and_mul:
  case Epilogue::gelu_tanh_and_mul:
  case Epilogue::swigluoai_and_mul:
  case Epilogue::swiglustep_and_mul:
    return true;
  case Epilogue::none:
  case Epilogue::silu:
  case Epilogue::gelu:
  case Epilogue::gelu_tanh:
  case Epilogue::relu2:
    return false;
  }
  llvm_unreachable("unknown epilogue");
}

Epilogue mlir::moe::getEpilogueFor(Activation activation) {
  switch (activation) {
  case Activation::silu:
    return Epilogue::silu_and_mul;
  case Activation::gelu:
    return Epilogue::gelu_and_mul;
  case Activation::gelu_tanh:
    return Epilogue::gelu_tanh_and_mul;
  case Activation::swigluoai:
    return Epilogue::swigluoai_and_mul;
  case Activation::swiglustep:
    return Epilogue::swiglustep_and_mul;
  case Activation::silu_no_mul:
    return Epilogue::silu;
  case Activation::gelu_no_mul:
    return Epilogue::gelu;
  case Activation::gelu_tanh_no_mul:
    return Epilogue::gelu_tanh;
  case Activation::relu2_no_mul:
    return Epilogue::relu2;
  }
  llvm_unreachable("unknown activation");
}

bool mlir::moe::isGatedActivation(Activation activation) {
  return isGatedEpilogue(getEpilogueFor(activation));
}

std::optional<float>
mlir::moe::getEffectiveClampLimit(Epilogue epilogue,
                                  std::optional<llvm::APFloat> clampLimit) {
  if (clampLimit)
    return clampLimit->convertToFloat();
  if (epilogue == Epilogue::swigluoai_and_mul ||
      epilogue == Epilogue::swiglustep_and_mul)
    return kDefaultSwigluLimit;
  return std::nullopt;
}

float mlir::moe::getEffectiveSwigluAlpha(
    std::optional<llvm::APFloat> swigluAlpha) {
  return swigluAlpha ? swigluAlpha->convertToFloat() : kDefaultSwigluAlpha;
}

LogicalResult
mlir::moe::verifyActivationParams(Operation *op, StringRef name, bool gated,
                                  bool swigluoai, GateUpLayout layout,
                                  std::optional<llvm::APFloat> clampLimit,
                                  std::optional<llvm::APFloat> swigluAlpha) {
  if (!gated && layout != GateUpLayout::split)
    return op->emitOpError()
           << "gate_up_layout = " << stringifyGateUpLayout(layout)
           << " needs a gated activation, not " << name
           << " (there are no up rows)";
  if (clampLimit) {
    double value = clampLimit->convertToDouble();
    if (!gated)
      return op->emitOpError() << "clamp_limit applies to a gated activation "
                                  "(gate and up), not to "
                               << name;
    if (!(value > 0.0) || !std::isfinite(value))
      return op->emitOpError()
             << "clamp_limit (" << value << ") must be positive and finite";
  }
  if (swigluAlpha) {
    double value = swigluAlpha->convertToDouble();
    if (!swigluoai)
      return op->emitOpError()
             << "swiglu_alpha applies only to swigluoai, not to " << name;
    if (!std::isfinite(value))
      return op->emitOpError()
             << "swiglu_alpha (" << value << ") must be finite";
  }
  return success();
}
