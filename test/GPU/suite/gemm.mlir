// GPU suite: the expert GEMMs (simple path) at every model shape, gathered A, MoT linear.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gpu-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null
func.func @gemm1_mixtral(%a: tensor<?x4096xbf16>, %w13: tensor<8x28672x4096xbf16>, %off: tensor<9xi32>,
    %out: tensor<?x14336xbf16>) -> tensor<?x14336xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      : (tensor<?x4096xbf16>, tensor<8x28672x4096xbf16>, tensor<9xi32>, tensor<?x14336xbf16>) -> tensor<?x14336xbf16>
  return %h : tensor<?x14336xbf16>
}

func.func @gemm2_mixtral(%h: tensor<?x14336xbf16>, %w2: tensor<8x4096x14336xbf16>, %off: tensor<9xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      : (tensor<?x14336xbf16>, tensor<8x4096x14336xbf16>, tensor<9xi32>, tensor<?xf32>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

func.func @gemm1_qwen3(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>, %off: tensor<129xi32>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @gemm2_qwen3(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>, %off: tensor<129xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>, tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

func.func @gemm1_deepseek_v3(%a: tensor<?x7168xbf16>, %w13: tensor<257x4096x7168xbf16>, %off: tensor<258xi32>,
    %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      : (tensor<?x7168xbf16>, tensor<257x4096x7168xbf16>, tensor<258xi32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %h : tensor<?x2048xbf16>
}

func.func @gemm2_deepseek_v3(%h: tensor<?x2048xbf16>, %w2: tensor<257x7168x2048xbf16>, %off: tensor<258xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      : (tensor<?x2048xbf16>, tensor<257x7168x2048xbf16>, tensor<258xi32>, tensor<?xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

func.func @gemm1_kimi_k2(%a: tensor<?x7168xbf16>, %w13: tensor<385x4096x7168xbf16>, %off: tensor<386xi32>,
    %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      : (tensor<?x7168xbf16>, tensor<385x4096x7168xbf16>, tensor<386xi32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %h : tensor<?x2048xbf16>
}

func.func @gemm2_kimi_k2(%h: tensor<?x2048xbf16>, %w2: tensor<385x7168x2048xbf16>, %off: tensor<386xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      : (tensor<?x2048xbf16>, tensor<385x7168x2048xbf16>, tensor<386xi32>, tensor<?xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// Gathered A (vLLM layout): rows read through flat slot indices / k.
func.func @gemm1_gathered_qwen3(%x: tensor<?x2048xbf16>, %rows: tensor<?xi32>, %w13: tensor<128x1536x2048xbf16>,
    %off: tensor<129xi32>, %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %x[%rows], %w13, %off epilogue = silu_and_mul outs(%out) {index_divisor = 8 : i64}
      : (tensor<?x2048xbf16>, tensor<?xi32>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @mot_qkv_bagel(%x: tensor<?x3584xbf16>, %w: tensor<2x4608x3584xbf16>, %types: tensor<?xi32>,
    %b: tensor<2x4608xbf16>, %out: tensor<?x4608xbf16>) -> tensor<?x4608xbf16> {
  %y = moe.mot_linear %x, %w, %types bias(%b) outs(%out)
      : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>, tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
  return %y : tensor<?x4608xbf16>
}
