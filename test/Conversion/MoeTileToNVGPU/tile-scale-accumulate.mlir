// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --split-input-file | FileCheck %s
// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --convert-nvgpu-to-nvvm --reconcile-unrealized-casts --split-input-file | FileCheck %s --check-prefix=NVVM

// The fp8 block-scale promotion on a 64 x 16 tile (8 registers a thread):
// a warpgroup with rows reads the activation scale of each of its thread's
// two rows (none past `rows`), one weight scale per 8-column group (block
// row (w_row + 8 g) / 128, clamped to w_scale's last block), multiplies
// them once per (row, group) and adds each register of the partial sums
// times its scale to the accumulator with one fma.
// CHECK-LABEL: func.func @promote
//       CHECK:   %[[ACC:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !nvgpu.warpgroup.accumulator<fragmented = vector<64x16xf32>> to !llvm.struct<(struct<(f32, f32, f32, f32, f32, f32, f32, f32)>)>
//       CHECK:   %[[PART:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !nvgpu.warpgroup.accumulator<fragmented = vector<64x16xf32>> to !llvm.struct<(struct<(f32, f32, f32, f32, f32, f32, f32, f32)>)>
//       CHECK:   %[[ACTIVE:.*]] = arith.cmpi ult, %{{.*}}, %[[ROWS:.*]] : index
//       CHECK:   %[[R:.*]] = scf.if %[[ACTIVE]] -> (!llvm.struct
//       CHECK:     %[[ROW0:.*]] = arith.cmpi ult, %{{.*}}, %[[ROWS]] : index
//       CHECK:     %[[AS0:.*]] = scf.if %[[ROW0]] -> (f32) {
//       CHECK:       memref.load %{{.*}}[%{{.*}}, %[[KB:.*]]] : memref<?x?xf32>
//       CHECK:     %[[AS1:.*]] = scf.if
//       CHECK:     %[[BLOCKS:.*]] = memref.dim %[[WS:.*]], %c1
//       CHECK:     %[[G0ROW:.*]] = arith.addi %[[WROW:.*]], %c0
//       CHECK:     %[[C128:.*]] = arith.constant 128 : index
//       CHECK:     %[[G0BLOCK:.*]] = arith.divui %[[G0ROW]], %[[C128]]
//       CHECK:     %[[G0CLAMP:.*]] = arith.minui %[[G0BLOCK]], %{{.*}}
//       CHECK:     %[[WS0:.*]] = memref.load %[[WS]][%[[E:.*]], %[[G0CLAMP]], %[[KB]]] : memref<?x?x?xf32>
//       CHECK:     %[[S00:.*]] = arith.mulf %[[AS0]], %[[WS0]] : f32
//       CHECK:     %[[P0:.*]] = llvm.extractvalue %[[PART]][0, 0]
//       CHECK:     %[[A0:.*]] = llvm.extractvalue %[[ACC]][0, 0]
//       CHECK:     %[[F0:.*]] = math.fma %[[P0]], %[[S00]], %[[A0]] : f32
//       CHECK:     llvm.insertvalue %[[F0]], %{{.*}}[0, 0]
//       CHECK:     arith.mulf %[[AS1]], %[[WS0]] : f32
//       CHECK:     %[[C8:.*]] = arith.constant 8 : index
//       CHECK:     arith.addi %[[WROW]], %[[C8]]
//       CHECK:     memref.load %[[WS]]
//   CHECK-COUNT-4: math.fma
//   CHECK-NOT:     math.fma
//       CHECK:     scf.yield
//       CHECK:   } else {
//       CHECK:     scf.yield %[[ACC]]
//       CHECK:   builtin.unrealized_conversion_cast %[[R]] : {{.*}} to !nvgpu.warpgroup.accumulator<fragmented = vector<64x16xf32>>
// NVVM-LABEL: func.func @promote
//   NVVM-COUNT-8: math.fma
//   NVVM-NOT: moe.tile_scale_accumulate
func.func @promote(%out: memref<?x16xbf16>, %as: memref<?x?xf32>, %ws: memref<?x?x?xf32>,
                   %row: index, %rows: index, %kb: index, %e: index, %n0: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>
    %tw = moe.tile_alloc : memref<16x128xf8E4M3FN, #gpu.address_space<workgroup>>
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x16xf32>
    %p = moe.tile_mma %ta, %tw, %zero warpgroup %c0
        : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>,
          memref<16x128xf8E4M3FN, #gpu.address_space<workgroup>> -> vector<64x16xf32>
    %pd = moe.tile_mma_wait %p : vector<64x16xf32>
    %acc = moe.tile_scale_accumulate %pd, %zero warpgroup %c0 rows %rows
        a_scale(%as : memref<?x?xf32>) [%row, %kb] w_scale(%ws : memref<?x?x?xf32>) [%e]
        w_row %n0 : vector<64x16xf32>
    moe.tile_store %acc warpgroup %c0 into %out[%row, %c0] rows %rows
        : vector<64x16xf32>, memref<?x16xbf16>
    gpu.terminator
  }
  return
}

// -----

// A gated tile: its first half of 8-column groups reads the weight scales
// from w_row on, its second from up_row on.
// CHECK-LABEL: func.func @gated_interleaved
//  CHECK-SAME:   %[[N0:[a-z0-9]+]]: index, %[[N1:[a-z0-9]+]]: index)
//       CHECK:   arith.addi %[[N0]], %c0
//       CHECK:   memref.load
//       CHECK:   arith.addi %[[N1]], %c0
//       CHECK:   memref.load
func.func @gated_interleaved(%out: memref<?x8xbf16>, %as: memref<?x?xf32>, %ws: memref<?x?x?xf32>,
                             %row: index, %rows: index, %kb: index, %e: index, %n0: index, %n1: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x16xf32>
    %acc = moe.tile_scale_accumulate %zero, %zero warpgroup %c0 rows %rows
        a_scale(%as : memref<?x?xf32>) [%row, %kb] w_scale(%ws : memref<?x?x?xf32>) [%e]
        w_row %n0 up_row %n1 w_row_stride = 2 : vector<64x16xf32>
    moe.tile_store %acc warpgroup %c0 into %out[%row, %c0] rows %rows epilogue = silu_and_mul
        : vector<64x16xf32>, memref<?x8xbf16>
    gpu.terminator
  }
  return
}
