// GPU suite: the tiled expert GEMM in clusters of two blocks sharing W
// tiles (cluster_m = 2). In a file of its own: moe-warp-specialize does not
// take multicast copies yet, so test/GPU/run-warp-specialized.sh compiles
// gemm.mlir with warp-specialize=1 and this file stays out of it.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gemm-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null
// The tiled kernel in clusters of two blocks sharing W tiles (cluster_m = 2,
// not a default: docs/performance.md 5h): the Qwen3 expert GEMMs, and the
// gated f16 edge shape (K = 48, N = 200: shares of the W halves past the N
// edge, bias, scale).
func.func @gemm1_qwen3_cluster2(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>, %off: tensor<129xi32>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<cluster_m = 2>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @gemm2_qwen3_cluster2(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>, %off: tensor<129xi32>,
    %scale: tensor<?xf32>, %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) outs(%out)
      {moe.config = #moe.gemm_config<cluster_m = 2>}
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>, tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

func.func @gemm_k48_gated_f16_cluster2(%a: tensor<?x48xf16>, %w: tensor<8x200x48xf16>, %off: tensor<9xi32>,
    %b: tensor<8x200xf16>, %s: tensor<?xf32>, %out: tensor<?x100xf16>) -> tensor<?x100xf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%s) bias(%b) epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<cluster_m = 2>}
      : (tensor<?x48xf16>, tensor<8x200x48xf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x200xf16>, tensor<?x100xf16>) -> tensor<?x100xf16>
  return %y : tensor<?x100xf16>
}
