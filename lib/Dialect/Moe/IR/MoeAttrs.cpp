//===- MoeAttrs.cpp - Attributes of moe -----------------------------------===//
//
// #moe.gemm_config: its verifier (the ranges the hardware and the tiled
// kernel's data layout allow, each error naming the parameter and the
// allowed values; MoeAttrs.td lists them) and its construction from the
// `<parameter>=<value>` fields of a moe-select-configs table entry.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeDialect.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Bytes of a tile's K row: one 128-byte swizzled row, of `tileK` 16-bit
/// (tile_k = 64) or fp8 (tile_k = 128) elements.
constexpr int64_t kTileRowBytes = 128;
constexpr int64_t kSixteenBitTileK = 64;
constexpr int64_t kFp8TileK = 128;
/// The tiled kernel's shared memory besides the ring's tiles: the
/// alignment slack, and its small buffers packed after the tiles (the
/// mbarrier rings, the claim slot and a warp-specialized kernel's claim
/// queue: well under 1 KiB).
constexpr int64_t kRingOverheadBytes = 2 * kTileBufferAlign;
/// Registers a tiled-kernel thread needs besides its accumulators
/// (addresses, loop state, the epilogue), and the most a thread may have.
constexpr int64_t kKernelRegisters = 64;
constexpr int64_t kMaxThreadRegisters = 255;

/// Bytes of one element of a K row of `tileK` elements.
int64_t elementBytes(int64_t tileK) { return kTileRowBytes / tileK; }

int64_t stageBytes(int64_t tileM, int64_t tileN, int64_t tileK) {
  return (tileM + tileN) * tileK * elementBytes(tileK);
}

/// f32 accumulator registers a thread holds: tile_n / 2, twice that for fp8
/// (tile_k = 128), whose block-scale promotion keeps each K block's partial
/// sums in a second accumulator.
int64_t accumulatorRegisters(int64_t tileN, int64_t tileK) {
  return tileN / 2 * (tileK == kFp8TileK ? 2 : 1);
}

/// Bytes of a staged epilogue's buffer: a 16 x 72 slice of 16-bit values
/// for each warp of the tile (moe.tile_store staging).
int64_t stagingBytes(int64_t tileM, bool stagedEpilogue) {
  return stagedEpilogue ? tileM * kStagingRowElements * 2 : 0;
}

int64_t sharedMemoryBytes(int64_t tileM, int64_t tileN, int64_t tileK,
                          int64_t stages, bool stagedEpilogue) {
  return stages * stageBytes(tileM, tileN, tileK) + kRingOverheadBytes +
         stagingBytes(tileM, stagedEpilogue);
}

/// Checks that `value` is a multiple of `multipleOf` in [`min`, `max`];
/// otherwise emits `<name> = <value> is out of range: expected ...`, with
/// `why` in parentheses when given.
LogicalResult checkRange(function_ref<InFlightDiagnostic()> emitError,
                         StringRef name, int64_t value, int64_t min,
                         int64_t max, int64_t multipleOf = 1,
                         StringRef why = "") {
  if (value >= min && value <= max && value % multipleOf == 0)
    return success();
  InFlightDiagnostic diag = emitError();
  diag << name << " = " << value << " is out of range: expected ";
  if (multipleOf == 1)
    diag << "an integer";
  else
    diag << "a multiple of " << multipleOf;
  diag << " in [" << min << ", " << max << "]";
  if (!why.empty())
    diag << " (" << why << ")";
  return diag;
}

} // namespace

GemmConfigAttr GemmConfigAttr::withMinRows(int64_t minRows) const {
  return get(getContext(), getKernel(), getTileM(), getTileN(), getTileK(),
             getStages(), getWarpgroups(), getWarpSpecialize(), getClusterM(),
             getClusterN(), getRaster(), getSwapAb(), getSplitK(), getCtas(),
             getSimpleThreads(), getStreamColumns(), minRows,
             getStagedEpilogue(), getL2Hints());
}

GemmConfigAttr GemmConfigAttr::withStagedEpilogue(bool staged) const {
  return get(getContext(), getKernel(), getTileM(), getTileN(), getTileK(),
             getStages(), getWarpgroups(), getWarpSpecialize(), getClusterM(),
             getClusterN(), getRaster(), getSwapAb(), getSplitK(), getCtas(),
             getSimpleThreads(), getStreamColumns(), getMinRows(), staged,
             getL2Hints());
}

GemmConfigAttr GemmConfigAttr::getDefault(MLIRContext *context,
                                          QuantScheme quant) {
  GemmConfigAttr defaults = get(context);
  // The weight-only schemes take the stream kernel (the tiled one takes
  // 16-bit or fp8 operands of one type): it dequantizes 16-byte W loads in
  // registers, and where its loads do not apply (at run time, or a group
  // size that is not a multiple of 32) the simple kernel runs instead.
  // Measured on an H100: Qwen3-30B-A3B's int4 gate/up GEMM at 8 rows in
  // 29 us against the simple kernel's 688 us (docs/performance.md).
  if (quant == QuantScheme::w4a16 || quant == QuantScheme::w4a16_zp ||
      quant == QuantScheme::w8a16)
    return get(context, GemmKernel::stream, defaults.getTileM(),
               defaults.getTileN(), defaults.getTileK(), defaults.getStages(),
               defaults.getWarpgroups(), defaults.getWarpSpecialize(),
               defaults.getClusterM(), defaults.getClusterN(),
               defaults.getRaster(), defaults.getSwapAb(), defaults.getSplitK(),
               defaults.getCtas(), defaults.getSimpleThreads(),
               defaults.getStreamColumns(), defaults.getMinRows(),
               defaults.getStagedEpilogue(), defaults.getL2Hints());
  bool fp8Block = quant == QuantScheme::fp8_block;
  if (!fp8Block && quant != QuantScheme::fp8_channel &&
      quant != QuantScheme::fp8_tensor)
    return defaults;
  return get(
      context, GemmKernel::tiled, defaults.getTileM(), /*tileN=*/128, kFp8TileK,
      /*stages=*/6, defaults.getWarpgroups(),
      /*warpSpecialize=*/fp8Block, defaults.getClusterM(),
      defaults.getClusterN(), defaults.getRaster(), defaults.getSwapAb(),
      defaults.getSplitK(), defaults.getCtas(), defaults.getSimpleThreads(),
      defaults.getStreamColumns(), defaults.getMinRows(),
      defaults.getStagedEpilogue(), defaults.getL2Hints());
}

int64_t GemmConfigAttr::getStageBytes() const {
  return stageBytes(getTileM(), getTileN(), getTileK());
}

int64_t GemmConfigAttr::getSharedMemoryBytes() const {
  return sharedMemoryBytes(getTileM(), getTileN(), getTileK(), getStages(),
                           getStagedEpilogue());
}

/// Reads `text`, one of the words of `Enum` (its ODS cases, numbered from
/// 0), into `value`; the error names the parameter and the words.
template <typename Enum>
static LogicalResult
readEnumField(StringRef key, StringRef text, unsigned maxValue, Enum &value,
              function_ref<InFlightDiagnostic()> emitError) {
  if (std::optional<Enum> symbol = symbolizeEnum<Enum>(text)) {
    value = *symbol;
    return success();
  }
  InFlightDiagnostic diag = emitError();
  diag << key << " = '" << text << "': expected one of ";
  for (unsigned number = 0; number <= maxValue; ++number)
    diag << (number ? ", " : "") << stringifyEnum(static_cast<Enum>(number));
  return diag;
}

FailureOr<GemmConfigAttr>
GemmConfigAttr::getFromFields(MLIRContext *context,
                              ArrayRef<std::pair<StringRef, StringRef>> fields,
                              function_ref<InFlightDiagnostic()> emitError) {
  GemmConfigAttr defaults = GemmConfigAttr::get(context);
  GemmKernel kernel = defaults.getKernel();
  GemmRaster raster = defaults.getRaster();
  bool swapAB = defaults.getSwapAb();
  bool warpSpecialize = defaults.getWarpSpecialize();
  bool stagedEpilogue = defaults.getStagedEpilogue();
  bool l2Hints = defaults.getL2Hints();
  int64_t tileM = defaults.getTileM(), tileN = defaults.getTileN(),
          tileK = defaults.getTileK(), stages = defaults.getStages(),
          warpgroups = defaults.getWarpgroups(),
          clusterM = defaults.getClusterM(), clusterN = defaults.getClusterN(),
          splitK = defaults.getSplitK(), ctas = defaults.getCtas(),
          simpleThreads = defaults.getSimpleThreads(),
          streamColumns = defaults.getStreamColumns(),
          minRows = defaults.getMinRows();
  // The integer parameters, in the order of the assembly.
  std::pair<StringLiteral, int64_t *> integers[] = {
      {"tile_m", &tileM},
      {"tile_n", &tileN},
      {"tile_k", &tileK},
      {"stages", &stages},
      {"warpgroups", &warpgroups},
      {"cluster_m", &clusterM},
      {"cluster_n", &clusterN},
      {"split_k", &splitK},
      {"ctas", &ctas},
      {"simple_threads", &simpleThreads},
      {"stream_columns", &streamColumns},
      {"min_rows", &minRows}};
  for (auto [key, text] : fields) {
    auto *integer = llvm::find_if(integers, [&, key = key](const auto &entry) {
      return entry.first == key;
    });
    if (integer != std::end(integers)) {
      if (text.getAsInteger(10, *integer->second))
        return emitError() << key << " = '" << text
                           << "' is not an integer (of 64 bits)";
      continue;
    }
    if (key == "kernel") {
      if (failed(readEnumField(key, text, getMaxEnumValForGemmKernel(), kernel,
                               emitError)))
        return failure();
    } else if (key == "raster") {
      if (failed(readEnumField(key, text, getMaxEnumValForGemmRaster(), raster,
                               emitError)))
        return failure();
    } else if (key == "swap_ab" || key == "warp_specialize" ||
               key == "staged_epilogue" || key == "l2_hints") {
      if (text != "true" && text != "false")
        return emitError() << key << " = '" << text
                           << "': expected true or false";
      bool &flag = key == "swap_ab"           ? swapAB
                   : key == "warp_specialize" ? warpSpecialize
                   : key == "l2_hints"        ? l2Hints
                                              : stagedEpilogue;
      flag = text == "true";
    } else {
      return emitError() << "#moe.gemm_config has no parameter '" << key
                         << "' (it has kernel, tile_m, tile_n, tile_k, stages, "
                            "warpgroups, warp_specialize, cluster_m, "
                            "cluster_n, raster, "
                            "swap_ab, split_k, ctas, simple_threads, "
                            "stream_columns, min_rows, staged_epilogue, "
                            "l2_hints)";
    }
  }
  GemmConfigAttr config = GemmConfigAttr::getChecked(
      emitError, context, kernel, tileM, tileN, tileK, stages, warpgroups,
      warpSpecialize, clusterM, clusterN, raster, swapAB, splitK, ctas,
      simpleThreads, streamColumns, minRows, stagedEpilogue, l2Hints);
  if (!config)
    return failure();
  return config;
}

LogicalResult GemmConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, GemmKernel kernel,
    int64_t tileM, int64_t tileN, int64_t tileK, int64_t stages,
    int64_t warpgroups, bool warpSpecialize, int64_t clusterM, int64_t clusterN,
    GemmRaster raster, bool swapAB, int64_t splitK, int64_t ctas,
    int64_t simpleThreads, int64_t streamColumns, int64_t minRows,
    bool stagedEpilogue, bool /*l2Hints*/) {
  // Each parameter on its own, in the order of the assembly.
  if (failed(checkRange(emitError, "tile_n", tileN, 16, 256, 16,
                        "wgmma's N, halved for a gated epilogue")))
    return failure();
  if (tileK != kSixteenBitTileK && tileK != kFp8TileK)
    return emitError() << "tile_k = " << tileK
                       << " is not supported: a K step is one 128-byte "
                          "swizzled row, expected tile_k = 64 (16-bit "
                          "elements) or 128 (fp8 elements)";
  if (failed(checkRange(emitError, "stages", stages, 2, 8)) ||
      failed(checkRange(emitError, "warpgroups", warpgroups, 1, 4, 1,
                        "consumer warpgroups of 64 rows each")) ||
      failed(checkRange(emitError, "cluster_m", clusterM, 1, 8)) ||
      failed(checkRange(emitError, "cluster_n", clusterN, 1, 8)))
    return failure();
  if (splitK < 1)
    return emitError() << "split_k = " << splitK
                       << " is out of range: expected a positive integer";
  if (failed(checkRange(emitError, "ctas", ctas, 1, 65535, 1,
                        "persistent blocks")) ||
      failed(checkRange(emitError, "simple_threads", simpleThreads, 32, 1024,
                        32, "whole warps, at most a CUDA block")) ||
      failed(checkRange(emitError, "stream_columns", streamColumns, 1, 4, 1,
                        "output columns a lane slot of the stream kernel "
                        "keeps in registers")))
    return failure();
  if (minRows < 0)
    return emitError() << "min_rows = " << minRows
                       << " is out of range: expected an integer >= 0";

  // Relations between parameters.
  if (warpSpecialize && kernel != GemmKernel::tiled)
    return emitError() << "warp_specialize = true needs kernel = tiled (the "
                          "simple kernel has no tile copies to hand to a "
                          "producer)";
  if (tileM != kWarpgroupRows * warpgroups)
    return emitError() << "tile_m = " << tileM
                       << " does not match warpgroups = " << warpgroups
                       << ": expected tile_m = " << kWarpgroupRows * warpgroups
                       << " (" << kWarpgroupRows
                       << " rows per consumer warpgroup)";
  // Each thread holds tileN / 2 accumulators plus kKernelRegisters for
  // addresses, loop state and the epilogue, and a block of
  // kWarpgroupThreads * warpgroups threads gets at most 65536 / threads
  // registers each (255 at most).
  // Warp-specialized, the consumers get what the producer warpgroup leaves
  // (MoeDialect.h).
  int64_t threads = kWarpgroupThreads * warpgroups;
  int64_t budget =
      warpSpecialize
          ? int64_t(warpSpecializedConsumerRegisters(threads))
          : std::min<int64_t>(kRegistersPerSM / threads, kMaxThreadRegisters);
  int64_t accumulators = accumulatorRegisters(tileN, tileK);
  if (accumulators + kKernelRegisters > budget) {
    int64_t perColumn = accumulatorRegisters(2, tileK);
    return emitError() << "warpgroups = " << warpgroups
                       << " with tile_n = " << tileN
                       << " and tile_k = " << tileK << " needs " << accumulators
                       << " accumulator registers per thread plus "
                       << kKernelRegisters << " for the kernel in a block of "
                       << threads << " threads"
                       << (warpSpecialize ? " beside a producer warpgroup" : "")
                       << ", which gets at most " << budget
                       << " registers each: keep tile_n <= "
                       << 2 * (budget - kKernelRegisters) / perColumn / 16 * 16;
  }
  if (stagedEpilogue && kernel != GemmKernel::tiled)
    return emitError() << "staged_epilogue = true needs kernel = tiled (the "
                          "other kernels do not store tiles)";
  int64_t bytes =
      sharedMemoryBytes(tileM, tileN, tileK, stages, stagedEpilogue);
  if (bytes > kMaxSharedMemoryBytes) {
    int64_t slot = stageBytes(tileM, tileN, tileK);
    int64_t staging = stagingBytes(tileM, stagedEpilogue);
    InFlightDiagnostic diag = emitError();
    diag << "stages = " << stages << " with tile_m = " << tileM
         << " and tile_n = " << tileN << " needs " << bytes
         << " bytes of shared memory (" << stages << " slots of " << slot
         << " bytes, plus " << kRingOverheadBytes
         << " for alignment and mbarriers";
    if (staging)
      diag << " and " << staging << " for the staged epilogue";
    diag << "), more than the " << kMaxSharedMemoryBytes
         << " bytes (227 KiB) an sm_90 block may use: at most "
         << (kMaxSharedMemoryBytes - kRingOverheadBytes - staging) / slot
         << " stages fit";
    return diag;
  }
  if (clusterM * clusterN > 8)
    return emitError() << "cluster_m = " << clusterM
                       << " with cluster_n = " << clusterN
                       << " is a cluster of " << clusterM * clusterN
                       << " blocks: expected at most 8 (the portable cluster "
                          "size of sm_90)";
  return success();
}
