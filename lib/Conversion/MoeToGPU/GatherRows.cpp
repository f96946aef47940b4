//===- GatherRows.cpp - gathered A rows into a contiguous buffer ----------===//
//
// The tiled grouped GEMM reads A through TMA, which on Hopper copies boxes
// of a strided tensor and cannot gather rows. For the vLLM layout (A rows
// read through `row_index[r] / index_divisor`), this kernel first copies
// the gathered rows into a contiguous [R, K] buffer (zero rows for negative
// or out-of-range indices), one block per row with 16-byte accesses where
// the buffers allow them; the tiled GEMM then reads that buffer. The copy
// costs one extra write and read of R x K elements (at T = 8192 for Qwen3,
// 268 MB: about 15% of the GEMM); per-row cp.async into the swizzled
// shared-memory slots would avoid it and is the next step.
//
//===----------------------------------------------------------------------===//

#include "GemmKernels.h"
#include "KernelBuilder.h"
#include "VectorAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::moe;

Value mlir::moe::gatherRows(PatternRewriter &rewriter, Location loc,
                            const RowGemm &gemm) {
  KernelBuilder kb(rewriter, loc);
  auto aType = cast<MemRefType>(gemm.a.getType());
  Value rows = kb.dim(gemm.rowIndex, 0);
  Value numARows = kb.dim(gemm.a, 0);
  Value columns = kb.dim(gemm.a, 1);
  SmallVector<Value> dynamicSizes = {rows};
  if (aType.isDynamicDim(1))
    dynamicSizes.push_back(columns);
  auto gatheredType = MemRefType::get(
      {ShapedType::kDynamic, aType.getDimSize(1)}, aType.getElementType());
  Value gathered =
      memref::AllocOp::create(rewriter, loc, gatheredType, dynamicSizes);
  Value vectorAligned = isVectorAligned(kb, {gemm.a, gathered});
  int64_t width = getVectorWidth(aType.getElementType());
  Type i64 = rewriter.getI64Type();

  kb.launch(rows, gemm.threads, [&](KernelBuilder &k, const LaunchIds &ids) {
    Value row = ids.blockId;
    k.ifThen(
        cmpI(k, arith::CmpIPredicate::ult, row, rows), [&](KernelBuilder &k) {
          OpBuilder &b = k.b();
          Value index = arith::ExtSIOp::create(
              b, loc, i64, memref::LoadOp::create(b, loc, gemm.rowIndex, row));
          Value source = arith::DivUIOp::create(
              b, loc, index,
              arith::ConstantOp::create(
                  b, loc, b.getI64IntegerAttr(gemm.indexDivisor)));
          Value valid = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::sge, index,
                  arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0))),
              arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::ult, source,
                  arith::IndexCastUIOp::create(b, loc, i64, numARows)));
          Value sourceRow =
              arith::IndexCastUIOp::create(b, loc, b.getIndexType(), source);
          // Block-uniform: the whole block copies or zeroes the row.
          forEachColumnChunk(
              k, vectorAligned, columns, ids.threadId, ids.blockSize, width,
              [&](KernelBuilder &k, Value column, int64_t count) {
                SmallVector<Value> zeros(count, k.f32(0.0f));
                SmallVector<Value> values = ifThenElseValues(
                    k, valid,
                    [&](KernelBuilder &k) {
                      return loadF32s(k, gemm.a, {sourceRow, column}, count);
                    },
                    zeros);
                storeF32s(k, values, gathered, {row, column});
              });
        });
  });
  return gathered;
}
