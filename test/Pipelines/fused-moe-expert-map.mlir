// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" | FileCheck %s

// A fused_moe layer with an expert map (expert parallelism) goes through
// the whole pipeline: the permutation's sort maps each id through the map
// on the device (test/Conversion/MoeToGPU/permute.mlir checks the kernel).

// CHECK-LABEL: llvm.func @expert_map
//       CHECK: gpu.binary
func.func @expert_map(%x: tensor<?x64xbf16>, %logits: tensor<?x8xbf16>,
                      %w13: tensor<4x128x64xbf16>, %w2: tensor<4x64x64xbf16>,
                      %map: tensor<8xi32>,
                      %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      expert_map(%map) outs(%out)
      : (tensor<?x64xbf16>, tensor<?x8xbf16>, tensor<4x128x64xbf16>,
         tensor<4x64x64xbf16>, tensor<8xi32>, tensor<?x64xbf16>)
      -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
