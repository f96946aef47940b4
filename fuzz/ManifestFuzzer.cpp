//===- ManifestFuzzer.cpp - moe-runner's manifest and host path -----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The input is an artifact manifest, as moe-runner reads it from a
// `.manifest` file on the GPU host. It goes through everything moe-runner
// does before it touches a device (its --dry-run): parsing, choosing each
// function's op, resolving the argument shapes for a few token counts, and,
// where the tensors are small, making the inputs of every --case and
// computing the reference. Bad manifests must be errors; an error from the
// parser names the file and line.
//
//===----------------------------------------------------------------------===//

#include "Artifact.h"
#include "Inputs.h"
#include "Manifest.h"
#include "Oracle.h"
#include "Shapes.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace moe::runner;

namespace {

constexpr const char *kFileName = "fuzz.manifest";

/// Inputs and the reference are made only up to this many elements in all
/// (an hostile manifest may ask for terabytes, which is the user's request,
/// not a bug).
constexpr int64_t kMaxElements = int64_t(1) << 16;

[[noreturn]] void reportBug(const std::string &message) {
  std::fprintf(stderr, "moe fuzz target: %s\n", message.c_str());
  std::abort();
}

/// Whether the resolved arguments hold at most kMaxElements elements.
bool isSmall(const ResolvedFunction &resolved) {
  int64_t total = 0;
  for (const Shape &shape : resolved.argShapes) {
    int64_t count = elementCount(shape);
    if (count < 0)
      reportBug("resolveShapes left a dynamic or overflowing shape " +
                formatShape(shape));
    if (count > kMaxElements - total)
      return false;
    total += count;
  }
  return true;
}

void runFunction(const ManifestFunction &function) {
  // moe-runner's own order (run() in main.cpp).
  if (function.args.size() > kMaxEntryArguments)
    return;
  const ManifestOp *op = nullptr;
  std::string error;
  if (!selectOp(function, op, error))
    return;
  for (int64_t tokens : {int64_t(-1), int64_t(0), int64_t(3)}) {
    ResolvedFunction resolved;
    if (!resolveShapes(function, *op, tokens, resolved, error))
      continue;
    if (resolved.argShapes.size() != function.args.size() ||
        resolved.isOut.size() != function.args.size())
      reportBug("resolveShapes gave " +
                std::to_string(resolved.argShapes.size()) + " shapes for " +
                std::to_string(function.args.size()) + " arguments");
    if (!isSmall(resolved))
      continue;
    for (CaseMode mode :
         {CaseMode::Random, CaseMode::OneExpert, CaseMode::EmptyExperts,
          CaseMode::NanRows, CaseMode::OutOfRange, CaseMode::UnsortedOffsets}) {
      if (!caseModeInapplicability(resolved, mode).empty())
        continue;
      std::vector<HostTensor> args, expected;
      if (!makeInputs(resolved, mode, /*seed=*/1, args, error))
        continue;
      (void)computeOracle(resolved, args, expected, error);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  Manifest manifest;
  std::string error;
  if (!parseManifest(text, kFileName, manifest, error)) {
    if (error.rfind(std::string(kFileName) + ":", 0) != 0)
      reportBug("a parse error that names no line: " + error);
    return 0;
  }
  for (const ManifestFunction &function : manifest.functions)
    runFunction(function);
  return 0;
}
