//===- MoeTileOps.cpp - Verifiers and helpers of the device-side tile ops -===//

#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

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

/// Whether `type` is row-major and contiguous (any offset): what the copies
/// write and the MMA reads.
static bool isContiguousRowMajor(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  int64_t expected = 1;
  for (int64_t dim = type.getRank() - 1; dim >= 0; --dim) {
    if (type.getDimSize(dim) != 1 && strides[dim] != expected)
      return false;
    expected *= type.getDimSize(dim);
  }
  return true;
}

/// The rules shared by the synchronous and the asynchronous tile copy.
static LogicalResult verifyTileCopy(Operation *op, MemRefType source,
                                    MemRefType dest, size_t numIndices,
                                    int64_t swizzle, bool gathered,
                                    int64_t indexDivisor) {
  if (source.getElementType() != dest.getElementType())
    return op->emitOpError("source element type ")
           << source.getElementType() << " differs from dest element type "
           << dest.getElementType();
  if (!source.getElementType().isIntOrFloat() ||
      source.getElementTypeBitWidth() % 8 != 0)
    return op->emitOpError("element type must be a whole number of bytes, got ")
           << source.getElementType();
  if (source.getRank() < 1 || dest.getRank() < 1 ||
      dest.getRank() > source.getRank())
    return op->emitOpError("dest rank (")
           << dest.getRank() << ") must be at least 1 and at most the source "
           << "rank (" << source.getRank() << ")";
  if (static_cast<int64_t>(numIndices) != source.getRank())
    return op->emitOpError("expected ")
           << source.getRank() << " indices (the source rank), got "
           << numIndices;
  if (!isWorkgroupMemory(dest))
    return op->emitOpError("dest must be in workgroup memory, got ") << dest;
  if (!isContiguousRowMajor(dest))
    return op->emitOpError("dest must be row-major and contiguous, got ")
           << dest;
  if (isWorkgroupMemory(source))
    return op->emitOpError("source must be a global buffer, got ") << source;
  for (int64_t extent : dest.getShape())
    if (extent < 1)
      return op->emitOpError("dest dimensions must be non-zero");

  int64_t rowBytes = dest.getShape().back() * dest.getElementTypeBitWidth() / 8;
  if (rowBytes % 16 != 0)
    return op->emitOpError("dest's innermost dimension spans ")
           << rowBytes << " bytes, not a multiple of 16";
  if (swizzle != 0 && swizzle != 32 && swizzle != 64 && swizzle != 128)
    return op->emitOpError("swizzle must be 0, 32, 64 or 128 bytes, got ")
           << swizzle;
  if (swizzle != 0 && rowBytes > swizzle)
    return op->emitOpError("dest's innermost dimension spans ")
           << rowBytes << " bytes, more than the " << swizzle
           << "-byte swizzle";
  if (gathered && (source.getRank() != 2 || dest.getRank() != 2))
    return op->emitOpError("gathered copies take rows of a rank-2 source into "
                           "a rank-2 dest, got source rank ")
           << source.getRank() << " and dest rank " << dest.getRank();
  if (gathered && indexDivisor < 1)
    return op->emitOpError("index_divisor must be positive, got ")
           << indexDivisor;
  if (!gathered && indexDivisor != 1)
    return op->emitOpError("index_divisor needs gather(row_index)");
  return success();
}

/// A box shared by `multicast` blocks: whole outer rows for each block,
/// each share starting on a swizzle pattern boundary (8 rows of `swizzle`
/// bytes), and no gathered rows (TMA multicast copies boxes).
static LogicalResult verifyMulticast(Operation *op, MemRefType dest,
                                     int64_t swizzle, bool gathered,
                                     int64_t multicast) {
  if (multicast == 1)
    return success();
  if (multicast < 1 || multicast > 16)
    return op->emitOpError("multicast must be in [1, 16] (blocks of a "
                           "cluster), got ")
           << multicast;
  if (gathered)
    return op->emitOpError("a gathered copy cannot be multicast");
  int64_t rows = dest.getDimSize(0);
  if (rows % multicast != 0)
    return op->emitOpError("box's outer extent ")
           << rows << " does not split into multicast = " << multicast
           << " equal shares";
  int64_t shareBytes =
      dest.getNumElements() / multicast * dest.getElementTypeBitWidth() / 8;
  if (swizzle != 0 && shareBytes % (8 * swizzle) != 0)
    return op->emitOpError("each multicast share (")
           << shareBytes << " bytes) must span whole " << 8 * swizzle
           << "-byte swizzle patterns";
  return success();
}

LogicalResult TileLoadAsyncOp::verify() {
  if (failed(verifyTileCopy(*this, getSource().getType(), getDest().getType(),
                            getIndices().size(), getSwizzle(), isGathered(),
                            getIndexDivisor())) ||
      failed(verifyMulticast(*this, getDest().getType(), getSwizzle(),
                             isGathered(), getMulticast())))
    return failure();
  if (getThreads() > 1024 || getThreads() % 32 != 0)
    return emitOpError("threads must be 0 (every thread of the block) or a "
                       "multiple of 32 up to 1024 (whole warps), got ")
           << getThreads();
  return verifyRing(*this, getReady().getType());
}

LogicalResult TileLoadOp::verify() {
  if (failed(verifyTileCopy(*this, getSource().getType(), getDest().getType(),
                            getIndices().size(), getSwizzle(), isGathered(),
                            getIndexDivisor())))
    return failure();
  return verifyMulticast(*this, getDest().getType(), getSwizzle(), isGathered(),
                         getMulticast());
}

LogicalResult TileWaitOp::verify() {
  return verifyRing(*this, getReady().getType());
}

LogicalResult TileReleaseOp::verify() {
  if (getArrivals() < 32 || getArrivals() > 1024 || getArrivals() % 32 != 0)
    return emitOpError("arrivals must be a multiple of 32 in [32, 1024] "
                       "(the threads of whole warps), got ")
           << getArrivals();
  if (getCluster() < 1 || getCluster() > 16 ||
      getArrivals() % (32 * getCluster()) != 0)
    return emitOpError("cluster must be in [1, 16] with arrivals a multiple "
                       "of 32 * cluster (whole warps of every block), got "
                       "cluster = ")
           << getCluster() << ", arrivals = " << getArrivals();
  return verifyRing(*this, getRing().getType());
}

LogicalResult TileSignalOp::verify() {
  return verifyRing(*this, getRing().getType());
}

/// A claim slot: one i32 word of workgroup memory.
static LogicalResult verifyClaimSlot(Operation *op, MemRefType slot) {
  if (!isWorkgroupMemory(slot) || !slot.hasStaticShape() ||
      slot.getDimSize(0) != 1 || !slot.getLayout().isIdentity())
    return op->emitOpError("slot must be one i32 word of workgroup memory "
                           "(memref<1xi32, workgroup>), got ")
           << slot;
  return success();
}

Value TileClaimOp::createAtomicClaim(OpBuilder &builder) {
  Location loc = getLoc();
  Value one = arith::ConstantIntOp::create(builder, loc, 1, 32);
  Value old =
      memref::AtomicRMWOp::create(builder, loc, arith::AtomicRMWKind::addi, one,
                                  getCounter(), ValueRange{getWord()});
  Value offset = arith::IndexCastOp::create(builder, loc, builder.getI32Type(),
                                            getOffset());
  return arith::AddIOp::create(builder, loc, old, offset);
}

/// Clusters of 1 to 16 blocks (16: the largest non-portable size).
static LogicalResult verifyClusterBlocks(Operation *op, int64_t cluster) {
  if (cluster < 1 || cluster > 16)
    return op->emitOpError("cluster must be in [1, 16], got ") << cluster;
  return success();
}

LogicalResult TileClaimOp::verify() {
  if (isWorkgroupMemory(getCounter().getType()))
    return emitOpError("counter must be in global memory (shared by the "
                       "blocks of the grid), got ")
           << getCounter().getType();
  if (failed(verifyClusterBlocks(*this, getCluster())))
    return failure();
  return verifyClaimSlot(*this, getSlot().getType());
}

LogicalResult TileClaimedOp::verify() {
  if (failed(verifyClusterBlocks(*this, getCluster())))
    return failure();
  return verifyClaimSlot(*this, getSlot().getType());
}

LogicalResult TilePublishOp::verify() {
  MemRefType words = getWords().getType();
  if (!isWorkgroupMemory(words) || !words.hasStaticShape() ||
      !words.getLayout().isIdentity())
    return emitOpError("words must be a static i32 buffer of workgroup "
                       "memory, got ")
           << words;
  return verifyRing(*this, getRing().getType());
}

int64_t TileAllocOp::getBytes() {
  MemRefType type = getBuffer().getType();
  return type.getNumElements() * type.getElementTypeBitWidth() / 8;
}

LogicalResult TileAllocOp::verify() {
  MemRefType type = getBuffer().getType();
  if (!isWorkgroupMemory(type))
    return emitOpError("buffer must be in workgroup memory, got ") << type;
  if (!type.getLayout().isIdentity())
    return emitOpError("buffer must have the identity layout, got ") << type;
  if (!type.getElementType().isIntOrFloat() ||
      type.getElementTypeBitWidth() % 8 != 0)
    return emitOpError("element type must be a whole number of bytes, got ")
           << type.getElementType();
  if (type.getNumElements() == 0)
    return emitOpError("buffer must not be empty");
  if (!(*this)->getParentOfType<gpu::LaunchOp>())
    return emitOpError("must be inside a gpu.launch");
  return success();
}

/// wgmma's limits: M in 64-row warpgroup slabs, N a multiple of 8 up to 256,
/// 16-bit floats or fp8 (e4m3 / e5m2, mixed allowed) whose K row spans the
/// swizzle (K-major operands).
LogicalResult TileMmaOp::verify() {
  MemRefType lhs = getLhs().getType(), rhs = getRhs().getType();
  VectorType acc = getAcc().getType();
  for (MemRefType operand : {lhs, rhs}) {
    if (!isWorkgroupMemory(operand))
      return emitOpError("operands must be in workgroup memory, got ")
             << operand;
    if (operand.getRank() != 2 || !isContiguousRowMajor(operand))
      return emitOpError("operands must be row-major, contiguous rank-2 "
                         "tiles, got ")
             << operand;
  }
  Type element = lhs.getElementType();
  auto isFp8 = [](Type type) {
    return isa<Float8E4M3FNType, Float8E5M2Type>(type);
  };
  bool sixteenBit =
      element == rhs.getElementType() && (element.isBF16() || element.isF16());
  if (!sixteenBit && !(isFp8(element) && isFp8(rhs.getElementType())))
    return emitOpError("operands must both be bf16, both f16, or both fp8 "
                       "(f8E4M3FN / f8E5M2), got ")
           << lhs.getElementType() << " and " << rhs.getElementType();
  int64_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  int64_t m = lhs.getDimSize(0), n = rhs.getDimSize(0), k = lhs.getDimSize(1);
  if (rhs.getDimSize(1) != k)
    return emitOpError("K differs: lhs has ")
           << k << " columns, rhs " << rhs.getDimSize(1);
  int64_t swizzle = getSwizzle();
  if (swizzle != 32 && swizzle != 64 && swizzle != 128)
    return emitOpError("swizzle must be 32, 64 or 128 bytes, got ") << swizzle;
  if (k * elementBytes != swizzle)
    return emitOpError("a K row must span the ")
           << swizzle << "-byte swizzle (" << swizzle / elementBytes
           << " elements), got K = " << k;
  if (m % kWarpgroupRows != 0)
    return emitOpError("M must be a multiple of 64 (one warpgroup per 64 "
                       "rows), got ")
           << m;
  if (n % 8 != 0 || n < 8 || n > 256)
    return emitOpError("N must be a multiple of 8 in [8, 256], got ") << n;
  if (acc.getDimSize(0) != m || acc.getDimSize(1) != n)
    return emitOpError("accumulator must be ")
           << m << "x" << n << ", got " << acc;
  if (getPending() > 2)
    return emitOpError("pending must be 0, 1 or 2, got ") << getPending();
  return success();
}

LogicalResult TileMmaWaitOp::verify() {
  if (getPending() > 2)
    return emitOpError("pending must be 0, 1 or 2, got ") << getPending();
  return success();
}

/// An accumulator tile of whole warpgroups (64 rows each) and whole 8-column
/// groups of the wgmma D fragment.
static LogicalResult verifyAccumulatorTile(Operation *op, VectorType acc) {
  if (acc.getDimSize(0) % kWarpgroupRows != 0)
    return op->emitOpError("accumulator rows must be a multiple of 64 (one "
                           "warpgroup per 64 rows), got ")
           << acc;
  if (acc.getDimSize(1) % 8 != 0)
    return op->emitOpError("accumulator columns must be a multiple of 8, got ")
           << acc;
  return success();
}

LogicalResult TileScaleAccumulateOp::verify() {
  VectorType acc = getAcc().getType();
  if (failed(verifyAccumulatorTile(*this, acc)))
    return failure();
  if (getUpRow() && acc.getDimSize(1) % 16 != 0)
    return emitOpError("up_row needs an even number of 8-column groups (gate "
                       "and up halves), got ")
           << acc;
  if (getWRowStride() != 1 && getWRowStride() != 2)
    return emitOpError("w_row_stride must be 1, or 2 for interleaved gate "
                       "and up rows, got ")
           << getWRowStride();
  return success();
}

LogicalResult TileStoreOp::verify() {
  VectorType acc = getAcc().getType();
  if (failed(verifyAccumulatorTile(*this, acc)))
    return failure();
  if (isGated() && acc.getDimSize(1) % 16 != 0)
    return emitOpError("a gated epilogue needs an even number of 8-column "
                       "groups (gate and up halves), got ")
           << acc;
  if (failed(verifyActivationParams(
          *this, stringifyEpilogue(getEpilogue()), isGated(),
          getEpilogue() == Epilogue::swigluoai_and_mul, getGateUpLayout(),
          getClampLimit(), getSwigluAlpha())))
    return failure();
  if (static_cast<bool>(getAScale()) != static_cast<bool>(getWScale()))
    return emitOpError("dequant needs both a_scale and w_scale");
  if ((getBias() || getWScale()) != static_cast<bool>(getExpert()))
    return emitOpError("expert is given exactly with a bias or dequant");
  if (getAScale()) {
    // Per channel: a_scale [R, 1] and w_scale [E, N]; per tensor: [1], [E].
    auto aType = getAScale().getType(), wType = getWScale().getType();
    if (aType.getRank() != wType.getRank())
      return emitOpError("dequant's a_scale and w_scale are both per channel "
                         "(ranks 2 and 2) or both per tensor (1 and 1), got ")
             << aType << " and " << wType;
    int64_t last = aType.getDimSize(aType.getRank() - 1);
    if (!ShapedType::isDynamic(last) && last != 1)
      return emitOpError("dequant's a_scale has one scale a row (per "
                         "channel) or one in all (per tensor), got ")
             << aType;
  }
  if (static_cast<bool>(getRowIndex()) != static_cast<bool>(getARows()))
    return emitOpError("gather(row_index) needs a_rows");
  if (getRowIndex() && getIndexDivisor() < 1)
    return emitOpError("index_divisor must be positive, got ")
           << getIndexDivisor();
  if (!getRowIndex() && getIndexDivisor() != 1)
    return emitOpError("index_divisor needs gather(row_index)");
  if (Value staging = getStaging()) {
    auto type = cast<MemRefType>(staging.getType());
    Type element = getDest().getType().getElementType();
    if (element.getIntOrFloatBitWidth() != 16)
      return emitOpError("staging needs a 16-bit dest (bf16 or f16), got ")
             << getDest().getType();
    SmallVector<int64_t> shape = {acc.getDimSize(0) / kStagingRows,
                                  kStagingRows, kStagingRowElements};
    if (!isWorkgroupMemory(type) || type.getShape() != ArrayRef(shape) ||
        type.getElementType() != element)
      return emitOpError("staging must be a ")
             << MemRefType::get(shape, element)
             << " in workgroup memory (a 16 x 72 slice for each of the "
             << shape[0] << " warps of the tile, of dest's element type), got "
             << type;
  }
  return success();
}
