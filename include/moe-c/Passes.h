//===- Passes.h - C API of the moe passes and pipeline ------------*- C -*-===//
//
// Registration of the moe passes and the moe-to-nvvm pipeline, so that
// mlirParsePassPipeline finds them by name, and the compile call: the whole
// pipeline on a module.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_C_PASSES_H
#define MOE_C_PASSES_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Registers every moe pass (the dialect's and the conversions') and the
/// `moe-to-nvvm` pipeline in the global pass registry. Calling it again does
/// nothing.
MLIR_CAPI_EXPORTED void mlirRegisterMoePasses(void);

/// Appends the `moe-to-nvvm` pipeline to `passManager`. `options` is the
/// pipeline's option string as on the command line, e.g.
/// "chip=sm_90a format=isa" (empty: the defaults). Returns failure, with a
/// message for `errorCallback` (when not null), on an invalid option string.
MLIR_CAPI_EXPORTED MlirLogicalResult
mlirMoeBuildToNVVMPipeline(MlirOpPassManager passManager, MlirStringRef options,
                           MlirStringCallback errorCallback, void *userData);

/// The compile call: runs the `moe-to-nvvm` pipeline with `options` on
/// `module` in place (tensor-level moe IR in, gpu.binary and LLVM host code
/// out). Failures are reported through the context's diagnostic handlers, an
/// invalid option string through `errorCallback`.
MLIR_CAPI_EXPORTED MlirLogicalResult
mlirMoeCompileToNVVM(MlirModule module, MlirStringRef options,
                     MlirStringCallback errorCallback, void *userData);

/// The compile call to an artifact (include/moe/Compile/Compile.h, as
/// moe-compile): the manifest export and the `moe-to-nvvm` pipeline with
/// `options` (e.g. "chip=sm_90a format=fatbin") on `module`, in place, then
/// in process to a host object, linked by the system compiler driver ($CXX,
/// else c++) into `outDir`/`name`.so beside `outDir`/`name`.manifest. On
/// success `pathCallback` (when not null) gets the path of the .so. Every
/// failure, an invalid option string included, is reported through the
/// context's diagnostic handlers.
MLIR_CAPI_EXPORTED MlirLogicalResult mlirMoeCompileToArtifact(
    MlirModule module, MlirStringRef options, MlirStringRef outDir,
    MlirStringRef name, MlirStringCallback pathCallback, void *userData);

#ifdef __cplusplus
}
#endif

#endif // MOE_C_PASSES_H
