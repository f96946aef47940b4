//===- VectorAccess.cpp - 16-byte vector accesses of row buffers ----------===//

#include "VectorAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cassert>

using namespace mlir;
using namespace mlir::moe;

namespace {

int64_t elementBytes(Type elementType) {
  return std::max<int64_t>(elementType.getIntOrFloatBitWidth() / 8, 1);
}

/// Whether `type`'s innermost stride is statically 1.
bool hasUnitInnermostStride(MemRefType type) {
  if (type.getRank() == 0)
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

/// `memref` itself when its innermost stride is statically 1 (what
/// vector.load/store need), else a view with the same base, offset, sizes and
/// outer strides and a static unit innermost stride. Only used where
/// isVectorAligned holds, that is where the innermost stride is 1.
Value getUnitStrideView(KernelBuilder &k, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (hasUnitInnermostStride(type))
    return memref;
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  int64_t rank = type.getRank();
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  SmallVector<OpFoldResult> sizes, strides;
  SmallVector<int64_t> layoutStrides;
  for (int64_t d = 0; d < rank; ++d) {
    if (type.isDynamicDim(d))
      sizes.push_back(metadata.getSizes()[d]);
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    if (d + 1 < rank) {
      strides.push_back(metadata.getStrides()[d]);
      layoutStrides.push_back(ShapedType::kDynamic);
    } else {
      strides.push_back(b.getIndexAttr(1));
      layoutStrides.push_back(1);
    }
  }
  auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                                       layoutStrides);
  auto viewType = MemRefType::get(type.getShape(), type.getElementType(),
                                  layout, type.getMemorySpace());
  return memref::ReinterpretCastOp::create(b, loc, viewType, memref,
                                           OpFoldResult(metadata.getOffset()),
                                           sizes, strides);
}

/// Elements of one piece of a `count`-element chunk of `elementType`: at most
/// 16 bytes.
int64_t pieceElements(Type elementType, int64_t count) {
  return std::min<int64_t>(count, kVectorBytes / elementBytes(elementType));
}

/// `indices` with the last one advanced by `delta`.
SmallVector<Value> shiftLast(KernelBuilder &k, ValueRange indices,
                             int64_t delta) {
  SmallVector<Value> shifted(indices);
  if (delta != 0)
    shifted.back() = arith::AddIOp::create(k.b(), k.getLoc(), shifted.back(),
                                           k.index(delta));
  return shifted;
}

} // namespace

int64_t mlir::moe::getVectorWidth(Type elementType) {
  return std::max<int64_t>(kVectorBytes / elementBytes(elementType), 1);
}

Value mlir::moe::isVectorAligned(KernelBuilder &k, ValueRange memrefs) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  // A layout that is not strided (a general affine map) never takes the
  // vector path.
  for (Value memref : memrefs)
    if (!cast<MemRefType>(memref.getType()).isStrided())
      return arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  // OR together every address and outer stride in bytes: their low four bits
  // are all zero exactly when the result's are.
  Value bits, unitInnermost;
  auto orBits = [&](Value value) {
    bits = bits ? arith::OrIOp::create(b, loc, bits, value) : value;
  };
  for (Value memref : memrefs) {
    auto type = cast<MemRefType>(memref.getType());
    Value bytes = k.index(elementBytes(type.getElementType()));
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    orBits(arith::AddIOp::create(
        b, loc, pointer,
        arith::MulIOp::create(b, loc, metadata.getOffset(), bytes)));
    int64_t rank = type.getRank();
    for (int64_t d = 0; d + 1 < rank; ++d)
      orBits(arith::MulIOp::create(b, loc, metadata.getStrides()[d], bytes));
    if (rank == 0 || hasUnitInnermostStride(type))
      continue;
    Value unit =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                              metadata.getStrides()[rank - 1], k.index(1));
    unitInnermost = unitInnermost
                        ? arith::AndIOp::create(b, loc, unitInnermost, unit)
                        : unit;
  }
  if (!bits)
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value lowBits =
      arith::AndIOp::create(b, loc, bits, k.index(kVectorBytes - 1));
  Value aligned = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        lowBits, k.index(0));
  if (!unitInnermost)
    return aligned;
  return arith::AndIOp::create(b, loc, aligned, unitInnermost);
}

SmallVector<Value> mlir::moe::loadVectors(KernelBuilder &k, Value memref,
                                          ValueRange indices, int64_t count) {
  assert(count > 0 && llvm::isPowerOf2_64(count) && "count: a power of two");
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  int64_t perPiece = pieceElements(elementType, count);
  auto pieceType = VectorType::get({perPiece}, elementType);
  llvm::Align alignment(perPiece * elementBytes(elementType));
  SmallVector<Value> pieces;
  if (!cast<MemRefType>(memref.getType()).isStrided()) {
    // Not strided: isVectorAligned is false, this code never runs; element
    // loads keep the IR valid (vector.load needs a unit innermost stride).
    for (int64_t first = 0; first < count; first += perPiece) {
      SmallVector<Value> elements;
      for (int64_t i = 0; i < perPiece; ++i)
        elements.push_back(memref::LoadOp::create(
            k.b(), k.getLoc(), memref, shiftLast(k, indices, first + i)));
      pieces.push_back(vector::FromElementsOp::create(k.b(), k.getLoc(),
                                                      pieceType, elements));
    }
    return pieces;
  }
  Value view = getUnitStrideView(k, memref);
  for (int64_t first = 0; first < count; first += perPiece)
    pieces.push_back(vector::LoadOp::create(k.b(), k.getLoc(), pieceType, view,
                                            shiftLast(k, indices, first),
                                            /*nontemporal=*/false, alignment));
  return pieces;
}

void mlir::moe::storeVectors(KernelBuilder &k, ArrayRef<Value> pieces,
                             Value memref, ValueRange indices) {
  int64_t first = 0;
  if (!cast<MemRefType>(memref.getType()).isStrided()) {
    // Not strided: never runs (see loadVectors).
    for (Value piece : pieces) {
      int64_t perPiece = cast<VectorType>(piece.getType()).getNumElements();
      for (int64_t i = 0; i < perPiece; ++i)
        memref::StoreOp::create(k.b(), k.getLoc(),
                                vector::ExtractOp::create(k.b(), k.getLoc(),
                                                          piece,
                                                          ArrayRef<int64_t>{i}),
                                memref, shiftLast(k, indices, first + i));
      first += perPiece;
    }
    return;
  }
  Value view = getUnitStrideView(k, memref);
  for (Value piece : pieces) {
    auto pieceType = cast<VectorType>(piece.getType());
    int64_t perPiece = pieceType.getNumElements();
    llvm::Align alignment(perPiece * elementBytes(pieceType.getElementType()));
    vector::StoreOp::create(k.b(), k.getLoc(), piece, view,
                            shiftLast(k, indices, first),
                            /*nontemporal=*/false, alignment);
    first += perPiece;
  }
}

SmallVector<Value> mlir::moe::loadF32s(KernelBuilder &k, Value memref,
                                       ValueRange indices, int64_t count) {
  if (count == 1)
    return {k.loadF32(memref, indices)};
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  SmallVector<Value> values;
  for (Value piece : loadVectors(k, memref, indices, count)) {
    int64_t perPiece = cast<VectorType>(piece.getType()).getNumElements();
    for (int64_t i = 0; i < perPiece; ++i) {
      Value element =
          vector::ExtractOp::create(b, loc, piece, ArrayRef<int64_t>{i});
      if (!element.getType().isF32())
        element = arith::ExtFOp::create(b, loc, b.getF32Type(), element);
      values.push_back(element);
    }
  }
  return values;
}

void mlir::moe::storeF32s(KernelBuilder &k, ArrayRef<Value> values,
                          Value memref, ValueRange indices) {
  if (values.size() == 1) {
    k.storeF32(values.front(), memref, indices);
    return;
  }
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  int64_t count = static_cast<int64_t>(values.size());
  int64_t perPiece = pieceElements(elementType, count);
  auto pieceType = VectorType::get({perPiece}, elementType);
  SmallVector<Value> pieces;
  for (int64_t first = 0; first < count; first += perPiece) {
    SmallVector<Value> narrow;
    for (Value value : values.slice(first, perPiece))
      narrow.push_back(elementType.isF32() ? value
                                           : arith::TruncFOp::create(
                                                 b, loc, elementType, value));
    pieces.push_back(vector::FromElementsOp::create(b, loc, pieceType, narrow));
  }
  storeVectors(k, pieces, memref, indices);
}

SmallVector<Value> mlir::moe::ifThenElseValues(
    KernelBuilder &k, Value condition,
    function_ref<SmallVector<Value>(KernelBuilder &)> thenBody,
    ValueRange elseValues) {
  auto ifOp = scf::IfOp::create(
      k.b(), k.getLoc(), condition,
      [&](OpBuilder &nested, Location loc) {
        KernelBuilder inner(nested, loc);
        scf::YieldOp::create(nested, loc, thenBody(inner));
      },
      [&](OpBuilder &nested, Location loc) {
        scf::YieldOp::create(nested, loc, elseValues);
      });
  return SmallVector<Value>(ifOp.getResults());
}

SmallVector<Value> mlir::moe::forEachColumnChunk(
    KernelBuilder &k, Value vectorAligned, Value columns, Value threadId,
    Value blockSize, int64_t width, ValueRange inits,
    function_ref<SmallVector<Value>(KernelBuilder &, Value, int64_t,
                                    ValueRange)>
        body) {
  auto walk = [&](KernelBuilder &k, Value begin, Value end, Value step,
                  int64_t count, ValueRange init) {
    return forLoopCarrying(k, begin, end, step, init,
                           [&](KernelBuilder &k, Value column,
                               ValueRange values) -> SmallVector<Value> {
                             return body(k, column, count, values);
                           });
  };
  auto ifOp = scf::IfOp::create(
      k.b(), k.getLoc(), vectorAligned,
      [&](OpBuilder &nested, Location loc) {
        KernelBuilder inner(nested, loc);
        Value widthValue = inner.index(width);
        // Whole chunks, then the rest of the row one column at a time.
        Value vectorEnd = arith::SubIOp::create(
            nested, loc, columns,
            arith::RemUIOp::create(nested, loc, columns, widthValue));
        Value first = arith::MulIOp::create(nested, loc, threadId, widthValue);
        Value chunkStep =
            arith::MulIOp::create(nested, loc, blockSize, widthValue);
        SmallVector<Value> values =
            walk(inner, first, vectorEnd, chunkStep, width, inits);
        Value tailBegin =
            arith::AddIOp::create(nested, loc, vectorEnd, threadId);
        values = walk(inner, tailBegin, columns, blockSize, 1, values);
        scf::YieldOp::create(nested, loc, values);
      },
      [&](OpBuilder &nested, Location loc) {
        KernelBuilder inner(nested, loc);
        scf::YieldOp::create(
            nested, loc, walk(inner, threadId, columns, blockSize, 1, inits));
      });
  return SmallVector<Value>(ifOp.getResults());
}

void mlir::moe::forEachColumnChunk(
    KernelBuilder &k, Value vectorAligned, Value columns, Value threadId,
    Value blockSize, int64_t width,
    function_ref<void(KernelBuilder &, Value, int64_t)> body) {
  forEachColumnChunk(k, vectorAligned, columns, threadId, blockSize, width,
                     ValueRange(),
                     [&](KernelBuilder &k, Value column, int64_t count,
                         ValueRange) -> SmallVector<Value> {
                       body(k, column, count);
                       return {};
                     });
}
