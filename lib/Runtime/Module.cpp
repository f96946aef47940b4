//===- Module.cpp - Module loading and kernel launches --------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Loads PTX, cubin and fatbin images and launches their kernels.
//
// cuModuleLoadData takes no size: it reads PTX up to its NUL and binary
// images as far as their headers say. So a PTX image without a trailing NUL
// is copied into a terminated buffer, and the headers of ELF (cubin) and
// fatbin images are checked against the size the caller gave before the
// driver sees them.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

using namespace moe::runtime;
namespace cu = moe::runtime::cu;

namespace {

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

enum class ImageKind { Ptx, Elf, Fatbin };

const char *imageKindName(ImageKind kind) {
  switch (kind) {
  case ImageKind::Ptx:
    return "PTX text";
  case ImageKind::Elf:
    return "cubin (ELF)";
  case ImageKind::Fatbin:
    return "fatbin";
  }
  return "image";
}

constexpr uint32_t kFatbinMagic = 0xBA55ED50u;

template <typename T> T readLE(const unsigned char *bytes, size_t offset) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    value |= static_cast<T>(bytes[offset + i]) << (8 * i);
  return value;
}

/// Whether [offset, offset + length) lies within `size` bytes.
bool fits(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

ImageKind classify(const unsigned char *bytes, size_t size) {
  if (size >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
      bytes[3] == 'F')
    return ImageKind::Elf;
  if (size >= 4 && readLE<uint32_t>(bytes, 0) == kFatbinMagic)
    return ImageKind::Fatbin;
  return ImageKind::Ptx;
}

/// Checks that the ELF headers and section contents lie within the image.
MoeStatus checkElf(const char *fn, const unsigned char *bytes, size_t size) {
  auto invalid = [&](const char *what) {
    return fail(MOE_ERROR_INVALID_MODULE, fn,
                "the cubin (ELF) image of %zu bytes is invalid: %s", size,
                what);
  };
  if (size < 64)
    return invalid("it is shorter than an ELF64 header");
  if (bytes[4] != 2)
    return invalid("it is not a 64-bit ELF file");
  if (bytes[5] != 1)
    return invalid("it is not a little-endian ELF file");
  uint64_t phoff = readLE<uint64_t>(bytes, 32);
  uint64_t shoff = readLE<uint64_t>(bytes, 40);
  uint64_t phentsize = readLE<uint16_t>(bytes, 54);
  uint64_t phnum = readLE<uint16_t>(bytes, 56);
  uint64_t shentsize = readLE<uint16_t>(bytes, 58);
  uint64_t shnum = readLE<uint16_t>(bytes, 60);
  if (phnum != 0 && !fits(phoff, phentsize * phnum, size))
    return invalid("its program headers extend past the end (truncated?)");
  // With more than 0xff00 sections e_shnum is 0 and the count lives in the
  // first section header; cubins never have that many, so only the first
  // header is checked then.
  uint64_t headers = shnum != 0 ? shnum : (shoff != 0 ? 1 : 0);
  if (headers == 0)
    return MOE_SUCCESS;
  if (shentsize < 40)
    return invalid("its section headers are too short");
  if (!fits(shoff, shentsize * headers, size))
    return invalid("its section headers extend past the end (truncated?)");
  for (uint64_t i = 0; i < shnum; ++i) {
    const unsigned char *header = bytes + shoff + i * shentsize;
    uint32_t type = readLE<uint32_t>(header, 4);
    uint64_t offset = readLE<uint64_t>(header, 24);
    uint64_t length = readLE<uint64_t>(header, 32);
    constexpr uint32_t kNoBits = 8; // SHT_NOBITS occupies no file space.
    if (type != kNoBits && !fits(offset, length, size))
      return invalid("a section extends past the end (truncated?)");
  }
  return MOE_SUCCESS;
}

/// Checks that the fatbin's declared size lies within the image.
MoeStatus checkFatbin(const char *fn, const unsigned char *bytes, size_t size) {
  if (size < 16)
    return fail(MOE_ERROR_INVALID_MODULE, fn,
                "the fatbin image of %zu bytes is shorter than its header",
                size);
  uint64_t headerSize = readLE<uint16_t>(bytes, 6);
  uint64_t fatSize = readLE<uint64_t>(bytes, 8);
  if (headerSize < 16 || !fits(headerSize, fatSize, size))
    return fail(MOE_ERROR_INVALID_MODULE, fn,
                "the fatbin image of %zu bytes is invalid: its header "
                "declares %llu + %llu bytes (truncated?)",
                size, static_cast<unsigned long long>(headerSize),
                static_cast<unsigned long long>(fatSize));
  return MOE_SUCCESS;
}

/// Whether a module load failure says the image is bad (rather than the
/// driver or the device).
bool isImageError(cu::CUresult result) {
  switch (result) {
  case cu::CUDA_ERROR_INVALID_VALUE:
  case cu::CUDA_ERROR_INVALID_IMAGE:
  case cu::CUDA_ERROR_NO_BINARY_FOR_GPU:
  case cu::CUDA_ERROR_INVALID_PTX:
  case cu::CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
  case cu::CUDA_ERROR_INVALID_SOURCE:
  case cu::CUDA_ERROR_SHARED_OBJECT_INIT_FAILED:
  case cu::CUDA_ERROR_NOT_FOUND:
    return true;
  default:
    return false;
  }
}

/// Appends to `out` the names of the kernels (global functions) of a cubin
/// whose headers checkElf accepted; the caller checked `size` covers it.
void listElfKernels(const unsigned char *bytes, size_t size, std::string &out,
                    unsigned &count) {
  if (size < 64 || bytes[4] != 2 || bytes[5] != 1)
    return;
  uint64_t shoff = readLE<uint64_t>(bytes, 40);
  uint64_t shentsize = readLE<uint16_t>(bytes, 58);
  uint64_t shnum = readLE<uint16_t>(bytes, 60);
  if (shentsize < 64 || !fits(shoff, shentsize * shnum, size))
    return;
  for (uint64_t i = 0; i < shnum; ++i) {
    const unsigned char *header = bytes + shoff + i * shentsize;
    if (readLE<uint32_t>(header, 4) != 2) // SHT_SYMTAB
      continue;
    uint64_t offset = readLE<uint64_t>(header, 24);
    uint64_t length = readLE<uint64_t>(header, 32);
    uint64_t link = readLE<uint32_t>(header, 40);
    uint64_t entsize = readLE<uint64_t>(header, 56);
    if (link >= shnum || entsize < 24 || !fits(offset, length, size))
      return;
    const unsigned char *strHeader = bytes + shoff + link * shentsize;
    uint64_t strOffset = readLE<uint64_t>(strHeader, 24);
    uint64_t strLength = readLE<uint64_t>(strHeader, 32);
    if (!fits(strOffset, strLength, size))
      return;
    for (uint64_t at = 0; at + entsize <= length && count < 16; at += entsize) {
      const unsigned char *symbol = bytes + offset + at;
      unsigned char info = symbol[4];
      // Kernels are global (binding 1) functions (type 2).
      if ((info & 0xf) != 2 || (info >> 4) != 1)
        continue;
      uint64_t name = readLE<uint32_t>(symbol, 0);
      if (name >= strLength)
        continue;
      const char *text = reinterpret_cast<const char *>(bytes + strOffset);
      size_t nameLength = strnlen(text + name, strLength - name);
      if (nameLength == 0 || nameLength == strLength - name)
        continue;
      out += count++ ? ", '" : "'";
      out.append(text + name, nameLength);
      out += "'";
    }
    return;
  }
}

/// Appends to `out` the names after each `.entry` of PTX text.
void listPtxKernels(const char *text, size_t size, std::string &out,
                    unsigned &count) {
  static const char kEntry[] = ".entry";
  const char *end = text + size;
  for (const char *at = text; count < 16;) {
    const void *found = memmem(at, end - at, kEntry, sizeof(kEntry) - 1);
    if (!found)
      return;
    at = static_cast<const char *>(found) + sizeof(kEntry) - 1;
    if (at == end || (*at != ' ' && *at != '\t'))
      continue;
    while (at < end && (*at == ' ' || *at == '\t'))
      ++at;
    const char *name = at;
    while (at < end && (std::isalnum(static_cast<unsigned char>(*at)) ||
                        *at == '_' || *at == '$' || *at == '.'))
      ++at;
    if (at == name)
      continue;
    out += count++ ? ", '" : "'";
    out.append(name, at - name);
    out += "'";
  }
}

/// "; kernels in the image: 'a', 'b'" for the image kinds whose kernel names
/// can be read without decompressing anything (PTX text, a cubin, a fatbin's
/// uncompressed cubins and PTX), or "" when none can. Only for messages about
/// an image that failed to load: the checks above have passed, so its
/// headers lie within `size` (0 for PTX of unknown size, read to its NUL).
std::string imageKernels(ImageKind kind, const unsigned char *bytes,
                         size_t size) {
  std::string names;
  unsigned count = 0;
  if (kind == ImageKind::Ptx) {
    const char *text = reinterpret_cast<const char *>(bytes);
    listPtxKernels(text, size ? strnlen(text, size) : std::strlen(text), names,
                   count);
  } else if (kind == ImageKind::Elf && size) {
    listElfKernels(bytes, size, names, count);
  } else if (kind == ImageKind::Fatbin && size >= 16) {
    uint64_t headerSize = readLE<uint16_t>(bytes, 6);
    uint64_t end = headerSize + readLE<uint64_t>(bytes, 8);
    // Entries: u16 kind (1 PTX, 2 cubin), u16 version, u32 header size,
    // u64 payload size, ... Compressed payloads (which start with neither
    // an ELF magic nor PTX text) are skipped.
    for (uint64_t at = headerSize; at + 16 <= end && at + 16 <= size;) {
      uint16_t entryKind = readLE<uint16_t>(bytes + at, 0);
      uint64_t entryHeader = readLE<uint32_t>(bytes + at, 4);
      uint64_t payload = readLE<uint64_t>(bytes + at, 8);
      if (entryHeader < 16 || !fits(at + entryHeader, payload, size))
        break;
      const unsigned char *data = bytes + at + entryHeader;
      if (entryKind == 2 && classify(data, payload) == ImageKind::Elf)
        listElfKernels(data, payload, names, count);
      else if (entryKind == 1 && payload && (data[0] == '/' || data[0] == '.'))
        listPtxKernels(reinterpret_cast<const char *>(data),
                       strnlen(reinterpret_cast<const char *>(data), payload),
                       names, count);
      if (count)
        break; // One entry's kernels name the module's kernels.
      at += entryHeader + payload;
    }
  }
  return count ? "; kernels in the image: " + names : std::string();
}

//===----------------------------------------------------------------------===//
// Kernel names and the launches not yet synchronized
//===----------------------------------------------------------------------===//

/// The name of every kernel handle that getFunction handed out, so that
/// launch and fault messages can name kernels (after a fault the driver may
/// no longer answer questions about them).
struct KernelNames {
  struct Entry {
    std::string name;
    cu::CUmodule module;
    /// The module carries moe-programmatic-launch's marker: the kernel waits
    /// on its grid dependencies before anything else.
    bool programmatic;
  };
  std::mutex mutex;
  std::unordered_map<cu::CUfunction, Entry> names;
};

KernelNames &kernelNames() {
  // Never destroyed, as smemLimits below.
  static KernelNames *names = new KernelNames();
  return *names;
}

/// The global moe-programmatic-launch adds to a module whose kernels all
/// open with griddepcontrol.wait (include/moe/Transforms/Passes.td).
constexpr const char *kProgrammaticLaunchMarker = "__moe_programmatic_launch";

/// Whether MOE_PROGRAMMATIC_LAUNCH (read once) allows programmatic
/// launches: anything but "0" does (docs/performance.md, "Programmatic
/// dependent launch").
bool programmaticLaunchAllowed() {
  static const bool allowed = [] {
    const char *value = std::getenv("MOE_PROGRAMMATIC_LAUNCH");
    return !value || std::strcmp(value, "0") != 0;
  }();
  return allowed;
}

/// Set once the driver refused a programmatic launch that it then accepted
/// without the attribute: later launches do not ask again.
std::atomic<bool> programmaticLaunchRefused{false};

bool hasProgrammaticLaunchMarker(const cu::DriverApi &api,
                                 cu::CUmodule module) {
  if (!api.cuModuleGetGlobal)
    return false;
  cu::CUdeviceptr address = 0;
  size_t bytes = 0;
  return api.cuModuleGetGlobal(&address, &bytes, module,
                               kProgrammaticLaunchMarker) == cu::CUDA_SUCCESS;
}

void rememberKernel(const cu::DriverApi &api, cu::CUfunction function,
                    cu::CUmodule module, const char *name) {
  KernelNames &kernels = kernelNames();
  std::lock_guard<std::mutex> lock(kernels.mutex);
  auto it = kernels.names.find(function);
  if (it != kernels.names.end() && it->second.module == module)
    return;
  kernels.names[function] = KernelNames::Entry{
      name, module, hasProgrammaticLaunchMarker(api, module)};
}

/// Whether `function` is launched with programmatic stream serialization.
bool launchesProgrammatically(cu::CUfunction function) {
  if (!programmaticLaunchAllowed() ||
      programmaticLaunchRefused.load(std::memory_order_relaxed))
    return false;
  KernelNames &kernels = kernelNames();
  std::lock_guard<std::mutex> lock(kernels.mutex);
  auto it = kernels.names.find(function);
  return it != kernels.names.end() && it->second.programmatic;
}

void forgetKernels(cu::CUmodule module) {
  KernelNames &kernels = kernelNames();
  std::lock_guard<std::mutex> lock(kernels.mutex);
  for (auto it = kernels.names.begin(); it != kernels.names.end();)
    it = it->second.module == module ? kernels.names.erase(it) : std::next(it);
}

/// 'name', or the handle when the kernel is unknown.
std::string kernelLabel(cu::CUfunction function) {
  {
    KernelNames &kernels = kernelNames();
    std::lock_guard<std::mutex> lock(kernels.mutex);
    auto it = kernels.names.find(function);
    if (it != kernels.names.end())
      return "'" + it->second.name + "'";
  }
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "<kernel %p>",
                static_cast<void *>(function));
  return buffer;
}

/// The kernels this thread launched that no synchronization has waited for
/// yet (newest last, consecutive repeats merged), for the message of a
/// kernel fault, which the driver reports at a later call without saying
/// which kernel faulted. Trivially destructible (valid during .fini_array).
struct PendingLaunch {
  MoeStream stream;
  cu::CUfunction function;
};
constexpr unsigned kMaxPending = 8;
thread_local PendingLaunch pending[kMaxPending];
thread_local unsigned pendingCount = 0;
thread_local unsigned long long pendingDropped = 0;

void notePending(MoeStream stream, cu::CUfunction function) {
  if (pendingCount && pending[pendingCount - 1].stream == stream &&
      pending[pendingCount - 1].function == function)
    return;
  if (pendingCount == kMaxPending) {
    std::memmove(pending, pending + 1, sizeof(pending[0]) * (kMaxPending - 1));
    --pendingCount;
    ++pendingDropped;
  }
  pending[pendingCount++] = PendingLaunch{stream, function};
}

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

/// Default dynamic shared memory limit; larger launches opt in.
constexpr unsigned kDefaultDynamicSmem = 48 * 1024;

/// The dynamic shared memory limit already raised per function. Limits are
/// only ever raised, under the mutex, so concurrent launches of a function
/// with different sizes never lower the limit below a pending launch's.
struct SmemLimits {
  std::mutex mutex;
  std::unordered_map<cu::CUfunction, unsigned> raised;
};

SmemLimits &smemLimits() {
  // Never destroyed: module destructors of generated code may unload (and
  // so reach forgetSmemLimits) after static destructors have run.
  static SmemLimits *limits = new SmemLimits();
  return *limits;
}

MoeStatus raiseSmemLimit(const char *fn, const cu::DriverApi &api,
                         cu::CUfunction function, unsigned bytes) {
  SmemLimits &limits = smemLimits();
  std::lock_guard<std::mutex> lock(limits.mutex);
  auto it = limits.raised.find(function);
  if (it != limits.raised.end() && it->second >= bytes)
    return MOE_SUCCESS;
  cu::CUresult result = api.cuFuncSetAttribute(
      function, cu::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
      static_cast<int>(bytes));
  if (result != cu::CUDA_SUCCESS)
    return failDriver(api, result, MOE_ERROR_LAUNCH, fn,
                      "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, %u)",
                      bytes);
  limits.raised[function] = bytes;
  return MOE_SUCCESS;
}

/// Forgets the raised limits: after an unload, a new function may reuse a
/// handle.
void forgetSmemLimits() {
  SmemLimits &limits = smemLimits();
  std::lock_guard<std::mutex> lock(limits.mutex);
  limits.raised.clear();
}

MoeStatus checkDims(const char *fn, const char *what, const unsigned dims[3]) {
  static const char *const axes[3] = {"X", "Y", "Z"};
  for (int i = 0; i < 3; ++i)
    if (dims[i] == 0)
      return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                  "argument '%s%s' is 0; launch dimensions must be >= 1", what,
                  axes[i]);
  return MOE_SUCCESS;
}

} // namespace

void moe::runtime::forgetPendingLaunches(MoeStream stream, bool all) {
  unsigned kept = 0;
  for (unsigned i = 0; i < pendingCount; ++i)
    if (!all && pending[i].stream != stream)
      pending[kept++] = pending[i];
  pendingCount = kept;
  if (all || !kept)
    pendingDropped = 0;
}

void moe::runtime::appendPendingLaunches(std::string &message) {
  if (!pendingCount) {
    message += "; this thread has no launch that was not synchronized yet "
               "(the faulting kernel was launched by another thread or "
               "library)";
    return;
  }
  message += "; kernels this thread launched since its last "
             "synchronization (one of them faulted; newest last): ";
  if (pendingDropped) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%llu earlier launch(es), ",
                  pendingDropped);
    message += buffer;
  }
  for (unsigned i = 0; i < pendingCount; ++i) {
    if (i)
      message += ", ";
    message += kernelLabel(pending[i].function);
  }
}

//===----------------------------------------------------------------------===//
// Implementations
//===----------------------------------------------------------------------===//

MoeStatus moe::runtime::loadModule(const char *fn, bool autoInit,
                                   const void *image, size_t size, int optLevel,
                                   MoeModule *module) {
  MOE_CHECK_NOT_NULL(fn, module);
  *module = nullptr;
  MOE_CHECK_NOT_NULL(fn, image);
  const auto *bytes = static_cast<const unsigned char *>(image);

  // With a known size, validate binary images and terminate PTX.
  ImageKind kind = ImageKind::Ptx;
  std::string terminated;
  const void *toLoad = image;
  if (size != 0) {
    kind = classify(bytes, size);
    MoeStatus status = MOE_SUCCESS;
    if (kind == ImageKind::Elf)
      status = checkElf(fn, bytes, size);
    else if (kind == ImageKind::Fatbin)
      status = checkFatbin(fn, bytes, size);
    if (status != MOE_SUCCESS) {
      appendToLastError(imageKernels(kind, bytes, size).c_str());
      return status;
    }
    if (kind == ImageKind::Ptx && bytes[size - 1] != '\0') {
      terminated.assign(static_cast<const char *>(image), size);
      toLoad = terminated.c_str();
    }
  } else {
    // The caller does not know the size: sniff the magic byte by byte, so
    // that a short NUL-terminated PTX string is never read past its end.
    if (bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
        bytes[3] == 'F')
      kind = ImageKind::Elf;
    else if (bytes[0] == 0x50 && bytes[1] == 0xED && bytes[2] == 0x55 &&
             bytes[3] == 0xBA)
      kind = ImageKind::Fatbin;
  }

  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  const cu::DriverApi &api = *session.api;

  char log[8192];
  log[0] = '\0';
  cu::CUmodule loaded = nullptr;
  cu::CUresult result;
  if (api.cuModuleLoadDataEx) {
    int options[3];
    void *values[3];
    unsigned count = 0;
    options[count] = cu::CU_JIT_ERROR_LOG_BUFFER;
    values[count++] = log;
    options[count] = cu::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
    values[count++] = reinterpret_cast<void *>(uintptr_t(sizeof(log)));
    if (optLevel >= 0 && optLevel <= 4) {
      options[count] = cu::CU_JIT_OPTIMIZATION_LEVEL;
      values[count++] = reinterpret_cast<void *>(uintptr_t(optLevel));
    }
    result = api.cuModuleLoadDataEx(&loaded, toLoad, count, options, values);
  } else {
    result = api.cuModuleLoadData(&loaded, toLoad);
  }
  if (result != cu::CUDA_SUCCESS) {
    log[sizeof(log) - 1] = '\0';
    size_t length = std::strlen(log);
    while (length > 0 && (log[length - 1] == '\n' || log[length - 1] == ' '))
      log[--length] = '\0';
    MoeStatus fallback =
        isImageError(result) ? MOE_ERROR_INVALID_MODULE : MOE_ERROR_DRIVER;
    MoeStatus status = failDriver(
        api, result, fallback, fn,
        "loading the %s module image (%zu bytes%s) on device %d (%s, "
        "compute capability %d.%d)",
        imageKindName(kind), size, size ? "" : ", size not given",
        session.device->ordinal, session.device->name, session.device->ccMajor,
        session.device->ccMinor);
    std::string kernels = imageKernels(kind, bytes, size);
    if (!kernels.empty())
      appendToLastError(kernels.c_str());
    if (length > 0) {
      appendToLastError("; JIT log: ");
      appendToLastError(log);
    }
    return status;
  }
  *module = reinterpret_cast<MoeModule>(loaded);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::getFunction(const char *fn, bool autoInit,
                                    MoeModule module, const char *name,
                                    MoeFunction *function) {
  MOE_CHECK_NOT_NULL(fn, function);
  *function = nullptr;
  MOE_CHECK_NOT_NULL(fn, module);
  MOE_CHECK_NOT_NULL(fn, name);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUfunction found = nullptr;
  cu::CUresult result = session.api->cuModuleGetFunction(
      &found, reinterpret_cast<cu::CUmodule>(module), name);
  if (result == cu::CUDA_ERROR_NOT_FOUND)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'name': the module has no kernel named '%s'", name);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuModuleGetFunction of kernel '%s'", name);
  rememberKernel(*session.api, found, reinterpret_cast<cu::CUmodule>(module),
                 name);
  *function = reinterpret_cast<MoeFunction>(found);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::unloadModule(const char *fn, bool autoInit,
                                     MoeModule module) {
  MOE_CHECK_NOT_NULL(fn, module);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  forgetSmemLimits();
  forgetKernels(reinterpret_cast<cu::CUmodule>(module));
  cu::CUresult result =
      session.api->cuModuleUnload(reinterpret_cast<cu::CUmodule>(module));
  if (result != cu::CUDA_SUCCESS && !isShutdown(result))
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuModuleUnload(%p)", static_cast<void *>(module));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::launch(const char *fn, bool autoInit,
                               MoeFunction function, const LaunchDims &dims,
                               unsigned dynamicSmemBytes, MoeStream stream,
                               void **params, void **extra) {
  MOE_CHECK_NOT_NULL(fn, function);
  if (dims.hasCluster)
    if (MoeStatus status = checkDims(fn, "cluster", dims.cluster))
      return status;
  if (MoeStatus status = checkDims(fn, "grid", dims.grid))
    return status;
  if (MoeStatus status = checkDims(fn, "block", dims.block))
    return status;
  uint64_t threads = uint64_t(dims.block[0]) * dims.block[1] * dims.block[2];
  if (threads > 1024)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "block (%u, %u, %u) has %llu threads; at most 1024 are "
                "allowed",
                dims.block[0], dims.block[1], dims.block[2],
                static_cast<unsigned long long>(threads));
  if (dims.hasCluster) {
    static const char *const axes[3] = {"X", "Y", "Z"};
    for (int i = 0; i < 3; ++i)
      if (dims.grid[i] % dims.cluster[i] != 0)
        return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                    "argument 'grid%s' = %u is not a multiple of "
                    "'cluster%s' = %u",
                    axes[i], dims.grid[i], axes[i], dims.cluster[i]);
  }

  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  const cu::DriverApi &api = *session.api;
  if (dynamicSmemBytes >
      static_cast<unsigned>(session.device->maxDynamicSharedMemory))
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'dynamicSmemBytes' = %u exceeds the device's "
                "opt-in limit of %d bytes per block",
                dynamicSmemBytes, session.device->maxDynamicSharedMemory);
  auto *f = reinterpret_cast<cu::CUfunction>(function);
  if (dynamicSmemBytes > kDefaultDynamicSmem)
    if (MoeStatus status = raiseSmemLimit(fn, api, f, dynamicSmemBytes))
      return status;

  // Cluster shape and programmatic stream serialization are launch
  // attributes (cuLaunchKernelEx); a plain launch needs neither.
  cu::LaunchAttribute attributes[2];
  std::memset(attributes, 0, sizeof(attributes));
  unsigned numAttributes = 0;
  if (dims.hasCluster) {
    if (!api.cuLaunchKernelEx)
      return fail(MOE_ERROR_DRIVER, fn,
                  "the NVIDIA driver lacks cuLaunchKernelEx, needed for "
                  "cluster launches (CUDA 12.0 or newer)");
    uint64_t clusterSize =
        uint64_t(dims.cluster[0]) * dims.cluster[1] * dims.cluster[2];
    if (clusterSize > 8) {
      // Beyond the portable cluster size of 8 the kernel must opt in.
      cu::CUresult result = api.cuFuncSetAttribute(
          f, cu::CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1);
      if (result != cu::CUDA_SUCCESS)
        return failDriver(api, result, MOE_ERROR_LAUNCH, fn,
                          "cuFuncSetAttribute("
                          "NON_PORTABLE_CLUSTER_SIZE_ALLOWED) for a cluster "
                          "of %llu blocks",
                          static_cast<unsigned long long>(clusterSize));
    }
    cu::LaunchAttribute &cluster = attributes[numAttributes++];
    cluster.id = cu::CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    cluster.value.clusterDim.x = dims.cluster[0];
    cluster.value.clusterDim.y = dims.cluster[1];
    cluster.value.clusterDim.z = dims.cluster[2];
  }
  bool programmatic = api.cuLaunchKernelEx && launchesProgrammatically(f);
  if (programmatic) {
    cu::LaunchAttribute &serialization = attributes[numAttributes++];
    serialization.id =
        cu::CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    serialization.value.programmaticStreamSerializationAllowed = 1;
  }

  auto *cuStream = reinterpret_cast<cu::CUstream>(stream);
  cu::LaunchConfig config;
  std::memset(&config, 0, sizeof(config));
  config.gridDimX = dims.grid[0];
  config.gridDimY = dims.grid[1];
  config.gridDimZ = dims.grid[2];
  config.blockDimX = dims.block[0];
  config.blockDimY = dims.block[1];
  config.blockDimZ = dims.block[2];
  config.sharedMemBytes = dynamicSmemBytes;
  config.hStream = cuStream;
  config.attrs = attributes;
  auto launchWith = [&](unsigned count, const char *&entry) {
    config.numAttrs = count;
    entry = count ? "cuLaunchKernelEx" : "cuLaunchKernel";
    return count
               ? api.cuLaunchKernelEx(&config, f, params, extra)
               : api.cuLaunchKernel(f, dims.grid[0], dims.grid[1], dims.grid[2],
                                    dims.block[0], dims.block[1], dims.block[2],
                                    dynamicSmemBytes, cuStream, params, extra);
  };
  const char *entry;
  cu::CUresult result = launchWith(numAttributes, entry);
  if (result != cu::CUDA_SUCCESS && programmatic) {
    // A driver (or capture) without programmatic launches: in a plain launch
    // the kernel's griddepcontrol instructions have no effect.
    result = launchWith(numAttributes - 1, entry);
    if (result == cu::CUDA_SUCCESS)
      programmaticLaunchRefused.store(true, std::memory_order_relaxed);
  }
  if (result != cu::CUDA_SUCCESS)
    return failDriver(api, result, MOE_ERROR_LAUNCH, fn,
                      "%s of kernel %s with cluster (%u, %u, %u), grid (%u, "
                      "%u, %u), block (%u, %u, %u) and %u bytes of dynamic "
                      "shared memory",
                      entry, kernelLabel(f).c_str(), dims.cluster[0],
                      dims.cluster[1], dims.cluster[2], dims.grid[0],
                      dims.grid[1], dims.grid[2], dims.block[0], dims.block[1],
                      dims.block[2], dynamicSmemBytes);
  notePending(stream, f);
  return MOE_SUCCESS;
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" {

MoeStatus moeModuleLoad(const void *image, size_t size, MoeModule *module) {
  constexpr const char *fn = "moeModuleLoad";
  if (module)
    *module = nullptr;
  if (image && size == 0)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'size' is 0; give the image's size in bytes");
  return loadModule(fn, false, image, size, /*optLevel=*/-1, module);
}

MoeStatus moeModuleGetFunction(MoeModule module, const char *name,
                               MoeFunction *function) {
  return getFunction("moeModuleGetFunction", false, module, name, function);
}

MoeStatus moeModuleUnload(MoeModule module) {
  return unloadModule("moeModuleUnload", false, module);
}

MoeStatus moeLaunchKernel(MoeFunction function, unsigned gridX, unsigned gridY,
                          unsigned gridZ, unsigned blockX, unsigned blockY,
                          unsigned blockZ, unsigned dynamicSmemBytes,
                          MoeStream stream, void **params) {
  LaunchDims dims;
  dims.grid[0] = gridX;
  dims.grid[1] = gridY;
  dims.grid[2] = gridZ;
  dims.block[0] = blockX;
  dims.block[1] = blockY;
  dims.block[2] = blockZ;
  return launch("moeLaunchKernel", false, function, dims, dynamicSmemBytes,
                stream, params, nullptr);
}

MoeStatus moeLaunchClusterKernel(MoeFunction function, unsigned clusterX,
                                 unsigned clusterY, unsigned clusterZ,
                                 unsigned gridX, unsigned gridY, unsigned gridZ,
                                 unsigned blockX, unsigned blockY,
                                 unsigned blockZ, unsigned dynamicSmemBytes,
                                 MoeStream stream, void **params) {
  LaunchDims dims;
  dims.hasCluster = true;
  dims.cluster[0] = clusterX;
  dims.cluster[1] = clusterY;
  dims.cluster[2] = clusterZ;
  dims.grid[0] = gridX;
  dims.grid[1] = gridY;
  dims.grid[2] = gridZ;
  dims.block[0] = blockX;
  dims.block[1] = blockY;
  dims.block[2] = blockZ;
  return launch("moeLaunchClusterKernel", false, function, dims,
                dynamicSmemBytes, stream, params, nullptr);
}

} // extern "C"
