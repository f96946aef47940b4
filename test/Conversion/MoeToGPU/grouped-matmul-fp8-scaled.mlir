// RUN: moe-opt %s --moe-tile-grouped-matmul --convert-moe-to-gpu -split-input-file | FileCheck %s

// quant = fp8_channel and fp8_tensor on the simple kernel (kernel =
// simple; by default they take the tiled one): e4m3 decoded exactly, the whole-K
// sum in increasing k, then times (a_scale * w_scale) once, before the
// epilogue (docs/Semantics.md, the accumulation order contract). Per
// channel the scales are a_scale[row of a, 0] and w_scale[e, n] (the gate
// and the up column each their own); per tensor a_scale[0] and w_scale[e].

// CHECK-LABEL: func.func @channel_gated
//  CHECK-SAME: (%[[A:.*]]: memref<?x256xf8E4M3FN>, %[[W:.*]]: memref<4x256x256xf8E4M3FN>, %{{.*}}: memref<5xi32>, %[[AS:.*]]: memref<?x1xf32>, %[[WS:.*]]: memref<4x256xf32>, %{{.*}}: memref<?x128xbf16>)
//   CHECK-NOT: moe.tile_
//       CHECK: gpu.launch
//       CHECK:   scf.for
//       CHECK:     memref.load %[[A]]
//       CHECK:     memref.load %[[W]]
//       CHECK:   %[[SA:.*]] = memref.load %[[AS]][%{{.*}}, %c0{{.*}}] : memref<?x1xf32>
//       CHECK:   %[[SG:.*]] = memref.load %[[WS]][%{{.*}}, %{{.*}}] : memref<4x256xf32>
//       CHECK:   %[[G:.*]] = arith.mulf %[[SA]], %[[SG]] : f32
//       CHECK:   arith.mulf %{{.*}}, %[[G]] : f32
//       CHECK:   %[[SU:.*]] = memref.load %[[WS]][%{{.*}}, %{{.*}}] : memref<4x256xf32>
//       CHECK:   %[[U:.*]] = arith.mulf %[[SA]], %[[SU]] : f32
//       CHECK:   arith.mulf %{{.*}}, %[[U]] : f32
//       CHECK:   math.exp
func.func @channel_gated(%a: memref<?x256xf8E4M3FN>, %w: memref<4x256x256xf8E4M3FN>, %o: memref<5xi32>,
                         %as: memref<?x1xf32>, %ws: memref<4x256xf32>, %y: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x256xf8E4M3FN>, memref<4x256x256xf8E4M3FN>, memref<5xi32>, memref<?x1xf32>, memref<4x256xf32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// CHECK-LABEL: func.func @tensor_bias
//  CHECK-SAME: (%{{.*}}: memref<?x336xf8E4M3FN>, %{{.*}}: memref<4x80x336xf8E4M3FN>, %{{.*}}: memref<5xi32>, %[[B:.*]]: memref<4x80xf32>, %[[AS:.*]]: memref<1xf32>, %[[WS:.*]]: memref<4xf32>, %{{.*}}: memref<?x80xf16>)
//   CHECK-NOT: moe.tile_
//       CHECK: gpu.launch
//       CHECK:   scf.for
//       CHECK:   %[[SA:.*]] = memref.load %[[AS]][%c0{{.*}}] : memref<1xf32>
//       CHECK:   %[[SW:.*]] = memref.load %[[WS]][%{{.*}}] : memref<4xf32>
//       CHECK:   %[[S:.*]] = arith.mulf %[[SA]], %[[SW]] : f32
//       CHECK:   %[[ACC:.*]] = arith.mulf %{{.*}}, %[[S]] : f32
//       CHECK:   memref.load %[[B]]
//       CHECK:   arith.addf %[[ACC]], %{{.*}} : f32
func.func @tensor_bias(%a: memref<?x336xf8E4M3FN>, %w: memref<4x80x336xf8E4M3FN>, %o: memref<5xi32>,
                       %bias: memref<4x80xf32>, %as: memref<1xf32>, %ws: memref<4xf32>, %y: memref<?x80xf16>) {
  moe.grouped_matmul %a, %w, %o bias(%bias) quant = fp8_tensor a_scale(%as) w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x336xf8E4M3FN>, memref<4x80x336xf8E4M3FN>, memref<5xi32>, memref<4x80xf32>, memref<1xf32>, memref<4xf32>, memref<?x80xf16>) -> ()
  return
}
