//===- CompilerModule.cpp - moe._compiler, the compile call for Python ----===//
//
// The pybind11 extension behind the `moe` Python package's compile calls
// (python/moe/compiler.py): parse moe IR from text, verify it, and compile it
// to an artifact with mlir::moe::compileToArtifact, in this process. Every
// diagnostic goes into the message of a moe.errors.CompileError, with the
// FILE:LINE:COL of the op at fault.
//
//===----------------------------------------------------------------------===//

#include "moe/Compile/Compile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;
using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

/// A failed parse, verification or compile: the diagnostics as the MLIR
/// tools print them. Translated to moe.errors.CompileError.
struct CompileFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A context for moe IR whose diagnostics are collected as text
/// (`FILE:LINE:COL: error: message` with the source line) instead of being
/// printed to stderr.
class Session {
public:
  Session(StringRef text, StringRef sourceName)
      : context(makeRegistry()),
        handler(sourceMgr, &context, diagnosticStream) {
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(text, sourceName), llvm::SMLoc());
  }

  /// Parses and verifies the module; a CompileFailure if it does not.
  OwningOpRef<ModuleOp> parse() {
    OwningOpRef<ModuleOp> module =
        parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      fail("cannot parse the module");
    return module;
  }

  /// Throws the collected diagnostics (or `what` if there are none).
  [[noreturn]] void fail(StringRef what) {
    std::string text = StringRef(diagnostics).trim().str();
    throw CompileFailure(text.empty() ? what.str() : text);
  }

  MLIRContext context;

private:
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    moe::registerCompileDialects(registry);
    return registry;
  }

  llvm::SourceMgr sourceMgr;
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream{diagnostics};
  SourceMgrDiagnosticHandler handler;
};

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

/// The public functions of a verified module as (name, type) pairs, e.g.
/// ("qwen3_moe", "(tensor<?x2048xbf16>, ...) -> tensor<?x2048xbf16>").
std::vector<std::pair<std::string, std::string>>
verifyText(const std::string &text, const std::string &sourceName) {
  Session session(text, sourceName);
  OwningOpRef<ModuleOp> module = session.parse();
  std::vector<std::pair<std::string, std::string>> functions;
  for (auto func : module->getOps<func::FuncOp>()) {
    if (!func.isPublic())
      continue;
    std::string type;
    llvm::raw_string_ostream os(type);
    func.getFunctionType().print(os);
    functions.emplace_back(func.getName().str(), type);
  }
  return functions;
}

/// Compiles the module in `text` to OUT/<name>.so and OUT/<name>.manifest;
/// returns the paths of the library, the manifest and the lowered IR ("" if
/// not written).
py::tuple compileText(const std::string &text, const std::string &sourceName,
                      const std::string &outDir, const std::string &name,
                      const std::string &chip, const std::string &format,
                      const std::string &pipelineOptions, bool emitLoweredIR,
                      const std::string &linker) {
  moe::Artifact artifact;
  {
    // The compile takes no Python object: other Python threads may run.
    py::gil_scoped_release release;
    Session session(text, sourceName);
    OwningOpRef<ModuleOp> module = session.parse();
    moe::CompileOptions options;
    options.chip = chip;
    options.format = format;
    options.pipelineOptions = pipelineOptions;
    options.emitLoweredIR = emitLoweredIR;
    options.linker = linker;
    FailureOr<moe::Artifact> result =
        moe::compileToArtifact(*module, options, outDir, name);
    if (failed(result))
      session.fail("the compile failed");
    artifact = std::move(*result);
  }
  return py::make_tuple(artifact.library, artifact.manifest,
                        artifact.loweredIR);
}

} // namespace

PYBIND11_MODULE(_compiler, m) {
  m.doc() = "The moe compiler, in process (python/moe/compiler.py wraps it).";

  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error)
        std::rethrow_exception(error);
    } catch (const CompileFailure &failure) {
      py::object type = py::module_::import("moe.errors").attr("CompileError");
      PyErr_SetObject(type.ptr(), py::str(failure.what()).ptr());
    }
  });

  m.def("verify", &verifyText, py::arg("text"), py::arg("source_name"),
        "Parses and verifies moe IR; returns [(function, type)] of its public "
        "functions. Raises moe.errors.CompileError with the diagnostics.");
  m.def("compile", &compileText, py::arg("text"), py::arg("source_name"),
        py::arg("out_dir"), py::arg("name"), py::arg("chip") = "",
        py::arg("format") = "", py::arg("pipeline_options") = "",
        py::arg("emit_lowered_ir") = false, py::arg("linker") = "",
        "Compiles moe IR to OUT_DIR/NAME.so and NAME.manifest; returns "
        "(library, manifest, lowered_ir). Raises moe.errors.CompileError "
        "with the diagnostics.");
  m.attr("llvm_version") = LLVM_VERSION_STRING;
}
