// The registered pipeline, from tensor-level moe ops to PTX in gpu.binary
// and host functions with C entry points.
// RUN: moe-opt %S/Inputs/norm-and-act.mlir --moe-to-nvvm="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --check-prefix=HOST < %t.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// HOST-DAG: gpu.binary @norm_kernel  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80"
// HOST-DAG: gpu.binary @silu_kernel
// HOST-DAG: llvm.func @_mlir_ciface_norm(
// HOST-DAG: llvm.func @_mlir_ciface_silu(
// HOST-DAG: llvm.func @_mlir_ciface_norm_then_act(
// HOST-DAG: llvm.call @mgpuMemAlloc
// HOST-DAG: llvm.call @mgpuMemFree
// HOST-DAG: llvm.call @mgpuStreamCreate
// HOST-DAG: llvm.call @mgpuStreamSynchronize
// HOST-DAG: gpu.launch_func <%{{.*}} : !llvm.ptr> @norm_kernel::@norm_kernel

// PTX-LABEL: // gpu.binary @norm_kernel
//       PTX: .target sm_90a
//   PTX-NOT: .extern .func
//       PTX: .visible .entry norm_kernel(
//       PTX: ld.global{{.*}}.b16
//       PTX: shfl.sync.bfly.b32
//       PTX: bar.sync
//       PTX: rsqrt.approx.f32
//       PTX: st.global{{.*}}.b16
// PTX-LABEL: // gpu.binary @silu_kernel
//       PTX: .visible .entry silu_kernel(
//       PTX: ex2.approx
//   PTX-NOT: .extern .func
