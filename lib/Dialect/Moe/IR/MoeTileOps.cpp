//===- MoeTileOps.cpp - Verifiers of the device-side tile ops -------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;
using namespace mlir::moe;

/// The NVPTX shared-memory address space, as integer memory spaces (e.g.
/// nvgpu's) spell workgroup memory.
constexpr int64_t kNvptxSharedSpace = 3;

/// Whether `type` lives in GPU workgroup (shared) memory.
static bool isWorkgroupMemory(MemRefType type) {
  Attribute space = type.getMemorySpace();
  if (auto gpuSpace = dyn_cast_or_null<gpu::AddressSpaceAttr>(space))
    return gpuSpace.getValue() == gpu::AddressSpace::Workgroup;
  if (auto number = dyn_cast_or_null<IntegerAttr>(space))
    return number.getInt() == kNvptxSharedSpace;
  return false;
}

static LogicalResult verifyRing(Operation *op, MemRefType ring) {
  if (!isWorkgroupMemory(ring))
    return op->emitOpError("ready ring must be in workgroup memory, got ")
           << ring;
  if (!ring.hasStaticShape() || ring.getDimSize(0) < 1)
    return op->emitOpError("ready ring must have a static, non-zero number "
                           "of slots, got ")
           << ring;
  if (!ring.getLayout().isIdentity())
    return op->emitOpError("ready ring must have the identity layout");
  return success();
}

int64_t TileLoadAsyncOp::getBoxBytes() {
  MemRefType dest = getDest().getType();
  return dest.getNumElements() * dest.getElementTypeBitWidth() / 8;
}

LogicalResult TileLoadAsyncOp::verify() {
  MemRefType source = getSource().getType();
  MemRefType dest = getDest().getType();
  if (source.getElementType() != dest.getElementType())
    return emitOpError("source element type ")
           << source.getElementType() << " differs from dest element type "
           << dest.getElementType();
  if (!source.getElementType().isIntOrFloat() ||
      source.getElementTypeBitWidth() % 8 != 0)
    return emitOpError("element type must be a whole number of bytes, got ")
           << source.getElementType();
  if (source.getRank() < 1 || dest.getRank() != source.getRank())
    return emitOpError("dest rank (")
           << dest.getRank() << ") must equal source rank (" << source.getRank()
           << ") and be at least 1";
  if (static_cast<int64_t>(getIndices().size()) != source.getRank())
    return emitOpError("expected ")
           << source.getRank() << " indices (the source rank), got "
           << getIndices().size();
  if (!isWorkgroupMemory(dest))
    return emitOpError("dest must be in workgroup memory, got ") << dest;
  if (!dest.getLayout().isIdentity())
    return emitOpError("dest must have the identity layout");
  if (isWorkgroupMemory(source))
    return emitOpError("source must be a global buffer, got ") << source;
  for (int64_t extent : dest.getShape())
    if (extent < 1)
      return emitOpError("dest dimensions must be non-zero");

  int64_t rowBytes = dest.getShape().back() * dest.getElementTypeBitWidth() / 8;
  if (rowBytes % 16 != 0)
    return emitOpError("dest's innermost dimension spans ")
           << rowBytes << " bytes, not a multiple of 16";
  int64_t swizzle = getSwizzle();
  if (swizzle != 0 && swizzle != 32 && swizzle != 64 && swizzle != 128)
    return emitOpError("swizzle must be 0, 32, 64 or 128 bytes, got ")
           << swizzle;
  if (swizzle != 0 && rowBytes > swizzle)
    return emitOpError("dest's innermost dimension spans ")
           << rowBytes << " bytes, more than the " << swizzle
           << "-byte swizzle";
  if (getRowIndex() && source.getRank() != 2)
    return emitOpError("gathered copies take rows of a rank-2 source, got "
                       "rank ")
           << source.getRank();
  if (getRowIndex() && getIndexDivisor() < 1)
    return emitOpError("index_divisor must be positive, got ")
           << getIndexDivisor();
  if (!getRowIndex() && getIndexDivisor() != 1)
    return emitOpError("index_divisor needs gather(row_index)");
  return verifyRing(*this, getReady().getType());
}

LogicalResult TileWaitOp::verify() {
  return verifyRing(*this, getReady().getType());
}
