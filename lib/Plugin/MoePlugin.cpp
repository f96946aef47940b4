//===- MoePlugin.cpp - The moe dialect and passes as an mlir-opt plugin ---===//
//
// Loaded by a stock mlir-opt:
//   mlir-opt --load-dialect-plugin=MoePlugin.so \
//            --load-pass-plugin=MoePlugin.so \
//            --pass-pipeline='builtin.module(moe-to-nvvm)' layer.mlir
// The plugin links the same libMLIR.so as mlir-opt and holds no MLIR of its
// own: registries, TypeIDs and command-line options are mlir-opt's.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeDialect.h"
#include "moe/Dialect/Moe/Transforms/BufferizableOpInterfaceImpl.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

using namespace mlir;

/// The moe dialect and its external models (bufferization).
extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MoeDialect", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            registry->insert<moe::MoeDialect>();
            moe::registerBufferizableOpInterfaceExternalModels(*registry);
          }};
}

/// Every moe pass and the moe-to-nvvm pipeline.
extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MoePasses", LLVM_VERSION_STRING,
          []() { moe::registerAllMoePasses(); }};
}
