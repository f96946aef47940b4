//===- Pipelines.h - The moe-to-nvvm pipeline -------------------*- C++ -*-===//
//
// moe IR (tensors) -> bufferized moe ops -> GPU kernels -> NVVM/PTX inside
// gpu.binary, plus host code calling the runtime's mgpu* functions.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PIPELINES_PIPELINES_H
#define MOE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace moe {

struct MoeToNVVMPipelineOptions
    : public PassPipelineOptions<MoeToNVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU architecture of the kernels"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> features{
      *this, "features", llvm::cl::desc("PTX features of the kernels"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Kernel binary format: isa (PTX, JIT-compiled by the "
                     "driver), bin (cubin) or fatbin; bin and fatbin need "
                     "ptxas"),
      llvm::cl::init("isa")};
  PassOptions::Option<int> optLevel{*this, "opt-level",
                                    llvm::cl::desc("NVVM optimization level"),
                                    llvm::cl::init(3)};
  PassOptions::Option<std::string> configTable{
      *this, "config-table",
      llvm::cl::desc("Tuned kernel configurations (moe-select-configs "
                     "table=); empty: the heuristic"),
      llvm::cl::init("")};
  PassOptions::Option<bool> warpSpecialize{
      *this, "warp-specialize",
      llvm::cl::desc("Give every tiled GEMM kernel a producer warpgroup "
                     "(moe-warp-specialize); without it, only those whose "
                     "#moe.gemm_config says warp_specialize = true (the "
                     "fp8 default from 4 rows per expert)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> gatherTokenRows{
      *this, "gather-token-rows",
      llvm::cl::desc("Decompose fused_moe and mot_linear without the row "
                     "copy (permute_indices, first GEMM reads x by index); "
                     "off by default, slower as measured "
                     "(docs/performance.md, 5f)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> fuseRouting{
      *this, "fuse-routing",
      llvm::cl::desc("Lower a gate and the align, permute or "
                     "permute_indices that sorts its ids into one launch "
                     "while T * (k + S) <= fuse-routing-max-slots "
                     "(convert-moe-to-gpu fuse-routing)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> fuseRoutingMaxSlots{
      *this, "fuse-routing-max-slots",
      llvm::cl::desc("The fused routing launch's bound on T * (k + S), "
                     "capped by one block's sort (convert-moe-to-gpu "
                     "fuse-routing-max-slots)"),
      llvm::cl::init(512)};
  PassOptions::Option<bool> programmaticLaunch{
      *this, "programmatic-launch",
      llvm::cl::desc("Open every kernel with griddepcontrol wait / "
                     "launch_dependents and mark its module, so that the "
                     "runtime overlaps each launch with the kernel before "
                     "it (moe-programmatic-launch; only for sm_90 and newer "
                     "chips)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> elideWgmmaFences{
      *this, "elide-wgmma-fences",
      llvm::cl::desc("One wgmma fence and wait per K step instead of one "
                     "per 16-wide slice (moe-elide-wgmma-fences)"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit whose libdevice is linked into the "
                     "kernels (math functions) and whose ptxas builds "
                     "bin/fatbin; default: $CUDA_HOME, else /usr/local/cuda"),
      llvm::cl::init("")};
};

/// Whether `chip` ("sm_90a", ...) has PTX griddepcontrol (sm_90 and newer).
bool hasGridDependencyControl(StringRef chip);

/// The CUDA toolkit the pipeline uses: `requested`, else $CUDA_HOME, else
/// /usr/local/cuda; empty when none exists.
std::string findCudaToolkit(StringRef requested);

/// Tensor-level moe rewrites: decomposition (`gatherTokenRows` as the
/// decomposition passes' option), canonicalization and kernel configurations
/// (from `configTable` when non-empty).
void buildMoeTensorPipeline(OpPassManager &pm, StringRef configTable = "",
                            bool gatherTokenRows = false);
/// Bufferization and the lowering of moe ops to outlined GPU kernels with
/// device allocations; `warpSpecialize` adds moe-warp-specialize;
/// `fuseRouting` and `fuseRoutingMaxSlots` are convert-moe-to-gpu's options
/// of those names.
void buildMoeKernelPipeline(OpPassManager &pm, bool warpSpecialize = false,
                            bool fuseRouting = true,
                            int64_t fuseRoutingMaxSlots = 512);
/// Lowers outlined kernels and host code to LLVM, kernels to PTX (linking
/// libdevice when the toolkit has it) and on to the requested binary format:
/// upstream gpu-lower-to-nvvm-pipeline's steps, with libdevice linked.
void buildNVVMLoweringPipeline(OpPassManager &pm,
                               const MoeToNVVMPipelineOptions &options);
/// The whole flow.
void buildMoeToNVVMPipeline(OpPassManager &pm,
                            const MoeToNVVMPipelineOptions &options);

/// Registers `moe-to-nvvm`.
void registerMoePipelines();

/// Registers every moe pass (dialect, conversion and host-side GPU passes)
/// and `moe-to-nvvm`: what moe-opt, the C API and the plugin offer. Call it
/// once: the registries reject a second registration of a pipeline.
void registerAllMoePasses();

} // namespace moe
} // namespace mlir

#endif // MOE_PIPELINES_PIPELINES_H
