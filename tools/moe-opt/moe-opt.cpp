//===- moe-opt.cpp - The moe optimizer driver -----------------------------===//
//
// mlir-opt with the moe dialect and passes, plus the upstream dialects and
// passes the moe pipeline lowers through.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeDialect.h"
#include "moe/Dialect/Moe/Transforms/BufferizableOpInterfaceImpl.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllPasses();
  registry.insert<mlir::moe::MoeDialect>();
  mlir::moe::registerBufferizableOpInterfaceExternalModels(registry);
  mlir::moe::registerAllMoePasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "moe optimizer driver\n", registry));
}
