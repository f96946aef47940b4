//===- KernelBuilder.cpp - Helpers to build moe GPU kernels ---------------===//

#include "KernelBuilder.h"
#include "moe/Dialect/Moe/IR/MoeConfig.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::moe;

int64_t mlir::moe::getConfigInt(Operation *op, StringRef key,
                                int64_t fallback) {
  auto config = op->getAttrOfType<DictionaryAttr>(kConfigAttrName);
  if (!config)
    return fallback;
  // The dialect's verifier has checked the value (MoeConfig.h); reading it
  // through the same helper never asserts on an i128 or unsigned value.
  if (std::optional<int64_t> value = getConfigIntValue(config.get(key)))
    return *value;
  return fallback;
}

MemRefType mlir::moe::getWorkgroupBufferType(MLIRContext *context, int64_t size,
                                             Type element) {
  int64_t bytes = std::max<int64_t>(element.getIntOrFloatBitWidth() / 8, 1);
  int64_t perChunk = std::max<int64_t>(16 / bytes, 1);
  int64_t padded = llvm::alignTo(std::max<int64_t>(size, 1), perChunk);
  return MemRefType::get(
      {padded}, element, MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup));
}

Value mlir::moe::getWorkgroupBuffer(OpBuilder &builder, unsigned index) {
  Operation *parent = builder.getInsertionBlock()->getParentOp();
  auto launch = isa<gpu::LaunchOp>(parent)
                    ? cast<gpu::LaunchOp>(parent)
                    : parent->getParentOfType<gpu::LaunchOp>();
  return launch.getWorkgroupAttributions()[index];
}

Value KernelBuilder::index(int64_t value) {
  return arith::ConstantIndexOp::create(builder, loc, value);
}

Value KernelBuilder::f32(float value) {
  return arith::ConstantOp::create(builder, loc,
                                   builder.getF32FloatAttr(value));
}

Value KernelBuilder::i32(int32_t value) {
  return arith::ConstantOp::create(builder, loc,
                                   builder.getI32IntegerAttr(value));
}

Value KernelBuilder::dim(Value memref, int64_t dim) {
  return memref::DimOp::create(builder, loc, memref, dim);
}

Value KernelBuilder::loadF32(Value memref, ValueRange indices) {
  Value value = memref::LoadOp::create(builder, loc, memref, indices);
  if (value.getType().isF32())
    return value;
  if (isa<Float8E4M3FNType>(value.getType()))
    return decodeE4m3(value);
  return arith::ExtFOp::create(builder, loc, builder.getF32Type(), value);
}

Value KernelBuilder::decodeE4m3(Value value) {
  Type i8Type = builder.getI8Type(), i32Type = builder.getI32Type();
  Type f32Type = builder.getF32Type();
  // One op per statement: the IR must not depend on the order in which the
  // compiler evaluates function arguments.
  Value signMask = i32(0x80), magnitudeMask = i32(0x7f);
  Value mantissaMask = i32(7), signShift = i32(24), rebias = i32(120 << 3);
  Value mantissaShift = i32(20), firstNormal = i32(8);
  Value quietNaN = i32(0x7fc00000);
  Value subnormalUnit = f32(0x1p-9f);
  Value byte = arith::BitcastOp::create(builder, loc, i8Type, value);
  Value bits = arith::ExtUIOp::create(builder, loc, i32Type, byte);
  Value signBit = arith::AndIOp::create(builder, loc, bits, signMask);
  Value sign = arith::ShLIOp::create(builder, loc, signBit, signShift);
  Value magnitude = arith::AndIOp::create(builder, loc, bits, magnitudeMask);
  // A normal value: exponent e - 7 + 127 and the 3 mantissa bits at the top
  // of f32's, i.e. (magnitude + (120 << 3)) << 20.
  Value rebiased = arith::AddIOp::create(builder, loc, magnitude, rebias);
  Value normal = arith::ShLIOp::create(builder, loc, rebiased, mantissaShift);
  // A subnormal (exponent 0, zero included): m * 2^-9, exact in f32.
  Value mantissa = arith::AndIOp::create(builder, loc, bits, mantissaMask);
  Value count = arith::UIToFPOp::create(builder, loc, f32Type, mantissa);
  Value tiny = arith::MulFOp::create(builder, loc, count, subnormalUnit);
  Value tinyBits = arith::BitcastOp::create(builder, loc, i32Type, tiny);
  Value isSubnormal = arith::CmpIOp::create(
      builder, loc, arith::CmpIPredicate::ult, magnitude, firstNormal);
  Value unsignedBits =
      arith::SelectOp::create(builder, loc, isSubnormal, tinyBits, normal);
  Value signedBits = arith::OrIOp::create(builder, loc, unsignedBits, sign);
  Value isNaN = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                      magnitude, magnitudeMask);
  Value result =
      arith::SelectOp::create(builder, loc, isNaN, quietNaN, signedBits);
  return arith::BitcastOp::create(builder, loc, f32Type, result);
}

Value KernelBuilder::roundTo(Value value, Type type) {
  if (type.isF32())
    return value;
  Value narrow = arith::TruncFOp::create(builder, loc, type, value);
  return arith::ExtFOp::create(builder, loc, builder.getF32Type(), narrow);
}

void KernelBuilder::storeF32(Value value, Value memref, ValueRange indices) {
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  if (!elementType.isF32())
    value = arith::TruncFOp::create(builder, loc, elementType, value);
  memref::StoreOp::create(builder, loc, value, memref, indices);
}

Value KernelBuilder::silu(Value v) {
  // exp(-v) as exp2(-v log2(e)) and an approximate division: one ex2.approx
  // and one rcp.approx instead of libdevice's range-reduced expf and the
  // IEEE division's ten-instruction sequence.
  auto approx = arith::FastMathFlagsAttr::get(builder.getContext(),
                                              arith::FastMathFlags::afn);
  Value scaled =
      arith::MulFOp::create(builder, loc, v, f32(-1.4426950408889634f));
  Value expNeg = math::Exp2Op::create(builder, loc, scaled);
  Value denominator = arith::AddFOp::create(builder, loc, f32(1.0f), expNeg);
  return arith::DivFOp::create(builder, loc, v, denominator, approx);
}

Value KernelBuilder::sqrt(Value v) {
  return math::SqrtOp::create(builder, loc, v);
}

Value KernelBuilder::ceilDiv(Value a, Value b) {
  return arith::CeilDivUIOp::create(builder, loc, a, b);
}

gpu::LaunchOp KernelBuilder::launch(
    Value numBlocks, int64_t blockSize,
    function_ref<void(KernelBuilder &, const LaunchIds &)> body,
    TypeRange workgroupBuffers) {
  return launch(numBlocks, blockSize, /*clusterSize=*/1, body,
                workgroupBuffers);
}

gpu::LaunchOp KernelBuilder::launch(
    Value numBlocks, int64_t blockSize, int64_t clusterSize,
    function_ref<void(KernelBuilder &, const LaunchIds &)> body,
    TypeRange workgroupBuffers) {
  // A launch of zero blocks is an error in CUDA: launch one block (one
  // cluster) instead and let the bounds checks make it do nothing.
  Value one = index(1);
  Value grid =
      arith::MaxUIOp::create(builder, loc, numBlocks, index(clusterSize));
  Value cluster = clusterSize > 1 ? index(clusterSize) : Value();
  auto launchOp = gpu::LaunchOp::create(
      builder, loc, grid, one, one, index(blockSize), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/ValueRange(), workgroupBuffers,
      /*privateAttributions=*/TypeRange(), cluster, cluster ? one : Value(),
      cluster ? one : Value());
  // The builder adds the region arguments of a launch without clusters:
  // the cluster ids and sizes go after the block and thread ones, before
  // the attributions.
  if (cluster) {
    Block &entry = launchOp.getBody().front();
    for (unsigned i = 0; i < 6; ++i)
      entry.insertArgument(gpu::LaunchOp::kNumConfigRegionAttributes + i,
                           builder.getIndexType(), loc);
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(&launchOp.getBody().front());
  LaunchIds ids{launchOp.getBlockIds().x, launchOp.getThreadIds().x,
                launchOp.getGridSize().x, launchOp.getBlockSize().x};
  KernelBuilder bodyBuilder(builder, loc);
  body(bodyBuilder, ids);
  gpu::TerminatorOp::create(builder, loc);
  return launchOp;
}

void KernelBuilder::forLoop(Value lower, Value upper, Value step,
                            function_ref<void(KernelBuilder &, Value)> body) {
  scf::ForOp::create(
      builder, loc, lower, upper, step, ValueRange(),
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange) {
        KernelBuilder inner(nested, nestedLoc);
        body(inner, iv);
        scf::YieldOp::create(nested, nestedLoc);
      });
}

Value KernelBuilder::forLoopF32(
    Value lower, Value upper, Value step, Value init,
    function_ref<Value(KernelBuilder &, Value, Value)> body) {
  auto loop = scf::ForOp::create(
      builder, loc, lower, upper, step, ValueRange{init},
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange args) {
        KernelBuilder inner(nested, nestedLoc);
        Value next = body(inner, iv, args.front());
        scf::YieldOp::create(nested, nestedLoc, next);
      });
  return loop.getResult(0);
}

void KernelBuilder::ifThen(Value condition,
                           function_ref<void(KernelBuilder &)> body) {
  scf::IfOp::create(builder, loc, condition,
                    [&](OpBuilder &nested, Location nestedLoc) {
                      KernelBuilder inner(nested, nestedLoc);
                      body(inner);
                      scf::YieldOp::create(nested, nestedLoc);
                    });
}

void KernelBuilder::ifThenElse(Value condition,
                               function_ref<void(KernelBuilder &)> thenBody,
                               function_ref<void(KernelBuilder &)> elseBody) {
  auto branch = [](function_ref<void(KernelBuilder &)> body) {
    return [body](OpBuilder &nested, Location nestedLoc) {
      KernelBuilder inner(nested, nestedLoc);
      body(inner);
      scf::YieldOp::create(nested, nestedLoc);
    };
  };
  scf::IfOp::create(builder, loc, condition, branch(thenBody),
                    branch(elseBody));
}

Value KernelBuilder::ifThenElseF32(
    Value condition, function_ref<Value(KernelBuilder &)> thenBody,
    float elseValue) {
  auto ifOp = scf::IfOp::create(
      builder, loc, condition,
      [&](OpBuilder &nested, Location nestedLoc) {
        KernelBuilder inner(nested, nestedLoc);
        scf::YieldOp::create(nested, nestedLoc, thenBody(inner));
      },
      [&](OpBuilder &nested, Location nestedLoc) {
        KernelBuilder inner(nested, nestedLoc);
        scf::YieldOp::create(nested, nestedLoc, inner.f32(elseValue));
      });
  return ifOp.getResult(0);
}

Value mlir::moe::cmpI(KernelBuilder &k, arith::CmpIPredicate predicate,
                      Value lhs, Value rhs) {
  return arith::CmpIOp::create(k.b(), k.getLoc(), predicate, lhs, rhs);
}

Value mlir::moe::cmpF(KernelBuilder &k, arith::CmpFPredicate predicate,
                      Value lhs, Value rhs) {
  return arith::CmpFOp::create(k.b(), k.getLoc(), predicate, lhs, rhs);
}

Value mlir::moe::select(KernelBuilder &k, Value condition, Value onTrue,
                        Value onFalse) {
  return arith::SelectOp::create(k.b(), k.getLoc(), condition, onTrue, onFalse);
}

Value mlir::moe::add(KernelBuilder &k, Value a, Value b) {
  return arith::AddIOp::create(k.b(), k.getLoc(), a, b);
}
Value mlir::moe::sub(KernelBuilder &k, Value a, Value b) {
  return arith::SubIOp::create(k.b(), k.getLoc(), a, b);
}
Value mlir::moe::mul(KernelBuilder &k, Value a, Value b) {
  return arith::MulIOp::create(k.b(), k.getLoc(), a, b);
}
Value mlir::moe::divU(KernelBuilder &k, Value a, Value b) {
  return arith::DivUIOp::create(k.b(), k.getLoc(), a, b);
}
Value mlir::moe::remU(KernelBuilder &k, Value a, Value b) {
  return arith::RemUIOp::create(k.b(), k.getLoc(), a, b);
}
Value mlir::moe::minU(KernelBuilder &k, Value a, Value b) {
  return arith::MinUIOp::create(k.b(), k.getLoc(), a, b);
}
Value mlir::moe::maxU(KernelBuilder &k, Value a, Value b) {
  return arith::MaxUIOp::create(k.b(), k.getLoc(), a, b);
}
Value mlir::moe::andI(KernelBuilder &k, Value a, Value b) {
  return arith::AndIOp::create(k.b(), k.getLoc(), a, b);
}

Value mlir::moe::toI32(KernelBuilder &k, Value index) {
  return arith::IndexCastOp::create(k.b(), k.getLoc(), k.b().getI32Type(),
                                    index);
}

Value mlir::moe::toIndex(KernelBuilder &k, Value i32) {
  return arith::IndexCastOp::create(k.b(), k.getLoc(), k.b().getIndexType(),
                                    i32);
}

SmallVector<Value> mlir::moe::forLoopCarrying(
    KernelBuilder &k, Value lower, Value upper, Value step, ValueRange inits,
    function_ref<SmallVector<Value>(KernelBuilder &, Value, ValueRange)> body) {
  auto loop = scf::ForOp::create(
      k.b(), k.getLoc(), lower, upper, step, inits,
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange args) {
        KernelBuilder inner(nested, loc);
        scf::YieldOp::create(nested, loc, body(inner, iv, args));
      });
  return SmallVector<Value>(loop.getResults());
}

nvgpu::TensorMapSwizzleKind mlir::moe::tensorMapSwizzle(int64_t bytes) {
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
