//===- MoeDialect.h - The moe dialect ---------------------------*- C++ -*-===//
//
// Declares the moe dialect, its enums and its attributes.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOEDIALECT_H
#define MOE_DIALECT_MOE_IR_MOEDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "moe/Dialect/Moe/IR/MoeOpsDialect.h.inc"

#include "moe/Dialect/Moe/IR/MoeEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "moe/Dialect/Moe/IR/MoeAttrs.h.inc"

namespace mlir::moe {
/// Discardable attribute holding a layer op's kernel configuration: a
/// `#moe.gemm_config` on grouped_matmul, a dictionary of integers (e.g.
/// `{threads = 256 : i64}`) on the other ops (MoeConfig.h). Written by
/// moe-select-configs, read by the GPU lowering.
constexpr llvm::StringLiteral kConfigAttrName = "moe.config";
/// Discardable integer attribute of an `scf.for` of tile loads: the depth of
/// the ring `moe-pipeline-tile-loads` builds for it (written by the tiling
/// pass from the op's configuration).
constexpr llvm::StringLiteral kPipelineStagesAttr = "moe.pipeline_stages";
/// Discardable unit attribute of a `gpu.launch` whose configuration asks for
/// a producer warpgroup (`#moe.gemm_config<warp_specialize = true>`):
/// written by moe-tile-grouped-matmul, read and removed by
/// moe-warp-specialize.
constexpr llvm::StringLiteral kWarpSpecializeAttr = "moe.warp_specialize";

/// The tile IR's layout facts, shared by its verifiers, the passes that
/// write it and its lowering: a tile accumulator is held 64 rows per
/// warpgroup of 128 threads, and tile buffers are 1024-byte aligned (what
/// swizzled TMA destinations and wgmma operands need); buffers smaller than
/// that (ring words, claim slots) are 16-byte aligned, after the tiles.
constexpr int64_t kWarpgroupRows = 64;
constexpr int64_t kWarpgroupThreads = 128;
constexpr int64_t kTileBufferAlign = 1024;
constexpr int64_t kSmallBufferAlign = 16;
/// A staged epilogue (moe.tile_store staging): each warp's 16 rows of the
/// accumulator go through its own slice of 16 rows of 72 16-bit elements,
/// 64 output columns at a time (8 padding columns keep the fragment's
/// stores free of bank conflicts).
constexpr int64_t kStagingRows = 16;
constexpr int64_t kStagingColumns = 64;
constexpr int64_t kStagingRowElements = 72;
/// Dynamic shared memory an sm_90 block may opt in to (227 KiB), which the
/// tile buffers of a kernel must fit.
constexpr int64_t kMaxSharedMemoryBytes = 227 * 1024;
/// quant = fp8_block's block: 128 x 128 weight blocks, 128-column activation
/// groups; one K block is one 128-byte K row of fp8 tiles.
constexpr int64_t kFp8BlockSize = 128;
/// quant = w4a16's implicit zero point: a stored int4 q in [0, 15] encodes
/// (q - 8) * scale (GPTQ's symmetric form; docs/Semantics.md).
constexpr int32_t kInt4SymmetricZero = 8;

/// Register budgets of a warp-specialized kernel (64K registers per SM, one
/// block): the producer warpgroup only issues copies and drops to
/// kProducerRegisters a thread; the consumers, which hold the
/// accumulators, share the rest, at most kMaxConsumerRegisters each and a
/// multiple of 8 as setmaxnreg requires (232 for one or two consumer
/// warpgroups, 152 for three, 112 for four). Asking for more than the SM
/// has would make setmaxnreg wait forever.
constexpr int32_t kProducerRegisters = 40;
constexpr int32_t kMaxConsumerRegisters = 232;
constexpr int64_t kRegistersPerSM = 65536;
inline int32_t warpSpecializedConsumerRegisters(int64_t consumerThreads) {
  int64_t share = (kRegistersPerSM - kWarpgroupThreads * kProducerRegisters) /
                  consumerThreads;
  return static_cast<int32_t>(share / 8 * 8 < kMaxConsumerRegisters
                                  ? share / 8 * 8
                                  : kMaxConsumerRegisters);
}
} // namespace mlir::moe

#endif // MOE_DIALECT_MOE_IR_MOEDIALECT_H
