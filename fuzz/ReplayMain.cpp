//===- ReplayMain.cpp - Runs a fuzz target over saved inputs --------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The main() of a fuzz target built without libFuzzer (MOE_BUILD_FUZZERS
// off): runs LLVMFuzzerTestOneInput once on every file named on the command
// line, and on every file of every directory named, in name order. Arguments
// starting with '-' (libFuzzer's flags) are ignored, so one command line
// replays a corpus with either build. A crash is the test's failure; the
// file being run is printed first so the log names it.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

namespace fs = std::filesystem;

namespace {

/// Runs the target on the contents of \p path; false if it cannot be read.
bool runFile(const fs::path &path) {
  std::fprintf(stderr, "Running: %s\n", path.c_str());
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return false;
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                          std::istreambuf_iterator<char>());
  // A copy of exactly the input's size, as libFuzzer passes it, so that a
  // read past the end is a sanitizer report.
  std::vector<uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.data(), input.size());
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.empty() && arg[0] == '-')
      continue;
    std::error_code error;
    if (fs::is_directory(arg, error)) {
      std::vector<fs::path> entries;
      for (const fs::directory_entry &entry : fs::directory_iterator(arg))
        if (entry.is_regular_file())
          entries.push_back(entry.path());
      std::sort(entries.begin(), entries.end());
      files.insert(files.end(), entries.begin(), entries.end());
    } else {
      files.push_back(arg);
    }
  }
  for (const fs::path &path : files) {
    if (!runFile(path)) {
      std::fprintf(stderr, "error: cannot read '%s'\n", path.c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "Replayed %zu inputs\n", files.size());
  return 0;
}
