// RUN: moe-opt %s --moe-elide-wgmma-fences --split-input-file | FileCheck %s

!acc = !llvm.struct<(f32, f32, f32, f32)>

// One K step of four slices as upstream's nvgpu.warpgroup.mma lowering
// leaves it (each wgmma fenced, committed and waited, the accumulator
// passed through its wrapper struct): one fence before the chain, the four
// commits, only the last wait.
// CHECK-LABEL: llvm.func @k_step
//       CHECK:   nvvm.wgmma.fence.aligned
//  CHECK-NEXT:   %[[M0:.*]] = nvvm.wgmma.mma_async
//  CHECK-NEXT:   nvvm.wgmma.commit.group.sync.aligned
//   CHECK-NOT:   nvvm.wgmma.fence.aligned
//   CHECK-NOT:   nvvm.wgmma.wait.group.sync.aligned
//       CHECK:   nvvm.wgmma.mma_async
//  CHECK-NEXT:   nvvm.wgmma.commit.group.sync.aligned
//   CHECK-NOT:   nvvm.wgmma.fence.aligned
//   CHECK-NOT:   nvvm.wgmma.wait.group.sync.aligned
//       CHECK:   nvvm.wgmma.mma_async
//  CHECK-NEXT:   nvvm.wgmma.commit.group.sync.aligned
//  CHECK-NEXT:   nvvm.wgmma.wait.group.sync.aligned 2
//       CHECK:   llvm.return
llvm.func @k_step(%a: i64, %b: i64, %acc: !acc) -> !acc {
  %wrap0 = llvm.mlir.poison : !llvm.struct<(struct<(f32, f32, f32, f32)>)>
  nvvm.wgmma.fence.aligned
  %m0 = nvvm.wgmma.mma_async %a, %b, %acc, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 3
  %w0 = llvm.insertvalue %m0, %wrap0[0] : !llvm.struct<(struct<(f32, f32, f32, f32)>)>
  %c16 = llvm.mlir.constant(16 : i64) : i64
  %b1 = llvm.add %b, %c16 : i64
  nvvm.wgmma.fence.aligned
  %x0 = llvm.extractvalue %w0[0] : !llvm.struct<(struct<(f32, f32, f32, f32)>)>
  %m1 = nvvm.wgmma.mma_async %a, %b1, %x0, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 4
  nvvm.wgmma.fence.aligned
  %m2 = nvvm.wgmma.mma_async %a, %b1, %m1, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 2
  llvm.return %m2 : !acc
}

// -----

!acc = !llvm.struct<(f32, f32, f32, f32)>

// A store between two wgmmas (a release, an epilogue): the fence and the
// wait may order it, so both stay.
// CHECK-LABEL: llvm.func @memory_between
//       CHECK:   nvvm.wgmma.mma_async
//  CHECK-NEXT:   nvvm.wgmma.commit.group.sync.aligned
//  CHECK-NEXT:   nvvm.wgmma.wait.group.sync.aligned 0
//  CHECK-NEXT:   llvm.store
//  CHECK-NEXT:   nvvm.wgmma.fence.aligned
//  CHECK-NEXT:   nvvm.wgmma.mma_async
llvm.func @memory_between(%a: i64, %b: i64, %acc: !acc, %p: !llvm.ptr) -> !acc {
  nvvm.wgmma.fence.aligned
  %m0 = nvvm.wgmma.mma_async %a, %b, %acc, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 0
  llvm.store %a, %p : i64, !llvm.ptr
  nvvm.wgmma.fence.aligned
  %m1 = nvvm.wgmma.mma_async %a, %b, %m0, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 0
  llvm.return %m1 : !acc
}

// -----

!acc = !llvm.struct<(f32, f32, f32, f32)>

// The accumulator read between the wgmmas (here an fadd on one register):
// the wait orders that read after the first wgmma, so it stays.
// CHECK-LABEL: llvm.func @accumulator_read_between
//       CHECK:   nvvm.wgmma.wait.group.sync.aligned 0
//       CHECK:   llvm.fadd
//       CHECK:   nvvm.wgmma.fence.aligned
//  CHECK-NEXT:   nvvm.wgmma.mma_async
llvm.func @accumulator_read_between(%a: i64, %b: i64, %acc: !acc) -> f32 {
  nvvm.wgmma.fence.aligned
  %m0 = nvvm.wgmma.mma_async %a, %b, %acc, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 0
  %e = llvm.extractvalue %m0[0] : !acc
  %s = llvm.fadd %e, %e : f32
  nvvm.wgmma.fence.aligned
  %m1 = nvvm.wgmma.mma_async %a, %b, %m0, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 0
  %r = llvm.extractvalue %m1[0] : !acc
  %t = llvm.fadd %r, %s : f32
  llvm.return %t : f32
}

// -----

!acc = !llvm.struct<(f32, f32, f32, f32)>

// One register taken out between the wgmmas and used after the second: the
// wait before it stays (the extraction is a read of the accumulator).
// CHECK-LABEL: llvm.func @register_taken_between
//       CHECK:   nvvm.wgmma.wait.group.sync.aligned 0
//  CHECK-NEXT:   llvm.extractvalue
//  CHECK-NEXT:   nvvm.wgmma.fence.aligned
llvm.func @register_taken_between(%a: i64, %b: i64, %acc: !acc) -> f32 {
  nvvm.wgmma.fence.aligned
  %m0 = nvvm.wgmma.mma_async %a, %b, %acc, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 0
  %e = llvm.extractvalue %m0[0] : !acc
  nvvm.wgmma.fence.aligned
  %m1 = nvvm.wgmma.mma_async %a, %b, %m0, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 0
  %r = llvm.extractvalue %m1[0] : !acc
  %t = llvm.fadd %r, %e : f32
  llvm.return %t : f32
}

// -----

!acc = !llvm.struct<(f32, f32, f32, f32)>

// Two independent accumulators (two warpgroup slabs, or a fresh tile): not
// a chain, nothing is erased.
// CHECK-LABEL: llvm.func @independent_accumulators
// CHECK-COUNT-2: nvvm.wgmma.fence.aligned
//     CHECK-NOT: nvvm.wgmma.fence.aligned
// CHECK-LABEL: llvm.func @end
llvm.func @independent_accumulators(%a: i64, %b: i64, %acc0: !acc, %acc1: !acc) -> !acc {
  nvvm.wgmma.fence.aligned
  %m0 = nvvm.wgmma.mma_async %a, %b, %acc0, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 1
  nvvm.wgmma.fence.aligned
  %m1 = nvvm.wgmma.mma_async %a, %b, %acc1, <m = 64, n = 8, k = 16>, D[<f32>, <one>, <wrapped>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !acc -> !acc
  nvvm.wgmma.commit.group.sync.aligned
  nvvm.wgmma.wait.group.sync.aligned 0
  llvm.return %m1 : !acc
}
llvm.func @end() {
  llvm.return
}
