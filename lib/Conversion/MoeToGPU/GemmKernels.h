//===- GemmKernels.h - Grouped GEMM kernels, shared pieces ------*- C++ -*-===//
//
// The two grouped-GEMM lowerings share the operand bundle, the epilogue
// math and the simple path: the tiled TMA/wgmma kernel (TiledGroupedMatmul)
// falls back to the simple kernel where its preconditions do not hold.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETOGPU_GEMMKERNELS_H
#define MOE_LIB_CONVERSION_MOETOGPU_GEMMKERNELS_H

#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::moe {

class KernelBuilder;
struct EpilogueActivation;
struct LaunchIds;

/// The operands of one grouped GEMM (buffer form).
struct RowGemm {
  Value a;        ///< [R, K] contiguous, or [M, K] gathered through rowIndex.
  Value rowIndex; ///< [R] i32, optional (grouped_matmul only).
  int64_t indexDivisor = 1;
  Value w;       ///< [E, N, K]
  Value offsets; ///< [E + 1] i32 (grouped_matmul), or null.
  Value typeIds; ///< [R] i32 (mot_linear), or null.
  Value scale;   ///< [R] f32, optional.
  Value bias;    ///< [E, N], optional.
  Value out;     ///< [R, N] or [R, N / 2].
  Epilogue epilogue = Epilogue::none;
  /// The activation's parameters, as grouped_matmul gives them.
  GateUpLayout gateUpLayout = GateUpLayout::split;
  FloatAttr clampLimit;  ///< optional
  FloatAttr swigluAlpha; ///< optional
  /// The quantization scheme; with an fp8 one, f8E4M3FN a and w and their
  /// f32 scales (else null): fp8_block a_scale [M, ceil(K/128)] (row i
  /// belongs to a's row i) and w_scale [E, ceil(N/128), ceil(K/128)];
  /// fp8_channel a_scale [M, 1] and w_scale [E, N]; fp8_tensor a_scale [1]
  /// and w_scale [E]. With a weight-only one (the stream and simple kernels), bf16
  /// or f16 a, i8 w and no a_scale: w4a16 and w4a16_zp pack two int4
  /// values a byte along K (w [E, N, K/2]) with f32/bf16/f16 w_scale and,
  /// for w4a16_zp, i8 w_zero [E, N, ceil(K/groupSize)]; w8a16 has w
  /// [E, N, K] and w_scale [E, N].
  QuantScheme quant = QuantScheme::none;
  Value aScale, wScale, wZero;
  /// The K group of w4a16 / w4a16_zp (32, 64 or 128), else 0.
  int64_t groupSize = 0;
  int64_t threads = 256;
  /// When set, a device i32 buffer whose element 0 decides at run time
  /// whether the simple kernel runs at all (non-zero: run). The kernel then
  /// launches at most `maxBlocks` blocks that stride over the work, so an
  /// unused fallback costs one short launch.
  Value enableFlag;
  int64_t maxBlocks = 0;
  /// Split-K reduction mode (the tiled kernel's second launch): instead of
  /// the K loop, acc[n] is the sum over s = 0, 1, ..., splits - 1, in that
  /// order, of partials[s * partialRows + r, c(n)], where `splits` is read
  /// from element 0 of `splitCount` (i32) and c(n) is the accumulator
  /// column of output column n in tiles of `partialTileN` columns (gate
  /// half, then up half, when gated). `a` and `w` are not read.
  Value partials; ///< [splits * R, C] f32
  Value partialRows;
  Value splitCount;
  int64_t partialTileN = 0;
};

/// Run-time sizes of a grouped GEMM, each clamped to every buffer that
/// carries it, so a mismatch of dynamic shapes cannot go out of bounds.
struct GemmSizes {
  Value numARows;  ///< rows of `a`
  Value reduction; ///< K
  Value cols;      ///< N of the weights (and bias)
  Value numExperts;
  Value upOffset; ///< N / 2 for a gated epilogue, else null (split or not)
  Value outCols;  ///< output columns
  Value rows;     ///< output rows R
};
GemmSizes computeGemmSizes(KernelBuilder &kb, const RowGemm &gemm);

/// Rejects the #moe.gemm_config values that are legal IR but that no kernel
/// implements yet (a cluster other than 1 x 1, raster = along_n, swap_ab,
/// split_k above 1), with an error at `op` naming the parameter. Both
/// moe-tile-grouped-matmul and convert-moe-to-gpu check every
/// grouped_matmul, whichever kernel it would get.
LogicalResult checkGemmConfigImplemented(GroupedMatmulOp op);

/// Rejects a quantized grouped_matmul whose scheme no kernel takes yet
/// with an error at `op` naming the scheme. Every scheme has a kernel now
/// (the weight-only ones the stream and simple kernels); kept as the one place a
/// new scheme is refused until it is lowered. Checked with
/// checkGemmConfigImplemented, by both passes.
LogicalResult checkQuantizationImplemented(GroupedMatmulOp op);

/// w4a16, w4a16_zp, w8a16: integer weights, 16-bit activations.
bool isWeightOnlyScheme(QuantScheme scheme);

/// The operands of a buffer-form grouped_matmul and the block size of its
/// simple kernel (`simple_threads` of its #moe.gemm_config).
RowGemm getRowGemm(GroupedMatmulOp op);

/// The simple, correct path: one thread per output element.
void buildRowGemm(PatternRewriter &rewriter, Location loc, const RowGemm &gemm);

/// The simple kernel's work for `gemm` spread over the blocks of the launch
/// being built (`ids`, blocks of any size): block b takes the simple
/// kernel's virtual blocks b, b + grid, ... Every thread of the block must
/// reach it (its expert search is a block-wide reduction).
void buildRowGemmInLaunch(KernelBuilder &k, const RowGemm &gemm,
                          const LaunchIds &ids);

/// The A row of gathered output row `row` (index), row_index[row] /
/// index_divisor, and whether it is one (row_index[row] >= 0 and the
/// quotient below `numARows`); the row is only meaningful where it is.
std::pair<Value, Value> gatheredSourceRow(KernelBuilder &k, const RowGemm &gemm,
                                          Value row, Value numARows);

/// The epilogue of output (row, column) from the f32 sums `gate` (and `up`,
/// gated) of W rows `gateCol` (and `upCol`): bias, activation, row scale,
/// in the reference's order. The caller rounds it to the output type.
Value buildRowEpilogue(KernelBuilder &k, const RowGemm &gemm,
                       const EpilogueActivation &activation, Value expert,
                       Value row, Value gateCol, Value upCol, Value gate,
                       Value up);

/// The dequantized weight of one integer `q` (i32: the unsigned nibble or
/// the signed byte) minus its zero point `zero` (i32; null for none): the
/// exact integer q - zero in f32, times `scale` in f32, rounded once to
/// a's element type `computeType` and widened back (the value the 16-bit
/// MMA would consume; lib/Reference/Quant.cpp dequantizeWeight).
Value dequantizeWeight(KernelBuilder &k, Value q, Value zero, Value scale,
                       Type computeType);

/// Exact GELU, 0.5 * v * (1 + erf(v / sqrt(2))), in f32.
Value buildGelu(KernelBuilder &k, Value v);

/// Whether `gemm` can take the tiled kernel at all (types, layouts: bf16
/// or f16 operands, or an fp8 scheme with a contiguous A); the run-time
/// conditions are checked in the generated code.
bool canUseTiledGroupedMatmul(const RowGemm &gemm);

/// Whether `gemm` can take the stream kernel (kernel = stream): bf16 or f16
/// A with W of the same type (unquantized) or i8 W of a weight-only scheme
/// (w4a16, w4a16_zp, w8a16), expert offsets; the alignment is checked at
/// run time.
bool canUseStreamGroupedMatmul(const RowGemm &gemm);

/// Emits, at the rewriter's point, the stream kernel of `config` for `gemm`
/// (one launch) behind a host check that its 16-byte loads apply (aligned
/// A and W rows, K a multiple of one load's elements, at least one A row,
/// E within the kernel's expert list), and the simple kernel otherwise.
void buildStreamOrSimpleGroupedMatmul(PatternRewriter &rewriter, Location loc,
                                      const RowGemm &gemm,
                                      GemmConfigAttr config);

/// Emits the tiled grouped GEMM for `gemm`: a tile-schedule kernel, the
/// persistent TMA/wgmma kernel, and the simple kernel as a device-gated
/// fallback (non-monotone offsets), all behind a host-side check of the
/// TMA alignment rules that runs the simple kernel otherwise. `configs` (in
/// increasing min_rows, the first 0) give the tiles, the ring depth and the
/// grid; with several, the host code launches the kernels of the last whose
/// min_rows the GEMM's rows reach. Their fields the kernel does not
/// implement yet must have been rejected (moe-tile-grouped-matmul does).
/// With `dynamicTiles` the persistent blocks take their tiles from a counter
/// in the schedule (in order of start), else round robin.
void buildTiledGroupedMatmul(PatternRewriter &rewriter, Location loc,
                             const RowGemm &gemm,
                             ArrayRef<GemmConfigAttr> configs,
                             bool dynamicTiles);

} // namespace mlir::moe

#endif // MOE_LIB_CONVERSION_MOETOGPU_GEMMKERNELS_H
