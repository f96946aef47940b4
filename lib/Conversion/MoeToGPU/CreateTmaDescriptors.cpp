//===- CreateTmaDescriptors.cpp - Tile copies to TMA on mbarriers ---------===//
//
// moe-create-tma-descriptors: the tensor maps of the tile copies' sources are
// encoded on the host before each launch; in the kernel every ready ring
// becomes mbarriers, every batch of copies one expect_tx arrival plus one
// cp.async.bulk.tensor per copy (issued by thread 0), and every wait an
// mbarrier parity wait.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOECREATETMADESCRIPTORS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// TMA limits (CUDA driver API, cuTensorMapEncodeTiled).
constexpr int64_t kMaxTmaRank = 5;
constexpr int64_t kMaxBoxExtent = 256;
/// Spin budget of one mbarrier try_wait (the op loops until the phase
/// completes; this only bounds each hardware try).
constexpr int64_t kWaitTicks = 10000000;

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The address of `memref`'s element `index` (0-D offset in elements of
/// `elementBytes`) as a pointer in address space `space`.
Value pointerTo(OpBuilder &b, Location loc, Value memref, Value index,
                int64_t elementBytes, unsigned space) {
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  if (index) {
    Value bytes = arith::MulIOp::create(b, loc, index,
                                        indexConstant(b, loc, elementBytes));
    base = arith::AddIOp::create(b, loc, base, bytes);
  }
  Value i64 = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), base);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), space), i64);
}

Value mbarrierPointer(OpBuilder &b, Location loc, Value ring, Value slot) {
  return pointerTo(b, loc, ring, slot, /*elementBytes=*/8,
                   static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
}

nvgpu::TensorMapSwizzleKind swizzleKind(int64_t bytes) {
  switch (bytes) {
  case 32:
    return nvgpu::TensorMapSwizzleKind::SWIZZLE_32B;
  case 64:
    return nvgpu::TensorMapSwizzleKind::SWIZZLE_64B;
  case 128:
    return nvgpu::TensorMapSwizzleKind::SWIZZLE_128B;
  default:
    return nvgpu::TensorMapSwizzleKind::SWIZZLE_NONE;
  }
}

/// What TMA needs of a copy beyond the op's own rules.
LogicalResult checkTmaCopy(TileLoadAsyncOp load, gpu::LaunchOp launch) {
  Value source = load.getSource();
  if (launch.getBody().isAncestor(source.getParentRegion()))
    return load.emitOpError("source must be defined outside the kernel: its "
                            "tensor map is encoded on the host");
  MemRefType sourceType = load.getSource().getType();
  if (sourceType.getRank() > kMaxTmaRank)
    return load.emitOpError("TMA copies tensors of rank ")
           << kMaxTmaRank << " at most, got " << sourceType.getRank();
  auto [strides, offset] = sourceType.getStridesAndOffset();
  if (strides.back() != 1)
    return load.emitOpError(
        "source's innermost dimension must be contiguous (stride 1) for TMA");
  int64_t width = sourceType.getElementTypeBitWidth();
  if (width != 8 && width != 16 && width != 32 && width != 64)
    return load.emitOpError("TMA copies 1-, 2-, 4- or 8-byte elements, got ")
           << sourceType.getElementType();
  for (int64_t extent : load.getDest().getType().getShape())
    if (extent > kMaxBoxExtent)
      return load.emitOpError("TMA boxes span at most ")
             << kMaxBoxExtent << " elements a dimension, got " << extent;
  return success();
}

/// Lowers the tile ops of one kernel.
class LaunchLowering {
public:
  explicit LaunchLowering(gpu::LaunchOp launch) : launch(launch) {}

  LogicalResult run() {
    SmallVector<TileLoadAsyncOp> loads;
    SmallVector<TileWaitOp> waits;
    llvm::SetVector<Value> rings;
    launch.getBody().walk([&](Operation *op) {
      if (auto load = dyn_cast<TileLoadAsyncOp>(op)) {
        loads.push_back(load);
        rings.insert(load.getReady());
      } else if (auto wait = dyn_cast<TileWaitOp>(op)) {
        waits.push_back(wait);
        rings.insert(wait.getReady());
      }
    });
    for (TileLoadAsyncOp load : loads)
      if (failed(checkTmaCopy(load, launch)))
        return failure();
    for (Value ring : rings)
      if (failed(initializeRing(ring)))
        return failure();
    for (TileLoadAsyncOp load : loads)
      tensorMapFor(load);
    if (failed(lowerBatches(loads)))
      return failure();
    for (TileWaitOp wait : waits)
      lowerWait(wait);
    return success();
  }

private:
  gpu::LaunchOp launch;
  /// One map per (source, box type, swizzle).
  DenseMap<std::tuple<Value, Type, int64_t>, Value> tensorMaps;

  Value isLeader(OpBuilder &b, Location loc) {
    gpu::KernelDim3 tid = launch.getThreadIds();
    Value zero = indexConstant(b, loc, 0);
    Value leader;
    for (Value id : {tid.x, tid.y, tid.z}) {
      Value isZero =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, id, zero);
      leader = leader ? arith::AndIOp::create(b, loc, leader, isZero) : isZero;
    }
    return leader;
  }

  /// Thread 0 initializes every slot's mbarrier (one arrival: its own
  /// expect_tx) right after the ring is created; a block barrier publishes
  /// them.
  LogicalResult initializeRing(Value ring) {
    Operation *def = ring.getDefiningOp();
    if (!def || def->getBlock() != &launch.getBody().front())
      return emitError(ring.getLoc(),
                       "ready ring must be created at the top level of the "
                       "kernel, where it is initialized");
    OpBuilder b(def->getContext());
    b.setInsertionPointAfter(def);
    Location loc = ring.getLoc();
    int64_t slots = cast<MemRefType>(ring.getType()).getDimSize(0);
    auto ifOp = scf::IfOp::create(b, loc, TypeRange(), isLeader(b, loc),
                                  /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value one = arith::ConstantIntOp::create(b, loc, 1, 32);
      for (int64_t slot = 0; slot < slots; ++slot)
        NVVM::MBarrierInitOp::create(
            b, loc, mbarrierPointer(b, loc, ring, indexConstant(b, loc, slot)),
            one, Value());
    }
    gpu::BarrierOp::create(b, loc);
    return success();
  }

  /// The tensor map of `load`'s source and box, encoded before the launch,
  /// as the `!llvm.ptr` the TMA instructions take.
  Value tensorMapFor(TileLoadAsyncOp load) {
    MemRefType boxType = load.getDest().getType();
    auto key = std::make_tuple(load.getSource(), Type(boxType),
                               static_cast<int64_t>(load.getSwizzle()));
    Value &map = tensorMaps[key];
    if (map)
      return map;
    OpBuilder b(launch);
    Location loc = load.getLoc();
    auto sourceType = load.getSource().getType();
    Value unranked = memref::CastOp::create(
        b, loc,
        UnrankedMemRefType::get(sourceType.getElementType(),
                                sourceType.getMemorySpace()),
        load.getSource());
    SmallVector<Value> box;
    for (int64_t extent : boxType.getShape())
      box.push_back(indexConstant(b, loc, extent));
    auto mapType = nvgpu::TensorMapDescriptorType::get(
        b.getContext(), boxType, swizzleKind(load.getSwizzle()),
        nvgpu::TensorMapL2PromoKind::L2PROMO_256B,
        nvgpu::TensorMapOOBKind::OOB_ZERO,
        nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
    Value descriptor =
        nvgpu::TmaCreateDescriptorOp::create(b, loc, mapType, unranked, box);
    map = UnrealizedConversionCastOp::create(
              b, loc, LLVM::LLVMPointerType::get(b.getContext()), descriptor)
              .getResult(0);
    return map;
  }

  /// Whether `load` continues the batch ending in `last`: same block, same
  /// ring slot, and only side-effect-free ops (views, index math) between.
  static bool continuesBatch(TileLoadAsyncOp last, TileLoadAsyncOp load) {
    if (last->getBlock() != load->getBlock() ||
        last.getReady() != load.getReady() || last.getSlot() != load.getSlot())
      return false;
    for (Operation *op = last->getNextNode(); op && op != load;
         op = op->getNextNode())
      if (!isMemoryEffectFree(op))
        return false;
    return last->isBeforeInBlock(load);
  }

  /// Splits `loads` (in program order) into batches and lowers each.
  LogicalResult lowerBatches(ArrayRef<TileLoadAsyncOp> loads) {
    SmallVector<SmallVector<TileLoadAsyncOp>> batches;
    for (TileLoadAsyncOp load : loads) {
      if (!batches.empty() && continuesBatch(batches.back().back(), load))
        batches.back().push_back(load);
      else
        batches.push_back({load});
    }
    if (failed(checkOneBatchPerWait(batches)))
      return failure();
    for (ArrayRef<TileLoadAsyncOp> batch : batches)
      lowerBatch(batch);
    return success();
  }

  /// Two batches on one ring slot in a block need a wait on the slot between
  /// them: otherwise the slot's mbarrier would see two arrivals in one phase
  /// (a batch split by an op with side effects looks like that too).
  static LogicalResult
  checkOneBatchPerWait(ArrayRef<SmallVector<TileLoadAsyncOp>> batches) {
    DenseSet<Block *> blocks;
    for (ArrayRef<TileLoadAsyncOp> batch : batches)
      blocks.insert(batch.front()->getBlock());
    for (Block *block : blocks) {
      DenseSet<std::pair<Value, Value>> pending;
      for (Operation &op : *block) {
        if (auto wait = dyn_cast<TileWaitOp>(op)) {
          pending.erase({wait.getReady(), wait.getSlot()});
          continue;
        }
        auto load = dyn_cast<TileLoadAsyncOp>(op);
        if (!load)
          continue;
        auto isFirst = [&](ArrayRef<TileLoadAsyncOp> batch) {
          return batch.front() == load;
        };
        if (llvm::none_of(batches, isFirst))
          continue;
        if (!pending.insert({load.getReady(), load.getSlot()}).second)
          return load.emitOpError(
              "starts a second batch on a ring slot with no moe.tile_wait "
              "on it since the last one (the copies of one batch must not "
              "be split by ops with side effects)");
      }
    }
    return success();
  }

  /// Issues the batch where its last copy is (every operand is defined by
  /// then).
  void lowerBatch(ArrayRef<TileLoadAsyncOp> batch) {
    TileLoadAsyncOp first = batch.front();
    OpBuilder b(batch.back());
    Location loc = first.getLoc();
    int64_t bytes = 0;
    for (TileLoadAsyncOp load : batch)
      bytes += load.getBoxBytes();
    auto ifOp = scf::IfOp::create(b, loc, TypeRange(), isLeader(b, loc),
                                  /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value barrier = mbarrierPointer(b, loc, first.getReady(), first.getSlot());
    NVVM::MBarrierArriveExpectTxOp::create(
        b, loc, Type(), barrier,
        arith::ConstantIntOp::create(b, loc, bytes, 32),
        NVVM::MemScopeKind::CTA, false, Value());
    for (TileLoadAsyncOp load : batch) {
      Location loadLoc = load.getLoc();
      // The instruction takes a shared::cluster address; our own block's
      // shared::cta address converts to one.
      Value dest = LLVM::AddrSpaceCastOp::create(
          b, loadLoc,
          LLVM::LLVMPointerType::get(
              b.getContext(),
              static_cast<unsigned>(NVVM::NVVMMemorySpace::SharedCluster)),
          pointerTo(b, loadLoc, load.getDest(), Value(), 0,
                    static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared)));
      // Coordinates go innermost first, as signed 32-bit integers.
      SmallVector<Value> coordinates;
      for (Value index : llvm::reverse(load.getIndices()))
        coordinates.push_back(
            arith::IndexCastOp::create(b, loadLoc, b.getI32Type(), index));
      NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
          b, loadLoc, dest, tensorMapFor(load), coordinates, barrier,
          ValueRange(), Value(), Value(), NVVM::TMALoadMode::TILE, false,
          nullptr, Value());
    }
    for (TileLoadAsyncOp load : batch)
      load.erase();
  }

  void lowerWait(TileWaitOp wait) {
    OpBuilder b(wait);
    Location loc = wait.getLoc();
    Value parity =
        arith::IndexCastUIOp::create(b, loc, b.getI32Type(), wait.getParity());
    NVVM::MBarrierTryWaitParityOp::create(
        b, loc, mbarrierPointer(b, loc, wait.getReady(), wait.getSlot()),
        parity, arith::ConstantIntOp::create(b, loc, kWaitTicks, 32));
    wait.erase();
  }
};

struct MoeCreateTmaDescriptorsPass
    : mlir::moe::impl::MoeCreateTmaDescriptorsBase<
          MoeCreateTmaDescriptorsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchOp> launches;
    llvm::SmallPtrSet<Operation *, 8> withTileOps;
    WalkResult result = module.walk([&](Operation *op) {
      if (!isa<TileLoadAsyncOp, TileWaitOp>(op))
        return WalkResult::advance();
      auto launch = op->getParentOfType<gpu::LaunchOp>();
      if (!launch) {
        op->emitOpError("must be inside a gpu.launch (run "
                        "moe-create-tma-descriptors before "
                        "gpu-kernel-outlining)");
        return WalkResult::interrupt();
      }
      if (withTileOps.insert(launch).second)
        launches.push_back(launch);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (gpu::LaunchOp launch : launches)
      if (failed(LaunchLowering(launch).run()))
        return signalPassFailure();
  }
};

} // namespace
