// RUN: moe-opt %s --convert-moe-to-gpu -verify-diagnostics

// moe.quantize is to be fused into the kernel that produces its input; until
// then convert-moe-to-gpu rejects it at the op (not as an op "with no GPU
// lowering", and before any other op is rewritten).
func.func @quantize(%x: memref<?x256xbf16>, %q: memref<?x256xf8E4M3FN>, %s: memref<?x2xf32>) {
  // expected-error @+1 {{'moe.quantize' op is not lowered yet: fp8 activation quantization is to be fused into the kernel that produces its input (permute, the activation epilogue), and has no kernel of its own}}
  moe.quantize %x group_size = 128 outs(%q, %s)
      : (memref<?x256xbf16>, memref<?x256xf8E4M3FN>, memref<?x2xf32>) -> ()
  return
}
