//===- Patterns.h - Kernel patterns of each moe op family -------*- C++ -*-===//
//
// One populate function per op family, each defined in its own file.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETOGPU_PATTERNS_H
#define MOE_LIB_CONVERSION_MOETOGPU_PATTERNS_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class Operation;
class RewritePatternSet;

namespace moe {
/// silu_and_mul.
void populateElementwiseKernelPatterns(RewritePatternSet &patterns);
/// rms_norm (single and per-type weights, fused residual).
void populateNormKernelPatterns(RewritePatternSet &patterns);
/// gate (router).
void populateRoutingKernelPatterns(RewritePatternSet &patterns);
/// align, permute and combine.
void populatePermuteKernelPatterns(RewritePatternSet &patterns);
/// gate followed by align, permute or permute_indices of its ids: one
/// routing launch for up to one block's sort and at most `maxSlots` slots
/// (T * ids columns; FusedRoutingKernels.cpp). Applied before the patterns
/// above, which lower the ops it leaves.
void populateFusedRoutingKernelPatterns(RewritePatternSet &patterns,
                                        int64_t maxSlots);
/// grouped_matmul and mot_linear.
void populateGemmKernelPatterns(RewritePatternSet &patterns);
/// quantize (fp8 e4m3 activations, per token group or static).
void populateQuantizeKernelPatterns(RewritePatternSet &patterns);

/// Size limits of the kernels, checked by convert-moe-to-gpu on every op
/// before any is rewritten: each emits an error at the op naming the limit
/// it exceeds and fails. Ops of other families succeed.
/// gate: a static E, E + num_shared_experts in i32, the row in workgroup
/// memory.
LogicalResult checkRoutingKernelLimits(Operation *op);
/// align and permute: num_experts the sort handles; combine: k.
LogicalResult checkPermuteKernelLimits(Operation *op);
} // namespace moe
} // namespace mlir

#endif // MOE_LIB_CONVERSION_MOETOGPU_PATTERNS_H
