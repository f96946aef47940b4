// Upstream-ABI test (c): gpu.host_register. Both host memrefs are
// page-locked (mgpuMemHostRegisterMemRef) and the kernel reads and writes
// them in place, no device copy: out = 3 * data - data mirrored within each
// 256-element block, then data += 1. Both are unregistered after the launch.
// Compiled for the GPU host by utils/build-upstream-abi-artifacts.sh and run
// there by test/GPU/upstream_abi_tests.py on libMoeRuntime.so; here: the
// stock pipeline (PTX kept as text), and what the host code and PTX hold.
// RUN: %mlir_opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" -o %t.mlir
// RUN: %mlir_translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=HOST
// RUN: %python %moe_src_root/utils/extract-ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// HOST: define void @host_register(
// HOST-NOT: @mgpuMemAlloc
// HOST: call void @mgpuMemHostRegisterMemRef(i64 1, ptr %{{.*}}, i64 4)
// HOST: call void @mgpuMemHostRegisterMemRef(i64 1, ptr %{{.*}}, i64 4)
// HOST-NOT: @mgpuMemAlloc
// HOST: call void @mgpuLaunchKernel(
// HOST: call void @mgpuStreamSynchronize(
// HOST: call void @mgpuMemHostUnregisterMemRef(i64 1, ptr %{{.*}}, i64 4)
// HOST: call void @mgpuMemHostUnregisterMemRef(i64 1, ptr %{{.*}}, i64 4)
// PTX: .entry host_register_kernel(

func.func @host_register(%data: memref<2048xi32>, %out: memref<2048xi32>)
    attributes {llvm.emit_c_interface} {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c256 = arith.constant 256 : index
  %c255 = arith.constant 255 : index
  %three = arith.constant 3 : i32
  %one = arith.constant 1 : i32
  %udata = memref.cast %data : memref<2048xi32> to memref<*xi32>
  %uout = memref.cast %out : memref<2048xi32> to memref<*xi32>
  gpu.host_register %udata : memref<*xi32>
  gpu.host_register %uout : memref<*xi32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c8, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c256 : index
    %i = arith.addi %base, %tx : index
    %mirror = arith.subi %c255, %tx : index
    %j = arith.addi %base, %mirror : index
    %x = memref.load %data[%i] : memref<2048xi32>
    %y = memref.load %data[%j] : memref<2048xi32>
    %x3 = arith.muli %x, %three : i32
    %r = arith.subi %x3, %y : i32
    memref.store %r, %out[%i] : memref<2048xi32>
    gpu.barrier
    %x1 = arith.addi %x, %one : i32
    memref.store %x1, %data[%i] : memref<2048xi32>
    gpu.terminator
  }
  gpu.host_unregister %uout : memref<*xi32>
  gpu.host_unregister %udata : memref<*xi32>
  return
}
