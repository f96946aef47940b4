// GPU suite: SwiGLU at every model shape and an odd N; RMSNorm (MoT per-type with residual, plain, odd H).
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gpu-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null
func.func @silu_and_mul_mixtral(%x: tensor<?x28672xbf16>, %out: tensor<?x14336xbf16>) -> tensor<?x14336xbf16> {
  %h = moe.silu_and_mul %x outs(%out) : (tensor<?x28672xbf16>, tensor<?x14336xbf16>) -> tensor<?x14336xbf16>
  return %h : tensor<?x14336xbf16>
}

func.func @silu_and_mul_qwen3(%x: tensor<?x1536xbf16>, %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.silu_and_mul %x outs(%out) : (tensor<?x1536xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @silu_and_mul_deepseek_v3(%x: tensor<?x4096xbf16>, %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %h = moe.silu_and_mul %x outs(%out) : (tensor<?x4096xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %h : tensor<?x2048xbf16>
}

func.func @silu_and_mul_kimi_k2(%x: tensor<?x4096xbf16>, %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %h = moe.silu_and_mul %x outs(%out) : (tensor<?x4096xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %h : tensor<?x2048xbf16>
}

// N not a multiple of 8: the row strides (2054 and 4108 bytes) and the up
// half's offset break 16-byte alignment, so the kernel takes its one-element
// fallback at run time (the shapes above all take the 16-byte path).
func.func @silu_and_mul_odd_bf16(%x: tensor<?x2054xbf16>, %out: tensor<?x1027xbf16>) -> tensor<?x1027xbf16> {
  %h = moe.silu_and_mul %x outs(%out) : (tensor<?x2054xbf16>, tensor<?x1027xbf16>) -> tensor<?x1027xbf16>
  return %h : tensor<?x1027xbf16>
}

func.func @rms_norm_bagel_mot(%x: tensor<?x3584xbf16>, %w: tensor<2x3584xbf16>, %types: tensor<?xi32>,
    %res: tensor<?x3584xbf16>, %out: tensor<?x3584xbf16>, %res_out: tensor<?x3584xbf16>)
    -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>) {
  %y, %s = moe.rms_norm %x, %w type_ids(%types) residual(%res) epsilon = 1.0e-06 outs(%out, %res_out)
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>, tensor<?x3584xbf16>, tensor<?x3584xbf16>, tensor<?x3584xbf16>)
      -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
  return %y, %s : tensor<?x3584xbf16>, tensor<?x3584xbf16>
}

func.func @rms_norm_deepseek_v3(%x: tensor<?x7168xbf16>, %w: tensor<7168xbf16>, %out: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%out)
      : (tensor<?x7168xbf16>, tensor<7168xbf16>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// H not a multiple of any vector width, f32: rows of 16388 bytes break
// 16-byte alignment, so the kernel takes its one-element fallback at run time.
func.func @rms_norm_odd_f32(%x: tensor<?x4097xf32>, %w: tensor<4097xf32>, %res: tensor<?x4097xf32>,
    %out: tensor<?x4097xf32>, %res_out: tensor<?x4097xf32>) -> (tensor<?x4097xf32>, tensor<?x4097xf32>) {
  %y, %s = moe.rms_norm %x, %w residual(%res) epsilon = 1.0e-05 outs(%out, %res_out)
      : (tensor<?x4097xf32>, tensor<4097xf32>, tensor<?x4097xf32>, tensor<?x4097xf32>, tensor<?x4097xf32>)
      -> (tensor<?x4097xf32>, tensor<?x4097xf32>)
  return %y, %s : tensor<?x4097xf32>, tensor<?x4097xf32>
}
