// RUN: moe-opt %s --moe-tile-grouped-matmul -split-input-file -verify-diagnostics

// #moe.gemm_config fields the kernels do not implement yet are legal IR but
// an error here, at the op, never silently dropped: for every
// grouped_matmul, whichever kernel it would get (the simple kernel of f32
// operands or of `kernel = simple` included).

func.func @cluster_m(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config cluster_m = 4 is not supported yet: the tiled kernel runs in clusters of 1 or 2 blocks along M}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<cluster_m = 4>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @cluster_n(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config cluster_n = 2 is not supported yet: the tiled kernel's clusters share W tiles along M (cluster_m), not A tiles along N}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<cluster_n = 2>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @raster(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config raster = along_n is not supported yet: the tiled kernel walks each expert's tiles along_m}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<raster = along_n>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @swap_ab(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config swap_ab = true is not supported yet: the tiled kernel puts A's rows on wgmma's M}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<swap_ab = true>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @split_k_cluster(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config split_k = 4 with cluster_m = 2 is not supported yet: the tiled kernel splits K only for blocks outside clusters}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<split_k = 4, cluster_m = 2>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @simple_kernel(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config split_k = 2 needs kernel = tiled: the simple kernel does not split K}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<kernel = simple, split_k = 2>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @stream_kernel_split_k(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config split_k = 2 needs kernel = tiled: the stream kernel does not split K}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream, split_k = 2>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @stream_kernel_fp8(%a: memref<?x128xf8E4M3FN>, %w: memref<4x256x128xf8E4M3FN>,
    %offsets: memref<5xi32>, %as: memref<?x1xf32>, %ws: memref<4x256xf32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config kernel = stream is not supported yet with quant = fp8_channel: the stream kernel reads bf16 or f16 A and 16-bit or weight-only integer W}}
  moe.grouped_matmul %a, %w, %offsets quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream>}
      : (memref<?x128xf8E4M3FN>, memref<4x256x128xf8E4M3FN>, memref<5xi32>, memref<?x1xf32>, memref<4x256xf32>, memref<?x256xbf16>) -> ()
  return
}

// -----

func.func @f32_operands(%a: memref<?x64xf32>, %w: memref<4x256x64xf32>,
    %offsets: memref<5xi32>, %out: memref<?x256xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config swap_ab = true is not supported yet: the tiled kernel puts A's rows on wgmma's M}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<swap_ab = true>}
      : (memref<?x64xf32>, memref<4x256x64xf32>, memref<5xi32>, memref<?x256xf32>) -> ()
  return
}

// -----

// In a list of configurations by row count, every entry is checked.
func.func @by_rows_entry(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config split_k = 2 with cluster_m = 2 is not supported yet: the tiled kernel splits K only for blocks outside clusters}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = [#moe.gemm_config<>, #moe.gemm_config<split_k = 2, cluster_m = 2, min_rows = 1024>]}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}
