// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s
// The simple path (the tiled TMA/wgmma path is in tile-grouped-matmul.mlir;
// `#moe.gemm_config<kernel = simple>` picks the simple path for 16-bit
// operands).

// Contiguous A, no epilogue: one thread per output element; block b takes
// row b % R and a chunk of blockDim columns. The row's expert is the lowest
// e with offsets[e] <= r < offsets[e+1] (threads split the scan, a
// block-wide min agrees on it), inside [offsets[0], offsets[E]); then an f32
// K loop over A's row and the expert's weight row, rounded once.
// CHECK-LABEL: func.func @contiguous
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<4x128x64xbf16>, %[[OFF:.*]]: memref<5xi32>, %[[O:.*]]: memref<?x128xbf16>)
//       CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in ({{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BS:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
//       CHECK:   %[[ROW:.*]] = arith.remui %[[BX]]
//       CHECK:   %[[CHUNK:.*]] = arith.divui %[[BX]]
//       CHECK:   %[[BASE:.*]] = arith.muli %[[CHUNK]], %[[BS]]
//       CHECK:   %[[COL:.*]] = arith.addi %[[BASE]], %[[TX]]
//       CHECK:   %[[ROWOK:.*]] = arith.cmpi ult, %[[ROW]]
//       CHECK:   scf.if %[[ROWOK]] {
//       CHECK:     memref.load %[[OFF]]
//       CHECK:     memref.load %[[OFF]]
//       CHECK:     %[[SCAN:.*]] = scf.for %[[E:.*]] = %[[TX]] to %{{.*}} step %[[BS]] iter_args(%{{.*}} = %{{.*}}) -> (i32) {
//       CHECK:       memref.load %[[OFF]][%[[E]]]
//       CHECK:       memref.load %[[OFF]]
//       CHECK:       arith.minui
//       CHECK:     %[[LOWEST:.*]] = gpu.all_reduce minui %[[SCAN]] uniform
//       CHECK:     %[[EXPERT:.*]] = arith.index_castui %[[LOWEST]] : i32 to index
//       CHECK:     %[[COLOK:.*]] = arith.cmpi ult, %[[COL]]
//       CHECK:     scf.if %[[COLOK]] {
//       CHECK:       %[[V:.*]] = scf.if %{{.*}} -> (f32) {
//       CHECK:         %[[ACC:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:.*]] = %{{.*}}) -> (f32) {
//       CHECK:           memref.load %[[A]][%[[ROW]], %[[K]]]
//       CHECK:           memref.load %[[W]][%[[EXPERT]], %[[COL]], %[[K]]]
//       CHECK:           arith.mulf
//       CHECK:           arith.addf %[[S]]
//       CHECK:         scf.yield %[[ACC]] : f32
//       CHECK:       } else {
//       CHECK:         arith.constant 0.000000e+00 : f32
//       CHECK:       %[[T:.*]] = arith.truncf %[[V]] : f32 to bf16
//       CHECK:       memref.store %[[T]], %[[O]][%[[ROW]], %[[COL]]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: moe.grouped_matmul
func.func @contiguous(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %offsets: memref<5xi32>,
                      %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out) {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// Gathered A: row a[row_index[r] / index_divisor]; a negative or
// out-of-range index gives a zero row.
// CHECK-LABEL: func.func @gathered
//  CHECK-SAME: (%[[X:.*]]: memref<?x2048xbf16>, %[[RI:.*]]: memref<?xi32>, %[[W:.*]]: memref<8x256x2048xbf16>, %[[OFF:.*]]: memref<9xi32>, %[[O:.*]]: memref<?x256xbf16>)
//       CHECK: %[[M:.*]] = memref.dim %[[X]], %{{.*}}
//       CHECK: gpu.launch
//       CHECK:   gpu.all_reduce minui
//       CHECK:   %[[IDX32:.*]] = memref.load %[[RI]]
//       CHECK:   %[[IDX:.*]] = arith.extsi %[[IDX32]] : i32 to i64
//       CHECK:   %[[DIV:.*]] = arith.constant 8 : i64
//       CHECK:   %[[SRC:.*]] = arith.divui %[[IDX]], %[[DIV]] : i64
//       CHECK:   arith.cmpi sge, %[[IDX]]
//       CHECK:   %[[M64:.*]] = arith.index_castui %[[M]] : index to i64
//       CHECK:   arith.cmpi ult, %[[SRC]], %[[M64]] : i64
//       CHECK:   %[[AROW:.*]] = arith.index_castui %[[SRC]] : i64 to index
//       CHECK:   scf.for
//       CHECK:     memref.load %[[X]][%[[AROW]], %{{.*}}]
//       CHECK:     memref.load %[[W]]
//       CHECK:   memref.store %{{.*}}, %[[O]]
func.func @gathered(%x: memref<?x2048xbf16>, %slots: memref<?xi32>, %w: memref<8x256x2048xbf16>,
                    %offsets: memref<9xi32>, %out: memref<?x256xbf16>) {
  moe.grouped_matmul %x[%slots], %w, %offsets outs(%out) {index_divisor = 8 : i64, moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x2048xbf16>, memref<?xi32>, memref<8x256x2048xbf16>, memref<9xi32>,
         memref<?x256xbf16>) -> ()
  return
}

// -----

// SwiGLU epilogue and per-row scale: one K loop carries acc[n] (gate half)
// and acc[n + N/2] (up half); silu(gate) * up, then * scale[r].
// CHECK-LABEL: func.func @silu_and_mul_scale
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<4x128x64xbf16>, %[[OFF:.*]]: memref<5xi32>, %[[RW:.*]]: memref<?xf32>, %[[O:.*]]: memref<?x64xbf16>)
//       CHECK: %[[HALF:.*]] = arith.divui
//       CHECK: gpu.launch
//       CHECK:   gpu.all_reduce minui
//       CHECK:   scf.if %{{.*}} -> (f32) {
//       CHECK:     %[[UPCOL:.*]] = arith.addi %[[COL:.*]], %[[HALF]]
//       CHECK:     %[[ACC:.*]]:2 = scf.for {{.*}} -> (f32, f32) {
//       CHECK:       memref.load %[[W]][%{{.*}}, %[[COL]], %{{.*}}]
//       CHECK:       memref.load %[[W]][%{{.*}}, %[[UPCOL]], %{{.*}}]
//       CHECK:     arith.mulf %[[ACC]]#0, %{{.*}} : f32
//       CHECK:     math.exp2
//       CHECK:     %[[SILU:.*]] = arith.divf %[[ACC]]#0, %{{.*}} fastmath<afn>
//       CHECK:     %[[GATED:.*]] = arith.mulf %[[SILU]], %[[ACC]]#1
//       CHECK:     %[[SCALE:.*]] = memref.load %[[RW]]
//       CHECK:     arith.mulf %[[GATED]], %[[SCALE]]
//       CHECK:   memref.store %{{.*}}, %[[O]][%{{.*}}, %[[COL]]]
func.func @silu_and_mul_scale(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                              %offsets: memref<5xi32>, %rw: memref<?xf32>,
                              %out: memref<?x64xbf16>) {
  moe.grouped_matmul %a, %w, %offsets scale(%rw) epilogue = silu_and_mul outs(%out) {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?xf32>,
         memref<?x64xbf16>) -> ()
  return
}

// -----

// Bias [E, N] of the row's expert, added to the f32 accumulator before the
// epilogue; f32 output (no rounding op).
// CHECK-LABEL: func.func @bias
//  CHECK-SAME: (%[[A:.*]]: memref<8x16xbf16>, %[[W:.*]]: memref<2x32x16xbf16>, %[[OFF:.*]]: memref<3xi32>, %[[B:.*]]: memref<2x32xbf16>, %[[O:.*]]: memref<8x32xf32>)
//       CHECK: gpu.launch
//       CHECK:   %[[EXPERT:.*]] = arith.index_castui %{{.*}} : i32 to index
//       CHECK:   %[[ACC:.*]] = scf.for
//       CHECK:   %[[BIAS16:.*]] = memref.load %[[B]][%[[EXPERT]], %[[COL:.*]]]
//       CHECK:   %[[BIAS:.*]] = arith.extf %[[BIAS16]] : bf16 to f32
//       CHECK:   arith.addf %[[ACC]], %[[BIAS]]
//   CHECK-NOT:   arith.truncf
//       CHECK:   memref.store %{{.*}}, %[[O]]
func.func @bias(%a: memref<8x16xbf16>, %w: memref<2x32x16xbf16>, %offsets: memref<3xi32>,
                %bias: memref<2x32xbf16>, %out: memref<8x32xf32>) {
  moe.grouped_matmul %a, %w, %offsets bias(%bias) outs(%out) {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<8x16xbf16>, memref<2x32x16xbf16>, memref<3xi32>, memref<2x32xbf16>,
         memref<8x32xf32>) -> ()
  return
}

// -----

// Exact-erf GELU from fma/exp only (math.erf needs libdevice): a polynomial
// for small |x|, 1 - exp(poly) beyond 0.921875, selected by |x|.
// CHECK-LABEL: func.func @gelu_and_mul
//       CHECK: gpu.launch
//       CHECK:   %[[ACC:.*]]:2 = scf.for
//       CHECK:   %[[X:.*]] = arith.mulf %[[ACC]]#0, %{{.*}} : f32
//       CHECK:   %[[ABS:.*]] = math.absf %[[X]]
//       CHECK:   math.fma
//       CHECK:   %[[SMALL:.*]] = math.fma %{{.*}}, %[[X]], %[[X]] : f32
//       CHECK:   math.fma
//       CHECK:   math.exp
//       CHECK:   %[[LARGE:.*]] = math.copysign %{{.*}}, %[[X]]
//       CHECK:   %[[BIG:.*]] = arith.cmpf ogt, %[[ABS]]
//       CHECK:   %[[ERF:.*]] = arith.select %[[BIG]], %[[LARGE]], %[[SMALL]]
//       CHECK:   arith.addf %{{.*}}, %[[ERF]]
//       CHECK:   arith.mulf %{{.*}}, %[[ACC]]#1
//       CHECK:   arith.truncf %{{.*}} : f32 to f16
//   CHECK-NOT: math.erf
func.func @gelu_and_mul(%a: memref<?x?xf16>, %w: memref<?x?x?xf16>, %offsets: memref<?xi32>,
                        %out: memref<?x?xf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = gelu_and_mul outs(%out) {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x?xf16>, memref<?x?x?xf16>, memref<?xi32>, memref<?x?xf16>) -> ()
  return
}

// -----

// mot_linear: the row's weights are picked by its type id (no offsets scan,
// no block-wide reduction); ids outside [0, G) give zero rows.
// CHECK-LABEL: func.func @mot_linear_bias
//  CHECK-SAME: (%[[X:.*]]: memref<?x3584xbf16>, %[[W:.*]]: memref<2x4608x3584xbf16>, %[[T:.*]]: memref<?xi32>, %[[B:.*]]: memref<2x4608xbf16>, %[[O:.*]]: memref<?x4608xbf16>)
//       CHECK: gpu.launch
//   CHECK-NOT:   gpu.all_reduce
//       CHECK:   %[[TYPE32:.*]] = memref.load %[[T]][%[[ROW:.*]]]
//       CHECK:   %[[TYPE:.*]] = arith.extsi %[[TYPE32]] : i32 to i64
//       CHECK:   %[[GE:.*]] = arith.cmpi sge, %[[TYPE]]
//       CHECK:   %[[LT:.*]] = arith.cmpi slt, %[[TYPE]]
//       CHECK:   %[[OK:.*]] = arith.andi %[[GE]], %[[LT]]
//       CHECK:   %[[G:.*]] = arith.index_castui %[[TYPE]] : i64 to index
//       CHECK:   scf.if %[[OK]] -> (f32) {
//       CHECK:     scf.for
//       CHECK:       memref.load %[[X]][%[[ROW]], %{{.*}}]
//       CHECK:       memref.load %[[W]][%[[G]], %[[COL:.*]], %{{.*}}]
//       CHECK:     memref.load %[[B]][%[[G]], %[[COL]]]
//       CHECK:   memref.store %{{.*}}, %[[O]][%[[ROW]], %[[COL]]]
//   CHECK-NOT: moe.mot_linear
func.func @mot_linear_bias(%x: memref<?x3584xbf16>, %w: memref<2x4608x3584xbf16>,
                           %types: memref<?xi32>, %b: memref<2x4608xbf16>,
                           %out: memref<?x4608xbf16>) {
  moe.mot_linear %x, %w, %types bias(%b) outs(%out)
      : (memref<?x3584xbf16>, memref<2x4608x3584xbf16>, memref<?xi32>, memref<2x4608xbf16>,
         memref<?x4608xbf16>) -> ()
  return
}

// -----

// CHECK-LABEL: func.func @mot_linear
//  CHECK-SAME: (%[[X:.*]]: memref<?x?xf32>, %[[W:.*]]: memref<?x?x?xf32>, %[[T:.*]]: memref<?xi32>, %[[O:.*]]: memref<?x?xf32>)
//       CHECK: gpu.launch
//       CHECK:   memref.load %[[T]]
//       CHECK:   %[[ACC:.*]] = scf.for
//       CHECK:     memref.load %[[X]]
//       CHECK:     memref.load %[[W]]
//       CHECK:   scf.yield %[[ACC]] : f32
//       CHECK:   memref.store %{{.*}}, %[[O]]
//       CHECK:   gpu.terminator
func.func @mot_linear(%x: memref<?x?xf32>, %w: memref<?x?x?xf32>, %types: memref<?xi32>,
                      %out: memref<?x?xf32>) {
  moe.mot_linear %x, %w, %types outs(%out)
      : (memref<?x?xf32>, memref<?x?x?xf32>, memref<?xi32>, memref<?x?xf32>) -> ()
  return
}

// -----

// The thread count comes from the #moe.gemm_config's simple_threads.
// CHECK-LABEL: func.func @config
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128{{(_[0-9]+)?}},
func.func @config(%a: memref<8x16xf32>, %w: memref<2x32x16xf32>, %offsets: memref<3xi32>,
                  %out: memref<8x32xf32>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out) {moe.config = #moe.gemm_config<simple_threads = 128>}
      : (memref<8x16xf32>, memref<2x32x16xf32>, memref<3xi32>, memref<8x32xf32>) -> ()
  return
}

