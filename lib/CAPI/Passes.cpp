//===- Passes.cpp - C API of the moe passes and pipeline ------------------===//

#include "moe-c/Passes.h"
#include "moe/Compile/Compile.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Support.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

void mlirRegisterMoePasses(void) {
  // The registries reject a second registration of a pipeline: register once.
  static bool registered = [] {
    moe::registerAllMoePasses();
    return true;
  }();
  (void)registered;
}

/// Parses the moe-to-nvvm options in `options`; on failure passes the
/// message to `errorCallback` (when set) and returns null.
static std::unique_ptr<moe::MoeToNVVMPipelineOptions>
parsePipelineOptions(MlirStringRef options, MlirStringCallback errorCallback,
                     void *userData) {
  auto parsed = std::make_unique<moe::MoeToNVVMPipelineOptions>();
  std::string message;
  llvm::raw_string_ostream os(message);
  if (succeeded(parsed->parseFromString(unwrap(options), os)))
    return parsed;
  if (errorCallback)
    errorCallback(wrap(llvm::StringRef(message)), userData);
  return nullptr;
}

MlirLogicalResult mlirMoeBuildToNVVMPipeline(MlirOpPassManager passManager,
                                             MlirStringRef options,
                                             MlirStringCallback errorCallback,
                                             void *userData) {
  auto parsed = parsePipelineOptions(options, errorCallback, userData);
  if (!parsed)
    return mlirLogicalResultFailure();
  moe::buildMoeToNVVMPipeline(*unwrap(passManager), *parsed);
  return mlirLogicalResultSuccess();
}

MlirLogicalResult mlirMoeCompileToNVVM(MlirModule module, MlirStringRef options,
                                       MlirStringCallback errorCallback,
                                       void *userData) {
  auto parsed = parsePipelineOptions(options, errorCallback, userData);
  if (!parsed)
    return mlirLogicalResultFailure();
  ModuleOp moduleOp = unwrap(module);
  PassManager pm(moduleOp->getName());
  moe::buildMoeToNVVMPipeline(pm, *parsed);
  return wrap(pm.run(moduleOp));
}

MlirLogicalResult
mlirMoeCompileToArtifact(MlirModule module, MlirStringRef options,
                         MlirStringRef outDir, MlirStringRef name,
                         MlirStringCallback pathCallback, void *userData) {
  moe::CompileOptions compileOptions;
  compileOptions.pipelineOptions = unwrap(options).str();
  FailureOr<moe::Artifact> artifact = moe::compileToArtifact(
      unwrap(module), compileOptions, unwrap(outDir), unwrap(name));
  if (failed(artifact))
    return mlirLogicalResultFailure();
  if (pathCallback)
    pathCallback(wrap(llvm::StringRef(artifact->library)), userData);
  return mlirLogicalResultSuccess();
}
