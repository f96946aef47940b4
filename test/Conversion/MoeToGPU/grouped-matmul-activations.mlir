// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// The activation epilogues in the simple kernel (the tiled kernel's are in
// test/Conversion/MoeTileToNVGPU/tile-store-activations.mlir).

// Interleaved gate/up rows: output column n reads W rows 2n and 2n + 1 (and
// the bias at the same columns); swigluoai with its clamps.
// CHECK-LABEL: func.func @swigluoai_interleaved
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<4x128x64xbf16>, %[[OFF:.*]]: memref<5xi32>, %[[B:.*]]: memref<4x128xbf16>, %[[O:.*]]: memref<?x64xbf16>)
//       CHECK: gpu.launch
//       CHECK:   scf.if %{{.*}} -> (f32) {
//       CHECK:     %[[GROW:.*]] = arith.muli %[[COL:.*]], %c2
//       CHECK:     %[[UROW:.*]] = arith.addi %[[GROW]], %c1
//       CHECK:     %[[ACC:.*]]:2 = scf.for {{.*}} -> (f32, f32) {
//       CHECK:       memref.load %[[W]][%{{.*}}, %[[GROW]], %{{.*}}]
//       CHECK:       memref.load %[[W]][%{{.*}}, %[[UROW]], %{{.*}}]
//       CHECK:     memref.load %[[B]][%{{.*}}, %[[GROW]]]
//       CHECK:     memref.load %[[B]][%{{.*}}, %[[UROW]]]
//       CHECK:     arith.minimumf
//       CHECK:     arith.minimumf
//       CHECK:     arith.maximumf
//       CHECK:     math.exp
//   CHECK:   memref.store %{{.*}}, %[[O]][%{{.*}}, %[[COL]]]
func.func @swigluoai_interleaved(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                                 %offsets: memref<5xi32>, %b: memref<4x128xbf16>,
                                 %out: memref<?x64xbf16>) {
  moe.grouped_matmul %a, %w, %offsets bias(%b) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved outs(%out) {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<4x128xbf16>,
         memref<?x64xbf16>) -> ()
  return
}

// -----

// An elementwise epilogue: one accumulator per output column, all N.
// CHECK-LABEL: func.func @gelu_tanh
//       CHECK: gpu.launch
//       CHECK:   %[[ACC:.*]] = scf.for {{.*}} -> (f32) {
//       CHECK:   math.tanh
//   CHECK-NOT:   arith.minimumf
//       CHECK:   memref.store
func.func @gelu_tanh(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                     %offsets: memref<5xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = gelu_tanh outs(%out)
      {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// A clamp on silu_and_mul: gate clamped from above, up both ways, then the
// usual silu(gate) * up.
// CHECK-LABEL: func.func @silu_clamped
//       CHECK:   %[[ACC:.*]]:2 = scf.for
//       CHECK:   %[[G:.*]] = arith.minimumf %[[ACC]]#0, %{{.*}} : f32
//       CHECK:   %[[UMIN:.*]] = arith.minimumf %[[ACC]]#1, %{{.*}} : f32
//       CHECK:   %[[U:.*]] = arith.maximumf %[[UMIN]], %{{.*}} : f32
//       CHECK:   arith.mulf %[[G]], %{{.*}} : f32
//       CHECK:   math.exp2
//       CHECK:   %[[SILU:.*]] = arith.divf %[[G]], %{{.*}} fastmath<afn>
//       CHECK:   arith.mulf %[[SILU]], %[[U]] : f32
func.func @silu_clamped(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                        %offsets: memref<5xi32>, %out: memref<?x64xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul clamp_limit = 3.0 outs(%out)
      {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x64xbf16>) -> ()
  return
}
