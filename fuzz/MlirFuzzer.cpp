//===- MlirFuzzer.cpp - moe IR through parsing and the host passes --------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The input is MLIR text, as a user hands it to moe-opt or moe-compile.sh.
// It is parsed and verified; a valid module then goes through what
// moe-compile.sh runs before code generation:
//  - printing it and parsing the print again (the custom assembly of the moe
//    ops round-trips);
//  - --moe-export-manifest, whose manifest moe-runner's parser must accept,
//    and which writes nothing when it fails;
//  - the tensor pipeline (decomposition, canonicalization, configuration
//    selection) and the kernel pipeline (bufferization, the tile IR passes,
//    convert-moe-to-gpu, outlining, stream order, C interfaces), for one
//    input in four also with warp specialization.
// Every failure must be a diagnostic. The NVVM lowering and PTX generation
// after that are upstream passes and are left out: they cost most of a
// compile and contain no moe code.
//
//===----------------------------------------------------------------------===//

#include "FuzzMlir.h"
#include "Manifest.h"

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <fstream>
#include <sstream>

using namespace mlir;
using namespace ::moe::fuzz;

namespace {

/// The printed module parses again.
void checkRoundTrip(FuzzContext &context, ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream stream(text);
  module.print(stream);
  if (!parseSourceString<ModuleOp>(text, &context.get()))
    reportBug("the printed module does not parse again (" +
              context.firstError() + "):\n" + text);
}

std::string readFile(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

/// --moe-export-manifest either fails and writes nothing, or writes a
/// manifest that moe-runner reads.
void checkManifest(FuzzContext &context, ModuleOp module) {
  const std::string &path = getScratchFile("export.manifest");
  llvm::sys::fs::remove(path);
  PassManager pm = PassManager::on<ModuleOp>(&context.get());
  mlir::moe::MoeExportManifestOptions options;
  options.path = path;
  pm.addPass(mlir::moe::createMoeExportManifest(options));
  if (failed(pm.run(module))) {
    if (llvm::sys::fs::exists(path))
      reportBug("moe-export-manifest failed (" + context.firstError() +
                ") but wrote a manifest:\n" + readFile(path));
    return;
  }
  ::moe::runner::Manifest manifest;
  std::string error;
  if (!::moe::runner::readManifest(path, manifest, error))
    reportBug("moe-export-manifest wrote a manifest moe-runner rejects: " +
              error + "\n" + readFile(path));
}

/// The tensor and kernel pipelines of --moe-to-nvvm; \p alsoSpecialize
/// lowers a copy with warp specialization too.
void lower(FuzzContext &context, ModuleOp module, bool alsoSpecialize) {
  PassManager tensor = PassManager::on<ModuleOp>(&context.get());
  mlir::moe::buildMoeTensorPipeline(tensor);
  if (failed(tensor.run(module)))
    return;
  // Warp specialization changes only the tiled GEMM kernels.
  bool hasGemm = false;
  module.walk([&](mlir::moe::GroupedMatmulOp) { hasGemm = true; });
  OwningOpRef<ModuleOp> copy =
      hasGemm && alsoSpecialize ? module.clone() : nullptr;
  PassManager kernels = PassManager::on<ModuleOp>(&context.get());
  mlir::moe::buildMoeKernelPipeline(kernels, /*warpSpecialize=*/false);
  (void)kernels.run(module);
  if (copy) {
    PassManager specialized = PassManager::on<ModuleOp>(&context.get());
    mlir::moe::buildMoeKernelPipeline(specialized, /*warpSpecialize=*/true);
    (void)specialized.run(*copy);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzContext context;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "input.mlir"),
      llvm::SMLoc());
  // Parsing verifies.
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, &context.get());
  if (!module)
    return 0;
  checkRoundTrip(context, *module);
  checkManifest(context, *module);
  // GEMM kernels cost most of a run: one input in four (by its size, so a
  // replay takes the same path) is also lowered with warp specialization.
  lower(context, *module, /*alsoSpecialize=*/size % 4 == 0);
  return 0;
}
