//===- Passes.h - Transformations of the moe dialect ------------*- C++ -*-===//

#ifndef MOE_DIALECT_MOE_TRANSFORMS_PASSES_H
#define MOE_DIALECT_MOE_TRANSFORMS_PASSES_H

#include "moe/Dialect/Moe/IR/MoeDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace moe {
class FusedMoeOp;

#define GEN_PASS_DECL
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"

/// Adds the pattern that expands moe.fused_moe into gate, permute, two
/// grouped_matmul ops and combine, for reuse in another compiler's pipeline.
/// With `gatherTokenRows`, permute_indices replaces permute and the first
/// GEMM reads token rows from x by index (the pass option of that name).
void populateDecomposeFusedMoePatterns(RewritePatternSet &patterns,
                                       bool gatherTokenRows = false);

#define GEN_PASS_REGISTRATION
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"

} // namespace moe
} // namespace mlir

#endif // MOE_DIALECT_MOE_TRANSFORMS_PASSES_H
