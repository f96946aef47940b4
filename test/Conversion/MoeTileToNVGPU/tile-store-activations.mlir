// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --split-input-file | FileCheck %s

// The activation epilogues of moe.tile_store on the wgmma fragment. The
// tile's gate and up halves are registers i and i + N/4 whatever the
// weights' layout (the loads put them there); gate_up_layout only moves the
// bias columns: 2 c and 2 c + 1 for interleaved rows. swigluoai: both
// clamps (minimumf/maximumf keep a NaN), (up + 1) * g * sigmoid(alpha g).
// CHECK-LABEL: func.func @swigluoai_interleaved_bias
//  CHECK-SAME: %[[B:[^:]*]]: memref<4x64xbf16>, %[[E:[^:]*]]: index
//       CHECK: %[[REGS:.*]] = builtin.unrealized_conversion_cast
//       CHECK: scf.if
//       CHECK:   %[[G0:.*]] = llvm.extractvalue %[[REGS]][0, 0]
//       CHECK:   %[[GCOL:.*]] = arith.muli %[[COL:.*]], %c2
//       CHECK:   %[[GB:.*]] = memref.load %[[B]][%[[E]], %[[GCOL]]]
//       CHECK:   %[[GATE:.*]] = arith.addf %[[G0]], %{{.*}} : f32
//       CHECK:   %[[U0:.*]] = llvm.extractvalue %[[REGS]][0, 16]
//       CHECK:   %[[UCOL:.*]] = arith.addi %[[GCOL]], %c1
//       CHECK:   memref.load %[[B]][%[[E]], %[[UCOL]]]
//       CHECK:   %[[UP:.*]] = arith.addf %[[U0]], %{{.*}} : f32
//       CHECK:   %[[G:.*]] = arith.minimumf %[[GATE]], %{{.*}} : f32
//       CHECK:   %[[UMIN:.*]] = arith.minimumf %[[UP]], %{{.*}} : f32
//       CHECK:   %[[U:.*]] = arith.maximumf %[[UMIN]], %{{.*}} : f32
//       CHECK:   %[[U1:.*]] = arith.addf %[[U]], %{{.*}} : f32
//       CHECK:   %[[AG:.*]] = arith.mulf %{{.*}}, %[[G]] : f32
//       CHECK:   arith.negf %[[AG]]
//       CHECK:   math.exp
//       CHECK:   %[[SIG:.*]] = arith.divf
//       CHECK:   %[[GLU:.*]] = arith.mulf %[[G]], %[[SIG]] : f32
//       CHECK:   arith.mulf %[[U1]], %[[GLU]] : f32
func.func @swigluoai_interleaved_bias(%out: memref<?x32xbf16>, %bias: memref<4x64xbf16>,
                                      %e: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    moe.tile_store %zero warpgroup %c0 into %out[%c0, %c0] rows %rows
        epilogue = swigluoai_and_mul gate_up_layout = interleaved clamp_limit = 7.0
        swiglu_alpha = 1.5 bias(%bias : memref<4x64xbf16>) expert %e
        : vector<64x64xf32>, memref<?x32xbf16>
    gpu.terminator
  }
  return
}

// -----

// Split bias columns (c and C + c) and tanh GELU after the clamp.
// CHECK-LABEL: func.func @gelu_tanh_clamp_split_bias
//       CHECK: %[[C:.*]] = memref.dim %{{.*}}, %c1
//       CHECK: scf.if
//       CHECK:   memref.load %{{.*}}[%{{.*}}, %[[COL:.*]]] : memref<4x64xf32>
//       CHECK:   %[[UCOL:.*]] = arith.addi %[[COL]], %[[C]]
//       CHECK:   memref.load %{{.*}}[%{{.*}}, %[[UCOL]]] : memref<4x64xf32>
//       CHECK:   arith.minimumf
//       CHECK:   arith.minimumf
//       CHECK:   arith.maximumf
//       CHECK:   math.tanh
func.func @gelu_tanh_clamp_split_bias(%out: memref<?x32xf32>, %bias: memref<4x64xf32>,
                                      %e: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    moe.tile_store %zero warpgroup %c0 into %out[%c0, %c0] rows %rows
        epilogue = gelu_tanh_and_mul clamp_limit = 2.0
        bias(%bias : memref<4x64xf32>) expert %e
        : vector<64x64xf32>, memref<?x32xf32>
    gpu.terminator
  }
  return
}

// -----

// An elementwise epilogue on every column (no up registers): relu2 keeps a
// NaN (select on v < 0), then squares.
// CHECK-LABEL: func.func @relu2
//       CHECK: scf.if
//       CHECK:   %[[V:.*]] = llvm.extractvalue %{{.*}}[0, 0]
//       CHECK:   %[[NEG:.*]] = arith.cmpf olt, %[[V]], %{{.*}} : f32
//       CHECK:   %[[R:.*]] = arith.select %[[NEG]], %{{.*}}, %[[V]] : f32
//       CHECK:   arith.mulf %[[R]], %[[R]] : f32
//   CHECK-NOT:   arith.minimumf
func.func @relu2(%out: memref<?x64xbf16>, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    moe.tile_store %zero warpgroup %c0 into %out[%c0, %c0] rows %rows epilogue = relu2
        : vector<64x64xf32>, memref<?x64xbf16>
    gpu.terminator
  }
  return
}

// -----

// SwigluStep: the gate is clamped after silu, from above only.
// CHECK-LABEL: func.func @swiglustep_default_limit
//       CHECK: scf.if
//       CHECK:   math.exp
//       CHECK:   %[[SILU:.*]] = arith.divf
//       CHECK:   arith.minimumf %[[SILU]], %{{.*}} : f32
//       CHECK:   arith.minimumf
//       CHECK:   arith.maximumf
func.func @swiglustep_default_limit(%out: memref<?x32xbf16>, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    moe.tile_store %zero warpgroup %c0 into %out[%c0, %c0] rows %rows
        epilogue = swiglustep_and_mul : vector<64x64xf32>, memref<?x32xbf16>
    gpu.terminator
  }
  return
}

// -----

// fp8_channel's dequant: the row's a_scale (loaded once per row half) times
// w_scale of the gate's weight row c and of the up's N/2 + c (split rows),
// multiplying each accumulator before the bias and the activation.
// CHECK-LABEL: func.func @dequant_channel_split_bias
//  CHECK-SAME: %[[B:[^:]*]]: memref<4x64xf32>, %[[AS:[^:]*]]: memref<?x1xf32>, %[[WS:[^:]*]]: memref<4x64xf32>, %[[E:[^:]*]]: index
//       CHECK: %[[REGS:.*]] = builtin.unrealized_conversion_cast
//       CHECK: scf.if
//       CHECK:   %[[SA:.*]] = memref.load %[[AS]][%{{.*}}, %c0{{.*}}] : memref<?x1xf32>
//       CHECK:   %[[G0:.*]] = llvm.extractvalue %[[REGS]][0, 0]
//       CHECK:   %[[SG:.*]] = memref.load %[[WS]][%[[E]], %[[COL:.*]]] : memref<4x64xf32>
//       CHECK:   %[[S:.*]] = arith.mulf %[[SA]], %[[SG]] : f32
//       CHECK:   %[[G:.*]] = arith.mulf %[[G0]], %[[S]] : f32
//       CHECK:   memref.load %[[B]][%[[E]], %[[COL]]]
//       CHECK:   arith.addf %[[G]], %{{.*}} : f32
//       CHECK:   %[[U0:.*]] = llvm.extractvalue %[[REGS]][0, 16]
//       CHECK:   %[[UCOL:.*]] = arith.addi %[[COL]], %{{.*}} : index
//       CHECK:   %[[SU:.*]] = memref.load %[[WS]][%[[E]], %[[UCOL]]] : memref<4x64xf32>
//       CHECK:   %[[T:.*]] = arith.mulf %[[SA]], %[[SU]] : f32
//       CHECK:   %[[U:.*]] = arith.mulf %[[U0]], %[[T]] : f32
//       CHECK:   memref.load %[[B]][%[[E]], %[[UCOL]]]
//       CHECK:   arith.addf %[[U]], %{{.*}} : f32
func.func @dequant_channel_split_bias(%out: memref<?x32xbf16>, %bias: memref<4x64xf32>,
                                      %as: memref<?x1xf32>, %ws: memref<4x64xf32>,
                                      %e: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    moe.tile_store %zero warpgroup %c0 into %out[%c0, %c0] rows %rows
        epilogue = silu_and_mul bias(%bias : memref<4x64xf32>)
        dequant(%as : memref<?x1xf32>, %ws : memref<4x64xf32>) expert %e
        : vector<64x64xf32>, memref<?x32xbf16>
    gpu.terminator
  }
  return
}

// -----

// fp8_tensor's dequant: a_scale[0] times the expert's w_scale.
// CHECK-LABEL: func.func @dequant_tensor
//  CHECK-SAME: %[[AS:[^:]*]]: memref<1xf32>, %[[WS:[^:]*]]: memref<4xf32>, %[[E:[^:]*]]: index
//       CHECK: scf.if
//       CHECK:   %[[SA:.*]] = memref.load %[[AS]][%c0{{.*}}] : memref<1xf32>
//       CHECK:   %[[V:.*]] = llvm.extractvalue
//       CHECK:   %[[SW:.*]] = memref.load %[[WS]][%[[E]]] : memref<4xf32>
//       CHECK:   %[[S:.*]] = arith.mulf %[[SA]], %[[SW]] : f32
//       CHECK:   arith.mulf %[[V]], %[[S]] : f32
func.func @dequant_tensor(%out: memref<?x64xbf16>, %as: memref<1xf32>, %ws: memref<4xf32>,
                          %e: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    moe.tile_store %zero warpgroup %c0 into %out[%c0, %c0] rows %rows
        dequant(%as : memref<1xf32>, %ws : memref<4xf32>) expert %e
        : vector<64x64xf32>, memref<?x64xbf16>
    gpu.terminator
  }
  return
}
