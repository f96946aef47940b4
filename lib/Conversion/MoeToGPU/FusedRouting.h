//===- FusedRouting.h - Pieces of the fused routing kernel ------*- C++ -*-===//
//
// The gate kernel (RoutingKernels.cpp) and the counting sort of align,
// permute and permute_indices (PermuteKernels.cpp) as pieces that the fused
// routing kernel (FusedRoutingKernels.cpp) runs one after the other in one
// launch, each built by the same code as its own kernel, and as those
// kernels themselves for the launches it falls back to.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETOGPU_FUSEDROUTING_H
#define MOE_LIB_CONVERSION_MOETOGPU_FUSEDROUTING_H

#include "KernelBuilder.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include <functional>
#include <optional>

namespace mlir::moe {

/// A buffer-form moe.gate (within checkRoutingKernelLimits).
struct FusableGate {
  /// The gate kernel's own block size.
  int64_t threads = 0;
  /// Its workgroup buffers, and their bytes.
  SmallVector<Type> workgroupTypes;
  int64_t workgroupBytes = 0;
  /// T (the rows it routes), clamped to the outputs; host code.
  std::function<Value(KernelBuilder &)> computeRows;
  /// The gate kernel's body in a launch of blocks of at least a warp: block
  /// b < `rows` routes row b, with the launch's workgroup buffers from
  /// `firstBuffer` (workgroupTypes).
  std::function<void(KernelBuilder &, const LaunchIds &, Value rows,
                     unsigned firstBuffer)>
      buildRow;
  /// The gate kernel's own launch, at the builder's position.
  std::function<void(KernelBuilder &)> buildSeparate;
};

FusableGate getFusableGate(GateOp op);

/// The counting sort of a buffer-form align, permute or permute_indices.
struct FusableSort {
  /// The [T, k] i32 ids it sorts.
  Value ids;
  /// Slots one block of the requested size sorts in one pass of its owner
  /// warps (256 per owner warp): above this, the separate kernels use the
  /// multi-block sort.
  int64_t maxSlots = 0;
  /// Its workgroup buffers in one block (the warp totals, then the table).
  SmallVector<Type> workgroupTypes;
  /// Host code before any launch (permute: its slot -> row temporary).
  std::function<void(OpBuilder &)> prepare;
  /// The whole sort in the current block (every thread of the block, of the
  /// requested size), reading ids from global memory, in the launch's
  /// workgroup `buffers` (of workgroupTypes; taken at the top of the launch
  /// body: inside an scf.if being built the launch is not found).
  std::function<void(KernelBuilder &, const LaunchIds &, ValueRange buffers)>
      buildInBlock;
  /// The sort's own kernels (and temporaries) at the builder's position, as
  /// the op's pattern emits them; with `enabled` (i1), run only where it
  /// holds.
  std::function<void(OpBuilder &, Value enabled)> buildSeparate;
  /// What follows the sort (permute: the row scatter kernel).
  std::function<void(OpBuilder &)> buildAfter;
};

/// The sort of `op` run by blocks of `threads` threads that use
/// `reservedWords` 32-bit words of static workgroup memory besides it; none
/// when `op` is not one of the three ops in buffer form or its table would
/// not fit in workgroup memory.
std::optional<FusableSort> getFusableSort(Operation *op, int64_t threads,
                                          int64_t reservedWords);

} // namespace mlir::moe

#endif // MOE_LIB_CONVERSION_MOETOGPU_FUSEDROUTING_H
