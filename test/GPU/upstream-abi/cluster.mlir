// Upstream-ABI test (b): a cluster launch. A 4x2 grid of 32-thread blocks
// in 2x2 clusters (mgpuLaunchClusterKernel). Each block writes its cluster
// id, block id in the cluster, cluster size in blocks, clusters in the grid
// (x and y each) and CTA rank to `ids`, stores its row of `in` in shared
// memory and, between two cluster barriers, reads the shared row of the
// block of the next rank in its cluster (nvvm.mapa) into `peer`.
// Compiled for the GPU host by utils/build-upstream-abi-artifacts.sh and run
// there by test/GPU/upstream_abi_tests.py on libMoeRuntime.so; here: the
// stock pipeline (PTX kept as text), and what the host code and PTX hold.
// RUN: %mlir_opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" -o %t.mlir
// RUN: %mlir_translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=HOST
// RUN: %python %moe_src_root/utils/extract-ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// HOST: define void @cluster(
// HOST-NOT: call void @mgpuLaunchKernel(
// HOST: call void @mgpuLaunchClusterKernel(ptr %{{.*}}, i64 2, i64 2, i64 1, i64 4, i64 2, i64 1, i64 32, i64 1, i64 1,
// HOST-NOT: call void @mgpuLaunchKernel(
// HOST: define void @_mlir_ciface_cluster(ptr %0, ptr %1, ptr %2)
// PTX: barrier.cluster.arrive
// PTX: barrier.cluster.wait
// PTX: %cluster_ctarank
// PTX: %cluster_nctarank
// PTX: mapa.shared::cluster.u64
// PTX: ld.shared::cluster.b32
// PTX-DAG: %clusterid.x
// PTX-DAG: %clusterid.y
// PTX-DAG: %cluster_ctaid.x
// PTX-DAG: %cluster_ctaid.y
// PTX-DAG: %cluster_nctaid.x
// PTX-DAG: %cluster_nctaid.y
// PTX-DAG: %nclusterid.x
// PTX-DAG: %nclusterid.y

func.func @cluster(%in: memref<8x32xi32>, %ids: memref<8x9xi32>, %peer: memref<8x32xi32>)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %t0 = gpu.wait async
  %din, %t1 = gpu.alloc async [%t0] () : memref<8x32xi32>
  %dids, %t2 = gpu.alloc async [%t1] () : memref<8x9xi32>
  %dpeer, %t3 = gpu.alloc async [%t2] () : memref<8x32xi32>
  %t4 = gpu.memcpy async [%t3] %din, %in : memref<8x32xi32>, memref<8x32xi32>
  %t5 = gpu.launch async [%t4]
      clusters(%cx, %cy, %cz) in (%ncx = %c2, %ncy = %c2, %ncz = %c1)
      blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c2, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
      workgroup(%smem : memref<32xi32, #gpu.address_space<workgroup>>) {
    %brow = arith.muli %by, %c4 : index
    %b = arith.addi %brow, %bx : index
    %v = memref.load %din[%b, %tx] : memref<8x32xi32>
    memref.store %v, %smem[%tx] : memref<32xi32, #gpu.address_space<workgroup>>
    nvvm.cluster.arrive
    nvvm.cluster.wait
    %rank = nvvm.read.ptx.sreg.cluster.ctarank : i32
    %size = nvvm.read.ptx.sreg.cluster.nctarank : i32
    %one = arith.constant 1 : i32
    %next = arith.addi %rank, %one : i32
    %peerRank = arith.remui %next, %size : i32
    %base = memref.extract_aligned_pointer_as_index %smem
        : memref<32xi32, #gpu.address_space<workgroup>> -> index
    %base64 = arith.index_cast %base : index to i64
    %local = llvm.inttoptr %base64 : i64 to !llvm.ptr<3>
    %remote = nvvm.mapa %local, %peerRank : !llvm.ptr<3> -> !llvm.ptr<7>
    %tx32 = arith.index_cast %tx : index to i32
    %addr = llvm.getelementptr %remote[%tx32] : (!llvm.ptr<7>, i32) -> !llvm.ptr<7>, i32
    %pv = llvm.load %addr : !llvm.ptr<7> -> i32
    memref.store %pv, %dpeer[%b, %tx] : memref<8x32xi32>
    %first = arith.cmpi eq, %tx, %c0 : index
    scf.if %first {
      %c3 = arith.constant 3 : index
      %c5 = arith.constant 5 : index
      %c6 = arith.constant 6 : index
      %c7 = arith.constant 7 : index
      %c8 = arith.constant 8 : index
      %cidx = gpu.cluster_id x
      %cidy = gpu.cluster_id y
      %cbx = gpu.cluster_block_id x
      %cby = gpu.cluster_block_id y
      %cdx = gpu.cluster_dim_blocks x
      %cdy = gpu.cluster_dim_blocks y
      %ncdx = gpu.cluster_dim x
      %ncdy = gpu.cluster_dim y
      %v0 = arith.index_cast %cidx : index to i32
      %v1 = arith.index_cast %cidy : index to i32
      %v2 = arith.index_cast %cbx : index to i32
      %v3 = arith.index_cast %cby : index to i32
      %v4 = arith.index_cast %cdx : index to i32
      %v5 = arith.index_cast %cdy : index to i32
      %v6 = arith.index_cast %ncdx : index to i32
      %v7 = arith.index_cast %ncdy : index to i32
      memref.store %v0, %dids[%b, %c0] : memref<8x9xi32>
      memref.store %v1, %dids[%b, %c1] : memref<8x9xi32>
      memref.store %v2, %dids[%b, %c2] : memref<8x9xi32>
      memref.store %v3, %dids[%b, %c3] : memref<8x9xi32>
      memref.store %v4, %dids[%b, %c4] : memref<8x9xi32>
      memref.store %v5, %dids[%b, %c5] : memref<8x9xi32>
      memref.store %v6, %dids[%b, %c6] : memref<8x9xi32>
      memref.store %v7, %dids[%b, %c7] : memref<8x9xi32>
      memref.store %rank, %dids[%b, %c8] : memref<8x9xi32>
    }
    // No block leaves while a peer may still read its shared memory.
    nvvm.cluster.arrive
    nvvm.cluster.wait
    gpu.terminator
  }
  %t6 = gpu.memcpy async [%t5] %ids, %dids : memref<8x9xi32>, memref<8x9xi32>
  %t7 = gpu.memcpy async [%t6] %peer, %dpeer : memref<8x32xi32>, memref<8x32xi32>
  %t8 = gpu.dealloc async [%t7] %din : memref<8x32xi32>
  %t9 = gpu.dealloc async [%t8] %dids : memref<8x9xi32>
  %t10 = gpu.dealloc async [%t9] %dpeer : memref<8x32xi32>
  gpu.wait [%t10]
  return
}
