//===- ArgumentTest.cpp - Argument checks of the runtime C API ------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Arguments are checked before the runtime touches the driver, so these tests
// give the same results with or without a GPU.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern "C" {
size_t moeTestTensorMapSizeFromC(void);
size_t moeTestTensorMapAlignFromC(void);
int moeTestLastStatusFromC(void);
int moeTestCallFromC(void);
}

using namespace moe::runtime::test;

namespace {

/// Made-up handles and addresses for calls that must fail before using them.
MoeFunction fakeFunction() { return reinterpret_cast<MoeFunction>(0x1000); }
MoeModule fakeModule() { return reinterpret_cast<MoeModule>(0x1000); }
MoeEvent fakeEvent() { return reinterpret_cast<MoeEvent>(0x1000); }

TEST(RuntimeArgumentTest, StatusNames) {
  EXPECT_STREQ(moeStatusName(MOE_SUCCESS), "MOE_SUCCESS");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_NO_DRIVER), "MOE_ERROR_NO_DRIVER");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_NO_DEVICE), "MOE_ERROR_NO_DEVICE");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_UNSUPPORTED_DEVICE),
               "MOE_ERROR_UNSUPPORTED_DEVICE");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_OUT_OF_MEMORY),
               "MOE_ERROR_OUT_OF_MEMORY");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_INVALID_MODULE),
               "MOE_ERROR_INVALID_MODULE");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_INVALID_ARGUMENT),
               "MOE_ERROR_INVALID_ARGUMENT");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_LAUNCH), "MOE_ERROR_LAUNCH");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_DRIVER), "MOE_ERROR_DRIVER");
  EXPECT_STREQ(moeStatusName(MOE_ERROR_NOT_INITIALIZED),
               "MOE_ERROR_NOT_INITIALIZED");
  EXPECT_STREQ(moeStatusName(static_cast<MoeStatus>(1234)),
               "MOE_ERROR_<unknown>");
  EXPECT_EQ(MOE_SUCCESS, 0);
}

TEST(RuntimeArgumentTest, HeaderIsUsableFromC) {
  EXPECT_EQ(moeTestTensorMapSizeFromC(), sizeof(MoeTensorMap));
  EXPECT_EQ(moeTestTensorMapSizeFromC(), 128u);
  EXPECT_EQ(moeTestTensorMapAlignFromC(), 128u);
  EXPECT_EQ(alignof(MoeTensorMap), 128u);
  EXPECT_EQ(moeTestLastStatusFromC(), MOE_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(moeTestCallFromC(), MOE_ERROR_INVALID_ARGUMENT);
}

TEST(RuntimeArgumentTest, DeviceQueriesRejectNullPointers) {
  int value = 0;
  char name[16];
  size_t bytes = 0;
  EXPECT_INVALID_ARGUMENT(moeInit(-1), "moeInit", "device", "-1");
  EXPECT_INVALID_ARGUMENT(moeGetDeviceCount(nullptr), "count");
  EXPECT_INVALID_ARGUMENT(moeGetDevice(nullptr), "device");
  EXPECT_INVALID_ARGUMENT(moeDeviceGetName(nullptr, 16), "name");
  EXPECT_INVALID_ARGUMENT(moeDeviceGetName(name, 0), "length");
  EXPECT_INVALID_ARGUMENT(moeDeviceGetComputeCapability(nullptr, &value),
                          "major");
  EXPECT_INVALID_ARGUMENT(moeDeviceGetComputeCapability(&value, nullptr),
                          "minor");
  EXPECT_INVALID_ARGUMENT(moeDeviceGetMultiprocessorCount(nullptr), "count");
  EXPECT_INVALID_ARGUMENT(moeDeviceGetMaxDynamicSharedMemory(nullptr), "bytes");
  EXPECT_INVALID_ARGUMENT(moeMemGetInfo(nullptr, &bytes), "freeBytes");
  EXPECT_INVALID_ARGUMENT(moeMemGetInfo(&bytes, nullptr), "totalBytes");
}

TEST(RuntimeArgumentTest, MemoryCallsRejectBadArguments) {
  void *pointer = reinterpret_cast<void *>(0x1234);
  EXPECT_INVALID_ARGUMENT(moeMalloc(nullptr, 16), "moeMalloc", "devicePtr");
  EXPECT_INVALID_ARGUMENT(moeMalloc(&pointer, 0), "moeMalloc", "bytes");
  EXPECT_EQ(pointer, nullptr) << "the output is cleared on failure";

  int host[4] = {0, 1, 2, 3};
  void *device = reinterpret_cast<void *>(0x10000);
  EXPECT_INVALID_ARGUMENT(moeMemcpyHtoD(nullptr, host, 16), "moeMemcpyHtoD",
                          "dst");
  EXPECT_INVALID_ARGUMENT(moeMemcpyHtoD(device, nullptr, 16), "src");
  EXPECT_INVALID_ARGUMENT(moeMemcpyDtoH(nullptr, device, 16), "dst");
  EXPECT_INVALID_ARGUMENT(moeMemcpyDtoH(host, nullptr, 16), "src");
  EXPECT_INVALID_ARGUMENT(moeMemcpyDtoD(nullptr, device, 16), "dst");
  EXPECT_INVALID_ARGUMENT(moeMemcpyDtoD(device, nullptr, 16), "src");
  EXPECT_INVALID_ARGUMENT(moeMemcpyHtoDAsync(nullptr, host, 16, nullptr),
                          "dst");
  EXPECT_INVALID_ARGUMENT(moeMemcpyDtoHAsync(host, nullptr, 16, nullptr),
                          "src");
  EXPECT_INVALID_ARGUMENT(moeMemcpyDtoDAsync(nullptr, device, 16, nullptr),
                          "dst");
  EXPECT_INVALID_ARGUMENT(moeMemcpyAsync(device, nullptr, 16, nullptr), "src");
  EXPECT_INVALID_ARGUMENT(moeMemsetD8(nullptr, 0, 16), "dst");
  EXPECT_INVALID_ARGUMENT(moeMemsetD16(nullptr, 0, 16), "dst");
  EXPECT_INVALID_ARGUMENT(moeMemsetD32(nullptr, 0, 16), "dst");
  void *odd = reinterpret_cast<void *>(0x10001);
  void *twoAligned = reinterpret_cast<void *>(0x10002);
  EXPECT_INVALID_ARGUMENT(moeMemsetD16(odd, 0, 16), "dst", "2-byte aligned");
  EXPECT_INVALID_ARGUMENT(moeMemsetD32(twoAligned, 0, 16), "dst",
                          "4-byte aligned");
  EXPECT_INVALID_ARGUMENT(moeMemsetD16Async(odd, 0, 16, nullptr), "dst");
  EXPECT_INVALID_ARGUMENT(moeMemsetD32Async(twoAligned, 0, 16, nullptr), "dst");
  EXPECT_INVALID_ARGUMENT(moeMemsetD8Async(nullptr, 0, 16, nullptr), "dst");
}

TEST(RuntimeArgumentTest, EmptyCopiesAndNullFreeSucceedWithoutDevice) {
  EXPECT_EQ(moeFree(nullptr), MOE_SUCCESS);
  EXPECT_EQ(moeMemcpyHtoD(nullptr, nullptr, 0), MOE_SUCCESS);
  EXPECT_EQ(moeMemcpyDtoH(nullptr, nullptr, 0), MOE_SUCCESS);
  EXPECT_EQ(moeMemcpyDtoD(nullptr, nullptr, 0), MOE_SUCCESS);
  EXPECT_EQ(moeMemcpyAsync(nullptr, nullptr, 0, nullptr), MOE_SUCCESS);
  EXPECT_EQ(moeMemsetD8(nullptr, 1, 0), MOE_SUCCESS);
  EXPECT_EQ(moeMemsetD16(nullptr, 1, 0), MOE_SUCCESS);
  EXPECT_EQ(moeMemsetD32(nullptr, 1, 0), MOE_SUCCESS);
}

TEST(RuntimeArgumentTest, StreamAndEventCallsRejectNullPointers) {
  float ms = 1.0f;
  EXPECT_INVALID_ARGUMENT(moeStreamCreate(nullptr), "moeStreamCreate",
                          "stream");
  EXPECT_INVALID_ARGUMENT(moeStreamDestroy(nullptr), "stream",
                          "default stream");
  EXPECT_INVALID_ARGUMENT(moeStreamWaitEvent(nullptr, nullptr), "event");
  EXPECT_INVALID_ARGUMENT(moeEventCreate(nullptr), "event");
  EXPECT_INVALID_ARGUMENT(moeEventDestroy(nullptr), "event");
  EXPECT_INVALID_ARGUMENT(moeEventRecord(nullptr, nullptr), "event");
  EXPECT_INVALID_ARGUMENT(moeEventSynchronize(nullptr), "event");
  EXPECT_INVALID_ARGUMENT(
      moeEventElapsedTime(nullptr, fakeEvent(), fakeEvent()), "milliseconds");
  EXPECT_INVALID_ARGUMENT(moeEventElapsedTime(&ms, nullptr, fakeEvent()),
                          "start");
  EXPECT_EQ(ms, 0.0f) << "the output is cleared on failure";
  EXPECT_INVALID_ARGUMENT(moeEventElapsedTime(&ms, fakeEvent(), nullptr),
                          "end");
}

TEST(RuntimeArgumentTest, ModuleCallsRejectBadArguments) {
  const char *ptx = kSaxpyPtx;
  size_t size = std::strlen(ptx);
  MoeModule module = fakeModule();
  MoeFunction function = fakeFunction();
  EXPECT_INVALID_ARGUMENT(moeModuleLoad(nullptr, size, &module),
                          "moeModuleLoad", "image");
  EXPECT_EQ(module, nullptr) << "the output is cleared on failure";
  EXPECT_INVALID_ARGUMENT(moeModuleLoad(ptx, 0, &module), "size");
  EXPECT_INVALID_ARGUMENT(moeModuleLoad(ptx, size, nullptr), "module");
  EXPECT_INVALID_ARGUMENT(moeModuleGetFunction(nullptr, "saxpy", &function),
                          "module");
  EXPECT_EQ(function, nullptr) << "the output is cleared on failure";
  EXPECT_INVALID_ARGUMENT(
      moeModuleGetFunction(fakeModule(), nullptr, &function), "name");
  EXPECT_INVALID_ARGUMENT(moeModuleGetFunction(fakeModule(), "saxpy", nullptr),
                          "function");
  EXPECT_INVALID_ARGUMENT(moeModuleUnload(nullptr), "module");
}

TEST(RuntimeArgumentTest, BinaryImagesAreCheckedAgainstTheirSize) {
  MoeModule module = nullptr;
  // An ELF header cut short.
  const unsigned char shortElf[20] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  EXPECT_EQ(moeModuleLoad(shortElf, sizeof(shortElf), &module),
            MOE_ERROR_INVALID_MODULE);
  EXPECT_NE(std::string(moeGetLastErrorMessage()).find("cubin"),
            std::string::npos)
      << moeGetLastErrorMessage();

  // A 64-bit ELF header whose section headers lie past the end.
  std::vector<unsigned char> elf(64, 0);
  elf[0] = 0x7f;
  elf[1] = 'E';
  elf[2] = 'L';
  elf[3] = 'F';
  elf[4] = 2;
  elf[5] = 1;
  elf[40] = 0x00; // e_shoff = 0x1000
  elf[41] = 0x10;
  elf[58] = 64; // e_shentsize
  elf[60] = 3;  // e_shnum
  EXPECT_EQ(moeModuleLoad(elf.data(), elf.size(), &module),
            MOE_ERROR_INVALID_MODULE);
  EXPECT_NE(std::string(moeGetLastErrorMessage()).find("truncated"),
            std::string::npos)
      << moeGetLastErrorMessage();

  // Section headers claimed at offset 0 must fit as well.
  elf[41] = 0;
  EXPECT_EQ(moeModuleLoad(elf.data(), elf.size(), &module),
            MOE_ERROR_INVALID_MODULE);
  EXPECT_NE(std::string(moeGetLastErrorMessage()).find("truncated"),
            std::string::npos)
      << moeGetLastErrorMessage();

  // One section header inside the image whose section runs past its end.
  std::vector<unsigned char> withSection(elf);
  withSection.resize(128, 0);
  withSection[40] = 64;        // e_shoff = 64
  withSection[60] = 1;         // e_shnum
  withSection[64 + 4] = 1;     // sh_type = SHT_PROGBITS
  withSection[64 + 32] = 0xe8; // sh_size = 1000
  withSection[64 + 33] = 0x03;
  EXPECT_EQ(moeModuleLoad(withSection.data(), withSection.size(), &module),
            MOE_ERROR_INVALID_MODULE);
  EXPECT_NE(std::string(moeGetLastErrorMessage()).find("a section"),
            std::string::npos)
      << moeGetLastErrorMessage();

  // A 32-bit ELF.
  elf[4] = 1;
  EXPECT_EQ(moeModuleLoad(elf.data(), elf.size(), &module),
            MOE_ERROR_INVALID_MODULE);
  EXPECT_NE(std::string(moeGetLastErrorMessage()).find("64-bit"),
            std::string::npos)
      << moeGetLastErrorMessage();

  // A fatbin header that declares more bytes than given.
  std::vector<unsigned char> fatbin(32, 0);
  fatbin[0] = 0x50;
  fatbin[1] = 0xED;
  fatbin[2] = 0x55;
  fatbin[3] = 0xBA;
  fatbin[4] = 1;  // version
  fatbin[6] = 16; // header size
  fatbin[9] = 1;  // fat size 256
  EXPECT_EQ(moeModuleLoad(fatbin.data(), fatbin.size(), &module),
            MOE_ERROR_INVALID_MODULE);
  EXPECT_NE(std::string(moeGetLastErrorMessage()).find("fatbin"),
            std::string::npos)
      << moeGetLastErrorMessage();
  EXPECT_EQ(module, nullptr);
}

TEST(RuntimeArgumentTest, LaunchRejectsBadArguments) {
  MoeFunction f = fakeFunction();
  EXPECT_INVALID_ARGUMENT(
      moeLaunchKernel(nullptr, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr),
      "moeLaunchKernel", "function");
  EXPECT_INVALID_ARGUMENT(
      moeLaunchKernel(f, 0, 1, 1, 32, 1, 1, 0, nullptr, nullptr), "gridX");
  EXPECT_INVALID_ARGUMENT(
      moeLaunchKernel(f, 1, 1, 0, 32, 1, 1, 0, nullptr, nullptr), "gridZ");
  EXPECT_INVALID_ARGUMENT(
      moeLaunchKernel(f, 1, 1, 1, 32, 0, 1, 0, nullptr, nullptr), "blockY");
  EXPECT_INVALID_ARGUMENT(
      moeLaunchKernel(f, 1, 1, 1, 64, 32, 1, 0, nullptr, nullptr), "2048",
      "1024");
  EXPECT_INVALID_ARGUMENT(moeLaunchClusterKernel(f, 2, 1, 1, 3, 1, 1, 32, 1, 1,
                                                 0, nullptr, nullptr),
                          "moeLaunchClusterKernel", "gridX", "clusterX");
  EXPECT_INVALID_ARGUMENT(moeLaunchClusterKernel(f, 1, 0, 1, 3, 1, 1, 32, 1, 1,
                                                 0, nullptr, nullptr),
                          "clusterY");
}

/// A valid rank-2 f16 tensor map configuration; tests break one field.
struct TensorMapArgs {
  MoeTensorMap *map;
  MoeTensorMapDataType dataType = MOE_TENSOR_MAP_DATA_TYPE_FLOAT16;
  uint32_t rank = 2;
  void *address = reinterpret_cast<void *>(0x100000);
  uint64_t dims[5] = {64, 128, 1, 1, 1};
  uint64_t strides[4] = {128, 0, 0, 0};
  uint32_t box[5] = {64, 64, 1, 1, 1};
  uint32_t elementStrides[5] = {1, 1, 1, 1, 1};
  const uint64_t *dimsPtr = dims;
  const uint64_t *stridesPtr = strides;
  const uint32_t *boxPtr = box;
  const uint32_t *elementStridesPtr = elementStrides;
  MoeTensorMapInterleave interleave = MOE_TENSOR_MAP_INTERLEAVE_NONE;
  MoeTensorMapSwizzle swizzle = MOE_TENSOR_MAP_SWIZZLE_128B;
  MoeTensorMapL2Promotion l2 = MOE_TENSOR_MAP_L2_PROMOTION_L2_128B;
  MoeTensorMapOobFill oob = MOE_TENSOR_MAP_OOB_FILL_NONE;

  explicit TensorMapArgs(MoeTensorMap *map) : map(map) {}

  MoeStatus encode() const {
    return moeTensorMapEncodeTiled(map, dataType, rank, address, dimsPtr,
                                   stridesPtr, boxPtr, elementStridesPtr,
                                   interleave, swizzle, l2, oob);
  }
};

TEST(RuntimeArgumentTest, TensorMapRejectsBadArguments) {
  MoeTensorMap map;
  auto with = [&](auto change) {
    TensorMapArgs args(&map);
    change(args);
    return args.encode();
  };
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.map = nullptr; }),
                          "moeTensorMapEncodeTiled", "tensorMap");
  alignas(128) unsigned char storage[256];
  EXPECT_INVALID_ARGUMENT(with([&](TensorMapArgs &a) {
                            a.map =
                                reinterpret_cast<MoeTensorMap *>(storage + 16);
                          }),
                          "tensorMap", "64-byte aligned");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.rank = 0; }), "rank",
                          "0");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.rank = 6; }), "rank",
                          "6");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.dataType = static_cast<MoeTensorMapDataType>(99);
                          }),
                          "dataType", "99");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.interleave =
                                static_cast<MoeTensorMapInterleave>(7);
                          }),
                          "interleave", "7");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.interleave = MOE_TENSOR_MAP_INTERLEAVE_16B;
                          }),
                          "rank", "interleaved");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.swizzle = static_cast<MoeTensorMapSwizzle>(9);
                          }),
                          "swizzle", "9");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.l2 = static_cast<MoeTensorMapL2Promotion>(8);
                          }),
                          "l2Promotion", "8");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.oob = static_cast<MoeTensorMapOobFill>(5);
                          }),
                          "oobFill", "5");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.dataType = MOE_TENSOR_MAP_DATA_TYPE_INT32;
                            a.box[0] = 32;
                            a.oob =
                                MOE_TENSOR_MAP_OOB_FILL_NAN_REQUEST_ZERO_FMA;
                          }),
                          "oobFill", "floating-point");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.address = nullptr; }),
                          "globalAddress");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) {
                            a.address = reinterpret_cast<void *>(0x100008);
                          }),
                          "globalAddress", "16-byte aligned");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.dimsPtr = nullptr; }),
                          "globalDims");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.dims[1] = 0; }),
                          "globalDims[1]", "0");
  EXPECT_INVALID_ARGUMENT(
      with([](TensorMapArgs &a) { a.dims[0] = (uint64_t(1) << 32) + 1; }),
      "globalDims[0]", "4294967297");
  EXPECT_INVALID_ARGUMENT(
      with([](TensorMapArgs &a) { a.stridesPtr = nullptr; }), "globalStrides");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.strides[0] = 100; }),
                          "globalStrides[0]", "100", "multiple of 16");
  EXPECT_INVALID_ARGUMENT(
      with([](TensorMapArgs &a) { a.strides[0] = uint64_t(1) << 40; }),
      "globalStrides[0]");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.boxPtr = nullptr; }),
                          "boxDims");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.box[1] = 300; }),
                          "boxDims[1]", "300", "256");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.box[1] = 0; }),
                          "boxDims[1]", "0");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.box[0] = 4; }),
                          "boxDims[0]", "8 bytes", "multiple of 16");
  EXPECT_INVALID_ARGUMENT(with([](TensorMapArgs &a) { a.box[0] = 128; }),
                          "boxDims[0]", "256 bytes", "swizzle");
  EXPECT_INVALID_ARGUMENT(
      with([](TensorMapArgs &a) { a.elementStrides[1] = 9; }),
      "elementStrides[1]", "9");
  EXPECT_INVALID_ARGUMENT(
      with([](TensorMapArgs &a) { a.elementStrides[0] = 0; }),
      "elementStrides[0]");
}

TEST(RuntimeArgumentTest, LastErrorIsPerThread) {
  EXPECT_EQ(moeMalloc(nullptr, 4), MOE_ERROR_INVALID_ARGUMENT);
  std::string mine = moeGetLastErrorMessage();
  ASSERT_NE(mine.find("devicePtr"), std::string::npos);
  std::string otherBefore, otherAfter;
  std::thread other([&] {
    otherBefore = moeGetLastErrorMessage();
    EXPECT_EQ(moeStreamCreate(nullptr), MOE_ERROR_INVALID_ARGUMENT);
    otherAfter = moeGetLastErrorMessage();
  });
  other.join();
  EXPECT_EQ(otherBefore, "");
  EXPECT_NE(otherAfter.find("moeStreamCreate"), std::string::npos);
  EXPECT_EQ(mine, moeGetLastErrorMessage());
}

} // namespace
