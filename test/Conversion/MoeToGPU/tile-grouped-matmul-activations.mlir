// RUN: moe-opt %s --moe-tile-grouped-matmul --split-input-file | FileCheck %s

// Interleaved gate/up rows take the tiled kernel of split rows: only the
// strides of W's [E, 2, N/2, K] view change (a part one row on, consecutive
// gate rows two rows apart), so the TMA loads do the permutation; the
// epilogue's parameters go to moe.tile_store.
// CHECK-LABEL: func.func @swigluoai_interleaved
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<4x128x64xbf16>
//       CHECK:   %[[PAIR:.*]] = arith.muli %c2{{.*}}, %[[STRIDES:.*]]#1 : index
//       CHECK:   memref.reinterpret_cast %[[W]] to offset: [%{{.*}}], sizes: [%{{.*}}, 2, %{{.*}}, %{{.*}}], strides: [%[[STRIDES]]#0, %[[STRIDES]]#1, %[[PAIR]], 1]
//       CHECK:   moe.tile_store {{.*}} epilogue = swigluoai_and_mul gate_up_layout = interleaved clamp_limit = 5.000000e-01 swiglu_alpha = 1.000000e+00 bias(
func.func @swigluoai_interleaved(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                                 %offsets: memref<5xi32>, %b: memref<4x128xbf16>,
                                 %out: memref<?x64xbf16>) {
  moe.grouped_matmul %a, %w, %offsets bias(%b) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 0.5 swiglu_alpha = 1.0 outs(%out)
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<4x128xbf16>,
         memref<?x64xbf16>) -> ()
  return
}

// -----

// An elementwise epilogue is not gated: W is not split into halves and the
// tile has N output columns.
// CHECK-LABEL: func.func @relu2
//   CHECK-NOT:   memref.reinterpret_cast
//       CHECK:   moe.tile_store {{.*}} epilogue = relu2 : vector<128x256xf32>, memref<?x128xbf16>
func.func @relu2(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                 %offsets: memref<5xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = relu2 outs(%out)
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}
