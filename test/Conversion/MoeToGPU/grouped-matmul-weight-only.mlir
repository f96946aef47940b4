// RUN: moe-opt %s --moe-tile-grouped-matmul --convert-moe-to-gpu -split-input-file | FileCheck %s

// The weight-only schemes on the simple kernel (kernel = simple here; their
// default, the stream kernel, is in tile-grouped-matmul-stream.mlir; the
// tiled kernel does not take integer weights, whatever the config asks
// for, and leaves them to the simple kernel): each weight is
// dequantized where it is read, (q - zero) * scale in f32 rounded once to
// a's type, times a's element, into one running f32 sum with k increasing
// (docs/Semantics.md, "Weight dequantization" and the accumulation order
// contract). int4: element k is in byte k / 2 of its row, the low nibble
// for an even k, the high one for an odd k; K is walked by groups of
// group_size columns (the last one shorter: min(begin + G, K)), each
// group's scale (and zero point) read once per W row.

// w4a16, gated: zero point 8; the gate row and the up row each with their
// own group scale. K (200) is clamped to twice w's packed dim and to the
// scales' groups times 64.
// CHECK-LABEL: func.func @w4a16_gated
//  CHECK-SAME: (%[[A:.*]]: memref<?x200xbf16>, %[[W:.*]]: memref<4x72x100xi8>, %{{.*}}: memref<5xi32>, %[[S:.*]]: memref<4x72x4xf32>, %{{.*}}: memref<?x36xbf16>)
//   CHECK-NOT: moe.tile_
//       CHECK: %[[PACKED:.*]] = memref.dim %[[W]], %c2
//       CHECK: %[[WK:.*]] = arith.muli %[[PACKED]], %c2
//       CHECK: %[[AK:.*]] = arith.minui %{{.*}}, %[[WK]] : index
//       CHECK: %[[GROUPS:.*]] = memref.dim %[[S]], %c2
//       CHECK: %[[COVERED:.*]] = arith.muli %[[GROUPS]], %c64
//       CHECK: %[[K:.*]] = arith.minui %[[AK]], %[[COVERED]] : index
//       CHECK: gpu.launch
//       CHECK:   %[[NG:.*]] = arith.ceildivui %[[K]], %[[G:c64.*]] : index
//       CHECK:   scf.for %[[GROUP:.*]] = %{{.*}} to %[[NG]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f32, f32)
//       CHECK:     %[[BEGIN:.*]] = arith.muli %[[GROUP]], %[[G]]
//       CHECK:     %[[NEXT:.*]] = arith.addi %[[BEGIN]], %[[G]]
//       CHECK:     %[[END:.*]] = arith.minui %[[NEXT]], %[[K]]
//       CHECK:     %[[SG:.*]] = memref.load %[[S]][%{{.*}}, %[[GATE:.*]], %[[GROUP]]] : memref<4x72x4xf32>
//       CHECK:     %[[SU:.*]] = memref.load %[[S]][%{{.*}}, %[[UP:.*]], %[[GROUP]]] : memref<4x72x4xf32>
//       CHECK:     scf.for %[[KK:.*]] = %[[BEGIN]] to %[[END]] step
//       CHECK:       %[[AV:.*]] = arith.extf %{{.*}} : bf16 to f32
//       CHECK:       %[[BYTE:.*]] = arith.divui %[[KK]], %c2
//       CHECK:       %[[B:.*]] = memref.load %[[W]][%{{.*}}, %[[GATE]], %[[BYTE]]] : memref<4x72x100xi8>
//       CHECK:       %[[BITS:.*]] = arith.extui %[[B]] : i8 to i32
//       CHECK:       %[[POS:.*]] = arith.index_cast %[[KK]] : index to i32
//       CHECK:       %[[ODD:.*]] = arith.andi %[[POS]], %c1_i32
//       CHECK:       %[[SHIFT:.*]] = arith.shli %[[ODD]], %c2_i32
//       CHECK:       %[[SHIFTED:.*]] = arith.shrui %[[BITS]], %[[SHIFT]] : i32
//       CHECK:       %[[Q:.*]] = arith.andi %[[SHIFTED]], %c15_i32 : i32
//       CHECK:       %[[C:.*]] = arith.subi %[[Q]], %c8_i32 : i32
//       CHECK:       %[[F:.*]] = arith.sitofp %[[C]] : i32 to f32
//       CHECK:       %[[REAL:.*]] = arith.mulf %[[F]], %[[SG]] : f32
//       CHECK:       %[[R16:.*]] = arith.truncf %[[REAL]] : f32 to bf16
//       CHECK:       %[[WD:.*]] = arith.extf %[[R16]] : bf16 to f32
//       CHECK:       %[[P:.*]] = arith.mulf %[[AV]], %[[WD]] : f32
//       CHECK:       arith.addf %{{.*}}, %[[P]] : f32
//       CHECK:       memref.load %[[W]][%{{.*}}, %[[UP]], %{{.*}}] : memref<4x72x100xi8>
//       CHECK:       arith.mulf %{{.*}}, %[[SU]] : f32
//       CHECK:   math.exp2
func.func @w4a16_gated(%a: memref<?x200xbf16>, %w: memref<4x72x100xi8>, %o: memref<5xi32>,
                       %s: memref<4x72x4xf32>, %y: memref<?x36xbf16>) {
  moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul quant = w4a16 group_size = 64 w_scale(%s) outs(%y)
      {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x200xbf16>, memref<4x72x100xi8>, memref<5xi32>, memref<4x72x4xf32>, memref<?x36xbf16>) -> ()
  return
}

// -----

// w4a16_zp, asking for the tiled kernel: the simple kernel all the same.
// The group's zero point w_zero[e, n, group], sign-extended, is subtracted
// from the nibble; f16 scales are widened; the bias after the sum.
// CHECK-LABEL: func.func @w4a16_zp_bias
//  CHECK-SAME: (%[[A:.*]]: memref<?x336xf16>, %[[W:.*]]: memref<4x80x168xi8>, %{{.*}}: memref<5xi32>, %[[BIAS:.*]]: memref<4x80xf32>, %[[S:.*]]: memref<4x80x3xf16>, %[[Z:.*]]: memref<4x80x3xi8>, %{{.*}}: memref<?x80xf16>)
//   CHECK-NOT: moe.tile_
//       CHECK: gpu.launch
//       CHECK:   %[[SUM:.*]] = scf.for %[[GROUP:[^ ]*]] = {{.*}} -> (f32)
//       CHECK:     %[[S16:.*]] = memref.load %[[S]][%[[E:.*]], %[[N:.*]], %[[GROUP]]] : memref<4x80x3xf16>
//       CHECK:     %[[SCALE:.*]] = arith.extf %[[S16]] : f16 to f32
//       CHECK:     %[[Z8:.*]] = memref.load %[[Z]][%[[E]], %[[N]], %[[GROUP]]] : memref<4x80x3xi8>
//       CHECK:     %[[ZERO:.*]] = arith.extsi %[[Z8]] : i8 to i32
//       CHECK:     scf.for
//       CHECK:       memref.load %[[W]][%[[E]], %[[N]], %{{.*}}] : memref<4x80x168xi8>
//       CHECK:       %[[Q:.*]] = arith.andi %{{.*}}, %c15_i32 : i32
//       CHECK:       %[[C:.*]] = arith.subi %[[Q]], %[[ZERO]] : i32
//       CHECK:       %[[F:.*]] = arith.sitofp %[[C]] : i32 to f32
//       CHECK:       %[[REAL:.*]] = arith.mulf %[[F]], %[[SCALE]] : f32
//       CHECK:       arith.truncf %[[REAL]] : f32 to f16
//       CHECK:   %[[B:.*]] = memref.load %[[BIAS]][%[[E]], %[[N]]]
//       CHECK:   arith.addf %[[SUM]], %[[B]] : f32
func.func @w4a16_zp_bias(%a: memref<?x336xf16>, %w: memref<4x80x168xi8>, %o: memref<5xi32>, %b: memref<4x80xf32>,
                         %s: memref<4x80x3xf16>, %z: memref<4x80x3xi8>, %y: memref<?x80xf16>) {
  moe.grouped_matmul %a, %w, %o bias(%b) quant = w4a16_zp group_size = 128 w_scale(%s) w_zero(%z) outs(%y)
      {moe.config = #moe.gemm_config<kernel = tiled>}
      : (memref<?x336xf16>, memref<4x80x168xi8>, memref<5xi32>, memref<4x80xf32>, memref<4x80x3xf16>, memref<4x80x3xi8>, memref<?x80xf16>) -> ()
  return
}

// -----

// w8a16: the row's scale w_scale[e, n] read once before the K loop; the
// signed byte times it, rounded to f16.
// CHECK-LABEL: func.func @w8a16
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xf16>, %[[W:.*]]: memref<4x32x64xi8>, %{{.*}}: memref<5xi32>, %[[S:.*]]: memref<4x32xbf16>, %{{.*}}: memref<?x32xf16>)
//   CHECK-NOT: moe.tile_
//       CHECK: gpu.launch
//       CHECK:   %[[S16:.*]] = memref.load %[[S]][%[[E:.*]], %[[N:.*]]] : memref<4x32xbf16>
//       CHECK:   %[[SCALE:.*]] = arith.extf %[[S16]] : bf16 to f32
//       CHECK:   scf.for %[[KK:[^ ]*]] = {{.*}} -> (f32)
//       CHECK:     %[[Q8:.*]] = memref.load %[[W]][%[[E]], %[[N]], %[[KK]]] : memref<4x32x64xi8>
//       CHECK:     %[[Q:.*]] = arith.extsi %[[Q8]] : i8 to i32
//       CHECK:     %[[F:.*]] = arith.sitofp %[[Q]] : i32 to f32
//       CHECK:     %[[REAL:.*]] = arith.mulf %[[F]], %[[SCALE]] : f32
//       CHECK:     %[[R16:.*]] = arith.truncf %[[REAL]] : f32 to f16
//       CHECK:     arith.extf %[[R16]] : f16 to f32
func.func @w8a16(%a: memref<?x64xf16>, %w: memref<4x32x64xi8>, %o: memref<5xi32>, %s: memref<4x32xbf16>, %y: memref<?x32xf16>) {
  moe.grouped_matmul %a, %w, %o quant = w8a16 w_scale(%s) outs(%y)
      {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x64xf16>, memref<4x32x64xi8>, memref<5xi32>, memref<4x32xbf16>, memref<?x32xf16>) -> ()
  return
}
