// RUN: moe-opt %s --moe-tile-grouped-matmul --split-input-file | FileCheck %s

// kernel = stream, gated, K = 2048 (256 chunks of 8: one slot of 256
// threads, two columns a unit, one chunk step a thread): no schedule
// buffer and no TMA rules (no tiled entry); the stream kernel's host check (16-byte accesses, K a multiple of 8, at
// most 1024 experts, rows within i32) picks one launch of at most 4 * 132
// blocks of 256 threads, else the simple kernel. In the launch: the
// experts with rows listed by warp ballots, the offsets' monotony reduced
// over the block; then units of (listed expert, column group), each a loop
// over the expert's rows 4 at a time: the 4 W rows (gate and up of two
// columns) in 16-byte loads, each live A row's chunk times them in f32
// FMAs, the sums added by 5 xor shuffles (32-lane groups) and across the
// warps in shared memory, the epilogue per (row, column); non-monotone
// offsets run the simple kernel's code in the same launch.
// CHECK-LABEL: func.func @stream_gated
//   CHECK-NOT:   memref.alloc
//   CHECK-NOT:   scf.if
//       CHECK:     arith.cmpi eq, %{{.*}}, %c0{{.*}} : index
//       CHECK:     arith.cmpi ule, %{{.*}}, %c1024 : index
//       CHECK:     arith.cmpi ult, %{{.*}}, %c2147483648 : index
//       CHECK:     scf.if
//       CHECK:       arith.minui %{{.*}}, %c528 : index
//       CHECK:       gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256{{.*}} workgroup(%[[LIST:.*]] : memref<1024xi32, #gpu.address_space<workgroup>>, %[[COUNTS:.*]] : memref<8xi32, #gpu.address_space<workgroup>>, %[[PARTIALS:.*]] : memref<128xf32, #gpu.address_space<workgroup>>)
//       CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (i32, i32)
//       CHECK:           nvvm.vote.sync  ballot
//       CHECK:           math.ctpop
//       CHECK:           memref.store %{{.*}}, %[[COUNTS]]
//       CHECK:           gpu.barrier
//       CHECK:           memref.store %{{.*}}, %[[LIST]]
//       CHECK:           gpu.barrier
//       CHECK:         gpu.all_reduce  maxui
//       CHECK:         scf.if
//       CHECK:           scf.for
//       CHECK:             memref.store %{{.*}}, %arg3
//       CHECK:           scf.for
//       CHECK:             memref.load %[[LIST]]
//       CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4
//       CHECK:               scf.if %{{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-4:               vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<8x512x2048xbf16>, vector<8xbf16>
//       CHECK:                 scf.if %{{.*}} -> (f32, f32, f32, f32)
//       CHECK:                   vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<?x2048xbf16>, vector<8xbf16>
// CHECK-COUNT-32:                math.fma
// CHECK-COUNT-5:               gpu.shuffle  xor
//       CHECK:               memref.store %{{.*}}, %[[PARTIALS]]
//       CHECK:               gpu.barrier
//       CHECK:               scf.for
//       CHECK:                 memref.load %[[PARTIALS]]
//       CHECK:                 arith.divf
//       CHECK:                 memref.store %{{.*}}, %arg3
//       CHECK:               gpu.barrier
//       CHECK:         } else {
//       CHECK:           gpu.all_reduce  minui
//       CHECK:       } else {
//       CHECK:         gpu.launch
//   CHECK-NOT:   gpu.launch
func.func @stream_gated(%a: memref<?x2048xbf16>, %w: memref<8x512x2048xbf16>, %offsets: memref<9xi32>,
                        %out: memref<?x256xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (memref<?x2048xbf16>, memref<8x512x2048xbf16>, memref<9xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

// K = 48 (six chunks): slots of 8 threads, 32 slots, 64 columns a unit;
// the sums of a slot are added by 3 xor shuffles within its 8 lanes.
// Gathered rows: each row's A row is row_index[r] / 3.
// CHECK-LABEL: func.func @stream_small_k_gathered
//       CHECK:   gpu.launch {{.*}} workgroup({{.*}}, {{.*}}, %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>)
//       CHECK:     arith.divui %{{.*}}, %c8{{.*}} : index
//       CHECK:     arith.remui %{{.*}}, %c8{{.*}} : index
//       CHECK:     memref.load %arg1[
//       CHECK:     arith.divui %{{.*}}, %c3_i64 : i64
//   CHECK-NOT:     gpu.shuffle  xor %{{[^,]*}}, %c8_i32
//       CHECK:     gpu.shuffle  xor %{{[^,]*}}, %c4_i32{{(_[0-9]+)?}},
//       CHECK:     gpu.shuffle  xor %{{[^,]*}}, %c2_i32{{(_[0-9]+)?}},
//       CHECK:     gpu.shuffle  xor %{{[^,]*}}, %c1_i32{{(_[0-9]+)?}},
//       CHECK:     gpu.shuffle  xor %{{[^,]*}}, %c4_i32{{(_[0-9]+)?}},
//       CHECK:   gpu.terminator
func.func @stream_small_k_gathered(%x: memref<?x48xf16>, %rows: memref<?xi32>, %w: memref<4x72x48xf16>,
                                   %offsets: memref<5xi32>, %out: memref<?x72xf16>) {
  moe.grouped_matmul %x[%rows], %w, %offsets outs(%out)
      {index_divisor = 3 : i64, moe.config = #moe.gemm_config<kernel = stream>}
      : (memref<?x48xf16>, memref<?xi32>, memref<4x72x48xf16>, memref<5xi32>, memref<?x72xf16>) -> ()
  return
}

// -----

// A list: the stream kernel below 64 rows, the tiled kernel (its schedule,
// GEMM and fallback launches) from there; the schedule buffer is for the
// tiled entry.
// CHECK-LABEL: func.func @stream_then_tiled
//       CHECK:   memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK:   scf.if
//       CHECK:     arith.cmpi uge, %{{.*}}, %c64{{.*}} : index
//       CHECK:     scf.if
//       CHECK:       gpu.launch
//       CHECK:       gpu.launch
//       CHECK:         moe.tile_mma
//       CHECK:       gpu.launch
//       CHECK:     } else {
//       CHECK:       scf.if
//       CHECK:         gpu.launch
//       CHECK:           nvvm.vote.sync  ballot
//       CHECK:       } else {
//       CHECK:         gpu.launch
func.func @stream_then_tiled(%a: memref<?x1024xbf16>, %w: memref<8x256x1024xbf16>, %offsets: memref<9xi32>,
                             %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul outs(%out)
      {moe.config = [#moe.gemm_config<kernel = stream>,
                     #moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, min_rows = 64>]}
      : (memref<?x1024xbf16>, memref<8x256x1024xbf16>, memref<9xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// Weight-only (w4a16_zp, groups of 128): a 16-byte W load holds 32 int4
// values along K (byte k / 2 of the row); each W row's chunk has one group
// scale and zero point; the 8 values of a sub-chunk are unpacked (element
// 2j in the low nibble, 2j + 1 in the high), centred, scaled in f32 and
// rounded to a's type, then multiplied with the A row's 8 elements.
// CHECK-LABEL: func.func @stream_w4a16_zp
//       CHECK:   gpu.launch
//       CHECK:     %[[KK:.*]] = arith.muli %{{.*}}, %c32{{.*}} : index
//       CHECK:     %[[BYTE:.*]] = arith.divui %[[KK]], %c2{{.*}} : index
//       CHECK:     %[[RAW:.*]] = vector.load %arg1[%{{.*}}, %{{.*}}, %[[BYTE]]] {alignment = 16 : i64} : memref<4x64x128xi8>, vector<16xi8>
//       CHECK:     %[[GROUP:.*]] = arith.divui %[[KK]], %c128{{.*}} : index
//       CHECK:     %[[SCALE:.*]] = memref.load %arg3[%{{.*}}, %{{.*}}, %[[GROUP]]] : memref<4x64x2xf32>
//       CHECK:     %[[ZP:.*]] = memref.load %arg4[%{{.*}}, %{{.*}}, %[[GROUP]]] : memref<4x64x2xi8>
//       CHECK:     %[[ZERO:.*]] = arith.extsi %[[ZP]] : i8 to i32
//       CHECK:     %[[B0:.*]] = vector.extract %[[RAW]][0] : i8 from vector<16xi8>
//       CHECK:     %[[U0:.*]] = arith.extui %[[B0]] : i8 to i32
//       CHECK:     %[[Q0:.*]] = arith.andi %[[U0]], %c15_i32
//       CHECK:     %[[C0:.*]] = arith.subi %[[Q0]], %[[ZERO]] : i32
//       CHECK:     %[[F0:.*]] = arith.sitofp %[[C0]] : i32 to f32
//       CHECK:     %[[S0:.*]] = arith.mulf %[[F0]], %[[SCALE]] : f32
//       CHECK:     arith.truncf %[[S0]] : f32 to bf16
//       CHECK:     %[[B1:.*]] = vector.extract %[[RAW]][0] : i8 from vector<16xi8>
//       CHECK:     %[[U1:.*]] = arith.extui %[[B1]] : i8 to i32
//       CHECK:     %[[H1:.*]] = arith.shrui %[[U1]], %c4_i32
//       CHECK:     arith.andi %[[H1]], %c15_i32
//       CHECK:     vector.load %arg0[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x256xbf16>, vector<8xbf16>
//       CHECK:     math.fma
func.func @stream_w4a16_zp(%a: memref<?x256xbf16>, %w: memref<4x64x128xi8>, %offsets: memref<5xi32>,
                           %ws: memref<4x64x2xf32>, %wz: memref<4x64x2xi8>, %out: memref<?x32xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul quant = w4a16_zp group_size = 128 w_scale(%ws) w_zero(%wz) outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (memref<?x256xbf16>, memref<4x64x128xi8>, memref<5xi32>, memref<4x64x2xf32>, memref<4x64x2xi8>, memref<?x32xbf16>) -> ()
  return
}
