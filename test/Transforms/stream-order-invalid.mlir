// RUN: moe-opt %s --pass-pipeline='builtin.module(func.func(moe-stream-order))' -split-input-file -verify-diagnostics

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%x: f32) kernel {
      gpu.return
    }
  }
  func.func @already_async(%x: f32, %t: !gpu.async.token) -> !gpu.async.token {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{is already asynchronous}}
    %t2 = gpu.launch_func async [%t] @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : f32)
    return %t2 : !gpu.async.token
  }
}

// -----

func.func @wait_only() {
  // expected-error @+1 {{'gpu.wait' op is not supported by moe-stream-order}}
  gpu.wait
  return
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%x: f32) kernel {
      gpu.return
    }
  }
  func.func @parallel(%x: f32, %n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      // expected-error @+1 {{inside 'scf.parallel' is not supported by moe-stream-order}}
      gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : f32)
      scf.reduce
    }
    return
  }
}

// -----

func.func @host_shared(%n: index) {
  // expected-error @+1 {{host_shared allocations cannot be stream-ordered}}
  %a = gpu.alloc host_shared (%n) : memref<?xf32>
  return
}

// -----

func.func @not_outlined(%x: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{must be outlined (gpu-kernel-outlining) before moe-stream-order}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    gpu.terminator
  }
  return
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @host_read(%x: memref<4xf32>) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    // expected-error @+1 {{'memref.load' op in a function with GPU work is not supported by moe-stream-order}}
    %v = memref.load %x[%c0] : memref<4xf32>
    return %v : f32
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%x: f32) kernel {
      gpu.return
    }
  }
  func.func private @other()
  func.func @calls(%x: f32) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : f32)
    // expected-error @+1 {{'func.call' op in a function with GPU work is not supported by moe-stream-order}}
    func.call @other() : () -> ()
    return
  }
}
