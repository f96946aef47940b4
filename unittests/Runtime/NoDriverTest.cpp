//===- NoDriverTest.cpp - The runtime on a host without a driver ----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Without libcuda.so.1, initialization fails with MOE_ERROR_NO_DRIVER and a
// message naming the library, and every call that needs a device fails
// cleanly. These tests skip themselves on hosts where the driver loads.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include <cstring>
#include <string>

using namespace moe::runtime::test;

namespace {

bool mentions(const std::string &message, const char *word) {
  return message.find(word) != std::string::npos;
}

TEST(RuntimeNoDriverTest, InitFailsWithNoDriver) {
  SKIP_IF_DRIVER_PRESENT();
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(moeInit(0), MOE_ERROR_NO_DRIVER);
    std::string message = moeGetLastErrorMessage();
    EXPECT_TRUE(mentions(message, "libcuda.so.1")) << message;
    EXPECT_TRUE(mentions(message, "cannot load the NVIDIA driver")) << message;
  }
  EXPECT_EQ(moeInit(3), MOE_ERROR_NO_DRIVER);
  int count = 7;
  EXPECT_EQ(moeGetDeviceCount(&count), MOE_ERROR_NO_DRIVER);
  EXPECT_EQ(count, 0);
  EXPECT_TRUE(mentions(moeGetLastErrorMessage(), "libcuda.so.1"));
}

/// Every call that needs a device, with otherwise valid arguments.
TEST(RuntimeNoDriverTest, EveryCallFailsCleanlyWithoutDriver) {
  SKIP_IF_DRIVER_PRESENT();
  ASSERT_EQ(moeInit(0), MOE_ERROR_NO_DRIVER);

  int checked = 0;
  auto expectNotInitialized = [&](MoeStatus status, const char *call) {
    ++checked;
    EXPECT_EQ(status, MOE_ERROR_NOT_INITIALIZED)
        << call << ": " << moeGetLastErrorMessage();
    std::string message = moeGetLastErrorMessage();
    // The message says why: the failed initialization names the library.
    EXPECT_TRUE(mentions(message, "not initialized"))
        << call << ": " << message;
    EXPECT_TRUE(mentions(message, "libcuda.so.1")) << call << ": " << message;
  };
#define CHECK_CALL(call) expectNotInitialized((call), #call)

  int value = -5, major = -5, minor = -5;
  char name[32] = "poison";
  size_t freeBytes = 1, totalBytes = 1;
  CHECK_CALL(moeGetDevice(&value));
  EXPECT_EQ(value, -1);
  CHECK_CALL(moeDeviceGetName(name, sizeof(name)));
  EXPECT_STREQ(name, "");
  CHECK_CALL(moeDeviceGetComputeCapability(&major, &minor));
  EXPECT_EQ(major, 0);
  EXPECT_EQ(minor, 0);
  CHECK_CALL(moeDeviceGetMultiprocessorCount(&value));
  EXPECT_EQ(value, 0);
  value = -5;
  CHECK_CALL(moeDeviceGetMaxDynamicSharedMemory(&value));
  EXPECT_EQ(value, 0);
  CHECK_CALL(moeMemGetInfo(&freeBytes, &totalBytes));
  EXPECT_EQ(freeBytes, 0u);
  EXPECT_EQ(totalBytes, 0u);
  CHECK_CALL(moeDeviceSynchronize());

  void *pointer = reinterpret_cast<void *>(0x1234);
  CHECK_CALL(moeMalloc(&pointer, 1024));
  EXPECT_EQ(pointer, nullptr);
  void *device = reinterpret_cast<void *>(0x100000);
  float host[16] = {};
  CHECK_CALL(moeFree(device));
  CHECK_CALL(moeMemcpyHtoD(device, host, sizeof(host)));
  CHECK_CALL(moeMemcpyDtoH(host, device, sizeof(host)));
  CHECK_CALL(moeMemcpyDtoD(device, device, sizeof(host)));
  CHECK_CALL(moeMemcpyHtoDAsync(device, host, sizeof(host), nullptr));
  CHECK_CALL(moeMemcpyDtoHAsync(host, device, sizeof(host), nullptr));
  CHECK_CALL(moeMemcpyDtoDAsync(device, device, sizeof(host), nullptr));
  CHECK_CALL(moeMemcpyAsync(device, host, sizeof(host), nullptr));
  CHECK_CALL(moeMemsetD8(device, 1, 16));
  CHECK_CALL(moeMemsetD16(device, 1, 16));
  CHECK_CALL(moeMemsetD32(device, 1, 16));
  CHECK_CALL(moeMemsetD8Async(device, 1, 16, nullptr));
  CHECK_CALL(moeMemsetD16Async(device, 1, 16, nullptr));
  CHECK_CALL(moeMemsetD32Async(device, 1, 16, nullptr));

  MoeStream stream = reinterpret_cast<MoeStream>(0x1234);
  MoeEvent event = reinterpret_cast<MoeEvent>(0x1234);
  float ms = 3.0f;
  CHECK_CALL(moeStreamCreate(&stream));
  EXPECT_EQ(stream, nullptr);
  stream = reinterpret_cast<MoeStream>(0x1234);
  CHECK_CALL(moeStreamSynchronize(nullptr));
  CHECK_CALL(moeStreamSynchronize(stream));
  CHECK_CALL(moeStreamDestroy(stream));
  CHECK_CALL(moeEventCreate(&event));
  EXPECT_EQ(event, nullptr);
  event = reinterpret_cast<MoeEvent>(0x1234);
  CHECK_CALL(moeStreamWaitEvent(stream, event));
  CHECK_CALL(moeEventRecord(event, stream));
  CHECK_CALL(moeEventSynchronize(event));
  CHECK_CALL(moeEventElapsedTime(&ms, event, event));
  EXPECT_EQ(ms, 0.0f);
  CHECK_CALL(moeEventDestroy(event));

  MoeModule module = reinterpret_cast<MoeModule>(0x1234);
  MoeFunction function = reinterpret_cast<MoeFunction>(0x1234);
  CHECK_CALL(moeModuleLoad(kSaxpyPtx, std::strlen(kSaxpyPtx), &module));
  EXPECT_EQ(module, nullptr);
  module = reinterpret_cast<MoeModule>(0x1234);
  CHECK_CALL(moeModuleGetFunction(module, "saxpy", &function));
  EXPECT_EQ(function, nullptr);
  function = reinterpret_cast<MoeFunction>(0x1234);
  CHECK_CALL(moeModuleUnload(module));
  void *params[1] = {&device};
  CHECK_CALL(moeLaunchKernel(function, 4, 1, 1, 128, 1, 1, 0, nullptr, params));
  CHECK_CALL(moeLaunchKernel(function, 1, 1, 1, 128, 1, 1, 100 * 1024, stream,
                             params));
  CHECK_CALL(moeLaunchClusterKernel(function, 2, 1, 1, 4, 1, 1, 128, 1, 1, 0,
                                    stream, params));

  MoeTensorMap map;
  std::memset(&map, 0x5a, sizeof(map));
  uint64_t dims[2] = {64, 128};
  uint64_t strides[1] = {128};
  uint32_t box[2] = {64, 64};
  CHECK_CALL(moeTensorMapEncodeTiled(
      &map, MOE_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, device, dims, strides, box,
      nullptr, MOE_TENSOR_MAP_INTERLEAVE_NONE, MOE_TENSOR_MAP_SWIZZLE_128B,
      MOE_TENSOR_MAP_L2_PROMOTION_L2_128B, MOE_TENSOR_MAP_OOB_FILL_NONE));
  for (uint64_t word : map.opaque)
    EXPECT_EQ(word, 0u) << "a failed encode leaves a zeroed map";
#undef CHECK_CALL
  EXPECT_EQ(checked, 39);

  // Calls that need no device still work.
  EXPECT_EQ(moeFree(nullptr), MOE_SUCCESS);
  EXPECT_EQ(moeMemcpyHtoD(device, host, 0), MOE_SUCCESS);
}

} // namespace
