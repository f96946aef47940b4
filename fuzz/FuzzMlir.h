//===- FuzzMlir.h - Shared pieces of the MLIR fuzz targets ------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The context, diagnostics and scratch files the fuzz targets that run moe
// passes share. A failure the sanitizers cannot see (a property of the
// output that does not hold) is reported with reportBug, which aborts so
// that libFuzzer keeps the input.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_FUZZ_FUZZMLIR_H
#define MOE_FUZZ_FUZZMLIR_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/Twine.h"

#include <string>

namespace moe::fuzz {

/// A context with what moe-opt registers: every upstream dialect and
/// extension, the moe dialect and its bufferization models. Single-threaded,
/// so that one input is one deterministic run.
class FuzzContext {
public:
  FuzzContext();

  mlir::MLIRContext &get() { return context; }
  /// The first error diagnostic of the run, for bug reports.
  const std::string &firstError() const { return error; }

private:
  mlir::MLIRContext context;
  std::string error;
  /// Diagnostics are expected (most inputs are invalid): they are kept
  /// quiet, the first error only remembered.
  mlir::ScopedDiagnosticHandler handler;
};

/// A file path private to this process (`<tmp>/moe-fuzz-<pid>-<name>`),
/// removed at exit.
const std::string &getScratchFile(const char *name);

/// Prints \p message and aborts: the input broke a property the target
/// checks.
[[noreturn]] void reportBug(const llvm::Twine &message);

} // namespace moe::fuzz

#endif // MOE_FUZZ_FUZZMLIR_H
