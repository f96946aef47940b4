// GPU suite: fp8 e4m3 activation quantization (moe.quantize), checked by
// moe-runner against the reference bit for bit (q bytes and f32 scales):
// per token group with the 16-byte vector path and whole or partial last
// groups, one scale per token (G >= K), the scalar path of odd shapes, and
// the static scale.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gpu-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null

// DeepSeek-V3's activations (fp8_block): 56 groups of 128 a token.
func.func @quantize_deepseek_v3(%x: tensor<?x7168xbf16>, %q: tensor<?x7168xf8E4M3FN>, %s: tensor<?x56xf32>)
    -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>) {
  %a, %b = moe.quantize %x group_size = 128 outs(%q, %s)
      : (tensor<?x7168xbf16>, tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>) -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>)
  return %a, %b : tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>
}

// One scale per token (fp8_channel): G > K.
func.func @quantize_per_token(%x: tensor<?x2048xbf16>, %q: tensor<?x2048xf8E4M3FN>, %s: tensor<?x1xf32>)
    -> (tensor<?x2048xf8E4M3FN>, tensor<?x1xf32>) {
  %a, %b = moe.quantize %x group_size = 4096 outs(%q, %s)
      : (tensor<?x2048xbf16>, tensor<?x2048xf8E4M3FN>, tensor<?x1xf32>) -> (tensor<?x2048xf8E4M3FN>, tensor<?x1xf32>)
  return %a, %b : tensor<?x2048xf8E4M3FN>, tensor<?x1xf32>
}

// f32 rows, K = 8 * 128 + 16: vector path, a partial last group.
func.func @quantize_partial_f32(%x: tensor<?x1040xf32>, %q: tensor<?x1040xf8E4M3FN>, %s: tensor<?x9xf32>)
    -> (tensor<?x1040xf8E4M3FN>, tensor<?x9xf32>) {
  %a, %b = moe.quantize %x group_size = 128 outs(%q, %s)
      : (tensor<?x1040xf32>, tensor<?x1040xf8E4M3FN>, tensor<?x9xf32>) -> (tensor<?x1040xf8E4M3FN>, tensor<?x9xf32>)
  return %a, %b : tensor<?x1040xf8E4M3FN>, tensor<?x9xf32>
}

// f16, groups of 64 (teams of 8 lanes).
func.func @quantize_f16_g64(%x: tensor<?x768xf16>, %q: tensor<?x768xf8E4M3FN>, %s: tensor<?x12xf32>)
    -> (tensor<?x768xf8E4M3FN>, tensor<?x12xf32>) {
  %a, %b = moe.quantize %x group_size = 64 outs(%q, %s)
      : (tensor<?x768xf16>, tensor<?x768xf8E4M3FN>, tensor<?x12xf32>) -> (tensor<?x768xf8E4M3FN>, tensor<?x12xf32>)
  return %a, %b : tensor<?x768xf8E4M3FN>, tensor<?x12xf32>
}

// Odd shapes, the scalar path: K = 1000 (rows not 16-byte aligned), a
// partial last group; G = 30, not a multiple of the chunk width.
func.func @quantize_odd_f32(%x: tensor<?x1000xf32>, %q: tensor<?x1000xf8E4M3FN>, %s: tensor<?x8xf32>)
    -> (tensor<?x1000xf8E4M3FN>, tensor<?x8xf32>) {
  %a, %b = moe.quantize %x group_size = 128 outs(%q, %s)
      : (tensor<?x1000xf32>, tensor<?x1000xf8E4M3FN>, tensor<?x8xf32>) -> (tensor<?x1000xf8E4M3FN>, tensor<?x8xf32>)
  return %a, %b : tensor<?x1000xf8E4M3FN>, tensor<?x8xf32>
}

func.func @quantize_odd_bf16(%x: tensor<?x100xbf16>, %q: tensor<?x100xf8E4M3FN>, %s: tensor<?x4xf32>)
    -> (tensor<?x100xf8E4M3FN>, tensor<?x4xf32>) {
  %a, %b = moe.quantize %x group_size = 30 outs(%q, %s)
      : (tensor<?x100xbf16>, tensor<?x100xf8E4M3FN>, tensor<?x4xf32>) -> (tensor<?x100xf8E4M3FN>, tensor<?x4xf32>)
  return %a, %b : tensor<?x100xf8E4M3FN>, tensor<?x4xf32>
}

// The static scale (fp8_tensor): elements saturate at +-448.
func.func @quantize_static_bf16(%x: tensor<?x7168xbf16>, %scale: tensor<1xf32>, %q: tensor<?x7168xf8E4M3FN>)
    -> tensor<?x7168xf8E4M3FN> {
  %a = moe.quantize %x scale(%scale) outs(%q)
      : (tensor<?x7168xbf16>, tensor<1xf32>, tensor<?x7168xf8E4M3FN>) -> tensor<?x7168xf8E4M3FN>
  return %a : tensor<?x7168xf8E4M3FN>
}

func.func @quantize_static_odd_f32(%x: tensor<?x33xf32>, %scale: tensor<1xf32>, %q: tensor<?x33xf8E4M3FN>)
    -> tensor<?x33xf8E4M3FN> {
  %a = moe.quantize %x scale(%scale) outs(%q)
      : (tensor<?x33xf32>, tensor<1xf32>, tensor<?x33xf8E4M3FN>) -> tensor<?x33xf8E4M3FN>
  return %a : tensor<?x33xf8E4M3FN>
}
