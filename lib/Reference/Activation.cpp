//===- Activation.cpp - Reference expert MLP activations ------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The activation set of fused_moe's first GEMM (docs/Semantics.md, "Expert
// activations"): gated forms with an optional clamp and an interleaved
// gate/up layout, and the elementwise *_no_mul forms.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "moe/Reference/Reference.h"

#include <cmath>

namespace moe {
namespace ref {

namespace {

constexpr const char *kOp = "activation";

/// min(v, limit); a NaN v stays NaN (as torch.clamp).
float clampAbove(float v, float limit) { return v > limit ? limit : v; }

/// v clamped to [-limit, limit]; a NaN v stays NaN.
float clampBoth(float v, float limit) {
  return v < -limit ? -limit : clampAbove(v, limit);
}

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

/// The elementwise function of a *_no_mul activation.
float noMul(Activation activation, float v) {
  switch (activation) {
  case Activation::SiluNoMul:
    return silu(v);
  case Activation::GeluNoMul:
    return gelu(v);
  case Activation::GeluTanhNoMul:
    return geluTanh(v);
  case Activation::Relu2NoMul: {
    float r = v < 0.0f ? 0.0f : v; // a NaN stays NaN, as torch.relu
    return r * r;
  }
  default:
    return v;
  }
}

/// One gated output from its gate and up values.
float gated(Activation activation, float gate, float up,
            const ActivationParams &params) {
  bool clamp = params.hasClampLimit || activation == Activation::SwigluOai ||
               activation == Activation::SwigluStep;
  float limit = params.clampLimit;
  switch (activation) {
  case Activation::SwigluOai: {
    float g = clampAbove(gate, limit);
    float u = clampBoth(up, limit);
    return (u + 1.0f) * (g * sigmoid(params.swigluAlpha * g));
  }
  case Activation::SwigluStep:
    return clampAbove(silu(gate), limit) * clampBoth(up, limit);
  default:
    break;
  }
  if (clamp) {
    gate = clampAbove(gate, limit);
    up = clampBoth(up, limit);
  }
  float g = activation == Activation::Silu   ? silu(gate)
            : activation == Activation::Gelu ? gelu(gate)
                                             : geluTanh(gate);
  return g * up;
}

} // namespace

bool isGatedActivation(Activation activation) {
  switch (activation) {
  case Activation::Silu:
  case Activation::Gelu:
  case Activation::GeluTanh:
  case Activation::SwigluOai:
  case Activation::SwigluStep:
    return true;
  default:
    return false;
  }
}

float geluTanh(float v) {
  constexpr float kSqrt2OverPi = 0.79788456080286535588f;
  return 0.5f * v *
         (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
}

std::vector<float> activate(const float *x, int64_t M, int64_t cols,
                            Activation activation,
                            const ActivationParams &params, DType outType) {
  using namespace detail;
  requireNonNegative(kOp, "M", M);
  requireNonNegative(kOp, "cols", cols);
  requireData(kOp, "x", x, checkedMul(kOp, "M * cols", M, cols));
  bool isGated = isGatedActivation(activation);
  if (params.hasClampLimit &&
      !(params.clampLimit > 0.0f && std::isfinite(params.clampLimit)))
    fail(kOp, "clamp limit must be positive and finite");
  if (!isGated) {
    if (params.hasClampLimit || params.layout != GateUpLayout::Split)
      fail(kOp, "clamp limit and gate/up layout need a gated activation");
    std::vector<float> out(M * cols);
    for (int64_t m = 0; m < M; ++m)
      activateRow(x + m * cols, cols, activation, params,
                  out.data() + m * cols);
    roundAllTo(outType, out);
    return out;
  }
  if (cols % 2 != 0)
    fail(kOp, named("cols", cols) + " must be even with a gated activation");
  int64_t I = cols / 2;
  std::vector<float> out(M * I);
  for (int64_t m = 0; m < M; ++m)
    activateRow(x + m * cols, cols, activation, params, out.data() + m * I);
  roundAllTo(outType, out);
  return out;
}

void activateRow(const float *row, int64_t cols, Activation activation,
                 const ActivationParams &params, float *out) {
  if (!isGatedActivation(activation)) {
    for (int64_t i = 0; i < cols; ++i)
      out[i] = noMul(activation, row[i]);
    return;
  }
  int64_t I = cols / 2;
  bool interleaved = params.layout == GateUpLayout::Interleaved;
  for (int64_t i = 0; i < I; ++i) {
    float gate = interleaved ? row[2 * i] : row[i];
    float up = interleaved ? row[2 * i + 1] : row[i + I];
    out[i] = gated(activation, gate, up, params);
  }
}

} // namespace ref
} // namespace moe
