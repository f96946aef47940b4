//===- MoeTileToNVGPU.cpp - Tile ops to nvgpu -----------------------------===//
//
// convert-moe-tile-to-nvgpu: the compute side of the tile IR to upstream
// nvgpu, after moe-create-tma-descriptors has lowered the copies and rings.
//
//  - moe.tile_alloc: the kernel's buffers are laid out in its dynamic shared
//    memory: tiles (1 KiB or more) first, each 1024-byte aligned, then the
//    small words (rings, claim slots) 16-byte aligned; the launch gets the
//    size.
//  - A tile accumulator vector<MxNxf32> becomes, in each of the M / 64
//    warpgroups, !nvgpu.warpgroup.accumulator<fragmented = vector<64xNxf32>>
//    (zero constants: nvgpu.warpgroup.mma.init.accumulator), through loops
//    and branches.
//  - moe.tile_mma: per 32-byte K slice (16 bf16/f16 or 32 fp8 elements),
//    nvgpu.warpgroup.generate.descriptor of the warpgroup's 64 rows of lhs
//    and of rhs, and one nvgpu.warpgroup.mma (wgmma m64nNk16, or m64nNk32
//    for fp8; K-major operands). One op per K
//    slice because nvgpu.warpgroup.mma steps its descriptors for K-major B
//    as if B were N-major (docs/Rationale.md); the `pending` of the tile op
//    becomes the waitGroup of the last slice.
//  - moe.tile_mma_wait: nvvm.wgmma.wait.group.sync.aligned (nvgpu has no
//    separate wait).
//  - moe.tile_scale_accumulate (the fp8 block-scale promotion): per
//    register of the wgmma D fragment, one fma of the partial accumulator
//    by the row's activation scale times the 8-column group's weight scale
//    (both loaded from global memory) into the accumulator.
//  - moe.tile_store: the epilogue on the registers, read through the
//    accumulator's LLVM struct (nvgpu has no element access), per the wgmma
//    D fragment layout.
//
//===----------------------------------------------------------------------===//

#include "../MoeToGPU/EpilogueMath.h"
#include "../MoeToGPU/GemmKernels.h"
#include "../MoeToGPU/KernelBuilder.h"
#include "../MoeToGPU/VectorAccess.h"
#include "Pointers.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/SetVector.h"

#include <algorithm>

namespace mlir::moe {
#define GEN_PASS_DEF_CONVERTMOETILETONVGPU
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Bits of K one wgmma takes: k16 for 16-bit operands, k32 for fp8.
constexpr int64_t kMmaKBits = 256;
/// wgmma.wait_group takes at most this many pending groups.
constexpr int64_t kMaxWaitGroup = 7;

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

/// Lays the launch's tile_alloc buffers out in its dynamic shared memory.
LogicalResult allocateTileBuffers(gpu::LaunchOp launch) {
  SmallVector<TileAllocOp> allocs;
  WalkResult result = launch.getBody().walk([&](TileAllocOp alloc) {
    if (alloc->getParentRegion() != &launch.getBody()) {
      alloc.emitOpError("must be at the top level of the gpu.launch body");
      return WalkResult::interrupt();
    }
    allocs.push_back(alloc);
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  if (allocs.empty())
    return success();
  if (launch.getDynamicSharedMemorySize())
    return launch.emitOpError("already has dynamic shared memory; tile "
                              "buffers need all of it");
  // The buffers are laid out from the address of the dynamic shared memory,
  // which this LLVM lowers to a variable placed among the static ones: a
  // workgroup attribution could overlap the first buffer.
  if (launch.getNumWorkgroupAttributions() != 0)
    return launch.emitOpError("has workgroup attributions; with tile buffers "
                              "all shared memory must be moe.tile_alloc");
  OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
  Location loc = launch.getLoc();
  MLIRContext *context = b.getContext();
  auto bytesType = MemRefType::get(
      {ShapedType::kDynamic}, b.getI8Type(), MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup));
  Value dynamic = gpu::DynamicSharedMemoryOp::create(b, loc, bytesType);
  // The window's address of the dynamic memory is not promised to be
  // 1024-byte aligned: skip to the next multiple.
  Value raw = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dynamic);
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value misalignment = arith::RemUIOp::create(b, loc, raw, c(kTileBufferAlign));
  Value skip = arith::RemUIOp::create(
      b, loc, arith::SubIOp::create(b, loc, c(kTileBufferAlign), misalignment),
      c(kTileBufferAlign));
  // Tiles first, so that the small words after them pad nothing.
  std::stable_partition(allocs.begin(), allocs.end(), [](TileAllocOp alloc) {
    return alloc.getBytes() >= kTileBufferAlign;
  });
  int64_t offset = 0;
  for (TileAllocOp alloc : allocs) {
    b.setInsertionPoint(alloc);
    int64_t align = alloc.getBytes() >= kTileBufferAlign ? kTileBufferAlign
                                                         : kSmallBufferAlign;
    offset = llvm::alignTo(offset, align);
    Value start = arith::AddIOp::create(b, loc, skip, c(offset));
    Value view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(),
                                        dynamic, start, ValueRange());
    offset += alloc.getBytes();
    alloc.replaceAllUsesWith(view);
    alloc.erase();
  }
  // The alignment slack on top of the buffers.
  int64_t total = offset + kTileBufferAlign;
  OpBuilder outside(launch);
  launch.getDynamicSharedMemorySizeMutable().assign(arith::ConstantOp::create(
      outside, loc, outside.getI32IntegerAttr(total)));
  return success();
}

//===----------------------------------------------------------------------===//
// Accumulators
//===----------------------------------------------------------------------===//

bool isTileAccumulator(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  return vector && vector.getRank() == 2 && vector.getElementType().isF32() &&
         vector.getDimSize(0) % kWarpgroupRows == 0;
}

/// A warpgroup's part of a tile accumulator.
nvgpu::WarpgroupAccumulatorType warpgroupAccumulator(VectorType tile) {
  return nvgpu::WarpgroupAccumulatorType::get(
      tile.getContext(), VectorType::get({kWarpgroupRows, tile.getDimSize(1)},
                                         tile.getElementType()));
}

/// The LLVM struct nvgpu lowers a 64 x N accumulator to: one inner struct
/// of N / 2 f32 registers.
LLVM::LLVMStructType accumulatorStruct(VectorType tile) {
  MLIRContext *context = tile.getContext();
  SmallVector<Type> registers(tile.getDimSize(1) / 2,
                              Float32Type::get(context));
  return LLVM::LLVMStructType::getLiteral(
      context, {LLVM::LLVMStructType::getLiteral(context, registers)});
}

/// The registers of the converted accumulator `acc` of the tile type
/// `tile`, as the LLVM struct nvgpu lowers it to (nvgpu has no element
/// access; convert-nvgpu-to-nvvm folds the cast away).
Value accumulatorRegisters(OpBuilder &b, Location loc, VectorType tile,
                           Value acc) {
  return UnrealizedConversionCastOp::create(b, loc, accumulatorStruct(tile),
                                            acc)
      .getResult(0);
}

struct TileTypeConverter : TypeConverter {
  TileTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](VectorType type) -> Type {
      if (isTileAccumulator(type))
        return warpgroupAccumulator(type);
      return type;
    });
    auto cast = [](OpBuilder &b, Type type, ValueRange inputs,
                   Location loc) -> Value {
      return UnrealizedConversionCastOp::create(b, loc, type, inputs)
          .getResult(0);
    };
    addSourceMaterialization(cast);
    addTargetMaterialization(cast);
  }
};

struct ZeroAccumulatorLowering : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isTileAccumulator(op.getType()))
      return failure();
    auto splat = dyn_cast<SplatElementsAttr>(op.getValue());
    if (!splat || !splat.getSplatValue<APFloat>().isZero())
      return rewriter.notifyMatchFailure(op, "only zero tiles are lowered");
    rewriter.replaceOpWithNewOp<nvgpu::WarpgroupMmaInitAccumulatorOp>(
        op, warpgroupAccumulator(cast<VectorType>(op.getType())));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// MMA
//===----------------------------------------------------------------------===//

/// The rows [row, row + rows) and columns [col, col + cols) of a tile.
Value tileSlice(OpBuilder &b, Location loc, Value tile, OpFoldResult row,
                int64_t rows, int64_t col, int64_t cols) {
  SmallVector<OpFoldResult> offsets = {row, b.getIndexAttr(col)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(rows),
                                     b.getIndexAttr(cols)};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  return memref::SubViewOp::create(b, loc, tile, offsets, sizes, strides);
}

/// The wgmma descriptor of the K-major `rows x 16` operand slice `slice`.
/// nvgpu.warpgroup.generate.descriptor reads the swizzle off the type of a
/// tensor map operand and nothing else of it; a copy filled by cp.async
/// (gathered rows) has no map, so every operand gets a typed placeholder.
Value descriptorOf(OpBuilder &b, Location loc, Value slice, int64_t rows,
                   int64_t swizzle, ArrayRef<int64_t> descriptorShape) {
  auto sliceType = cast<MemRefType>(slice.getType());
  MLIRContext *context = b.getContext();
  Type element = sliceType.getElementType();
  Attribute space = sliceType.getMemorySpace();
  int64_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  auto boxType = MemRefType::get({rows, swizzle / elementBytes}, element,
                                 MemRefLayoutAttrInterface(), space);
  auto mapType = nvgpu::TensorMapDescriptorType::get(
      context, boxType, tensorMapSwizzle(swizzle),
      nvgpu::TensorMapL2PromoKind::L2PROMO_NONE,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
  Value map = ub::PoisonOp::create(b, loc, mapType);
  auto descriptorType = nvgpu::WarpgroupMatrixDescriptorType::get(
      context, MemRefType::get(descriptorShape, element,
                               MemRefLayoutAttrInterface(), space));
  return nvgpu::WarpgroupGenerateDescriptorOp::create(b, loc, descriptorType,
                                                      slice, map);
}

struct TileMmaLowering : OpConversionPattern<TileMmaOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TileMmaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MemRefType lhsType = op.getLhs().getType();
    int64_t n = op.getRhs().getType().getDimSize(0);
    int64_t k = lhsType.getDimSize(1);
    int64_t kMmaK = kMmaKBits / lhsType.getElementTypeBitWidth();
    int64_t slices = k / kMmaK;
    Value slabRow = arith::MulIOp::create(
        rewriter, loc, adaptor.getWarpgroup(),
        arith::ConstantIndexOp::create(rewriter, loc, kWarpgroupRows));
    Value acc = adaptor.getAcc();
    int64_t pending = op.getPending();
    // With `rows`, a warpgroup whose rows all lie past them keeps `acc`.
    // The condition is uniform over the warpgroup (its slab) and over a
    // tile's K loop, so a skipping warpgroup commits no wgmma group for the
    // whole tile and the wait-group counts below stay upper bounds.
    scf::IfOp active;
    if (Value rows = adaptor.getRows()) {
      Value hasRows = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::ult, slabRow, rows);
      active = scf::IfOp::create(rewriter, loc, acc.getType(), hasRows,
                                 /*withElseRegion=*/true);
      rewriter.setInsertionPointToStart(active.elseBlock());
      scf::YieldOp::create(rewriter, loc, acc);
      rewriter.setInsertionPointToStart(active.thenBlock());
    }
    for (int64_t kk = 0; kk < slices; ++kk) {
      Value lhs = tileSlice(rewriter, loc, op.getLhs(), slabRow, kWarpgroupRows,
                            kk * kMmaK, kMmaK);
      Value rhs = tileSlice(rewriter, loc, op.getRhs(),
                            rewriter.getIndexAttr(0), n, kk * kMmaK, kMmaK);
      Value descA = descriptorOf(rewriter, loc, lhs, kWarpgroupRows,
                                 op.getSwizzle(), {kWarpgroupRows, kMmaK});
      Value descB =
          descriptorOf(rewriter, loc, rhs, n, op.getSwizzle(), {kMmaK, n});
      // Groups this op leaves in flight after slice kk: none of the older
      // ones but the last `pending - 1` tile MMAs' (`slices` groups each),
      // and, until its last slice, all of its own.
      int64_t waitGroup =
          kk + 1 == slices ? slices * pending : slices * pending + kk + 1;
      // nvgpu's K-major B is the layout without transposeB (its wgmma
      // layout `col`), checked against the reference on the GPU.
      acc = nvgpu::WarpgroupMmaOp::create(
          rewriter, loc, acc.getType(), descA, descB,
          rewriter.getI64IntegerAttr(std::min(waitGroup, kMaxWaitGroup)),
          /*transposeA=*/nullptr, /*transposeB=*/nullptr, acc);
    }
    if (active) {
      scf::YieldOp::create(rewriter, loc, acc);
      acc = active.getResult(0);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

struct TileMmaWaitLowering : OpConversionPattern<TileMmaWaitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TileMmaWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Each tile MMA commits one wgmma group per 16-wide K slice; without
    // knowing K here, waiting for all groups is the only exact bound for
    // pending = 0, which is what the pipeline uses.
    if (op.getPending() != 0)
      return op.emitOpError("with pending = ")
             << op.getPending()
             << " has no lowering: only a wait for every tile MMA (pending = "
                "0) is lowered";
    NVVM::WgmmaWaitGroupSyncOp::create(rewriter, op.getLoc(), 0);
    rewriter.replaceOp(op, adaptor.getAcc());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

struct TileStoreLowering : OpConversionPattern<TileStoreOp> {
  using OpConversionPattern::OpConversionPattern;

  /// Whether row `row` of a gathered GEMM has a source row.
  static Value hasSourceRow(KernelBuilder &k, TileStoreOp op, Value row) {
    Location loc = k.getLoc();
    Value index =
        toIndex(k, memref::LoadOp::create(k.b(), loc, op.getRowIndex(), row));
    Value nonNegative = cmpI(k, arith::CmpIPredicate::sge, index, k.index(0));
    Value quotient = arith::DivSIOp::create(k.b(), loc, index,
                                            k.index(op.getIndexDivisor()));
    return andI(k, nonNegative,
                cmpI(k, arith::CmpIPredicate::slt, quotient, op.getARows()));
  }

  /// What the epilogue reads once per output row: its scale, whether it
  /// has a source row (gathered), and its activation scale (dequant); null
  /// where the op has none.
  struct RowOperands {
    Value scale, hasRow, aScale;
  };

  /// The epilogue of one tile_store: the values of the accumulator's
  /// registers at output columns, and where they go.
  struct Epilogue {
    mutable TileStoreOp op; // op accessors are not const
    Value regs, expert, outCols;
    int64_t n;
    bool gated, interleaved, perChannel;
    EpilogueActivation activation;

    /// The row operands of `row` (of dest; only valid for rows of dest).
    RowOperands loadRow(KernelBuilder &k, Value row) const {
      RowOperands operands;
      if (op.getScale())
        operands.scale =
            memref::LoadOp::create(k.b(), k.getLoc(), op.getScale(), row);
      if (op.getRowIndex())
        operands.hasRow = hasSourceRow(k, op, row);
      // dequant: the row's activation scale (per channel) or the one of
      // the whole a (per tensor).
      if (op.getWScale())
        operands.aScale = perChannel
                              ? k.loadF32(op.getAScale(), {row, k.index(0)})
                              : k.loadF32(op.getAScale(), {k.index(0)});
      return operands;
    }

    /// acc * (a_scale * w_scale[weight row `n`]).
    Value dequantized(KernelBuilder &k, const RowOperands &row, Value acc,
                      Value n) const {
      if (!row.aScale)
        return acc;
      OpBuilder &b = k.b();
      Location loc = k.getLoc();
      Value wScale = perChannel ? k.loadF32(op.getWScale(), {expert, n})
                                : k.loadF32(op.getWScale(), {expert});
      Value scale = arith::MulFOp::create(b, loc, row.aScale, wScale);
      return arith::MulFOp::create(b, loc, acc, scale).getResult();
    }

    /// The epilogue value of register `reg`, output column `col`.
    Value valueAt(KernelBuilder &k, const RowOperands &row, int64_t reg,
                  Value col) const {
      OpBuilder &b = k.b();
      Location loc = k.getLoc();
      Value bias = op.getBias();
      Value value =
          LLVM::ExtractValueOp::create(b, loc, regs, ArrayRef<int64_t>{0, reg});
      // The bias (and weight) columns of output column `col`: col (and
      // the up column col + C), or 2 col and 2 col + 1 for interleaved
      // rows.
      Value gateCol = interleaved ? mul(k, col, k.index(2)) : col;
      value = dequantized(k, row, value, gateCol);
      if (bias)
        value = arith::AddFOp::create(b, loc, value,
                                      k.loadF32(bias, {expert, gateCol}));
      if (gated) {
        Value up = LLVM::ExtractValueOp::create(
            b, loc, regs, ArrayRef<int64_t>{0, reg + n / 4});
        Value upCol =
            interleaved ? add(k, gateCol, k.index(1)) : add(k, col, outCols);
        up = dequantized(k, row, up, upCol);
        if (bias)
          up = arith::AddFOp::create(b, loc, up,
                                     k.loadF32(bias, {expert, upCol}));
        value = buildGatedActivation(k, activation, value, up);
      } else {
        value = buildElementwiseActivation(k, activation.kind, value);
      }
      if (row.scale)
        value = arith::MulFOp::create(b, loc, value, row.scale);
      if (row.hasRow)
        value = select(k, row.hasRow, value, k.f32(0.0f));
      return value;
    }

    /// Stores the values of the thread's two adjacent columns of 8-column
    /// group `group` (registers `reg`, `reg + 1`; output columns `col`,
    /// `col + 1`) to `target` at `indices` (the first column last): one
    /// two-element store where both columns are in bounds and `pairOk`
    /// holds, else one store per column in bounds.
    void storePair(KernelBuilder &k, const RowOperands &row, int64_t reg,
                   Value col, Value pairOk, Value target,
                   ValueRange indices) const {
      Location loc = k.getLoc();
      Value next = add(k, col, k.index(1));
      Value pair =
          andI(k, pairOk, cmpI(k, arith::CmpIPredicate::ult, next, outCols));
      SmallVector<Value> nextIndices(indices);
      nextIndices.back() = add(k, indices.back(), k.index(1));
      auto ifPair = scf::IfOp::create(k.b(), loc, TypeRange(), pair,
                                      /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(k.b());
      k.b().setInsertionPointToStart(ifPair.thenBlock());
      storeF32s(k, {valueAt(k, row, reg, col), valueAt(k, row, reg + 1, next)},
                target, indices);
      k.b().setInsertionPointToStart(ifPair.elseBlock());
      for (int64_t q = 0; q < 2; ++q) {
        Value column = q ? next : col;
        k.ifThen(cmpI(k, arith::CmpIPredicate::ult, column, outCols),
                 [&](KernelBuilder &k) {
                   k.storeF32(valueAt(k, row, reg + q, column), target,
                              q ? ValueRange(nextIndices) : indices);
                 });
      }
    }
  };

  /// Register i of a thread holds row 16 * warp + lane / 4 + 8 * (i / 2 % 2)
  /// and column 8 * (i / 4) + 2 * (lane % 4) + i % 2 of its warpgroup's
  /// 64 x N slab (the wgmma D fragment).
  LogicalResult
  matchAndRewrite(TileStoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    KernelBuilder k(rewriter, loc);
    auto tileType = op.getAcc().getType();
    Epilogue epilogue;
    epilogue.op = op;
    epilogue.n = tileType.getDimSize(1);
    epilogue.gated = op.isGated();
    epilogue.activation = getEpilogueActivation(op);
    epilogue.interleaved =
        epilogue.activation.layout == GateUpLayout::interleaved;
    epilogue.perChannel =
        op.getWScale() && op.getAScale().getType().getRank() == 2;
    epilogue.regs =
        accumulatorRegisters(rewriter, loc, tileType, adaptor.getAcc());
    epilogue.expert = adaptor.getExpert();
    epilogue.outCols = k.dim(op.getDest(), 1);
    Value tid = gpu::ThreadIdOp::create(rewriter, loc, gpu::Dimension::x);
    Value threadInGroup = remU(k, tid, k.index(kWarpgroupThreads));
    Value warp = divU(k, threadInGroup, k.index(32));
    Value lane = remU(k, threadInGroup, k.index(32));
    // The tile-local index of the thread's warp, and of its first row.
    Value tileWarp = add(k, mul(k, adaptor.getWarpgroup(), k.index(4)), warp);
    Value warpRow = mul(k, tileWarp, k.index(kStagingRows));
    Value laneRow = divU(k, lane, k.index(4));
    Value laneQuad = remU(k, lane, k.index(4));
    Value laneCol = mul(k, laneQuad, k.index(2));
    // Vector stores need the rows' base addresses aligned; the vector
    // access check of the memory-bound kernels asks for 16 bytes.
    Value vectorAligned = isVectorAligned(k, ValueRange{op.getDest()});
    if (op.getStaging())
      storeStaged(k, epilogue, adaptor, tileWarp, warpRow, laneRow, laneCol,
                  lane, vectorAligned);
    else
      storeDirect(k, epilogue, adaptor, add(k, warpRow, laneRow), laneCol,
                  vectorAligned);
    rewriter.eraseOp(op);
    return success();
  }

  /// Each thread stores its registers to dest where they lie, two adjacent
  /// columns at a time.
  static void storeDirect(KernelBuilder &k, const Epilogue &epilogue,
                          OpAdaptor adaptor, Value laneRow, Value laneCol,
                          Value pairAligned) {
    int64_t outN = epilogue.gated ? epilogue.n / 2 : epilogue.n;
    for (int64_t half = 0; half < 2; ++half) {
      Value localRow = add(k, laneRow, k.index(8 * half));
      Value rowOk =
          cmpI(k, arith::CmpIPredicate::ult, localRow, adaptor.getRows());
      k.ifThen(rowOk, [&](KernelBuilder &k) {
        Value row = add(k, adaptor.getRow(), localRow);
        RowOperands operands = epilogue.loadRow(k, row);
        for (int64_t group = 0; group < outN / 8; ++group) {
          Value col =
              add(k, adaptor.getCol(), add(k, laneCol, k.index(8 * group)));
          epilogue.storePair(k, operands, 4 * group + 2 * half, col,
                             pairAligned, epilogue.op.getDest(), {row, col});
        }
      });
    }
  }

  /// The row operands of the thread's two rows (tile rows `laneRow` and
  /// `laneRow + 8` of its warp), neutral values for rows past `rows`.
  static SmallVector<RowOperands, 2> loadRowsOnce(KernelBuilder &k,
                                                  const Epilogue &epilogue,
                                                  OpAdaptor adaptor,
                                                  Value localRow) {
    SmallVector<RowOperands, 2> rows;
    for (int64_t half = 0; half < 2; ++half) {
      Value tileRow = add(k, localRow, k.index(8 * half));
      Value rowOk =
          cmpI(k, arith::CmpIPredicate::ult, tileRow, adaptor.getRows());
      SmallVector<Value> defaults;
      if (epilogue.op.getScale())
        defaults.push_back(k.f32(0.0f));
      if (epilogue.op.getRowIndex())
        defaults.push_back(arith::ConstantOp::create(k.b(), k.getLoc(),
                                                     k.b().getBoolAttr(false)));
      if (epilogue.op.getWScale())
        defaults.push_back(k.f32(0.0f));
      if (defaults.empty()) {
        rows.push_back(RowOperands());
        continue;
      }
      SmallVector<Value> values = ifThenElseValues(
          k, rowOk,
          [&](KernelBuilder &k) {
            RowOperands operands =
                epilogue.loadRow(k, add(k, adaptor.getRow(), tileRow));
            SmallVector<Value> loaded;
            for (Value value :
                 {operands.scale, operands.hasRow, operands.aScale})
              if (value)
                loaded.push_back(value);
            return loaded;
          },
          defaults);
      RowOperands operands;
      unsigned next = 0;
      if (epilogue.op.getScale())
        operands.scale = values[next++];
      if (epilogue.op.getRowIndex())
        operands.hasRow = values[next++];
      if (epilogue.op.getWScale())
        operands.aScale = values[next++];
      rows.push_back(operands);
    }
    return rows;
  }

  /// Through the warp's slice of `staging`, 64 output columns at a time:
  /// the threads write their registers (the fragment layout) into the
  /// slice, then each lane copies 16-byte runs of one row to dest, 8 lanes
  /// a row, so that a warp's store covers 4 rows of 128 bytes.
  static void storeStaged(KernelBuilder &k, const Epilogue &epilogue,
                          OpAdaptor adaptor, Value tileWarp, Value warpRow,
                          Value laneRow, Value laneCol, Value lane,
                          Value vectorAligned) {
    OpBuilder &b = k.b();
    Location loc = k.getLoc();
    TileStoreOp op = epilogue.op;
    Value staging = op.getStaging();
    Value dest = op.getDest();
    constexpr int64_t kGroupsPerChunk = kStagingColumns / 8;
    constexpr int64_t kRunsPerRow = kGroupsPerChunk;
    constexpr int64_t kRowsPerCopy = 32 / kRunsPerRow;
    int64_t outGroups = (epilogue.gated ? epilogue.n / 2 : epilogue.n) / 8;
    Value allLanes = k.i32(-1);
    Value trueValue = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    Value localRow = add(k, warpRow, laneRow);
    SmallVector<RowOperands, 2> rows =
        loadRowsOnce(k, epilogue, adaptor, localRow);
    Value runRow = divU(k, lane, k.index(kRunsPerRow));
    Value run = remU(k, lane, k.index(kRunsPerRow));
    for (int64_t first = 0; first < outGroups; first += kGroupsPerChunk) {
      int64_t groups = std::min(kGroupsPerChunk, outGroups - first);
      // The thread's registers of the chunk into the slice.
      for (int64_t half = 0; half < 2; ++half) {
        Value tileRow = add(k, localRow, k.index(8 * half));
        Value sliceRow = add(k, laneRow, k.index(8 * half));
        k.ifThen(
            cmpI(k, arith::CmpIPredicate::ult, tileRow, adaptor.getRows()),
            [&](KernelBuilder &k) {
              for (int64_t group = first; group < first + groups; ++group) {
                Value offset = add(k, laneCol, k.index(8 * (group - first)));
                Value col = add(k, adaptor.getCol(),
                                add(k, laneCol, k.index(8 * group)));
                epilogue.storePair(k, rows[half], 4 * group + 2 * half, col,
                                   trueValue, staging,
                                   {tileWarp, sliceRow, offset});
              }
            });
      }
      NVVM::SyncWarpOp::create(b, loc, allLanes);
      // 16-byte runs of the slice's rows to dest.
      for (int64_t copy = 0; copy < kStagingRows; copy += kRowsPerCopy) {
        Value sliceRow = add(k, runRow, k.index(copy));
        Value tileRow = add(k, warpRow, sliceRow);
        Value runInChunk =
            cmpI(k, arith::CmpIPredicate::ult, run, k.index(groups));
        Value rowInTile =
            cmpI(k, arith::CmpIPredicate::ult, tileRow, adaptor.getRows());
        Value inside = andI(k, runInChunk, rowInTile);
        k.ifThen(inside, [&](KernelBuilder &k) {
          Value row = add(k, adaptor.getRow(), tileRow);
          Value offset = mul(k, run, k.index(8));
          Value col =
              add(k, adaptor.getCol(), add(k, offset, k.index(8 * first)));
          Value whole = andI(k, vectorAligned,
                             cmpI(k, arith::CmpIPredicate::ule,
                                  add(k, col, k.index(8)), epilogue.outCols));
          k.ifThenElse(
              whole,
              [&](KernelBuilder &k) {
                storeVectors(
                    k, loadVectors(k, staging, {tileWarp, sliceRow, offset}, 8),
                    dest, {row, col});
              },
              [&](KernelBuilder &k) {
                for (int64_t e = 0; e < 8; ++e) {
                  Value column = add(k, col, k.index(e));
                  k.ifThen(cmpI(k, arith::CmpIPredicate::ult, column,
                                epilogue.outCols),
                           [&](KernelBuilder &k) {
                             Value value = memref::LoadOp::create(
                                 k.b(), k.getLoc(), staging,
                                 ValueRange{tileWarp, sliceRow,
                                            add(k, offset, k.index(e))});
                             memref::StoreOp::create(k.b(), k.getLoc(), value,
                                                     dest,
                                                     ValueRange{row, column});
                           });
                }
              });
        });
      }
      // The next chunk overwrites the slice.
      NVVM::SyncWarpOp::create(b, loc, allLanes);
    }
  }
};

//===----------------------------------------------------------------------===//
// Prefetch
//===----------------------------------------------------------------------===//

/// Thread t of the block prefetches the 128-byte line of element row + 32 t
/// (the range's last element for the last line) into L1.
struct TilePrefetchLowering : OpConversionPattern<TilePrefetchOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TilePrefetchOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    constexpr int64_t kElementBytes = 4;
    constexpr int64_t kLineElements = 128 / kElementBytes;
    Location loc = op.getLoc();
    KernelBuilder k(rewriter, loc);
    Value source = op.getSource();
    Value tid = gpu::ThreadIdOp::create(rewriter, loc, gpu::Dimension::x);
    // Lines of [row, row + rows): at most rows / 32 + 1 past an unaligned
    // start, and none past the source's end.
    // (One op per statement: the IR must not depend on the order in which
    // the compiler evaluates function arguments.)
    Value size = k.dim(source, 0);
    Value rangeEnd = add(k, adaptor.getRow(), adaptor.getRows());
    Value end = minU(k, rangeEnd, size);
    Value first = mul(k, tid, k.index(kLineElements));
    Value element = add(k, adaptor.getRow(), first);
    Value inside = cmpI(k, arith::CmpIPredicate::ult, element,
                        add(k, end, k.index(kLineElements - 1)));
    Value nonEmpty = cmpI(k, arith::CmpIPredicate::ult, adaptor.getRow(), end);
    k.ifThen(andI(k, inside, nonEmpty), [&](KernelBuilder &k) {
      Value last = sub(k, end, k.index(1));
      Value clamped = minU(k, element, last);
      Value pointer =
          pointerTo(k.b(), loc, source, clamped, kElementBytes,
                    static_cast<unsigned>(NVVM::NVVMMemorySpace::Global));
      NVVM::PrefetchOp::create(
          k.b(), loc,
          NVVM::PrefetchCacheLevelAttr::get(k.b().getContext(),
                                            NVVM::PrefetchCacheLevel::L1),
          /*evictPriority=*/nullptr, pointer, /*predicate=*/Value(),
          /*tensormap=*/false, /*uniform=*/false, /*in_param_space=*/false);
    });
    rewriter.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// fp8 block-scale promotion
//===----------------------------------------------------------------------===//

/// The weight-scale block rows of a thread's 8-column groups and the
/// activation scales of its two rows, then one fma per register: register i
/// (row half i / 2 % 2, column group i / 4) of `partial` times the product
/// of its row's and its group's scales, plus the same register of `acc`.
struct TileScaleAccumulateLowering
    : OpConversionPattern<TileScaleAccumulateOp> {
  using OpConversionPattern::OpConversionPattern;

  /// Weight scale of the 8-column group `group` (of `groups`).
  static Value weightScale(KernelBuilder &k, TileScaleAccumulateOp op,
                           OpAdaptor adaptor, int64_t group, int64_t groups,
                           Value lastBlock) {
    int64_t column = 8 * group;
    Value base = adaptor.getWRow();
    if (adaptor.getUpRow() && group >= groups / 2) {
      base = adaptor.getUpRow();
      column -= 8 * (groups / 2);
    }
    Value offset = k.index(column * op.getWRowStride());
    Value wRow = add(k, base, offset);
    Value blockSize = k.index(kFp8BlockSize);
    Value block = divU(k, wRow, blockSize);
    Value clamped = minU(k, block, lastBlock);
    return memref::LoadOp::create(
        k.b(), k.getLoc(), op.getWScale(),
        ValueRange{adaptor.getExpert(), clamped, adaptor.getKBlock()});
  }

  LogicalResult
  matchAndRewrite(TileScaleAccumulateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    KernelBuilder k(rewriter, loc);
    VectorType tileType = op.getAcc().getType();
    int64_t n = tileType.getDimSize(1);
    int64_t groups = n / 8;
    Type regsType = accumulatorStruct(tileType);
    Value accRegs =
        accumulatorRegisters(rewriter, loc, tileType, adaptor.getAcc());
    Value partialRegs =
        accumulatorRegisters(rewriter, loc, tileType, adaptor.getPartial());
    // One op per statement: the IR must not depend on the order in which
    // the compiler evaluates function arguments.
    Value slabRows = k.index(kWarpgroupRows);
    Value slabStart = mul(k, adaptor.getWarpgroup(), slabRows);
    Value active =
        cmpI(k, arith::CmpIPredicate::ult, slabStart, adaptor.getRows());
    auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{regsType}, active,
                                  /*withElseRegion=*/true);
    rewriter.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(rewriter, loc, accRegs);
    rewriter.setInsertionPointToStart(ifOp.thenBlock());

    Value groupThreads = k.index(kWarpgroupThreads), warpSize = k.index(32);
    Value warpRows = k.index(16), lanesPerRow = k.index(4);
    Value tid = gpu::ThreadIdOp::create(rewriter, loc, gpu::Dimension::x);
    Value threadInGroup = remU(k, tid, groupThreads);
    Value warp = divU(k, threadInGroup, warpSize);
    Value lane = remU(k, threadInGroup, warpSize);
    Value warpRow = mul(k, warp, warpRows);
    Value laneRow = divU(k, lane, lanesPerRow);
    Value inSlab = add(k, warpRow, laneRow);
    Value slabRow = add(k, slabStart, inSlab);
    // The activation scales of the thread's two rows (none past `rows`).
    SmallVector<Value, 2> aScales;
    for (int64_t half = 0; half < 2; ++half) {
      Value halfRow = k.index(8 * half);
      Value localRow = add(k, slabRow, halfRow);
      Value rowOk =
          cmpI(k, arith::CmpIPredicate::ult, localRow, adaptor.getRows());
      aScales.push_back(k.ifThenElseF32(
          rowOk,
          [&](KernelBuilder &k) -> Value {
            Value row = add(k, adaptor.getRow(), localRow);
            return memref::LoadOp::create(k.b(), loc, op.getAScale(),
                                          ValueRange{row, adaptor.getKBlock()});
          },
          0.0f));
    }
    // w_scale's last block: columns past the weights read its scale.
    Value one = k.index(1);
    Value blocks = k.dim(op.getWScale(), 1);
    Value oneOrMore = maxU(k, blocks, one);
    Value lastBlock = sub(k, oneOrMore, one);
    Value result = accRegs;
    for (int64_t group = 0; group < groups; ++group) {
      Value wScale = weightScale(k, op, adaptor, group, groups, lastBlock);
      for (int64_t half = 0; half < 2; ++half) {
        Value scale =
            arith::MulFOp::create(rewriter, loc, aScales[half], wScale);
        for (int64_t q = 0; q < 2; ++q) {
          int64_t reg = 4 * group + 2 * half + q;
          SmallVector<int64_t> position = {0, reg};
          Value p = LLVM::ExtractValueOp::create(rewriter, loc, partialRegs,
                                                 position);
          Value a =
              LLVM::ExtractValueOp::create(rewriter, loc, accRegs, position);
          Value sum = math::FmaOp::create(rewriter, loc, p, scale, a);
          result =
              LLVM::InsertValueOp::create(rewriter, loc, result, sum, position);
        }
      }
    }
    scf::YieldOp::create(rewriter, loc, result);
    rewriter.setInsertionPointAfter(ifOp);
    Value promoted =
        UnrealizedConversionCastOp::create(
            rewriter, loc, adaptor.getAcc().getType(), ifOp.getResult(0))
            .getResult(0);
    rewriter.replaceOp(op, promoted);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Versioning the K loop on a warpgroup's rows
//===----------------------------------------------------------------------===//

/// Whether `value` comes from a tile MMA of `loop`'s body.
bool isLoopMma(Value value, scf::ForOp loop) {
  auto mma = value.getDefiningOp<TileMmaOp>();
  return mma && mma->getParentOp() == loop;
}

/// A loop whose tile MMAs take `rows` (loop-invariant, as is the
/// warpgroup) becomes `scf.if (warpgroup has rows) {loop} else {loop without
/// the MMAs}`, the MMA results waited for inside the first branch: the
/// decision is taken once per tile and the K loop keeps no branch between a
/// wgmma left in flight and its wait. (The per-MMA branch TileMmaLowering
/// emits otherwise measured the same speed, with the same wgmma waits in
/// the SASS; this keeps the wgmma pipeline free of control flow whatever
/// ptxas does with it.) Both copies keep every barrier wait, release and
/// refill, so the ring protocol is the same for a warpgroup that skips.
void versionOnActiveRows(gpu::LaunchOp launch) {
  llvm::SetVector<scf::ForOp> loops;
  launch.walk([&](TileMmaOp mma) {
    auto loop = dyn_cast<scf::ForOp>(mma->getParentOp());
    if (mma.getRows() && loop && loop.isDefinedOutsideOfLoop(mma.getRows()) &&
        loop.isDefinedOutsideOfLoop(mma.getWarpgroup()))
      loops.insert(loop);
  });
  for (scf::ForOp loop : loops) {
    auto mmas = llvm::to_vector(loop.getBody()->getOps<TileMmaOp>());
    // One condition for the loop: every MMA must name the same rows and
    // warpgroup, else the per-MMA branch stays.
    Value rows = mmas.front().getRows();
    Value warpgroup = mmas.front().getWarpgroup();
    if (llvm::any_of(mmas, [&](TileMmaOp mma) {
          return mma.getRows() != rows || mma.getWarpgroup() != warpgroup;
        }))
      continue;
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    Value slabRow = arith::MulIOp::create(
        b, loc, warpgroup,
        arith::ConstantIndexOp::create(b, loc, kWarpgroupRows));
    Value active =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, slabRow, rows);
    auto ifOp = scf::IfOp::create(b, loc, loop.getResultTypes(), active,
                                  /*withElseRegion=*/true);
    auto yielded = loop.getBody()->getTerminator()->getOperands();

    b.setInsertionPointToStart(ifOp.thenBlock());
    auto withMmas = cast<scf::ForOp>(b.clone(*loop));
    withMmas.walk([](TileMmaOp mma) { mma.getRowsMutable().clear(); });
    SmallVector<Value> results;
    for (auto [index, result] : llvm::enumerate(withMmas.getResults())) {
      Value value = result;
      if (isLoopMma(yielded[index], loop))
        value = TileMmaWaitOp::create(b, loc, cast<VectorType>(value.getType()),
                                      value, 0);
      results.push_back(value);
    }
    scf::YieldOp::create(b, loc, results);

    b.setInsertionPointToStart(ifOp.elseBlock());
    auto withoutMmas = cast<scf::ForOp>(b.clone(*loop));
    withoutMmas.walk([](TileMmaOp mma) {
      mma.getResult().replaceAllUsesWith(mma.getAcc());
      mma->erase();
    });
    scf::YieldOp::create(b, loc, withoutMmas.getResults());

    loop->replaceAllUsesWith(ifOp->getResults());
    loop->erase();
  }
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct ConvertMoeTileToNVGPUPass
    : mlir::moe::impl::ConvertMoeTileToNVGPUBase<ConvertMoeTileToNVGPUPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation()->walk([&](gpu::LaunchOp launch) {
      bool hasTileOps = launch.getBody()
                            .walk([](Operation *op) {
                              return isa<TileAllocOp, TileMmaOp, TileMmaWaitOp,
                                         TileStoreOp, TilePrefetchOp>(op)
                                         ? WalkResult::interrupt()
                                         : WalkResult::advance();
                            })
                            .wasInterrupted();
      if (hasTileOps)
        launches.push_back(launch);
    });
    MLIRContext *context = &getContext();
    TileTypeConverter converter;
    ConversionTarget target(*context);
    target.addIllegalOp<TileMmaOp, TileMmaWaitOp, TileScaleAccumulateOp,
                        TileStoreOp, TilePrefetchOp>();
    target.addDynamicallyLegalOp<arith::ConstantOp>(
        [](arith::ConstantOp op) { return !isTileAccumulator(op.getType()); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(context);
    patterns.add<ZeroAccumulatorLowering, TileMmaLowering, TileMmaWaitLowering,
                 TileScaleAccumulateLowering, TileStoreLowering,
                 TilePrefetchLowering>(converter, context);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    FrozenRewritePatternSet frozen(std::move(patterns));
    for (gpu::LaunchOp launch : launches) {
      versionOnActiveRows(launch);
      if (failed(allocateTileBuffers(launch)) ||
          failed(applyPartialConversion(launch, target, frozen)))
        return signalPassFailure();
    }
  }
};

} // namespace
