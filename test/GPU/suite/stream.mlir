// GPU suite: the stream kernel (#moe.gemm_config kernel = stream, the
// weight-streaming decode GEMM) on every epilogue form and K mapping: the
// Qwen3 and Mixtral decode GEMMs (K = 2048, 768, 4096, 14336: one slot of
// 256 threads, or 128-thread slots), gathered rows with an interleaved
// clamped SwiGLU and a bias, f16 with bias and row scale and a K that is
// not a power of two, a small K (8-thread slots, shuffles within a warp),
// an elementwise activation into f32 with a partial column group, and a
// list that streams below 64 rows and tiles from there; units of one and
// of four output columns (stream_columns).
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gemm-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null

func.func @gemm1_qwen3_stream(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>, %off: tensor<129xi32>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// One output column a unit (stream_columns = 1) and four (spilling
// registers, still correct), each with the other unit shapes' code.
func.func @gemm1_qwen3_stream_c1(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>, %off: tensor<129xi32>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream, stream_columns = 1>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @gemm_w4a16_gathered_k256_stream_c4(%x: tensor<?x256xbf16>, %rows: tensor<?xi32>,
    %w: tensor<8x128x128xi8>, %off: tensor<9xi32>, %s: tensor<8x128x4xbf16>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %h = moe.grouped_matmul %x[%rows], %w, %off epilogue = silu_and_mul quant = w4a16 group_size = 64
      w_scale(%s) outs(%out) {index_divisor = 2 : i64, moe.config = #moe.gemm_config<kernel = stream, stream_columns = 4>}
      : (tensor<?x256xbf16>, tensor<?xi32>, tensor<8x128x128xi8>, tensor<9xi32>,
         tensor<8x128x4xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %h : tensor<?x64xbf16>
}

func.func @gemm2_qwen3_stream(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>, %off: tensor<129xi32>,
    %s: tensor<?xf32>, %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%s) outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>, tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

func.func @gemm1_mixtral_stream(%a: tensor<?x4096xbf16>, %w13: tensor<8x28672x4096xbf16>, %off: tensor<9xi32>,
    %out: tensor<?x14336xbf16>) -> tensor<?x14336xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x4096xbf16>, tensor<8x28672x4096xbf16>, tensor<9xi32>, tensor<?x14336xbf16>) -> tensor<?x14336xbf16>
  return %h : tensor<?x14336xbf16>
}

func.func @gemm2_mixtral_stream(%h: tensor<?x14336xbf16>, %w2: tensor<8x4096x14336xbf16>, %off: tensor<9xi32>,
    %s: tensor<?xf32>, %out: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%s) outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x14336xbf16>, tensor<8x4096x14336xbf16>, tensor<9xi32>, tensor<?xf32>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// Gathered A (3 slots a token), interleaved clamped SwiGLU with a bias.
func.func @gemm_gathered_swigluoai_stream(%x: tensor<?x1024xbf16>, %rows: tensor<?xi32>, %w: tensor<8x256x1024xbf16>,
    %off: tensor<9xi32>, %b: tensor<8x256xbf16>, %out: tensor<?x128xbf16>) -> tensor<?x128xbf16> {
  %y = moe.grouped_matmul %x[%rows], %w, %off bias(%b) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 0.5 swiglu_alpha = 1.702 outs(%out)
      {index_divisor = 3 : i64, moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x1024xbf16>, tensor<?xi32>, tensor<8x256x1024xbf16>, tensor<9xi32>, tensor<8x256xbf16>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// f16, K = 1000 (125 chunks: 128-thread slots, the last chunks idle), gated
// N = 200 (a partial column group), bias and row scale.
func.func @gemm_k1000_gated_stream_f16(%a: tensor<?x1000xf16>, %w: tensor<8x200x1000xf16>, %off: tensor<9xi32>,
    %b: tensor<8x200xf16>, %s: tensor<?xf32>, %out: tensor<?x100xf16>) -> tensor<?x100xf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%s) bias(%b) epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x1000xf16>, tensor<8x200x1000xf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x200xf16>, tensor<?x100xf16>) -> tensor<?x100xf16>
  return %y : tensor<?x100xf16>
}

// K = 48: six chunks, 8-thread slots (32 slots, 64 columns a unit).
func.func @gemm_k48_gated_stream_f16(%a: tensor<?x48xf16>, %w: tensor<4x144x48xf16>, %off: tensor<5xi32>,
    %out: tensor<?x72xf16>) -> tensor<?x72xf16> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x48xf16>, tensor<4x144x48xf16>, tensor<5xi32>, tensor<?x72xf16>) -> tensor<?x72xf16>
  return %y : tensor<?x72xf16>
}

// An elementwise activation into f32, N = 72, K = 2048.
func.func @gemm_k2048_gelu_stream_f32(%a: tensor<?x2048xbf16>, %w: tensor<4x72x2048xbf16>, %off: tensor<5xi32>,
    %out: tensor<?x72xf32>) -> tensor<?x72xf32> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = gelu outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x2048xbf16>, tensor<4x72x2048xbf16>, tensor<5xi32>, tensor<?x72xf32>) -> tensor<?x72xf32>
  return %y : tensor<?x72xf32>
}

// Stream below 64 rows, the tiled kernel from there.
func.func @gemm_k1024_stream_then_tiled(%a: tensor<?x1024xbf16>, %w: tensor<8x256x1024xbf16>, %off: tensor<9xi32>,
    %out: tensor<?x128xbf16>) -> tensor<?x128xbf16> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = silu_and_mul outs(%out)
      {moe.config = [#moe.gemm_config<kernel = stream>,
                     #moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, min_rows = 64>]}
      : (tensor<?x1024xbf16>, tensor<8x256x1024xbf16>, tensor<9xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// Weight-only schemes on the stream kernel: a 16-byte W load is 32 int4
// or 16 int8 values, dequantized in registers (docs/Semantics.md) 8 at a
// time. Qwen3's GEMMs in int4 (both forms) and int8; interleaved rows with
// groups of 32; gathered rows with groups of 64; K = 336 (not a multiple
// of 32: the host check takes the simple kernel).
func.func @gemm1_qwen3_w4a16_zp_stream(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x1024xi8>,
    %off: tensor<129xi32>, %s: tensor<128x1536x16xbf16>, %z: tensor<128x1536x16xi8>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul quant = w4a16_zp group_size = 128
      w_scale(%s) w_zero(%z) outs(%out) {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x2048xbf16>, tensor<128x1536x1024xi8>, tensor<129xi32>, tensor<128x1536x16xbf16>,
         tensor<128x1536x16xi8>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @gemm2_qwen3_w4a16_stream(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x384xi8>,
    %off: tensor<129xi32>, %scale: tensor<?xf32>, %s: tensor<128x2048x6xbf16>,
    %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) quant = w4a16 group_size = 128
      w_scale(%s) outs(%out) {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x768xbf16>, tensor<128x2048x384xi8>, tensor<129xi32>, tensor<?xf32>,
         tensor<128x2048x6xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

func.func @gemm1_qwen3_w8a16_stream(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xi8>,
    %off: tensor<129xi32>, %s: tensor<128x1536xbf16>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul quant = w8a16
      w_scale(%s) outs(%out) {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xi8>, tensor<129xi32>, tensor<128x1536xbf16>,
         tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @gemm_w4a16_zp_k96_n300_interleaved_stream(%a: tensor<?x96xbf16>, %w: tensor<8x300x48xi8>,
    %off: tensor<9xi32>, %scale: tensor<?xf32>, %s: tensor<8x300x3xbf16>, %z: tensor<8x300x3xi8>,
    %out: tensor<?x150xbf16>) -> tensor<?x150xbf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%scale) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 7.0 quant = w4a16_zp group_size = 32
      w_scale(%s) w_zero(%z) outs(%out) {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x96xbf16>, tensor<8x300x48xi8>, tensor<9xi32>, tensor<?xf32>,
         tensor<8x300x3xbf16>, tensor<8x300x3xi8>, tensor<?x150xbf16>) -> tensor<?x150xbf16>
  return %y : tensor<?x150xbf16>
}

func.func @gemm_w4a16_gathered_k256_stream(%x: tensor<?x256xbf16>, %rows: tensor<?xi32>,
    %w: tensor<8x128x128xi8>, %off: tensor<9xi32>, %s: tensor<8x128x4xbf16>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %h = moe.grouped_matmul %x[%rows], %w, %off epilogue = silu_and_mul quant = w4a16 group_size = 64
      w_scale(%s) outs(%out) {index_divisor = 2 : i64, moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x256xbf16>, tensor<?xi32>, tensor<8x128x128xi8>, tensor<9xi32>,
         tensor<8x128x4xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %h : tensor<?x64xbf16>
}

func.func @gemm_w4a16_zp_k336_n80_bias_f16_stream(%a: tensor<?x336xf16>, %w: tensor<4x80x168xi8>,
    %off: tensor<5xi32>, %bias: tensor<4x80xf32>, %s: tensor<4x80x3xf16>, %z: tensor<4x80x3xi8>,
    %out: tensor<?x80xf16>) -> tensor<?x80xf16> {
  %y = moe.grouped_matmul %a, %w, %off bias(%bias) quant = w4a16_zp group_size = 128
      w_scale(%s) w_zero(%z) outs(%out) {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x336xf16>, tensor<4x80x168xi8>, tensor<5xi32>, tensor<4x80xf32>,
         tensor<4x80x3xf16>, tensor<4x80x3xi8>, tensor<?x80xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

func.func @gemm_w8a16_k48_n72_gelu_stream(%a: tensor<?x48xbf16>, %w: tensor<8x72x48xi8>,
    %off: tensor<9xi32>, %scale: tensor<?xf32>, %s: tensor<8x72xbf16>,
    %out: tensor<?x36xbf16>) -> tensor<?x36xbf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%scale) epilogue = gelu_and_mul quant = w8a16
      w_scale(%s) outs(%out) {moe.config = #moe.gemm_config<kernel = stream>}
      : (tensor<?x48xbf16>, tensor<8x72x48xi8>, tensor<9xi32>, tensor<?xf32>,
         tensor<8x72xbf16>, tensor<?x36xbf16>) -> tensor<?x36xbf16>
  return %y : tensor<?x36xbf16>
}
