// RUN: moe-opt %s --moe-tile-grouped-matmul --split-input-file | FileCheck %s

// kernel = stream, gated, K = 2048 (256 chunks of 8: slots of 32 lanes,
// one a warp, two columns a unit, 8 chunk steps a thread): no schedule
// buffer and no TMA rules (no tiled entry); the stream kernel's host check
// (16-byte accesses, K a nonzero multiple of 8, at most 1024 experts, rows
// within i32) picks one launch of at most 132 blocks of 512 threads (one a
// warp's units, ceil(units / 16) blocks), else the simple kernel. In the
// launch: the experts with rows listed by warp ballots (with their rows),
// the offsets' monotony reduced over the block; then each warp's units of (listed
// expert, column group), each a loop over the expert's rows 4 at a time
// (a pass of one row built apart: one A row, not one and three stand-ins):
// the 4 W rows (gate and up of two columns) in 16-byte loads, two steps'
// loads before their products, each A row's chunk (a stand-in row past the
// expert's last) times them in f32 FMAs with no branch, the sums added by
// 5 xor shuffles, the epilogue per (row, column) by one lane each, with no
// barrier; non-monotone offsets run the simple kernel's code in the same
// launch.
// CHECK-LABEL: func.func @stream_gated
//   CHECK-NOT:   memref.alloc
//   CHECK-NOT:   scf.if
//       CHECK:     arith.cmpi eq, %{{.*}}, %c0{{.*}} : index
//       CHECK:     arith.cmpi ne, %{{.*}}, %c0{{.*}} : index
//       CHECK:     arith.cmpi ule, %{{.*}}, %c1024 : index
//       CHECK:     arith.cmpi ult, %{{.*}}, %c2147483648 : index
//       CHECK:     scf.if
//       CHECK:       arith.ceildivui %{{.*}}, %c16 : index
//       CHECK:       arith.minui %{{.*}}, %c132 : index
//       CHECK:       gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c512{{.*}} workgroup(%[[LIST:.*]] : memref<3072xi32, #gpu.address_space<workgroup>>, %[[COUNTS:.*]] : memref<16xi32, #gpu.address_space<workgroup>>)
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
//       CHECK:             %[[LO:.*]] = memref.load %[[LIST]]
//       CHECK:             %[[HI:.*]] = memref.load %[[LIST]]
//   CHECK-NOT:             memref.load %arg2
//       CHECK:             scf.for %[[ROW:.*]] = %{{.*}} to %[[END:.*]] step %c4
//       CHECK:               %[[LEFT:.*]] = arith.subi %[[END]], %[[ROW]] : index
//       CHECK:               %[[ONE:.*]] = arith.cmpi eq, %[[LEFT]], %c1{{.*}} : index
//       CHECK:               scf.if %[[ONE]] {
//   CHECK-NOT:                 scf.if
//   CHECK-NOT:                 gpu.barrier
// CHECK-COUNT-8:                 vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<8x512x2048xbf16>, vector<8xbf16>
//       CHECK:                 vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<?x2048xbf16>, vector<8xbf16>
// CHECK-COUNT-32:                math.fma
//       CHECK:                 vector.load %arg0[
// CHECK-COUNT-32:                math.fma
//   CHECK-NOT:                 vector.load %arg0[
//       CHECK:                 vector.load %arg1[
//   CHECK-NOT:                 gpu.barrier
// CHECK-COUNT-5:                 gpu.shuffle  xor
//       CHECK:                 scf.for %{{.*}} = %{{.*}} to %c2{{.*}} step %c32
//       CHECK:                   arith.divf
//       CHECK:                   memref.store %{{.*}}, %arg3
//       CHECK:               } else {
//   CHECK-NOT:                 scf.if
//   CHECK-NOT:                 gpu.barrier
// CHECK-COUNT-8:                 vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<8x512x2048xbf16>, vector<8xbf16>
// CHECK-COUNT-4:                 vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<?x2048xbf16>, vector<8xbf16>
//   CHECK-NOT:                 scf.if
//   CHECK-NOT:                 gpu.barrier
// CHECK-COUNT-5:                 gpu.shuffle  xor
//       CHECK:                 scf.for %{{.*}} = %{{.*}} to %c8{{.*}} step %c32
//       CHECK:                   scf.if
//       CHECK:                     arith.select
//       CHECK:                     arith.divf
//       CHECK:                     memref.store %{{.*}}, %arg3
//   CHECK-NOT:               gpu.barrier
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

// K = 48 (six chunks): slots of 8 lanes, 4 a warp, 8 columns a unit;
// the sums of a slot are added by 3 xor shuffles within its 8 lanes.
// Gathered rows: each row's A row is row_index[r] / 3.
// CHECK-LABEL: func.func @stream_small_k_gathered
//       CHECK:   gpu.launch {{.*}} workgroup({{.*}} : memref<3072xi32, #gpu.address_space<workgroup>>, {{.*}} : memref<16xi32, #gpu.address_space<workgroup>>)
//       CHECK:     arith.divui %{{.*}}, %c8{{.*}} : index
//       CHECK:     arith.remui %{{.*}}, %c8{{.*}} : index
//       CHECK:     memref.load %arg1[
//       CHECK:     arith.divui %{{.*}}, %c3_i64 : i64
// A lane's chunk past K (8 lanes over 6 chunks) reads the last chunk
// instead and skips its products.
//       CHECK:     %[[INK:.*]] = arith.cmpi ult, %[[CHUNK:.*]], %[[CHUNKS:.*]] : index
//       CHECK:     %[[LAST:.*]] = arith.subi %[[CHUNKS]], %c1{{.*}} : index
//       CHECK:     arith.minui %[[CHUNK]], %[[LAST]] : index
//       CHECK:     vector.load %arg2[
//       CHECK:     scf.if %[[INK]] -> (f32, f32)
//       CHECK:       math.fma
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

// -----

// Weight-only with scales of a's type (bf16): the int4 values of a 32-bit
// word are dequantized two at a time, elements i and i + 4 of the word:
// their nibbles (bits [4i, 4i + 4) and [4i + 16, 4i + 20)) or-ed into a
// pair of bf16 128.0 (0x4300), 128 + zero subtracted and the scale
// multiplied in bf16 pairs (one rounding, as in f32), then widened.
// CHECK-LABEL: func.func @stream_w4a16_zp_bf16_scales
//       CHECK:   gpu.launch
//       CHECK:     %[[RAW:.*]] = vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<4x64x128xi8>, vector<16xi8>
//       CHECK:     %[[WORDS:.*]] = vector.bitcast %[[RAW]] : vector<16xi8> to vector<4xi32>
//       CHECK:     %[[WORD:.*]] = vector.extract %[[WORDS]][0] : i32 from vector<4xi32>
//       CHECK:     %[[ZERO:.*]] = arith.sitofp %{{.*}} : i32 to f32
//       CHECK:     %[[OFFSET:.*]] = arith.addf %[[ZERO]], %cst{{.*}} : f32
//       CHECK:     %[[OFFSET16:.*]] = arith.truncf %[[OFFSET]] : f32 to bf16
//       CHECK:     %[[OFFSETS:.*]] = vector.broadcast %[[OFFSET16]] : bf16 to vector<2xbf16>
//       CHECK:     %[[SCALES:.*]] = vector.broadcast %{{.*}} : bf16 to vector<2xbf16>
//       CHECK:     %[[NIBBLES:.*]] = arith.andi %[[WORD]], %c983055_i32 : i32
//       CHECK:     %[[BIASED:.*]] = arith.ori %[[NIBBLES]], %c1124090624_i32 : i32
//       CHECK:     %[[PAIR:.*]] = vector.bitcast %{{.*}} : vector<1xi32> to vector<2xbf16>
//       CHECK:     %[[CENTRED:.*]] = arith.subf %[[PAIR]], %[[OFFSETS]] : vector<2xbf16>
//       CHECK:     arith.mulf %[[CENTRED]], %[[SCALES]] : vector<2xbf16>
//       CHECK:     arith.shrui %[[WORD]], %c4_i32
//       CHECK:     math.fma
func.func @stream_w4a16_zp_bf16_scales(%a: memref<?x256xbf16>, %w: memref<4x64x128xi8>, %offsets: memref<5xi32>,
                                       %ws: memref<4x64x2xbf16>, %wz: memref<4x64x2xi8>, %out: memref<?x32xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul quant = w4a16_zp group_size = 128 w_scale(%ws) w_zero(%wz) outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (memref<?x256xbf16>, memref<4x64x128xi8>, memref<5xi32>, memref<4x64x2xbf16>, memref<4x64x2xi8>, memref<?x32xbf16>) -> ()
  return
}

// -----

// stream_columns = 1: units of one output column (twice as many units as
// with the default 2, each a warp's), so a warp issues the gate and up
// rows of one column for each of two steps (4 W loads a batch, not 8), and
// one lane of the slot stores the one-row pass's output, four lanes the
// four-row pass's.
// CHECK-LABEL: func.func @stream_one_column
//       CHECK:   arith.ceildivui %{{.*}}, %c1{{(_[0-9]+)?}} : index
//       CHECK:   arith.ceildivui %{{.*}}, %c16 : index
//       CHECK:   gpu.launch
//       CHECK:               scf.if
// CHECK-COUNT-4:                 vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<8x512x2048xbf16>, vector<8xbf16>
//   CHECK-NOT:                 vector.load %arg1[
//       CHECK:                 vector.load %arg0[
//       CHECK:                 scf.for %{{.*}} = %{{.*}} to %c1{{(_[0-9]+)?}} step %c32
//       CHECK:               } else {
//       CHECK:                 scf.for %{{.*}} = %{{.*}} to %c4{{(_[0-9]+)?}} step %c32
func.func @stream_one_column(%a: memref<?x2048xbf16>, %w: memref<8x512x2048xbf16>, %offsets: memref<9xi32>,
                             %out: memref<?x256xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream, stream_columns = 1>}
      : (memref<?x2048xbf16>, memref<8x512x2048xbf16>, memref<9xi32>, memref<?x256xbf16>) -> ()
  return
}
