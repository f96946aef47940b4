// The expert activations of issue 13 go through the registered pipeline,
// fused_moe to PTX, and ptxas assembles every kernel for sm_90a: gpt-oss's
// form (clamped SwiGLU on interleaved rows, biases), tanh GELU with a clamp
// and a *_no_mul layer, each with and without gathered token rows.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: ls %t/ptx | FileCheck %s --check-prefix=KERNELS
// RUN: cat %t/ptx/*.ptx | FileCheck %s
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa gather-token-rows=1" -o %t/gather.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/gptx %t/gather.mlir
// RUN: for f in %t/gptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// KERNELS: gelu_tanh_layer_kernel.ptx
// KERNELS: gpt_oss_layer_kernel.ptx
// KERNELS: relu2_layer_kernel.ptx
// The clamps keep NaN (min/max that propagate it), the wgmma main loop is
// the one of every layer.
// CHECK-DAG: min.NaN.f32
// CHECK-DAG: max.NaN.f32
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16

func.func @gpt_oss_layer(%x: tensor<?x256xbf16>, %logits: tensor<?x8xbf16>,
                         %w13: tensor<8x512x256xbf16>, %w2: tensor<8x256x256xbf16>,
                         %b13: tensor<8x512xbf16>, %b2: tensor<8x256xbf16>,
                         %out: tensor<?x256xbf16>) -> tensor<?x256xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      activation = swigluoai gate_up_layout = interleaved clamp_limit = 7.0
      swiglu_alpha = 1.702 b13(%b13) b2(%b2) outs(%out)
      : (tensor<?x256xbf16>, tensor<?x8xbf16>, tensor<8x512x256xbf16>,
         tensor<8x256x256xbf16>, tensor<8x512xbf16>, tensor<8x256xbf16>,
         tensor<?x256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @gelu_tanh_layer(%x: tensor<?x256xf16>, %logits: tensor<?x8xf16>,
                           %w13: tensor<8x512x256xf16>, %w2: tensor<8x256x256xf16>,
                           %out: tensor<?x256xf16>) -> tensor<?x256xf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = sigmoid
      activation = gelu_tanh clamp_limit = 10.0 outs(%out)
      : (tensor<?x256xf16>, tensor<?x8xf16>, tensor<8x512x256xf16>,
         tensor<8x256x256xf16>, tensor<?x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @relu2_layer(%x: tensor<?x256xbf16>, %logits: tensor<?x8xbf16>,
                       %w13: tensor<8x256x256xbf16>, %w2: tensor<8x256x256xbf16>,
                       %out: tensor<?x256xbf16>) -> tensor<?x256xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      activation = relu2_no_mul outs(%out)
      : (tensor<?x256xbf16>, tensor<?x8xbf16>, tensor<8x256x256xbf16>,
         tensor<8x256x256xbf16>, tensor<?x256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}
