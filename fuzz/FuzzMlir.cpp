//===- FuzzMlir.cpp - Shared pieces of the MLIR fuzz targets --------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "FuzzMlir.h"

#include "moe/Dialect/Moe/IR/MoeDialect.h"
#include "moe/Dialect/Moe/Transforms/BufferizableOpInterfaceImpl.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <memory>

using namespace mlir;
using namespace ::moe::fuzz;

namespace {

/// Built once: registering every dialect takes longer than most runs.
const DialectRegistry &getRegistry() {
  static const DialectRegistry *registry = [] {
    auto *registry = new DialectRegistry();
    registerAllDialects(*registry);
    registerAllExtensions(*registry);
    registry->insert<mlir::moe::MoeDialect>();
    mlir::moe::registerBufferizableOpInterfaceExternalModels(*registry);
    return registry;
  }();
  return *registry;
}

/// The scratch files, removed when the process exits normally (a crash
/// leaves them in the temporary directory).
struct ScratchFiles {
  llvm::StringMap<std::string> paths;
  ~ScratchFiles() {
    for (const auto &entry : paths)
      llvm::sys::fs::remove(entry.getValue());
  }
};

} // namespace

FuzzContext::FuzzContext()
    : context(getRegistry(), MLIRContext::Threading::DISABLED),
      handler(&context, [this](Diagnostic &diagnostic) {
        if (error.empty() &&
            diagnostic.getSeverity() == DiagnosticSeverity::Error)
          error = diagnostic.str();
        return success();
      }) {}

const std::string & ::moe::fuzz::getScratchFile(const char *name) {
  static ScratchFiles files;
  std::string &path = files.paths[name];
  if (path.empty()) {
    llvm::SmallString<128> buffer;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, buffer);
    llvm::sys::path::append(
        buffer, "moe-fuzz-" + llvm::Twine(llvm::sys::Process::getProcessId()) +
                    "-" + name);
    path = buffer.str().str();
  }
  return path;
}

void ::moe::fuzz::reportBug(const llvm::Twine &message) {
  llvm::errs() << "moe fuzz target: " << message << "\n";
  llvm::errs().flush();
  std::abort();
}
