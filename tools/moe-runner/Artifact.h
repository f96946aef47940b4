//===- Artifact.h - Loading and calling a compiled artifact -----*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// An artifact is a shared library made by utils/moe-compile.sh. Its module
// constructors load the embedded GPU kernels through the runtime's mgpu*
// functions (resolved from libMoeRuntime.so, which moe-runner links), and it
// exports `void _mlir_ciface_<function>(Desc *arg0, Desc *arg1, ...)`: one
// pointer to a memref descriptor per function argument. mgpu* failures do
// not abort: they set the runtime's sticky error, which is checked after
// loading and after every call.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_ARTIFACT_H
#define MOE_TOOLS_MOE_RUNNER_ARTIFACT_H

#include <cstddef>
#include <string>
#include <vector>

namespace moe {
namespace runner {

/// The most arguments an entry point may have.
constexpr size_t kMaxEntryArguments = 64;

/// A loaded artifact (dlclosed on destruction).
class Artifact {
public:
  /// Why a load failed.
  enum class Failure {
    None,
    /// The library or its symbol is missing or broken.
    Artifact,
    /// The GPU or its driver is unusable (the module constructors could not
    /// reach a device).
    Gpu,
  };

  Artifact() = default;
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;
  ~Artifact() { close(); }

  /// dlopens \p path (RTLD_NOW) and checks the sticky error its module
  /// constructors may have left.
  Failure open(const std::string &path, std::string &error);
  /// Looks up `_mlir_ciface_<function>`.
  bool lookup(const std::string &function, std::string &error);
  /// Calls the entry point with one descriptor pointer per argument.
  void call(const std::vector<void *> &arguments) const;
  /// dlcloses the library (its module destructors unload the kernels).
  void close();

private:
  void *handle = nullptr;
  void *entry = nullptr;
};

/// Returns "" when the runtime's sticky error is clear, else its status name
/// and message.
std::string stickyError();

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_ARTIFACT_H
