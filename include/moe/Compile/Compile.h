//===- Compile.h - moe IR to a loadable GPU artifact ------------*- C++ -*-===//
//
// The in-process compile call behind `moe-compile`: a module of moe entry
// points in, an artifact out (docs/Artifacts.md):
//   OUT/<name>.so         host code with the kernels embedded, exporting
//                         _mlir_ciface_<function>
//   OUT/<name>.manifest   entry points for moe-runner
//   OUT/<name>.llvm.mlir  the lowered IR, for inspection (optional)
// The manifest export, the moe-to-nvvm pipeline, the translation to LLVM IR
// and the host object's code generation run in this process; only the final
// link of the shared library runs the system compiler driver.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_COMPILE_COMPILE_H
#define MOE_COMPILE_COMPILE_H

#include "mlir/Support/LLVM.h"

#include <functional>
#include <string>

namespace mlir {
class DialectRegistry;
class ModuleOp;
class PassManager;

namespace moe {

struct CompileOptions {
  /// GPU architecture of the kernels (moe-to-nvvm `chip=`); empty: the
  /// pipeline's default (sm_90a).
  std::string chip;
  /// Kernel binary format, isa, bin or fatbin (moe-to-nvvm `format=`); empty:
  /// the pipeline's default (isa).
  std::string format;
  /// More moe-to-nvvm options as on the command line, e.g.
  /// "warp-specialize=1 config-table=FILE". They come after `chip` and
  /// `format`: a chip= or format= here wins.
  std::string pipelineOptions;
  /// Also write OUT/<name>.llvm.mlir, the module after the pipeline.
  bool emitLoweredIR = false;
  /// The compiler driver that links the shared library; empty: $CXX, else
  /// `c++` from PATH.
  std::string linker;
  /// Called on the pass manager before it runs (instrumentation, timing,
  /// IR printing: mlir::applyPassManagerCLOptions in a tool).
  std::function<LogicalResult(PassManager &)> configurePassManager;
};

/// The files of a compiled artifact.
struct Artifact {
  std::string library;
  std::string manifest;
  /// Empty unless CompileOptions::emitLoweredIR.
  std::string loweredIR;
};

/// Registers what a context needs to hold and compile moe IR: the moe
/// dialect and its bufferization models, the upstream dialects, extensions
/// and LLVM IR translations.
void registerCompileDialects(DialectRegistry &registry);

/// Compiles `module` (tensor-level moe IR) into OUT/<name>.so and
/// OUT/<name>.manifest, creating `outDir` if needed. The module is lowered in
/// place. Every failure is reported as a diagnostic of the module's context
/// (at the offending op where there is one) and gives failure.
FailureOr<Artifact> compileToArtifact(ModuleOp module,
                                      const CompileOptions &options,
                                      StringRef outDir, StringRef name);

} // namespace moe
} // namespace mlir

#endif // MOE_COMPILE_COMPILE_H
