// The kernels of a decode step (T = 1) of a fused_moe layer (Qwen3-30B-A3B's
// shapes), the expert GEMMs on the simple kernel (moe-to-nvvm's tiled GEMM
// gives each GEMM its tile schedule, the tiled kernel and the fallback
// instead): five launches, none under a host branch: the fused routing
// kernel (gate + sort, which also writes each slot's row, slot_rows), the
// row scatter, the two GEMMs and combine, which reads slot_rows: one
// kernel instead of three (no inverse of src_index, no atomic minimums).
// RUN: moe-opt %s --moe-decompose-fused-moe --canonicalize --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-moe-to-gpu | FileCheck %s

// CHECK-LABEL: func.func @qwen3_decode
//   CHECK-NOT: scf.if
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c512
//       CHECK:   nvvm.match.sync
//       CHECK: gpu.terminator
//   CHECK-NOT: scf.if
//       CHECK: gpu.launch
//       CHECK: gpu.terminator
//   CHECK-NOT: scf.if
//       CHECK: gpu.launch
//       CHECK: gpu.terminator
//   CHECK-NOT: scf.if
//       CHECK: gpu.launch
//       CHECK: gpu.terminator
//   CHECK-NOT: scf.if
//   CHECK-NOT: memref.alloc
//       CHECK: gpu.launch
//   CHECK-NOT:   memref.atomic_rmw
//       CHECK:   memref.store %{{.*}}, %arg4
//       CHECK: gpu.terminator
//   CHECK-NOT: gpu.launch
//       CHECK: return
func.func @qwen3_decode(%x: tensor<1x2048xbf16>, %logits: tensor<1x128xbf16>,
                        %w13: tensor<128x1536x2048xbf16>, %w2: tensor<128x2048x768xbf16>,
                        %out: tensor<1x2048xbf16>) -> tensor<1x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize outs(%out)
      : (tensor<1x2048xbf16>, tensor<1x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<1x2048xbf16>) -> tensor<1x2048xbf16>
  return %y : tensor<1x2048xbf16>
}
