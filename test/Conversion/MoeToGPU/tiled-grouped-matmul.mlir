// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// The tiled path of grouped_matmul (16-bit A and W, expert-contiguous A).
// Host: a schedule buffer, the TMA rules checked at run time (16-byte
// aligned bases, K % 8 == 0, no empty dimension) choosing between
//  - the schedule kernel (one block), the tensor maps (A [R, K] in
//    128 x 64 boxes; W seen as [E, 2, N/2, K] for the gated epilogue so the
//    gate and up halves are separate boxes), the persistent TMA/wgmma kernel
//    and the simple kernel gated on the schedule's fallback flag,
//  - and the simple kernel alone.
// CHECK-LABEL: func.func @silu_and_mul_scale
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<4x128x64xbf16>, %[[OFF:.*]]: memref<5xi32>, %[[RW:.*]]: memref<?xf32>, %[[O:.*]]: memref<?x64xbf16>)
//       CHECK: %[[SCHED:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK: memref.extract_aligned_pointer_as_index %[[W]]
//       CHECK: arith.remui %{{.*}}, %c16
//       CHECK: memref.extract_aligned_pointer_as_index %[[A]]
//       CHECK: arith.remui %{{.*}}, %c16
//       CHECK: arith.remui %{{.*}}, %c8
//       CHECK: scf.if %[[OK:.*]] {
// Schedule kernel: monotone check, segment scan, entries.
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c512, {{.*}}) workgroup(%{{.*}} : memref<512xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4xi32, #gpu.address_space<workgroup>>)
//       CHECK:     arith.cmpi sgt
//       CHECK:     memref.store %{{.*}}, %[[SCHED]]
//       CHECK:     gpu.terminator
// Tensor maps.
//       CHECK:   %[[UA:.*]] = memref.cast %[[A]] : memref<?x64xbf16> to memref<*xbf16>
//       CHECK:   %[[MA:.*]] = nvgpu.tma.create.descriptor %[[UA]] box[%c128{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>
//       CHECK:   %[[PA:.*]] = builtin.unrealized_conversion_cast %[[MA]] {{.*}} to !llvm.ptr
//       CHECK:   %[[VIEW:.*]] = memref.reinterpret_cast %[[W]] {{.*}} sizes: [%{{.*}}, 2, %{{.*}}, %{{.*}}]
//       CHECK:   %[[UW:.*]] = memref.cast %[[VIEW]]
//       CHECK:   %[[MW:.*]] = nvgpu.tma.create.descriptor %[[UW]] box[%c1{{.*}}, %c1{{.*}}, %c128{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   %[[PW:.*]] = builtin.unrealized_conversion_cast %[[MW]]
// GEMM kernel: two warpgroups, a 4-stage ring of 128x64 A + 256x64 W tiles
// (1024 alignment slack + 4 * 48 KiB + 4 mbarriers).
//       CHECK:   %[[SMEM:.*]] = arith.constant 197664 : i32
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256, {{.*}}) dynamic_shared_memory_size %[[SMEM]] {
//       CHECK:     gpu.dynamic_shared_memory
//       CHECK:     nvvm.mbarrier.init
//       CHECK:     gpu.barrier
// Per tile: fill the ring (A box and the gate/up W boxes on one mbarrier).
//       CHECK:     scf.if %{{.*}} -> (index) {
//       CHECK:       nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c49152_i32
//       CHECK:       nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[PA]], %{{.*}}, box[%{{.*}}, %{{.*}}]
//       CHECK:       nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[PW]], %{{.*}}, box[%{{.*}}, %{{.*}}, %c0_i32{{.*}}, %{{.*}}]
//       CHECK:       nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[PW]], %{{.*}}, box[%{{.*}}, %{{.*}}, %c1_i32{{.*}}, %{{.*}}]
// K loop: wait for the slot, four k16 wgmmas, wait for the previous step's,
// free its slot and refill it; after the loop wait for all of them.
//       CHECK:       scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (!llvm.struct<(f32,
//       CHECK:         nvvm.mbarrier.try_wait.parity
//       CHECK:         nvvm.wgmma.fence.aligned
//       CHECK:         nvvm.wgmma.mma_async %{{.*}}, %{{.*}}, %[[ACC]], <m = 64, n = 256, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
//       CHECK:         nvvm.wgmma.mma_async
//       CHECK:         nvvm.wgmma.mma_async
//       CHECK:         nvvm.wgmma.mma_async
//       CHECK:         nvvm.wgmma.commit.group.sync.aligned
//       CHECK:         nvvm.wgmma.wait.group.sync.aligned 1
//       CHECK:         gpu.barrier
//       CHECK:         nvvm.mbarrier.arrive.expect_tx
//       CHECK:       nvvm.wgmma.wait.group.sync.aligned 0
//       CHECK:       gpu.barrier
// Register epilogue: routed weight, then silu(gate) * up with up 64 registers
// further (tileN / 4), each store guarded by the row count and N.
//       CHECK:       memref.load %[[RW]]
//       CHECK:       llvm.extractvalue %{{.*}}[0]
//       CHECK:       llvm.extractvalue %{{.*}}[64]
//       CHECK:       math.exp
//       CHECK:       arith.truncf
//       CHECK:       memref.store %{{.*}}, %[[O]]
//       CHECK:     } else {
// Zero tiles: rows outside [offsets[0], offsets[E]).
//       CHECK:       arith.constant 0.000000e+00 : f32
//       CHECK:       memref.store %{{.*}}, %[[O]]
// The fallback for non-monotone offsets reads the schedule's flag.
//       CHECK:   %[[FLAG:.*]] = memref.subview %[[SCHED]][1] [1] [1]
//       CHECK:   gpu.launch
//       CHECK:     memref.load %[[FLAG]]
//       CHECK: } else {
//       CHECK:   gpu.launch
//   CHECK-NOT: moe.grouped_matmul
func.func @silu_and_mul_scale(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
    %offsets: memref<5xi32>, %rw: memref<?xf32>, %out: memref<?x64xbf16>) {
  moe.grouped_matmul %a, %w, %offsets scale(%rw) epilogue = silu_and_mul outs(%out)
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?xf32>, memref<?x64xbf16>) -> ()
  return
}

// -----

// No epilogue: W [E, N, K] in 1 x tileN x 64 boxes. The configuration sets
// one warpgroup (64-row tiles), 64-column tiles and 3 stages:
// 1024 + 3 * (64 + 64) * 128 + 3 * 8 bytes of shared memory, 128 threads.
// CHECK-LABEL: func.func @config
//       CHECK: nvgpu.tma.create.descriptor %{{.*}} box[%c64{{.*}}, %c64{{.*}}] : memref<*xf16> -> <tensor = memref<64x64xf16
//       CHECK: nvgpu.tma.create.descriptor %{{.*}} box[%c1{{.*}}, %c64{{.*}}, %c64{{.*}}] : memref<*xf16> -> <tensor = memref<1x64x64xf16
//       CHECK: %[[SMEM:.*]] = arith.constant 50200 : i32
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128, {{.*}}) dynamic_shared_memory_size %[[SMEM]]
//       CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
//       CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<2x64xf32>
func.func @config(%a: memref<?x?xf16>, %w: memref<2x?x?xf16>, %offsets: memref<3xi32>,
                  %bias: memref<2x64xf32>, %out: memref<?x64xf32>) {
  moe.grouped_matmul %a, %w, %offsets bias(%bias) outs(%out)
      {moe.config = {warpgroups = 1 : i64, tile_n = 64 : i64, stages = 3 : i64}}
      : (memref<?x?xf16>, memref<2x?x?xf16>, memref<3xi32>, memref<2x64xf32>, memref<?x64xf32>) -> ()
  return
}

// -----

// Operands the tiled kernel cannot take keep the simple kernel: f32
// operands, gathered rows with a bias (a row with an out-of-range index
// must be zero, not the bias), and `tiled = 0`.
// CHECK-LABEL: func.func @simple_only
//   CHECK-NOT: nvgpu.tma.create.descriptor
//   CHECK-NOT: nvvm.wgmma.mma_async
//       CHECK: return
func.func @simple_only(%a32: memref<?x64xf32>, %w32: memref<4x128x64xf32>,
    %wb: memref<4x128x64xbf16>,
    %x: memref<?x64xbf16>, %slots: memref<?xi32>, %b: memref<4x128xbf16>,
    %offsets: memref<5xi32>, %o32: memref<?x128xf32>, %o16: memref<?x128xbf16>) {
  moe.grouped_matmul %a32, %w32, %offsets outs(%o32)
      : (memref<?x64xf32>, memref<4x128x64xf32>, memref<5xi32>, memref<?x128xf32>) -> ()
  moe.grouped_matmul %x[%slots], %wb, %offsets bias(%b) outs(%o16) {index_divisor = 8 : i64}
      : (memref<?x64xbf16>, memref<?xi32>, memref<4x128x64xbf16>, memref<5xi32>, memref<4x128xbf16>, memref<?x128xbf16>) -> ()
  moe.grouped_matmul %x, %wb, %offsets outs(%o16) {moe.config = {tiled = 0 : i64}}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// Gathered A (the vLLM layout): a kernel copies a[slots[r] / 8] (zero rows
// for indices out of range) into a contiguous buffer, 16-byte chunks where
// both buffers allow; the tiled kernel reads that buffer through TMA.
// CHECK-LABEL: func.func @gathered
//  CHECK-SAME: (%[[X:.*]]: memref<?x2048xbf16>, %[[S:.*]]: memref<?xi32>,
//       CHECK: %[[G:.*]] = memref.alloc(%{{.*}}) : memref<?x2048xbf16>
//       CHECK: gpu.launch
//       CHECK:   memref.load %[[S]]
//       CHECK:   arith.divui %{{.*}}, %c8_i64
//       CHECK:   vector.load %[[X]]{{.*}} {alignment = 16 : i64}
//       CHECK:   vector.store %{{.*}}, %[[G]]
//       CHECK: memref.cast %[[G]] : memref<?x2048xbf16> to memref<*xbf16>
//       CHECK: nvgpu.tma.create.descriptor
//       CHECK: nvvm.wgmma.mma_async
func.func @gathered(%x: memref<?x2048xbf16>, %slots: memref<?xi32>, %w: memref<8x256x2048xbf16>,
                    %offsets: memref<9xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %x[%slots], %w, %offsets epilogue = silu_and_mul outs(%out) {index_divisor = 8 : i64}
      : (memref<?x2048xbf16>, memref<?xi32>, memref<8x256x2048xbf16>, memref<9xi32>, memref<?x128xbf16>) -> ()
  return
}
