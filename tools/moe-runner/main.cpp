//===- main.cpp - moe-runner: check and time compiled artifacts on a GPU --===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// moe-runner loads an artifact made by utils/moe-compile.sh (PREFIX.so and
// PREFIX.manifest), runs one of its entry points on seeded inputs, checks the
// outs against the CPU reference and times the call:
//
//   moe-runner PREFIX --function NAME [--tokens T] [--seed S] [--iters N]
//              [--case MODE] [--dtype-tolerance DTYPE=TOL,...] [--device D]
//   moe-runner PREFIX --list
//   moe-runner PREFIX --function NAME --dry-run ...   (no GPU needed)
//
// It prints one line (PASS/FAIL ...) and exits 0 on PASS, 1 on FAIL, 2 on
// usage, manifest and artifact errors, 3 when no GPU is usable. See
// docs/Artifacts.md.
//
//===----------------------------------------------------------------------===//

#include "Artifact.h"
#include "Compare.h"
#include "Device.h"
#include "Inputs.h"
#include "Manifest.h"
#include "Oracle.h"
#include "Shapes.h"
#include "Timing.h"

#include "moe/Runtime/Runtime.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <future>
#include <string>
#include <vector>

using namespace moe::runner;

namespace {

/// Exit codes.
enum ExitCode {
  kExitPass = 0,
  kExitFail = 1,
  kExitUsage = 2,
  kExitNoGpu = 3,
};

/// Warm-up calls before the timed ones.
constexpr int kWarmupCalls = 3;

const char *const kUsage =
    "usage: moe-runner PREFIX --function NAME [--tokens T] [--seed S] "
    "[--iters N]\n"
    "                  [--case random|one-expert|empty-experts|nan-rows|"
    "out-of-range|unsorted-offsets]\n"
    "                  [--dtype-tolerance DTYPE=TOL[,...]] [--device D] "
    "[--verbose]\n"
    "       moe-runner PREFIX --function NAME --dry-run [--tokens T] ...\n"
    "       moe-runner PREFIX --list\n"
    "PREFIX names the artifact PREFIX.so and its PREFIX.manifest "
    "(utils/moe-compile.sh).\n"
    "Exit codes: 0 PASS, 1 FAIL, 2 usage/manifest/artifact error, 3 no "
    "usable GPU.\n";

/// Makes \p text one line: the runner prints exactly one line per run.
std::string oneLine(std::string text) {
  for (char &c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

/// Prints "moe-runner: <message>" to stderr and returns \p code.
int report(int code, const std::string &message) {
  std::fprintf(stderr, "moe-runner: %s\n", oneLine(message).c_str());
  return code;
}

int usageError(const std::string &message) {
  std::fprintf(stderr, "moe-runner: %s\n%s", oneLine(message).c_str(), kUsage);
  return kExitUsage;
}

/// The command line.
struct Options {
  std::string prefix;
  std::string function;
  bool list = false;
  bool dryRun = false;
  int64_t tokens = -1;
  uint64_t seed = 1;
  int iterations = 20;
  CaseMode mode = CaseMode::Random;
  Tolerances tolerances;
  int device = 0;
  bool verbose = false;
};

bool parseNonNegative(const std::string &text, int64_t max, int64_t &value) {
  if (text.empty() || text[0] < '0' || text[0] > '9')
    return false;
  char *end = nullptr;
  errno = 0;
  unsigned long long parsed = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || parsed > static_cast<uint64_t>(max))
    return false;
  value = static_cast<int64_t>(parsed);
  return true;
}

/// Parses argv; returns false with \p error on a usage error.
bool parseOptions(int argc, char **argv, Options &options, bool &help,
                  std::string &error) {
  help = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      help = true;
      return true;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    std::string name = arg, value;
    bool hasValue = false;
    size_t equal = arg.find('=');
    if (arg.compare(0, 2, "--") == 0 && equal != std::string::npos) {
      name = arg.substr(0, equal);
      value = arg.substr(equal + 1);
      hasValue = true;
    }
    if (name == "--list" || name == "--dry-run" || name == "--verbose" ||
        name == "-v") {
      if (hasValue) {
        error = "option '" + name + "' takes no value";
        return false;
      }
      (name == "--list"      ? options.list
       : name == "--dry-run" ? options.dryRun
                             : options.verbose) = true;
      continue;
    }
    bool known = name == "--function" || name == "--tokens" ||
                 name == "--seed" || name == "--iters" || name == "--case" ||
                 name == "--dtype-tolerance" || name == "--device";
    if (!known) {
      error = "unknown option '" + name + "'";
      return false;
    }
    if (!hasValue) {
      if (i + 1 >= argc) {
        error = "option '" + name + "' needs a value";
        return false;
      }
      value = argv[++i];
    }
    int64_t number = 0;
    if (name == "--function") {
      options.function = value;
    } else if (name == "--tokens") {
      if (!parseNonNegative(value, INT32_MAX, number)) {
        error = "--tokens: expected a token count in [0, 2^31), got '" + value +
                "'";
        return false;
      }
      options.tokens = number;
    } else if (name == "--seed") {
      char *end = nullptr;
      errno = 0;
      unsigned long long seed = std::strtoull(value.c_str(), &end, 0);
      if (value.empty() || value[0] == '-' || *end != '\0' || errno != 0) {
        error = "--seed: expected an unsigned integer, got '" + value + "'";
        return false;
      }
      options.seed = seed;
    } else if (name == "--iters") {
      if (!parseNonNegative(value, 1000000, number)) {
        error = "--iters: expected an iteration count in [0, 10^6], got '" +
                value + "'";
        return false;
      }
      options.iterations = static_cast<int>(number);
    } else if (name == "--case") {
      if (!parseCaseMode(value, options.mode)) {
        error = "--case: unknown mode '" + value +
                "' (expected random, one-expert, empty-experts, nan-rows or "
                "out-of-range)";
        return false;
      }
    } else if (name == "--dtype-tolerance") {
      if (!parseTolerances(value, options.tolerances, error))
        return false;
    } else if (name == "--device") {
      if (!parseNonNegative(value, 1024, number)) {
        error = "--device: expected a device ordinal, got '" + value + "'";
        return false;
      }
      options.device = static_cast<int>(number);
    }
  }
  if (positional.size() != 1) {
    error = positional.empty()
                ? "missing the artifact PREFIX"
                : "expected one artifact PREFIX, got '" + positional[0] +
                      "' and '" + positional[1] + "'";
    return false;
  }
  options.prefix = positional[0];
  // Accept PREFIX.so and PREFIX.manifest too.
  for (const char *suffix : {".so", ".manifest"}) {
    std::string ending = suffix;
    if (options.prefix.size() > ending.size() &&
        options.prefix.compare(options.prefix.size() - ending.size(),
                               ending.size(), ending) == 0) {
      options.prefix.resize(options.prefix.size() - ending.size());
      break;
    }
  }
  if (!options.list && options.function.empty()) {
    error = "missing --function NAME (or --list)";
    return false;
  }
  return true;
}

/// "norm-and-act" for "/path/norm-and-act".
std::string baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Prints the functions of the manifest, one line each.
int listFunctions(const Manifest &manifest) {
  for (const ManifestFunction &function : manifest.functions) {
    std::string args;
    for (const ManifestArg &arg : function.args)
      args += (args.empty() ? "" : ", ") +
              std::string(elementTypeName(arg.type)) + " " +
              formatShape(arg.shape);
    std::string ops;
    for (const ManifestOp &op : function.ops)
      ops += (ops.empty() ? "" : ", ") + op.name;
    const ManifestOp *op = nullptr;
    std::string why;
    bool supported = selectOp(function, op, why);
    std::printf("%s(%s): %s%s\n", function.name.c_str(), args.c_str(),
                ops.empty() ? "(no moe op)" : ops.c_str(),
                supported ? "" : " [not supported by moe-runner]");
  }
  return kExitPass;
}

std::string formatError(double value) {
  if (value < 0)
    return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1e", value);
  return buffer;
}

/// The run summary: one line on stdout.
struct Summary {
  std::string name;
  std::string op;
  int64_t tokens = 0;
  std::string mode;
  uint64_t seed = 0;
  double maxRelativeError = -1.0;
  std::string poisoned = "-";
  std::string median = "-";

  int print(bool passed, const std::string &reason) const {
    std::string line = std::string(passed ? "PASS " : "FAIL ") + name + " " +
                       op + " T=" + std::to_string(tokens) + " case=" + mode +
                       " seed=" + std::to_string(seed) +
                       " max_rel_err=" + formatError(maxRelativeError) +
                       " poisoned=" + poisoned + " median_us=" + median;
    if (!passed) {
      std::string quoted = oneLine(reason);
      for (char &c : quoted)
        if (c == '"')
          c = '\'';
      line += " reason=\"" + quoted + "\"";
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    return passed ? kExitPass : kExitFail;
  }
};

void printDetails(const ResolvedFunction &resolved,
                  const Comparison &comparison) {
  for (const OutComparison &out : comparison.outs) {
    std::fprintf(stderr,
                 "moe-runner:   %s (argument %lld, %s %s): ", out.name.c_str(),
                 static_cast<long long>(out.arg), elementTypeName(out.type),
                 formatShape(resolved.argShapes[out.arg]).c_str());
    if (!out.exact)
      std::fprintf(stderr,
                   "rel_err=%.3e tol=%.1e nan_where_finite=%lld "
                   "nonfinite_mismatches=%lld outliers=%lld unwritten=%lld\n",
                   out.relativeError, out.tolerance,
                   static_cast<long long>(out.nanWhereFinite),
                   static_cast<long long>(out.mismatches),
                   static_cast<long long>(out.outliers),
                   static_cast<long long>(out.poisoned));
    else
      std::fprintf(stderr,
                   "mismatches=%lld of %lld unwritten=%lld "
                   "differ_between_calls=%lld\n",
                   static_cast<long long>(out.mismatches),
                   static_cast<long long>(out.count),
                   static_cast<long long>(out.poisoned),
                   static_cast<long long>(out.unstable));
  }
}

int run(const Options &options) {
  // The manifest, the function and its inputs: no GPU needed.
  Manifest manifest;
  std::string error;
  if (!readManifest(options.prefix + ".manifest", manifest, error))
    return report(kExitUsage, error);
  if (options.list)
    return listFunctions(manifest);
  const ManifestFunction *function = manifest.findFunction(options.function);
  if (!function) {
    std::string names;
    for (const ManifestFunction &each : manifest.functions)
      names += (names.empty() ? "" : ", ") + each.name;
    return report(kExitUsage, "no function '" + options.function + "' in " +
                                  manifest.fileName + " (it has: " +
                                  (names.empty() ? "none" : names) + ")");
  }
  if (function->args.size() > kMaxEntryArguments)
    return report(kExitUsage, "function '" + function->name + "' has " +
                                  std::to_string(function->args.size()) +
                                  " arguments; moe-runner passes at most " +
                                  std::to_string(kMaxEntryArguments));
  const ManifestOp *op = nullptr;
  ResolvedFunction resolved;
  std::vector<HostTensor> args;
  if (!selectOp(*function, op, error) ||
      !resolveShapes(*function, *op, options.tokens, resolved, error) ||
      !makeInputs(resolved, options.mode, options.seed, args, error))
    return report(kExitUsage, error);

  Summary summary;
  summary.name = baseName(options.prefix) + ":" + function->name;
  summary.op = op->name;
  summary.tokens = resolved.tokens;
  summary.mode = caseModeName(options.mode);
  summary.seed = options.seed;

  if (options.dryRun) {
    // Everything but the device: the resolved shapes and the reference.
    std::vector<HostTensor> expected;
    if (!computeOracle(resolved, args, expected, error))
      return report(kExitUsage, error);
    std::string shapes;
    for (size_t arg = 0; arg < args.size(); ++arg)
      shapes += std::string(arg ? ", " : "") + elementTypeName(args[arg].type) +
                " " + formatShape(resolved.argShapes[arg]) +
                (resolved.isOut[arg] ? " out" : "");
    std::printf("DRY-RUN %s %s T=%lld case=%s seed=%llu args=[%s]\n",
                summary.name.c_str(), summary.op.c_str(),
                static_cast<long long>(summary.tokens), summary.mode.c_str(),
                static_cast<unsigned long long>(summary.seed), shapes.c_str());
    return kExitPass;
  }

  const std::string library = options.prefix + ".so";
  if (!std::ifstream(library, std::ios::binary))
    return report(kExitUsage, "cannot read the artifact '" + library + "'");

  // The GPU.
  MoeStatus status = moeInit(options.device);
  if (status != MOE_SUCCESS) {
    std::string message = moeGetLastErrorMessage();
    if (message.compare(0, 9, "moeInit: ") == 0)
      message = message.substr(9);
    if (message.empty())
      message = moeStatusName(status);
    bool noGpu = status == MOE_ERROR_NO_DRIVER || status == MOE_ERROR_NO_DEVICE;
    return report(kExitNoGpu,
                  std::string(noGpu ? "no GPU: " : "no usable GPU: ") +
                      message);
  }

  // The reference runs on the host while the device works.
  std::vector<HostTensor> expected;
  std::string oracleError;
  std::future<bool> oracle = std::async(std::launch::async, [&] {
    return computeOracle(resolved, args, expected, oracleError);
  });
  auto oracleFailed = [&] {
    bool ok = oracle.valid() ? oracle.get() : false;
    return !ok;
  };

  Artifact artifact;
  switch (artifact.open(library, error)) {
  case Artifact::Failure::None:
    break;
  case Artifact::Failure::Artifact:
    oracle.wait();
    return report(kExitUsage, error);
  case Artifact::Failure::Gpu:
    oracle.wait();
    return report(kExitNoGpu, "no usable GPU: " + error);
  }
  if (!artifact.lookup(function->name, error)) {
    oracle.wait();
    return report(kExitUsage, error);
  }

  DeviceArgs device;
  if (!device.allocate(resolved, args, error) ||
      !device.uploadInputs(args, error) ||
      !device.poisonOuts(kPoisonByte, error)) {
    oracle.wait();
    return report(kExitNoGpu, "GPU error before the call: " + error);
  }
  if (options.verbose) {
    for (size_t arg = 0; arg < args.size(); ++arg) {
      const std::vector<int64_t> &words = device.descriptor(arg);
      std::string text;
      for (size_t i = 2; i < words.size(); ++i)
        text += (i > 2 ? " " : "") + std::to_string(words[i]);
      std::fprintf(stderr,
                   "moe-runner: argument %zu %s %s%s descriptor {ptr 0x%llx, "
                   "offset/sizes/strides %s}\n",
                   arg, elementTypeName(args[arg].type),
                   formatShape(resolved.argShapes[arg]).c_str(),
                   resolved.isOut[arg] ? " (out)" : "",
                   static_cast<unsigned long long>(words[1]), text.c_str());
    }
  }

  // The checked calls: outs poisoned with 0xFF, then with 0x5A (which finds
  // unwritten elements whose expected value is the 0xFF pattern, e.g. -1).
  std::vector<HostTensor> actual, second;
  std::vector<std::vector<uint8_t>> actualBytes, secondBytes;
  std::string integrityProblem;
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1 && !device.poisonOuts(kSecondPoisonByte, error)) {
      oracle.wait();
      return summary.print(false, "after the first call: " + error);
    }
    artifact.call(device.entryArguments());
    std::string sticky = stickyError();
    if (!sticky.empty()) {
      oracle.wait();
      return summary.print(false, "runtime error during the call: " + sticky);
    }
    status = moeDeviceSynchronize();
    if (status != MOE_SUCCESS) {
      oracle.wait();
      return summary.print(
          false, runtimeFailure("moeDeviceSynchronize after the call", status));
    }
    if (!device.downloadOuts(pass == 0 ? actual : second,
                             pass == 0 ? actualBytes : secondBytes, error) ||
        (integrityProblem.empty() &&
         !device.checkIntegrity(args, integrityProblem, error))) {
      oracle.wait();
      return summary.print(false, "after the call: " + error);
    }
  }
  if (oracleFailed())
    return report(kExitUsage, oracleError);

  Comparison comparison = compareOutputs(
      resolved, actual, actualBytes, secondBytes, expected, options.tolerances);
  summary.maxRelativeError = comparison.maxRelativeError;
  summary.poisoned = std::to_string(comparison.poisoned);
  if (options.verbose)
    printDetails(resolved, comparison);
  std::string reason = comparison.reason;
  if (!integrityProblem.empty())
    reason = integrityProblem + (reason.empty() ? "" : "; " + reason);
  if (!reason.empty()) {
    std::string gate = explainGateMismatch(resolved, args, actual, expected);
    if (!gate.empty())
      reason += " [" + gate + "]";
    return summary.print(false, reason);
  }

  // Timing.
  if (options.iterations > 0) {
    double median = 0.0;
    if (!timeCalls([&] { artifact.call(device.entryArguments()); },
                   kWarmupCalls, options.iterations, median, error))
      return summary.print(false, "while timing: " + error);
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.1f", median);
    summary.median = buffer;
  }
  int code = summary.print(true, "");
  if (!device.release(error))
    return report(kExitFail, "after the run: " + error);
  artifact.close();
  return code;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  bool help = false;
  std::string error;
  if (!parseOptions(argc, argv, options, help, error))
    return usageError(error);
  if (help) {
    std::printf("%s", kUsage);
    return kExitPass;
  }
  try {
    return run(options);
  } catch (const std::exception &e) {
    return report(kExitUsage, std::string("internal error: ") + e.what());
  }
}
