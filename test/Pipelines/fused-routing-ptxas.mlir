// The fused routing kernels (convert-moe-to-gpu fuse-routing) of the GPU
// suite's functions assemble with ptxas for sm_90a; each fused kernel
// releases its gate's writes before its ticket (membar.gl, then a global
// atomic add) and fences again before the sort, and has no libdevice call
// or approximate exp. Vector loads from workgroup memory come only from the
// sort's warp totals, the kernel's first workgroup variable (as in the
// sort's own kernel): none from the gate's buffers.
// The sanitizer build runs the same lowering on the suite file
// (test/GPU/suite/fused-routing.mlir); this test adds ptxas, checked in the
// regular build (CI time).
// REQUIRES: ptxas
// UNSUPPORTED: sanitizers
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %moe_src_root/test/GPU/suite/fused-routing.mlir --moe-to-nvvm="chip=sm_90a format=isa fuse-routing=1" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: not grep -E "__nv_|ex2\.approx" %t/ptx/*.ptx
// RUN: cat %t/ptx/routing_qwen3_permute_indices_kernel.ptx | FileCheck %s
// RUN: cat %t/ptx/routing_deepseek_v3_align_kernel.ptx | FileCheck %s
// RUN: cat %t/ptx/routing_kimi_k2_permute_kernel.ptx | FileCheck %s
// CHECK: .entry [[KERNEL:[a-z0-9_]+]](
// CHECK-NOT: ld.shared.v{{[24]}}.{{.*}}[[KERNEL]]_{{[1-9]}}
// CHECK: membar.gl;
// CHECK-NOT: ld.shared.v{{[24]}}.{{.*}}[[KERNEL]]_{{[1-9]}}
// CHECK: atom.global.add.u32
// CHECK-NOT: ld.shared.v{{[24]}}.{{.*}}[[KERNEL]]_{{[1-9]}}
// CHECK: membar.gl;
// CHECK-NOT: ld.shared.v{{[24]}}.{{.*}}[[KERNEL]]_{{[1-9]}}
// CHECK: match.any.sync
// CHECK-NOT: ld.shared.v{{[24]}}.{{.*}}[[KERNEL]]_{{[1-9]}}
// CHECK: ret;
