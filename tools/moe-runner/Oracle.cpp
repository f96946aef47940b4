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
  // Validate once on the whole problem, with no rows to compute.
  {
    ref::GroupedMatmulArgs empty = whole;
    empty.R = 0;
    if (!empty.rowIndexOrNull)
      empty.M = 0;
    ref::groupedMatmul(empty);
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
