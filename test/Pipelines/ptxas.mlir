// Every kernel the pipeline generates assembles with ptxas for sm_90a.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %S/Inputs/norm-and-act.mlir --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: ls %t/ptx | FileCheck %s
// CHECK: norm_kernel.ptx
// CHECK: norm_then_act_kernel
// CHECK: silu_kernel.ptx
