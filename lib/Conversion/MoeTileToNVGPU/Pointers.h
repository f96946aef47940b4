//===- Pointers.h - Element addresses of memrefs as LLVM pointers -*- C++
//-*-===//
//
// The tile lowerings hand NVVM ops (cp.async, mbarriers, prefetch) raw
// pointers into memrefs that are not lowered to LLVM yet.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETILETONVGPU_POINTERS_H
#define MOE_LIB_CONVERSION_MOETILETONVGPU_POINTERS_H

#include "mlir/IR/Builders.h"

namespace mlir::moe {

/// The address of `memref`'s element `index` (1-D offset in elements of
/// `elementBytes`, after the memref's own offset; none: the first) as a
/// pointer in address space `space`.
Value pointerTo(OpBuilder &b, Location loc, Value memref, Value index,
                int64_t elementBytes, unsigned space);

} // namespace mlir::moe

#endif // MOE_LIB_CONVERSION_MOETILETONVGPU_POINTERS_H
