// RUN: moe-opt %s --moe-programmatic-launch --split-input-file | FileCheck %s

// Every kernel opens with the wait, then the trigger, before its own first
// op; the module gets the public marker the runtime looks up. Functions that
// are not kernels are left alone.
// CHECK-LABEL: gpu.module @kernels
//       CHECK:   llvm.mlir.global external constant @__moe_programmatic_launch(1 : i32) {addr_space = 1 : i32, alignment = 4 : i64} : i32
//       CHECK:   gpu.func @copy(%{{.*}}: memref<?xf32>, %{{.*}}: index) kernel
//  CHECK-NEXT:     nvvm.griddepcontrol wait
//  CHECK-NEXT:     nvvm.griddepcontrol launch_dependents
//  CHECK-NEXT:     gpu.thread_id x
//       CHECK:   gpu.func @helper
//   CHECK-NOT:     nvvm.griddepcontrol
//       CHECK:   gpu.func @early_exit(%{{.*}}: i1) kernel
//  CHECK-NEXT:     nvvm.griddepcontrol wait
//  CHECK-NEXT:     nvvm.griddepcontrol launch_dependents
//  CHECK-NEXT:     cf.cond_br
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @copy(%buffer: memref<?xf32>, %n: index) kernel {
      %t = gpu.thread_id x
      %v = memref.load %buffer[%t] : memref<?xf32>
      memref.store %v, %buffer[%n] : memref<?xf32>
      gpu.return
    }
    gpu.func @helper() {
      gpu.return
    }
    // A kernel whose blocks may leave at once still waits first: otherwise
    // it could complete before the kernel it depends on.
    gpu.func @early_exit(%c: i1) kernel {
      cf.cond_br %c, ^exit, ^work
    ^work:
      gpu.barrier
      gpu.return
    ^exit:
      gpu.return
    }
  }
}

// -----

// A module without kernels gets no marker.
// CHECK-LABEL: gpu.module @no_kernels
//   CHECK-NOT:   __moe_programmatic_launch
//       CHECK:   gpu.func @helper
module attributes {gpu.container_module} {
  gpu.module @no_kernels {
    gpu.func @helper() {
      gpu.return
    }
  }
}
