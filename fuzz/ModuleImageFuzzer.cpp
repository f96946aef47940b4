//===- ModuleImageFuzzer.cpp - Kernel images given to the runtime ---------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The input is a kernel image (PTX text, a cubin or a fatbin) passed to
// moeModuleLoad, as a host program or a corrupt artifact may pass it. The
// runtime checks the image against its size before any driver call; here no
// driver is initialized, so every image ends in an error: a status and a
// message, never a read past the image. The image is passed twice: with its
// size, and NUL-terminated without a size (the form PTX strings take).
//
//===----------------------------------------------------------------------===//

#include "moe/Runtime/Runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void load(const void *image, size_t size) {
  MoeModule module = nullptr;
  MoeStatus status = moeModuleLoad(image, size, &module);
  if (status == MOE_SUCCESS || module) {
    std::fprintf(stderr, "moe fuzz target: moeModuleLoad succeeded without "
                         "a driver\n");
    std::abort();
  }
  const char *message = moeGetLastErrorMessage();
  if (!message || std::strncmp(message, "moeModuleLoad: ", 15) != 0) {
    std::fprintf(stderr,
                 "moe fuzz target: the error message does not name "
                 "moeModuleLoad: '%s'\n",
                 message ? message : "(null)");
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size != 0)
    load(data, size);
  std::vector<uint8_t> terminated(data, data + size);
  terminated.push_back(0);
  load(terminated.data(), 0);
  return 0;
}
