// Upstream-ABI test (d): two gpu.modules in one file, each its own binary
// and module load, launched on one async chain: y = x * k (module 1, with a
// scalar argument), then z = y + x reversed (module 2).
// Compiled for the GPU host by utils/build-upstream-abi-artifacts.sh and run
// there by test/GPU/upstream_abi_tests.py on libMoeRuntime.so; here: the
// stock pipeline (PTX kept as text), and what the host code and PTX hold.
// RUN: %mlir_opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" -o %t.mlir
// RUN: %mlir_translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=HOST
// RUN: %python %moe_src_root/utils/extract-ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// HOST: define void @two_modules(
// HOST-COUNT-2: call void @mgpuLaunchKernel(
// HOST: define void @_mlir_ciface_two_modules(ptr %0, i32 %1, ptr %2, ptr %3)
// HOST-DAG: call ptr @mgpuModuleLoadJIT(ptr @scale_module_binary,
// HOST-DAG: call ptr @mgpuModuleLoadJIT(ptr @combine_module_binary,
// PTX-DAG: .entry scale(
// PTX-DAG: .entry combine(

module attributes {gpu.container_module} {
  gpu.module @scale_module {
    gpu.func @scale(%x: memref<1024xi32>, %k: i32, %y: memref<1024xi32>) kernel {
      %bx = gpu.block_id x
      %bd = gpu.block_dim x
      %tx = gpu.thread_id x
      %base = arith.muli %bx, %bd : index
      %i = arith.addi %base, %tx : index
      %v = memref.load %x[%i] : memref<1024xi32>
      %s = arith.muli %v, %k : i32
      memref.store %s, %y[%i] : memref<1024xi32>
      gpu.return
    }
  }
  gpu.module @combine_module {
    gpu.func @combine(%x: memref<1024xi32>, %y: memref<1024xi32>, %z: memref<1024xi32>) kernel {
      %c1023 = arith.constant 1023 : index
      %bx = gpu.block_id x
      %bd = gpu.block_dim x
      %tx = gpu.thread_id x
      %base = arith.muli %bx, %bd : index
      %i = arith.addi %base, %tx : index
      %j = arith.subi %c1023, %i : index
      %a = memref.load %y[%i] : memref<1024xi32>
      %b = memref.load %x[%j] : memref<1024xi32>
      %c = arith.addi %a, %b : i32
      memref.store %c, %z[%i] : memref<1024xi32>
      gpu.return
    }
  }
  func.func @two_modules(%x: memref<1024xi32>, %k: i32, %y: memref<1024xi32>,
                         %z: memref<1024xi32>) attributes {llvm.emit_c_interface} {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c128 = arith.constant 128 : index
    %c256 = arith.constant 256 : index
    %t0 = gpu.wait async
    %dx, %t1 = gpu.alloc async [%t0] () : memref<1024xi32>
    %dy, %t2 = gpu.alloc async [%t1] () : memref<1024xi32>
    %dz, %t3 = gpu.alloc async [%t2] () : memref<1024xi32>
    %t4 = gpu.memcpy async [%t3] %dx, %x : memref<1024xi32>, memref<1024xi32>
    %t5 = gpu.launch_func async [%t4] @scale_module::@scale
        blocks in (%c4, %c1, %c1) threads in (%c256, %c1, %c1)
        args(%dx : memref<1024xi32>, %k : i32, %dy : memref<1024xi32>)
    %t6 = gpu.launch_func async [%t5] @combine_module::@combine
        blocks in (%c8, %c1, %c1) threads in (%c128, %c1, %c1)
        args(%dx : memref<1024xi32>, %dy : memref<1024xi32>, %dz : memref<1024xi32>)
    %t7 = gpu.memcpy async [%t6] %y, %dy : memref<1024xi32>, memref<1024xi32>
    %t8 = gpu.memcpy async [%t7] %z, %dz : memref<1024xi32>, memref<1024xi32>
    %t9 = gpu.dealloc async [%t8] %dx : memref<1024xi32>
    %t10 = gpu.dealloc async [%t9] %dy : memref<1024xi32>
    %t11 = gpu.dealloc async [%t10] %dz : memref<1024xi32>
    gpu.wait [%t11]
    return
  }
}
