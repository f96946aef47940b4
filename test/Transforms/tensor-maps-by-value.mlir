// RUN: moe-opt %s --moe-tensor-maps-by-value --split-input-file --verify-diagnostics | FileCheck %s

// A launch operand made by mgpuTensorMapEncodeTiledMemref (through the
// unrealized casts the lowering leaves) is passed by value: the map is
// encoded into a 64-byte aligned stack slot of the host function (made in
// the entry block) by moeTensorMapEncodeTiledMemrefByValue, the launch loads
// its 128 bytes, and the kernel parameter becomes a 64-byte aligned byval
// grid constant. Nothing is allocated or freed; upstream's encoder is gone.
// Other operands are untouched.
// CHECK-LABEL: llvm.func @host
//       CHECK:   %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.array<128 x i8> {alignment = 64 : i64} : (i64) -> !llvm.ptr
//       CHECK:   llvm.call @moeTensorMapEncodeTiledMemrefByValue(%[[SLOT]], %{{.*}}) : (!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> ()
//       CHECK:   %[[BYTES:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.array<128 x i8>
//       CHECK:   gpu.launch_func @kernels::@gemm {{.*}} args(%[[BYTES]] : !llvm.array<128 x i8>, %{{.*}} : i64)
//   CHECK-NOT:   llvm.call @free
//       CHECK: llvm.func @gemm(%{{.*}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}, %{{.*}}: i64)
//       CHECK: llvm.func @moeTensorMapEncodeTiledMemrefByValue(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr)
//   CHECK-NOT: mgpuTensorMapEncodeTiledMemref
module attributes {gpu.container_module} {
  llvm.func @mgpuTensorMapEncodeTiledMemref(i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
  llvm.func @host(%desc: !llvm.ptr, %box: !llvm.ptr, %n: i64) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %map = llvm.call @mgpuTensorMapEncodeTiledMemref(%c1, %desc, %c1, %c1, %c1, %c1, %c1, %box) : (i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
    %cast = builtin.unrealized_conversion_cast %map : !llvm.ptr to !llvm.ptr
    gpu.launch_func @kernels::@gemm blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%cast : !llvm.ptr, %n : i64)
    llvm.return
  }
  gpu.module @kernels {
    llvm.func @gemm(%map: !llvm.ptr, %n: i64) attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

// One map for two launches (the second in a loop): encoded once into one
// slot, each launch loads the bytes right before it.
// CHECK-LABEL: llvm.func @shared
//       CHECK:   %[[SLOT:.*]] = llvm.alloca
//       CHECK:   llvm.call @moeTensorMapEncodeTiledMemrefByValue(%[[SLOT]],
//   CHECK-NOT:   llvm.call @moeTensorMapEncodeTiledMemrefByValue
//       CHECK:   %[[B1:.*]] = llvm.load %[[SLOT]]
//       CHECK:   gpu.launch_func @kernels::@gemm {{.*}} args(%[[B1]] : !llvm.array<128 x i8>)
//       CHECK: ^bb1:
//       CHECK:   %[[B2:.*]] = llvm.load %[[SLOT]]
//       CHECK:   gpu.launch_func @kernels::@gemm {{.*}} args(%[[B2]] : !llvm.array<128 x i8>)
module attributes {gpu.container_module} {
  llvm.func @mgpuTensorMapEncodeTiledMemref(i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
  llvm.func @shared(%desc: !llvm.ptr, %box: !llvm.ptr, %again: i1) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %map = llvm.call @mgpuTensorMapEncodeTiledMemref(%c1, %desc, %c1, %c1, %c1, %c1, %c1, %box) : (i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
    gpu.launch_func @kernels::@gemm blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%map : !llvm.ptr)
    llvm.br ^bb1
  ^bb1:
    gpu.launch_func @kernels::@gemm blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%map : !llvm.ptr)
    llvm.cond_br %again, ^bb1, ^bb2
  ^bb2:
    llvm.return
  }
  gpu.module @kernels {
    llvm.func @gemm(%map: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

// The kernel's parameter at that position must be a pointer.
module attributes {gpu.container_module} {
  llvm.func @mgpuTensorMapEncodeTiledMemref(i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
  llvm.func @host(%desc: !llvm.ptr, %box: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %map = llvm.call @mgpuTensorMapEncodeTiledMemref(%c1, %desc, %c1, %c1, %c1, %c1, %c1, %box) : (i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
    // expected-error @below {{tensor map operand #0 does not match a pointer parameter of @kernels::@gemm}}
    gpu.launch_func @kernels::@gemm blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%map : !llvm.ptr)
    llvm.return
  }
  gpu.module @kernels {
    llvm.func @gemm(%n: i64) attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

// Before the kernels are lowered there is no llvm.func to annotate.
module attributes {gpu.container_module} {
  llvm.func @mgpuTensorMapEncodeTiledMemref(i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
  llvm.func @host(%desc: !llvm.ptr, %box: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %map = llvm.call @mgpuTensorMapEncodeTiledMemref(%c1, %desc, %c1, %c1, %c1, %c1, %c1, %box) : (i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
    // expected-error @below {{passes a tensor map to @kernels::@gemm, which is not an llvm.func: run this pass after the kernels are lowered to LLVM}}
    gpu.launch_func @kernels::@gemm blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%map : !llvm.ptr)
    llvm.return
  }
  gpu.module @kernels {
    gpu.func @gemm(%map: !llvm.ptr) kernel {
      gpu.return
    }
  }
}
