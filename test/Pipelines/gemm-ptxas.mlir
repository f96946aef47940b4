// Every grouped_matmul / mot_linear kernel (each epilogue, gathered A,
// bias, scale, f16/bf16/f32) goes through the registered pipeline and
// assembles with ptxas for sm_90a.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: ls %t/ptx | FileCheck %s
// CHECK: expert_down_kernel.ptx
// CHECK: expert_gelu_kernel.ptx
// CHECK: expert_up_kernel.ptx
// CHECK: mot_f32_kernel.ptx
// CHECK: mot_qkv_kernel.ptx

// First expert GEMM of a vLLM-style MoE layer: token rows gathered straight
// from flat slot indices (index_divisor = k), SwiGLU epilogue.
func.func @expert_up(%x: tensor<?x2048xbf16>, %slots: tensor<?xi32>,
                     %w13: tensor<128x1536x2048xbf16>, %offsets: tensor<129xi32>,
                     %init: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %x[%slots], %w13, %offsets epilogue = silu_and_mul
      outs(%init) {index_divisor = 8 : i64}
      : (tensor<?x2048xbf16>, tensor<?xi32>, tensor<128x1536x2048xbf16>,
         tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// Second expert GEMM, scaled by the routed weights.
func.func @expert_down(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>,
                       %offsets: tensor<129xi32>, %rw: tensor<?xf32>,
                       %init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %offsets scale(%rw) outs(%init)
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>,
         tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// Exact-GELU gated epilogue with bias, fully dynamic f16 in, f32 out.
func.func @expert_gelu(%a: tensor<?x?xf16>, %w: tensor<?x?x?xf16>,
                       %offsets: tensor<?xi32>, %bias: tensor<?x?xf16>,
                       %rw: tensor<?xf32>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = moe.grouped_matmul %a, %w, %offsets scale(%rw) bias(%bias)
      epilogue = gelu_and_mul outs(%init)
      : (tensor<?x?xf16>, tensor<?x?x?xf16>, tensor<?xi32>, tensor<?xf32>,
         tensor<?x?xf16>, tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// Bagel QKV projection: per-token-type weights and bias.
func.func @mot_qkv(%x: tensor<?x3584xbf16>, %w: tensor<2x4608x3584xbf16>,
                   %types: tensor<?xi32>, %b: tensor<2x4608xbf16>,
                   %init: tensor<?x4608xbf16>) -> tensor<?x4608xbf16> {
  %qkv = moe.mot_linear %x, %w, %types bias(%b) outs(%init)
      : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>,
         tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
  return %qkv : tensor<?x4608xbf16>
}

func.func @mot_f32(%x: tensor<?x?xf32>, %w: tensor<?x?x?xf32>, %types: tensor<?xi32>,
                   %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = moe.mot_linear %x, %w, %types outs(%init)
      : (tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?xi32>, tensor<?x?xf32>)
      -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
