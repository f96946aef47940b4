/* The C API side of the GPU-host fault tests (test/GPU/fault_tests.py builds
 * and runs it; one fault per process, since a kernel fault leaves the CUDA
 * context unusable). Each mode provokes one failure and prints
 *
 *   RESULT <status name> <message>
 *
 * with the status and message the runtime reported (the sticky error for
 * generated code, the last error message for C API calls), then exits 0;
 * it exits 1 if nothing failed and 2 on a usage or setup error.
 *
 *   fault_capi load ARTIFACT.so      dlopen an artifact (its module
 *                                    constructors load the GPU modules)
 *   fault_capi image FILE [BYTES]    moeModuleLoad of FILE's first BYTES
 *   fault_capi oom ARTIFACT.so       fill the device's memory with moeMalloc,
 *                                    then call permute_qwen3 (which allocates
 *                                    a temporary) of test/GPU/suite
 *   fault_capi fault ARTIFACT.so     call silu_and_mul_qwen3 with an input
 *                                    pointer no memory is mapped at
 *   fault_capi kernel-fault          moeLaunchKernel of a PTX kernel that
 *                                    stores to such a pointer
 */
#include "moe/Runtime/Runtime.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address that no device (or host) memory is mapped at. */
#define UNMAPPED ((void *)(uintptr_t)0x10000)

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} Desc1;
typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Desc2;

static Desc1 desc1(void *p, int64_t n) {
  Desc1 d = {p, p, 0, {n}, {1}};
  return d;
}
static Desc2 desc2(void *p, int64_t rows, int64_t cols) {
  Desc2 d = {p, p, 0, {rows, cols}, {cols, 1}};
  return d;
}

static int report(MoeStatus status, const char *message) {
  if (status == MOE_SUCCESS) {
    printf("RESULT MOE_SUCCESS (no failure)\n");
    return 1;
  }
  printf("RESULT %s %s\n", moeStatusName(status), message);
  return 0;
}

static int reportSticky(void) {
  const char *message = NULL;
  MoeStatus status = moeGetStickyError(&message);
  return report(status, message);
}

static int setup(const char *what, MoeStatus status) {
  if (status == MOE_SUCCESS)
    return 0;
  fprintf(stderr, "fault_capi: %s failed: %s: %s\n", what,
          moeStatusName(status), moeGetLastErrorMessage());
  exit(2);
}

static void *openArtifact(const char *path) {
  setup("moeInit(0)", moeInit(0));
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "fault_capi: dlopen(%s): %s\n", path, dlerror());
    exit(2);
  }
  return handle;
}

static void *entry(void *handle, const char *name) {
  void *symbol = dlsym(handle, name);
  if (!symbol) {
    fprintf(stderr, "fault_capi: no symbol %s\n", name);
    exit(2);
  }
  return symbol;
}

static void *deviceAlloc(size_t bytes) {
  void *p = NULL;
  setup("moeMalloc", moeMalloc(&p, bytes));
  setup("moeMemsetD8", moeMemsetD8(p, 0, bytes));
  return p;
}

static int modeImage(const char *path, long bytes) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    fprintf(stderr, "fault_capi: cannot open %s\n", path);
    return 2;
  }
  static unsigned char data[64 << 20];
  size_t size = fread(data, 1, sizeof(data), file);
  fclose(file);
  if (bytes >= 0 && (size_t)bytes < size)
    size = (size_t)bytes;
  setup("moeInit(0)", moeInit(0));
  MoeModule module = NULL;
  MoeStatus status = moeModuleLoad(data, size, &module);
  return report(status, moeGetLastErrorMessage());
}

static int modeOom(const char *path) {
  void *handle = openArtifact(path);
  if (moeGetStickyError(NULL) != MOE_SUCCESS)
    return 2;
  void (*permute)(Desc2 *, Desc2 *, Desc2 *, Desc2 *, Desc1 *, Desc1 *,
                  Desc1 *) =
      (void (*)(Desc2 *, Desc2 *, Desc2 *, Desc2 *, Desc1 *, Desc1 *,
                Desc1 *))entry(handle, "_mlir_ciface_permute_qwen3");
  const int64_t T = 2048, K = 8, H = 2048, R = T * K;
  /* Zeroed inputs: every token goes to expert 0 (valid ids). */
  Desc2 x = desc2(deviceAlloc(T * H * 2), T, H);
  Desc2 ids = desc2(deviceAlloc(T * K * 4), T, K);
  Desc2 w = desc2(deviceAlloc(T * K * 4), T, K);
  Desc2 rows = desc2(deviceAlloc(R * H * 2), R, H);
  Desc1 src = desc1(deviceAlloc(R * 4), R);
  Desc1 off = desc1(deviceAlloc(129 * 4), 129);
  Desc1 rw = desc1(deviceAlloc(R * 4), R);
  /* Take every byte the driver will give, in ever smaller blocks. */
  size_t taken = 0;
  for (size_t block = (size_t)1 << 32; block >= ((size_t)1 << 16); block /= 2) {
    void *p = NULL;
    while (moeMalloc(&p, block) == MOE_SUCCESS)
      taken += block;
  }
  size_t freeBytes = 0, totalBytes = 0;
  moeMemGetInfo(&freeBytes, &totalBytes);
  fprintf(stderr, "fault_capi: took %zu MiB; %zu KiB left\n", taken >> 20,
          freeBytes >> 10);
  permute(&x, &ids, &w, &rows, &src, &off, &rw);
  return reportSticky();
}

static int modeFault(const char *path) {
  void *handle = openArtifact(path);
  if (moeGetStickyError(NULL) != MOE_SUCCESS)
    return 2;
  void (*silu)(Desc2 *, Desc2 *) = (void (*)(Desc2 *, Desc2 *))entry(
      handle, "_mlir_ciface_silu_and_mul_qwen3");
  const int64_t T = 4096;
  Desc2 x = desc2(UNMAPPED, T, 1536);
  Desc2 out = desc2(deviceAlloc(T * 768 * 2), T, 768);
  silu(&x, &out);
  return reportSticky();
}

static const char kFaultPtx[] = ".version 7.8\n"
                                ".target sm_90\n"
                                ".address_size 64\n"
                                ".visible .entry fault_store(.param .u64 p)\n"
                                "{\n"
                                "  .reg .b64 %rd<2>;\n"
                                "  .reg .b32 %r<2>;\n"
                                "  ld.param.u64 %rd1, [p];\n"
                                "  mov.u32 %r1, 7;\n"
                                "  st.global.u32 [%rd1], %r1;\n"
                                "  ret;\n"
                                "}\n";

static int modeKernelFault(void) {
  setup("moeInit(0)", moeInit(0));
  MoeModule module = NULL;
  setup("moeModuleLoad", moeModuleLoad(kFaultPtx, sizeof(kFaultPtx), &module));
  MoeFunction function = NULL;
  setup("moeModuleGetFunction",
        moeModuleGetFunction(module, "fault_store", &function));
  MoeStream stream = NULL;
  setup("moeStreamCreate", moeStreamCreate(&stream));
  void *target = UNMAPPED;
  void *params[] = {&target};
  MoeStatus status =
      moeLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, stream, params);
  if (status == MOE_SUCCESS)
    status = moeStreamSynchronize(stream);
  return report(status, moeGetLastErrorMessage());
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "load") && argc == 3) {
    openArtifact(argv[2]);
    return reportSticky();
  }
  if (!strcmp(mode, "image") && (argc == 3 || argc == 4))
    return modeImage(argv[2], argc == 4 ? atol(argv[3]) : -1);
  if (!strcmp(mode, "oom") && argc == 3)
    return modeOom(argv[2]);
  if (!strcmp(mode, "fault") && argc == 3)
    return modeFault(argv[2]);
  if (!strcmp(mode, "kernel-fault") && argc == 2)
    return modeKernelFault();
  fprintf(stderr, "usage: fault_capi load|image|oom|fault|kernel-fault ...\n");
  return 2;
}
