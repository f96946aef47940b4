// Compiles a module into an artifact with the compile call, as README shows.
#include "moe/Compile/Compile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    llvm::errs() << "usage: compile-artifact FILE.mlir OUTDIR\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  mlir::moe::registerCompileDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], &context);
  if (!module)
    return 1;
  mlir::moe::CompileOptions options;
  options.format = "isa";
  mlir::FailureOr<mlir::moe::Artifact> artifact =
      mlir::moe::compileToArtifact(*module, options, argv[2], "layer");
  if (mlir::failed(artifact))
    return 1;
  llvm::outs() << artifact->library << "\n" << artifact->manifest << "\n";
  return 0;
}
