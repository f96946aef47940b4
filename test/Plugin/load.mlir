// The stock mlir-opt of the LLVM installation parses, verifies and prints moe
// IR with the plugin as its dialect plugin, and runs moe passes and the
// pipeline with it as its pass plugin. mlir-opt loads pass plugins while it
// parses its command line, after it made a flag of every pass registered by
// then: plugin passes are named in --pass-pipeline, not as flags.
// A stock mlir-opt has no sanitizer runtime to load an instrumented plugin.
// UNSUPPORTED: sanitizers
// RUN: %mlir_opt_moe %s | %mlir_opt_moe | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: %mlir_opt_moe %s --pass-pipeline='builtin.module(moe-decompose-fused-moe,canonicalize)' | FileCheck %s --check-prefix=DECOMPOSE
// RUN: %mlir_opt_moe %s --pass-pipeline='builtin.module(moe-to-nvvm)' | FileCheck %s --check-prefix=NVVM
// RUN: not %mlir_opt_moe %s --pass-pipeline='builtin.module(moe-to-nvvm{no-such-option=1})' 2>&1 | FileCheck %s --check-prefix=BAD

// ROUNDTRIP-LABEL: func.func @layer
//       ROUNDTRIP: moe.fused_moe {{.*}} k = 8 scoring = softmax renormalize

// DECOMPOSE-LABEL: func.func @layer
//       DECOMPOSE: moe.gate
//       DECOMPOSE: moe.permute
//       DECOMPOSE: moe.grouped_matmul {{.*}} epilogue = silu_and_mul
//       DECOMPOSE: moe.combine
//   DECOMPOSE-NOT: moe.fused_moe

// NVVM-DAG: gpu.binary @layer_kernel
// NVVM-DAG: llvm.func @_mlir_ciface_layer(

// BAD: no-such-option

func.func @layer(%x: tensor<32x2048xbf16>, %logits: tensor<32x128xbf16>,
                 %w13: tensor<128x1536x2048xbf16>,
                 %w2: tensor<128x2048x768xbf16>,
                 %out: tensor<32x2048xbf16>) -> tensor<32x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      outs(%out)
      : (tensor<32x2048xbf16>, tensor<32x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<32x2048xbf16>) -> tensor<32x2048xbf16>
  return %y : tensor<32x2048xbf16>
}
