// RUN: moe-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s

// slot_rows through One-Shot Bufferize: permute's slot_rows out is written
// (a buffer of its own, even when its init is the same empty tensor as
// src_index's), and combine reads it as an input.
// CHECK-LABEL: func.func @slot_rows
//  CHECK-SAME: (%[[X:[^:]+]]: memref<4x16xbf16>, %[[IDS:[^:]+]]: memref<4x2xi32>, %[[OUT:[^:]+]]: memref<4x16xbf16>)
//       CHECK:   %[[ROWS:.*]] = memref.alloc() {{.*}} : memref<8x16xbf16>
//       CHECK:   %[[SRC:.*]] = memref.alloc() {{.*}} : memref<8xi32>
//       CHECK:   %[[OFF:.*]] = memref.alloc() {{.*}} : memref<5xi32>
//       CHECK:   %[[SLOTS:.*]] = memref.alloc() {{.*}} : memref<8xi32>
//       CHECK:   moe.permute %[[X]], %[[IDS]] num_experts = 4 outs(%[[ROWS]], %[[SRC]], %[[OFF]]) slot_rows_outs(%[[SLOTS]]) : {{.*}} -> ()
//       CHECK:   moe.combine %[[ROWS]], %[[SRC]] slot_rows(%[[SLOTS]]) k = 2 outs(%[[OUT]]) : {{.*}} -> ()
//       CHECK:   return
func.func @slot_rows(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %out: tensor<4x16xbf16>)
    -> tensor<4x16xbf16> {
  %rows0 = tensor.empty() : tensor<8x16xbf16>
  %index0 = tensor.empty() : tensor<8xi32>
  %off0 = tensor.empty() : tensor<5xi32>
  %rows, %src, %off, %slots = moe.permute %x, %ids num_experts = 4
      outs(%rows0, %index0, %off0) slot_rows_outs(%index0)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<5xi32>, tensor<8xi32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<5xi32>, tensor<8xi32>)
  %y = moe.combine %rows, %src slot_rows(%slots) k = 2 outs(%out)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<8xi32>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}
