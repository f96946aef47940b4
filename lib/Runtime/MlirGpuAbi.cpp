//===- MlirGpuAbi.cpp - The mgpu* ABI of MLIR's GPU host code -------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The functions that host code produced by MLIR 22's `gpu-to-llvm` lowering,
// `gpu.binary` translation and `nvgpu` TMA lowering calls, with the
// signatures that code is compiled against (they match upstream
// mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp), implemented on the
// runtime's C API.
//
// These functions cannot return errors. The first failure is kept in a
// process-wide sticky error (status and message); from then on every mgpu*
// call does nothing and returns null where it returns a value, until
// moeClearStickyError. The first call that needs a device initializes the
// runtime on the default device if moeInit has not.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <mutex>
#include <string>

using namespace moe::runtime;

//===----------------------------------------------------------------------===//
// The sticky error
//===----------------------------------------------------------------------===//

namespace {

struct StickyError {
  std::mutex mutex;
  /// Set once a failure is recorded; checked without the lock.
  std::atomic<bool> set{false};
  MoeStatus status = MOE_SUCCESS;
  /// Never freed, so pointers handed out stay valid.
  char message[4096] = {0};
};

StickyError &sticky() {
  // Never destroyed: module destructors of generated code run mgpu* calls
  // after static destructors.
  static StickyError *error = new StickyError();
  return *error;
}

/// Whether an earlier failure turned the mgpu* calls into no-ops.
bool stuck() { return sticky().set.load(std::memory_order_acquire); }

//===----------------------------------------------------------------------===//
// Who called: the entry point or module constructor of an artifact
//===----------------------------------------------------------------------===//

/// The address in generated code that called the mgpu* function in whose
/// body this appears (its return address), for messages that name the entry
/// point. Never inlined into another function: the mgpu* functions are
/// exported and called through the PLT.
#define MOE_CALLER __builtin_return_address(0)

/// A whole file read into memory (at most 1 GiB), or empty.
struct FileBytes {
  unsigned char *data = nullptr;
  size_t size = 0;
  explicit FileBytes(const char *path) {
    std::FILE *file = std::fopen(path, "rb");
    if (!file)
      return;
    if (std::fseek(file, 0, SEEK_END) == 0) {
      long length = std::ftell(file);
      if (length > 0 && length < (1l << 30) &&
          std::fseek(file, 0, SEEK_SET) == 0) {
        data = static_cast<unsigned char *>(std::malloc(length));
        if (data &&
            std::fread(data, 1, length, file) == static_cast<size_t>(length))
          size = static_cast<size_t>(length);
      }
    }
    std::fclose(file);
  }
  ~FileBytes() { std::free(data); }
  FileBytes(const FileBytes &) = delete;
  FileBytes &operator=(const FileBytes &) = delete;
};

bool inFile(uint64_t offset, uint64_t length, size_t size) {
  return offset <= size && length <= size - offset;
}

/// Finds, in the symbol table of the ELF64 file `file` (.symtab, else
/// .dynsym), the function containing `offset` (an address relative to the
/// file's load base). Returns its name, or "" if none; `entryPoint` is set
/// if the file also has `_mlir_ciface_<name>`, `artifact` if it has any
/// `_mlir_ciface_` symbol (so it is generated code).
std::string functionAt(const FileBytes &file, uint64_t offset, bool &entryPoint,
                       bool &artifact) {
  static const char kCiface[] = "_mlir_ciface_";
  constexpr size_t kCifaceLength = sizeof(kCiface) - 1;
  entryPoint = artifact = false;
  const unsigned char *bytes = file.data;
  size_t size = file.size;
  Elf64_Ehdr header;
  if (size < sizeof(header))
    return "";
  std::memcpy(&header, bytes, sizeof(header));
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_shentsize < sizeof(Elf64_Shdr) ||
      !inFile(header.e_shoff, uint64_t(header.e_shentsize) * header.e_shnum,
              size))
    return "";
  auto section = [&](uint64_t index) {
    Elf64_Shdr shdr;
    std::memcpy(&shdr, bytes + header.e_shoff + index * header.e_shentsize,
                sizeof(shdr));
    return shdr;
  };
  Elf64_Shdr table = {};
  for (uint32_t type : {uint32_t(SHT_SYMTAB), uint32_t(SHT_DYNSYM)}) {
    for (uint64_t i = 0; i < header.e_shnum && table.sh_type == 0; ++i)
      if (section(i).sh_type == type)
        table = section(i);
    if (table.sh_type != 0)
      break;
  }
  if (table.sh_type == 0 || table.sh_link >= header.e_shnum ||
      table.sh_entsize < sizeof(Elf64_Sym) ||
      !inFile(table.sh_offset, table.sh_size, size))
    return "";
  Elf64_Shdr strings = section(table.sh_link);
  if (!inFile(strings.sh_offset, strings.sh_size, size) || !strings.sh_size)
    return "";
  const char *text = reinterpret_cast<const char *>(bytes + strings.sh_offset);
  auto nameOf = [&](const Elf64_Sym &symbol) -> const char * {
    if (symbol.st_name >= strings.sh_size ||
        !std::memchr(text + symbol.st_name, '\0',
                     strings.sh_size - symbol.st_name))
      return "";
    return text + symbol.st_name;
  };
  uint64_t count = table.sh_size / table.sh_entsize;
  std::string found;
  for (uint64_t i = 0; i < count; ++i) {
    Elf64_Sym symbol;
    std::memcpy(&symbol, bytes + table.sh_offset + i * table.sh_entsize,
                sizeof(symbol));
    const char *name = nameOf(symbol);
    if (std::strncmp(name, kCiface, kCifaceLength) == 0)
      artifact = true;
    if (found.empty() && ELF64_ST_TYPE(symbol.st_info) == STT_FUNC &&
        symbol.st_value <= offset && offset - symbol.st_value < symbol.st_size)
      found = name;
  }
  if (found.empty() || !artifact)
    return found;
  if (found.compare(0, kCifaceLength, kCiface) == 0) {
    entryPoint = true;
    return found.substr(kCifaceLength);
  }
  std::string wrapper = kCiface + found;
  for (uint64_t i = 0; i < count && !entryPoint; ++i) {
    Elf64_Sym symbol;
    std::memcpy(&symbol, bytes + table.sh_offset + i * table.sh_entsize,
                sizeof(symbol));
    entryPoint = wrapper == nameOf(symbol);
  }
  return found;
}

bool endsWith(const std::string &text, const char *suffix) {
  size_t length = std::strlen(suffix);
  return text.size() > length &&
         text.compare(text.size() - length, length, suffix) == 0;
}

/// Says which entry point (or GPU module constructor) of which artifact
/// called an mgpu* function from `address`, e.g. "; in entry point 'norm'
/// of /path/layer.so"; "" when the caller is not generated code (a
/// hand-written host, a stripped artifact). Only for failures: it reads the
/// caller's file.
std::string callerLabel(const void *address) {
  if (!address)
    return "";
  Dl_info info;
  struct link_map *map = nullptr;
  if (!dladdr1(address, &info, reinterpret_cast<void **>(&map),
               RTLD_DL_LINKMAP) ||
      !info.dli_fname || !*info.dli_fname || !map)
    return "";
  FileBytes file(info.dli_fname);
  uint64_t offset = reinterpret_cast<uintptr_t>(address) - map->l_addr;
  bool entryPoint = false, artifact = false;
  // The return address may be one past a call at a function's very end.
  std::string name = functionAt(file, offset - 1, entryPoint, artifact);
  if (name.empty() || !artifact)
    return "";
  std::string label;
  if (entryPoint)
    label = "; in entry point '" + name + "'";
  else if (endsWith(name, "_unload"))
    // MLIR names a gpu.binary's module constructor and destructor
    // <binary>_load and <binary>_unload.
    label = "; unloading the GPU module '" + name.substr(0, name.size() - 7) +
            "' (its destructor '" + name + "')";
  else if (endsWith(name, "_load"))
    label = "; loading the GPU module '" + name.substr(0, name.size() - 5) +
            "' (its constructor '" + name + "', run when the artifact is " +
            "loaded)";
  else
    label = "; in '" + name + "'";
  return label + " of " + info.dli_fname;
}

/// Records `status` and the calling thread's last error message, followed
/// by where in generated code the failing call came from (`caller`), as the
/// sticky error unless one is already recorded. Returns whether `status` is
/// a success.
bool record(MoeStatus status, const void *caller) {
  if (status == MOE_SUCCESS)
    return true;
  StickyError &error = sticky();
  if (error.set.load(std::memory_order_acquire))
    return false;
  appendToLastError(callerLabel(caller).c_str());
  std::lock_guard<std::mutex> lock(error.mutex);
  if (error.set.load(std::memory_order_relaxed))
    return false;
  error.status = status;
  std::snprintf(error.message, sizeof(error.message), "%s", lastErrorMessage());
  error.set.store(true, std::memory_order_release);
  const char *verbose = std::getenv("MOE_RUNTIME_VERBOSE");
  if (verbose && *verbose && std::strcmp(verbose, "0") != 0)
    std::fprintf(stderr, "moe runtime: %s: %s\n", moeStatusName(status),
                 error.message);
  return false;
}

/// Converts an MLIR index launch dimension to the driver's unsigned int.
bool toDim(const char *fn, const char *name, intptr_t value, unsigned &out,
           const void *caller) {
  if (value < 1 || static_cast<uint64_t>(value) > UINT32_MAX)
    return record(fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                       "argument '%s' = %lld is out of range (1..2^32-1)", name,
                       static_cast<long long>(value)),
                  caller);
  out = static_cast<unsigned>(value);
  return true;
}

bool toDims(const char *fn, const char *what, intptr_t x, intptr_t y,
            intptr_t z, unsigned out[3], const void *caller) {
  char name[32];
  std::snprintf(name, sizeof(name), "%sX", what);
  if (!toDim(fn, name, x, out[0], caller))
    return false;
  std::snprintf(name, sizeof(name), "%sY", what);
  if (!toDim(fn, name, y, out[1], caller))
    return false;
  std::snprintf(name, sizeof(name), "%sZ", what);
  return toDim(fn, name, z, out[2], caller);
}

/// Narrows an enum value passed as i64; out-of-range values become -1, which
/// every enum check rejects.
bool toSmem(const char *fn, int32_t smem, unsigned &out, const void *caller) {
  if (smem < 0)
    return record(fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                       "argument 'smem' = %d is negative", smem),
                  caller);
  out = static_cast<unsigned>(smem);
  return true;
}

//===----------------------------------------------------------------------===//
// The caller's stream
//===----------------------------------------------------------------------===//

/// The calling thread's caller stream (moeSetCurrentStream), null if none.
/// Trivially destructible, so it is valid during .fini_array too.
thread_local MoeStream callerStream = nullptr;

/// Whether `stream` is the calling thread's caller stream.
bool isCallerStream(MoeStream stream) {
  return stream && stream == callerStream;
}

} // namespace

//===----------------------------------------------------------------------===//
// The ABI
//===----------------------------------------------------------------------===//

extern "C" {

MoeStatus moeGetStickyError(const char **message) {
  StickyError &error = sticky();
  std::lock_guard<std::mutex> lock(error.mutex);
  if (message)
    *message = error.message;
  return error.status;
}

void moeClearStickyError(void) {
  StickyError &error = sticky();
  std::lock_guard<std::mutex> lock(error.mutex);
  error.status = MOE_SUCCESS;
  error.message[0] = '\0';
  error.set.store(false, std::memory_order_release);
}

void moeSetCurrentStream(MoeStream stream) { callerStream = stream; }

MoeStream moeGetCurrentStream(void) { return callerStream; }

MoeModule mgpuModuleLoad(void *data, size_t gpuBlobSize) {
  if (stuck())
    return nullptr;
  MoeModule module = nullptr;
  record(loadModule("mgpuModuleLoad", true, data, gpuBlobSize,
                    /*optLevel=*/-1, &module),
         MOE_CALLER);
  return module;
}

MoeModule mgpuModuleLoadJIT(void *data, int optLevel) {
  if (stuck())
    return nullptr;
  MoeModule module = nullptr;
  // MLIR embeds the PTX with a trailing NUL but passes no size.
  record(loadModule("mgpuModuleLoadJIT", true, data, /*size=*/0, optLevel,
                    &module),
         MOE_CALLER);
  return module;
}

void mgpuModuleUnload(MoeModule module) {
  // Module destructors run at exit even when the load failed.
  if (stuck() || !module)
    return;
  record(unloadModule("mgpuModuleUnload", true, module), MOE_CALLER);
}

MoeFunction mgpuModuleGetFunction(MoeModule module, const char *name) {
  if (stuck())
    return nullptr;
  MoeFunction function = nullptr;
  record(getFunction("mgpuModuleGetFunction", true, module, name, &function),
         MOE_CALLER);
  return function;
}

void mgpuLaunchKernel(MoeFunction function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, MoeStream stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  constexpr const char *fn = "mgpuLaunchKernel";
  if (stuck())
    return;
  LaunchDims dims;
  unsigned bytes = 0;
  if (!toDims(fn, "grid", gridX, gridY, gridZ, dims.grid, MOE_CALLER) ||
      !toDims(fn, "block", blockX, blockY, blockZ, dims.block, MOE_CALLER) ||
      !toSmem(fn, smem, bytes, MOE_CALLER))
    return;
  record(launch(fn, true, function, dims, bytes, stream, params, extra),
         MOE_CALLER);
}

void mgpuLaunchClusterKernel(MoeFunction function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, MoeStream stream, void **params,
                             void **extra) {
  constexpr const char *fn = "mgpuLaunchClusterKernel";
  if (stuck())
    return;
  LaunchDims dims;
  dims.hasCluster = true;
  unsigned bytes = 0;
  if (!toDims(fn, "cluster", clusterX, clusterY, clusterZ, dims.cluster,
              MOE_CALLER) ||
      !toDims(fn, "grid", gridX, gridY, gridZ, dims.grid, MOE_CALLER) ||
      !toDims(fn, "block", blockX, blockY, blockZ, dims.block, MOE_CALLER) ||
      !toSmem(fn, smem, bytes, MOE_CALLER))
    return;
  record(launch(fn, true, function, dims, bytes, stream, params, extra),
         MOE_CALLER);
}

MoeStream mgpuStreamCreate(void) {
  if (stuck())
    return nullptr;
  // The generated code's work goes to the caller's stream, which it does not
  // own: mgpuStreamSynchronize and mgpuStreamDestroy leave it alone.
  if (MoeStream caller = callerStream)
    return caller;
  // Generated code makes one per call: the thread's last one is reused
  // (HandlePool.cpp).
  MoeStream stream = nullptr;
  record(takeStream("mgpuStreamCreate", &stream), MOE_CALLER);
  return stream;
}

void mgpuStreamDestroy(MoeStream stream) {
  if (stuck() || isCallerStream(stream))
    return;
  record(giveBackStream("mgpuStreamDestroy", stream), MOE_CALLER);
}

void mgpuStreamSynchronize(MoeStream stream) {
  // Synchronizing a stream that is being captured into a CUDA graph is
  // illegal; the caller synchronizes its stream when it wants to.
  if (stuck() || isCallerStream(stream))
    return;
  record(synchronizeStream("mgpuStreamSynchronize", true, stream), MOE_CALLER);
}

void mgpuStreamWaitEvent(MoeStream stream, MoeEvent event) {
  if (stuck())
    return;
  record(streamWaitEvent("mgpuStreamWaitEvent", true, stream, event),
         MOE_CALLER);
}

MoeEvent mgpuEventCreate(void) {
  if (stuck())
    return nullptr;
  MoeEvent event = nullptr;
  // Events of the generated code only order streams: no timing needed;
  // reused per thread as streams are.
  record(takeEvent("mgpuEventCreate", &event), MOE_CALLER);
  return event;
}

void mgpuEventDestroy(MoeEvent event) {
  if (stuck())
    return;
  record(giveBackEvent("mgpuEventDestroy", event), MOE_CALLER);
}

void mgpuEventSynchronize(MoeEvent event) {
  if (stuck())
    return;
  record(synchronizeEvent("mgpuEventSynchronize", true, event), MOE_CALLER);
}

void mgpuEventRecord(MoeEvent event, MoeStream stream) {
  if (stuck())
    return;
  record(recordEvent("mgpuEventRecord", true, event, stream), MOE_CALLER);
}

void *mgpuMemAlloc(uint64_t sizeBytes, MoeStream stream, bool isHostShared) {
  constexpr const char *fn = "mgpuMemAlloc";
  if (stuck())
    return nullptr;
  if (isHostShared) {
    record(fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'isHostShared' is set: host-shared (managed) "
                "allocations of %llu bytes are not supported; allocate "
                "device memory and copy",
                static_cast<unsigned long long>(sizeBytes)),
           MOE_CALLER);
    return nullptr;
  }
  if (sizeBytes == 0)
    return nullptr; // As upstream: an empty allocation is null.
  if (sizeBytes > SIZE_MAX) {
    record(fail(MOE_ERROR_OUT_OF_MEMORY, fn,
                "argument 'sizeBytes' = %llu does not fit in size_t",
                static_cast<unsigned long long>(sizeBytes)),
           MOE_CALLER);
    return nullptr;
  }
  void *pointer = nullptr;
  // With a stream, allocate in stream order (cuMemAllocAsync): no device
  // synchronization, capturable in a CUDA graph, and cached by the pool.
  // Without one, synchronously, as upstream.
  if (stream)
    record(allocateOnStream(fn, true, &pointer, static_cast<size_t>(sizeBytes),
                            stream, /*required=*/isCallerStream(stream)),
           MOE_CALLER);
  else
    record(allocate(fn, true, &pointer, static_cast<size_t>(sizeBytes)),
           MOE_CALLER);
  return pointer;
}

void mgpuMemFree(void *ptr, MoeStream stream) {
  constexpr const char *fn = "mgpuMemFree";
  if (stuck() || !ptr)
    return;
  // As mgpuMemAlloc: in stream order with a stream (cuMemFreeAsync does not
  // wait for the device, unlike cuMemFree).
  if (stream)
    record(releaseOnStream(fn, true, ptr, stream,
                           /*required=*/isCallerStream(stream)),
           MOE_CALLER);
  else
    record(release(fn, true, ptr), MOE_CALLER);
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, MoeStream stream) {
  if (stuck())
    return;
  record(copy("mgpuMemcpy", true, CopyKind::Any, dst, src, sizeBytes,
              /*async=*/true, stream),
         MOE_CALLER);
}

void mgpuMemset32(void *dst, unsigned int value, size_t count,
                  MoeStream stream) {
  if (stuck())
    return;
  record(
      fill("mgpuMemset32", true, dst, value, 4, count, /*async=*/true, stream),
      MOE_CALLER);
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  MoeStream stream) {
  if (stuck())
    return;
  record(
      fill("mgpuMemset16", true, dst, value, 2, count, /*async=*/true, stream),
      MOE_CALLER);
}

void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSizeBytes) {
  constexpr const char *fn = "mgpuMemHostRegisterMemRef";
  if (stuck())
    return;
  void *begin = nullptr;
  size_t bytes = 0;
  if (record(denseMemrefRange(fn, rank, descriptor, elementSizeBytes, &begin,
                              &bytes),
             MOE_CALLER))
    record(registerHostMemory(fn, begin, bytes), MOE_CALLER);
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSizeBytes) {
  constexpr const char *fn = "mgpuMemHostUnregisterMemRef";
  if (stuck())
    return;
  void *begin = nullptr;
  size_t bytes = 0;
  if (record(denseMemrefRange(fn, rank, descriptor, elementSizeBytes, &begin,
                              &bytes),
             MOE_CALLER) &&
      bytes != 0) // An empty memref was not registered.
    record(unregisterHostMemory(fn, begin), MOE_CALLER);
}

void mgpuSetDefaultDevice(int32_t device) {
  constexpr const char *fn = "mgpuSetDefaultDevice";
  if (device < 0) {
    if (!stuck())
      record(fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                  "argument 'device' = %d is negative", device),
             MOE_CALLER);
    return;
  }
  setDefaultDevice(device);
  if (stuck())
    return;
  // Upstream only picks the device of a context created later; here an
  // initialized runtime switches to it.
  const Device *current = currentDevice();
  if (current && current->ordinal != device)
    record(initDevice(fn, device), MOE_CALLER);
}

void mgpuTensorMapEncodeTiled(MoeTensorMap *tensorMap, int dataType,
                              uint32_t rank, void *globalAddress,
                              const uint64_t *globalDims,
                              const uint64_t *globalStrides,
                              const uint32_t *boxDims,
                              const uint32_t *elementStrides, int interleave,
                              int swizzle, int l2Promotion, int oobFill) {
  if (stuck())
    return;
  record(encodeTensorMap("mgpuTensorMapEncodeTiled", true, tensorMap, dataType,
                         rank, globalAddress, globalDims, globalStrides,
                         boxDims, elementStrides, interleave, swizzle,
                         l2Promotion, oobFill),
         MOE_CALLER);
}

void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims) {
  constexpr const char *fn = "mgpuTensorMapEncodeTiledMemref";
  if (stuck())
    return nullptr;
  // As upstream: the map in device memory (allocated and copied
  // synchronously, never freed), for kernels that take a pointer to it.
  MoeTensorMap map;
  if (!record(encodeMemrefTensorMap(fn, &map, rank, descriptor, dataType,
                                    interleave, swizzle, l2Promotion, oobFill,
                                    boxDims),
              MOE_CALLER))
    return nullptr;
  void *deviceMap = nullptr;
  if (!record(allocate(fn, true, &deviceMap, sizeof(map)), MOE_CALLER))
    return nullptr;
  if (!record(copy(fn, true, CopyKind::HostToDevice, deviceMap, &map,
                   sizeof(map), /*async=*/false, nullptr),
              MOE_CALLER)) {
    (void)release(fn, true, deviceMap);
    return nullptr;
  }
  return deviceMap;
}

void moeTensorMapEncodeTiledMemrefByValue(MoeTensorMap *tensorMap, int64_t rank,
                                          void *descriptor, int64_t dataType,
                                          int64_t interleave, int64_t swizzle,
                                          int64_t l2Promotion, int64_t oobFill,
                                          int64_t *boxDims) {
  constexpr const char *fn = "moeTensorMapEncodeTiledMemrefByValue";
  if (tensorMap)
    std::memset(tensorMap, 0, sizeof(*tensorMap));
  if (stuck())
    return;
  if (!tensorMap) {
    record(fail(MOE_ERROR_INVALID_ARGUMENT, fn, "argument 'tensorMap' is null"),
           MOE_CALLER);
    return;
  }
  record(encodeMemrefTensorMap(fn, tensorMap, rank, descriptor, dataType,
                               interleave, swizzle, l2Promotion, oobFill,
                               boxDims),
         MOE_CALLER);
}

} // extern "C"
