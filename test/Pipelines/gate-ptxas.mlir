// Every gate kernel the pipeline generates assembles with ptxas for sm_90a,
// without libdevice calls, approximate exp, or vector loads from workgroup
// memory (LLVM 22's NVPTX backend can emit those with too small an
// alignment; see RoutingKernels.cpp).
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: not grep -E "__nv_|ex2\.approx|ld\.shared\.v[24]" %t/ptx/*.ptx
// RUN: ls %t/ptx | FileCheck %s
// CHECK: deepseek_v3_kernel.ptx
// CHECK: grouped_max_f16_kernel.ptx
// CHECK: kimi_k2_kernel.ptx
// CHECK: mixtral_kernel.ptx
// CHECK: qwen3_next_kernel.ptx

// Softmax over 8 experts, top 2, renormalized.
func.func @mixtral(%logits: tensor<?x8xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %0:2 = moe.gate %logits k = 2 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return %0#0, %0#1 : tensor<?x2xf32>, tensor<?x2xi32>
}

// Sigmoid with bias, 8 groups by top-2 sum (4 kept), scaled, one shared expert.
func.func @deepseek_v3(%logits: tensor<?x256xbf16>, %bias: tensor<256xf32>,
                       %w: tensor<?x9xf32>, %ids: tensor<?x9xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %0:2 = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4
      group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1
      outs(%w, %ids)
      : (tensor<?x256xbf16>, tensor<256xf32>, tensor<?x9xf32>, tensor<?x9xi32>)
      -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %0#0, %0#1 : tensor<?x9xf32>, tensor<?x9xi32>
}

// 384 experts, sigmoid with bias, no groups.
func.func @kimi_k2(%logits: tensor<?x384xbf16>, %bias: tensor<384xf32>,
                   %w: tensor<?x9xf32>, %ids: tensor<?x9xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %0:2 = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid renormalize
      scaling_factor = 2.827 num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x384xbf16>, tensor<384xf32>, tensor<?x9xf32>, tensor<?x9xi32>)
      -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %0#0, %0#1 : tensor<?x9xf32>, tensor<?x9xi32>
}

// Softmax over 512 experts, top 10, a shared slot weighted by the sigmoid
// of its gate's logit.
func.func @qwen3_next(%logits: tensor<?x512xf32>, %shared: tensor<?x1xbf16>,
                      %w: tensor<?x11xf32>, %ids: tensor<?x11xi32>)
    -> (tensor<?x11xf32>, tensor<?x11xi32>) {
  %0:2 = moe.gate %logits shared_logits(%shared) k = 10 scoring = softmax renormalize
      num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x512xf32>, tensor<?x1xbf16>, tensor<?x11xf32>, tensor<?x11xi32>)
      -> (tensor<?x11xf32>, tensor<?x11xi32>)
  return %0#0, %0#1 : tensor<?x11xf32>, tensor<?x11xi32>
}

// f16 softmax with bias, groups of 4 scored by their max, 2 of 8 kept.
func.func @grouped_max_f16(%logits: tensor<?x32xf16>, %bias: tensor<32xf32>,
                           %w: tensor<?x8xf32>, %ids: tensor<?x8xi32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %0:2 = moe.gate %logits bias(%bias) k = 6 scoring = softmax num_groups = 8 topk_groups = 2
      scaling_factor = 0.5 num_shared_experts = 2 outs(%w, %ids)
      : (tensor<?x32xf16>, tensor<32xf32>, tensor<?x8xf32>, tensor<?x8xi32>)
      -> (tensor<?x8xf32>, tensor<?x8xi32>)
  return %0#0, %0#1 : tensor<?x8xf32>, tensor<?x8xi32>
}
