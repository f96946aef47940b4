//===- MlirGpuAbiTest.cpp - The mgpu* ABI and its sticky error ------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The mgpu* functions cannot return errors: they keep the first failure in a
// sticky error and then do nothing until it is cleared. These tests need no
// GPU (those that expect no driver skip themselves where it loads).
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include <cstring>
#include <string>
#include <thread>

using namespace moe::runtime::test;

namespace {

/// Host code from MLIR unloads its modules from .fini_array, which runs after
/// static and thread_local destructors: the runtime must still work then. A
/// crash (or a sanitizer report) here fails the test binary's exit status.
__attribute__((destructor)) void callTheRuntimeAtExit() {
  moeClearStickyError();
  (void)mgpuMemAlloc(16, nullptr, /*isHostShared=*/true);
  (void)moeGetStickyError(nullptr);
  (void)moeMalloc(nullptr, 4);
  int device = 0;
  (void)moeGetDevice(&device);
  (void)moeGetLastErrorMessage();
  mgpuModuleUnload(nullptr);
  moeClearStickyError();
}

class StickyErrorTest : public ::testing::Test {
protected:
  void SetUp() override { moeClearStickyError(); }
  void TearDown() override { moeClearStickyError(); }

  /// Returns the sticky status and stores its message in `message`.
  static MoeStatus sticky(std::string &message) {
    const char *text = nullptr;
    MoeStatus status = moeGetStickyError(&text);
    EXPECT_NE(text, nullptr);
    message = text ? text : "";
    return status;
  }
};

TEST_F(StickyErrorTest, StartsClear) {
  std::string message = "poison";
  EXPECT_EQ(sticky(message), MOE_SUCCESS);
  EXPECT_EQ(message, "");
  EXPECT_EQ(moeGetStickyError(nullptr), MOE_SUCCESS);
}

TEST_F(StickyErrorTest, NoDriverIsRecordedAndLaterCallsAreNoOps) {
  SKIP_IF_DRIVER_PRESENT();
  const char *ptx = kSaxpyPtx;
  EXPECT_EQ(mgpuModuleLoad(const_cast<char *>(ptx), std::strlen(ptx) + 1),
            nullptr);
  std::string first;
  EXPECT_EQ(sticky(first), MOE_ERROR_NO_DRIVER);
  EXPECT_NE(first.find("mgpuModuleLoad"), std::string::npos) << first;
  EXPECT_NE(first.find("libcuda.so.1"), std::string::npos) << first;

  // Every later call is a no-op returning null; none aborts.
  void *fake = reinterpret_cast<void *>(0x100000);
  auto fakeStream = reinterpret_cast<MoeStream>(0x1234);
  auto fakeEvent = reinterpret_cast<MoeEvent>(0x1234);
  auto fakeModule = reinterpret_cast<MoeModule>(0x1234);
  auto fakeFunction = reinterpret_cast<MoeFunction>(0x1234);
  float host[4] = {};
  void *params[1] = {&fake};
  EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>(ptx), 2), nullptr);
  EXPECT_EQ(mgpuModuleGetFunction(fakeModule, "saxpy"), nullptr);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuEventCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(256, fakeStream, false), nullptr);
  mgpuLaunchKernel(fakeFunction, 1, 1, 1, 32, 1, 1, 0, fakeStream, params,
                   nullptr, 1);
  mgpuLaunchClusterKernel(fakeFunction, 1, 1, 1, 1, 1, 1, 32, 1, 1, 0,
                          fakeStream, params, nullptr);
  mgpuMemcpy(fake, host, sizeof(host), fakeStream);
  mgpuMemset32(fake, 7, 4, fakeStream);
  mgpuMemset16(fake, 7, 4, fakeStream);
  mgpuStreamWaitEvent(fakeStream, fakeEvent);
  mgpuEventRecord(fakeEvent, fakeStream);
  mgpuEventSynchronize(fakeEvent);
  mgpuEventDestroy(fakeEvent);
  mgpuStreamSynchronize(fakeStream);
  mgpuStreamDestroy(fakeStream);
  mgpuMemFree(fake, fakeStream);
  mgpuModuleUnload(fakeModule);
  mgpuSetDefaultDevice(0);
  alignas(128) MoeTensorMap map;
  uint64_t dims[1] = {64};
  uint32_t box[1] = {64};
  mgpuTensorMapEncodeTiled(&map, /*FLOAT32=*/7, 1, fake, dims, nullptr, box,
                           nullptr, 0, 0, 0, 0);
  std::string after;
  EXPECT_EQ(sticky(after), MOE_ERROR_NO_DRIVER);
  EXPECT_EQ(after, first) << "the first failure stays";

  // Cleared, the next call fails again and names itself.
  moeClearStickyError();
  std::string cleared = "poison";
  EXPECT_EQ(sticky(cleared), MOE_SUCCESS);
  EXPECT_EQ(cleared, "");
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  std::string second;
  EXPECT_EQ(sticky(second), MOE_ERROR_NO_DRIVER);
  EXPECT_NE(second.find("mgpuStreamCreate"), std::string::npos) << second;
  EXPECT_NE(second.find("libcuda.so.1"), std::string::npos) << second;
}

TEST_F(StickyErrorTest, EachEntryPointRecordsNoDriver) {
  SKIP_IF_DRIVER_PRESENT();
  void *fake = reinterpret_cast<void *>(0x100000);
  auto fakeStream = reinterpret_cast<MoeStream>(0x1234);
  auto fakeEvent = reinterpret_cast<MoeEvent>(0x1234);
  float host[4] = {};
  const char *ptx = kSaxpyPtx;
  struct Case {
    const char *name;
    void (*call)(void *fake, MoeStream stream, MoeEvent event, float *host,
                 const char *ptx);
  };
  const Case cases[] = {
      {"mgpuModuleLoadJIT",
       [](void *, MoeStream, MoeEvent, float *, const char *ptx) {
         EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>(ptx), 2), nullptr);
       }},
      {"mgpuEventCreate",
       [](void *, MoeStream, MoeEvent, float *, const char *) {
         EXPECT_EQ(mgpuEventCreate(), nullptr);
       }},
      {"mgpuMemAlloc",
       [](void *, MoeStream s, MoeEvent, float *, const char *) {
         EXPECT_EQ(mgpuMemAlloc(64, s, false), nullptr);
       }},
      {"mgpuMemFree", [](void *p, MoeStream s, MoeEvent, float *,
                         const char *) { mgpuMemFree(p, s); }},
      {"mgpuMemcpy", [](void *p, MoeStream s, MoeEvent, float *h,
                        const char *) { mgpuMemcpy(p, h, 16, s); }},
      {"mgpuMemset32", [](void *p, MoeStream s, MoeEvent, float *,
                          const char *) { mgpuMemset32(p, 1, 4, s); }},
      {"mgpuMemset16", [](void *p, MoeStream s, MoeEvent, float *,
                          const char *) { mgpuMemset16(p, 1, 4, s); }},
      {"mgpuStreamSynchronize", [](void *, MoeStream s, MoeEvent, float *,
                                   const char *) { mgpuStreamSynchronize(s); }},
      {"mgpuStreamDestroy", [](void *, MoeStream s, MoeEvent, float *,
                               const char *) { mgpuStreamDestroy(s); }},
      {"mgpuStreamWaitEvent", [](void *, MoeStream s, MoeEvent e, float *,
                                 const char *) { mgpuStreamWaitEvent(s, e); }},
      {"mgpuEventRecord", [](void *, MoeStream s, MoeEvent e, float *,
                             const char *) { mgpuEventRecord(e, s); }},
      {"mgpuEventSynchronize", [](void *, MoeStream, MoeEvent e, float *,
                                  const char *) { mgpuEventSynchronize(e); }},
      {"mgpuEventDestroy", [](void *, MoeStream, MoeEvent e, float *,
                              const char *) { mgpuEventDestroy(e); }},
      {"mgpuModuleGetFunction",
       [](void *, MoeStream, MoeEvent, float *, const char *) {
         EXPECT_EQ(mgpuModuleGetFunction(reinterpret_cast<MoeModule>(0x1234),
                                         "saxpy"),
                   nullptr);
       }},
      {"mgpuModuleUnload",
       [](void *, MoeStream, MoeEvent, float *, const char *) {
         mgpuModuleUnload(reinterpret_cast<MoeModule>(0x1234));
       }},
      {"mgpuLaunchKernel",
       [](void *p, MoeStream s, MoeEvent, float *, const char *) {
         void *params[1] = {&p};
         mgpuLaunchKernel(reinterpret_cast<MoeFunction>(0x1234), 2, 1, 1, 64, 1,
                          1, 0, s, params, nullptr, 1);
       }},
      {"mgpuLaunchClusterKernel",
       [](void *p, MoeStream s, MoeEvent, float *, const char *) {
         void *params[1] = {&p};
         mgpuLaunchClusterKernel(reinterpret_cast<MoeFunction>(0x1234), 2, 1, 1,
                                 2, 1, 1, 64, 1, 1, 0, s, params, nullptr);
       }},
      {"mgpuTensorMapEncodeTiled",
       [](void *p, MoeStream, MoeEvent, float *, const char *) {
         alignas(128) MoeTensorMap map;
         uint64_t dims[1] = {64};
         uint32_t box[1] = {64};
         mgpuTensorMapEncodeTiled(&map, /*FLOAT32=*/7, 1, p, dims, nullptr, box,
                                  nullptr, 0, 0, 0, 0);
       }},
      {"mgpuTensorMapEncodeTiledMemref",
       [](void *p, MoeStream, MoeEvent, float *, const char *) {
         // A rank-2 memref<16x64xf32> descriptor.
         struct {
           void *allocated, *aligned;
           int64_t offset, sizes[2], strides[2];
         } memref = {p, p, 0, {16, 64}, {64, 1}};
         int64_t box[2] = {16, 32};
         EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &memref, /*FLOAT32=*/7, 0,
                                                  0, 0, 0, box),
                   nullptr);
       }},
      {"moeTensorMapEncodeTiledMemrefByValue",
       [](void *p, MoeStream, MoeEvent, float *, const char *) {
         struct {
           void *allocated, *aligned;
           int64_t offset, sizes[2], strides[2];
         } memref = {p, p, 0, {16, 64}, {64, 1}};
         int64_t box[2] = {16, 32};
         MoeTensorMap map;
         std::memset(&map, 0xab, sizeof(map));
         moeTensorMapEncodeTiledMemrefByValue(&map, 2, &memref,
                                              /*FLOAT32=*/7, 0, 0, 0, 0, box);
         for (uint64_t word : map.opaque)
           EXPECT_EQ(word, 0u); // Zeroed on failure.
       }},
      {"mgpuMemHostRegisterMemRef",
       [](void *, MoeStream, MoeEvent, float *host, const char *) {
         struct {
           void *allocated, *aligned;
           int64_t offset, sizes[1], strides[1];
         } memref = {host, host, 0, {4}, {1}};
         mgpuMemHostRegisterMemRef(1, &memref, sizeof(float));
       }},
      {"mgpuMemHostUnregisterMemRef",
       [](void *, MoeStream, MoeEvent, float *host, const char *) {
         struct {
           void *allocated, *aligned;
           int64_t offset, sizes[1], strides[1];
         } memref = {host, host, 0, {4}, {1}};
         mgpuMemHostUnregisterMemRef(1, &memref, sizeof(float));
       }},
  };
  for (const Case &c : cases) {
    moeClearStickyError();
    c.call(fake, fakeStream, fakeEvent, host, ptx);
    std::string message;
    EXPECT_EQ(sticky(message), MOE_ERROR_NO_DRIVER) << c.name;
    EXPECT_NE(message.find(c.name), std::string::npos)
        << c.name << ": " << message;
    EXPECT_NE(message.find("libcuda.so.1"), std::string::npos)
        << c.name << ": " << message;
  }
}

TEST_F(StickyErrorTest, HostSharedAllocationFailsCleanly) {
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, /*isHostShared=*/true), nullptr);
  std::string message;
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("mgpuMemAlloc"), std::string::npos) << message;
  EXPECT_NE(message.find("isHostShared"), std::string::npos) << message;

  // Later calls, valid or not, do nothing and keep the first failure.
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, false), nullptr);
  mgpuLaunchKernel(nullptr, 0, 0, 0, 0, 0, 0, -1, nullptr, nullptr, nullptr, 0);
  mgpuSetDefaultDevice(-3);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  std::string after;
  EXPECT_EQ(sticky(after), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(after, message);

  moeClearStickyError();
  EXPECT_EQ(moeGetStickyError(nullptr), MOE_SUCCESS);
}

//===----------------------------------------------------------------------===//
// The caller's stream (moeSetCurrentStream): no GPU needed, since the calls
// on it that must do nothing never reach the driver.
//===----------------------------------------------------------------------===//

/// Restores the default (no caller stream) whatever a test does.
class CallerStreamTest : public StickyErrorTest {
protected:
  void TearDown() override {
    moeSetCurrentStream(nullptr);
    StickyErrorTest::TearDown();
  }
};

TEST_F(CallerStreamTest, IsPerThreadAndStartsNull) {
  EXPECT_EQ(moeGetCurrentStream(), nullptr);
  auto stream = reinterpret_cast<MoeStream>(0x1234);
  moeSetCurrentStream(stream);
  EXPECT_EQ(moeGetCurrentStream(), stream);
  MoeStream seenByOther = stream;
  MoeStream setByOther = nullptr;
  std::thread other([&] {
    seenByOther = moeGetCurrentStream();
    moeSetCurrentStream(reinterpret_cast<MoeStream>(0x5678));
    setByOther = moeGetCurrentStream();
  });
  other.join();
  EXPECT_EQ(seenByOther, nullptr);
  EXPECT_EQ(setByOther, reinterpret_cast<MoeStream>(0x5678));
  EXPECT_EQ(moeGetCurrentStream(), stream) << "another thread's setting";
  moeSetCurrentStream(nullptr);
  EXPECT_EQ(moeGetCurrentStream(), nullptr);
}

TEST_F(CallerStreamTest, GeneratedCodeUsesItWithoutOwningIt) {
  // What a generated entry point does with its stream, around its work:
  // create, synchronize, destroy. On the caller's stream none of these
  // touches the driver (a fake handle would fail if it did).
  auto stream = reinterpret_cast<MoeStream>(0x1234);
  moeSetCurrentStream(stream);
  EXPECT_EQ(mgpuStreamCreate(), stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(moeGetStickyError(nullptr), MOE_SUCCESS)
      << "the caller's stream was synchronized or destroyed";
  EXPECT_EQ(moeGetCurrentStream(), stream);
}

TEST_F(CallerStreamTest, StickyErrorStillTurnsCallsIntoNoOps) {
  moeSetCurrentStream(reinterpret_cast<MoeStream>(0x1234));
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, /*isHostShared=*/true), nullptr);
  EXPECT_EQ(moeGetStickyError(nullptr), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
}

TEST_F(CallerStreamTest, AllocationOnItWithoutDriverIsRecorded) {
  SKIP_IF_DRIVER_PRESENT();
  auto stream = reinterpret_cast<MoeStream>(0x1234);
  moeSetCurrentStream(stream);
  EXPECT_EQ(mgpuMemAlloc(256, stream, false), nullptr);
  std::string message;
  EXPECT_EQ(sticky(message), MOE_ERROR_NO_DRIVER);
  EXPECT_NE(message.find("mgpuMemAlloc"), std::string::npos) << message;
  moeClearStickyError();
  mgpuMemFree(reinterpret_cast<void *>(0x100000), stream);
  EXPECT_EQ(sticky(message), MOE_ERROR_NO_DRIVER);
  EXPECT_NE(message.find("mgpuMemFree"), std::string::npos) << message;
}

TEST_F(StickyErrorTest, EmptyAllocationIsNullWithoutError) {
  EXPECT_EQ(mgpuMemAlloc(0, nullptr, false), nullptr);
  mgpuMemFree(nullptr, nullptr);
  mgpuModuleUnload(nullptr);
  EXPECT_EQ(moeGetStickyError(nullptr), MOE_SUCCESS);
}

TEST_F(StickyErrorTest, LaunchDimensionsAreChecked) {
  auto f = reinterpret_cast<MoeFunction>(0x1234);
  struct Case {
    intptr_t dims[6];
    int32_t smem;
    const char *word;
  };
  const Case cases[] = {
      {{0, 1, 1, 32, 1, 1}, 0, "gridX"},
      {{1, -1, 1, 32, 1, 1}, 0, "gridY"},
      {{1, 1, 1, intptr_t(1) << 33, 1, 1}, 0, "blockX"},
      {{1, 1, 1, 32, 1, 0}, 0, "blockZ"},
      {{1, 1, 1, 32, 1, 1}, -1, "smem"},
      {{1, 1, 1, 2048, 1, 1}, 0, "1024"},
  };
  for (const Case &c : cases) {
    moeClearStickyError();
    mgpuLaunchKernel(f, c.dims[0], c.dims[1], c.dims[2], c.dims[3], c.dims[4],
                     c.dims[5], c.smem, nullptr, nullptr, nullptr, 0);
    std::string message;
    EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT) << c.word;
    EXPECT_NE(message.find("mgpuLaunchKernel"), std::string::npos) << message;
    EXPECT_NE(message.find(c.word), std::string::npos) << message;
  }
  moeClearStickyError();
  mgpuLaunchClusterKernel(f, 2, 1, 1, 3, 1, 1, 32, 1, 1, 0, nullptr, nullptr,
                          nullptr);
  std::string message;
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("mgpuLaunchClusterKernel"), std::string::npos)
      << message;
  EXPECT_NE(message.find("gridX"), std::string::npos) << message;
}

TEST_F(StickyErrorTest, NullArgumentsAreRecorded) {
  EXPECT_EQ(mgpuModuleLoad(nullptr, 16), nullptr);
  std::string message;
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("mgpuModuleLoad"), std::string::npos) << message;

  moeClearStickyError();
  EXPECT_EQ(mgpuModuleLoadJIT(nullptr, 2), nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("mgpuModuleLoadJIT"), std::string::npos) << message;

  moeClearStickyError();
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "saxpy"), nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("module"), std::string::npos) << message;

  moeClearStickyError();
  mgpuEventRecord(nullptr, nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("mgpuEventRecord"), std::string::npos) << message;

  moeClearStickyError();
  mgpuStreamDestroy(nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("mgpuStreamDestroy"), std::string::npos) << message;

  moeClearStickyError();
  mgpuSetDefaultDevice(-2);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("-2"), std::string::npos) << message;

  moeClearStickyError();
  mgpuMemset32(reinterpret_cast<void *>(0x1002), 0, 4, nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("aligned"), std::string::npos) << message;
}

TEST_F(StickyErrorTest, TensorMapArgumentsAreChecked) {
  alignas(128) MoeTensorMap map;
  uint64_t dims[2] = {64, 16};
  uint64_t strides[1] = {100};
  uint32_t box[2] = {32, 16};
  void *address = reinterpret_cast<void *>(0x100000);
  mgpuTensorMapEncodeTiled(&map, /*FLOAT32=*/7, 2, address, dims, strides, box,
                           nullptr, 0, 0, 0, 0);
  std::string message;
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("globalStrides[0]"), std::string::npos) << message;

  // Driver values beyond the Hopper subset (e.g. the 128B-atom swizzles).
  moeClearStickyError();
  strides[0] = 256;
  mgpuTensorMapEncodeTiled(&map, /*FLOAT32=*/7, 2, address, dims, strides, box,
                           nullptr, 0, /*SWIZZLE_128B_ATOM_32B=*/4, 0, 0);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("swizzle"), std::string::npos) << message;

  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } memref = {address, address, 0, {16, 64}, {64, 1}};
  int64_t boxDims[2] = {16, 32};
  moeClearStickyError();
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(0, &memref, 7, 0, 0, 0, 0, boxDims),
            nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("rank"), std::string::npos) << message;

  moeClearStickyError();
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, nullptr, 7, 0, 0, 0, 0, boxDims),
            nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("descriptor"), std::string::npos) << message;

  moeClearStickyError();
  memref.strides[1] = 2;
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &memref, 7, 0, 0, 0, 0, boxDims),
            nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("innermost stride"), std::string::npos) << message;

  moeClearStickyError();
  memref.strides[1] = 1;
  boxDims[0] = 512;
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &memref, 7, 0, 0, 0, 0, boxDims),
            nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("boxDims[0]"), std::string::npos) << message;

  moeClearStickyError();
  boxDims[0] = 16;
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &memref, /*dataType=*/42, 0, 0, 0,
                                           0, boxDims),
            nullptr);
  EXPECT_EQ(sticky(message), MOE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("dataType"), std::string::npos) << message;
}

} // namespace
