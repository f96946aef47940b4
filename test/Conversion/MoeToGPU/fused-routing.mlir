// RUN: moe-opt %s --convert-moe-to-gpu="fuse-routing-max-slots=4096" --split-input-file | FileCheck %s
// RUN: moe-opt %s --convert-moe-to-gpu="fuse-routing=0" --split-input-file | FileCheck %s --check-prefix=NOFUSE
// The default bound, 512 slots (the smaller of the option and the sort's
// 4096):
// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s --check-prefix=BOUND
// BOUND-LABEL: func.func @qwen3_permute_indices
//       BOUND: %[[SLOTS:.*]] = arith.muli %{{.*}}, %c8 : index
//       BOUND: arith.cmpi ule, %[[SLOTS]], %c512 :
// BOUND-LABEL: func.func @deepseek_v3_align
//       BOUND: arith.cmpi ule, %{{.*}}, %c512 :
// A bound above one block's sort is capped at the sort's:
// RUN: moe-opt %s --convert-moe-to-gpu="fuse-routing-max-slots=100000" --split-input-file | FileCheck %s --check-prefix=CAPPED
// CAPPED-LABEL: func.func @qwen3_permute_indices
//       CAPPED: arith.cmpi ule, %{{.*}}, %c4096 :
// RUN: not moe-opt %s --convert-moe-to-gpu="fuse-routing-max-slots=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: convert-moe-to-gpu: fuse-routing-max-slots = 0 must be positive

// Qwen3-like softmax routing (E = 128, k = 8) and the permutation's indices,
// T dynamic: on the host, T * 8 <= 4096 (the bound asked for here; 512 by
// default) takes the fused launch (a ticket
// counter zeroed only when T > 1), else the gate's own launch and, after it,
// the sort's kernels. The fused launch: max(T, 1) blocks of 512 threads,
// the sort's workgroup buffers (16 warp totals, the table of 16 warps x 128
// experts + 129 starts), the last-block flag, then the gate's; block b < T
// runs the gate kernel's body; with several blocks each fences and takes a
// ticket; the last block fences and sorts.
// CHECK-LABEL: func.func @qwen3_permute_indices
//  CHECK-SAME: (%[[L:.*]]: memref<?x128xbf16>, %[[W:.*]]: memref<?x8xf32>, %[[I:.*]]: memref<?x8xi32>, %[[SRC:.*]]: memref<?xi32>, %[[OFFS:.*]]: memref<129xi32>, %[[RW:.*]]: memref<?xf32>)
//       CHECK: %[[SLOTS:.*]] = arith.muli %{{.*}}, %c8 : index
//       CHECK: %[[FITS:.*]] = arith.cmpi ule, %[[SLOTS]], %c4096
//       CHECK: arith.maxui %[[ROWS:.*]], %c1
//       CHECK: %[[MANY:.*]] = arith.cmpi ugt, %[[ROWS]], %c1
//       CHECK: %[[COUNTS:.*]] = arith.andi %[[FITS]], %[[MANY]]
//       CHECK: %[[SIZE:.*]] = arith.select %[[COUNTS]], %c1{{[_0-9]*}}, %c0
//       CHECK: %[[COUNTER:.*]] = memref.alloc(%[[SIZE]]) : memref<?xi32>
//       CHECK: scf.if %[[FITS]] {
//       CHECK:   scf.if %[[MANY]] {
//       CHECK:     gpu.memset %[[COUNTER]], %{{.*}} : memref<?xi32>, i32
//       CHECK:   gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%[[GS:[^ ]*]] = %{{[^,]*}}, {{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c512{{[_0-9]*}}, {{.*}}) workgroup(%[[TOTALS:.*]] : memref<16xi32, #gpu.address_space<workgroup>>, %[[TABLE:.*]] : memref<2180xi32, #gpu.address_space<workgroup>>, %[[FLAG:.*]] : memref<4xi32, #gpu.address_space<workgroup>>, %[[SEL:.*]] : memref<128xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32xf32, #gpu.address_space<workgroup>>)
//       CHECK:     arith.cmpi ult, %[[B]], %[[ROWS]]
//       CHECK:     memref.load %[[L]][%[[B]], %{{.*}}] : memref<?x128xbf16>
//       CHECK:     gpu.all_reduce maxnumf
//       CHECK:     gpu.all_reduce maxui
//       CHECK:     memref.store %{{.*}}, %[[I]][%[[B]], %{{.*}}] : memref<?x8xi32>
//       CHECK:     %[[SEVERAL:.*]] = arith.cmpi ugt, %[[GS]], %c1{{[_0-9]*}} :
//       CHECK:     %[[LAST:.*]] = scf.if %[[SEVERAL]] -> (i1) {
//       CHECK:       nvvm.memory.barrier <gpu>
//       CHECK:       gpu.barrier
//       CHECK:       scf.if
//       CHECK:         %[[TICKET:.*]] = memref.atomic_rmw addi %{{.*}}, %[[COUNTER]][%{{.*}}] : (i32, memref<?xi32>) -> i32
//       CHECK:         arith.cmpi eq, %[[TICKET]]
//       CHECK:         memref.store %{{.*}}, %[[FLAG]]
//       CHECK:       gpu.barrier
//       CHECK:       memref.load %[[FLAG]]
//       CHECK:     scf.if %[[LAST]] {
//       CHECK:       nvvm.memory.barrier <gpu>
//       CHECK:       memref.load %[[I]]
//       CHECK:       memref.atomic_rmw addi %{{.*}}, %[[TABLE]]
//       CHECK:       memref.store %{{.*}}, %[[OFFS]]
//       CHECK:       nvvm.match.sync{{ +}}any
//       CHECK:       memref.store %{{.*}}, %[[SRC]]
//       CHECK:       memref.load %[[W]]
//       CHECK:       memref.store %{{.*}}, %[[RW]]
//       CHECK:     gpu.terminator
//  CHECK-NEXT:   }
//  CHECK-NEXT: } else {
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{[_0-9]*}}, {{.*}}) workgroup(%{{.*}} : memref<128xf32, #gpu.address_space<workgroup>>
//       CHECK: }
//       CHECK: %[[ABOVE:.*]] = arith.xori %[[FITS]], %true
//       CHECK: memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK: scf.if %[[ABOVE]] {
//       CHECK:   scf.if
//       CHECK:     gpu.launch
//       CHECK:     gpu.launch
//       CHECK:     gpu.launch
//       CHECK:   } else {
//       CHECK:     gpu.launch
//   CHECK-NOT: moe.
//       CHECK: return

// NOFUSE-LABEL: func.func @qwen3_permute_indices
//   NOFUSE-NOT:   nvvm.memory.barrier
//       NOFUSE:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{[_0-9]*}}, {{.*}})
//   NOFUSE-NOT:   nvvm.memory.barrier
//       NOFUSE:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c1024{{[_0-9]*}}, {{.*}})
//   NOFUSE-NOT:   nvvm.memory.barrier
//       NOFUSE: return
func.func @qwen3_permute_indices(%logits: memref<?x128xbf16>, %w: memref<?x8xf32>, %ids: memref<?x8xi32>,
    %src: memref<?xi32>, %off: memref<129xi32>, %rw: memref<?xf32>) {
  moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (memref<?x128xbf16>, memref<?x8xf32>, memref<?x8xi32>) -> ()
  moe.permute_indices %ids weights(%w) num_experts = 128 outs(%src, %off, %rw)
      : (memref<?x8xi32>, memref<?x8xf32>, memref<?xi32>, memref<129xi32>, memref<?xf32>) -> ()
  return
}

// -----

// DeepSeek-V3-like: sigmoid + bias, 8 groups (top2_sum, 4 kept), scale 2.5,
// one shared expert; align (block_m = 64) over the 257 experts. An
// allocation between the two ops does not keep them apart. The gate's
// buffers follow the sort's (table: 16 warps x 257 experts + 258 starts,
// padded) and the flag: selection and scores, picks, group scores.
// CHECK-LABEL: func.func @deepseek_v3_align
//  CHECK-SAME: (%[[L:.*]]: memref<?x256xf32>, %[[BIAS:.*]]: memref<256xf32>, %{{.*}}: memref<?x9xf32>, %[[I:.*]]: memref<?x9xi32>, %[[SORTED:.*]]: memref<?xi32>, %[[EXPERTS:.*]]: memref<?xi32>, %[[TOTAL:.*]]: memref<1xi32>)
//       CHECK: arith.cmpi ule, %{{.*}}, %c4096
//       CHECK: scf.if
//       CHECK:   gpu.memset
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c512{{[_0-9]*}}, {{.*}}) workgroup(%{{.*}} : memref<16xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4372xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xi32, #gpu.address_space<workgroup>>, %[[GROUPS:.*]] : memref<8xf32, #gpu.address_space<workgroup>>)
//       CHECK:     memref.load %[[BIAS]]
//       CHECK:     memref.store %{{.*}}, %[[GROUPS]]
//       CHECK:     memref.atomic_rmw addi
//       CHECK:     memref.store %{{.*}}, %[[SORTED]]
//       CHECK:     memref.store %{{.*}}, %[[EXPERTS]]
//       CHECK:     memref.store %{{.*}}, %[[TOTAL]]
//       CHECK:     gpu.terminator
//  CHECK-NEXT:   }
//  CHECK-NEXT: } else {
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c64{{[_0-9]*}}, {{.*}})
//   CHECK-NOT: moe.
//       CHECK: return
func.func @deepseek_v3_align(%logits: memref<?x256xf32>, %bias: memref<256xf32>, %w: memref<?x9xf32>, %ids: memref<?x9xi32>,
    %sorted: memref<?xi32>, %experts: memref<?xi32>, %total: memref<1xi32>) {
  moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1 outs(%w, %ids)
      : (memref<?x256xf32>, memref<256xf32>, memref<?x9xf32>, memref<?x9xi32>) -> ()
  %unused = memref.alloc() : memref<4xi32>
  moe.align %ids num_experts = 257 block_m = 64 outs(%sorted, %experts, %total)
      : (memref<?x9xi32>, memref<?xi32>, memref<?xi32>, memref<1xi32>) -> ()
  return
}

// -----

// T = 1 known at compile time (a decode step): the fused launch alone, one
// block, no counter, no memset, no host test.
// CHECK-LABEL: func.func @qwen3_permute_one_token
//   CHECK-NOT: gpu.memset
//   CHECK-NOT: scf.if
//       CHECK: gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{.*}} = %c512{{[_0-9]*}}
//   CHECK-NOT: memref.atomic_rmw addi %{{.*}}, %{{.*}} : (i32, memref<?xi32>)
//       CHECK:   nvvm.memory.barrier <gpu>
//       CHECK:   nvvm.match.sync{{ +}}any
//       CHECK: gpu.terminator
// The row scatter of permute follows.
//       CHECK: gpu.launch
//   CHECK-NOT: gpu.launch
//       CHECK: return
func.func @qwen3_permute_one_token(%x: memref<1x2048xbf16>, %logits: memref<1x128xbf16>, %w: memref<1x8xf32>,
    %ids: memref<1x8xi32>, %rows: memref<8x2048xbf16>, %src: memref<8xi32>, %off: memref<129xi32>, %rw: memref<8xf32>) {
  moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (memref<1x128xbf16>, memref<1x8xf32>, memref<1x8xi32>) -> ()
  moe.permute %x, %ids weights(%w) num_experts = 128 outs(%rows, %src, %off, %rw)
      : (memref<1x2048xbf16>, memref<1x8xi32>, memref<1x8xf32>, memref<8x2048xbf16>, memref<8xi32>, memref<129xi32>, memref<8xf32>) -> ()
  return
}

// -----

// A decode step as fused_moe's decomposition leaves it (without the GEMMs):
// the fused launch's sort also writes each slot's row into the slot_rows
// out (-1 for a dropped slot), the row scatter reads it, and combine reads
// it too: three launches, no temporary (no slot -> row table of permute's,
// no inverse of src_index for combine, no atomics outside the sort's
// counts).
// CHECK-LABEL: func.func @qwen3_decode_slot_rows
//  CHECK-SAME: %[[ROWS:[a-z0-9]+]]: memref<8x2048xbf16>, %[[SRC:[a-z0-9]+]]: memref<8xi32>, %{{[a-z0-9]+}}: memref<129xi32>, %{{[a-z0-9]+}}: memref<8xf32>, %[[SLOTS:[a-z0-9]+]]: memref<8xi32>, %[[OUT:[a-z0-9]+]]: memref<1x2048xbf16>)
//   CHECK-NOT: memref.alloc
//       CHECK: gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{.*}} = %c512{{[_0-9]*}}
//       CHECK:   nvvm.match.sync{{ +}}any
//       CHECK:   memref.store %{{.*}}, %[[SRC]]
//       CHECK:   memref.store %{{.*}}, %[[SLOTS]]
//       CHECK:   memref.store %c-1_i32{{.*}}, %[[SLOTS]]
//       CHECK: gpu.terminator
//   CHECK-NOT: memref.alloc
//       CHECK: gpu.launch
//       CHECK:   memref.load %[[SLOTS]]
//       CHECK:   memref.store %{{.*}}, %[[ROWS]]
//       CHECK: gpu.terminator
//   CHECK-NOT: memref.alloc
//       CHECK: gpu.launch
//   CHECK-NOT:   memref.atomic_rmw
//       CHECK:   memref.load %[[SLOTS]]
//       CHECK:   memref.store %{{.*}}, %[[OUT]]
//       CHECK: gpu.terminator
//   CHECK-NOT: gpu.launch
//       CHECK: return
// NOFUSE-LABEL: func.func @qwen3_decode_slot_rows
//   NOFUSE-NOT: memref.alloc
//       NOFUSE: gpu.launch
//       NOFUSE: gpu.launch
//       NOFUSE:   memref.store %{{.*}}, %{{.*}} : memref<8xi32>
//       NOFUSE:   memref.store %c-1_i32{{.*}}, %{{.*}} : memref<8xi32>
//       NOFUSE: gpu.launch
//       NOFUSE: gpu.launch
//   NOFUSE-NOT: gpu.launch
//       NOFUSE: return
func.func @qwen3_decode_slot_rows(%x: memref<1x2048xbf16>, %logits: memref<1x128xbf16>, %w: memref<1x8xf32>,
    %ids: memref<1x8xi32>, %rows: memref<8x2048xbf16>, %src: memref<8xi32>, %off: memref<129xi32>, %rw: memref<8xf32>,
    %slots: memref<8xi32>, %out: memref<1x2048xbf16>) {
  moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (memref<1x128xbf16>, memref<1x8xf32>, memref<1x8xi32>) -> ()
  moe.permute %x, %ids weights(%w) num_experts = 128 outs(%rows, %src, %off, %rw) slot_rows_outs(%slots)
      : (memref<1x2048xbf16>, memref<1x8xi32>, memref<1x8xf32>, memref<8x2048xbf16>, memref<8xi32>,
         memref<129xi32>, memref<8xf32>, memref<8xi32>) -> ()
  moe.combine %rows, %src slot_rows(%slots) k = 8 outs(%out)
      : (memref<8x2048xbf16>, memref<8xi32>, memref<8xi32>, memref<1x2048xbf16>) -> ()
  return
}

// -----

// T = 1024 known at compile time: 8192 slots, above the bound: the gate's
// own launch (32 threads), then the sort's own kernels (1024 threads), as
// with fuse-routing=0.
// CHECK-LABEL: func.func @qwen3_align_above_bound
//   CHECK-NOT: gpu.memset
//   CHECK-NOT: nvvm.memory.barrier
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{[_0-9]*}}, {{.*}})
//   CHECK-NOT: nvvm.memory.barrier
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c1024{{[_0-9]*}}, {{.*}})
//   CHECK-NOT: nvvm.memory.barrier
//       CHECK: return
func.func @qwen3_align_above_bound(%logits: memref<1024x128xbf16>, %w: memref<1024x8xf32>, %ids: memref<1024x8xi32>,
    %sorted: memref<?xi32>, %experts: memref<?xi32>, %total: memref<1xi32>) {
  moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (memref<1024x128xbf16>, memref<1024x8xf32>, memref<1024x8xi32>) -> ()
  moe.align %ids num_experts = 128 block_m = 64 outs(%sorted, %experts, %total)
      : (memref<1024x8xi32>, memref<?xi32>, memref<?xi32>, memref<1xi32>) -> ()
  return
}

// -----

// Not fused: something writes memory between the gate and the sort (the
// ids could change), or the sort reads other ids than the gate wrote.
// CHECK-LABEL: func.func @write_between
//   CHECK-NOT: nvvm.memory.barrier
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{[_0-9]*}}, {{.*}})
//       CHECK: memref.copy
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c1024{{[_0-9]*}}, {{.*}})
//   CHECK-NOT: nvvm.memory.barrier
//       CHECK: return
func.func @write_between(%logits: memref<?x8xf32>, %w: memref<?x2xf32>, %ids: memref<?x2xi32>,
    %other: memref<?x2xi32>, %src: memref<?xi32>, %off: memref<9xi32>) {
  moe.gate %logits k = 2 scoring = softmax renormalize outs(%w, %ids)
      : (memref<?x8xf32>, memref<?x2xf32>, memref<?x2xi32>) -> ()
  memref.copy %other, %ids : memref<?x2xi32> to memref<?x2xi32>
  moe.permute_indices %ids num_experts = 8 outs(%src, %off)
      : (memref<?x2xi32>, memref<?xi32>, memref<9xi32>) -> ()
  return
}

// CHECK-LABEL: func.func @other_ids
//   CHECK-NOT: nvvm.memory.barrier
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{[_0-9]*}}, {{.*}})
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c1024{{[_0-9]*}}, {{.*}})
//   CHECK-NOT: nvvm.memory.barrier
//       CHECK: return
func.func @other_ids(%logits: memref<?x8xf32>, %w: memref<?x2xf32>, %ids: memref<?x2xi32>,
    %other: memref<?x2xi32>, %src: memref<?xi32>, %off: memref<9xi32>) {
  moe.gate %logits k = 2 scoring = softmax renormalize outs(%w, %ids)
      : (memref<?x8xf32>, memref<?x2xf32>, memref<?x2xi32>) -> ()
  moe.permute_indices %other num_experts = 8 outs(%src, %off)
      : (memref<?x2xi32>, memref<?xi32>, memref<9xi32>) -> ()
  return
}
