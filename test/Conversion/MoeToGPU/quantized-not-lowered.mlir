// RUN: moe-opt %s --moe-tile-grouped-matmul -split-input-file -verify-diagnostics
// RUN: moe-opt %s --convert-moe-to-gpu -split-input-file -verify-diagnostics

// The weight-only quantized GEMMs (the fp8 schemes have lowerings:
// tile-grouped-matmul-fp8.mlir, grouped-matmul-fp8-scaled.mlir) are legal
// IR without a GPU lowering yet: both lowering passes reject them at the
// op, before anything is rewritten, never with a crash or a bf16 kernel
// over int bytes.

// The simple kernel's config does not make it lowerable either.
func.func @w4a16_simple(%a: memref<?x256xbf16>, %w: memref<4x64x128xi8>, %o: memref<5xi32>,
                        %ws: memref<4x64x4xbf16>, %y: memref<?x64xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quantized grouped_matmul (quant = w4a16, integer weights dequantized in registers) is not lowered yet: the GPU kernels take 16- and 32-bit float operands and the fp8 schemes only}}
  moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 64 w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x256xbf16>, memref<4x64x128xi8>, memref<5xi32>, memref<4x64x4xbf16>, memref<?x64xbf16>) -> ()
  return
}

// -----

func.func @w8a16(%a: memref<?x64xf16>, %w: memref<4x32x64xi8>, %o: memref<5xi32>, %ws: memref<4x32xf32>, %y: memref<?x32xf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quantized grouped_matmul (quant = w8a16, integer weights dequantized in registers) is not lowered yet: the GPU kernels take 16- and 32-bit float operands and the fp8 schemes only}}
  moe.grouped_matmul %a, %w, %o quant = w8a16 w_scale(%ws) outs(%y)
      : (memref<?x64xf16>, memref<4x32x64xi8>, memref<5xi32>, memref<4x32xf32>, memref<?x32xf16>) -> ()
  return
}
