//===- Artifact.cpp - Loading and calling a compiled artifact -------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Artifact.h"

#include "moe/Runtime/Runtime.h"

#include <array>
#include <dlfcn.h>
#include <utility>

namespace moe {
namespace runner {

namespace {

template <size_t> using VoidPointer = void *;

/// Calls \p entry with the first sizeof...(I) pointers of \p arguments.
template <size_t... I>
void callWith(void *entry, void *const *arguments, std::index_sequence<I...>) {
  using Entry = void (*)(VoidPointer<I>...);
  reinterpret_cast<Entry>(entry)(arguments[I]...);
}

template <size_t N> void callN(void *entry, void *const *arguments) {
  callWith(entry, arguments, std::make_index_sequence<N>());
}

using Trampoline = void (*)(void *, void *const *);

template <size_t... N>
constexpr std::array<Trampoline, sizeof...(N)>
makeTrampolines(std::index_sequence<N...>) {
  return {&callN<N>...};
}

/// trampolines[n] calls an entry point of n pointer arguments.
constexpr std::array<Trampoline, kMaxEntryArguments + 1> trampolines =
    makeTrampolines(std::make_index_sequence<kMaxEntryArguments + 1>());

} // namespace

std::string stickyError() {
  const char *message = nullptr;
  MoeStatus status = moeGetStickyError(&message);
  if (status == MOE_SUCCESS)
    return "";
  return std::string(moeStatusName(status)) + ": " +
         (message && *message ? message : "(no message)");
}

Artifact::Failure Artifact::open(const std::string &path, std::string &error) {
  close();
  dlerror();
  handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *message = dlerror();
    error = "cannot load the artifact: " +
            std::string(message ? message : path.c_str());
    return Failure::Artifact;
  }
  const char *message = nullptr;
  MoeStatus status = moeGetStickyError(&message);
  if (status == MOE_SUCCESS)
    return Failure::None;
  error = "loading the artifact's GPU module failed: " + stickyError();
  switch (status) {
  case MOE_ERROR_NO_DRIVER:
  case MOE_ERROR_NO_DEVICE:
  case MOE_ERROR_UNSUPPORTED_DEVICE:
  case MOE_ERROR_NOT_INITIALIZED:
  case MOE_ERROR_OUT_OF_MEMORY:
    return Failure::Gpu;
  default:
    return Failure::Artifact;
  }
}

bool Artifact::lookup(const std::string &function, std::string &error) {
  std::string symbol = "_mlir_ciface_" + function;
  dlerror();
  entry = handle ? dlsym(handle, symbol.c_str()) : nullptr;
  if (!entry) {
    const char *message = handle ? dlerror() : nullptr;
    error = "the artifact does not export '" + symbol + "'" +
            (message ? std::string(": ") + message : "");
    return false;
  }
  return true;
}

void Artifact::call(const std::vector<void *> &arguments) const {
  trampolines[arguments.size()](entry, arguments.data());
}

void Artifact::close() {
  if (handle)
    dlclose(handle);
  handle = nullptr;
  entry = nullptr;
}

} // namespace runner
} // namespace moe
