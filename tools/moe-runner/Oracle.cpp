//===- Oracle.cpp - Expected outputs from the CPU reference ---------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Oracle.h"

#include "Parallel.h"

#include "moe/Reference/Reference.h"

#include <algorithm>
#include <exception>
#include <map>
#include <stdexcept>

namespace moe {
namespace runner {

namespace {

/// Calls the reference for one op, writing the outs into `expected`.
class Oracle {
public:
  Oracle(const ResolvedFunction &resolved, const std::vector<HostTensor> &args,
         std::vector<HostTensor> &expected)
      : op(*resolved.op), args(args), expected(expected) {}

  void run();

private:
  const HostTensor *input(const char *name) const {
    return op.hasOperand(name) ? &args[op.operandArg(name)] : nullptr;
  }
  const float *floats(const char *name) const {
    const HostTensor *tensor = input(name);
    return tensor ? tensor->floats.data() : nullptr;
  }
  const int32_t *ints(const char *name) const {
    const HostTensor *tensor = input(name);
    return tensor ? tensor->ints.data() : nullptr;
  }
  int64_t dim(const char *name, size_t index) const {
    return args[op.operandArg(name)].shape[index];
  }
  ref::DType dtype(const char *name) const {
    return toRefDType(args[op.operandArg(name)].type);
  }
  /// The expected tensor of the out operand \p name (allocated), or nullptr
  /// when the op has no such out.
  HostTensor *out(const char *name) {
    if (!op.hasOperand(name))
      return nullptr;
    int64_t arg = op.operandArg(name);
    HostTensor &tensor = expected[arg];
    tensor.allocate(args[arg].type, args[arg].shape);
    return &tensor;
  }
  ref::GateOptions gateOptions() const;
  /// fused_moe's activation, grouped_matmul's epilogue and the parameters
  /// (gate_up_layout, clamp_limit, swiglu_alpha) of either.
  ref::Activation activation() const;
  ref::Epilogue epilogue() const;
  ref::ActivationParams activationParams() const;
  /// The expert MLP's operands and attributes (fused_moe, mot_mlp).
  void setExpertMlp(ref::ExpertMlpArgs &mlp) const;

  void rmsNorm();
  void siluAndMul();
  void gate();
  void align();
  void permute();
  void combine();
  void groupedMatmul();
  void motLinear();
  void motMlp();
  void fusedMoe();
  void quantize();

  const ManifestOp &op;
  const std::vector<HostTensor> &args;
  std::vector<HostTensor> &expected;
};

/// Rows per thread-chunk worth splitting for.
constexpr int64_t kGrain = 1;

/// Runs the reference layer \p layer (fused_moe, mot_mlp: tokens are
/// independent) over chunks of the tokens of \p whole in parallel into
/// \p result [T, H]: validated once on no tokens, then each chunk with x
/// moved to its first token t0 and \p shift moving the other per-token
/// operands.
template <typename Args, typename Layer, typename Shift>
void runPerToken(HostTensor *result, const Args &whole, Layer layer,
                 Shift shift) {
  Args empty = whole;
  empty.T = 0;
  layer(empty);
  parallelFor(whole.T, kGrain, [&](int64_t t0, int64_t t1) {
    Args part = whole;
    part.x = whole.x + t0 * whole.H;
    part.T = t1 - t0;
    shift(part, t0);
    std::vector<float> values = layer(part);
    std::copy(values.begin(), values.end(),
              result->floats.begin() + t0 * whole.H);
  });
}

/// The reference's weight-only scheme named \p quant (w4a16, w4a16_zp,
/// w8a16), or None for any other.
ref::QuantScheme weightOnlyScheme(const std::string &quant) {
  if (quant == "w4a16")
    return ref::QuantScheme::W4A16;
  if (quant == "w4a16_zp")
    return ref::QuantScheme::W4A16Zp;
  if (quant == "w8a16")
    return ref::QuantScheme::W8A16;
  return ref::QuantScheme::None;
}

/// The integer weights of the i8 tensor \p stored [rows..., Ks] as the
/// reference takes them, widened to f32: two unsigned int4 values a byte
/// (ref::unpackInt4: [rows..., 2 Ks]) or the int8 values.
std::vector<float> integerWeights(const HostTensor &stored, bool int4) {
  const int64_t count = static_cast<int64_t>(stored.ints.size());
  std::vector<float> values(int4 ? 2 * count : count);
  parallelFor(count, int64_t(1) << 16, [&](int64_t i0, int64_t i1) {
    if (!int4) {
      for (int64_t i = i0; i < i1; ++i)
        values[i] = static_cast<float>(stored.ints[i]);
      return;
    }
    std::vector<uint8_t> bytes(i1 - i0);
    for (int64_t i = i0; i < i1; ++i)
      bytes[i - i0] = static_cast<uint8_t>(stored.ints[i]);
    std::vector<uint8_t> unpacked =
        ref::unpackInt4(bytes.data(), 1, 2 * (i1 - i0));
    std::copy(unpacked.begin(), unpacked.end(), values.begin() + 2 * i0);
  });
  return values;
}

/// The i8 (or i32) values of \p tensor widened to f32 (zero points).
std::vector<float> widened(const HostTensor *tensor) {
  if (!tensor)
    return {};
  return std::vector<float>(tensor->ints.begin(), tensor->ints.end());
}

/// Every weight of \p w [E, N, K] (integer values) dequantized under the
/// weight-only \p quant as ref::dequantizeWeights does, expert by expert
/// in parallel.
std::vector<float> dequantizeWeightOnly(const ref::GemmQuantization &quant,
                                        const float *w, int64_t E, int64_t N,
                                        int64_t K) {
  const int64_t perExpert = N * K;
  const int64_t scalesPerExpert =
      quant.scheme == ref::QuantScheme::W8A16
          ? N
          : N * ref::ceilDiv(K, std::max<int64_t>(quant.groupSize, 1));
  std::vector<float> out(E * perExpert);
  parallelFor(E, 1, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) {
      ref::GemmQuantization expert = quant;
      expert.wScale = quant.wScale + e * scalesPerExpert;
      if (quant.wZero)
        expert.wZero = quant.wZero + e * scalesPerExpert;
      std::vector<float> values =
          ref::dequantizeWeights(expert, w + e * perExpert, 1, N, K);
      std::copy(values.begin(), values.end(), out.begin() + e * perExpert);
    }
  });
  return out;
}

/// The activation named \p word (fused_moe's `activation` attribute).
ref::Activation activationNamed(const std::string &word) {
  using ref::Activation;
  static const std::map<std::string, Activation> kActivations = {
      {"silu", Activation::Silu},
      {"gelu", Activation::Gelu},
      {"gelu_tanh", Activation::GeluTanh},
      {"swigluoai", Activation::SwigluOai},
      {"swiglustep", Activation::SwigluStep},
      {"silu_no_mul", Activation::SiluNoMul},
      {"gelu_no_mul", Activation::GeluNoMul},
      {"gelu_tanh_no_mul", Activation::GeluTanhNoMul},
      {"relu2_no_mul", Activation::Relu2NoMul},
  };
  auto it = kActivations.find(word);
  if (it == kActivations.end())
    throw std::invalid_argument("unknown activation '" + word + "'");
  return it->second;
}

ref::Activation Oracle::activation() const {
  return activationNamed(op.wordAttr("activation"));
}

ref::Epilogue Oracle::epilogue() const {
  // Epilogue `x_and_mul` computes activation `x`, and epilogue `x`
  // activation `x_no_mul`.
  std::string word = op.wordAttr("epilogue");
  if (word == "none")
    return ref::Epilogue::None;
  const std::string andMul = "_and_mul";
  bool gated =
      word.size() > andMul.size() &&
      word.compare(word.size() - andMul.size(), andMul.size(), andMul) == 0;
  return ref::epilogueFor(activationNamed(
      gated ? word.substr(0, word.size() - andMul.size()) : word + "_no_mul"));
}

ref::ActivationParams Oracle::activationParams() const {
  ref::ActivationParams params;
  if (op.wordAttr("gate_up_layout") == "interleaved")
    params.layout = ref::GateUpLayout::Interleaved;
  if (op.hasAttr("clamp_limit")) {
    params.hasClampLimit = true;
    params.clampLimit = static_cast<float>(op.floatAttr("clamp_limit"));
  }
  if (op.hasAttr("swiglu_alpha"))
    params.swigluAlpha = static_cast<float>(op.floatAttr("swiglu_alpha"));
  return params;
}

ref::GateOptions Oracle::gateOptions() const {
  ref::GateOptions options;
  options.k = op.intAttr("k");
  options.scoring = op.wordAttr("scoring") == "sigmoid" ? ref::Scoring::Sigmoid
                                                        : ref::Scoring::Softmax;
  options.numGroups = op.intAttr("num_groups");
  options.topkGroups = op.intAttr("topk_groups");
  options.groupScore = op.wordAttr("group_score") == "top2_sum"
                           ? ref::GroupScore::Top2Sum
                           : ref::GroupScore::Max;
  options.renormalize = op.boolAttr("renormalize");
  options.scalingFactor = static_cast<float>(op.floatAttr("scaling_factor"));
  options.numSharedExperts = op.intAttr("num_shared_experts");
  options.sharedWeight = op.wordAttr("shared_weight") == "one"
                             ? ref::SharedWeight::One
                             : ref::SharedWeight::RoutedMass;
  return options;
}

void Oracle::rmsNorm() {
  const int64_t T = dim("x", 0), H = dim("x", 1);
  const bool perType = op.hasOperand("type_ids");
  const int64_t numTypes = perType ? dim("weight", 0) : 0;
  const float epsilon = static_cast<float>(op.floatAttr("epsilon"));
  const ref::DType type = dtype("x");
  HostTensor *result = out("out");
  HostTensor *residualOut = out("residual_out");
  const float *x = floats("x"), *residual = floats("residual");
  const int32_t *typeIds = ints("type_ids");
  // Validate once on the whole problem (also when T is 0).
  ref::rmsNorm(x, 0, H, floats("weight"), numTypes, typeIds, residual, epsilon,
               type);
  parallelFor(T, kGrain, [&](int64_t t0, int64_t t1) {
    ref::RmsNormResult part =
        ref::rmsNorm(x + t0 * H, t1 - t0, H, floats("weight"), numTypes,
                     typeIds ? typeIds + t0 : nullptr,
                     residual ? residual + t0 * H : nullptr, epsilon, type);
    std::copy(part.out.begin(), part.out.end(),
              result->floats.begin() + t0 * H);
    if (residualOut)
      std::copy(part.residualOut.begin(), part.residualOut.end(),
                residualOut->floats.begin() + t0 * H);
  });
}

void Oracle::siluAndMul() {
  const int64_t M = dim("x", 0), twoN = dim("x", 1);
  HostTensor *result = out("out");
  const ref::DType type = toRefDType(result->type);
  const float *x = floats("x");
  ref::siluAndMul(x, 0, twoN, type);
  parallelFor(M, kGrain, [&](int64_t m0, int64_t m1) {
    std::vector<float> part =
        ref::siluAndMul(x + m0 * twoN, m1 - m0, twoN, type);
    std::copy(part.begin(), part.end(),
              result->floats.begin() + m0 * (twoN / 2));
  });
}

void Oracle::gate() {
  const int64_t T = dim("logits", 0), E = dim("logits", 1);
  const ref::GateOptions options = gateOptions();
  const int64_t slots = options.k + options.numSharedExperts;
  HostTensor *weights = out("weights");
  HostTensor *ids = out("ids");
  const float *logits = floats("logits"), *bias = floats("bias");
  const float *shared = floats("shared_logits");
  const int64_t S = options.numSharedExperts;
  ref::gate(logits, 0, E, bias, options, shared);
  parallelFor(T, kGrain, [&](int64_t t0, int64_t t1) {
    ref::GateResult part = ref::gate(logits + t0 * E, t1 - t0, E, bias, options,
                                     shared ? shared + t0 * S : nullptr);
    std::copy(part.weights.begin(), part.weights.end(),
              weights->floats.begin() + t0 * slots);
    std::copy(part.ids.begin(), part.ids.end(), ids->ints.begin() + t0 * slots);
  });
}

void Oracle::align() {
  ref::AlignResult result = ref::align(
      ints("ids"), dim("ids", 0), dim("ids", 1), op.intAttr("num_experts"),
      op.intAttr("block_m"), ints("expert_map"));
  out("sorted_ids")->ints = result.sortedIds;
  out("expert_ids")->ints = result.expertIds;
  out("num_tokens_post_pad")->ints = {result.numTokensPostPad};
}

void Oracle::permute() {
  // permute_indices has no x and rows: the index results alone.
  const bool movesRows = input("x") != nullptr;
  // An expert map applies to the ids first (docs/Semantics.md).
  const HostTensor &idsTensor = *input("ids");
  std::vector<int32_t> ids = idsTensor.ints;
  if (const int32_t *map = ints("expert_map")) {
    const int64_t G = dim("expert_map", 0);
    for (int32_t &id : ids)
      id = id >= 0 && id < G ? map[id] : -1;
  }
  // scale_rows: rows times their weights, rounded to x's element type.
  const bool scaleRows = movesRows && op.boolAttr("scale_rows");
  ref::PermuteResult result = ref::permute(
      floats("x"), dim("ids", 0), movesRows ? dim("x", 1) : 0, ids.data(),
      dim("ids", 1), op.intAttr("num_experts"), floats("weights"), scaleRows,
      movesRows ? dtype("x") : ref::DType::F32);
  if (movesRows)
    out("rows")->floats = result.rows;
  out("src_index")->ints = result.srcIndex;
  out("offsets")->ints = result.offsets;
  if (HostTensor *rowWeights = out("row_weights"))
    rowWeights->floats = result.rowWeights;
  if (HostTensor *slotRows = out("slot_rows"))
    slotRows->ints = result.slotRows;
}

void Oracle::combine() {
  HostTensor *result = out("out");
  // With slot_rows the op reads each slot's row from it, not src_index.
  if (const int32_t *slotRows = ints("slot_rows")) {
    result->floats = ref::combineSlotRows(
        floats("y"), dim("y", 0), dim("y", 1), slotRows, result->shape[0],
        op.intAttr("k"), floats("weights"), toRefDType(result->type));
    return;
  }
  result->floats =
      ref::combine(floats("y"), dim("y", 0), dim("y", 1), ints("src_index"),
                   result->shape[0], op.intAttr("k"), floats("weights"),
                   toRefDType(result->type));
}

void Oracle::groupedMatmul() {
  HostTensor *result = out("out");
  ref::GroupedMatmulArgs whole;
  whole.a = floats("a");
  whole.M = dim("a", 0);
  whole.K = dim("a", 1);
  whole.w = floats("w");
  whole.E = dim("w", 0);
  whole.N = dim("w", 1);
  whole.offsets = ints("offsets");
  // A gathered A with no rows still is the gathered form.
  static const int32_t noRows = 0;
  whole.rowIndexOrNull = op.hasOperand("row_index")
                             ? (ints("row_index") ? ints("row_index") : &noRows)
                             : nullptr;
  whole.R = result->shape[0];
  whole.indexDivisor = op.intAttr("index_divisor");
  whole.scaleOrNull = floats("scale");
  whole.biasOrNull = floats("bias");
  whole.epilogue = epilogue();
  whole.activationParams = activationParams();
  whole.outType = toRefDType(result->type);
  // The fp8 schemes: a and w hold e4m3 values, with their scales; a row
  // range's a_scale starts aScaleStride floats a row on (none per tensor).
  const std::string quant = op.wordAttr("quant");
  const int64_t blocksK = whole.K / 128 + (whole.K % 128 != 0);
  int64_t aScaleStride = 0;
  if (quant == "fp8_block" || quant == "fp8_channel" || quant == "fp8_tensor") {
    whole.quant.scheme = quant == "fp8_block"     ? ref::QuantScheme::Fp8Block
                         : quant == "fp8_channel" ? ref::QuantScheme::Fp8Channel
                                                  : ref::QuantScheme::Fp8Tensor;
    if (quant == "fp8_block")
      whole.quant.groupSize = 128;
    whole.quant.aScale = floats("a_scale");
    whole.quant.wScale = floats("w_scale");
    aScaleStride = quant == "fp8_block"     ? blocksK
                   : quant == "fp8_channel" ? 1
                                            : 0;
  }
  // The weight-only schemes: w holds i8 bytes (packed int4 or int8), the
  // zero points i8 values; the reference takes their integer values.
  std::vector<float> weightValues, zeroValues, dequantized;
  const ref::QuantScheme weightOnly = weightOnlyScheme(quant);
  if (weightOnly != ref::QuantScheme::None) {
    whole.quant.scheme = weightOnly;
    whole.quant.groupSize =
        weightOnly == ref::QuantScheme::W8A16 ? 0 : op.intAttr("group_size");
    whole.quant.wScale = floats("w_scale");
    zeroValues = widened(input("w_zero"));
    whole.quant.wZero = zeroValues.empty() ? nullptr : zeroValues.data();
    whole.quant.computeType = dtype("a");
    weightValues =
        integerWeights(*input("w"), weightOnly != ref::QuantScheme::W8A16);
    whole.w = weightValues.data();
  }
  // Validate once on the whole problem, with no rows to compute.
  {
    ref::GroupedMatmulArgs empty = whole;
    empty.R = 0;
    if (!empty.rowIndexOrNull)
      empty.M = 0;
    ref::groupedMatmul(empty);
  }
  // A weight-only GEMM is the unquantized one over the dequantized weights
  // (GroupedMatmulArgs::quant): dequantized once here, not per row range.
  if (weightOnly != ref::QuantScheme::None) {
    dequantized =
        dequantizeWeightOnly(whole.quant, whole.w, whole.E, whole.N, whole.K);
    whole.w = dequantized.data();
    whole.quant = ref::GemmQuantization();
  }
  const int64_t cols = ref::groupedMatmulOutputCols(whole.N, whole.epilogue);
  // Rows [r0, r1) are an independent grouped matmul whose offsets are
  // shifted by -r0 and clamped to [0, r1 - r0]: a row keeps its expert.
  parallelFor(whole.R, kGrain, [&](int64_t r0, int64_t r1) {
    const int64_t rows = r1 - r0;
    std::vector<int32_t> offsets(whole.E + 1);
    for (int64_t e = 0; e <= whole.E; ++e)
      offsets[e] = static_cast<int32_t>(std::min<int64_t>(
          std::max<int64_t>(int64_t(whole.offsets[e]) - r0, 0), rows));
    ref::GroupedMatmulArgs part = whole;
    part.offsets = offsets.data();
    part.R = rows;
    if (whole.rowIndexOrNull) {
      part.rowIndexOrNull = whole.rowIndexOrNull + r0;
    } else {
      part.a = whole.a + r0 * whole.K;
      part.M = rows;
      if (whole.quant.aScale)
        part.quant.aScale = whole.quant.aScale + r0 * aScaleStride;
    }
    if (whole.scaleOrNull)
      part.scaleOrNull = whole.scaleOrNull + r0;
    std::vector<float> values = ref::groupedMatmul(part);
    std::copy(values.begin(), values.end(), result->floats.begin() + r0 * cols);
  });
}

void Oracle::motLinear() {
  HostTensor *result = out("out");
  const int64_t T = dim("x", 0), K = dim("x", 1);
  const int64_t G = dim("w", 0), N = dim("w", 1);
  const float *x = floats("x"), *w = floats("w"), *bias = floats("bias");
  const int32_t *typeIds = ints("type_ids");
  const ref::DType type = toRefDType(result->type);
  ref::motLinear(x, 0, K, w, G, N, typeIds, bias, type);
  parallelFor(T, kGrain, [&](int64_t t0, int64_t t1) {
    std::vector<float> part = ref::motLinear(x + t0 * K, t1 - t0, K, w, G, N,
                                             typeIds + t0, bias, type);
    std::copy(part.begin(), part.end(), result->floats.begin() + t0 * N);
  });
}

void Oracle::setExpertMlp(ref::ExpertMlpArgs &mlp) const {
  mlp.x = floats("x");
  mlp.T = dim("x", 0);
  mlp.H = dim("x", 1);
  mlp.w13 = floats("w13");
  mlp.w2 = floats("w2");
  mlp.I = dim("w2", 2);
  mlp.b13OrNull = floats("b13");
  mlp.b2OrNull = floats("b2");
  mlp.activation = activation();
  mlp.activationParams = activationParams();
  mlp.dtype = dtype("x");
}

void Oracle::fusedMoe() {
  HostTensor *result = out("out");
  ref::FusedMoeArgs whole;
  setExpertMlp(whole);
  whole.logits = floats("logits");
  whole.E = dim("logits", 1);
  whole.gateBiasOrNull = floats("bias");
  whole.sharedLogitsOrNull = floats("shared_logits");
  whole.routerWeightOnInput = op.boolAttr("router_weight_on_input");
  whole.gate = gateOptions();
  whole.expertMapOrNull = ints("expert_map");
  whole.numLocalExperts = dim("w13", 0);
  // The weight-only schemes: validated once with the integer weights, then
  // the layer over the dequantized ones (as the reference's expert GEMMs
  // compute it), dequantized once here rather than in every token range.
  std::vector<float> dequantized13, dequantized2;
  const ref::QuantScheme weightOnly = weightOnlyScheme(op.wordAttr("quant"));
  if (weightOnly != ref::QuantScheme::None) {
    const bool int4 = weightOnly != ref::QuantScheme::W8A16;
    const int64_t L = dim("w13", 0), rows13 = dim("w13", 1);
    if (int4) // w2 [L, H, I / 2] holds two int4 values a byte.
      whole.I = 2 * dim("w2", 2);
    std::vector<float> values13 = integerWeights(*input("w13"), int4);
    std::vector<float> values2 = integerWeights(*input("w2"), int4);
    std::vector<float> zeros13 = widened(input("w13_zero"));
    std::vector<float> zeros2 = widened(input("w2_zero"));
    ref::FusedMoeArgs check = whole;
    check.T = 0;
    check.w13 = values13.data();
    check.w2 = values2.data();
    ref::FusedMoeQuantization &quant = check.quant;
    quant.scheme = weightOnly;
    quant.groupSize = int4 ? op.intAttr("group_size") : 0;
    quant.w13Scale = floats("w13_scale");
    quant.w2Scale = floats("w2_scale");
    quant.w13Zero = zeros13.empty() ? nullptr : zeros13.data();
    quant.w2Zero = zeros2.empty() ? nullptr : zeros2.data();
    ref::fusedMoe(check);
    ref::GemmQuantization gemm;
    gemm.scheme = weightOnly;
    gemm.groupSize = quant.groupSize;
    gemm.computeType = whole.dtype;
    gemm.wScale = quant.w13Scale;
    gemm.wZero = quant.w13Zero;
    dequantized13 =
        dequantizeWeightOnly(gemm, values13.data(), L, rows13, whole.H);
    gemm.wScale = quant.w2Scale;
    gemm.wZero = quant.w2Zero;
    dequantized2 =
        dequantizeWeightOnly(gemm, values2.data(), L, whole.H, whole.I);
    whole.w13 = dequantized13.data();
    whole.w2 = dequantized2.data();
  }
  // Tokens are independent: route, expert MLPs and combine are per token.
  runPerToken(result, whole, ref::fusedMoe,
              [&](ref::FusedMoeArgs &part, int64_t t0) {
                part.logits = whole.logits + t0 * whole.E;
                if (whole.sharedLogitsOrNull)
                  part.sharedLogitsOrNull = whole.sharedLogitsOrNull +
                                            t0 * whole.gate.numSharedExperts;
              });
}

void Oracle::motMlp() {
  HostTensor *result = out("out");
  ref::MotMlpArgs whole;
  setExpertMlp(whole);
  whole.typeIds = ints("type_ids");
  whole.G = dim("w13", 0);
  runPerToken(result, whole, ref::motMlp,
              [&](ref::MotMlpArgs &part, int64_t t0) {
                part.typeIds = whole.typeIds + t0;
              });
}

void Oracle::quantize() {
  const int64_t T = dim("x", 0), K = dim("x", 1);
  const float *x = floats("x");
  HostTensor *q = out("q");
  if (HostTensor *scales = out("scales")) {
    const int64_t group = op.intAttr("group_size");
    const int64_t groups = scales->shape[1];
    ref::quantizeFp8Dynamic(x, 0, K, group);
    parallelFor(T, kGrain, [&](int64_t t0, int64_t t1) {
      ref::Fp8Activations part =
          ref::quantizeFp8Dynamic(x + t0 * K, t1 - t0, K, group);
      std::copy(part.q.begin(), part.q.end(), q->floats.begin() + t0 * K);
      std::copy(part.scales.begin(), part.scales.end(),
                scales->floats.begin() + t0 * groups);
    });
    return;
  }
  const float scale = floats("scale")[0];
  parallelFor(T, kGrain, [&](int64_t t0, int64_t t1) {
    std::vector<float> part =
        ref::quantizeFp8Static(x + t0 * K, (t1 - t0) * K, scale);
    std::copy(part.begin(), part.end(), q->floats.begin() + t0 * K);
  });
}

void Oracle::run() {
  const std::string &name = op.name;
  if (name == "rms_norm")
    rmsNorm();
  else if (name == "silu_and_mul")
    siluAndMul();
  else if (name == "gate")
    gate();
  else if (name == "align")
    align();
  else if (name == "permute" || name == "permute_indices")
    permute();
  else if (name == "combine")
    combine();
  else if (name == "grouped_matmul")
    groupedMatmul();
  else if (name == "mot_linear")
    motLinear();
  else if (name == "mot_mlp")
    motMlp();
  else if (name == "fused_moe")
    fusedMoe();
  else if (name == "quantize")
    quantize();
}

} // namespace

bool computeOracle(const ResolvedFunction &resolved,
                   const std::vector<HostTensor> &args,
                   std::vector<HostTensor> &expected, std::string &error) {
  expected.assign(args.size(), HostTensor());
  try {
    Oracle(resolved, args, expected).run();
  } catch (const std::exception &e) {
    error = "the reference rejects function '" + resolved.function->name +
            "': " + e.what();
    return false;
  }
  // Every out must have been computed with its full size.
  for (size_t arg = 0; arg < args.size(); ++arg) {
    if (!resolved.isOut[arg])
      continue;
    if (expected[arg].size() !=
        static_cast<size_t>(elementCount(resolved.argShapes[arg]))) {
      error = "internal error: the reference value of argument " +
              std::to_string(arg) + " has " +
              std::to_string(expected[arg].size()) + " elements, expected " +
              std::to_string(elementCount(resolved.argShapes[arg]));
      return false;
    }
  }
  return true;
}

} // namespace runner
} // namespace moe
