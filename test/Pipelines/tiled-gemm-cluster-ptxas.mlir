// The tiled grouped_matmul in clusters of two blocks (cluster_m = 2), gated
// and plain, through the whole pipeline: the host launches clusters, the
// W tiles are multicast (each block a half), the releases arrive in both
// blocks at CTA scope (a cluster-scope release stalled the kernel on a
// memory barrier at every K step: docs/performance.md, 5k), the mbarriers are fenced and the cluster synced before the first
// copy and before the exit; ptxas accepts every kernel.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: FileCheck %s --check-prefix=HOST < %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: cat %t/ptx/*.ptx | FileCheck %s
// RUN: not grep "mbarrier.arrive.release.cluster" %t/ptx/*.ptx

// HOST-LABEL: llvm.func @gated
//       HOST:   gpu.launch_func {{.*}} clusters in (%{{.*}}, %{{.*}}, %{{.*}}) blocks in
// HOST-LABEL: llvm.func @plain
//       HOST:   gpu.launch_func {{.*}} clusters in (%{{.*}}, %{{.*}}, %{{.*}}) blocks in

// CHECK-DAG: fence.mbarrier_init.release.cluster
// CHECK-DAG: barrier.cluster.arrive
// CHECK-DAG: barrier.cluster.wait
// CHECK-DAG: %cluster_ctarank
// CHECK-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster
// CHECK-DAG: cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster
// CHECK-DAG: mapa.shared::cluster.u64
// CHECK-DAG: mbarrier.arrive.shared::cluster.b64
// CHECK-DAG: wgmma.mma_async

func.func @gated(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>,
                 %offsets: tensor<129xi32>, %init: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %offsets epilogue = silu_and_mul outs(%init)
      {moe.config = #moe.gemm_config<cluster_m = 2>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>,
         tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @plain(%a: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>,
                 %offsets: tensor<129xi32>, %init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %a, %w2, %offsets outs(%init)
      {moe.config = #moe.gemm_config<cluster_m = 2>}
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>,
         tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
