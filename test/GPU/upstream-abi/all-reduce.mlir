// Upstream-ABI test (a): gpu.launch with gpu.all_reduce. Each of 8 blocks
// of 64x4 threads reduces one row of `in` with add, maxsi, minui, xor and a
// custom region (or); thread (0, 0) writes the five results to `out`.
// Compiled for the GPU host by utils/build-upstream-abi-artifacts.sh and run
// there by test/GPU/upstream_abi_tests.py on libMoeRuntime.so; here: the
// stock pipeline (PTX kept as text), and what the host code and PTX hold.
// RUN: %mlir_opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" -o %t.mlir
// RUN: %mlir_translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=HOST
// RUN: %python %moe_src_root/utils/extract-ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// HOST: define void @all_reduce(
// HOST: call ptr @mgpuMemAlloc(
// HOST: call void @mgpuMemcpy(
// HOST: call void @mgpuLaunchKernel(ptr %{{.*}}, i64 8, i64 1, i64 1, i64 64, i64 4, i64 1, i32 {{[0-9]+}},
// HOST: call void @mgpuStreamSynchronize(
// HOST: define void @_mlir_ciface_all_reduce(ptr %0, ptr %1)
// HOST: call ptr @mgpuModuleLoadJIT(ptr @all_reduce_kernel_binary,
// PTX: .entry all_reduce_kernel(
// PTX: shfl.sync.bfly.b32
// PTX: bar.sync

func.func @all_reduce(%in: memref<8x256xi32>, %out: memref<8x5xi32>)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %t0 = gpu.wait async
  %din, %t1 = gpu.alloc async [%t0] () : memref<8x256xi32>
  %dout, %t2 = gpu.alloc async [%t1] () : memref<8x5xi32>
  %t3 = gpu.memcpy async [%t2] %din, %in : memref<8x256xi32>, memref<8x256xi32>
  %t4 = gpu.launch async [%t3] blocks(%bx, %by, %bz) in (%gx = %c8, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c4, %sz = %c1) {
    %row = arith.muli %ty, %c64 : index
    %col = arith.addi %row, %tx : index
    %v = memref.load %din[%bx, %col] : memref<8x256xi32>
    %sum = gpu.all_reduce add %v uniform {} : (i32) -> i32
    %max = gpu.all_reduce maxsi %v uniform {} : (i32) -> i32
    %min = gpu.all_reduce minui %v uniform {} : (i32) -> i32
    %xor = gpu.all_reduce xor %v uniform {} : (i32) -> i32
    %or = gpu.all_reduce %v {
    ^bb0(%a: i32, %b: i32):
      %r = arith.ori %a, %b : i32
      gpu.yield %r : i32
    } : (i32) -> i32
    %first = arith.cmpi eq, %col, %c0 : index
    scf.if %first {
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      memref.store %sum, %dout[%bx, %c0] : memref<8x5xi32>
      memref.store %max, %dout[%bx, %c1] : memref<8x5xi32>
      memref.store %min, %dout[%bx, %c2] : memref<8x5xi32>
      memref.store %xor, %dout[%bx, %c3] : memref<8x5xi32>
      memref.store %or, %dout[%bx, %c4] : memref<8x5xi32>
    }
    gpu.terminator
  }
  %t5 = gpu.memcpy async [%t4] %out, %dout : memref<8x5xi32>, memref<8x5xi32>
  %t6 = gpu.dealloc async [%t5] %din : memref<8x256xi32>
  %t7 = gpu.dealloc async [%t6] %dout : memref<8x5xi32>
  gpu.wait [%t7]
  return
}
