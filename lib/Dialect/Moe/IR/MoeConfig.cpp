//===- MoeConfig.cpp - Rules of the moe.config keys -----------------------===//
//
// Ranges follow the hardware and the kernels that read each key: block sizes
// are whole warps up to CUDA's 1024 threads per block. The grouped GEMM's
// settings are a #moe.gemm_config, whose own verifier holds its ranges
// (MoeAttrs.cpp). docs/Pipeline.md lists them.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeConfig.h"
#include "moe/Dialect/Moe/IR/MoeDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APSInt.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr int64_t kWarpSize = 32;
constexpr int64_t kMaxBlockThreads = 1024;

constexpr ConfigKeyRule kThreads{"threads", kWarpSize, kMaxBlockThreads,
                                 kWarpSize};
/// permute's row-copy kernel has a block size of its own.
constexpr ConfigKeyRule kRowThreads{"row_threads", kWarpSize, kMaxBlockThreads,
                                    kWarpSize};

constexpr ConfigKeyRule kThreadsOnly[] = {kThreads};
constexpr ConfigKeyRule kPermuteKeys[] = {kThreads, kRowThreads};

} // namespace

std::string ConfigKeyRule::describe() const {
  std::string text = multipleOf == 1
                         ? std::string("an integer")
                         : "a multiple of " + std::to_string(multipleOf);
  return text + " in [" + std::to_string(min) + ", " + std::to_string(max) +
         "]";
}

ArrayRef<ConfigKeyRule> mlir::moe::getConfigKeyRules(StringRef opName) {
  return llvm::StringSwitch<ArrayRef<ConfigKeyRule>>(opName)
      .Case("gate", kThreadsOnly)
      .Case("align", kThreadsOnly)
      .Case("permute_indices", kThreadsOnly)
      .Case("combine", kThreadsOnly)
      .Case("mot_linear", kThreadsOnly)
      .Case("rms_norm", kThreadsOnly)
      .Case("silu_and_mul", kThreadsOnly)
      .Case("quantize", kThreadsOnly)
      .Case("permute", kPermuteKeys)
      .Default({});
}

bool mlir::moe::takesGemmConfig(StringRef opName) {
  return opName == "grouped_matmul";
}

std::optional<int64_t> mlir::moe::getConfigIntValue(Attribute value) {
  auto integer = dyn_cast_or_null<IntegerAttr>(value);
  if (!integer)
    return std::nullopt;
  Type type = integer.getType();
  if (!type.isIntOrIndex())
    return std::nullopt;
  // `true` is an i1 whose bit pattern reads as -1 when sign-extended.
  bool isUnsigned = type.isUnsignedInteger() || type.isInteger(1);
  llvm::APSInt number(integer.getValue(), isUnsigned);
  if (!number.isRepresentableByInt64())
    return std::nullopt;
  return number.getExtValue();
}

/// `'threads' (it reads: threads, row_threads)`: what an op reads, for the
/// error about a key it does not.
static void describeKeys(InFlightDiagnostic &diag, StringRef opName,
                         ArrayRef<ConfigKeyRule> rules) {
  if (rules.empty()) {
    diag << "moe." << opName << " reads no moe.config";
    return;
  }
  diag << "moe." << opName << " reads only ";
  llvm::interleave(
      rules, [&](const ConfigKeyRule &rule) { diag << "'" << rule.key << "'"; },
      [&] { diag << ", "; });
}

LogicalResult
mlir::moe::verifyConfigEntry(StringRef opName, StringRef key, int64_t value,
                             function_ref<InFlightDiagnostic()> emitError) {
  ArrayRef<ConfigKeyRule> rules = getConfigKeyRules(opName);
  const ConfigKeyRule *rule = llvm::find_if(
      rules, [&](const ConfigKeyRule &rule) { return rule.key == key; });
  if (rule == rules.end()) {
    InFlightDiagnostic diag = emitError();
    diag << "unknown moe.config key '" << key << "': ";
    describeKeys(diag, opName, rules);
    return diag;
  }
  if (rule->allows(value))
    return success();
  return emitError() << "moe.config key '" << key << "' = " << value
                     << " is out of range: expected " << rule->describe();
}

LogicalResult
mlir::moe::verifyConfigEntry(StringRef opName, StringRef key, Attribute value,
                             function_ref<InFlightDiagnostic()> emitError) {
  if (std::optional<int64_t> number = getConfigIntValue(value))
    return verifyConfigEntry(opName, key, *number, emitError);
  // Check the key first: an unknown key is the more useful message.
  ArrayRef<ConfigKeyRule> rules = getConfigKeyRules(opName);
  const ConfigKeyRule *rule = llvm::find_if(
      rules, [&](const ConfigKeyRule &rule) { return rule.key == key; });
  if (rule == rules.end())
    return verifyConfigEntry(opName, key, int64_t(0), emitError);
  if (auto integer = dyn_cast<IntegerAttr>(value);
      integer && integer.getType().isIntOrIndex())
    return emitError() << "moe.config key '" << key << "' = " << integer
                       << " is out of range: expected " << rule->describe();
  return emitError() << "moe.config key '" << key << "' must be "
                     << rule->describe() << ", got " << value;
}

/// A #moe.gemm_config with min_rows = 0, or a non-empty list of them in
/// strictly increasing min_rows from 0, each of the tiled or the stream
/// kernel (the host code picks the kernel by the rows at run time).
static LogicalResult verifyGemmConfigs(Operation *op, Attribute config) {
  auto emitError = [&] {
    return op->emitOpError() << "'" << kConfigAttrName << "' ";
  };
  if (auto single = dyn_cast<GemmConfigAttr>(config)) {
    if (single.getMinRows() != 0)
      return emitError() << "is one #moe.gemm_config with min_rows = "
                         << single.getMinRows()
                         << ": a single configuration is for every row count "
                            "(min_rows = 0); give a list to pick by rows";
    return success();
  }
  auto list = dyn_cast<ArrayAttr>(config);
  if (!list)
    return emitError() << "must be a #moe.gemm_config (e.g. "
                          "#moe.gemm_config<tile_n = 128, stages = 3>) or a "
                          "list of them by min_rows, not "
                       << config;
  if (list.empty())
    return emitError() << "is an empty list of configurations";
  int64_t previous = -1;
  for (auto [index, element] : llvm::enumerate(list)) {
    auto entry = dyn_cast<GemmConfigAttr>(element);
    if (!entry)
      return emitError() << "entry " << index
                         << " is not a #moe.gemm_config: " << element;
    if (index == 0 && entry.getMinRows() != 0)
      return emitError() << "entry 0 has min_rows = " << entry.getMinRows()
                         << ": the first configuration must cover every "
                            "smaller row count (min_rows = 0)";
    if (entry.getMinRows() <= previous)
      return emitError() << "entry " << index
                         << " has min_rows = " << entry.getMinRows()
                         << ", not above entry " << index - 1 << "'s "
                         << previous
                         << ": list the configurations in strictly "
                            "increasing min_rows";
    if (list.size() > 1 && entry.getKernel() == GemmKernel::simple)
      return emitError() << "entry " << index
                         << " has kernel = simple: a list of configurations "
                            "picks between tiled and stream kernels";
    previous = entry.getMinRows();
  }
  return success();
}

LogicalResult mlir::moe::verifyConfigAttr(Operation *op, Attribute config) {
  if (!isa_and_nonnull<MoeDialect>(op->getDialect()))
    return op->emitOpError()
           << "'" << kConfigAttrName << "' applies to moe ops only";
  StringRef opName = op->getName().stripDialect();
  // The GEMM's settings are typed; #moe.gemm_config verified itself when it
  // was built.
  if (takesGemmConfig(opName))
    return verifyGemmConfigs(op, config);
  auto dictionary = dyn_cast<DictionaryAttr>(config);
  if (!dictionary)
    return op->emitOpError()
           << "'" << kConfigAttrName
           << "' must be a dictionary of integers, got " << config;
  for (NamedAttribute entry : dictionary)
    if (failed(verifyConfigEntry(opName, entry.getName().getValue(),
                                 entry.getValue(),
                                 [&] { return op->emitOpError(); })))
      return failure();
  return success();
}
