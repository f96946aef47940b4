// RUN: moe-opt %s -split-input-file -verify-diagnostics

// moe.config is verified with every moe op (the rules of
// include/moe/Dialect/Moe/IR/MoeConfig.h, listed in docs/Pipeline.md): a
// #moe.gemm_config on grouped_matmul (its own verifier's cases are in
// gemm-config-invalid.mlir), else only the keys the op reads, integers in
// the ranges the hardware allows.

// The ranges that hold, at their ends.
func.func @valid(%a: tensor<?x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y: tensor<?x32xbf16>,
                 %x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> (tensor<?x32xbf16>, tensor<?x32xbf16>, tensor<4x8xf32>) {
  %0 = moe.grouped_matmul %a, %w, %o outs(%y)
      {moe.config = #moe.gemm_config<>}
      : (tensor<?x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  %1 = moe.grouped_matmul %a, %w, %o outs(%y)
      {moe.config = #moe.gemm_config<kernel = simple, simple_threads = 32>}
      : (tensor<?x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  %2 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = 96 : i128}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0, %1, %2 : tensor<?x32xbf16>, tensor<?x32xbf16>, tensor<4x8xf32>
}

// -----

func.func @threads_negative(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'moe.silu_and_mul' op moe.config key 'threads' = -64 is out of range: expected a multiple of 32 in [32, 1024]}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = -64 : i64}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @threads_zero(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{moe.config key 'threads' = 0 is out of range: expected a multiple of 32 in [32, 1024]}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = 0 : i64}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @threads_2_pow_32(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{moe.config key 'threads' = 4294967296 is out of range: expected a multiple of 32 in [32, 1024]}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = 4294967296 : i64}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @threads_past_a_block(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{moe.config key 'threads' = 2048 is out of range: expected a multiple of 32 in [32, 1024]}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = 2048 : i64}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @threads_not_whole_warps(%l: memref<16x512xf32>, %w: memref<16x10xf32>, %ids: memref<16x10xi32>) {
  // expected-error @+1 {{'moe.gate' op moe.config key 'threads' = 48 is out of range: expected a multiple of 32 in [32, 1024]}}
  moe.gate %l k = 10 scoring = softmax outs(%w, %ids) {moe.config = {threads = 48 : i64}}
      : (memref<16x512xf32>, memref<16x10xf32>, memref<16x10xi32>) -> ()
  return
}

// -----

func.func @threads_i128(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{moe.config key 'threads' = 170141183460469231731687303715884105727 : i128 is out of range: expected a multiple of 32 in [32, 1024]}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = 170141183460469231731687303715884105727 : i128}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @threads_not_an_integer(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{moe.config key 'threads' must be a multiple of 32 in [32, 1024], got 2.560000e+02 : f32}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = 256.0 : f32}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @threads_a_string(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{moe.config key 'threads' must be a multiple of 32 in [32, 1024], got "256"}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {threads = "256"}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @unknown_key(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'moe.silu_and_mul' op unknown moe.config key 'blocks': moe.silu_and_mul reads only 'threads'}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = {blocks = 4 : i64}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// A GEMM key on an op that has no GEMM (even with a bad value: the key is
// the error).
func.func @gemm_key_on_gate(%l: memref<16x512xf32>, %w: memref<16x10xf32>, %ids: memref<16x10xi32>) {
  // expected-error @+1 {{'moe.gate' op unknown moe.config key 'tile_n': moe.gate reads only 'threads'}}
  moe.gate %l k = 10 scoring = softmax outs(%w, %ids) {moe.config = {tile_n = 3.0 : f32}}
      : (memref<16x512xf32>, memref<16x10xf32>, memref<16x10xi32>) -> ()
  return
}

// -----

func.func @permute_keys(%x: memref<?x16xf32>, %ids: memref<?x2xi32>, %rows: memref<?x16xf32>,
                        %src: memref<?xi32>, %offsets: memref<9xi32>) {
  // expected-error @+1 {{'moe.permute' op unknown moe.config key 'tiled': moe.permute reads only 'threads', 'row_threads'}}
  moe.permute %x, %ids num_experts = 8 outs(%rows, %src, %offsets) {moe.config = {row_threads = 64 : i64, tiled = 0 : i64}}
      : (memref<?x16xf32>, memref<?x2xi32>, memref<?x16xf32>, memref<?xi32>, memref<9xi32>) -> ()
  return
}

// -----

func.func @row_threads(%x: memref<?x16xf32>, %ids: memref<?x2xi32>, %rows: memref<?x16xf32>,
                       %src: memref<?xi32>, %offsets: memref<9xi32>) {
  // expected-error @+1 {{'moe.permute' op moe.config key 'row_threads' = 1056 is out of range: expected a multiple of 32 in [32, 1024]}}
  moe.permute %x, %ids num_experts = 8 outs(%rows, %src, %offsets) {moe.config = {row_threads = 1056 : i64}}
      : (memref<?x16xf32>, memref<?x2xi32>, memref<?x16xf32>, memref<?xi32>, memref<9xi32>) -> ()
  return
}

// -----

func.func @fused_moe_reads_none(%x: tensor<?x64xbf16>, %l: tensor<?x8xf32>, %w13: tensor<8x64x64xbf16>,
                                %w2: tensor<8x64x32xbf16>, %o: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  // expected-error @+1 {{'moe.fused_moe' op unknown moe.config key 'threads': moe.fused_moe reads no moe.config}}
  %0 = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%o) {moe.config = {threads = 256 : i64}}
      : (tensor<?x64xbf16>, tensor<?x8xf32>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %0 : tensor<?x64xbf16>
}

// -----

func.func @not_a_dictionary(%x: tensor<4x16xf32>, %h: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'moe.silu_and_mul' op 'moe.config' must be a dictionary of integers, got 256 : i64}}
  %0 = moe.silu_and_mul %x outs(%h) {moe.config = 256 : i64} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// The GEMM's settings are typed: a dictionary, even of the keys it once
// read, is an error that names the attribute to use.
func.func @gemm_dictionary(%a: tensor<?x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y: tensor<?x32xbf16>) -> tensor<?x32xbf16> {
  // expected-error @+1 {{'moe.grouped_matmul' op 'moe.config' must be a #moe.gemm_config (e.g. #moe.gemm_config<tile_n = 128, stages = 3>) or a list of them by min_rows, not {tile_n = 128 : i64, warpgroups = 1 : i64}}}
  %0 = moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = {warpgroups = 1 : i64, tile_n = 128 : i64}}
      : (tensor<?x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  return %0 : tensor<?x32xbf16>
}

// -----

func.func @gemm_threads_dictionary(%a: memref<?x16xf32>, %w: memref<2x32x16xf32>, %o: memref<3xi32>, %y: memref<?x32xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'moe.config' must be a #moe.gemm_config (e.g. #moe.gemm_config<tile_n = 128, stages = 3>) or a list of them by min_rows, not {threads = 128 : i64}}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = {threads = 128 : i64}}
      : (memref<?x16xf32>, memref<2x32x16xf32>, memref<3xi32>, memref<?x32xf32>) -> ()
  return
}

// -----

func.func @gemm_integer(%a: tensor<?x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y: tensor<?x32xbf16>) -> tensor<?x32xbf16> {
  // expected-error @+1 {{'moe.grouped_matmul' op 'moe.config' must be a #moe.gemm_config (e.g. #moe.gemm_config<tile_n = 128, stages = 3>) or a list of them by min_rows, not 256 : i64}}
  %0 = moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = 256 : i64}
      : (tensor<?x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  return %0 : tensor<?x32xbf16>
}

// -----

// A #moe.gemm_config on an op without a GEMM.
func.func @gemm_config_on_rms_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %o: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'moe.rms_norm' op 'moe.config' must be a dictionary of integers, got #moe.gemm_config<>}}
  %0 = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%o) {moe.config = #moe.gemm_config<>}
      : (tensor<?x64xf32>, tensor<64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// mot_linear keeps its dictionary (its simple kernel reads `threads`).
func.func @gemm_config_on_mot_linear(%x: tensor<?x16xbf16>, %w: tensor<2x32x16xbf16>, %t: tensor<?xi32>, %o: tensor<?x32xbf16>) -> tensor<?x32xbf16> {
  // expected-error @+1 {{'moe.mot_linear' op 'moe.config' must be a dictionary of integers, got #moe.gemm_config<tile_n = 128>}}
  %0 = moe.mot_linear %x, %w, %t outs(%o) {moe.config = #moe.gemm_config<tile_n = 128>}
      : (tensor<?x16xbf16>, tensor<2x32x16xbf16>, tensor<?xi32>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  return %0 : tensor<?x32xbf16>
}
