//===- RuntimeTestUtils.h - Helpers for the runtime tests -------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Hand-written PTX kernels for the GPU tests, and helpers shared by the
// runtime test files.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_UNITTESTS_RUNTIME_RUNTIMETESTUTILS_H
#define MOE_UNITTESTS_RUNTIME_RUNTIMETESTUTILS_H

#include "moe/Runtime/Runtime.h"

#include "gtest/gtest.h"

#include <dlfcn.h>
#include <string>

namespace moe {
namespace runtime {
namespace test {

/// Whether the NVIDIA driver library can be loaded on this host. Tests that
/// expect its absence skip themselves where it loads.
inline bool driverLibraryLoads() {
  static const bool loads = [] {
    void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (handle)
      dlclose(handle);
    return handle != nullptr;
  }();
  return loads;
}

#define SKIP_IF_DRIVER_PRESENT()                                               \
  do {                                                                         \
    if (::moe::runtime::test::driverLibraryLoads())                            \
      GTEST_SKIP() << "libcuda.so.1 loads on this host; this test checks "     \
                      "the behavior without a driver";                         \
  } while (false)

/// Expects `status` to be an invalid argument whose message mentions each of
/// `words`.
#define EXPECT_INVALID_ARGUMENT(call, ...)                                     \
  do {                                                                         \
    MoeStatus status_ = (call);                                                \
    EXPECT_EQ(status_, MOE_ERROR_INVALID_ARGUMENT)                             \
        << #call << ": " << moeGetLastErrorMessage();                          \
    std::string message_ = moeGetLastErrorMessage();                           \
    for (const char *word_ : {__VA_ARGS__})                                    \
      EXPECT_NE(message_.find(word_), std::string::npos)                       \
          << #call << ": '" << word_ << "' not in: " << message_;              \
  } while (false)

/// y[i] = a * x[i] + y[i] for i < n (one fused multiply-add, so the result is
/// exactly std::fma(a, x, y)); and smem_reverse: out[t] = in[ntid - 1 - t]
/// through the last 4 * ntid bytes of `smemBytes` of dynamic shared memory.
constexpr const char *kSaxpyPtx = R"ptx(
.version 8.0
.target sm_90
.address_size 64

.extern .shared .align 16 .b8 dsmem[];

.visible .entry saxpy(
    .param .u64 saxpy_param_y,
    .param .u64 saxpy_param_x,
    .param .f32 saxpy_param_a,
    .param .u32 saxpy_param_n)
{
    .reg .pred %p<2>;
    .reg .b32 %r<8>;
    .reg .f32 %f<8>;
    .reg .b64 %rd<8>;

    ld.param.u64 %rd1, [saxpy_param_y];
    ld.param.u64 %rd2, [saxpy_param_x];
    ld.param.f32 %f1, [saxpy_param_a];
    ld.param.u32 %r1, [saxpy_param_n];
    mov.u32 %r2, %ctaid.x;
    mov.u32 %r3, %ntid.x;
    mov.u32 %r4, %tid.x;
    mad.lo.s32 %r5, %r2, %r3, %r4;
    setp.ge.u32 %p1, %r5, %r1;
    @%p1 bra SAXPY_DONE;
    cvta.to.global.u64 %rd3, %rd1;
    cvta.to.global.u64 %rd4, %rd2;
    mul.wide.u32 %rd5, %r5, 4;
    add.s64 %rd6, %rd3, %rd5;
    add.s64 %rd7, %rd4, %rd5;
    ld.global.f32 %f2, [%rd7];
    ld.global.f32 %f3, [%rd6];
    fma.rn.f32 %f4, %f1, %f2, %f3;
    st.global.f32 [%rd6], %f4;
SAXPY_DONE:
    ret;
}

.visible .entry smem_reverse(
    .param .u64 smem_reverse_param_out,
    .param .u64 smem_reverse_param_in,
    .param .u32 smem_reverse_param_bytes)
{
    .reg .b32 %r<16>;
    .reg .f32 %f<4>;
    .reg .b64 %rd<8>;

    ld.param.u64 %rd1, [smem_reverse_param_out];
    ld.param.u64 %rd2, [smem_reverse_param_in];
    ld.param.u32 %r1, [smem_reverse_param_bytes];
    cvta.to.global.u64 %rd3, %rd1;
    cvta.to.global.u64 %rd4, %rd2;
    mov.u32 %r2, %tid.x;
    mov.u32 %r3, %ntid.x;
    mov.u32 %r4, dsmem;
    shl.b32 %r5, %r3, 2;
    sub.u32 %r6, %r1, %r5;
    add.u32 %r7, %r4, %r6;
    shl.b32 %r8, %r2, 2;
    add.u32 %r9, %r7, %r8;
    mul.wide.u32 %rd5, %r2, 4;
    add.s64 %rd6, %rd4, %rd5;
    ld.global.f32 %f1, [%rd6];
    st.shared.f32 [%r9], %f1;
    bar.sync 0;
    sub.u32 %r10, %r3, 1;
    sub.u32 %r11, %r10, %r2;
    shl.b32 %r12, %r11, 2;
    add.u32 %r13, %r7, %r12;
    ld.shared.f32 %f2, [%r13];
    add.s64 %rd7, %rd3, %rd5;
    st.global.f32 [%rd7], %f2;
    ret;
}
)ptx";

/// tma_load_box: one thread loads a 32 x 16 box of f32 (2048 bytes) at
/// coordinates (c0, c1) through the tensor map passed by value (a 128-byte
/// kernel parameter) into shared memory, then copies the 512 values to out.
constexpr const char *kTmaPtx = R"ptx(
.version 8.0
.target sm_90
.address_size 64

.visible .entry tma_load_box(
    .param .align 64 .b8 tma_load_box_param_map[128],
    .param .u64 tma_load_box_param_out,
    .param .u32 tma_load_box_param_c0,
    .param .u32 tma_load_box_param_c1)
{
    .reg .pred %p<4>;
    .reg .b32 %r<16>;
    .reg .f32 %f<4>;
    .reg .b64 %rd<16>;
    .shared .align 1024 .b8 tile[2048];
    .shared .align 8 .b64 bar;

    mov.u64 %rd1, tma_load_box_param_map;
    cvta.param.u64 %rd2, %rd1;
    ld.param.u64 %rd3, [tma_load_box_param_out];
    ld.param.u32 %r1, [tma_load_box_param_c0];
    ld.param.u32 %r2, [tma_load_box_param_c1];
    mov.u32 %r3, tile;
    mov.u32 %r4, bar;
    mbarrier.init.shared::cta.b64 [%r4], 1;
    fence.proxy.async.shared::cta;
    mbarrier.arrive.expect_tx.shared::cta.b64 %rd4, [%r4], 2048;
    cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
        [%r3], [%rd2, {%r1, %r2}], [%r4];
TMA_WAIT:
    mbarrier.try_wait.parity.shared::cta.b64 %p1, [%r4], 0;
    @!%p1 bra TMA_WAIT;
    cvta.to.global.u64 %rd5, %rd3;
    mov.u32 %r5, 0;
TMA_COPY:
    shl.b32 %r6, %r5, 2;
    add.u32 %r7, %r3, %r6;
    ld.shared.f32 %f1, [%r7];
    cvt.u64.u32 %rd6, %r6;
    add.s64 %rd7, %rd5, %rd6;
    st.global.f32 [%rd7], %f1;
    add.u32 %r5, %r5, 1;
    setp.lt.u32 %p2, %r5, 512;
    @%p2 bra TMA_COPY;
    ret;
}
)ptx";

} // namespace test
} // namespace runtime
} // namespace moe

#endif // MOE_UNITTESTS_RUNTIME_RUNTIMETESTUTILS_H
