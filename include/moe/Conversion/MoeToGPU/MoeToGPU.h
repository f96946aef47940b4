//===- MoeToGPU.h - Lowering of moe ops to GPU kernels ----------*- C++ -*-===//

#ifndef MOE_CONVERSION_MOETOGPU_MOETOGPU_H
#define MOE_CONVERSION_MOETOGPU_MOETOGPU_H

namespace mlir {
class RewritePatternSet;

namespace moe {

/// Patterns rewriting each buffer-form moe op into `gpu.launch` regions.
void populateMoeToGPUPatterns(RewritePatternSet &patterns);

} // namespace moe
} // namespace mlir

#endif // MOE_CONVERSION_MOETOGPU_MOETOGPU_H
