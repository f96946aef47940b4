//===- Patterns.h - Kernel patterns of each moe op family -------*- C++ -*-===//
//
// One populate function per op family, each defined in its own file.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETOGPU_PATTERNS_H
#define MOE_LIB_CONVERSION_MOETOGPU_PATTERNS_H

namespace mlir {
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
/// grouped_matmul and mot_linear.
void populateGemmKernelPatterns(RewritePatternSet &patterns);
} // namespace moe
} // namespace mlir

#endif // MOE_LIB_CONVERSION_MOETOGPU_PATTERNS_H
