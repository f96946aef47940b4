//===- MoeActivation.h - Expert activations and epilogues -------*- C++ -*-===//
//
// The facts about fused_moe's activations and the GEMM epilogues that
// compute them, shared by the verifiers, the decomposition and the kernels:
// which forms are gated, the epilogue of each activation, the defaults of
// swigluoai's and swiglustep's parameters (docs/Semantics.md, "Expert
// activations").
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOEACTIVATION_H
#define MOE_DIALECT_MOE_IR_MOEACTIVATION_H

#include "moe/Dialect/Moe/IR/MoeDialect.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/APFloat.h"

#include <optional>

namespace mlir::moe {

/// The clamp limit of swigluoai and swiglustep when none is given.
constexpr float kDefaultSwigluLimit = 7.0f;
/// swigluoai's alpha when none is given (gpt-oss).
constexpr float kDefaultSwigluAlpha = 1.702f;

/// Whether `activation` is gated: it takes 2I outputs (gate, up) to I.
bool isGatedActivation(Activation activation);

/// Whether `epilogue` is gated (a `*_and_mul` form): it halves N.
bool isGatedEpilogue(Epilogue epilogue);

/// The grouped_matmul epilogue that computes fused_moe's `activation`.
Epilogue getEpilogueFor(Activation activation);

/// The clamp limit `epilogue` applies: `clampLimit` when given, else
/// kDefaultSwigluLimit for the swiglu forms, else none.
std::optional<float>
getEffectiveClampLimit(Epilogue epilogue,
                       std::optional<llvm::APFloat> clampLimit);

/// swigluoai's alpha: `swigluAlpha` when given, else kDefaultSwigluAlpha.
float getEffectiveSwigluAlpha(std::optional<llvm::APFloat> swigluAlpha);

/// Verifies an activation's parameters at `op`, whose activation is called
/// `name`: the gate/up layout and the clamp limit only with a gated form
/// (`gated`), the limit positive and finite, swiglu_alpha only with
/// swigluoai (`swigluoai`) and finite.
LogicalResult verifyActivationParams(Operation *op, StringRef name, bool gated,
                                     bool swigluoai, GateUpLayout layout,
                                     std::optional<llvm::APFloat> clampLimit,
                                     std::optional<llvm::APFloat> swigluAlpha);

} // namespace mlir::moe

#endif // MOE_DIALECT_MOE_IR_MOEACTIVATION_H
