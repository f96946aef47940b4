// moe.quantize goes through the registered pipeline to PTX that ptxas
// assembles for sm_90a: the IEEE division (div.rn.f32, never an approximate
// one or a reciprocal), the e4m3 conversion of pairs
// (cvt.rn.satfinite.e4m3x2.f32) after the NaN test, the team's butterfly
// max, 16-byte loads of x with 8-byte (bf16) or 4-byte (f32) stores of q
// beside the one-byte stores of the scalar path.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: %python %moe_src_root/utils/extract-ptx.py %t/out.mlir | FileCheck %s

// CHECK-LABEL: // gpu.binary @quantize_groups_kernel
//   CHECK-NOT: div.approx
//   CHECK-NOT: div.full
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: shfl.sync.bfly.b32 {{.*}}, 8, 31, -1;
//   CHECK-DAG: div.rn.f32 {{.*}}, 0f43E00000;
//   CHECK-DAG: setp.nan.f32
//   CHECK-DAG: cvt.rn.satfinite.e4m3x2.f32
//   CHECK-DAG: st.global.v4.b16
//   CHECK-DAG: st.global.b8
//   CHECK-DAG: st.global.b32
func.func @quantize_groups(%x: tensor<?x7168xbf16>, %q: tensor<?x7168xf8E4M3FN>, %s: tensor<?x56xf32>)
    -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>) {
  %a, %b = moe.quantize %x group_size = 128 outs(%q, %s)
      : (tensor<?x7168xbf16>, tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>) -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>)
  return %a, %b : tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>
}

// CHECK-LABEL: // gpu.binary @quantize_static_kernel
//   CHECK-NOT: shfl.sync
//   CHECK-NOT: div.approx
//   CHECK-DAG: ld.global.v4.b32
//   CHECK-DAG: div.rn.f32
//   CHECK-DAG: cvt.rn.satfinite.e4m3x2.f32
//   CHECK-DAG: st.global.v2.b16
//   CHECK-DAG: st.global.b8
func.func @quantize_static(%x: tensor<?x?xf32>, %scale: tensor<1xf32>, %q: tensor<?x?xf8E4M3FN>)
    -> tensor<?x?xf8E4M3FN> {
  %a = moe.quantize %x scale(%scale) outs(%q)
      : (tensor<?x?xf32>, tensor<1xf32>, tensor<?x?xf8E4M3FN>) -> tensor<?x?xf8E4M3FN>
  return %a : tensor<?x?xf8E4M3FN>
}
