//===- moe-compile.cpp - moe IR to a loadable GPU artifact ----------------===//
//
//   moe-compile [--chip sm_90a] [--format isa|bin|fatbin]
//               [--pipeline-options "warp-specialize=1 ..."] IN.mlir OUTDIR
//
// writes OUTDIR/<name>.so, OUTDIR/<name>.manifest and OUTDIR/<name>.llvm.mlir
// (docs/Artifacts.md) and prints the path of the .so. MOE_PIPELINE_OPTIONS
// in the environment adds moe-to-nvvm options, as for utils/moe-compile.sh;
// CXX names the compiler driver that links.
//
//===----------------------------------------------------------------------===//

#include "moe/Compile/Compile.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                          cl::desc("<input .mlir>"));
static cl::opt<std::string> outputDir(cl::Positional, cl::Required,
                                      cl::desc("<output directory>"));
static cl::opt<std::string>
    chip("chip", cl::desc("GPU architecture of the kernels (default sm_90a)"),
         cl::value_desc("sm_XX"));
static cl::opt<std::string>
    format("format",
           cl::desc("Kernel binary format: isa (PTX, the default), bin "
                    "(cubin) or fatbin; bin and fatbin need ptxas"),
           cl::value_desc("isa|bin|fatbin"));
static cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("More moe-to-nvvm options, e.g. \"warp-specialize=1 "
             "config-table=FILE\"; they come after $MOE_PIPELINE_OPTIONS, "
             "--chip and --format, and win"),
    cl::value_desc("options"));
static cl::opt<std::string>
    artifactName("name",
                 cl::desc("Name of the artifact's files (default: the input's "
                          "file name without .mlir)"),
                 cl::value_desc("name"));
static cl::opt<bool>
    emitLoweredIR("emit-llvm-mlir",
                  cl::desc("Also write <name>.llvm.mlir, the lowered IR"),
                  cl::init(true));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "moe-compile: moe IR to a loadable GPU artifact "
                              "(.so + .manifest)\n");

  std::string name = artifactName;
  if (name.empty()) {
    if (inputFilename == "-") {
      llvm::errs() << "moe-compile: reading stdin needs --name\n";
      return 2;
    }
    StringRef base = llvm::sys::path::filename(inputFilename);
    base.consume_back(".mlir");
    name = base.str();
  }

  moe::CompileOptions options;
  options.chip = chip;
  options.format = format;
  if (const char *env = std::getenv("MOE_PIPELINE_OPTIONS"))
    options.pipelineOptions = env;
  options.pipelineOptions += " " + pipelineOptions;
  options.emitLoweredIR = emitLoweredIR;
  options.configurePassManager = [](PassManager &pm) {
    return applyPassManagerCLOptions(pm);
  };

  DialectRegistry registry;
  moe::registerCompileDialects(registry);
  MLIRContext context(registry);
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &message);
  if (!input) {
    llvm::errs() << "moe-compile: " << message << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;
  FailureOr<moe::Artifact> artifact =
      moe::compileToArtifact(*module, options, outputDir, name);
  if (failed(artifact))
    return 1;
  llvm::outs() << artifact->library << "\n";
  return 0;
}
