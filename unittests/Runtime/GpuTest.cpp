//===- GpuTest.cpp - The runtime on a Hopper GPU --------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Tests that need a GPU of compute capability 9.0 or newer. Each skips itself
// when moeInit(0) fails, so the suite passes on hosts without one. Outputs
// are poisoned before every kernel or copy that should overwrite them, and
// results are compared exactly.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace moe::runtime::test;

namespace {

/// Fails the test (and returns from it) unless `call` succeeds.
#define ASSERT_MOE_OK(call)                                                    \
  do {                                                                         \
    MoeStatus status_ = (call);                                                \
    ASSERT_EQ(status_, MOE_SUCCESS) << #call << ": " << moeStatusName(status_) \
                                    << ": " << moeGetLastErrorMessage();       \
  } while (false)

/// Fails the test (and returns from it) if the sticky error is set.
#define ASSERT_NO_STICKY_ERROR()                                               \
  do {                                                                         \
    const char *message_ = nullptr;                                            \
    MoeStatus status_ = moeGetStickyError(&message_);                          \
    ASSERT_EQ(status_, MOE_SUCCESS) << message_;                               \
  } while (false)

std::vector<float> randomFloats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  std::vector<float> values(n);
  for (float &v : values)
    v = dist(rng);
  return values;
}

/// A NaN bit pattern no kernel here produces.
constexpr uint32_t kPoison = 0x7fc0dead;

void poison(std::vector<float> &values) {
  for (float &v : values)
    std::memcpy(&v, &kPoison, sizeof(v));
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

/// Expects result[i] == fma(a, x[i], y[i]) bit for bit for i < x.size().
void expectSaxpy(const std::vector<float> &result, const std::vector<float> &x,
                 const std::vector<float> &y, float a) {
  size_t mismatches = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (!sameBits(result[i], std::fma(a, x[i], y[i])) && mismatches++ < 5)
      ADD_FAILURE() << "y[" << i << "] = " << result[i] << ", expected "
                    << std::fma(a, x[i], y[i]);
  EXPECT_EQ(mismatches, 0u);
}

/// Enqueues saxpy (y = a * x + y over n floats) through the mgpu ABI, as
/// generated host code launches kernels.
void launchSaxpyMgpu(MoeFunction saxpy, MoeStream stream, void *dy, void *dx,
                     float a, uint32_t n) {
  float aValue = a;
  uint32_t nValue = n;
  void *params[] = {&dy, &dx, &aValue, &nValue};
  mgpuLaunchKernel(saxpy, (n + 127) / 128, 1, 1, 128, 1, 1, 0, stream, params,
                   nullptr, 4);
}

/// Enqueues on `stream`: copy x and y in, saxpy, copy y into a poisoned
/// `result` (valid once the stream is synchronized).
void saxpyRoundTripMgpu(MoeFunction saxpy, MoeStream stream, void *dx, void *dy,
                        const std::vector<float> &x,
                        const std::vector<float> &y, float a,
                        std::vector<float> &result) {
  uint32_t n = static_cast<uint32_t>(x.size());
  mgpuMemcpy(dx, const_cast<float *>(x.data()), n * sizeof(float), stream);
  mgpuMemcpy(dy, const_cast<float *>(y.data()), n * sizeof(float), stream);
  launchSaxpyMgpu(saxpy, stream, dy, dx, a, n);
  result.assign(n, 0.0f);
  poison(result);
  mgpuMemcpy(result.data(), dy, n * sizeof(float), stream);
}

/// Device memory freed at scope exit.
struct DeviceBuffer {
  void *ptr = nullptr;
  ~DeviceBuffer() {
    if (ptr) {
      EXPECT_EQ(moeFree(ptr), MOE_SUCCESS) << moeGetLastErrorMessage();
    }
  }
};

class RuntimeGpuTest : public ::testing::Test {
protected:
  void SetUp() override {
    MoeStatus status = moeInit(0);
    if (status != MOE_SUCCESS)
      GTEST_SKIP() << "no usable GPU: " << moeStatusName(status) << ": "
                   << moeGetLastErrorMessage();
    moeClearStickyError();
  }
  void TearDown() override {
    moeSetCurrentStream(nullptr);
    moeClearStickyError();
  }

  /// Loads kSaxpyPtx (without its NUL, to exercise the copy).
  void loadSaxpy(MoeModule &module, MoeFunction &saxpy) {
    ASSERT_MOE_OK(moeModuleLoad(kSaxpyPtx, std::strlen(kSaxpyPtx), &module));
    ASSERT_NE(module, nullptr);
    ASSERT_MOE_OK(moeModuleGetFunction(module, "saxpy", &saxpy));
    ASSERT_NE(saxpy, nullptr);
  }
};

TEST_F(RuntimeGpuTest, DeviceQueriesGpu) {
  int count = 0;
  ASSERT_MOE_OK(moeGetDeviceCount(&count));
  EXPECT_GE(count, 1);
  int device = -1;
  ASSERT_MOE_OK(moeGetDevice(&device));
  EXPECT_EQ(device, 0);
  char name[256];
  std::memset(name, 'x', sizeof(name));
  ASSERT_MOE_OK(moeDeviceGetName(name, sizeof(name)));
  EXPECT_GT(std::strlen(name), 0u);
  EXPECT_LT(std::strlen(name), sizeof(name));
  char tiny[4];
  ASSERT_MOE_OK(moeDeviceGetName(tiny, sizeof(tiny)));
  EXPECT_EQ(std::strlen(tiny), 3u) << "truncated and terminated";
  EXPECT_EQ(std::strncmp(tiny, name, 3), 0);
  int major = 0, minor = -1;
  ASSERT_MOE_OK(moeDeviceGetComputeCapability(&major, &minor));
  EXPECT_GE(major, 9) << name;
  EXPECT_GE(minor, 0);
  int sms = 0;
  ASSERT_MOE_OK(moeDeviceGetMultiprocessorCount(&sms));
  EXPECT_GT(sms, 0);
  int smem = 0;
  ASSERT_MOE_OK(moeDeviceGetMaxDynamicSharedMemory(&smem));
  EXPECT_GT(smem, 48 * 1024) << "Hopper opts in to more than 48 KiB";
  size_t freeBytes = 0, totalBytes = 0;
  ASSERT_MOE_OK(moeMemGetInfo(&freeBytes, &totalBytes));
  EXPECT_GT(totalBytes, 0u);
  EXPECT_GT(freeBytes, 0u);
  EXPECT_LE(freeBytes, totalBytes);
  ASSERT_MOE_OK(moeDeviceSynchronize());
  // Initializing the current device again is cheap and harmless.
  ASSERT_MOE_OK(moeInit(0));
  EXPECT_INVALID_ARGUMENT(moeInit(count), "device");
  ASSERT_MOE_OK(moeGetDevice(&device));
  EXPECT_EQ(device, 0) << "a failed switch keeps the current device";
  ::testing::Test::RecordProperty("device", name);
  std::printf("[   INFO   ] device 0: %s, sm_%d%d, %d SMs, %d bytes of "
              "dynamic shared memory, %zu of %zu bytes free\n",
              name, major, minor, sms, smem, freeBytes, totalBytes);
}

TEST_F(RuntimeGpuTest, MemoryRoundTripGpu) {
  const size_t n = (size_t(1) << 20) + 3;
  const size_t bytes = n * sizeof(float);
  std::vector<float> input = randomFloats(n, 1);
  std::vector<float> output(n);
  DeviceBuffer a, b;
  ASSERT_MOE_OK(moeMalloc(&a.ptr, bytes));
  ASSERT_MOE_OK(moeMalloc(&b.ptr, bytes));
  ASSERT_NE(a.ptr, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.ptr) % 256, 0u);

  // memset D32, then read back.
  ASSERT_MOE_OK(moeMemsetD32(a.ptr, 0xdeadbeef, n));
  poison(output);
  ASSERT_MOE_OK(moeMemcpyDtoH(output.data(), a.ptr, bytes));
  for (size_t i = 0; i < n; ++i) {
    uint32_t bitsValue;
    std::memcpy(&bitsValue, &output[i], 4);
    ASSERT_EQ(bitsValue, 0xdeadbeefu) << i;
  }

  // Host -> device -> device -> host.
  ASSERT_MOE_OK(moeMemcpyHtoD(a.ptr, input.data(), bytes));
  ASSERT_MOE_OK(moeMemsetD8(b.ptr, 0x11, bytes));
  ASSERT_MOE_OK(moeMemcpyDtoD(b.ptr, a.ptr, bytes));
  poison(output);
  ASSERT_MOE_OK(moeMemcpyDtoH(output.data(), b.ptr, bytes));
  EXPECT_EQ(std::memcmp(output.data(), input.data(), bytes), 0);

  // memset D8 and D16.
  std::vector<unsigned char> raw(bytes, 0);
  ASSERT_MOE_OK(moeMemsetD8(b.ptr, 0x5a, bytes - 1));
  ASSERT_MOE_OK(moeMemcpyDtoH(raw.data(), b.ptr, bytes));
  for (size_t i = 0; i + 1 < bytes; ++i)
    ASSERT_EQ(raw[i], 0x5a) << i;
  std::vector<unsigned char> expectedTail(4);
  std::memcpy(expectedTail.data(), &input[n - 1], 4);
  EXPECT_EQ(raw[bytes - 1], expectedTail[3]) << "memset stays in bounds";
  ASSERT_MOE_OK(moeMemsetD16(b.ptr, 0xbeef, bytes / 2));
  std::vector<uint16_t> halves(bytes / 2, 0);
  ASSERT_MOE_OK(moeMemcpyDtoH(halves.data(), b.ptr, bytes));
  for (size_t i = 0; i < halves.size(); ++i)
    ASSERT_EQ(halves[i], 0xbeef) << i;

  // The asynchronous forms on a stream.
  MoeStream stream = nullptr;
  ASSERT_MOE_OK(moeStreamCreate(&stream));
  ASSERT_NE(stream, nullptr);
  std::vector<float> input2 = randomFloats(n, 2);
  ASSERT_MOE_OK(moeMemcpyHtoDAsync(a.ptr, input2.data(), bytes, stream));
  ASSERT_MOE_OK(moeMemsetD32Async(b.ptr, 0, n, stream));
  const size_t half = n / 2;
  ASSERT_MOE_OK(moeMemcpyDtoDAsync(b.ptr, a.ptr, half * sizeof(float), stream));
  ASSERT_MOE_OK(moeMemsetD16Async(a.ptr, 0x1234, 2, stream));
  ASSERT_MOE_OK(moeMemsetD8Async(a.ptr, 0x77, 1, stream));
  poison(output);
  ASSERT_MOE_OK(moeMemcpyDtoHAsync(output.data(), b.ptr, bytes, stream));
  ASSERT_MOE_OK(moeStreamSynchronize(stream));
  EXPECT_EQ(std::memcmp(output.data(), input2.data(), half * sizeof(float)), 0);
  for (size_t i = half; i < n; ++i)
    ASSERT_EQ(output[i], 0.0f) << i;
  unsigned char head[4] = {0, 0, 0, 0};
  ASSERT_MOE_OK(moeMemcpyAsync(head, a.ptr, 4, stream));
  ASSERT_MOE_OK(moeStreamSynchronize(stream));
  EXPECT_EQ(head[0], 0x77);
  EXPECT_EQ(head[1], 0x12);
  EXPECT_EQ(head[2], 0x34);
  EXPECT_EQ(head[3], 0x12);
  ASSERT_MOE_OK(moeStreamDestroy(stream));
}

TEST_F(RuntimeGpuTest, LaunchSaxpyGpu) {
  MoeModule module = nullptr;
  MoeFunction saxpy = nullptr;
  ASSERT_NO_FATAL_FAILURE(loadSaxpy(module, saxpy));

  const uint32_t n = 1000003; // Not a multiple of the block.
  const float a = 2.5f;
  std::vector<float> x = randomFloats(n, 3), y = randomFloats(n, 4);
  DeviceBuffer dx, dy;
  ASSERT_MOE_OK(moeMalloc(&dx.ptr, n * sizeof(float)));
  // One extra element past n must stay untouched.
  ASSERT_MOE_OK(moeMalloc(&dy.ptr, (n + 1) * sizeof(float)));
  ASSERT_MOE_OK(moeMemsetD32(dy.ptr, kPoison, n + 1));
  ASSERT_MOE_OK(moeMemcpyHtoD(dx.ptr, x.data(), n * sizeof(float)));
  ASSERT_MOE_OK(moeMemcpyHtoD(dy.ptr, y.data(), n * sizeof(float)));

  void *yPtr = dy.ptr, *xPtr = dx.ptr;
  float aValue = a;
  uint32_t nValue = n;
  void *params[] = {&yPtr, &xPtr, &aValue, &nValue};
  const unsigned block = 256;
  ASSERT_MOE_OK(moeLaunchKernel(saxpy, (n + block - 1) / block, 1, 1, block, 1,
                                1, 0, nullptr, params));
  ASSERT_MOE_OK(moeDeviceSynchronize());

  std::vector<float> result(n + 1);
  poison(result);
  ASSERT_MOE_OK(moeMemcpyDtoH(result.data(), dy.ptr, (n + 1) * sizeof(float)));
  expectSaxpy(result, x, y, a);
  uint32_t tail;
  std::memcpy(&tail, &result[n], 4);
  EXPECT_EQ(tail, kPoison) << "the kernel wrote past n";

  // The same PTX with its NUL loads too.
  MoeModule again = nullptr;
  ASSERT_MOE_OK(moeModuleLoad(kSaxpyPtx, std::strlen(kSaxpyPtx) + 1, &again));
  ASSERT_MOE_OK(moeModuleUnload(again));

  MoeFunction missing = reinterpret_cast<MoeFunction>(0x1);
  EXPECT_INVALID_ARGUMENT(
      moeModuleGetFunction(module, "no_such_kernel", &missing),
      "no_such_kernel");
  EXPECT_EQ(missing, nullptr);
  ASSERT_MOE_OK(moeModuleUnload(module));
}

TEST_F(RuntimeGpuTest, StreamsAndEventsGpu) {
  MoeModule module = nullptr;
  MoeFunction saxpy = nullptr;
  ASSERT_NO_FATAL_FAILURE(loadSaxpy(module, saxpy));

  const uint32_t n = 1 << 22;
  const int iterations = 10;
  const float a = 0.75f;
  std::vector<float> x = randomFloats(n, 5), y = randomFloats(n, 6);
  DeviceBuffer dx, dy;
  ASSERT_MOE_OK(moeMalloc(&dx.ptr, n * sizeof(float)));
  ASSERT_MOE_OK(moeMalloc(&dy.ptr, n * sizeof(float)));

  MoeStream producer = nullptr, consumer = nullptr;
  MoeEvent start = nullptr, stop = nullptr, ready = nullptr;
  ASSERT_MOE_OK(moeStreamCreate(&producer));
  ASSERT_MOE_OK(moeStreamCreate(&consumer));
  ASSERT_MOE_OK(moeEventCreate(&start));
  ASSERT_MOE_OK(moeEventCreate(&stop));
  ASSERT_MOE_OK(moeEventCreate(&ready));

  // The producer uploads; the consumer waits for it, then runs the kernels.
  ASSERT_MOE_OK(
      moeMemcpyHtoDAsync(dx.ptr, x.data(), n * sizeof(float), producer));
  ASSERT_MOE_OK(
      moeMemcpyHtoDAsync(dy.ptr, y.data(), n * sizeof(float), producer));
  ASSERT_MOE_OK(moeEventRecord(ready, producer));
  ASSERT_MOE_OK(moeStreamWaitEvent(consumer, ready));
  void *yPtr = dy.ptr, *xPtr = dx.ptr;
  float aValue = a;
  uint32_t nValue = n;
  void *params[] = {&yPtr, &xPtr, &aValue, &nValue};
  ASSERT_MOE_OK(moeEventRecord(start, consumer));
  for (int i = 0; i < iterations; ++i)
    ASSERT_MOE_OK(
        moeLaunchKernel(saxpy, n / 128, 1, 1, 128, 1, 1, 0, consumer, params));
  ASSERT_MOE_OK(moeEventRecord(stop, consumer));
  ASSERT_MOE_OK(moeEventSynchronize(stop));
  float ms = -1.0f;
  ASSERT_MOE_OK(moeEventElapsedTime(&ms, start, stop));
  EXPECT_GT(ms, 0.0f);
  std::printf("[   INFO   ] %d saxpy launches on %u floats: %.3f ms\n",
              iterations, n, ms);

  std::vector<float> result(n);
  poison(result);
  ASSERT_MOE_OK(
      moeMemcpyDtoHAsync(result.data(), dy.ptr, n * sizeof(float), consumer));
  ASSERT_MOE_OK(moeStreamSynchronize(consumer));
  size_t mismatches = 0;
  for (uint32_t i = 0; i < n; ++i) {
    float expected = y[i];
    for (int k = 0; k < iterations; ++k)
      expected = std::fma(a, x[i], expected);
    if (!sameBits(result[i], expected) && mismatches++ < 5)
      ADD_FAILURE() << "y[" << i << "] = " << result[i] << ", expected "
                    << expected;
  }
  EXPECT_EQ(mismatches, 0u);

  ASSERT_MOE_OK(moeEventDestroy(start));
  ASSERT_MOE_OK(moeEventDestroy(stop));
  ASSERT_MOE_OK(moeEventDestroy(ready));
  ASSERT_MOE_OK(moeStreamDestroy(producer));
  ASSERT_MOE_OK(moeStreamDestroy(consumer));
  ASSERT_MOE_OK(moeModuleUnload(module));
}

TEST_F(RuntimeGpuTest, LargeDynamicSharedMemoryGpu) {
  MoeModule module = nullptr;
  ASSERT_MOE_OK(moeModuleLoad(kSaxpyPtx, std::strlen(kSaxpyPtx), &module));
  MoeFunction reverse = nullptr;
  ASSERT_MOE_OK(moeModuleGetFunction(module, "smem_reverse", &reverse));

  const unsigned threads = 256;
  std::vector<float> input = randomFloats(threads, 7);
  DeviceBuffer in, out;
  ASSERT_MOE_OK(moeMalloc(&in.ptr, threads * sizeof(float)));
  ASSERT_MOE_OK(moeMalloc(&out.ptr, threads * sizeof(float)));
  ASSERT_MOE_OK(moeMemcpyHtoD(in.ptr, input.data(), threads * sizeof(float)));

  int maxSmem = 0;
  ASSERT_MOE_OK(moeDeviceGetMaxDynamicSharedMemory(&maxSmem));
  // Below the default limit, above it (the attribute is raised), then at the
  // device's opt-in limit; a smaller size after a larger one still works.
  const unsigned sizes[] = {16 * 1024, 100 * 1024, unsigned(maxSmem),
                            64 * 1024};
  for (unsigned bytes : sizes) {
    ASSERT_MOE_OK(moeMemsetD32(out.ptr, kPoison, threads));
    void *outPtr = out.ptr, *inPtr = in.ptr;
    unsigned bytesValue = bytes;
    void *params[] = {&outPtr, &inPtr, &bytesValue};
    ASSERT_MOE_OK(moeLaunchKernel(reverse, 1, 1, 1, threads, 1, 1, bytes,
                                  nullptr, params));
    ASSERT_MOE_OK(moeDeviceSynchronize());
    std::vector<float> result(threads);
    poison(result);
    ASSERT_MOE_OK(
        moeMemcpyDtoH(result.data(), out.ptr, threads * sizeof(float)));
    for (unsigned t = 0; t < threads; ++t)
      ASSERT_TRUE(sameBits(result[t], input[threads - 1 - t]))
          << bytes << " bytes, thread " << t;
  }

  void *outPtr = out.ptr, *inPtr = in.ptr;
  unsigned tooMany = unsigned(maxSmem) + 1024;
  void *params[] = {&outPtr, &inPtr, &tooMany};
  EXPECT_INVALID_ARGUMENT(moeLaunchKernel(reverse, 1, 1, 1, threads, 1, 1,
                                          tooMany, nullptr, params),
                          "dynamicSmemBytes", "opt-in");
  ASSERT_MOE_OK(moeModuleUnload(module));
}

TEST_F(RuntimeGpuTest, ConcurrentLaunchesFromThreadsGpu) {
  // Threads that never called moeInit use the runtime at once: each binds
  // the primary context itself, and launches of one function with different
  // dynamic shared memory sizes race on raising its limit.
  MoeModule module = nullptr;
  ASSERT_MOE_OK(moeModuleLoad(kSaxpyPtx, std::strlen(kSaxpyPtx), &module));
  MoeFunction reverse = nullptr;
  ASSERT_MOE_OK(moeModuleGetFunction(module, "smem_reverse", &reverse));
  const unsigned threads = 128;
  const int workers = 8, rounds = 20;
  std::vector<std::string> failures(workers);
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w)
    pool.emplace_back([&, w] {
      std::string &failure = failures[w];
      auto check = [&](MoeStatus status, const char *what) {
        if (status != MOE_SUCCESS && failure.empty())
          failure = std::string(what) + ": " + moeGetLastErrorMessage();
        return status == MOE_SUCCESS;
      };
      std::vector<float> input = randomFloats(threads, 100 + w);
      std::vector<float> result(threads);
      void *in = nullptr, *out = nullptr;
      MoeStream stream = nullptr;
      if (!check(moeStreamCreate(&stream), "moeStreamCreate") ||
          !check(moeMalloc(&in, threads * 4), "moeMalloc") ||
          !check(moeMalloc(&out, threads * 4), "moeMalloc") ||
          !check(moeMemcpyHtoD(in, input.data(), threads * 4), "HtoD"))
        return;
      for (int r = 0; r < rounds && failure.empty(); ++r) {
        unsigned bytes = (40 + 16 * ((w + r) % 8)) * 1024;
        void *outPtr = out, *inPtr = in;
        void *params[] = {&outPtr, &inPtr, &bytes};
        poison(result);
        if (!check(moeMemsetD32Async(out, kPoison, threads, stream),
                   "memset") ||
            !check(moeLaunchKernel(reverse, 1, 1, 1, threads, 1, 1, bytes,
                                   stream, params),
                   "moeLaunchKernel") ||
            !check(moeMemcpyDtoHAsync(result.data(), out, threads * 4, stream),
                   "DtoH") ||
            !check(moeStreamSynchronize(stream), "moeStreamSynchronize"))
          break;
        for (unsigned t = 0; t < threads; ++t)
          if (!sameBits(result[t], input[threads - 1 - t])) {
            failure = "wrong value at thread " + std::to_string(t) + " with " +
                      std::to_string(bytes) + " bytes";
            break;
          }
      }
      check(moeFree(in), "moeFree");
      check(moeFree(out), "moeFree");
      check(moeStreamDestroy(stream), "moeStreamDestroy");
    });
  for (std::thread &t : pool)
    t.join();
  for (int w = 0; w < workers; ++w)
    EXPECT_EQ(failures[w], "") << "worker " << w;
  ASSERT_MOE_OK(moeModuleUnload(module));
}

TEST_F(RuntimeGpuTest, GarbageModuleIsRejectedGpu) {
  MoeModule module = reinterpret_cast<MoeModule>(0x1);
  const char text[] = "this is not PTX, nor a cubin, nor a fatbin";
  EXPECT_EQ(moeModuleLoad(text, sizeof(text) - 1, &module),
            MOE_ERROR_INVALID_MODULE);
  EXPECT_EQ(module, nullptr);
  std::string message = moeGetLastErrorMessage();
  EXPECT_NE(message.find("moeModuleLoad"), std::string::npos) << message;
  EXPECT_NE(message.find("CUDA_ERROR_"), std::string::npos) << message;

  std::mt19937 rng(8);
  std::vector<unsigned char> noise(4096);
  for (unsigned char &byte : noise)
    byte = static_cast<unsigned char>(rng() | 1); // No NUL, no ELF magic.
  noise[0] = 'x';
  EXPECT_EQ(moeModuleLoad(noise.data(), noise.size(), &module),
            MOE_ERROR_INVALID_MODULE)
      << moeGetLastErrorMessage();

  // PTX for which the JIT reports an error: the log is in the message.
  const char badPtx[] = ".version 8.0\n.target sm_90\n.address_size 64\n"
                        ".visible .entry broken() { bogus.instruction; }\n";
  EXPECT_EQ(moeModuleLoad(badPtx, sizeof(badPtx), &module),
            MOE_ERROR_INVALID_MODULE);
  message = moeGetLastErrorMessage();
  EXPECT_NE(message.find("PTX"), std::string::npos) << message;
  std::printf("[   INFO   ] %s\n", message.c_str());

  // The runtime still works afterwards.
  MoeFunction saxpy = nullptr;
  ASSERT_NO_FATAL_FAILURE(loadSaxpy(module, saxpy));
  ASSERT_MOE_OK(moeModuleUnload(module));
}

TEST_F(RuntimeGpuTest, OutOfMemoryGpu) {
  void *pointer = reinterpret_cast<void *>(0x1);
  const size_t onePiB = size_t(1) << 50;
  EXPECT_EQ(moeMalloc(&pointer, onePiB), MOE_ERROR_OUT_OF_MEMORY)
      << moeGetLastErrorMessage();
  EXPECT_EQ(pointer, nullptr);
  std::string message = moeGetLastErrorMessage();
  EXPECT_NE(message.find("cuMemAlloc_v2"), std::string::npos) << message;
  EXPECT_NE(message.find("1125899906842624"), std::string::npos) << message;
  // Still usable.
  DeviceBuffer buffer;
  ASSERT_MOE_OK(moeMalloc(&buffer.ptr, 1024));
}

TEST_F(RuntimeGpuTest, TensorMapEncodeGpu) {
  // A 128 x 64 f16 matrix (rows of 128 bytes), 64 x 64 boxes, 128B swizzle.
  DeviceBuffer buffer;
  ASSERT_MOE_OK(moeMalloc(&buffer.ptr, 128 * 64 * 2));
  MoeTensorMap map;
  std::memset(&map, 0, sizeof(map));
  uint64_t dims[2] = {64, 128};
  uint64_t strides[1] = {128};
  uint32_t box[2] = {64, 64};
  uint32_t elementStrides[2] = {1, 1};
  ASSERT_MOE_OK(moeTensorMapEncodeTiled(
      &map, MOE_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, buffer.ptr, dims, strides, box,
      elementStrides, MOE_TENSOR_MAP_INTERLEAVE_NONE,
      MOE_TENSOR_MAP_SWIZZLE_128B, MOE_TENSOR_MAP_L2_PROMOTION_L2_128B,
      MOE_TENSOR_MAP_OOB_FILL_NONE));
  bool nonZero = false;
  for (uint64_t word : map.opaque)
    nonZero |= word != 0;
  EXPECT_TRUE(nonZero);

  // The mgpu form with the driver's enum values gives the same map.
  alignas(128) MoeTensorMap viaAbi;
  std::memset(&viaAbi, 0, sizeof(viaAbi));
  mgpuTensorMapEncodeTiled(&viaAbi, /*FLOAT16=*/6, 2, buffer.ptr, dims, strides,
                           box, elementStrides, /*NONE=*/0,
                           /*SWIZZLE_128B=*/3, /*L2_128B=*/2, /*NONE=*/0);
  ASSERT_NO_STICKY_ERROR();
  EXPECT_EQ(std::memcmp(&map, &viaAbi, sizeof(map)), 0);

  // The memref form: memref<128x64xf16> with box [64, 64].
  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } memref = {buffer.ptr, buffer.ptr, 0, {128, 64}, {64, 1}};
  int64_t boxDims[2] = {64, 64};
  // Upstream's form: a device copy of the map.
  void *deviceMap = mgpuTensorMapEncodeTiledMemref(2, &memref, /*FLOAT16=*/6, 0,
                                                   3, 2, 0, boxDims);
  ASSERT_NO_STICKY_ERROR();
  ASSERT_NE(deviceMap, nullptr);
  MoeTensorMap copied;
  std::memset(&copied, 0xab, sizeof(copied));
  ASSERT_MOE_OK(moeMemcpyDtoH(&copied, deviceMap, sizeof(copied)));
  EXPECT_EQ(std::memcmp(&copied, &map, sizeof(map)), 0);
  ASSERT_MOE_OK(moeFree(deviceMap));
  // The by-value form into caller memory, first encoded and then from the
  // thread's cache (same inputs); another box is encoded anew.
  for (int round = 0; round < 2; ++round) {
    MoeTensorMap byValue;
    std::memset(&byValue, 0xab, sizeof(byValue));
    moeTensorMapEncodeTiledMemrefByValue(&byValue, 2, &memref, /*FLOAT16=*/6, 0,
                                         3, 2, 0, boxDims);
    ASSERT_NO_STICKY_ERROR();
    EXPECT_EQ(std::memcmp(&byValue, &map, sizeof(map)), 0) << round;
  }
  int64_t otherBox[2] = {32, 64};
  MoeTensorMap other;
  moeTensorMapEncodeTiledMemrefByValue(&other, 2, &memref, /*FLOAT16=*/6, 0, 3,
                                       2, 0, otherBox);
  ASSERT_NO_STICKY_ERROR();
  EXPECT_NE(std::memcmp(&other, &map, sizeof(map)), 0);

  // A box wider than the swizzle span is rejected before the driver.
  box[0] = 128;
  EXPECT_INVALID_ARGUMENT(
      moeTensorMapEncodeTiled(
          &map, MOE_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, buffer.ptr, dims, strides,
          box, nullptr, MOE_TENSOR_MAP_INTERLEAVE_NONE,
          MOE_TENSOR_MAP_SWIZZLE_128B, MOE_TENSOR_MAP_L2_PROMOTION_NONE,
          MOE_TENSOR_MAP_OOB_FILL_NONE),
      "boxDims[0]");
}

TEST_F(RuntimeGpuTest, TensorMapByValueTmaLoadGpu) {
  // A 32-row x 64-column f32 matrix; boxes of 16 rows x 32 columns.
  const unsigned rows = 32, cols = 64, boxRows = 16, boxCols = 32;
  std::vector<float> matrix = randomFloats(rows * cols, 9);
  DeviceBuffer buffer, out;
  ASSERT_MOE_OK(moeMalloc(&buffer.ptr, matrix.size() * sizeof(float)));
  ASSERT_MOE_OK(
      moeMemcpyHtoD(buffer.ptr, matrix.data(), matrix.size() * sizeof(float)));
  ASSERT_MOE_OK(moeMalloc(&out.ptr, boxRows * boxCols * sizeof(float)));

  MoeTensorMap map;
  uint64_t dims[2] = {cols, rows};
  uint64_t strides[1] = {cols * sizeof(float)};
  uint32_t box[2] = {boxCols, boxRows};
  ASSERT_MOE_OK(moeTensorMapEncodeTiled(
      &map, MOE_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, buffer.ptr, dims, strides, box,
      nullptr, MOE_TENSOR_MAP_INTERLEAVE_NONE, MOE_TENSOR_MAP_SWIZZLE_NONE,
      MOE_TENSOR_MAP_L2_PROMOTION_NONE, MOE_TENSOR_MAP_OOB_FILL_NONE));

  MoeModule module = nullptr;
  ASSERT_MOE_OK(moeModuleLoad(kTmaPtx, std::strlen(kTmaPtx), &module));
  MoeFunction load = nullptr;
  ASSERT_MOE_OK(moeModuleGetFunction(module, "tma_load_box", &load));

  // An in-bounds box, then one that hangs off the bottom-right corner
  // (out-of-bounds elements read as zero).
  const unsigned origins[2][2] = {{32, 16}, {48, 24}};
  for (const auto &origin : origins) {
    ASSERT_MOE_OK(moeMemsetD32(out.ptr, kPoison, boxRows * boxCols));
    void *outPtr = out.ptr;
    unsigned c0 = origin[0], c1 = origin[1];
    void *params[] = {&map, &outPtr, &c0, &c1};
    ASSERT_MOE_OK(moeLaunchKernel(load, 1, 1, 1, 1, 1, 1, 0, nullptr, params));
    ASSERT_MOE_OK(moeDeviceSynchronize());
    std::vector<float> result(boxRows * boxCols);
    poison(result);
    ASSERT_MOE_OK(
        moeMemcpyDtoH(result.data(), out.ptr, result.size() * sizeof(float)));
    for (unsigned r = 0; r < boxRows; ++r)
      for (unsigned c = 0; c < boxCols; ++c) {
        unsigned row = c1 + r, col = c0 + c;
        float expected =
            row < rows && col < cols ? matrix[row * cols + col] : 0.0f;
        ASSERT_TRUE(sameBits(result[r * boxCols + c], expected))
            << "origin (" << c0 << ", " << c1 << "), box element (" << r << ", "
            << c << "): " << result[r * boxCols + c] << " vs " << expected;
      }
  }
  ASSERT_MOE_OK(moeModuleUnload(module));
}

//===----------------------------------------------------------------------===//
// The mgpu* ABI on a GPU
//===----------------------------------------------------------------------===//

TEST_F(RuntimeGpuTest, MlirGpuAbiSaxpyGpu) {
  const uint32_t n = 100003;
  const float a = -1.5f;
  std::vector<float> x = randomFloats(n, 10), y = randomFloats(n, 11);

  // What gpu-to-llvm's host code does: load (with the blob size), look up,
  // make a stream, allocate, copy, launch, copy back, synchronize.
  MoeModule module =
      mgpuModuleLoad(const_cast<char *>(kSaxpyPtx), std::strlen(kSaxpyPtx) + 1);
  ASSERT_NO_STICKY_ERROR();
  ASSERT_NE(module, nullptr);
  MoeFunction saxpy = mgpuModuleGetFunction(module, "saxpy");
  ASSERT_NO_STICKY_ERROR();
  ASSERT_NE(saxpy, nullptr);
  MoeStream stream = mgpuStreamCreate();
  ASSERT_NO_STICKY_ERROR();
  ASSERT_NE(stream, nullptr);
  void *dx = mgpuMemAlloc(n * sizeof(float), stream, false);
  void *dy = mgpuMemAlloc(n * sizeof(float), stream, false);
  ASSERT_NO_STICKY_ERROR();
  ASSERT_NE(dx, nullptr);
  ASSERT_NE(dy, nullptr);
  mgpuMemset32(dy, kPoison, n, stream);
  std::vector<float> result;
  saxpyRoundTripMgpu(saxpy, stream, dx, dy, x, y, a, result);
  mgpuStreamSynchronize(stream);
  ASSERT_NO_STICKY_ERROR();
  expectSaxpy(result, x, y, a);

  // Cross-stream ordering through events, and memset16.
  MoeStream other = mgpuStreamCreate();
  MoeEvent event = mgpuEventCreate();
  ASSERT_NO_STICKY_ERROR();
  mgpuMemset16(dx, 0xabcd, 2 * n, stream);
  mgpuEventRecord(event, stream);
  mgpuStreamWaitEvent(other, event);
  std::vector<uint16_t> halves(2 * n, 0);
  mgpuMemcpy(halves.data(), dx, n * sizeof(float), other);
  mgpuEventSynchronize(event);
  mgpuStreamSynchronize(other);
  ASSERT_NO_STICKY_ERROR();
  for (size_t i = 0; i < halves.size(); ++i)
    ASSERT_EQ(halves[i], 0xabcd) << i;

  mgpuEventDestroy(event);
  mgpuStreamDestroy(other);
  mgpuMemFree(dx, stream);
  mgpuMemFree(dy, stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  ASSERT_NO_STICKY_ERROR();
}

TEST_F(RuntimeGpuTest, MlirGpuAbiHostRegistrationGpu) {
  // gpu.host_register of a memref<4x256xf32>: a kernel reads and writes the
  // host memory through its host address; then unregistered.
  constexpr uint32_t n = 1024;
  std::vector<float> x = randomFloats(n, 11), y = randomFloats(n, 12);
  std::vector<float> hostY = y;
  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } xMemref = {x.data(), x.data(), 0, {4, 256}, {256, 1}},
    yMemref = {hostY.data(), hostY.data(), 0, {4, 256}, {256, 1}};
  mgpuMemHostRegisterMemRef(2, &xMemref, sizeof(float));
  mgpuMemHostRegisterMemRef(2, &yMemref, sizeof(float));
  ASSERT_NO_STICKY_ERROR();
  MoeModule module =
      mgpuModuleLoad(const_cast<char *>(kSaxpyPtx), std::strlen(kSaxpyPtx) + 1);
  MoeFunction saxpy = mgpuModuleGetFunction(module, "saxpy");
  MoeStream stream = mgpuStreamCreate();
  launchSaxpyMgpu(saxpy, stream, hostY.data(), x.data(), 1.5f, n);
  mgpuStreamSynchronize(stream);
  ASSERT_NO_STICKY_ERROR();
  expectSaxpy(hostY, x, y, 1.5f);
  mgpuMemHostUnregisterMemRef(2, &xMemref, sizeof(float));
  mgpuMemHostUnregisterMemRef(2, &yMemref, sizeof(float));
  ASSERT_NO_STICKY_ERROR();
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  ASSERT_NO_STICKY_ERROR();

  // Unregistering again, and a strided (non-dense) memref, are errors.
  auto sticky = [](std::string &message) {
    const char *text = nullptr;
    MoeStatus status = moeGetStickyError(&text);
    message = text ? text : "";
    return status;
  };
  mgpuMemHostUnregisterMemRef(2, &xMemref, sizeof(float));
  std::string message;
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("mgpuMemHostUnregisterMemRef: cuMemHostUnregister"),
            std::string::npos)
      << message;
  moeClearStickyError();
  xMemref.strides[0] = 512;
  mgpuMemHostRegisterMemRef(2, &xMemref, sizeof(float));
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("the memref is not dense"), std::string::npos)
      << message;
  moeClearStickyError();
}

TEST_F(RuntimeGpuTest, MlirGpuAbiReusesStreamsAndEventsPerThreadGpu) {
  // A stream or event given back is handed out again by the same thread's
  // next create (last in, first out); two live at once are distinct.
  MoeStream first = mgpuStreamCreate();
  MoeStream second = mgpuStreamCreate();
  MoeEvent event = mgpuEventCreate();
  ASSERT_NO_STICKY_ERROR();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second);
  mgpuStreamDestroy(second);
  mgpuStreamDestroy(first);
  mgpuEventDestroy(event);
  ASSERT_NO_STICKY_ERROR();
  EXPECT_EQ(mgpuStreamCreate(), first);
  EXPECT_EQ(mgpuStreamCreate(), second);
  EXPECT_EQ(mgpuEventCreate(), event);
  ASSERT_NO_STICKY_ERROR();

  // A reused stream works (work queued after what an earlier user left).
  void *buffer = mgpuMemAlloc(256 * sizeof(uint32_t), first, false);
  mgpuMemset32(buffer, 0x12345678u, 256, first);
  std::vector<uint32_t> words(256, 0);
  mgpuMemcpy(words.data(), buffer, words.size() * sizeof(uint32_t), first);
  mgpuEventRecord(event, first);
  mgpuStreamWaitEvent(second, event);
  mgpuStreamSynchronize(second);
  mgpuStreamSynchronize(first);
  mgpuMemFree(buffer, first);
  ASSERT_NO_STICKY_ERROR();
  for (uint32_t word : words)
    ASSERT_EQ(word, 0x12345678u);

  // Another thread has its own pool: it does not get these handles.
  MoeStream fromOtherThread = nullptr;
  std::thread([&] {
    fromOtherThread = mgpuStreamCreate();
    mgpuStreamDestroy(fromOtherThread);
  }).join();
  ASSERT_NO_STICKY_ERROR();
  EXPECT_NE(fromOtherThread, first);
  EXPECT_NE(fromOtherThread, second);
  // A stream given back by a thread that did not hand it out is destroyed
  // there (cleanly), not pooled.
  MoeStream third = mgpuStreamCreate();
  std::thread([&] { mgpuStreamDestroy(third); }).join();
  ASSERT_NO_STICKY_ERROR();

  mgpuStreamDestroy(second);
  mgpuStreamDestroy(first);
  mgpuEventDestroy(event);
  ASSERT_NO_STICKY_ERROR();
}

TEST_F(RuntimeGpuTest, MlirGpuAbiJitAndClusterLaunchGpu) {
  // MLIR's assembly objects go through mgpuModuleLoadJIT (NUL-terminated
  // PTX, no size).
  MoeModule module = mgpuModuleLoadJIT(const_cast<char *>(kSaxpyPtx), 3);
  ASSERT_NO_STICKY_ERROR();
  MoeFunction saxpy = mgpuModuleGetFunction(module, "saxpy");
  ASSERT_NO_STICKY_ERROR();

  const uint32_t n = 64 * 1024;
  const float a = 3.0f;
  std::vector<float> x = randomFloats(n, 12), y = randomFloats(n, 13);
  void *dx = mgpuMemAlloc(n * sizeof(float), nullptr, false);
  void *dy = mgpuMemAlloc(n * sizeof(float), nullptr, false);
  ASSERT_NO_STICKY_ERROR();
  mgpuMemcpy(dx, x.data(), n * sizeof(float), nullptr);
  mgpuMemcpy(dy, y.data(), n * sizeof(float), nullptr);
  float aValue = a;
  uint32_t nValue = n;
  void *params[] = {&dy, &dx, &aValue, &nValue};
  // 512 blocks in clusters of 2 along X, with 60 KiB of dynamic shared
  // memory (unused by the kernel, but it must be granted).
  mgpuLaunchClusterKernel(saxpy, 2, 1, 1, n / 128, 1, 1, 128, 1, 1, 60 * 1024,
                          nullptr, params, nullptr);
  std::vector<float> result(n);
  poison(result);
  mgpuMemcpy(result.data(), dy, n * sizeof(float), nullptr);
  mgpuStreamSynchronize(nullptr);
  ASSERT_NO_STICKY_ERROR();
  expectSaxpy(result, x, y, a);
  mgpuMemFree(dx, nullptr);
  mgpuMemFree(dy, nullptr);
  mgpuModuleUnload(module);
  ASSERT_NO_STICKY_ERROR();
}

/// The driver's CUDA graph entry points, which the runtime does not wrap:
/// the tests capture generated-code-like call sequences with them.
struct GraphApi {
  using Result = int;
  Result (*beginCapture)(MoeStream stream, int mode) = nullptr; // _v2
  Result (*endCapture)(MoeStream stream, void **graph) = nullptr;
  Result (*instantiate)(void **exec, void *graph,
                        unsigned long long flags) = nullptr;
  Result (*launch)(void *exec, MoeStream stream) = nullptr;
  Result (*execDestroy)(void *exec) = nullptr;
  Result (*destroy)(void *graph) = nullptr;

  /// Resolves the entry points; false if the driver lacks one.
  bool load() {
    void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return false;
    auto get = [&](auto &slot, const char *name) {
      slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(
          dlsym(handle, name));
      return slot != nullptr;
    };
    return get(beginCapture, "cuStreamBeginCapture_v2") &&
           get(endCapture, "cuStreamEndCapture") &&
           get(instantiate, "cuGraphInstantiateWithFlags") &&
           get(launch, "cuGraphLaunch") &&
           get(execDestroy, "cuGraphExecDestroy") &&
           get(destroy, "cuGraphDestroy");
  }
};

TEST_F(RuntimeGpuTest, MlirGpuAbiCallerStreamGpu) {
  MoeModule module = nullptr;
  MoeFunction saxpy = nullptr;
  loadSaxpy(module, saxpy);
  const uint32_t n = 4099;
  const float a = 0.75f;
  std::vector<float> x = randomFloats(n, 20), y = randomFloats(n, 21);
  MoeStream caller = nullptr;
  ASSERT_MOE_OK(moeStreamCreate(&caller));

  // A generated entry point on the caller's stream: its stream is the
  // caller's, its temporaries are stream-ordered, and its final synchronize
  // and destroy leave the stream to the caller.
  moeSetCurrentStream(caller);
  MoeStream stream = mgpuStreamCreate();
  EXPECT_EQ(stream, caller);
  void *dx = mgpuMemAlloc(n * sizeof(float), stream, false);
  void *dy = mgpuMemAlloc(n * sizeof(float), stream, false);
  ASSERT_NO_STICKY_ERROR();
  std::vector<float> result;
  saxpyRoundTripMgpu(saxpy, stream, dx, dy, x, y, a, result);
  mgpuMemFree(dx, stream);
  mgpuMemFree(dy, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  moeSetCurrentStream(nullptr);
  ASSERT_NO_STICKY_ERROR();

  // The caller's stream is still alive; the caller synchronizes it.
  ASSERT_MOE_OK(moeStreamSynchronize(caller));
  expectSaxpy(result, x, y, a);
  ASSERT_MOE_OK(moeStreamDestroy(caller));
  ASSERT_MOE_OK(moeModuleUnload(module));
}

TEST_F(RuntimeGpuTest, MlirGpuAbiGraphCaptureGpu) {
  GraphApi graphs;
  if (!graphs.load())
    GTEST_SKIP() << "the driver lacks the CUDA graph entry points";
  MoeModule module = nullptr;
  MoeFunction saxpy = nullptr;
  loadSaxpy(module, saxpy);
  const uint32_t n = 1000;
  const float a = -2.5f, xValue = 1.25f;
  std::vector<float> y = randomFloats(n, 22);
  DeviceBuffer dy;
  ASSERT_MOE_OK(moeMalloc(&dy.ptr, n * sizeof(float)));
  ASSERT_MOE_OK(moeMemcpyHtoD(dy.ptr, y.data(), n * sizeof(float)));
  MoeStream caller = nullptr;
  ASSERT_MOE_OK(moeStreamCreate(&caller));

  // Capture what a generated entry point does (stream, temporary, set,
  // launch, free, synchronize, destroy) in the strictest capture mode
  // (CU_STREAM_CAPTURE_MODE_GLOBAL = 0): any synchronous allocation or
  // synchronization would invalidate the capture.
  ASSERT_EQ(graphs.beginCapture(caller, 0), 0);
  moeSetCurrentStream(caller);
  MoeStream stream = mgpuStreamCreate();
  void *dx = mgpuMemAlloc(n * sizeof(float), stream, false);
  uint32_t xBits = 0;
  std::memcpy(&xBits, &xValue, sizeof(xBits));
  mgpuMemset32(dx, xBits, n, stream);
  launchSaxpyMgpu(saxpy, stream, dy.ptr, dx, a, n);
  mgpuMemFree(dx, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  moeSetCurrentStream(nullptr);
  void *graph = nullptr;
  ASSERT_EQ(graphs.endCapture(caller, &graph), 0);
  ASSERT_NO_STICKY_ERROR();
  ASSERT_NE(graph, nullptr);

  // Nothing ran during the capture; two replays add a * x twice.
  void *exec = nullptr;
  ASSERT_EQ(graphs.instantiate(&exec, graph, 0), 0);
  ASSERT_EQ(graphs.launch(exec, caller), 0);
  ASSERT_EQ(graphs.launch(exec, caller), 0);
  ASSERT_MOE_OK(moeStreamSynchronize(caller));
  std::vector<float> result(n);
  poison(result);
  ASSERT_MOE_OK(moeMemcpyDtoH(result.data(), dy.ptr, n * sizeof(float)));
  size_t mismatches = 0;
  for (uint32_t i = 0; i < n; ++i) {
    float expected = std::fma(a, xValue, std::fma(a, xValue, y[i]));
    if (!sameBits(result[i], expected) && mismatches++ < 5)
      ADD_FAILURE() << "y[" << i << "] = " << result[i] << ", expected "
                    << expected;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(graphs.execDestroy(exec), 0);
  EXPECT_EQ(graphs.destroy(graph), 0);
  ASSERT_MOE_OK(moeStreamDestroy(caller));
  ASSERT_MOE_OK(moeModuleUnload(module));
}

TEST_F(RuntimeGpuTest, MlirGpuAbiStickyErrorGpu) {
  const char garbage[] = "garbage, not a module";
  EXPECT_EQ(mgpuModuleLoad(const_cast<char *>(garbage), sizeof(garbage) - 1),
            nullptr);
  const char *message = nullptr;
  EXPECT_EQ(moeGetStickyError(&message), MOE_ERROR_INVALID_MODULE);
  EXPECT_NE(std::string(message).find("mgpuModuleLoad"), std::string::npos)
      << message;
  // A valid allocation is now a no-op.
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, false), nullptr);
  EXPECT_EQ(moeGetStickyError(nullptr), MOE_ERROR_INVALID_MODULE);
  moeClearStickyError();
  void *pointer = mgpuMemAlloc(1024, nullptr, false);
  ASSERT_NO_STICKY_ERROR();
  EXPECT_NE(pointer, nullptr);
  mgpuMemFree(pointer, nullptr);
  ASSERT_NO_STICKY_ERROR();

  // Out of memory through the ABI.
  EXPECT_EQ(mgpuMemAlloc(uint64_t(1) << 50, nullptr, false), nullptr);
  EXPECT_EQ(moeGetStickyError(nullptr), MOE_ERROR_OUT_OF_MEMORY);
}

} // namespace
