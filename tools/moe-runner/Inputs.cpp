//===- Inputs.cpp - Seeded inputs for an entry point ----------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Inputs.h"

#include "Parallel.h"

#include "moe/Reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace moe {
namespace runner {

const char *caseModeName(CaseMode mode) {
  switch (mode) {
  case CaseMode::Random:
    return "random";
  case CaseMode::OneExpert:
    return "one-expert";
  case CaseMode::EmptyExperts:
    return "empty-experts";
  case CaseMode::NanRows:
    return "nan-rows";
  case CaseMode::OutOfRange:
    return "out-of-range";
  case CaseMode::UnsortedOffsets:
    return "unsorted-offsets";
  }
  return "?";
}

bool parseCaseMode(const std::string &text, CaseMode &mode) {
  for (CaseMode candidate :
       {CaseMode::Random, CaseMode::OneExpert, CaseMode::EmptyExperts,
        CaseMode::NanRows, CaseMode::OutOfRange, CaseMode::UnsortedOffsets}) {
    if (text == caseModeName(candidate)) {
      mode = candidate;
      return true;
    }
  }
  return false;
}

std::string caseModeInapplicability(const ResolvedFunction &resolved,
                                    CaseMode mode) {
  const ManifestOp &op = *resolved.op;
  const std::string &name = op.name;
  bool routed = name != "silu_and_mul" && name != "quantize" &&
                (name != "rms_norm" || op.hasOperand("type_ids"));
  switch (mode) {
  case CaseMode::Random:
    return "";
  case CaseMode::NanRows:
    if (name == "align" || name == "permute_indices")
      return name + " has no float rows to put NaN/inf values in";
    return "";
  case CaseMode::OneExpert:
  case CaseMode::EmptyExperts:
    if (!routed)
      return name + (name == "rms_norm" ? " without type_ids" : "") +
             " routes nothing to experts or token types";
    return "";
  case CaseMode::OutOfRange:
    if (!routed || name == "gate" || name == "fused_moe")
      return name + (name == "rms_norm" ? " without type_ids" : "") +
             " has no index input to put out-of-range values in";
    return "";
  case CaseMode::UnsortedOffsets:
    if (name != "grouped_matmul")
      return name + " has no expert offsets";
    return "";
  }
  return "";
}

namespace {

/// splitmix64's finalizer: a well-mixed 64-bit hash.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Elements generated from one random stream; blocks are independent, so
/// they can be generated in parallel with the same result.
constexpr int64_t kBlock = int64_t(1) << 16;

/// Purposes of the random streams of one argument.
enum Purpose : uint64_t { kValues = 1, kIndices = 2, kEdgeCase = 3 };

using Rng = std::mt19937_64;

int64_t randomBelow(Rng &rng, int64_t bound) {
  return std::uniform_int_distribution<int64_t>(0, bound - 1)(rng);
}

int32_t clampToInt32(int64_t value) {
  return static_cast<int32_t>(
      std::min<int64_t>(std::max<int64_t>(value, INT32_MIN), INT32_MAX));
}

/// Out-of-range replacements for indices valid in [0, bound).
std::vector<int32_t> badIndices(int64_t bound) {
  return {-1, clampToInt32(bound), clampToInt32(bound + 7),
          std::numeric_limits<int32_t>::max(),
          std::numeric_limits<int32_t>::min()};
}

/// Replaces about 1/8 of \p values (at least one) with out-of-range ones.
void corrupt(std::vector<int32_t> &values, int64_t bound, Rng &rng,
             int64_t fraction = 8) {
  if (values.empty())
    return;
  std::vector<int32_t> bad = badIndices(bound);
  int64_t count = std::max<int64_t>(1, values.size() / fraction);
  for (int64_t i = 0; i < count; ++i)
    values[randomBelow(rng, values.size())] = bad[i % bad.size()];
}

/// The generator of one function's inputs.
class Generator {
public:
  Generator(const ResolvedFunction &resolved, CaseMode mode, uint64_t seed,
            std::vector<HostTensor> &args)
      : resolved(resolved), op(*resolved.op), mode(mode), seed(seed),
        args(args) {}

  void run();

private:
  /// The tensor of the present operand \p operand, or nullptr.
  HostTensor *operand(const char *name) {
    if (!op.hasOperand(name))
      return nullptr;
    return &args[op.operandArg(name)];
  }
  int64_t dim(const char *name, size_t index) {
    return operand(name)->shape[index];
  }
  /// A random stream for \p name's \p purpose, independent of the others.
  Rng rng(const char *name, Purpose purpose) {
    uint64_t arg = op.hasOperand(name) ? op.operandArg(name) : 0xffff;
    return Rng(mix(mix(seed) ^ mix(arg * 16 + purpose)));
  }

  void fillNormal(const char *name, float mean, float stddev);
  void fillUniform(const char *name, float low, float high);
  void ensureNonZero(HostTensor &tensor);
  void fillLogits(const char *name, int64_t E);
  void fillGateBias(const char *name);
  void injectNanRows(const char *name, bool logits);
  std::vector<int32_t> routedIds(int64_t T, int64_t k, int64_t E, Rng &rng);
  void fillTypeIds(const char *name, int64_t G);
  void fillOffsets(const char *name, int64_t R, int64_t E);

  void makeRmsNorm();
  void makeSiluAndMul();
  void makeGate();
  void makeAlign();
  void makePermute();
  void makeCombine();
  void makeFp8Operands();
  void fillWeightOnly(const char *w, const char *scale, const char *zero,
                      int64_t K);
  void makeGroupedMatmul();
  void makeMotLinear();
  void makeMotMlp();
  void makeFusedMoe();
  void fillExpertMlp(int64_t H, int64_t I);
  void fillSharedLogits();
  void makeQuantize();

  const ResolvedFunction &resolved;
  const ManifestOp &op;
  CaseMode mode;
  uint64_t seed;
  std::vector<HostTensor> &args;
  /// The experts [first, second) the logits favour (one-expert and
  /// empty-experts modes).
  std::pair<int64_t, int64_t> favouredExperts = {0, 0};
};

void Generator::ensureNonZero(HostTensor &tensor) {
  for (float value : tensor.floats)
    if (value != 0.0f)
      return;
  if (!tensor.floats.empty())
    tensor.floats[0] = 1.0f;
}

void Generator::fillNormal(const char *name, float mean, float stddev) {
  HostTensor *tensor = operand(name);
  if (!tensor)
    return;
  const uint64_t base = mix(seed) ^ mix(op.operandArg(name) * 16 + kValues);
  const ref::DType dtype = toRefDType(tensor->type);
  const int64_t count = static_cast<int64_t>(tensor->floats.size());
  float *data = tensor->floats.data();
  parallelFor((count + kBlock - 1) / kBlock, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t block = b0; block < b1; ++block) {
      std::mt19937 blockRng(static_cast<uint32_t>(mix(base + block)));
      std::normal_distribution<float> normal(mean, stddev);
      int64_t end = std::min(count, (block + 1) * kBlock);
      for (int64_t i = block * kBlock; i < end; ++i)
        data[i] = ref::roundTo(dtype, normal(blockRng));
    }
  });
  ensureNonZero(*tensor);
}

void Generator::fillUniform(const char *name, float low, float high) {
  HostTensor *tensor = operand(name);
  if (!tensor)
    return;
  Rng values = rng(name, kValues);
  std::uniform_real_distribution<float> uniform(low, high);
  const ref::DType dtype = toRefDType(tensor->type);
  for (float &value : tensor->floats)
    value = ref::roundTo(dtype, uniform(values));
  ensureNonZero(*tensor);
}

/// Router logits [T, E] for the gate attributes of the op.
void Generator::fillLogits(const char *name, int64_t E) {
  fillNormal(name, 0.0f, 1.0f);
  HostTensor &logits = *operand(name);
  const ref::DType dtype = toRefDType(logits.type);
  const int64_t T = logits.shape[0];
  Rng edge = rng(name, kEdgeCase);
  if (mode == CaseMode::OneExpert && E > 0) {
    // Every token's logits favour the same expert.
    int64_t star = randomBelow(edge, E);
    favouredExperts = {star, star + 1};
    for (int64_t t = 0; t < T; ++t) {
      float &value = logits.floats[t * E + star];
      value = ref::roundTo(dtype, value + 8.0f);
    }
  } else if (mode == CaseMode::EmptyExperts && E > 0) {
    // Only the first experts (within the groups a token may keep) are
    // likely; the others get no token.
    int64_t k = op.intAttr("k");
    int64_t groups = std::max<int64_t>(1, op.intAttr("num_groups"));
    int64_t keptGroups = std::max<int64_t>(1, op.intAttr("topk_groups"));
    int64_t eligible = std::max<int64_t>(1, keptGroups * (E / groups));
    int64_t favoured =
        std::min(std::max(k, (E + 7) / 8), std::min(eligible, E));
    favouredExperts = {0, favoured};
    for (int64_t t = 0; t < T; ++t)
      for (int64_t e = 0; e < E; ++e) {
        float &value = logits.floats[t * E + e];
        value = ref::roundTo(dtype, value + (e < favoured ? 6.0f : -6.0f));
      }
  } else if (mode == CaseMode::NanRows) {
    injectNanRows(name, /*logits=*/true);
  }
}

/// The gate's correction bias [E]. A saturated sigmoid score cannot
/// outweigh the bias of another expert, so the favoured experts of the
/// one-expert and empty-experts modes also get +1 of bias.
void Generator::fillGateBias(const char *name) {
  fillNormal(name, 0.0f, 0.1f);
  HostTensor *bias = operand(name);
  if (!bias)
    return;
  for (int64_t e = favouredExperts.first; e < favouredExperts.second; ++e)
    if (e < static_cast<int64_t>(bias->floats.size()))
      bias->floats[e] += 1.0f;
}

/// Puts NaN and infinities in some rows (every fourth from row 1, row 0
/// when there is one row) of the 2-D float operand \p name.
void Generator::injectNanRows(const char *name, bool logits) {
  HostTensor *tensor = operand(name);
  if (!tensor || tensor->shape.size() != 2)
    return;
  const int64_t rows = tensor->shape[0], cols = tensor->shape[1];
  if (rows == 0 || cols == 0)
    return;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Rng edge = rng(name, kEdgeCase);
  int64_t pattern = 0;
  for (int64_t r = rows == 1 ? 0 : 1; r < rows; r += 4, ++pattern) {
    float *row = tensor->floats.data() + r * cols;
    int64_t column = randomBelow(edge, cols);
    int64_t other = randomBelow(edge, cols);
    // Logit rows also get whole rows of -inf and NaN (no usable score) and
    // ties of +inf; data rows get single non-finite values.
    int64_t numPatterns = logits ? 7 : 3;
    switch (pattern % numPatterns) {
    case 0:
      row[column] = nan;
      break;
    case 1:
      row[column] = inf;
      break;
    case 2:
      if (!logits) {
        row[column] = -inf;
        break;
      }
      std::fill(row, row + cols, -inf);
      break;
    case 3:
      std::fill(row, row + cols, nan);
      break;
    case 4:
      row[column] = -inf;
      break;
    case 5:
      row[column] = inf;
      row[other] = inf;
      break;
    case 6:
      row[column] = nan;
      row[other] = inf;
      break;
    }
  }
}

/// Expert ids [T, k] in [0, E): distinct per token when k <= E, shaped by
/// the edge-case mode.
std::vector<int32_t> Generator::routedIds(int64_t T, int64_t k, int64_t E,
                                          Rng &random) {
  std::vector<int32_t> ids(T * k, 0);
  if (E <= 0) {
    if (mode == CaseMode::OutOfRange)
      corrupt(ids, E, random);
    return ids;
  }
  std::vector<int32_t> pool(E);
  for (int64_t e = 0; e < E; ++e)
    pool[e] = static_cast<int32_t>(e);
  std::shuffle(pool.begin(), pool.end(), random);
  int32_t star = pool[0];
  if (mode == CaseMode::EmptyExperts)
    pool.resize(std::min<int64_t>(E, std::max<int64_t>(k, (E + 7) / 8)));
  for (int64_t t = 0; t < T; ++t) {
    int32_t *row = ids.data() + t * k;
    int64_t j = 0;
    if (mode == CaseMode::OneExpert && k > 0)
      row[j++] = star;
    for (; j < k; ++j) {
      // Rejection sampling of ids not yet in the row; repeats only when the
      // pool is too small for distinct ids.
      bool distinct = static_cast<int64_t>(pool.size()) >= k;
      int32_t id;
      do {
        id = pool[randomBelow(random, pool.size())];
      } while (distinct && std::find(row, row + j, id) != row + j);
      row[j] = id;
    }
  }
  if (mode == CaseMode::OutOfRange)
    corrupt(ids, E, random);
  return ids;
}

/// Token type ids [T] in [0, G), shaped by the edge-case mode.
void Generator::fillTypeIds(const char *name, int64_t G) {
  HostTensor *tensor = operand(name);
  if (!tensor)
    return;
  Rng random = rng(name, kIndices);
  int64_t used = G;
  int64_t star = G > 0 ? randomBelow(random, G) : 0;
  if (mode == CaseMode::EmptyExperts)
    used = std::max<int64_t>(1, G / 2);
  for (int32_t &id : tensor->ints) {
    if (G <= 0)
      id = 0;
    else if (mode == CaseMode::OneExpert)
      id = static_cast<int32_t>(star);
    else
      id = static_cast<int32_t>(randomBelow(random, used));
  }
  if (mode == CaseMode::OutOfRange)
    corrupt(tensor->ints, G, random);
}

/// Expert offsets [E + 1] of R rows: a random monotone partition that leaves
/// some experts empty, shaped by the edge-case mode.
void Generator::fillOffsets(const char *name, int64_t R, int64_t E) {
  HostTensor *tensor = operand(name);
  if (!tensor)
    return;
  Rng random = rng(name, kIndices);
  std::vector<int64_t> order(std::max<int64_t>(E, 0));
  for (int64_t e = 0; e < E; ++e)
    order[e] = e;
  std::shuffle(order.begin(), order.end(), random);
  std::vector<int64_t> nonEmpty;
  if (mode == CaseMode::OneExpert) {
    if (E > 0)
      nonEmpty.push_back(order[0]);
  } else if (mode == CaseMode::EmptyExperts) {
    nonEmpty.assign(order.begin(),
                    order.begin() + std::min<int64_t>(E, (E + 7) / 8));
  } else {
    // About one expert in eight is empty, at least one when E >= 2.
    int64_t empty = E >= 2 ? std::max<int64_t>(1, E / 8) : 0;
    nonEmpty.assign(order.begin() + empty, order.end());
  }
  // Out-of-range: the last rows belong to no expert (offsets[E] < R).
  int64_t covered = R;
  if (mode == CaseMode::OutOfRange && R > 0)
    covered = R - std::max<int64_t>(1, R / 8);
  std::vector<int64_t> sizes(std::max<int64_t>(E, 0), 0);
  if (!nonEmpty.empty()) {
    std::vector<int64_t> cuts;
    for (size_t i = 1; i < nonEmpty.size(); ++i)
      cuts.push_back(randomBelow(random, covered + 1));
    std::sort(cuts.begin(), cuts.end());
    cuts.insert(cuts.begin(), 0);
    cuts.push_back(covered);
    for (size_t i = 0; i < nonEmpty.size(); ++i)
      sizes[nonEmpty[i]] = cuts[i + 1] - cuts[i];
  }
  int64_t offset = 0;
  tensor->ints[0] = 0;
  for (int64_t e = 0; e < E; ++e) {
    offset += sizes[e];
    tensor->ints[e + 1] = static_cast<int32_t>(offset);
  }
  // Unsorted: legal but not monotone offsets (overlapping and reversed
  // ranges; the lowest matching expert owns a row).
  if (mode == CaseMode::UnsortedOffsets && E >= 2)
    std::shuffle(tensor->ints.begin() + 1, tensor->ints.end(), random);
}

void Generator::makeRmsNorm() {
  fillNormal("x", 0.0f, 1.0f);
  fillNormal("residual", 0.0f, 1.0f);
  fillNormal("weight", 1.0f, 0.25f);
  if (op.hasOperand("type_ids"))
    fillTypeIds("type_ids", dim("weight", 0));
  if (mode == CaseMode::NanRows)
    injectNanRows("x", /*logits=*/false);
}

void Generator::makeSiluAndMul() {
  fillNormal("x", 0.0f, 2.0f);
  if (mode == CaseMode::NanRows)
    injectNanRows("x", /*logits=*/false);
}

/// The shared experts' gate logits [T, S] (NaN and infinities in some rows
/// in nan-rows mode).
void Generator::fillSharedLogits() {
  fillNormal("shared_logits", 0.0f, 2.0f);
  if (mode == CaseMode::NanRows)
    injectNanRows("shared_logits", /*logits=*/true);
}

void Generator::makeGate() {
  fillLogits("logits", dim("logits", 1));
  fillGateBias("bias");
  fillSharedLogits();
  fillNormal("b13", 0.0f, 0.1f);
  fillNormal("b2", 0.0f, 0.1f);
}

/// A random expert map [E]: about half the experts are on this rank and get
/// increasing local ids, the others -1.
static void fillExpertMap(HostTensor &map, Rng &random) {
  int32_t local = 0;
  for (int32_t &value : map.ints)
    value = randomBelow(random, 2) ? local++ : -1;
  if (local == 0 && !map.ints.empty())
    map.ints[0] = 0;
}

/// A random expert map [G] onto \p numLocal local experts (expert
/// parallelism): min(numLocal, G) distinct global ids, drawn at random, get
/// the local indices in a random order; the others -1 (held elsewhere).
static void fillLocalExpertMap(HostTensor &map, int64_t numLocal, Rng &random) {
  const int64_t G = static_cast<int64_t>(map.ints.size());
  std::vector<int32_t> order(G);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = G - 1; i > 0; --i)
    std::swap(order[i], order[randomBelow(random, i + 1)]);
  std::fill(map.ints.begin(), map.ints.end(), -1);
  for (int64_t local = 0; local < std::min(numLocal, G); ++local)
    map.ints[order[local]] = static_cast<int32_t>(local);
}

void Generator::makeAlign() {
  HostTensor &ids = *operand("ids");
  Rng random = rng("ids", kIndices);
  ids.ints =
      routedIds(ids.shape[0], ids.shape[1], op.intAttr("num_experts"), random);
  if (HostTensor *map = operand("expert_map")) {
    Rng mapRandom = rng("expert_map", kIndices);
    fillExpertMap(*map, mapRandom);
  }
}

void Generator::makePermute() {
  fillNormal("x", 0.0f, 1.0f);
  HostTensor &ids = *operand("ids");
  Rng random = rng("ids", kIndices);
  // With an expert map the ids are global (over the map's G entries), the
  // map takes them to the num_experts local experts.
  const int64_t numExperts = op.intAttr("num_experts");
  HostTensor *map = operand("expert_map");
  ids.ints = routedIds(ids.shape[0], ids.shape[1],
                       map ? dim("expert_map", 0) : numExperts, random);
  if (map) {
    Rng mapRandom = rng("expert_map", kIndices);
    fillLocalExpertMap(*map, numExperts, mapRandom);
  }
  fillUniform("weights", 0.0f, 1.0f);
  if (mode == CaseMode::NanRows)
    injectNanRows("x", /*logits=*/false);
}

void Generator::makeCombine() {
  fillNormal("y", 0.0f, 1.0f);
  fillUniform("weights", 0.0f, 1.0f);
  const int64_t k = op.intAttr("k");
  HostTensor &srcIndex = *operand("src_index");
  const int64_t R = srcIndex.shape[0];
  const int64_t T = R / k;
  // The permutation of T tokens routed to k of E experts, as permute makes
  // it (out-of-range ids leave -1 entries).
  const int64_t E = std::max<int64_t>(8, 2 * k);
  Rng random = rng("src_index", kIndices);
  std::vector<int32_t> ids = routedIds(T, k, E, random);
  ref::PermuteResult permuted =
      ref::permute(nullptr, T, 0, ids.data(), k, E, nullptr);
  std::copy(permuted.srcIndex.begin(), permuted.srcIndex.end(),
            srcIndex.ints.begin());
  // slot_rows, when given, is that permutation's inverse (-1: no row); the
  // op then reads it instead of src_index, so it is the one corrupted.
  HostTensor *slotRows = operand("slot_rows");
  if (slotRows)
    std::copy(permuted.slotRows.begin(), permuted.slotRows.end(),
              slotRows->ints.begin());
  if (mode == CaseMode::OutOfRange)
    corrupt(slotRows ? slotRows->ints : srcIndex.ints, R, random, 16);
  if (mode == CaseMode::NanRows)
    injectNanRows("y", /*logits=*/false);
}

/// The fp8 schemes: e4m3 values of a and w (normal values, rounded), an
/// all-zero 128-column group in a's first row (its scale, per group or per
/// row, then has the floor moe.quantize gives it) and an all-max (448) row
/// of expert 0's weights, with positive scales that bring the products
/// back to about one.
void Generator::makeFp8Operands() {
  const int64_t K = dim("w", 2);
  fillNormal("a", 0.0f, 1.0f);
  fillNormal("w", 0.0f, 1.0f);
  for (const char *name : {"a", "w"})
    for (float &value : operand(name)->floats)
      value = ref::roundToE4m3(value);
  HostTensor &a = *operand("a");
  if (!a.floats.empty())
    std::fill(a.floats.begin(), a.floats.begin() + std::min<int64_t>(K, 128),
              0.0f);
  HostTensor &w = *operand("w");
  if (!w.floats.empty())
    std::fill(w.floats.begin(), w.floats.begin() + K, ref::kE4m3Max);
  fillUniform("a_scale", 0.5f, 1.0f);
  HostTensor &aScale = *operand("a_scale");
  // (fp8_tensor's one scale is the whole a's: left as drawn.)
  if (!aScale.floats.empty() && op.wordAttr("quant") != "fp8_tensor")
    aScale.floats.front() = ref::kFp8AmaxFloor / ref::kE4m3Max;
  const float perK =
      1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(K, 1)));
  fillUniform("w_scale", 0.5f * perK, perK);
}

/// The weight-only schemes (quant = w4a16, w4a16_zp, w8a16) of the
/// weights \p w (i8: two int4 values a byte along K, or int8 values), their
/// scales \p scale and zero points \p zero, for a reduction size \p K:
/// random bytes (every nibble, every int8 value); the first weight row of
/// expert 0 all max (nibbles 15, int8 127) and the second all min (nibbles
/// 0, int8 -128); zero points in [0, 15], those of the first two rows'
/// groups alternating 0 and 15 (so (q - z) reaches +-15); positive scales
/// that bring the dequantized weights to about 1 / sqrt(K).
void Generator::fillWeightOnly(const char *w, const char *scale,
                               const char *zero, int64_t K) {
  HostTensor *weights = operand(w);
  if (!weights || weights->type != ElementType::I8 ||
      weights->shape.size() != 3)
    return;
  const std::string quant = op.wordAttr("quant");
  const bool int4 = quant != "w8a16";
  const uint64_t base = mix(seed) ^ mix(op.operandArg(w) * 16 + kValues);
  const int64_t count = static_cast<int64_t>(weights->ints.size());
  int32_t *data = weights->ints.data();
  parallelFor((count + kBlock - 1) / kBlock, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t block = b0; block < b1; ++block) {
      std::mt19937 blockRng(static_cast<uint32_t>(mix(base + block)));
      std::uniform_int_distribution<int32_t> byte(-128, 127);
      int64_t end = std::min(count, (block + 1) * kBlock);
      for (int64_t i = block * kBlock; i < end; ++i)
        data[i] = byte(blockRng);
    }
  });
  // All max, then all min: int4 bytes 0xFF (-1 as i8) and 0x00.
  const int64_t row = weights->shape[2];
  const int64_t rows = row > 0 ? std::min<int64_t>(count / row, 2) : 0;
  const int32_t rowValues[2] = {int4 ? -1 : 127, int4 ? 0 : -128};
  for (int64_t r = 0; r < rows; ++r)
    std::fill(data + r * row, data + (r + 1) * row, rowValues[r]);

  if (HostTensor *zeros = operand(zero)) {
    Rng values = rng(zero, kValues);
    std::uniform_int_distribution<int32_t> point(0, 15);
    for (int32_t &value : zeros->ints)
      value = point(values);
    const int64_t groups = zeros->shape.size() == 3 ? zeros->shape[2] : 0;
    for (int64_t i = 0; i < std::min<int64_t>(2 * groups, zeros->ints.size());
         ++i)
      zeros->ints[i] = (i / groups + i % groups) % 2 == 0 ? 0 : 15;
  }
  // |q - z| is about 4 to 8 for int4, 74 for int8 (its standard deviation).
  const float spread = int4 ? 8.0f : 64.0f;
  const float perK =
      1.0f / (spread * std::sqrt(static_cast<float>(std::max<int64_t>(K, 1))));
  fillUniform(scale, 0.5f * perK, perK);
}

void Generator::makeGroupedMatmul() {
  const int64_t K = dim("a", 1);
  const std::string quant = op.wordAttr("quant");
  if (quant == "w4a16" || quant == "w4a16_zp" || quant == "w8a16") {
    fillNormal("a", 0.0f, 1.0f);
    fillWeightOnly("w", "w_scale", "w_zero", K);
  } else if (operand("w_scale")) {
    makeFp8Operands();
  } else {
    fillNormal("a", 0.0f, 1.0f);
    fillNormal("w", 0.0f,
               1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(K, 1))));
  }
  fillNormal("bias", 0.0f, 0.1f);
  fillUniform("scale", 0.0f, 1.0f);
  const int64_t R = dim("out", 0);
  fillOffsets("offsets", R, dim("w", 0));
  if (HostTensor *rowIndex = operand("row_index")) {
    // Gather indices into M rows with index_divisor slots each.
    const int64_t slots = dim("a", 0) * op.intAttr("index_divisor");
    Rng random = rng("row_index", kIndices);
    for (int32_t &index : rowIndex->ints)
      index = slots > 0 ? clampToInt32(randomBelow(random, slots)) : 0;
    if (mode == CaseMode::OutOfRange)
      corrupt(rowIndex->ints, slots, random);
  }
  if (mode == CaseMode::NanRows)
    injectNanRows("a", /*logits=*/false);
}

void Generator::makeMotLinear() {
  const int64_t K = dim("w", 2);
  fillNormal("x", 0.0f, 1.0f);
  fillNormal("w", 0.0f,
             1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(K, 1))));
  fillNormal("bias", 0.0f, 0.1f);
  fillTypeIds("type_ids", dim("w", 0));
  if (mode == CaseMode::NanRows)
    injectNanRows("x", /*logits=*/false);
}

/// x and the expert MLP's weights and biases (fused_moe, mot_mlp) for
/// hidden size \p H and intermediate size \p I.
void Generator::fillExpertMlp(int64_t H, int64_t I) {
  fillNormal("x", 0.0f, 1.0f);
  fillNormal("w13", 0.0f,
             1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(H, 1))));
  fillNormal("w2", 0.0f,
             1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(I, 1))));
  fillNormal("b13", 0.0f, 0.1f);
  fillNormal("b2", 0.0f, 0.1f);
}

void Generator::makeMotMlp() {
  fillExpertMlp(dim("x", 1), dim("w2", 2));
  fillTypeIds("type_ids", dim("w13", 0));
  if (mode == CaseMode::NanRows)
    injectNanRows("x", /*logits=*/false);
}

void Generator::makeFusedMoe() {
  // With a weight-only scheme, w2's K is I: twice its last dimension when
  // packed as int4.
  const std::string quant = op.wordAttr("quant");
  const int64_t H = dim("x", 1);
  const int64_t I =
      dim("w2", 2) * (quant == "w4a16" || quant == "w4a16_zp" ? 2 : 1);
  fillExpertMlp(H, I);
  fillWeightOnly("w13", "w13_scale", "w13_zero", H);
  fillWeightOnly("w2", "w2_scale", "w2_zero", I);
  fillLogits("logits", dim("logits", 1));
  fillGateBias("bias");
  fillSharedLogits();
  if (HostTensor *map = operand("expert_map")) {
    Rng mapRandom = rng("expert_map", kIndices);
    fillLocalExpertMap(*map, dim("w13", 0), mapRandom);
  }
}

/// moe.quantize's x spreads over many binades, so that the elements of a
/// group fall on every side of its scale (e4m3 normals, subnormals, zeros):
/// normal(0, 1) * 2^(a + b + c) with a drawn per row and 128 columns in
/// [-20, 20] ([-8, 8] for f16, whose range is narrower), b per 16 columns
/// and c per element in [-6, 0]. Every eighth row (from row 3) is zeros of both
/// signs (zero groups), every eighth (from row 5) tiny, below the amax floor
/// 1e-10 (f16 has no such values: its smallest are kept). The static scale is
/// drawn in [0.001, 0.1], so that elements saturate at +-448 as others round to
/// 0.
void Generator::makeQuantize() {
  HostTensor &x = *operand("x");
  const int64_t rows = x.shape[0], cols = x.shape[1];
  const ref::DType dtype = toRefDType(x.type);
  const int spread = x.type == ElementType::F16 ? 8 : 20;
  const uint64_t base = mix(seed) ^ mix(op.operandArg("x") * 16 + kValues);
  parallelFor(rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      std::mt19937 rowRng(static_cast<uint32_t>(mix(base + r)));
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::uniform_int_distribution<int> blockExponent(-spread, spread);
      std::uniform_int_distribution<int> smallerExponent(-6, 0);
      float *row = x.floats.data() + r * cols;
      int block = 0, exponent = 0;
      for (int64_t c = 0; c < cols; ++c) {
        if (c % 128 == 0)
          block = blockExponent(rowRng);
        if (c % 16 == 0)
          exponent = block + smallerExponent(rowRng);
        float value = normal(rowRng);
        if (r % 8 == 3)
          value = std::signbit(value) ? -0.0f : 0.0f;
        else if (r % 8 == 5)
          value *= 1e-12f;
        else
          value = std::ldexp(value, exponent + smallerExponent(rowRng));
        row[c] = ref::roundTo(dtype, value);
      }
    }
  });
  if (HostTensor *scale = operand("scale")) {
    Rng values = rng("scale", kValues);
    scale->floats = {
        std::uniform_real_distribution<float>(0.001f, 0.1f)(values)};
  }
  if (mode == CaseMode::NanRows && rows > 0 && cols > 0) {
    injectNanRows("x", /*logits=*/false);
    // A negative NaN too: it quantizes to 0x7F as every NaN does.
    Rng edge = rng("x", kIndices);
    x.floats[std::min<int64_t>(2, rows - 1) * cols + randomBelow(edge, cols)] =
        -std::numeric_limits<float>::quiet_NaN();
  }
}

void Generator::run() {
  const ManifestFunction &function = *resolved.function;
  args.assign(function.args.size(), HostTensor());
  for (size_t arg = 0; arg < args.size(); ++arg) {
    if (resolved.isOut[arg]) {
      args[arg].type = function.args[arg].type;
      args[arg].shape = resolved.argShapes[arg];
    } else {
      args[arg].allocate(function.args[arg].type, resolved.argShapes[arg]);
    }
  }
  const std::string &name = op.name;
  if (name == "rms_norm")
    makeRmsNorm();
  else if (name == "silu_and_mul")
    makeSiluAndMul();
  else if (name == "gate")
    makeGate();
  else if (name == "align")
    makeAlign();
  else if (name == "permute" || name == "permute_indices")
    makePermute();
  else if (name == "combine")
    makeCombine();
  else if (name == "grouped_matmul")
    makeGroupedMatmul();
  else if (name == "mot_linear")
    makeMotLinear();
  else if (name == "mot_mlp")
    makeMotMlp();
  else if (name == "fused_moe")
    makeFusedMoe();
  else if (name == "quantize")
    makeQuantize();

  // Arguments the op does not use (all static) still get nonzero floats.
  std::vector<bool> used(args.size(), false);
  for (const auto &operandAndArg : op.operands)
    used[operandAndArg.second] = true;
  for (size_t arg = 0; arg < args.size(); ++arg) {
    if (used[arg] || !isFloat(args[arg].type))
      continue;
    Rng values(mix(mix(seed) ^ mix(arg * 16 + kValues)));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float &value : args[arg].floats)
      value = ref::roundTo(toRefDType(args[arg].type), normal(values));
    ensureNonZero(args[arg]);
  }
}

} // namespace

bool makeInputs(const ResolvedFunction &resolved, CaseMode mode, uint64_t seed,
                std::vector<HostTensor> &args, std::string &error) {
  std::string why = caseModeInapplicability(resolved, mode);
  if (!why.empty()) {
    error = std::string("--case ") + caseModeName(mode) +
            " does not apply to function '" + resolved.function->name +
            "': " + why;
    return false;
  }
  Generator(resolved, mode, seed, args).run();
  return true;
}

} // namespace runner
} // namespace moe
