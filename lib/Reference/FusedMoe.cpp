//===- FusedMoe.cpp - Reference fused MoE layer ---------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// fused_moe composed from the other reference ops: gate -> permute ->
// grouped_matmul(w13, gated activation) -> grouped_matmul(w2, row weights)
// -> combine.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "moe/Reference/Reference.h"

namespace moe {
namespace ref {

namespace {

constexpr const char *kOp = "fused_moe";

void validateFusedMoe(const FusedMoeArgs &args) {
  using namespace detail;
  requireNonNegative(kOp, "T", args.T);
  requireNonNegative(kOp, "H", args.H);
  requirePositive(kOp, "E", args.E);
  requireNonNegative(kOp, "I", args.I);
  requireNonNegative(kOp, "num_shared_experts", args.gate.numSharedExperts);
  int64_t experts = args.E + args.gate.numSharedExperts;
  int64_t matrix = checkedMul(kOp, "I * H", args.I, args.H);
  requireData(kOp, "x", args.x, checkedMul(kOp, "T * H", args.T, args.H));
  requireData(kOp, "w13", args.w13,
              checkedMul(kOp, "(E + S) * 2I * H", experts, 2 * matrix));
  requireData(kOp, "w2", args.w2,
              checkedMul(kOp, "(E + S) * H * I", experts, matrix));
}

/// Runs one expert GEMM over the permuted rows.
std::vector<float> expertGemm(const std::vector<float> &a, int64_t R, int64_t K,
                              const float *w, int64_t experts, int64_t N,
                              const std::vector<int32_t> &offsets,
                              const float *scale, Epilogue epilogue,
                              DType dtype) {
  GroupedMatmulArgs args;
  args.a = a.data();
  args.M = R;
  args.K = K;
  args.w = w;
  args.E = experts;
  args.N = N;
  args.offsets = offsets.data();
  args.R = R;
  args.scaleOrNull = scale;
  args.epilogue = epilogue;
  args.outType = dtype;
  return groupedMatmul(args);
}

} // namespace

std::vector<float> fusedMoe(const FusedMoeArgs &args) {
  validateFusedMoe(args);
  const int64_t slots = args.gate.k + args.gate.numSharedExperts;
  const int64_t experts = args.E + args.gate.numSharedExperts;
  GateResult routing =
      gate(args.logits, args.T, args.E, args.gateBiasOrNull, args.gate);

  // x is already representable in dtype, so the permuted rows are too.
  PermuteResult permuted = permute(args.x, args.T, args.H, routing.ids.data(),
                                   slots, experts, routing.weights.data());
  const int64_t R = args.T * slots;

  Epilogue epilogue = args.activation == Activation::Silu
                          ? Epilogue::SiluAndMul
                          : Epilogue::GeluAndMul;
  std::vector<float> hidden =
      expertGemm(permuted.rows, R, args.H, args.w13, experts, 2 * args.I,
                 permuted.offsets, nullptr, epilogue, args.dtype);
  std::vector<float> down =
      expertGemm(hidden, R, args.I, args.w2, experts, args.H, permuted.offsets,
                 permuted.rowWeights.data(), Epilogue::None, args.dtype);
  return combine(down.data(), R, args.H, permuted.srcIndex.data(), args.T,
                 slots, nullptr, args.dtype);
}

} // namespace ref
} // namespace moe
