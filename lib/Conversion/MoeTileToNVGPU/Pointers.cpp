//===- Pointers.cpp - Element addresses of memrefs as LLVM pointers -------===//

#include "Pointers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

Value mlir::moe::pointerTo(OpBuilder &b, Location loc, Value memref,
                           Value index, int64_t elementBytes, unsigned space) {
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value elements = metadata.getOffset();
  if (index)
    elements = arith::AddIOp::create(b, loc, elements, index);
  Value bytes = arith::MulIOp::create(
      b, loc, elements, arith::ConstantIndexOp::create(b, loc, elementBytes));
  base = arith::AddIOp::create(b, loc, base, bytes);
  Value i64 = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), base);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), space), i64);
}
