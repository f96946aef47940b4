//===- TensorMapsByValue.cpp - __grid_constant__ tensor maps --------------===//
//
// Upstream lowers a tensor map operand of a kernel to a pointer to a copy
// in device memory (mgpuTensorMapEncodeTiledMemref), allocated and copied
// synchronously on every call. This pass encodes the map into a 128-byte
// slot on the host function's stack instead
// (moeTensorMapEncodeTiledMemrefByValue) and passes its bytes as the kernel
// parameter itself (byval + nvvm.grid_constant): no allocation, no copy, and
// launches stay asynchronous and capturable in CUDA graphs.
//
//===----------------------------------------------------------------------===//

#include "moe/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOETENSORMAPSBYVALUE
#include "moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr StringLiteral kEncodeFunction = "mgpuTensorMapEncodeTiledMemref";
constexpr StringLiteral kEncodeByValueFunction =
    "moeTensorMapEncodeTiledMemrefByValue";
constexpr int64_t kTensorMapBytes = 128;
constexpr int64_t kTensorMapAlign = 64;

/// The host value behind a launch operand, looking through unrealized
/// casts: the result of an upstream encoder call, a stack slot this pass
/// made for one (in `slots`), or null for any other operand.
Value findEncodedTensorMap(Value value, const DenseSet<Value> &slots) {
  while (auto cast = value.getDefiningOp<UnrealizedConversionCastOp>()) {
    if (cast.getInputs().size() != 1)
      return {};
    value = cast.getInputs().front();
  }
  if (slots.contains(value))
    return value;
  auto call = value.getDefiningOp<LLVM::CallOp>();
  if (!call || call.getCallee() != kEncodeFunction)
    return {};
  return call.getResult();
}

/// The runtime's by-value encoder: upstream's encoder's parameters after a
/// pointer to the map to write, no result.
LLVM::LLVMFuncOp getOrInsertEncodeByValue(ModuleOp module,
                                          LLVM::CallOp upstreamCall) {
  if (auto existing =
          module.lookupSymbol<LLVM::LLVMFuncOp>(kEncodeByValueFunction))
    return existing;
  MLIRContext *context = module.getContext();
  SmallVector<Type> parameters = {LLVM::LLVMPointerType::get(context)};
  llvm::append_range(parameters, upstreamCall.getArgOperands().getTypes());
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  auto type =
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), parameters);
  return LLVM::LLVMFuncOp::create(builder, module.getLoc(),
                                  kEncodeByValueFunction, type);
}

/// Replaces the upstream encoder call behind `hostMap` by the by-value
/// encoder writing into a stack slot of the enclosing function (made once
/// per call site, in the entry block so a loop reuses it) and returns the
/// slot; `hostMap` may already be such a slot.
Value encodeIntoStackSlot(Value hostMap, ModuleOp module,
                          DenseSet<Value> &slots) {
  if (slots.contains(hostMap))
    return hostMap;
  auto call = hostMap.getDefiningOp<LLVM::CallOp>();
  MLIRContext *context = module.getContext();
  Location loc = call.getLoc();
  auto function = call->getParentOfType<LLVM::LLVMFuncOp>();
  OpBuilder builder = OpBuilder::atBlockBegin(&function.getBody().front());
  Value one = LLVM::ConstantOp::create(builder, loc, builder.getI64Type(),
                                       builder.getI64IntegerAttr(1));
  auto mapType =
      LLVM::LLVMArrayType::get(IntegerType::get(context, 8), kTensorMapBytes);
  Value slot =
      LLVM::AllocaOp::create(builder, loc, LLVM::LLVMPointerType::get(context),
                             mapType, one, kTensorMapAlign);
  builder.setInsertionPoint(call);
  SmallVector<Value> operands = {slot};
  llvm::append_range(operands, call.getArgOperands());
  LLVM::CallOp::create(builder, loc, getOrInsertEncodeByValue(module, call),
                       operands);
  call.getResult().replaceAllUsesWith(slot);
  call.erase();
  slots.insert(slot);
  return slot;
}

struct MoeTensorMapsByValuePass
    : mlir::moe::impl::MoeTensorMapsByValueBase<MoeTensorMapsByValuePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto mapType =
        LLVM::LLVMArrayType::get(IntegerType::get(context, 8), kTensorMapBytes);
    SymbolTableCollection symbols;
    DenseSet<Value> slots;
    bool failed = false;

    // Collected first: the rewrite erases the encoder calls.
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    for (gpu::LaunchFuncOp launch : launches) {
      SmallVector<unsigned> positions;
      for (auto [index, operand] : llvm::enumerate(launch.getKernelOperands()))
        if (findEncodedTensorMap(operand, slots))
          positions.push_back(index);
      if (positions.empty())
        continue;
      auto kernel = symbols.lookupNearestSymbolFrom<LLVM::LLVMFuncOp>(
          launch, launch.getKernel());
      if (!kernel) {
        launch.emitOpError("passes a tensor map to ")
            << launch.getKernel()
            << ", which is not an llvm.func: run this pass after the kernels "
               "are lowered to LLVM";
        failed = true;
        continue;
      }

      OpBuilder builder(launch);
      for (unsigned position : positions) {
        if (position >= kernel.getNumArguments() ||
            !isa<LLVM::LLVMPointerType>(
                kernel.getArgument(position).getType())) {
          launch.emitOpError("tensor map operand #")
              << position << " does not match a pointer parameter of "
              << launch.getKernel();
          failed = true;
          break;
        }
        kernel.setArgAttr(position, LLVM::LLVMDialect::getByValAttrName(),
                          TypeAttr::get(mapType));
        kernel.setArgAttr(position, LLVM::LLVMDialect::getAlignAttrName(),
                          builder.getI64IntegerAttr(kTensorMapAlign));
        kernel.setArgAttr(position,
                          NVVM::NVVMDialect::getGridConstantAttrName(),
                          builder.getUnitAttr());
        Value slot = encodeIntoStackSlot(
            findEncodedTensorMap(launch.getKernelOperands()[position], slots),
            module, slots);
        // The driver copies the parameters when the launch is enqueued, so
        // the slot may be rewritten for the next launch.
        Value bytes =
            LLVM::LoadOp::create(builder, launch.getLoc(), mapType, slot);
        launch.getKernelOperandsMutable()[position].assign(bytes);
      }
    }
    if (failed) {
      signalPassFailure();
      return;
    }
    // Upstream's encoder is no longer called (unless by other code).
    if (auto upstream = module.lookupSymbol<LLVM::LLVMFuncOp>(kEncodeFunction))
      if (upstream.isExternal() &&
          SymbolTable::symbolKnownUseEmpty(upstream, module))
        upstream.erase();
  }
};

} // namespace
