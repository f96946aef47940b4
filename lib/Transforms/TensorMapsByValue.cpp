//===- TensorMapsByValue.cpp - __grid_constant__ tensor maps --------------===//
//
// Upstream lowers a tensor map operand of a kernel to a pointer to a copy
// in device memory, allocated and copied synchronously on every call. Our
// runtime's mgpuTensorMapEncodeTiledMemref returns a host pointer instead;
// this pass passes the 128 bytes it points to as the kernel parameter
// itself (byval + nvvm.grid_constant), frees the host copy after the launch,
// and so keeps launches asynchronous and capturable in CUDA graphs.
//
//===----------------------------------------------------------------------===//

#include "moe/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOETENSORMAPSBYVALUE
#include "moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr StringLiteral kEncodeFunction = "mgpuTensorMapEncodeTiledMemref";
constexpr int64_t kTensorMapBytes = 128;
constexpr int64_t kTensorMapAlign = 64;

/// The host pointer to a tensor map that `value` is, looking through
/// unrealized casts; null otherwise.
Value findEncodedTensorMap(Value value) {
  while (auto cast = value.getDefiningOp<UnrealizedConversionCastOp>()) {
    if (cast.getInputs().size() != 1)
      return {};
    value = cast.getInputs().front();
  }
  auto call = value.getDefiningOp<LLVM::CallOp>();
  if (!call || call.getCallee() != kEncodeFunction)
    return {};
  return call.getResult();
}

LLVM::LLVMFuncOp getOrInsertFree(ModuleOp module) {
  MLIRContext *context = module.getContext();
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>("free"))
    return existing;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  auto type = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(context), {LLVM::LLVMPointerType::get(context)});
  return LLVM::LLVMFuncOp::create(builder, module.getLoc(), "free", type);
}

struct MoeTensorMapsByValuePass
    : mlir::moe::impl::MoeTensorMapsByValueBase<MoeTensorMapsByValuePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto mapType =
        LLVM::LLVMArrayType::get(IntegerType::get(context, 8), kTensorMapBytes);
    SymbolTableCollection symbols;
    bool failed = false;

    module.walk([&](gpu::LaunchFuncOp launch) {
      SmallVector<unsigned> positions;
      for (auto [index, operand] : llvm::enumerate(launch.getKernelOperands()))
        if (findEncodedTensorMap(operand))
          positions.push_back(index);
      if (positions.empty())
        return;
      auto kernel = symbols.lookupNearestSymbolFrom<LLVM::LLVMFuncOp>(
          launch, launch.getKernel());
      if (!kernel) {
        launch.emitOpError("passes a tensor map to ")
            << launch.getKernel()
            << ", which is not an llvm.func: run this pass after the kernels "
               "are lowered to LLVM";
        failed = true;
        return;
      }

      OpBuilder builder(launch);
      SmallVector<Value> toFree;
      for (unsigned position : positions) {
        if (position >= kernel.getNumArguments() ||
            !isa<LLVM::LLVMPointerType>(
                kernel.getArgument(position).getType())) {
          launch.emitOpError("tensor map operand #")
              << position << " does not match a pointer parameter of "
              << launch.getKernel();
          failed = true;
          return;
        }
        kernel.setArgAttr(position, LLVM::LLVMDialect::getByValAttrName(),
                          TypeAttr::get(mapType));
        kernel.setArgAttr(position, LLVM::LLVMDialect::getAlignAttrName(),
                          builder.getI64IntegerAttr(kTensorMapAlign));
        kernel.setArgAttr(position,
                          NVVM::NVVMDialect::getGridConstantAttrName(),
                          builder.getUnitAttr());
        Value hostMap =
            findEncodedTensorMap(launch.getKernelOperands()[position]);
        Value bytes =
            LLVM::LoadOp::create(builder, launch.getLoc(), mapType, hostMap);
        launch.getKernelOperandsMutable()[position].assign(bytes);
        toFree.push_back(hostMap);
      }
      // The driver copies the parameters when the launch is enqueued.
      builder.setInsertionPointAfter(launch);
      LLVM::LLVMFuncOp freeFunction = getOrInsertFree(module);
      for (Value map : toFree)
        LLVM::CallOp::create(builder, launch.getLoc(), freeFunction,
                             ValueRange{map});
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
