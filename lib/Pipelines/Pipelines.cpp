//===- Pipelines.cpp - The moe-to-nvvm pipeline ---------------------------===//

#include "moe/Pipelines/Pipelines.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"
#include "moe/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/OptimizeForNVVM.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::buildMoeTensorPipeline(OpPassManager &pm, StringRef configTable,
                                       bool gatherTokenRows) {
  pm.addPass(createMoeDecomposeFusedMoe({gatherTokenRows}));
  pm.addPass(createMoeDecomposeMotLinear({gatherTokenRows}));
  pm.addPass(createCanonicalizerPass());
  MoeSelectConfigsOptions configs;
  configs.table = configTable.str();
  pm.addPass(createMoeSelectConfigs(configs));
}

void mlir::moe::buildMoeKernelPipeline(OpPassManager &pm, bool warpSpecialize,
                                       bool fuseRouting,
                                       int64_t fuseRoutingMaxSlots) {
  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  // Grouped GEMMs: a tiled kernel in tile IR, its K loop pipelined onto a
  // ring (optionally a producer warpgroup for the copies), the copies lowered
  // to TMA loads on mbarriers and the rest of the tile ops to nvgpu; everything
  // else (and the GEMMs the tiled kernel cannot take) gets its kernel from
  // convert-moe-to-gpu.
  pm.addPass(createMoeTileGroupedMatmul());
  pm.addPass(createMoePipelineTileLoads());
  // Launches whose configuration asks for it, or all with warp-specialize.
  MoeWarpSpecializeOptions specialize;
  specialize.onlyMarked = !warpSpecialize;
  pm.addPass(createMoeWarpSpecialize(specialize));
  pm.addPass(createMoeCreateTmaDescriptors());
  pm.addPass(createConvertMoeTileToNVGPU());
  ConvertMoeToGPUOptions kernels;
  kernels.fuseRouting = fuseRouting;
  kernels.fuseRoutingMaxSlots = fuseRoutingMaxSlots;
  pm.addPass(createConvertMoeToGPU(kernels));
  pm.addNestedPass<func::FuncOp>(createMoeDeviceAllocations());
  pm.addPass(createGpuKernelOutliningPass());
  // One stream per call: allocations, kernels and frees are ordered on it
  // with no host synchronization until the function returns (upstream
  // gpu-async-region synchronizes around every op with side effects).
  pm.addNestedPass<func::FuncOp>(createMoeStreamOrder());
  pm.addPass(createMoeEmitCInterface());
}

std::string mlir::moe::findCudaToolkit(StringRef requested) {
  SmallVector<std::string> candidates;
  if (!requested.empty())
    candidates.push_back(requested.str());
  if (const char *home = std::getenv("CUDA_HOME"))
    candidates.push_back(home);
  candidates.push_back("/usr/local/cuda");
  for (const std::string &candidate : candidates)
    if (llvm::sys::fs::is_directory(candidate))
      return candidate;
  return "";
}

bool mlir::moe::hasGridDependencyControl(StringRef chip) {
  unsigned version = 0;
  return chip.consume_front("sm_") &&
         !chip.take_while(llvm::isDigit).getAsInteger(10, version) &&
         version >= 90;
}

void mlir::moe::buildNVVMLoweringPipeline(
    OpPassManager &pm, const MoeToNVVMPipelineOptions &options) {
  std::string toolkit = findCudaToolkit(options.cudaPath);
  SmallString<128> libdevice(toolkit);
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");

  // Host and kernel code to LLVM/NVVM.
  pm.addPass(createConvertNVGPUToNVVMPass());
  // While the wgmmas are NVVM ops (convert-nvvm-to-llvm makes them inline
  // assembly).
  if (options.elideWgmmaFences)
    pm.addPass(createMoeElideWgmmaFences());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  // Math ops become libdevice calls (__nv_expf, ...): link it so the PTX is
  // self-contained.
  if (!toolkit.empty() && llvm::sys::fs::exists(libdevice))
    target.linkLibs.push_back(std::string(libdevice));
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  pm.addNestedPass<gpu::GPUModuleOp>(createStripDebugInfoPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(LLVM::createNVVMOptimizeForTargetPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  // Host calls to the runtime, kernels to PTX/cubin.
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createMoeTensorMapsByValue());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::moe::buildMoeToNVVMPipeline(
    OpPassManager &pm, const MoeToNVVMPipelineOptions &options) {
  buildMoeTensorPipeline(pm, options.configTable, options.gatherTokenRows);
  buildMoeKernelPipeline(pm, options.warpSpecialize, options.fuseRouting,
                         options.fuseRoutingMaxSlots);
  if (options.programmaticLaunch && hasGridDependencyControl(options.chip))
    pm.addPass(createMoeProgrammaticLaunch());
  buildNVVMLoweringPipeline(pm, options);
}

void mlir::moe::registerMoePipelines() {
  PassPipelineRegistration<MoeToNVVMPipelineOptions>(
      "moe-to-nvvm",
      "Compile moe IR to GPU kernels (PTX/cubin in gpu.binary) and host code "
      "calling the moe runtime",
      buildMoeToNVVMPipeline);
}

void mlir::moe::registerAllMoePasses() {
  registerMoePasses();
  registerMoeConversionPasses();
  registerMoeHostPasses();
  registerMoePipelines();
}
