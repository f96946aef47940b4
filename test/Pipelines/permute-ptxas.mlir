// The align, permute and combine kernels assemble with ptxas for sm_90a.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: ls %t/ptx | FileCheck %s
// align and permute: the single-block sort, or (past one block's worth of
// slots) the three multi-block sort kernels; permute adds its row copy;
// combine: init, invert, sum. A static global table (many experts) leaves
// only the single-block sort.
// CHECK:      align_kernel.ptx
// CHECK-NEXT: align_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: align_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: align_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: align_many_experts_kernel.ptx
// CHECK-NEXT: align_mapped_kernel.ptx
// CHECK-NEXT: align_mapped_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: align_mapped_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: align_mapped_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: combine_kernel.ptx
// CHECK-NEXT: combine_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: combine_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: combine_weighted_kernel.ptx
// CHECK-NEXT: combine_weighted_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: combine_weighted_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_kernel.ptx
// CHECK-NEXT: permute_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_scale_rows_kernel.ptx
// CHECK-NEXT: permute_scale_rows_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_weighted_kernel.ptx
// CHECK-NEXT: permute_weighted_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_weighted_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_weighted_kernel_{{[0-9]+}}.ptx
// CHECK-NEXT: permute_weighted_kernel_{{[0-9]+}}.ptx
// CHECK-NOT:  .ptx

// vLLM's moe_align_block_size for a DeepSeek-like router (256 routed experts
// and one shared slot).
func.func @align(%ids: tensor<?x9xi32>, %s: tensor<?xi32>, %e: tensor<?xi32>,
                 %n: tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %0:3 = moe.align %ids num_experts = 257 block_m = 64 outs(%s, %e, %n)
      : (tensor<?x9xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %0#0, %0#1, %0#2 : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

// Expert parallelism: blocks name the local expert through expert_map.
func.func @align_mapped(%ids: tensor<?x8xi32>, %map: tensor<512xi32>, %s: tensor<?xi32>,
                        %e: tensor<?xi32>, %n: tensor<1xi32>)
    -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %0:3 = moe.align %ids expert_map(%map) num_experts = 512 block_m = 16 outs(%s, %e, %n)
      : (tensor<?x8xi32>, tensor<512xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %0#0, %0#1, %0#2 : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

// Too many experts for workgroup memory: the counts live in a temporary.
func.func @align_many_experts(%ids: tensor<?x4xi32>, %s: tensor<?xi32>, %e: tensor<?xi32>,
                              %n: tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %0:3 = moe.align %ids num_experts = 4096 block_m = 1 outs(%s, %e, %n)
      : (tensor<?x4xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %0#0, %0#1, %0#2 : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

func.func @permute(%x: tensor<?x7168xbf16>, %ids: tensor<?x8xi32>, %r: tensor<?x7168xbf16>,
                   %s: tensor<?xi32>, %o: tensor<257xi32>)
    -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<257xi32>) {
  %0:3 = moe.permute %x, %ids num_experts = 256 outs(%r, %s, %o)
      : (tensor<?x7168xbf16>, tensor<?x8xi32>, tensor<?x7168xbf16>, tensor<?xi32>, tensor<257xi32>)
      -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<257xi32>)
  return %0#0, %0#1, %0#2 : tensor<?x7168xbf16>, tensor<?xi32>, tensor<257xi32>
}

func.func @permute_weighted(%x: tensor<?x4096xf32>, %ids: tensor<?x2xi32>, %w: tensor<?x2xf32>,
                            %r: tensor<?x4096xf32>, %s: tensor<?xi32>, %o: tensor<9xi32>,
                            %rw: tensor<?xf32>)
    -> (tensor<?x4096xf32>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>) {
  %0:4 = moe.permute %x, %ids weights(%w) num_experts = 8 outs(%r, %s, %o, %rw)
      : (tensor<?x4096xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<?x4096xf32>,
         tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
      -> (tensor<?x4096xf32>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<?x4096xf32>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>
}

// Llama-4's rows times their weights (bf16 chunks widened, scaled, rounded
// back); static ids of one block: the single-block sort and the copy.
func.func @permute_scale_rows(%x: tensor<64x5120xbf16>, %ids: tensor<64x2xi32>,
                              %w: tensor<64x2xf32>, %r: tensor<128x5120xbf16>,
                              %s: tensor<128xi32>, %o: tensor<18xi32>)
    -> (tensor<128x5120xbf16>, tensor<128xi32>, tensor<18xi32>) {
  %0:3 = moe.permute %x, %ids weights(%w) scale_rows num_experts = 17 outs(%r, %s, %o)
      : (tensor<64x5120xbf16>, tensor<64x2xi32>, tensor<64x2xf32>, tensor<128x5120xbf16>,
         tensor<128xi32>, tensor<18xi32>) -> (tensor<128x5120xbf16>, tensor<128xi32>, tensor<18xi32>)
  return %0#0, %0#1, %0#2 : tensor<128x5120xbf16>, tensor<128xi32>, tensor<18xi32>
}

func.func @combine(%y: tensor<?x7168xbf16>, %src: tensor<?xi32>, %o: tensor<?x7168xbf16>)
    -> tensor<?x7168xbf16> {
  %0 = moe.combine %y, %src k = 9 outs(%o)
      : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %0 : tensor<?x7168xbf16>
}

func.func @combine_weighted(%y: tensor<?x4096xf32>, %src: tensor<?xi32>, %w: tensor<?x2xf32>,
                            %o: tensor<?x4096xf32>) -> tensor<?x4096xf32> {
  %0 = moe.combine %y, %src weights(%w) k = 2 outs(%o)
      : (tensor<?x4096xf32>, tensor<?xi32>, tensor<?x2xf32>, tensor<?x4096xf32>)
      -> tensor<?x4096xf32>
  return %0 : tensor<?x4096xf32>
}
