// GPU suite: the expert GEMMs (tiled TMA/wgmma path, simple path where the tiled one does not apply) at every model shape, edge shapes, gathered A, MoT linear.
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

// Gathered A with a bias, f16, K = 48 (the last two 16-byte chunks of the
// 64-wide K step past K), 3 slots per token: rows whose index is out of
// range must come out zero, not bias-only.
func.func @gemm_gathered_k48_bias_f16(%x: tensor<?x48xf16>, %rows: tensor<?xi32>, %w: tensor<8x200x48xf16>,
    %off: tensor<9xi32>, %b: tensor<8x200xf16>, %s: tensor<?xf32>, %out: tensor<?x100xf16>) -> tensor<?x100xf16> {
  %y = moe.grouped_matmul %x[%rows], %w, %off scale(%s) bias(%b) epilogue = silu_and_mul outs(%out) {index_divisor = 3 : i64}
      : (tensor<?x48xf16>, tensor<?xi32>, tensor<8x200x48xf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x200xf16>, tensor<?x100xf16>) -> tensor<?x100xf16>
  return %y : tensor<?x100xf16>
}

func.func @mot_qkv_bagel(%x: tensor<?x3584xbf16>, %w: tensor<2x4608x3584xbf16>, %types: tensor<?xi32>,
    %b: tensor<2x4608xbf16>, %out: tensor<?x4608xbf16>) -> tensor<?x4608xbf16> {
  %y = moe.mot_linear %x, %w, %types bias(%b) outs(%out)
      : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>, tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
  return %y : tensor<?x4608xbf16>
}

// Edge shapes of the tiled path. K = 16: one partial 64-wide K step; N = 72:
// a partial column tile.
func.func @gemm_k16_n72(%a: tensor<?x16xbf16>, %w: tensor<4x72x16xbf16>, %off: tensor<5xi32>,
    %out: tensor<?x72xbf16>) -> tensor<?x72xbf16> {
  %y = moe.grouped_matmul %a, %w, %off outs(%out)
      : (tensor<?x16xbf16>, tensor<4x72x16xbf16>, tensor<5xi32>, tensor<?x72xbf16>) -> tensor<?x72xbf16>
  return %y : tensor<?x72xbf16>
}

// The staged epilogue (#moe.gemm_config<staged_epilogue = true>) at the
// edges: 72 bf16 columns (144-byte rows: 16-byte runs, then a chunk of one
// run); 100 f16 columns (200-byte rows, not 16-byte aligned: every run
// element by element), bias, row scale, silu_and_mul.
func.func @gemm_k16_n72_staged(%a: tensor<?x16xbf16>, %w: tensor<4x72x16xbf16>, %off: tensor<5xi32>,
    %out: tensor<?x72xbf16>) -> tensor<?x72xbf16> {
  %y = moe.grouped_matmul %a, %w, %off outs(%out)
      {moe.config = #moe.gemm_config<staged_epilogue = true>}
      : (tensor<?x16xbf16>, tensor<4x72x16xbf16>, tensor<5xi32>, tensor<?x72xbf16>) -> tensor<?x72xbf16>
  return %y : tensor<?x72xbf16>
}

func.func @gemm_k48_gated_f16_staged(%a: tensor<?x48xf16>, %w: tensor<8x200x48xf16>, %off: tensor<9xi32>,
    %b: tensor<8x200xf16>, %s: tensor<?xf32>, %out: tensor<?x100xf16>) -> tensor<?x100xf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%s) bias(%b) epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 128, stages = 3, warpgroups = 1, staged_epilogue = true>}
      : (tensor<?x48xf16>, tensor<8x200x48xf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x200xf16>, tensor<?x100xf16>) -> tensor<?x100xf16>
  return %y : tensor<?x100xf16>
}

// K = 48 (an odd multiple of 16), f16, gated N = 200 (gate and up halves
// of 100: each half ends inside a tile), bias and row scale.
func.func @gemm_k48_gated_f16(%a: tensor<?x48xf16>, %w: tensor<8x200x48xf16>, %off: tensor<9xi32>,
    %b: tensor<8x200xf16>, %s: tensor<?xf32>, %out: tensor<?x100xf16>) -> tensor<?x100xf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%s) bias(%b) epilogue = silu_and_mul outs(%out)
      : (tensor<?x48xf16>, tensor<8x200x48xf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x200xf16>, tensor<?x100xf16>) -> tensor<?x100xf16>
  return %y : tensor<?x100xf16>
}

// K = 144 (9 x 16), gelu_and_mul, f32 output, one warpgroup, 64-column
// tiles, two stages (a ring shorter than the K loop).
func.func @gemm_k144_gelu_config(%a: tensor<?x144xbf16>, %w: tensor<6x192x144xbf16>, %off: tensor<7xi32>,
    %out: tensor<?x96xf32>) -> tensor<?x96xf32> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = gelu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 2, warpgroups = 1>}
      : (tensor<?x144xbf16>, tensor<6x192x144xbf16>, tensor<7xi32>, tensor<?x96xf32>) -> tensor<?x96xf32>
  return %y : tensor<?x96xf32>
}

// K = 20: rows are not 16-byte multiples, TMA cannot read them; the
// run-time check takes the simple kernel.
func.func @gemm_k20_simple(%a: tensor<?x20xbf16>, %w: tensor<4x64x20xbf16>, %off: tensor<5xi32>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.grouped_matmul %a, %w, %off outs(%out)
      : (tensor<?x20xbf16>, tensor<4x64x20xbf16>, tensor<5xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// Configuration variants (timed by test/GPU/gemm_vs_torch.py --variant):
// 128 x 128 tiles (the default before version 3 of docs/performance.md).
func.func @gemm1_mixtral_n128(%a: tensor<?x4096xbf16>, %w13: tensor<8x28672x4096xbf16>, %off: tensor<9xi32>,
    %out: tensor<?x14336xbf16>) -> tensor<?x14336xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<tile_n = 128>}
      : (tensor<?x4096xbf16>, tensor<8x28672x4096xbf16>, tensor<9xi32>, tensor<?x14336xbf16>) -> tensor<?x14336xbf16>
  return %h : tensor<?x14336xbf16>
}

func.func @gemm2_mixtral_n128(%h: tensor<?x14336xbf16>, %w2: tensor<8x4096x14336xbf16>, %off: tensor<9xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      {moe.config = #moe.gemm_config<tile_n = 128>}
      : (tensor<?x14336xbf16>, tensor<8x4096x14336xbf16>, tensor<9xi32>, tensor<?xf32>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

func.func @gemm1_qwen3_n128(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>, %off: tensor<129xi32>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<tile_n = 128>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @gemm2_qwen3_n128(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>, %off: tensor<129xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      {moe.config = #moe.gemm_config<tile_n = 128>}
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>, tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// Staged epilogues at the Qwen3 shapes (gemm_vs_torch.py --variant _staged).
func.func @gemm1_qwen3_staged(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>, %off: tensor<129xi32>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<staged_epilogue = true>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @gemm2_qwen3_staged(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>, %off: tensor<129xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      {moe.config = #moe.gemm_config<staged_epilogue = true>}
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>, tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
