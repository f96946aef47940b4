//===- Shapes.cpp - Resolving the dynamic sizes of an entry point ---------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Shapes.h"

#include "moe/Reference/Reference.h"

#include <exception>
#include <limits>
#include <map>
#include <optional>

namespace moe {
namespace runner {

namespace {

/// Which element types an operand accepts (Half: bf16 or f16, the
/// activations of a weight-only scheme).
enum class TypeClass { AnyFloat, F32, I32, F8, I8, Half };

const char *describe(TypeClass typeClass) {
  switch (typeClass) {
  case TypeClass::AnyFloat:
    return "f32, bf16 or f16";
  case TypeClass::F32:
    return "f32";
  case TypeClass::I32:
    return "i32";
  case TypeClass::F8:
    return "f8E4M3FN";
  case TypeClass::I8:
    return "i8";
  case TypeClass::Half:
    return "bf16 or f16";
  }
  return "?";
}

bool accepts(TypeClass typeClass, ElementType type) {
  switch (typeClass) {
  case TypeClass::AnyFloat:
    return isFloat(type) && type != ElementType::F8E4M3FN;
  case TypeClass::F32:
    return type == ElementType::F32;
  case TypeClass::I32:
    return type == ElementType::I32;
  case TypeClass::F8:
    return type == ElementType::F8E4M3FN;
  case TypeClass::I8:
    return type == ElementType::I8;
  case TypeClass::Half:
    return type == ElementType::BF16 || type == ElementType::F16;
  }
  return false;
}

/// Binds size symbols from static sizes and fills in the dynamic ones.
class Solver {
public:
  Solver(const ManifestFunction &function, const ManifestOp &op,
         std::vector<Shape> &shapes, std::string &error)
      : function(function), op(op), shapes(shapes), error(error) {}

  bool present(const char *operand) const { return op.hasOperand(operand); }

  /// The manifest rank of \p operand (present).
  size_t rank(const char *operand) const {
    return shapes[op.operandArg(operand)].size();
  }

  /// Returns whether \p operand is present and the size of its dimension
  /// \p dim (-1: the last one) is static, and that size in \p size.
  bool staticSize(const char *operand, int dim, int64_t &size) const {
    if (!present(operand))
      return false;
    const Shape &shape = shapes[op.operandArg(operand)];
    int64_t index = dim < 0 ? static_cast<int64_t>(shape.size()) + dim : dim;
    if (index < 0 || index >= static_cast<int64_t>(shape.size()) ||
        shape[index] == kDynamic)
      return false;
    size = shape[index];
    return true;
  }

  /// Binds \p symbol to the size of dimension \p dim of \p operand (-1: the
  /// last one) when the operand is present and that size is static.
  bool bind(const char *symbol, const char *operand, int dim) {
    int64_t size;
    if (!staticSize(operand, dim, size))
      return true;
    if (dim < 0)
      dim += static_cast<int>(rank(operand));
    return bindValue(symbol, size,
                     std::string(operand) + " dim " + std::to_string(dim));
  }

  /// Binds \p symbol to \p factor times the size of dimension \p dim of
  /// \p operand when the operand is present and that size is static (a
  /// packed int4 dimension holds K / 2 bytes: factor 2).
  bool bindTimes(const char *symbol, const char *operand, int dim,
                 int64_t factor) {
    int64_t size;
    if (factor == 1 || !staticSize(operand, dim, size))
      return bind(symbol, operand, dim);
    return bindValue(symbol, size * factor,
                     std::to_string(factor) + " * " + operand + " dim " +
                         std::to_string(dim));
  }

  /// Binds \p symbol to \p value, which \p origin explains.
  bool bindValue(const char *symbol, int64_t value, const std::string &origin) {
    auto it = symbols.find(symbol);
    if (it == symbols.end()) {
      symbols[symbol] = {value, origin};
      return true;
    }
    if (it->second.first == value)
      return true;
    return fail(std::string("inconsistent sizes: ") + origin + " is " +
                std::to_string(value) + " but " + it->second.second + " is " +
                std::to_string(it->second.first) + " (both are " + symbol +
                ")");
  }

  bool isBound(const char *symbol) const { return symbols.count(symbol) != 0; }

  /// Binds \p symbol to \p value unless it is bound already.
  void defaultTo(const char *symbol, int64_t value, const std::string &origin) {
    if (!isBound(symbol))
      symbols[symbol] = {value, origin};
  }

  /// Binds the token symbol \p symbol to --tokens unless a static size did.
  bool defaultToTokens(const char *symbol, int64_t tokens) {
    if (isBound(symbol))
      return true;
    if (tokens < 0)
      return fail(std::string("the token count ") + symbol +
                  " is dynamic: pass --tokens");
    symbols[symbol] = {tokens, "--tokens"};
    return true;
  }

  /// Returns the value of \p symbol, which must be bound.
  bool get(const char *symbol, int64_t &value, const char *meaning) {
    auto it = symbols.find(symbol);
    if (it == symbols.end())
      return fail(std::string("cannot resolve ") + meaning + " (" + symbol +
                  "): every operand that has it is dynamic");
    value = it->second.first;
    return true;
  }

  /// Checks that the present \p operand has \p dims (and an element type of
  /// \p typeClass) and fills its dynamic sizes; \p required operands must be
  /// present.
  bool expect(const char *operand, const Shape &dims, TypeClass typeClass) {
    if (!present(operand))
      return true;
    int64_t arg = op.operandArg(operand);
    const ManifestArg &manifestArg = function.args[arg];
    std::string where = std::string("operand '") + operand + "' (argument " +
                        std::to_string(arg) + ", line " +
                        std::to_string(manifestArg.line) + ")";
    if (!accepts(typeClass, manifestArg.type))
      return fail(where + " has element type " +
                  elementTypeName(manifestArg.type) + ", but " + op.name +
                  " needs " + describe(typeClass));
    Shape &shape = shapes[arg];
    if (shape.size() != dims.size())
      return fail(where + " has rank " + std::to_string(shape.size()) + " (" +
                  formatShape(shape) + "), but " + op.name + " needs rank " +
                  std::to_string(dims.size()));
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] < 0 || dims[i] > std::numeric_limits<int32_t>::max())
        return fail(where + " dim " + std::to_string(i) + " resolves to " +
                    std::to_string(dims[i]) +
                    ", outside [0, 2^31): the kernels index with i32");
      if (shape[i] != kDynamic && shape[i] != dims[i])
        return fail(where + " dim " + std::to_string(i) + " is " +
                    std::to_string(shape[i]) + " but " + op.name + " needs " +
                    std::to_string(dims[i]) + " here");
      shape[i] = dims[i];
    }
    if (elementCount(shape) < 0)
      return fail(where + " has too many elements (" + formatShape(shape) +
                  ")");
    return true;
  }

  bool fail(const std::string &message) {
    error = "function '" + function.name + "', op " + op.name + " (line " +
            std::to_string(op.line) + "): " + message;
    return false;
  }

private:
  const ManifestFunction &function;
  const ManifestOp &op;
  std::vector<Shape> &shapes;
  std::string &error;
  std::map<std::string, std::pair<int64_t, std::string>> symbols;
};

/// Returns a * b, failing through \p solver when it overflows int32 sizes.
bool multiply(Solver &solver, int64_t a, int64_t b, int64_t &product,
              const char *what) {
  if (a != 0 && b > std::numeric_limits<int32_t>::max() / a)
    return solver.fail(std::string(what) + " (" + std::to_string(a) + " * " +
                       std::to_string(b) + ") does not fit in i32");
  product = a * b;
  return true;
}

bool resolveRmsNorm(Solver &s, const ManifestOp &, int64_t tokens, int64_t &T) {
  for (const char *name : {"x", "residual", "out", "residual_out"})
    if (!s.bind("T", name, 0) || !s.bind("H", name, 1))
      return false;
  if (!s.bind("T", "type_ids", 0) || !s.bind("H", "weight", -1))
    return false;
  bool perType = s.present("type_ids");
  if (perType != (s.rank("weight") == 2))
    return s.fail(perType ? "with type_ids, weight must be [G, H]"
                          : "without type_ids, weight must be [H]");
  if (s.present("residual") != s.present("residual_out"))
    return s.fail("residual and residual_out come together");
  if (perType && !s.bind("G", "weight", 0))
    return false;
  int64_t H, G = 0;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("H", H, "the hidden size") ||
      (perType && !s.get("G", G, "the number of token types")))
    return false;
  return s.expect("x", {T, H}, TypeClass::AnyFloat) &&
         s.expect("residual", {T, H}, TypeClass::AnyFloat) &&
         s.expect("out", {T, H}, TypeClass::AnyFloat) &&
         s.expect("residual_out", {T, H}, TypeClass::AnyFloat) &&
         s.expect("type_ids", {T}, TypeClass::I32) &&
         s.expect("weight", perType ? Shape{G, H} : Shape{H},
                  TypeClass::AnyFloat);
}

bool resolveSiluAndMul(Solver &s, const ManifestOp &, int64_t tokens,
                       int64_t &T) {
  if (!s.bind("T", "x", 0) || !s.bind("T", "out", 0) ||
      !s.bind("N", "out", 1) || !s.bind("2N", "x", 1))
    return false;
  int64_t N, twoN;
  if (s.isBound("2N")) {
    s.get("2N", twoN, "");
    if (twoN % 2 != 0)
      return s.fail("x dim 1 (" + std::to_string(twoN) + ") must be even");
    if (!s.bindValue("N", twoN / 2, "half of x dim 1"))
      return false;
  }
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the row count") ||
      !s.get("N", N, "the output width"))
    return false;
  return s.expect("x", {T, 2 * N}, TypeClass::AnyFloat) &&
         s.expect("out", {T, N}, TypeClass::AnyFloat);
}

bool resolveGate(Solver &s, const ManifestOp &op, int64_t tokens, int64_t &T) {
  for (const char *name : {"logits", "weights", "ids"})
    if (!s.bind("T", name, 0))
      return false;
  if (!s.bind("E", "logits", 1) || !s.bind("E", "bias", 0))
    return false;
  if (!s.bind("T", "shared_logits", 0))
    return false;
  int64_t E;
  int64_t S = op.intAttr("num_shared_experts");
  int64_t slots = op.intAttr("k") + S;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("E", E, "the number of experts"))
    return false;
  return s.expect("logits", {T, E}, TypeClass::AnyFloat) &&
         s.expect("bias", {E}, TypeClass::F32) &&
         s.expect("shared_logits", {T, S}, TypeClass::AnyFloat) &&
         s.expect("weights", {T, slots}, TypeClass::F32) &&
         s.expect("ids", {T, slots}, TypeClass::I32);
}

bool resolveAlign(Solver &s, const ManifestOp &op, int64_t tokens, int64_t &T) {
  if (!s.bind("T", "ids", 0) || !s.bind("k", "ids", 1))
    return false;
  int64_t k;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("k", k, "the slots per token (ids dim 1)"))
    return false;
  int64_t E = op.intAttr("num_experts"), blockM = op.intAttr("block_m");
  int64_t padded;
  try {
    padded = ref::alignPaddedSize(T, k, E, blockM);
  } catch (const std::exception &e) {
    return s.fail(e.what());
  }
  return s.expect("ids", {T, k}, TypeClass::I32) &&
         s.expect("expert_map", {E}, TypeClass::I32) &&
         s.expect("sorted_ids", {padded}, TypeClass::I32) &&
         s.expect("expert_ids", {padded / blockM}, TypeClass::I32) &&
         s.expect("num_tokens_post_pad", {1}, TypeClass::I32);
}

bool resolvePermute(Solver &s, const ManifestOp &op, int64_t tokens,
                    int64_t &T) {
  // With scale_rows the weights scale the rows: row_weights is optional.
  bool scaleRows = op.name == "permute" && op.boolAttr("scale_rows");
  if (scaleRows && !s.present("weights"))
    return s.fail("scale_rows needs weights");
  if (s.present("row_weights") && !s.present("weights"))
    return s.fail("row_weights needs weights");
  if (s.present("weights") && !s.present("row_weights") && !scaleRows)
    return s.fail("weights and row_weights come together");
  for (const char *name : {"x", "ids", "weights"})
    if (!s.bind("T", name, 0))
      return false;
  // permute_indices: permute without x and rows (no hidden size).
  const bool movesRows = op.name == "permute";
  if (!s.bind("H", "x", 1) || !s.bind("H", "rows", 1) ||
      !s.bind("k", "ids", 1) || !s.bind("k", "weights", 1))
    return false;
  int64_t H = 0, k, slots;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      (movesRows && !s.get("H", H, "the hidden size")) ||
      !s.get("k", k, "the slots per token (ids dim 1)") ||
      !multiply(s, T, k, slots, "T*k"))
    return false;
  int64_t E = op.intAttr("num_experts");
  if (E < 1 || E >= std::numeric_limits<int32_t>::max())
    return s.fail("num_experts (" + std::to_string(E) + ") is out of range");
  // An expert map's size (the global experts) only it carries.
  int64_t G = 0;
  if (s.present("expert_map") &&
      (!s.bind("G", "expert_map", 0) ||
       !s.get("G", G, "the global experts (expert_map dim 0)")))
    return false;
  return s.expect("x", {T, H}, TypeClass::AnyFloat) &&
         s.expect("ids", {T, k}, TypeClass::I32) &&
         s.expect("expert_map", {G}, TypeClass::I32) &&
         s.expect("weights", {T, k}, TypeClass::F32) &&
         s.expect("rows", {slots, H}, TypeClass::AnyFloat) &&
         s.expect("src_index", {slots}, TypeClass::I32) &&
         s.expect("offsets", {E + 1}, TypeClass::I32) &&
         s.expect("row_weights", {slots}, TypeClass::F32) &&
         s.expect("slot_rows", {slots}, TypeClass::I32);
}

bool resolveCombine(Solver &s, const ManifestOp &op, int64_t tokens,
                    int64_t &T) {
  int64_t k = op.intAttr("k");
  if (k < 1)
    return s.fail("k (" + std::to_string(k) + ") must be >= 1");
  if (!s.bind("T", "out", 0) || !s.bind("T", "weights", 0) ||
      !s.bind("H", "y", 1) || !s.bind("H", "out", 1) || !s.bind("R", "y", 0) ||
      !s.bind("R", "src_index", 0) || !s.bind("R", "slot_rows", 0))
    return false;
  // y has R = T*k rows: a static R fixes T.
  if (!s.isBound("T") && s.isBound("R")) {
    int64_t R;
    s.get("R", R, "");
    if (R % k != 0)
      return s.fail("y has " + std::to_string(R) +
                    " rows, not a multiple of k (" + std::to_string(k) + ")");
    s.defaultTo("T", R / k, "y dim 0 / k");
  }
  int64_t H, slots;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("H", H, "the hidden size") || !multiply(s, T, k, slots, "T*k") ||
      !s.bindValue("R", slots, "T*k (T tokens)"))
    return false;
  return s.expect("y", {slots, H}, TypeClass::AnyFloat) &&
         s.expect("src_index", {slots}, TypeClass::I32) &&
         s.expect("slot_rows", {slots}, TypeClass::I32) &&
         s.expect("weights", {T, k}, TypeClass::F32) &&
         s.expect("out", {T, H}, TypeClass::AnyFloat);
}

/// The weight-only scheme of a grouped_matmul or fused_moe (quant = w4a16,
/// w4a16_zp or w8a16): integer weights in i8, packed two int4 values a
/// byte along K for the int4 schemes, with scales per group of K columns
/// (int4) or per output row (w8a16) and, for w4a16_zp, i8 zero points.
struct WeightOnly {
  bool any = false;
  bool int4 = false;
  bool zeros = false;
  int64_t groupSize = 0;

  /// K elements per stored weight element: 2 for packed int4, else 1.
  int64_t packing() const { return int4 ? 2 : 1; }
  /// The stored weights [E, N, K / packing] (K must be even for int4).
  Shape weights(int64_t E, int64_t N, int64_t K) const {
    return {E, N, K / packing()};
  }
  /// The scales (and zero points) [E, N, ceil(K / G)], or [E, N].
  Shape scales(int64_t E, int64_t N, int64_t K) const {
    if (!int4)
      return {E, N};
    return {E, N, K / groupSize + (K % groupSize != 0)};
  }
};

WeightOnly weightOnlyOf(const ManifestOp &op) {
  WeightOnly scheme;
  const std::string quant = op.wordAttr("quant");
  scheme.any = quant == "w4a16" || quant == "w4a16_zp" || quant == "w8a16";
  scheme.int4 = quant == "w4a16" || quant == "w4a16_zp";
  scheme.zeros = quant == "w4a16_zp";
  if (scheme.int4)
    scheme.groupSize = op.intAttr("group_size");
  return scheme;
}

/// Checks the weight-only sizes that a shape cannot say: a group size of
/// at least 1 and an even K (\p what: the operand whose K it is) for int4.
bool checkWeightOnly(Solver &s, const WeightOnly &scheme, int64_t K,
                     const char *what) {
  if (scheme.int4 && scheme.groupSize < 1)
    return s.fail("group_size (" + std::to_string(scheme.groupSize) +
                  ") must be >= 1");
  if (scheme.int4 && K % 2 != 0)
    return s.fail(std::string("int4 weights pack two values a byte along K, "
                              "but the K of ") +
                  what + " is " + std::to_string(K));
  return true;
}

bool resolveGroupedMatmul(Solver &s, const ManifestOp &op, int64_t tokens,
                          int64_t &T) {
  bool gathered = s.present("row_index");
  // The gated epilogues are the *_and_mul ones (silu, gelu, ... apply to
  // each column).
  const std::string epilogue = op.wordAttr("epilogue");
  const std::string gatedSuffix = "_and_mul";
  bool gated = epilogue.size() > gatedSuffix.size() &&
               epilogue.compare(epilogue.size() - gatedSuffix.size(),
                                gatedSuffix.size(), gatedSuffix) == 0;
  int64_t divisor = op.intAttr("index_divisor");
  if (divisor < 1)
    return s.fail("index_divisor (" + std::to_string(divisor) +
                  ") must be >= 1");
  if (!gathered && divisor != 1)
    return s.fail("index_divisor applies only to a gathered A (row_index)");
  const WeightOnly weightOnly = weightOnlyOf(op);
  if (!s.bind("K", "a", 1) || !s.bindTimes("K", "w", 2, weightOnly.packing()) ||
      !s.bind("E", "w", 0) || !s.bind("E", "bias", 0) || !s.bind("N", "w", 1) ||
      !s.bind("N", "bias", 1))
    return false;
  if (weightOnly.any)
    for (const char *name : {"w_scale", "w_zero"})
      if (!s.bind("E", name, 0) || !s.bind("N", name, 1))
        return false;
  // The fp8 schemes: e4m3 a and w with f32 scales, per 128-column group of
  // a's rows and per 128 x 128 block of w (fp8_block), per row of a and per
  // row of w (fp8_channel), or one for a and one per expert (fp8_tensor).
  const std::string quant = op.wordAttr("quant");
  const bool fp8 =
      quant == "fp8_block" || quant == "fp8_channel" || quant == "fp8_tensor";
  const bool perTensor = quant == "fp8_tensor";
  if (!s.bind("R", "out", 0) || !s.bind("R", "scale", 0) ||
      !s.bind("R", "row_index", 0) || !s.bind(gathered ? "M" : "R", "a", 0) ||
      (!perTensor && !s.bind(gathered ? "M" : "R", "a_scale", 0)) ||
      !s.bind("E", "w_scale", 0))
    return false;
  // Sizes that only derived dimensions carry: offsets [E + 1], out [R, N/2].
  int64_t size;
  if (!s.isBound("E") && s.staticSize("offsets", 0, size))
    s.defaultTo("E", size - 1, "offsets dim 0 - 1");
  if (!s.isBound("N") && s.staticSize("out", 1, size))
    s.defaultTo("N", gated ? 2 * size : size,
                gated ? "2 * out dim 1" : "out dim 1");
  int64_t K, E, N, R, M;
  if (!s.get("K", K, "the reduction size") ||
      !s.get("E", E, "the number of experts") ||
      !s.get("N", N, "the output size"))
    return false;
  if (gated && N % 2 != 0)
    return s.fail("a gated epilogue needs an even N, but w dim 1 is " +
                  std::to_string(N));
  if (gathered) {
    // The tokens are the rows of a; every token has index_divisor slots.
    if (!s.defaultToTokens("M", tokens) || !s.get("M", M, "the rows of a"))
      return false;
    int64_t slots;
    if (!multiply(s, M, divisor, slots, "M * index_divisor"))
      return false;
    s.defaultTo("R", slots, "rows of a * index_divisor");
    if (!s.get("R", R, "the row count"))
      return false;
    T = M;
  } else {
    if (!s.defaultToTokens("R", tokens) || !s.get("R", R, "the row count"))
      return false;
    M = R;
    T = R;
  }
  if (weightOnly.any) {
    if (!checkWeightOnly(s, weightOnly, K, "a"))
      return false;
    return s.expect("a", {M, K}, TypeClass::Half) &&
           s.expect("row_index", {R}, TypeClass::I32) &&
           s.expect("w", weightOnly.weights(E, N, K), TypeClass::I8) &&
           s.expect("w_scale", weightOnly.scales(E, N, K),
                    TypeClass::AnyFloat) &&
           s.expect("w_zero", weightOnly.scales(E, N, K), TypeClass::I8) &&
           s.expect("offsets", {E + 1}, TypeClass::I32) &&
           s.expect("scale", {R}, TypeClass::F32) &&
           s.expect("bias", {E, N}, TypeClass::AnyFloat) &&
           s.expect("out", {R, gated ? N / 2 : N}, TypeClass::AnyFloat);
  }
  const TypeClass operands = fp8 ? TypeClass::F8 : TypeClass::AnyFloat;
  const int64_t blocksK = K / 128 + (K % 128 != 0);
  const int64_t blocksN = N / 128 + (N % 128 != 0);
  const Shape aScaleShape = quant == "fp8_channel" ? Shape{M, 1}
                            : perTensor            ? Shape{1}
                                                   : Shape{M, blocksK};
  const Shape wScaleShape = quant == "fp8_channel" ? Shape{E, N}
                            : perTensor            ? Shape{E}
                                                   : Shape{E, blocksN, blocksK};
  return s.expect("a", {M, K}, operands) &&
         s.expect("row_index", {R}, TypeClass::I32) &&
         s.expect("w", {E, N, K}, operands) &&
         s.expect("a_scale", aScaleShape, TypeClass::F32) &&
         s.expect("w_scale", wScaleShape, TypeClass::F32) &&
         s.expect("offsets", {E + 1}, TypeClass::I32) &&
         s.expect("scale", {R}, TypeClass::F32) &&
         s.expect("bias", {E, N}, TypeClass::AnyFloat) &&
         s.expect("out", {R, gated ? N / 2 : N}, TypeClass::AnyFloat);
}

bool resolveMotLinear(Solver &s, const ManifestOp &, int64_t tokens,
                      int64_t &T) {
  if (!s.bind("T", "x", 0) || !s.bind("T", "type_ids", 0) ||
      !s.bind("T", "out", 0) || !s.bind("K", "x", 1) || !s.bind("K", "w", 2) ||
      !s.bind("G", "w", 0) || !s.bind("G", "bias", 0) || !s.bind("N", "w", 1) ||
      !s.bind("N", "bias", 1) || !s.bind("N", "out", 1))
    return false;
  int64_t K, G, N;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("K", K, "the reduction size") ||
      !s.get("G", G, "the number of token types") ||
      !s.get("N", N, "the output size"))
    return false;
  return s.expect("x", {T, K}, TypeClass::AnyFloat) &&
         s.expect("w", {G, N, K}, TypeClass::AnyFloat) &&
         s.expect("type_ids", {T}, TypeClass::I32) &&
         s.expect("bias", {G, N}, TypeClass::AnyFloat) &&
         s.expect("out", {T, N}, TypeClass::AnyFloat);
}

/// Whether the expert MLP's `activation` (fused_moe, mot_mlp) is gated: w13
/// has 2I rows (gate and up), not I (the *_no_mul forms).
bool isGatedActivation(const ManifestOp &op) {
  const std::string activation = op.wordAttr("activation");
  const std::string noMul = "_no_mul";
  return !(activation.size() > noMul.size() &&
           activation.compare(activation.size() - noMul.size(), noMul.size(),
                              noMul) == 0);
}

/// Binds I from the static dim 1 of w13 and b13 (2I or I rows).
bool bindIntermediate(Solver &s, bool gated) {
  int64_t rowsPerI = gated ? 2 : 1;
  int64_t size;
  for (const char *name : {"w13", "b13"}) {
    if (!s.staticSize(name, 1, size))
      continue;
    if (size % rowsPerI != 0)
      return s.fail(std::string(name) + " dim 1 (" + std::to_string(size) +
                    ") must be even");
    if (!s.bindValue("I", size / rowsPerI,
                     gated ? std::string(name) + " dim 1 / 2"
                           : std::string(name) + " dim 1"))
      return false;
  }
  return true;
}

bool resolveMotMlp(Solver &s, const ManifestOp &op, int64_t tokens,
                   int64_t &T) {
  for (const char *name : {"x", "type_ids", "out"})
    if (!s.bind("T", name, 0))
      return false;
  for (const char *name : {"w13", "w2", "b13", "b2"})
    if (!s.bind("G", name, 0))
      return false;
  if (!s.bind("H", "x", 1) || !s.bind("H", "out", 1) ||
      !s.bind("H", "w13", 2) || !s.bind("H", "w2", 1) ||
      !s.bind("H", "b2", 1) || !s.bind("I", "w2", 2))
    return false;
  bool gated = isGatedActivation(op);
  if (!bindIntermediate(s, gated))
    return false;
  int64_t H, G, I;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("H", H, "the hidden size") ||
      !s.get("G", G, "the number of token types") ||
      !s.get("I", I, "the intermediate size"))
    return false;
  int64_t rows13 = (gated ? 2 : 1) * I;
  return s.expect("x", {T, H}, TypeClass::AnyFloat) &&
         s.expect("type_ids", {T}, TypeClass::I32) &&
         s.expect("w13", {G, rows13, H}, TypeClass::AnyFloat) &&
         s.expect("w2", {G, H, I}, TypeClass::AnyFloat) &&
         s.expect("b13", {G, rows13}, TypeClass::AnyFloat) &&
         s.expect("b2", {G, H}, TypeClass::AnyFloat) &&
         s.expect("out", {T, H}, TypeClass::AnyFloat);
}

bool resolveFusedMoe(Solver &s, const ManifestOp &op, int64_t tokens,
                     int64_t &T) {
  for (const char *name : {"x", "logits", "shared_logits", "out"})
    if (!s.bind("T", name, 0))
      return false;
  // With a weight-only scheme, w13's K is H and w2's is I (halved when
  // packed); their scales and zero points have w13's and w2's rows.
  const WeightOnly weightOnly = weightOnlyOf(op);
  const int64_t packing = weightOnly.packing();
  if (!s.bind("H", "x", 1) || !s.bind("H", "out", 1) ||
      !s.bindTimes("H", "w13", 2, packing) || !s.bind("H", "w2", 1) ||
      !s.bind("E", "logits", 1) || !s.bind("E", "bias", 0) ||
      !s.bindTimes("I", "w2", 2, packing) || !s.bind("H", "w2_scale", 1) ||
      !s.bind("H", "w2_zero", 1))
    return false;
  int64_t S = op.intAttr("num_shared_experts");
  // w13 has 2I rows (gate and up) for a gated activation, I for *_no_mul.
  bool gated = isGatedActivation(op);
  int64_t rowsPerI = gated ? 2 : 1;
  // Sizes that only derived dimensions carry: w13 [L, 2I or I, H] with L
  // = E + S, or this rank's experts with an expert_map [E + S].
  const bool mapped = s.present("expert_map");
  int64_t size;
  if (!s.isBound("E") && mapped && s.staticSize("expert_map", 0, size))
    s.defaultTo("E", size - S, "expert_map dim 0 - num_shared_experts");
  if (!s.isBound("E") && !mapped &&
      (s.staticSize("w13", 0, size) || s.staticSize("w2", 0, size)))
    s.defaultTo("E", size - S, "w13/w2 dim 0 - num_shared_experts");
  for (const char *name : {"w13", "w2", "b13", "b2", "w13_scale", "w2_scale",
                           "w13_zero", "w2_zero"})
    if (mapped && !s.bind("L", name, 0))
      return false;
  if (!s.bind("H", "b2", 1) || !bindIntermediate(s, gated))
    return false;
  int64_t H, E, I;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("H", H, "the hidden size") ||
      !s.get("E", E, "the number of routed experts") ||
      !s.get("I", I, "the intermediate size"))
    return false;
  if (E < 1)
    return s.fail("the number of routed experts (" + std::to_string(E) +
                  ") must be >= 1");
  int64_t L = E + S;
  if (mapped && !s.get("L", L, "the local experts (w13 dim 0)"))
    return false;
  if (weightOnly.any &&
      (!checkWeightOnly(s, weightOnly, H, "w13 (H)") ||
       !checkWeightOnly(s, weightOnly, I, "w2 (I)") ||
       !s.expect("x", {T, H}, TypeClass::Half) ||
       !s.expect("w13", weightOnly.weights(L, rowsPerI * I, H),
                 TypeClass::I8) ||
       !s.expect("w2", weightOnly.weights(L, H, I), TypeClass::I8) ||
       !s.expect("w13_scale", weightOnly.scales(L, rowsPerI * I, H),
                 TypeClass::AnyFloat) ||
       !s.expect("w2_scale", weightOnly.scales(L, H, I), TypeClass::AnyFloat) ||
       !s.expect("w13_zero", weightOnly.scales(L, rowsPerI * I, H),
                 TypeClass::I8) ||
       !s.expect("w2_zero", weightOnly.scales(L, H, I), TypeClass::I8)))
    return false;
  const TypeClass weights =
      weightOnly.any ? TypeClass::I8 : TypeClass::AnyFloat;
  const int64_t storedH = H / packing, storedI = I / packing;
  return s.expect("x", {T, H}, TypeClass::AnyFloat) &&
         s.expect("logits", {T, E}, TypeClass::AnyFloat) &&
         s.expect("expert_map", {E + S}, TypeClass::I32) &&
         s.expect("w13", {L, rowsPerI * I, storedH}, weights) &&
         s.expect("w2", {L, H, storedI}, weights) &&
         s.expect("b13", {L, rowsPerI * I}, TypeClass::AnyFloat) &&
         s.expect("b2", {L, H}, TypeClass::AnyFloat) &&
         s.expect("bias", {E}, TypeClass::F32) &&
         s.expect("shared_logits", {T, S}, TypeClass::AnyFloat) &&
         s.expect("out", {T, H}, TypeClass::AnyFloat);
}

bool resolveQuantize(Solver &s, const ManifestOp &op, int64_t tokens,
                     int64_t &T) {
  const bool dynamic = s.present("scales");
  if (dynamic == s.present("scale"))
    return s.fail("takes either a scales out (dynamic) or a scale operand "
                  "(static)");
  if (!s.bind("T", "x", 0) || !s.bind("T", "q", 0) ||
      !s.bind("T", "scales", 0) || !s.bind("K", "x", 1) || !s.bind("K", "q", 1))
    return false;
  int64_t K, groups = 0;
  if (!s.defaultToTokens("T", tokens) || !s.get("T", T, "the token count") ||
      !s.get("K", K, "the columns of x"))
    return false;
  if (dynamic) {
    int64_t group = op.intAttr("group_size");
    if (group < 1)
      return s.fail("group_size (" + std::to_string(group) + ") must be >= 1");
    groups = K / group + (K % group != 0);
  }
  return s.expect("x", {T, K}, TypeClass::AnyFloat) &&
         s.expect("scale", {1}, TypeClass::F32) &&
         s.expect("q", {T, K}, TypeClass::F8) &&
         s.expect("scales", {T, groups}, TypeClass::F32);
}

using Resolver = bool (*)(Solver &, const ManifestOp &, int64_t, int64_t &);

/// The ops moe-runner checks, with their shape rules.
Resolver findResolver(const std::string &name) {
  static const std::map<std::string, Resolver> resolvers = {
      {"rms_norm", resolveRmsNorm},
      {"silu_and_mul", resolveSiluAndMul},
      {"gate", resolveGate},
      {"align", resolveAlign},
      {"permute", resolvePermute},
      {"permute_indices", resolvePermute},
      {"combine", resolveCombine},
      {"grouped_matmul", resolveGroupedMatmul},
      {"mot_linear", resolveMotLinear},
      {"mot_mlp", resolveMotMlp},
      {"fused_moe", resolveFusedMoe},
      {"quantize", resolveQuantize},
  };
  auto it = resolvers.find(name);
  return it == resolvers.end() ? nullptr : it->second;
}

/// An operand or attribute of the op schema that the shape rules, inputs
/// and reference do not model (quantization). A manifest op may
/// carry it only with one of \p allowed ('|'-separated; nullptr: never;
/// "*": any, e.g. an operand of the modelled quant = fp8_block, whose
/// presence the op's verifier ties to the scheme).
struct Unmodelled {
  const char *op;
  const char *field;
  const char *allowed;
};

const Unmodelled kUnmodelled[] = {
    {"grouped_matmul", "quant",
     "none|fp8_block|fp8_channel|fp8_tensor|w4a16|w4a16_zp|w8a16"},
    {"grouped_matmul", "group_size", "32|64|128"},
    {"grouped_matmul", "a_scale", "*"},
    {"grouped_matmul", "w_scale", "*"},
    {"grouped_matmul", "w_zero", "*"},
    // fused_moe with an fp8 scheme quantizes its activations in the layer:
    // not modelled here (test/GPU/bench_fp8_layer.py checks it against
    // torch); the weight-only schemes are.
    {"fused_moe", "quant", "none|w4a16|w4a16_zp|w8a16"},
    {"fused_moe", "group_size", "32|64|128"},
    {"fused_moe", "w13_scale", "*"},
    {"fused_moe", "w2_scale", "*"},
    {"fused_moe", "w13_zero", "*"},
    {"fused_moe", "w2_zero", "*"},
    {"fused_moe", "a1_scale", nullptr},
    {"fused_moe", "a2_scale", nullptr},
};

/// The field text of \p op: an attribute's value, "-" or the argument index
/// of an operand; std::nullopt when absent.
std::optional<std::string> fieldText(const ManifestOp &op,
                                     const std::string &field) {
  for (const auto &[name, value] : op.attributes)
    if (name == field)
      return value;
  if (op.hasOperand(field)) {
    int64_t arg = op.operandArg(field);
    return arg == kNotAnArgument ? "-" : std::to_string(arg);
  }
  return std::nullopt;
}

bool isAllowed(const std::string &value, const char *allowed) {
  if (!allowed)
    return false;
  if (std::string(allowed) == "*")
    return true;
  std::string words = std::string("|") + allowed + "|";
  return words.find("|" + value + "|") != std::string::npos;
}

/// Returns why moe-runner cannot check \p op, or "".
std::string unmodelledField(const ManifestOp &op) {
  for (const Unmodelled &entry : kUnmodelled) {
    if (op.name != entry.op)
      continue;
    std::optional<std::string> value = fieldText(op, entry.field);
    if (value && !isAllowed(*value, entry.allowed))
      return std::string(entry.field) + "=" + *value;
  }
  return "";
}

} // namespace

bool selectOp(const ManifestFunction &function, const ManifestOp *&op,
              std::string &error) {
  std::string where = "function '" + function.name + "' (line " +
                      std::to_string(function.line) + ")";
  if (function.ops.empty()) {
    error = where + " has no moe op to check";
    return false;
  }
  if (function.ops.size() > 1) {
    std::string names;
    for (const ManifestOp &each : function.ops)
      names += (names.empty() ? "" : ", ") + each.name;
    error = where + " has " + std::to_string(function.ops.size()) +
            " moe ops (" + names +
            "): moe-runner checks functions of exactly one moe op";
    return false;
  }
  op = &function.ops.front();
  if (!op->schema || !findResolver(op->name)) {
    error = where + ": op '" + op->name + "' (line " +
            std::to_string(op->line) + ") is not supported by moe-runner";
    return false;
  }
  std::string unmodelled = unmodelledField(*op);
  if (!unmodelled.empty()) {
    error = where + ": op '" + op->name + "' (line " +
            std::to_string(op->line) + ") with " + unmodelled +
            " is not supported by moe-runner";
    return false;
  }
  // Every operand must be an argument, and no argument both read and
  // written: the runner poisons the outs before the call.
  std::vector<int> reads(function.args.size(), 0),
      writes(function.args.size(), 0);
  for (const auto &[name, arg] : op->operands) {
    if (arg == kNotAnArgument) {
      error = where + ": operand '" + name + "' of op " + op->name + " (line " +
              std::to_string(op->line) + ") is not a function argument";
      return false;
    }
    (op->schema->findOperand(name)->isOut ? writes : reads)[arg]++;
  }
  for (size_t arg = 0; arg < function.args.size(); ++arg) {
    if (writes[arg] && (reads[arg] || writes[arg] > 1)) {
      error = where + ": argument " + std::to_string(arg) +
              " is written by op " + op->name +
              " and also used as another operand";
      return false;
    }
  }
  for (const ManifestResult &result : function.results) {
    if (result.outArg == kNotAnArgument || !writes[result.outArg]) {
      error = where + ": result " + std::to_string(result.index) + " (line " +
              std::to_string(result.line) +
              ") is not written into an out argument of op " + op->name;
      return false;
    }
  }
  return true;
}

bool resolveShapes(const ManifestFunction &function, const ManifestOp &op,
                   int64_t tokens, ResolvedFunction &resolved,
                   std::string &error) {
  resolved = ResolvedFunction();
  resolved.function = &function;
  resolved.op = &op;
  std::vector<Shape> shapes;
  for (const ManifestArg &arg : function.args)
    shapes.push_back(arg.shape);
  Solver solver(function, op, shapes, error);
  int64_t T = 0;
  Resolver resolver = findResolver(op.name);
  if (!resolver)
    return solver.fail("unsupported op");
  bool ok = resolver(solver, op, tokens, T);
  if (!ok)
    return false;

  resolved.isOut.assign(function.args.size(), false);
  for (const auto &[name, arg] : op.operands)
    if (op.schema->findOperand(name)->isOut)
      resolved.isOut[arg] = true;
  for (size_t arg = 0; arg < shapes.size(); ++arg) {
    if (elementCount(shapes[arg]) < 0) {
      error = "function '" + function.name + "': argument " +
              std::to_string(arg) + " (line " +
              std::to_string(function.args[arg].line) + ") of shape " +
              formatShape(shapes[arg]) +
              " is not an operand of the op, so its dynamic sizes cannot be "
              "resolved";
      return false;
    }
  }
  for (const ManifestResult &result : function.results) {
    const ManifestArg &out = function.args[result.outArg];
    const Shape &shape = shapes[result.outArg];
    bool compatible =
        result.type == out.type && result.shape.size() == shape.size();
    for (size_t i = 0; compatible && i < shape.size(); ++i)
      compatible = result.shape[i] == kDynamic || result.shape[i] == shape[i];
    if (!compatible) {
      error = "function '" + function.name + "': result " +
              std::to_string(result.index) + " (line " +
              std::to_string(result.line) + ", " +
              elementTypeName(result.type) + " " + formatShape(result.shape) +
              ") does not match its out argument " +
              std::to_string(result.outArg) + " (" + elementTypeName(out.type) +
              " " + formatShape(shape) + ")";
      return false;
    }
  }
  resolved.argShapes = std::move(shapes);
  resolved.tokens = T;
  return true;
}

} // namespace runner
} // namespace moe
