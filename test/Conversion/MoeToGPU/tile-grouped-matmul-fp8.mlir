// RUN: moe-opt %s --moe-tile-grouped-matmul --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-tile-grouped-matmul --moe-pipeline-tile-loads --split-input-file | FileCheck %s --check-prefix=PIPE
// RUN: moe-opt %s --moe-tile-grouped-matmul --moe-pipeline-tile-loads --moe-warp-specialize --split-input-file | FileCheck %s --check-prefix=SPEC
// RUN: moe-opt %s --moe-tile-grouped-matmul --moe-pipeline-tile-loads --moe-warp-specialize=only-marked --split-input-file | FileCheck %s --check-prefix=SPEC
// RUN: moe-opt %s --moe-tile-grouped-matmul --convert-moe-to-gpu --split-input-file | FileCheck %s --check-prefix=SIMPLE

// quant = fp8_block through the tiled kernel. Without a moe.config an fp8
// GEMM gets 128 x 128 tiles of two warpgroups, K steps of one 128-byte row
// of 128 e4m3 elements (tile_k = 128: one scale block a step) in a 6-slot
// ring. Host: the TMA rules with K % 16 == 0 (16-byte fp8 rows). Each K
// step loads the A and W tiles, sums the block into a fresh accumulator
// (tile_mma from zero, waited for) and promotes it into the f32
// accumulator with a_scale[row, kb] and w_scale[e, n / 128, kb]; the
// epilogue is the bf16 one. The default configuration asks for a producer
// warpgroup (warp_specialize = true): the launch is marked for
// moe-warp-specialize, which with only-marked takes only such launches.
// CHECK-LABEL: func.func @default_config
//  CHECK-SAME: (%[[A:.*]]: memref<?x512xf8E4M3FN>, %[[W:.*]]: memref<4x256x512xf8E4M3FN>, %[[OFF:.*]]: memref<5xi32>, %[[AS:.*]]: memref<?x4xf32>, %[[WS:.*]]: memref<4x2x4xf32>, %[[O:.*]]: memref<?x256xbf16>)
//       CHECK: arith.remui %{{.*}}, %c16
//       CHECK: arith.remui %{{.*}}, %c16
//       CHECK: scf.if
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256, {{.*}})
//       CHECK:     %[[TA:.*]] = moe.tile_alloc : memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>>
//       CHECK:     %[[TW:.*]] = moe.tile_alloc : memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>>
//       CHECK:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<128x128xf32>
//       CHECK:     scf.for %[[KB:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (vector<128x128xf32>) {
//       CHECK:       %[[KC:.*]] = arith.muli %[[KB]], %c128
//       CHECK:       moe.tile_load %[[A]][%[[ROW:.*]], %[[KC]]] into %[[TA]] swizzle = 128 : memref<?x512xf8E4M3FN>, memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>>
//       CHECK:       moe.tile_load %[[W]][%[[E:.*]], %[[N:.*]], %[[KC]]] into %[[TW]] swizzle = 128 : memref<4x256x512xf8E4M3FN>, memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>>
//       CHECK:       %[[P:.*]] = moe.tile_mma %[[TA]], %[[TW]], %[[ZERO]] warpgroup %{{.*}} rows %[[ROWS:.*]] : memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>>, memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>> -> vector<128x128xf32>
//       CHECK:       %[[PD:.*]] = moe.tile_mma_wait %[[P]] : vector<128x128xf32>
//       CHECK:       %[[N0:.*]] = arith.muli %{{.*}}, %c128
//       CHECK:       %[[NEXT:.*]] = moe.tile_scale_accumulate %[[PD]], %[[ACC]] warpgroup %{{.*}} rows %[[ROWS]] a_scale(%[[AS]] : memref<?x4xf32>) [%[[ROW]], %[[KB]]] w_scale(%[[WS]] : memref<4x2x4xf32>) [%{{.*}}] w_row %[[N0]] : vector<128x128xf32>
//       CHECK:       scf.yield %[[NEXT]]
//       CHECK:     } {moe.pipeline_stages = 6 : i64}
//       CHECK:     moe.tile_store %{{.*}} into %[[O]]
//       CHECK:   } {moe.warp_specialize}
// The fallback: the simple kernel decodes e4m3 from its bits.
//       CHECK: } else {
//       CHECK:   gpu.launch
//       CHECK:     arith.bitcast %{{.*}} : f8E4M3FN to i8
//  The pipelined loop keeps one MMA in flight before the explicit wait, and
//  the promotion reads the ring slot's partial sums.
// PIPE-LABEL: func.func @default_config
//       PIPE:   moe.tile_wait
//       PIPE:   %[[P:.*]] = moe.tile_mma {{.*}} pending = 1
//       PIPE:   %[[PD:.*]] = moe.tile_mma_wait %[[P]]
//       PIPE:   moe.tile_scale_accumulate %[[PD]]
//       PIPE:   moe.tile_release
// The producer keeps no promotion; the consumers do.
// SPEC-LABEL: func.func @default_config
//     SPEC:   nvvm.setmaxregister decrease 40
// SPEC-NOT:   moe.tile_scale_accumulate
//     SPEC:   moe.tile_load_async
//     SPEC:   nvvm.setmaxregister increase 232
//     SPEC:   moe.tile_mma {{.*}} pending = 1
//     SPEC:   moe.tile_scale_accumulate
//     SPEC:   moe.tile_store
func.func @default_config(%a: memref<?x512xf8E4M3FN>, %w: memref<4x256x512xf8E4M3FN>, %o: memref<5xi32>,
                          %as: memref<?x4xf32>, %ws: memref<4x2x4xf32>, %y: memref<?x256xbf16>) {
  moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (memref<?x512xf8E4M3FN>, memref<4x256x512xf8E4M3FN>, memref<5xi32>, memref<?x4xf32>, memref<4x2x4xf32>, memref<?x256xbf16>) -> ()
  return
}

// -----

// 64 x 128 tiles of one warpgroup (the decode shape), gated split rows
// (DeepSeek-V3's w13: gate rows then up rows): the gate columns' weight
// rows start at n0 = n-block * 64, the up columns' at N/2 + n0. The host
// also needs N/2 % 8 == 0 (one weight scale per 8 columns).
// CHECK-LABEL: func.func @gated_one_warpgroup
//       CHECK: arith.remui %{{.*}}, %c8
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128{{.*}}, {{.*}})
//       CHECK:     moe.tile_alloc : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>
//       CHECK:     moe.tile_alloc : memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>>
//       CHECK:       moe.tile_mma_wait
//       CHECK:       %[[N0:.*]] = arith.muli %{{.*}}, %c64
//       CHECK:       %[[UP:.*]] = arith.addi %{{.*}}, %[[N0]]
//       CHECK:       moe.tile_scale_accumulate {{.*}} w_row %[[N0]] up_row %[[UP]] : vector<64x128xf32>
//       CHECK:     } {moe.pipeline_stages = 8 : i64}
//       CHECK:     moe.tile_store {{.*}} epilogue = silu_and_mul scale(
// Its configuration does not ask for a producer warpgroup: no mark.
//   CHECK-NOT:   moe.warp_specialize
//       CHECK: return
func.func @gated_one_warpgroup(%a: memref<?x7168xf8E4M3FN>, %w: memref<8x4096x7168xf8E4M3FN>, %o: memref<9xi32>,
                               %as: memref<?x56xf32>, %ws: memref<8x32x56xf32>, %rw: memref<?xf32>,
                               %y: memref<?x2048xbf16>) {
  moe.grouped_matmul %a, %w, %o scale(%rw) epilogue = silu_and_mul quant = fp8_block group_size = 128
      a_scale(%as) w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 128, tile_k = 128, stages = 8, warpgroups = 1>}
      : (memref<?x7168xf8E4M3FN>, memref<8x4096x7168xf8E4M3FN>, memref<9xi32>, memref<?xf32>,
         memref<?x56xf32>, memref<8x32x56xf32>, memref<?x2048xbf16>) -> ()
  return
}

// -----

// Interleaved gate/up rows (gate 2i, up 2i + 1): the promotion walks the
// weight rows by twos from 2 n0 and 2 n0 + 1.
// CHECK-LABEL: func.func @gated_interleaved
//       CHECK:       moe.tile_mma_wait
//       CHECK:       %[[N0:.*]] = arith.muli %{{.*}}, %c64
//       CHECK:       %[[G:.*]] = arith.muli %[[N0]], %c2
//       CHECK:       %[[U:.*]] = arith.addi %[[G]], %c1
//       CHECK:       moe.tile_scale_accumulate {{.*}} w_row %[[G]] up_row %[[U]] w_row_stride = 2 : vector<128x128xf32>
func.func @gated_interleaved(%a: memref<?x256xf8E4M3FN>, %w: memref<4x512x256xf8E4M3FN>, %o: memref<5xi32>,
                             %as: memref<?x2xf32>, %ws: memref<4x4x2xf32>, %b: memref<4x512xf32>, %y: memref<?x256xf16>) {
  moe.grouped_matmul %a, %w, %o bias(%b) epilogue = swigluoai_and_mul gate_up_layout = interleaved
      quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (memref<?x256xf8E4M3FN>, memref<4x512x256xf8E4M3FN>, memref<5xi32>, memref<4x512xf32>,
         memref<?x2xf32>, memref<4x4x2xf32>, memref<?x256xf16>) -> ()
  return
}

// -----

// A gathered fp8 A (rows through row_index) is left to convert-moe-to-gpu's
// simple kernel, whose scales are gathered with the rows: per 128-wide K
// block, the block's f32 sum times a_scale[row_index[r] / divisor, b] *
// w_scale[e, n / 128, b], e4m3 decoded from its bits.
// CHECK-LABEL: func.func @gathered_simple
//   CHECK-NOT:   moe.tile_
//       CHECK:   moe.grouped_matmul
// SIMPLE-LABEL: func.func @gathered_simple
//  SIMPLE-SAME: (%{{.*}}: memref<?x256xf8E4M3FN>, %[[IDX:.*]]: memref<?xi32>, %{{.*}}: memref<4x128x256xf8E4M3FN>, %{{.*}}: memref<5xi32>, %[[AS:.*]]: memref<?x2xf32>, %[[WS:.*]]: memref<4x1x2xf32>,
//       SIMPLE:   gpu.launch
//       SIMPLE:     memref.load %[[IDX]]
//       SIMPLE:     %[[AROW:.*]] = arith.index_castui %{{.*}} : i64 to index
//       SIMPLE:     scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
//       SIMPLE:       scf.for
//       SIMPLE:         arith.bitcast %{{.*}} : f8E4M3FN to i8
//       SIMPLE:       memref.load %[[AS]][%[[AROW]], %[[B]]] : memref<?x2xf32>
//       SIMPLE:       %[[NB:.*]] = arith.divui %{{.*}}, %c128
//       SIMPLE:       memref.load %[[WS]][%{{.*}}, %[[NB]], %[[B]]] : memref<4x1x2xf32>
func.func @gathered_simple(%a: memref<?x256xf8E4M3FN>, %idx: memref<?xi32>, %w: memref<4x128x256xf8E4M3FN>, %o: memref<5xi32>,
                           %as: memref<?x2xf32>, %ws: memref<4x1x2xf32>, %y: memref<?x128xbf16>) {
  moe.grouped_matmul %a[%idx], %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (memref<?x256xf8E4M3FN>, memref<?xi32>, memref<4x128x256xf8E4M3FN>, memref<5xi32>, memref<?x2xf32>,
         memref<4x1x2xf32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// fp8_channel with a tiled configuration (the heuristic still gives it the
// simple kernel until this kernel has run on a GPU): the fp8 K loop of
// fp8_block without the promotion (the MMAs accumulate across K steps), the
// scales in the epilogue (tile_store dequant, with the expert).
// CHECK-LABEL: func.func @channel_tiled
//  CHECK-SAME: (%{{.*}}: memref<?x512xf8E4M3FN>, %{{.*}}: memref<4x256x512xf8E4M3FN>, %{{.*}}: memref<5xi32>, %[[AS:.*]]: memref<?x1xf32>, %[[WS:.*]]: memref<4x256xf32>, %{{.*}}: memref<?x128xbf16>)
//       CHECK:   gpu.launch
//       CHECK:     scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<128x128xf32>) {
//       CHECK:       %[[NEXT:.*]] = moe.tile_mma %{{.*}}, %{{.*}}, %[[ACC]] warpgroup
//   CHECK-NOT:       moe.tile_scale_accumulate
//       CHECK:       scf.yield %[[NEXT]]
//       CHECK:     moe.tile_store {{.*}} epilogue = silu_and_mul dequant(%[[AS]] : memref<?x1xf32>, %[[WS]] : memref<4x256xf32>) expert
func.func @channel_tiled(%a: memref<?x512xf8E4M3FN>, %w: memref<4x256x512xf8E4M3FN>, %o: memref<5xi32>,
                         %as: memref<?x1xf32>, %ws: memref<4x256xf32>, %y: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 6>}
      : (memref<?x512xf8E4M3FN>, memref<4x256x512xf8E4M3FN>, memref<5xi32>, memref<?x1xf32>, memref<4x256xf32>, memref<?x128xbf16>) -> ()
  return
}
