//===- SelectConfigs.cpp - Kernel configurations of moe ops ---------------===//
//
// A tuned table when one is given, a heuristic otherwise. The configuration
// is the op's `moe.config` the GPU lowering reads: a #moe.gemm_config for
// grouped_matmul, a dictionary for the other ops.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeConfig.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>

namespace mlir::moe {
#define GEN_PASS_DEF_MOESELECTCONFIGS
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// The sizes a table line may name: experts, hidden, output, reduction,
/// top-k.
constexpr StringLiteral kSizeKeys[] = {"E", "H", "N", "K", "k"};

/// The sizes a table line for `op` may match on; sizesOf sets them.
StringRef matchKeysOf(StringRef op) {
  return llvm::StringSwitch<StringRef>(op)
      .Case("gate", "E k")
      .Case("rms_norm", "H")
      .Case("silu_and_mul", "N")
      .Case("permute", "H E")
      .Case("permute_indices", "E")
      .Case("combine", "H k")
      .Case("align", "E")
      .Case("grouped_matmul", "E N K")
      .Case("quantize", "K")
      .Case("mot_linear", "N K")
      .Default("");
}

/// The sizes a table line may match on (static ones only); matchKeysOf
/// names them for the table's checks.
llvm::StringMap<int64_t> sizesOf(Operation *op) {
  llvm::StringMap<int64_t> sizes;
  auto dim = [](Value value, unsigned index) {
    return cast<ShapedType>(value.getType()).getDimSize(index);
  };
  auto set = [&](StringRef name, int64_t size) {
    if (!ShapedType::isDynamic(size))
      sizes[name] = size;
  };
  if (auto gate = dyn_cast<GateOp>(op)) {
    set("E", dim(gate.getLogits(), 1));
    set("k", gate.getK());
  } else if (auto norm = dyn_cast<RmsNormOp>(op)) {
    set("H", dim(norm.getX(), 1));
  } else if (auto act = dyn_cast<SiluAndMulOp>(op)) {
    set("N", dim(act.getOutInit(), 1));
  } else if (auto permute = dyn_cast<PermuteOp>(op)) {
    set("H", dim(permute.getX(), 1));
    set("E", permute.getNumExperts());
  } else if (auto permute = dyn_cast<PermuteIndicesOp>(op)) {
    set("E", permute.getNumExperts());
  } else if (auto combine = dyn_cast<CombineOp>(op)) {
    set("H", dim(combine.getY(), 1));
    set("k", combine.getK());
  } else if (auto align = dyn_cast<AlignOp>(op)) {
    set("E", align.getNumExperts());
  } else if (auto gemm = dyn_cast<GroupedMatmulOp>(op)) {
    set("E", dim(gemm.getW(), 0));
    set("N", dim(gemm.getW(), 1));
    // int4 weights hold two values a byte along K.
    QuantScheme scheme = gemm.getQuant();
    bool int4 = scheme == QuantScheme::w4a16 || scheme == QuantScheme::w4a16_zp;
    int64_t k = dim(gemm.getW(), 2);
    set("K", int4 && !ShapedType::isDynamic(k) ? 2 * k : k);
    set("quant", static_cast<int64_t>(scheme));
  } else if (auto quantize = dyn_cast<QuantizeOp>(op)) {
    set("K", dim(quantize.getX(), 1));
  } else if (auto mot = dyn_cast<MotLinearOp>(op)) {
    set("N", dim(mot.getW(), 1));
    set("K", dim(mot.getW(), 2));
  }
  return sizes;
}

/// Threads per block by op and size: enough to cover a row in a few steps
/// without idle threads on small rows. (grouped_matmul gets the default
/// #moe.gemm_config instead.)
int64_t heuristicThreads(Operation *op, const llvm::StringMap<int64_t> &sizes) {
  auto sizeOr = [&](StringRef name, int64_t fallback) {
    auto it = sizes.find(name);
    return it == sizes.end() ? fallback : it->second;
  };
  auto roundToWarps = [](int64_t n, int64_t lo, int64_t hi) {
    return std::clamp<int64_t>((n + 31) / 32 * 32, lo, hi);
  };
  if (isa<GateOp>(op))
    return roundToWarps(sizeOr("E", 512) / 4, 32, 256);
  if (isa<RmsNormOp>(op))
    return roundToWarps(sizeOr("H", 8192) / 8, 64, 1024);
  // align and permute's stable counting sort wants whole 1024-thread blocks
  // (its owner warps split the slots); permute's row copy has its own key,
  // row_threads, left to the lowering's default.
  if (isa<AlignOp, PermuteOp, PermuteIndicesOp>(op))
    return 1024;
  return 256;
}

/// Rows per expert (on average) below which the GEMM heuristic takes
/// decode tiles.
constexpr int64_t kDecodeRowsPerExpert = 4;

/// The GEMM heuristic: with fewer than kDecodeRowsPerExpert rows per expert
/// on average, 64 x 128 tiles in an 8-slot ring (twice the column blocks
/// of the default, so more blocks stream weights when each expert has a
/// row or two), the default #moe.gemm_config<> from there up. Measured by
/// the autotuner on an H100 (docs/performance.md): at T = 1 .. 32 the
/// default was up to 1.49x slower than the best candidate (Mixtral gemm2,
/// T = 1), from T = 256 on within 3%. quant = fp8_block takes the same
/// shape of choice with fp8 K steps (tile_k = 128): 64 x 128 in 8 slots at
/// decode, else GemmConfigAttr::getDefault (128 x 128 in 6 slots: its
/// two accumulators keep tile_n at most 176; warp-specialized, 20% faster
/// than without from 256 rows of DeepSeek-V3's shapes on an H100, while at
/// 8 rows the decode tiles were faster without a producer).
/// Without a static E, and for the other quantized GEMMs (fp8_channel and
/// fp8_tensor on 128 x 128 tiles, the weight-only schemes on the stream
/// kernel), their GemmConfigAttr::getDefault. Unquantized GEMMs take
/// `staged_epilogue = true` in both (docs/performance.md 5n: Qwen3 gemm2
/// -20% at T = 8192, T <= 256 within -1.6..+2%).
SmallVector<GemmConfigAttr>
heuristicGemmConfigs(MLIRContext *context,
                     const llvm::StringMap<int64_t> &sizes) {
  auto quant = sizes.find("quant");
  auto scheme = quant == sizes.end() ? QuantScheme::none
                                     : static_cast<QuantScheme>(quant->second);
  GemmConfigAttr defaults = GemmConfigAttr::getDefault(context, scheme);
  // 16-bit GEMMs store through shared memory (whole 32-byte sectors);
  // kernels with a 32-bit out ignore it.
  bool staged = scheme == QuantScheme::none;
  if (staged)
    defaults = defaults.withStagedEpilogue(true);
  auto experts = sizes.find("E");
  if (experts == sizes.end() ||
      (scheme != QuantScheme::none && scheme != QuantScheme::fp8_block))
    return {defaults};
  GemmConfigAttr decode = GemmConfigAttr::get(
      context, defaults.getKernel(), /*tile_m=*/64, /*tile_n=*/128,
      defaults.getTileK(), /*stages=*/8, /*warpgroups=*/1,
      /*warp_specialize=*/false, defaults.getClusterM(), defaults.getClusterN(),
      defaults.getRaster(), defaults.getSwapAb(), defaults.getSplitK(),
      defaults.getCtas(), defaults.getSimpleThreads(),
      defaults.getStreamColumns(), /*min_rows=*/0, staged,
      defaults.getL2Hints());
  return {decode, defaults.withMinRows(kDecodeRowsPerExpert * experts->second)};
}

/// The `moe.config` of configurations in increasing min_rows: one
/// #moe.gemm_config, or a list; an entry with the kernel of the one before
/// adds nothing and is dropped.
Attribute getGemmConfigAttr(MLIRContext *context,
                            ArrayRef<GemmConfigAttr> configs) {
  SmallVector<Attribute> list;
  GemmConfigAttr previous;
  for (GemmConfigAttr config : configs) {
    if (previous && previous.withMinRows(0) == config.withMinRows(0))
      continue;
    list.push_back(config);
    previous = config;
  }
  if (list.size() == 1)
    return list.front();
  return ArrayAttr::get(context, list);
}

struct TableEntry {
  std::string op;
  llvm::StringMap<int64_t> match;
  /// The verified `moe.config`: a #moe.gemm_config or a dictionary.
  Attribute config;
};

struct MoeSelectConfigsPass
    : mlir::moe::impl::MoeSelectConfigsBase<MoeSelectConfigsPass> {
  using Base::Base;

  LogicalResult loadTable(SmallVectorImpl<TableEntry> &entries) {
    auto buffer = llvm::MemoryBuffer::getFile(table);
    if (!buffer)
      return getOperation()->emitError()
             << "cannot read the config table '" << table
             << "': " << buffer.getError().message();
    SmallVector<StringRef> lines;
    (*buffer)->getBuffer().split(lines, '\n');
    for (auto [number, rawLine] : llvm::enumerate(lines)) {
      StringRef line = rawLine.split('#').first.trim();
      if (line.empty())
        continue;
      // Every error names the entry: file, line and the line itself.
      auto emitEntryError = [&, number = number] {
        return getOperation()->emitError()
               << table << ":" << number + 1 << ": entry '" << line << "': ";
      };
      SmallVector<StringRef> fields;
      llvm::SplitString(line, fields);
      TableEntry entry;
      entry.op = fields.front().str();
      bool gemm = takesGemmConfig(entry.op);
      if (!gemm && getConfigKeyRules(entry.op).empty())
        return emitEntryError()
               << "'" << entry.op << "' is not a moe op that reads moe.config";
      llvm::StringSet<> seen;
      SmallVector<std::pair<StringRef, StringRef>> gemmFields;
      SmallVector<NamedAttribute> dictionary;
      Builder builder(&getContext());
      for (StringRef field : llvm::drop_begin(fields)) {
        auto [key, text] = field.split('=');
        // A #moe.gemm_config parameter is spelled as in the attribute (an
        // integer, a word, true or false) and read below.
        bool isSize = llvm::is_contained(kSizeKeys, key);
        int64_t value = 0;
        if (key.empty() || text.empty() ||
            ((!gemm || isSize) && text.getAsInteger(10, value)))
          return emitEntryError() << "expected <key>="
                                  << (gemm && !isSize ? "<value>" : "<integer>")
                                  << ", got '" << field << "'";
        if (!seen.insert(key).second)
          return emitEntryError() << "'" << key << "' is given twice";
        // A grouped_matmul line matches one quantization scheme: the one
        // it names, or none.
        if (gemm && key == "quant") {
          std::optional<QuantScheme> scheme = symbolizeQuantScheme(text);
          if (!scheme)
            return emitEntryError()
                   << "'" << text << "' is not a quant scheme (none, "
                   << "fp8_block, fp8_channel, fp8_tensor, w4a16, w4a16_zp, "
                      "w8a16)";
          entry.match[key] = static_cast<int64_t>(*scheme);
          continue;
        }
        if (isSize) {
          // A size the op does not have would never match.
          SmallVector<StringRef> matchKeys;
          matchKeysOf(entry.op).split(matchKeys, ' ');
          if (!llvm::is_contained(matchKeys, key))
            return emitEntryError()
                   << "moe." << entry.op << " has no size '" << key
                   << "' to match (it matches on "
                   << Twine(llvm::join(matchKeys, ", ")) << ")";
          entry.match[key] = value;
          continue;
        }
        if (gemm) {
          gemmFields.emplace_back(key, text);
          continue;
        }
        if (failed(verifyConfigEntry(entry.op, key, value, emitEntryError)))
          return failure();
        dictionary.push_back(
            builder.getNamedAttr(key, builder.getI64IntegerAttr(value)));
      }
      if (gemm) {
        entry.match.try_emplace("quant",
                                static_cast<int64_t>(QuantScheme::none));
        FailureOr<GemmConfigAttr> config = GemmConfigAttr::getFromFields(
            &getContext(), gemmFields, emitEntryError);
        if (failed(config))
          return failure();
        entry.config = *config;
      } else {
        entry.config = builder.getDictionaryAttr(dictionary);
      }
      entries.push_back(std::move(entry));
    }
    return success();
  }

  static bool matches(const TableEntry &entry, Operation *op,
                      const llvm::StringMap<int64_t> &sizes) {
    if (entry.op != op->getName().stripDialect())
      return false;
    return llvm::all_of(entry.match, [&](const auto &want) {
      auto it = sizes.find(want.getKey());
      return it != sizes.end() && it->second == want.getValue();
    });
  }

  /// The configuration of the first entry matching `op`, or null. For a
  /// grouped_matmul, the first matching entry of each min_rows: one
  /// #moe.gemm_config, or a list by min_rows whose rows below the smallest
  /// listed min_rows get the heuristic.
  static Attribute findConfig(ArrayRef<TableEntry> entries, Operation *op,
                              const llvm::StringMap<int64_t> &sizes) {
    if (!takesGemmConfig(op->getName().stripDialect())) {
      for (const TableEntry &entry : entries)
        if (matches(entry, op, sizes))
          return entry.config;
      return nullptr;
    }
    std::map<int64_t, GemmConfigAttr> byMinRows;
    for (const TableEntry &entry : entries) {
      if (!matches(entry, op, sizes))
        continue;
      auto config = cast<GemmConfigAttr>(entry.config);
      byMinRows.try_emplace(config.getMinRows(), config);
    }
    if (byMinRows.empty())
      return nullptr;
    // Rows below every matching line's min_rows: the heuristic's
    // configurations for them.
    int64_t firstTuned = byMinRows.begin()->first;
    for (GemmConfigAttr config : heuristicGemmConfigs(op->getContext(), sizes))
      if (config.getMinRows() < firstTuned)
        byMinRows.emplace(config.getMinRows(), config);
    return getGemmConfigAttr(
        op->getContext(), llvm::to_vector(llvm::make_second_range(byMinRows)));
  }

  void runOnOperation() override {
    SmallVector<TableEntry> entries;
    if (!table.empty() && failed(loadTable(entries)))
      return signalPassFailure();
    getOperation()->walk([&](Operation *op) {
      // Layer ops only: not the composites, not the device-side tile ops.
      if (!isa<MoeDialect>(op->getDialect()) ||
          !isa<DestinationStyleOpInterface>(op) ||
          isa<FusedMoeOp, MotMlpOp>(op) || op->hasAttr(kConfigAttrName))
        return;
      Builder builder(op->getContext());
      llvm::StringMap<int64_t> sizes = sizesOf(op);
      Attribute config = findConfig(entries, op, sizes);
      if (config) {
        ++numTuned;
      } else {
        if (!table.empty())
          op->emitWarning() << "no tuned config in '" << table
                            << "' matches; using the heuristic";
        if (takesGemmConfig(op->getName().stripDialect()))
          config = getGemmConfigAttr(
              op->getContext(), heuristicGemmConfigs(op->getContext(), sizes));
        else
          config = builder.getDictionaryAttr(builder.getNamedAttr(
              "threads",
              builder.getI64IntegerAttr(heuristicThreads(op, sizes))));
        ++numHeuristic;
      }
      op->setAttr(kConfigAttrName, config);
    });
  }
};

} // namespace
