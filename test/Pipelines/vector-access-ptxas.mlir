// The memory-bound kernels (silu_and_mul, rms_norm, permute's row copy,
// combine's sum) move 16-byte chunks with vector loads and stores: in PTX,
// ld.global.v4.b32 / st.global.v4.b32 (8 bf16/f16 or 4 f32 per access; a
// 16-byte chunk of bf16 results narrowed from f32 is packed with
// cvt.rn.bf16x2.f32), next to the one-element accesses of the scalar
// fallback and of a row's last, partial chunk. Every kernel assembles with
// ptxas for sm_90a.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: %python %moe_src_root/utils/extract-ptx.py %t/out.mlir | FileCheck %s

// CHECK-LABEL: // gpu.binary @silu_bf16_kernel
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: cvt.rn.bf16x2.f32
//   CHECK-DAG: st.global.v4.b32
//   CHECK-DAG: ld.global.b16
//   CHECK-DAG: st.global.b16
func.func @silu_bf16(%x: tensor<?x1536xbf16>, %o: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.silu_and_mul %x outs(%o) : (tensor<?x1536xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// CHECK-LABEL: // gpu.binary @silu_f32_kernel
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: st.global.v4.b32
func.func @silu_f32(%x: tensor<?x4096xf32>, %o: tensor<?x2048xf32>) -> tensor<?x2048xf32> {
  %h = moe.silu_and_mul %x outs(%o) : (tensor<?x4096xf32>, tensor<?x2048xf32>) -> tensor<?x2048xf32>
  return %h : tensor<?x2048xf32>
}

// Per-type weights and the fused residual: x, residual and the weight row
// are read, residual_out and out written, 16 bytes at a time.
// CHECK-LABEL: // gpu.binary @norm_mot_bf16_kernel
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: st.global.v4.b32
//   CHECK-DAG: ld.global.b16
//   CHECK-DAG: st.global.b16
func.func @norm_mot_bf16(%x: tensor<?x3584xbf16>, %w: tensor<2x3584xbf16>, %types: tensor<?xi32>,
                         %res: tensor<?x3584xbf16>, %o: tensor<?x3584xbf16>, %ro: tensor<?x3584xbf16>)
    -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>) {
  %y, %s = moe.rms_norm %x, %w type_ids(%types) residual(%res) epsilon = 1.0e-06 outs(%o, %ro)
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>, tensor<?x3584xbf16>,
         tensor<?x3584xbf16>, tensor<?x3584xbf16>) -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
  return %y, %s : tensor<?x3584xbf16>, tensor<?x3584xbf16>
}

// f16 rows with an f32 weight: a chunk of 8 columns reads the weight as two
// 16-byte vectors.
// CHECK-LABEL: // gpu.binary @norm_f16_kernel
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: st.global.v4.b32
func.func @norm_f16(%x: tensor<?x4096xf16>, %w: tensor<4096xf32>, %o: tensor<?x4096xf16>) -> tensor<?x4096xf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-05 outs(%o)
      : (tensor<?x4096xf16>, tensor<4096xf32>, tensor<?x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

// A static, small ids: the single-block sort (no 16-byte global accesses),
// then the row copy.
// CHECK-LABEL: // gpu.binary @permute_bf16_kernel{{$}}
//   CHECK-NOT: ld.global.v4
// CHECK-LABEL: // gpu.binary @permute_bf16_kernel_{{[0-9]+}}{{$}}
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: st.global.v4.b32
//   CHECK-DAG: ld.global.b16
//   CHECK-DAG: st.global.b16
func.func @permute_bf16(%x: tensor<4x7168xbf16>, %ids: tensor<4x8xi32>, %r: tensor<32x7168xbf16>,
                        %s: tensor<32xi32>, %o: tensor<257xi32>)
    -> (tensor<32x7168xbf16>, tensor<32xi32>, tensor<257xi32>) {
  %0:3 = moe.permute %x, %ids num_experts = 256 outs(%r, %s, %o)
      : (tensor<4x7168xbf16>, tensor<4x8xi32>, tensor<32x7168xbf16>, tensor<32xi32>, tensor<257xi32>)
      -> (tensor<32x7168xbf16>, tensor<32xi32>, tensor<257xi32>)
  return %0#0, %0#1, %0#2 : tensor<32x7168xbf16>, tensor<32xi32>, tensor<257xi32>
}

// combine: init and invert kernels, then the sum.
// CHECK-LABEL: // gpu.binary @combine_bf16_kernel{{$}}
// CHECK-LABEL: // gpu.binary @combine_bf16_kernel_{{[0-9]+}}{{$}}
//   CHECK-NOT: ld.global.v4
// CHECK-LABEL: // gpu.binary @combine_bf16_kernel_{{[0-9]+}}{{$}}
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: st.global.v4.b32
//   CHECK-DAG: ld.global.b16
//   CHECK-DAG: st.global.b16
func.func @combine_bf16(%y: tensor<?x7168xbf16>, %src: tensor<?xi32>, %o: tensor<?x7168xbf16>)
    -> tensor<?x7168xbf16> {
  %0 = moe.combine %y, %src k = 8 outs(%o)
      : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %0 : tensor<?x7168xbf16>
}

// CHECK-LABEL: // gpu.binary @combine_weighted_f32_kernel{{$}}
// CHECK-LABEL: // gpu.binary @combine_weighted_f32_kernel_{{[0-9]+}}{{$}}
// CHECK-LABEL: // gpu.binary @combine_weighted_f32_kernel_{{[0-9]+}}{{$}}
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: st.global.v4.b32
func.func @combine_weighted_f32(%y: tensor<?x4096xf32>, %src: tensor<?xi32>, %w: tensor<?x2xf32>,
                                %o: tensor<?x4096xf32>) -> tensor<?x4096xf32> {
  %0 = moe.combine %y, %src weights(%w) k = 2 outs(%o)
      : (tensor<?x4096xf32>, tensor<?xi32>, tensor<?x2xf32>, tensor<?x4096xf32>) -> tensor<?x4096xf32>
  return %0 : tensor<?x4096xf32>
}
