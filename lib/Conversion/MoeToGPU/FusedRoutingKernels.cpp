//===- FusedRoutingKernels.cpp - gate + sort in one launch ----------------===//
//
// A buffer-form moe.gate whose ids buffer is sorted next by align, permute or
// permute_indices (nothing that writes memory in between) becomes one
// launch instead of the gate kernel plus the sort's kernel(s), when the
// sort's slots T * ids columns fit one block's pass (FusableSort::maxSlots)
// and the pass's fuse-routing-max-slots (checked on the host, at compile
// time when the shapes are static):
//
//   grid = max(T, 1) blocks of max(the gate's block size, 512) threads;
//   1. block b < T routes row b: the gate kernel's body (the same builder:
//      same exactExp, same ordered sums, same tie-breaking), writing the
//      row's weights and ids to global memory;
//   2. with more than one block, every thread fences (membar.gl), and after
//      a block barrier thread 0 takes a ticket from a counter (a 4-byte
//      temporary the host zeroes with gpu.memset before the launch); the
//      block that takes the last ticket is the only one past this point;
//   3. that block fences again and runs the sort's single-block kernel body
//      (the same builder), reading the ids (and weights) from global memory.
//
// Every block's gate writes precede the last ticket (fence, then the atomic)
// and the sort's reads follow it (atomic, then fence): the threadfence
// reduction pattern. The sort's output does not depend on which block runs
// it, nor on the block size (a stable counting sort), and the gate's does
// not either (docs/Semantics.md), so the results equal those of the separate
// kernels bit for bit. Larger T keeps the separate kernels (the gate's
// launch, then the sort's single- or multi-block kernels); permute's row
// scatter follows either.
//
//===----------------------------------------------------------------------===//

#include "FusedRouting.h"
#include "KernelBuilder.h"
#include "Patterns.h"
#include "VectorAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Smallest block of the fused kernel: 16 warps, so that one block's pass
/// of the sort takes 16 * 256 = 4096 slots (T <= 512 at k = 8, 455 at
/// k + S = 9, 256 at k = 16).
constexpr int64_t kMinFusedThreads = 512;
/// Static workgroup memory the gate's gpu.all_reduce buffers may take
/// (RoutingKernels.cpp leaves 1 KiB for them).
constexpr int64_t kAllReduceWords = 256;

/// The moe.gate right before `consumer` in its block that writes `ids`,
/// with nothing between them that may write memory; null otherwise.
GateOp findProducingGate(Operation *consumer, Value ids) {
  for (Operation *prev = consumer->getPrevNode(); prev;
       prev = prev->getPrevNode()) {
    if (auto gate = dyn_cast<GateOp>(prev))
      return gate.hasPureBufferSemantics() && gate.getIdsInit() == ids
                 ? gate
                 : GateOp();
    auto effects = dyn_cast<MemoryEffectOpInterface>(prev);
    bool onlyAllocates =
        effects && effects.onlyHasEffect<MemoryEffects::Allocate>();
    if (!isMemoryEffectFree(prev) && !onlyAllocates)
      return GateOp();
  }
  return GateOp();
}

/// Size `dim` of `memref`, a constant when static.
Value staticOrDim(KernelBuilder &kb, Value memref, int64_t dim) {
  int64_t size = cast<MemRefType>(memref.getType()).getDimSize(dim);
  return ShapedType::isDynamic(size) ? kb.dim(memref, dim) : kb.index(size);
}

void memoryBarrier(KernelBuilder &k) {
  NVVM::MembarOp::create(k.b(), k.getLoc(), NVVM::MemScopeKind::GPU);
}

/// Everything the fused launch needs.
struct FusedRouting {
  FusableGate gate;
  FusableSort sort;
  int64_t threads;
  Value rows;       ///< T routed by the gate
  Value grid;       ///< max(rows, 1)
  Value counter;    ///< [1] (or [0]) i32 ticket counter; null when T <= 1
  Value manyBlocks; ///< i1: rows > 1 (host)

  /// Workgroup buffers: the sort's, the last-block flag, the gate's.
  SmallVector<Type> workgroupTypes(MLIRContext *context) const {
    SmallVector<Type> types = sort.workgroupTypes;
    types.push_back(
        getWorkgroupBufferType(context, 1, IntegerType::get(context, 32)));
    types.append(gate.workgroupTypes.begin(), gate.workgroupTypes.end());
    return types;
  }
  unsigned flagBuffer() const { return sort.workgroupTypes.size(); }
  unsigned firstGateBuffer() const { return flagBuffer() + 1; }

  /// The fused launch (and the counter's reset) at the builder's position.
  void build(OpBuilder &builder, Location loc) const {
    KernelBuilder kb(builder, loc);
    if (counter)
      kb.ifThen(manyBlocks, [&](KernelBuilder &k) {
        gpu::MemsetOp::create(k.b(), loc, /*asyncToken=*/Type(),
                              /*asyncDependencies=*/ValueRange(), counter,
                              k.i32(0));
      });
    kb.launch(
        grid, threads,
        [&](KernelBuilder &k, const LaunchIds &ids) { buildBody(k, ids); },
        workgroupTypes(builder.getContext()));
  }

  void buildBody(KernelBuilder &k, const LaunchIds &ids) const {
    SmallVector<Value> sortBuffers;
    for (unsigned i = 0; i < flagBuffer(); ++i)
      sortBuffers.push_back(getWorkgroupBuffer(k.b(), i));
    gate.buildRow(k, ids, rows, firstGateBuffer());
    Value isLast = arith::ConstantIntOp::create(k.b(), k.getLoc(),
                                                /*value=*/1, /*width=*/1);
    if (counter) {
      Value flag = getWorkgroupBuffer(k.b(), flagBuffer());
      Value many = cmpI(k, arith::CmpIPredicate::ugt, ids.gridSize, k.index(1));
      isLast = ifThenElseValues(
          k, many,
          [&](KernelBuilder &k) -> SmallVector<Value> {
            // Release: this block's gate writes, then its ticket.
            memoryBarrier(k);
            gpu::BarrierOp::create(k.b(), k.getLoc());
            Value first =
                cmpI(k, arith::CmpIPredicate::eq, ids.threadId, k.index(0));
            k.ifThen(first, [&](KernelBuilder &k) {
              Value ticket = memref::AtomicRMWOp::create(
                  k.b(), k.getLoc(), arith::AtomicRMWKind::addi, k.i32(1),
                  counter, ValueRange{k.index(0)});
              Value lastTicket = toI32(k, sub(k, ids.gridSize, k.index(1)));
              Value last =
                  cmpI(k, arith::CmpIPredicate::eq, ticket, lastTicket);
              Value value = select(k, last, k.i32(1), k.i32(0));
              memref::StoreOp::create(k.b(), k.getLoc(), value, flag,
                                      ValueRange{k.index(0)});
            });
            gpu::BarrierOp::create(k.b(), k.getLoc());
            Value value = memref::LoadOp::create(k.b(), k.getLoc(), flag,
                                                 ValueRange{k.index(0)});
            return {cmpI(k, arith::CmpIPredicate::ne, value, k.i32(0))};
          },
          ValueRange{isLast})[0];
    }
    // Uniform per block: only the last block sorts, with all its threads.
    k.ifThen(isLast, [&](KernelBuilder &k) {
      // Acquire: every block's gate writes before the sort's reads.
      memoryBarrier(k);
      sort.buildInBlock(k, ids, sortBuffers);
    });
  }
};

/// align, permute or permute_indices right after the moe.gate that writes
/// its ids: the fused launch (below the bound), else the gate's and the
/// sort's own kernels; then permute's row scatter.
template <typename OpT> struct FuseRoutingToGPU : OpRewritePattern<OpT> {
  FuseRoutingToGPU(MLIRContext *context, int64_t maxSlots)
      : OpRewritePattern<OpT>(context), maxSlots(maxSlots) {}

  /// The bound on T * ids columns requested by the pass option.
  int64_t maxSlots;

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    GateOp gateOp = findProducingGate(op, op.getIds());
    if (!gateOp)
      return rewriter.notifyMatchFailure(
          op, "its ids are not written by a moe.gate right before it");
    if (failed(checkRoutingKernelLimits(gateOp)) ||
        failed(checkPermuteKernelLimits(op)))
      return rewriter.notifyMatchFailure(op, "past the kernels' size limits");
    FusedRouting fused;
    fused.gate = getFusableGate(gateOp);
    fused.threads = std::max(fused.gate.threads, kMinFusedThreads);
    int64_t flagWords = 4;
    int64_t reserved =
        fused.gate.workgroupBytes / 4 + flagWords + kAllReduceWords;
    std::optional<FusableSort> sort =
        getFusableSort(op, fused.threads, reserved);
    if (!sort)
      return rewriter.notifyMatchFailure(
          op, "the sort's table does not fit in workgroup memory beside the "
              "gate's row");
    fused.sort = std::move(*sort);

    Location loc = op.getLoc();
    KernelBuilder kb(rewriter, loc);
    fused.sort.prepare(rewriter);
    fused.rows = fused.gate.computeRows(kb);
    Value ids = fused.sort.ids;
    Value numSlots = rewriter.createOrFold<arith::MulIOp>(
        loc, staticOrDim(kb, ids, 0), staticOrDim(kb, ids, 1));
    Value fits = rewriter.createOrFold<arith::CmpIOp>(
        loc, arith::CmpIPredicate::ule, numSlots,
        kb.index(std::min(fused.sort.maxSlots, maxSlots)));
    std::optional<int64_t> staticFits = getConstantIntValue(fits);
    if (staticFits && !*staticFits) {
      // Statically above the bound: the separate kernels.
      fused.gate.buildSeparate(kb);
      fused.sort.buildSeparate(rewriter, Value());
    } else {
      fused.grid =
          rewriter.createOrFold<arith::MaxUIOp>(loc, fused.rows, kb.index(1));
      fused.manyBlocks = rewriter.createOrFold<arith::CmpIOp>(
          loc, arith::CmpIPredicate::ugt, fused.rows, kb.index(1));
      Value counts =
          rewriter.createOrFold<arith::AndIOp>(loc, fits, fused.manyBlocks);
      std::optional<int64_t> staticCounts = getConstantIntValue(counts);
      if (!staticCounts || *staticCounts) {
        // A ticket counter only where there are several blocks (an empty
        // temporary otherwise).
        Value size = rewriter.createOrFold<arith::SelectOp>(
            loc, counts, kb.index(1), kb.index(0));
        fused.counter = memref::AllocOp::create(
            rewriter, loc,
            MemRefType::get({ShapedType::kDynamic}, rewriter.getI32Type()),
            ValueRange{size});
      }
      if (staticFits) {
        fused.build(rewriter, loc);
      } else {
        scf::IfOp::create(
            rewriter, loc, fits,
            [&](OpBuilder &b, Location loc) {
              fused.build(b, loc);
              scf::YieldOp::create(b, loc);
            },
            [&](OpBuilder &b, Location loc) {
              KernelBuilder inner(b, loc);
              fused.gate.buildSeparate(inner);
              scf::YieldOp::create(b, loc);
            });
        Value above = rewriter.createOrFold<arith::XOrIOp>(
            loc, fits,
            arith::ConstantIntOp::create(rewriter, loc, /*value=*/1,
                                         /*width=*/1));
        fused.sort.buildSeparate(rewriter, above);
      }
    }
    fused.sort.buildAfter(rewriter);
    rewriter.eraseOp(op);
    rewriter.eraseOp(gateOp);
    return success();
  }
};

} // namespace

void mlir::moe::populateFusedRoutingKernelPatterns(RewritePatternSet &patterns,
                                                   int64_t maxSlots) {
  patterns.add<FuseRoutingToGPU<AlignOp>, FuseRoutingToGPU<PermuteOp>,
               FuseRoutingToGPU<PermuteIndicesOp>>(patterns.getContext(),
                                                   maxSlots);
}
