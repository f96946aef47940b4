// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// align: past one block's worth of slots, three launches share a temporary
// (starts, then per-block counts): per-block counts, a single-block scan
// (sentinels, expert_ids, the padded total), then per-block placement.
// Up to it, one block does everything.
// CHECK-LABEL: func.func @align
//  CHECK-SAME: (%[[IDS:.*]]: memref<?x8xi32>, %[[S:.*]]: memref<?xi32>, %[[E:.*]]: memref<?xi32>, %[[N:.*]]: memref<1xi32>)
//       CHECK: %[[TEMP:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK: scf.if
//       CHECK:   gpu.launch {{.*}} workgroup(%{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>, %[[T1:.*]] : memref<2116xi32, #gpu.address_space<workgroup>>)
//       CHECK:     memref.load %[[IDS]]
//       CHECK:     memref.atomic_rmw addi %{{.*}}, %[[T1]]
//       CHECK:     gpu.barrier
//       CHECK:     memref.store %{{.*}}, %[[TEMP]]
//       CHECK:     gpu.terminator
//       CHECK:   gpu.launch {{.*}} workgroup(%{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>) {
//       CHECK:     memref.store %{{.*}}, %[[S]]
//       CHECK:     gpu.shuffle  up
//       CHECK:     gpu.barrier
//       CHECK:     memref.store %{{.*}}, %[[E]]
//       CHECK:     memref.store %{{.*}}, %[[N]]
//       CHECK:     gpu.terminator
//       CHECK:   gpu.launch {{.*}} workgroup(%{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>, %[[T3:.*]] : memref<2116xi32, #gpu.address_space<workgroup>>)
//       CHECK:     memref.atomic_rmw addi %{{.*}}, %[[T3]]
//       CHECK:     memref.load %[[TEMP]]
//       CHECK:     scf.for
//       CHECK:       nvvm.match.sync any %{{.*}}, %{{.*}} : i32 -> i32
//       CHECK:       math.ctpop
//       CHECK:       gpu.shuffle  idx
//       CHECK:       memref.store %{{.*}}, %[[S]]
//       CHECK:       gpu.barrier
//       CHECK:     gpu.terminator
//       CHECK: } else {
//       CHECK:   gpu.launch
//   CHECK-NOT:   gpu.launch
//       CHECK:     memref.store %{{.*}}, %[[S]]
//       CHECK:     memref.atomic_rmw addi
//       CHECK:     memref.store %{{.*}}, %[[E]]
//       CHECK:     memref.store %{{.*}}, %[[N]]
//       CHECK:     gpu.shuffle  idx
//       CHECK:     memref.store %{{.*}}, %[[S]]
//       CHECK:     gpu.terminator
//   CHECK-NOT: moe.align
func.func @align(%ids: memref<?x8xi32>, %s: memref<?xi32>, %e: memref<?xi32>, %n: memref<1xi32>) {
  moe.align %ids num_experts = 64 block_m = 16 outs(%s, %e, %n)
      : (memref<?x8xi32>, memref<?xi32>, memref<?xi32>, memref<1xi32>) -> ()
  return
}

// -----

// With expert_map, each block's expert goes through the map (bounds-checked).
// Static ids of at most one block's worth of slots: one block, no temporary.
// The block size comes from moe.config.
// CHECK-LABEL: func.func @align_expert_map
//  CHECK-SAME: (%[[IDS:.*]]: memref<4x2xi32>, %[[MAP:.*]]: memref<8xi32>, %[[S:.*]]: memref<64xi32>, %[[E:.*]]: memref<8xi32>, %[[N:.*]]: memref<1xi32>)
//   CHECK-NOT: memref.alloc
//   CHECK-NOT: scf.if
//       CHECK: %[[C256:.*]] = arith.constant 256 : index
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C256]],
//       CHECK:   scf.if
//       CHECK:     memref.load %[[MAP]]
//       CHECK:   memref.store %{{.*}}, %[[E]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: gpu.launch
func.func @align_expert_map(%ids: memref<4x2xi32>, %map: memref<8xi32>, %s: memref<64xi32>,
                            %e: memref<8xi32>, %n: memref<1xi32>) {
  moe.align %ids expert_map(%map) num_experts = 8 block_m = 8 outs(%s, %e, %n)
      {moe.config = {threads = 256 : i64}}
      : (memref<4x2xi32>, memref<8xi32>, memref<64xi32>, memref<8xi32>, memref<1xi32>) -> ()
  return
}

// -----

// Too many experts for per-warp counts in workgroup memory: the table is a
// static global temporary and a single block sorts.
// CHECK-LABEL: func.func @align_many_experts
//       CHECK: %[[TABLE:.*]] = memref.alloc() : memref<135169xi32>
//   CHECK-NOT: scf.if
//       CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>) {
//       CHECK:   memref.atomic_rmw addi %{{.*}}, %[[TABLE]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: gpu.launch
func.func @align_many_experts(%ids: memref<?x4xi32>, %s: memref<?xi32>, %e: memref<?xi32>,
                              %n: memref<1xi32>) {
  moe.align %ids num_experts = 4096 block_m = 1 outs(%s, %e, %n)
      : (memref<?x4xi32>, memref<?xi32>, memref<?xi32>, memref<1xi32>) -> ()
  return
}

// -----

// permute: the sort writes src_index and offsets (-1 past the kept rows)
// and each slot's row into a temporary (-1 for a dropped slot); then one
// block per token stages its slots' rows in workgroup memory, reads x's row
// once and stores it to those rows, and further blocks (one per 256 rows) list the rows without a
// source in workgroup memory and zero them. On the host: whether x and rows
// allow 16-byte accesses (addresses and row strides multiples of 16 bytes).
// If so the copy moves chunks of 8 bf16 (one vector load and store each),
// then the rest of the row one column at a time; otherwise one column per
// thread per step.
// CHECK-LABEL: func.func @permute
//  CHECK-SAME: (%[[X:.*]]: memref<?x7168xbf16>, %[[IDS:.*]]: memref<?x8xi32>, %[[ROWS:.*]]: memref<?x7168xbf16>, %[[SRC:.*]]: memref<?xi32>, %[[OFF:.*]]: memref<257xi32>)
//       CHECK: %[[SLOTROWS:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK: memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK: scf.if
//       CHECK:   gpu.launch
//       CHECK:   gpu.launch
//       CHECK:     memref.store %{{.*}}, %[[OFF]]
//       CHECK:     memref.store %{{.*}}, %[[SRC]]
//       CHECK:   gpu.launch
//       CHECK:     memref.store %{{.*}}, %[[SRC]]
//       CHECK:     memref.store %{{.*}}, %[[SLOTROWS]]
//       CHECK:     memref.store %c-1_i32{{.*}}, %[[SLOTROWS]]
//       CHECK: } else {
//       CHECK:   gpu.launch
//       CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : bf16
//       CHECK: %[[ZEROV:.*]] = arith.constant dense<0.000000e+00> : vector<8xbf16>
//       CHECK: memref.extract_aligned_pointer_as_index %[[X]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[ROWS]]
//       CHECK: %[[C15:.*]] = arith.constant 15 : index
//       CHECK: %[[LOW:.*]] = arith.andi %{{.*}}, %[[C15]] : index
//       CHECK: %[[VEC:.*]] = arith.cmpi eq, %[[LOW]], %{{.*}} : index
//       CHECK: %[[ZEROBLOCKS:.*]] = arith.ceildivui %{{.*}}, %c256{{.*}} : index
//       CHECK: %[[GRID:.*]] = arith.addi %[[TOKENS:.*]], %[[ZEROBLOCKS]] : index
//       CHECK: gpu.launch blocks(%[[B:[^,]*]], {{.*}} in (%{{.*}} = %{{.*}}, {{.*}} workgroup(%[[COUNT:.*]] : memref<4xi32, #gpu.address_space<workgroup>>, %[[LIST:.*]] : memref<256xi32, #gpu.address_space<workgroup>>)
//       CHECK:   %[[ISTOKEN:.*]] = arith.cmpi ult, %[[B]], %[[TOKENS]] : index
//       CHECK:   scf.if %[[ISTOKEN]] {
//       CHECK:     %[[STAGED:.*]] = memref.load %[[SLOTROWS]]
//       CHECK:     memref.store %[[STAGED]], %[[LIST]]
//       CHECK:     gpu.barrier
//       CHECK:     scf.if %[[VEC]] {
//       CHECK:       scf.for
//       CHECK:         vector.load %[[X]][%[[B]], {{.*}}] {alignment = 16 : i64} : memref<?x7168xbf16>, vector<8xbf16>
//       CHECK:         scf.for
//       CHECK:           %[[R32:.*]] = scf.if
//       CHECK:             memref.load %[[LIST]]
//       CHECK:           } else {
//       CHECK:             memref.load %[[SLOTROWS]]
//       CHECK:           %[[R:.*]] = arith.index_cast %[[R32]] : i32 to index
//       CHECK:           vector.store %{{.*}}, %[[ROWS]][%[[R]], {{.*}}] {alignment = 16 : i64} : memref<?x7168xbf16>, vector<8xbf16>
//       CHECK:       scf.for
//       CHECK:         memref.load %[[X]]
//       CHECK:         memref.store %{{.*}}, %[[ROWS]]
//       CHECK:     } else {
//       CHECK:       scf.for
//   CHECK-NOT:         vector.
//       CHECK:         memref.load %[[X]]
//       CHECK:         memref.store %{{.*}}, %[[ROWS]]
//       CHECK:   } else {
//       CHECK:     memref.store %c0_i32{{.*}}, %[[COUNT]]
//       CHECK:     gpu.barrier
//       CHECK:     memref.load %[[SRC]]
//       CHECK:     memref.atomic_rmw addi %{{.*}}, %[[COUNT]]
//       CHECK:     memref.store %{{.*}}, %[[LIST]]
//       CHECK:     gpu.barrier
//       CHECK:     scf.for
//       CHECK:       memref.load %[[LIST]]
//       CHECK:       scf.if %[[VEC]] {
//       CHECK:         vector.store %[[ZEROV]], %[[ROWS]]
//       CHECK:         memref.store %[[ZERO]], %[[ROWS]]
//       CHECK:       } else {
//       CHECK:         memref.store %[[ZERO]], %[[ROWS]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: moe.permute
func.func @permute(%x: memref<?x7168xbf16>, %ids: memref<?x8xi32>, %rows: memref<?x7168xbf16>,
                   %src: memref<?xi32>, %offsets: memref<257xi32>) {
  moe.permute %x, %ids num_experts = 256 outs(%rows, %src, %offsets)
      : (memref<?x7168xbf16>, memref<?x8xi32>, memref<?x7168xbf16>, memref<?xi32>,
         memref<257xi32>) -> ()
  return
}

// -----

// With weights, each placed row also takes its slot's weight; dropped rows
// get weight 0.
// CHECK-LABEL: func.func @permute_weights
//  CHECK-SAME: (%[[X:.*]]: memref<?x64xf32>, %[[IDS:.*]]: memref<?x2xi32>, %[[W:.*]]: memref<?x2xf32>, %[[ROWS:.*]]: memref<?x64xf32>, %[[SRC:.*]]: memref<?xi32>, %[[OFF:.*]]: memref<9xi32>, %[[RW:.*]]: memref<?xf32>)
//       CHECK: } else {
//       CHECK:   gpu.launch
//       CHECK:     memref.store %{{.*}}, %[[RW]]
//       CHECK:     memref.load %[[W]]
//       CHECK:     memref.store %{{.*}}, %[[RW]]
//       CHECK: gpu.launch
//       CHECK:   vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<?x64xf32>, vector<4xf32>
//       CHECK:   memref.load %[[X]]
//   CHECK-NOT: moe.permute
func.func @permute_weights(%x: memref<?x64xf32>, %ids: memref<?x2xi32>, %w: memref<?x2xf32>,
                           %rows: memref<?x64xf32>, %src: memref<?xi32>, %offsets: memref<9xi32>,
                           %rw: memref<?xf32>) {
  moe.permute %x, %ids weights(%w) num_experts = 8 outs(%rows, %src, %offsets, %rw)
      : (memref<?x64xf32>, memref<?x2xi32>, memref<?x2xf32>, memref<?x64xf32>, memref<?xi32>,
         memref<9xi32>, memref<?xf32>) -> ()
  return
}

// -----

// scale_rows: the row copy multiplies each slot's row by its weight (loaded
// per row, 0 past the weights), in f32, and rounds back to bf16 (each
// element of a vector chunk); no row_weights.
// CHECK-LABEL: func.func @permute_scale_rows
//  CHECK-SAME: (%[[X:.*]]: memref<?x64xbf16>, %[[IDS:.*]]: memref<?x2xi32>, %[[W:.*]]: memref<?x2xf32>, %[[ROWS:.*]]: memref<?x64xbf16>
//       CHECK: gpu.launch
//       CHECK:   scf.if %{{.*}} {
//       CHECK:     vector.load %[[X]]{{.*}} : memref<?x64xbf16>, vector<8xbf16>
//       CHECK:     scf.for %[[J:.*]] =
//       CHECK:       %[[SCALE:.*]] = scf.if %{{.*}} -> (f32) {
//       CHECK:         %[[WJ:.*]] = memref.load %[[W]][%{{.*}}, %[[J]]] : memref<?x2xf32>
//       CHECK:         scf.yield %[[WJ]] : f32
//       CHECK:       vector.extract
//       CHECK:       arith.extf %{{.*}} : bf16 to f32
//       CHECK:       arith.mulf %{{.*}}, %[[SCALE]] : f32
//       CHECK:       arith.truncf %{{.*}} : f32 to bf16
//       CHECK:       vector.from_elements
//       CHECK:       vector.store %{{.*}}, %[[ROWS]]
//   CHECK-NOT: moe.permute
func.func @permute_scale_rows(%x: memref<?x64xbf16>, %ids: memref<?x2xi32>, %w: memref<?x2xf32>,
                              %rows: memref<?x64xbf16>, %src: memref<?xi32>, %offsets: memref<18xi32>) {
  moe.permute %x, %ids weights(%w) scale_rows num_experts = 17 outs(%rows, %src, %offsets)
      : (memref<?x64xbf16>, memref<?x2xi32>, memref<?x2xf32>, memref<?x64xbf16>, memref<?xi32>,
         memref<18xi32>) -> ()
  return
}

// -----

// With a slot_rows out, the sort writes each slot's row there (-1 for a
// slot without one) instead of a temporary, and the row scatter reads it:
// the only allocation left is the multi-block sort's. slot_rows may be
// shorter than T * k at run time (its size is dynamic): its accesses are
// checked against its size.
// CHECK-LABEL: func.func @permute_slot_rows
//  CHECK-SAME: (%[[X:.*]]: memref<?x64xbf16>, %[[IDS:.*]]: memref<?x8xi32>, %[[ROWS:.*]]: memref<?x64xbf16>, %[[SRC:.*]]: memref<?xi32>, %[[OFF:.*]]: memref<9xi32>, %[[SLOTS:.*]]: memref<?xi32>)
//       CHECK: memref.alloc(%{{.*}}) : memref<?xi32>
//   CHECK-NOT: memref.alloc
//       CHECK: scf.if
//       CHECK:   gpu.launch
//       CHECK:   gpu.launch
//       CHECK:   gpu.launch
//       CHECK:     memref.store %{{.*}}, %[[SRC]]
//       CHECK:     %[[N:.*]] = memref.dim %[[SLOTS]]
//       CHECK:     %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %[[N]] : index
//       CHECK:     scf.if %[[IN]] {
//       CHECK:       memref.store %{{.*}}, %[[SLOTS]]
//       CHECK:     memref.store %c-1_i32{{.*}}, %[[SLOTS]]
//       CHECK: } else {
//       CHECK:   gpu.launch
//       CHECK:     memref.store %{{.*}}, %[[SLOTS]]
//   CHECK-NOT: memref.alloc
//       CHECK: gpu.launch
//       CHECK:   %[[NS:.*]] = memref.dim %[[SLOTS]]
//       CHECK:   %[[HAS:.*]] = arith.cmpi ult, %{{.*}}, %[[NS]] : index
//       CHECK:   scf.if %[[HAS]] -> (i32) {
//       CHECK:     memref.load %[[SLOTS]]
//       CHECK:   } else {
//       CHECK:     scf.yield %c-1_i32{{.*}} : i32
//       CHECK:   vector.store %{{.*}}, %[[ROWS]]
//   CHECK-NOT: gpu.launch
//   CHECK-NOT: moe.permute
func.func @permute_slot_rows(%x: memref<?x64xbf16>, %ids: memref<?x8xi32>, %rows: memref<?x64xbf16>,
                             %src: memref<?xi32>, %offsets: memref<9xi32>, %slots: memref<?xi32>) {
  moe.permute %x, %ids num_experts = 8 outs(%rows, %src, %offsets) slot_rows_outs(%slots)
      : (memref<?x64xbf16>, memref<?x8xi32>, memref<?x64xbf16>, memref<?xi32>, memref<9xi32>,
         memref<?xi32>) -> ()
  return
}

// -----

// permute_indices: permute's sort (the same src_index, offsets and row
// weights) and no row copy.
// CHECK-LABEL: func.func @permute_indices
//  CHECK-SAME: (%[[IDS:.*]]: memref<?x2xi32>, %[[W:.*]]: memref<?x2xf32>, %[[SRC:.*]]: memref<?xi32>, %[[OFF:.*]]: memref<9xi32>, %[[RW:.*]]: memref<?xf32>)
//       CHECK: scf.if
//       CHECK: } else {
//       CHECK:   gpu.launch
//       CHECK:     memref.store %{{.*}}, %[[OFF]]
//       CHECK:     memref.store %{{.*}}, %[[RW]]
//       CHECK:     memref.load %[[W]]
//       CHECK:     memref.store %{{.*}}, %[[SRC]]
//       CHECK:     gpu.terminator
//       CHECK: }
//   CHECK-NOT: gpu.launch
//   CHECK-NOT: moe.permute_indices
//       CHECK: return
func.func @permute_indices(%ids: memref<?x2xi32>, %w: memref<?x2xf32>, %src: memref<?xi32>,
                           %offsets: memref<9xi32>, %rw: memref<?xf32>) {
  moe.permute_indices %ids weights(%w) num_experts = 8 outs(%src, %offsets, %rw)
      : (memref<?x2xi32>, memref<?x2xf32>, memref<?xi32>, memref<9xi32>, memref<?xf32>) -> ()
  return
}

// -----

// permute_indices with an expert map: every key the sort loads is mapped
// (map[id] for an id in [0, G), loaded only then, else -1) before the
// range check against the 4 local experts.
// CHECK-LABEL: func.func @permute_indices_expert_map
//  CHECK-SAME: (%[[IDS:[a-z0-9]+]]: memref<?x2xi32>, %[[MAP:[a-z0-9]+]]: memref<?xi32>,
//       CHECK:   gpu.launch
//       CHECK:     %[[ID:.*]] = memref.load %[[IDS]]
//       CHECK:     %[[G:.*]] = memref.dim %[[MAP]], %{{.*}} : memref<?xi32>
//       CHECK:     %[[GI32:.*]] = arith.index_cast{{.*}} %[[G]] : index to i32
//       CHECK:     %[[NONNEG:.*]] = arith.cmpi sge, %[[ID]], %c0_i32{{.*}} : i32
//       CHECK:     %[[BELOW:.*]] = arith.cmpi slt, %[[ID]], %[[GI32]] : i32
//       CHECK:     %[[IN:.*]] = arith.andi %[[NONNEG]], %[[BELOW]] : i1
//       CHECK:     %[[KEY:.*]] = scf.if %[[IN]] -> (i32) {
//       CHECK:       %[[MAPPED:.*]] = memref.load %[[MAP]]
//       CHECK:       scf.yield %[[MAPPED]] : i32
//       CHECK:     } else {
//       CHECK:       scf.yield %c-1_i32{{.*}} : i32
//       CHECK:     }
//       CHECK:     arith.cmpi slt, %[[KEY]], %c4_i32 : i32
func.func @permute_indices_expert_map(%ids: memref<?x2xi32>, %map: memref<?xi32>, %src: memref<?xi32>,
                                      %offsets: memref<5xi32>) {
  moe.permute_indices %ids expert_map(%map) num_experts = 4 outs(%src, %offsets)
      : (memref<?x2xi32>, memref<?xi32>, memref<?xi32>, memref<5xi32>) -> ()
  return
}

// -----

// permute_indices with slot_rows and an expert map, all static (one block,
// no temporary): each placed slot's row and -1 for each slot the map drops,
// stored without a size check (slot_rows has exactly T * k entries).
// CHECK-LABEL: func.func @permute_indices_slot_rows
//  CHECK-SAME: (%[[IDS:.*]]: memref<4x2xi32>, %[[MAP:.*]]: memref<8xi32>, %[[SRC:.*]]: memref<8xi32>, %[[OFF:.*]]: memref<5xi32>, %[[SLOTS:.*]]: memref<8xi32>)
//   CHECK-NOT: memref.alloc
//       CHECK: gpu.launch
//   CHECK-NOT:   memref.dim %[[SLOTS]]
//       CHECK:   memref.load %[[MAP]]
//       CHECK:   memref.store %{{.*}}, %[[SRC]]
//       CHECK:   memref.store %{{.*}}, %[[SLOTS]][%{{.*}}] : memref<8xi32>
//       CHECK:   memref.store %c-1_i32{{.*}}, %[[SLOTS]][%{{.*}}] : memref<8xi32>
//       CHECK:   gpu.terminator
//   CHECK-NOT: gpu.launch
//   CHECK-NOT: moe.permute_indices
func.func @permute_indices_slot_rows(%ids: memref<4x2xi32>, %map: memref<8xi32>, %src: memref<8xi32>,
                                     %offsets: memref<5xi32>, %slots: memref<8xi32>) {
  moe.permute_indices %ids expert_map(%map) num_experts = 4 outs(%src, %offsets) slot_rows_outs(%slots)
      : (memref<4x2xi32>, memref<8xi32>, memref<8xi32>, memref<5xi32>, memref<8xi32>) -> ()
  return
}

// -----

// combine: a temporary inverse of src_index (lowest row wins: integer atomic
// minimum), then one block per token sums its k rows in increasing j in f32
// and rounds once. When y and out allow 16-byte accesses (checked on the
// host), each thread sums chunks of 8 columns (8 f32 sums carried over j),
// then the rest of the row one column at a time; otherwise one column at a
// time.
// CHECK-LABEL: func.func @combine
//  CHECK-SAME: (%[[Y:.*]]: memref<?x7168xbf16>, %[[SRC:.*]]: memref<?xi32>, %[[OUT:.*]]: memref<?x7168xbf16>)
//       CHECK: %[[POS:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK: gpu.launch
//       CHECK:   %[[NONE:.*]] = arith.constant 2147483647 : i32
//       CHECK:   memref.store %[[NONE]], %[[POS]]
//       CHECK: gpu.launch
//       CHECK:   memref.load %[[SRC]]
//       CHECK:   memref.atomic_rmw mins %{{.*}}, %[[POS]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[Y]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[OUT]]
//       CHECK: %[[C15:.*]] = arith.constant 15 : index
//       CHECK: %[[LOW:.*]] = arith.andi %{{.*}}, %[[C15]] : index
//       CHECK: %[[VEC:.*]] = arith.cmpi eq, %[[LOW]], %{{.*}} : index
//       CHECK: gpu.launch blocks(%[[T:[^,]*]], {{.*}} workgroup(%[[ROW:.*]] : memref<12xi32, #gpu.address_space<workgroup>>)
//       CHECK:   memref.load %[[POS]]
//       CHECK:   memref.store %{{.*}}, %[[ROW]]
//       CHECK:   gpu.barrier
// With k <= 16 each thread loads all k terms of its chunk (a row 0 read
// for a term without a row is dropped by a select) before the first add, so
// the k loads are in flight together; the adds keep the loop form's order.
//       CHECK:   scf.if %[[VEC]] {
//       CHECK:     scf.for %[[H:.*]] =
//       CHECK:       %[[ANY:.*]] = arith.cmpi ugt
//       CHECK:       scf.if %[[ANY]] -> (f32, f32, f32, f32, f32, f32, f32, f32) {
//       CHECK:         memref.load %[[ROW]]
//       CHECK:         arith.select
//  CHECK-COUNT-9:      vector.load %[[Y]][{{.*}}] {alignment = 16 : i64} : memref<?x7168xbf16>, vector<8xbf16>
//       CHECK:         arith.addf
//       CHECK:         arith.select
//   CHECK-NOT:         vector.load
//       CHECK:       arith.truncf %{{.*}} : f32 to bf16
//       CHECK:       vector.store %{{.*}}, %[[OUT]][%[[T]], %[[H]]] {alignment = 16 : i64} : memref<?x7168xbf16>, vector<8xbf16>
//       CHECK:     scf.for %[[HT:.*]] =
//  CHECK-COUNT-9:      memref.load %[[Y]]
//       CHECK:       memref.store %{{.*}}, %[[OUT]][%[[T]], %[[HT]]]
//       CHECK:   } else {
//       CHECK:     scf.for %[[HS:.*]] =
//   CHECK-NOT:           vector.
//  CHECK-COUNT-9:      memref.load %[[Y]]
//       CHECK:         arith.extf
//       CHECK:         arith.addf
//       CHECK:       arith.truncf %{{.*}} : f32 to bf16
//       CHECK:       memref.store %{{.*}}, %[[OUT]][%[[T]], %[[HS]]]
//   CHECK-NOT: moe.combine
func.func @combine(%y: memref<?x7168xbf16>, %src: memref<?xi32>, %out: memref<?x7168xbf16>) {
  moe.combine %y, %src k = 9 outs(%out)
      : (memref<?x7168xbf16>, memref<?xi32>, memref<?x7168xbf16>) -> ()
  return
}

// -----

// Past 16 terms a token, the sum is a loop over j (one term's load at a
// time; the unrolled form's registers would not fit).
// CHECK-LABEL: func.func @combine_many_terms
//  CHECK-SAME: (%[[Y:.*]]: memref<?x7168xbf16>, %{{.*}}: memref<?xi32>, %[[OUT:.*]]: memref<?x7168xbf16>)
//       CHECK: gpu.launch blocks({{.*}} workgroup(%[[ROW:.*]] : memref<20xi32, #gpu.address_space<workgroup>>)
//       CHECK:   gpu.barrier
//       CHECK:     scf.for %[[H:.*]] =
//       CHECK:       scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32) {
//       CHECK:         memref.load %[[ROW]]
//       CHECK:         scf.if %{{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32) {
//       CHECK:           vector.load %[[Y]][{{.*}}] {alignment = 16 : i64} : memref<?x7168xbf16>, vector<8xbf16>
//       CHECK:           arith.addf
//       CHECK:       vector.store %{{.*}}, %[[OUT]]
func.func @combine_many_terms(%y: memref<?x7168xbf16>, %src: memref<?xi32>, %out: memref<?x7168xbf16>) {
  moe.combine %y, %src k = 20 outs(%out)
      : (memref<?x7168xbf16>, memref<?xi32>, memref<?x7168xbf16>) -> ()
  return
}

// -----

// With weights, each term is w[t, j] * y[row].
// CHECK-LABEL: func.func @combine_weights
//  CHECK-SAME: (%[[Y:.*]]: memref<?x64xf32>, %[[SRC:.*]]: memref<?xi32>, %[[W:.*]]: memref<?x2xf32>, %[[OUT:.*]]: memref<?x64xf32>)
//       CHECK: gpu.launch {{.*}} workgroup(%[[ROW:.*]] : memref<4xi32, #gpu.address_space<workgroup>>, %[[WS:.*]] : memref<4xf32, #gpu.address_space<workgroup>>)
//       CHECK:   memref.load %[[W]]
//       CHECK:   memref.store %{{.*}}, %[[WS]]
//       CHECK:   gpu.barrier
//   CHECK-NOT:         arith.addf
//       CHECK:         vector.load %[[Y]][{{.*}}] {alignment = 16 : i64} : memref<?x64xf32>, vector<4xf32>
//   CHECK-NOT:         arith.addf
//       CHECK:         vector.load %[[Y]][{{.*}}] {alignment = 16 : i64} : memref<?x64xf32>, vector<4xf32>
//       CHECK:         %[[WV:.*]] = memref.load %[[WS]]
//       CHECK:         arith.mulf %[[WV]]
//       CHECK:         arith.addf
//       CHECK:     vector.store %{{.*}}, %[[OUT]][{{.*}}] {alignment = 16 : i64} : memref<?x64xf32>, vector<4xf32>
//  CHECK-COUNT-2:      memref.load %[[Y]]
//       CHECK:         %[[WJ:.*]] = memref.load %[[WS]]
//       CHECK:         arith.mulf %[[WJ]]
//       CHECK:         arith.addf
//       CHECK:     memref.store %{{.*}}, %[[OUT]]
//   CHECK-NOT: moe.combine
func.func @combine_weights(%y: memref<?x64xf32>, %src: memref<?xi32>, %w: memref<?x2xf32>,
                           %out: memref<?x64xf32>) {
  moe.combine %y, %src weights(%w) k = 2 outs(%out)
      : (memref<?x64xf32>, memref<?xi32>, memref<?x2xf32>, memref<?x64xf32>) -> ()
  return
}

// -----

// combine with slot_rows (the sort's own inverse of src_index): the sum
// kernel alone, one launch, no temporary and no atomics. Each block stages
// its token's k rows from slot_rows (a slot past slot_rows' size has none;
// a row that is negative or not below y's rows gives no term) and weights.
// CHECK-LABEL: func.func @combine_slot_rows
//  CHECK-SAME: (%[[Y:.*]]: memref<?x7168xbf16>, %[[SRC:.*]]: memref<?xi32>, %[[SLOTS:.*]]: memref<?xi32>, %[[W:.*]]: memref<?x9xf32>, %[[OUT:.*]]: memref<?x7168xbf16>)
//   CHECK-NOT: memref.alloc
//       CHECK: %[[NSLOTS:.*]] = memref.dim %[[SLOTS]], %{{.*}} : memref<?xi32>
//       CHECK: %[[NROWS:.*]] = memref.dim %[[Y]], %{{.*}} : memref<?x7168xbf16>
//   CHECK-NOT: gpu.launch
//       CHECK: gpu.launch blocks(%[[T:[^,]*]], {{.*}} workgroup(%[[ROW:.*]] : memref<12xi32, #gpu.address_space<workgroup>>, %[[WS:.*]] : memref<12xf32, #gpu.address_space<workgroup>>)
//       CHECK:   %[[F:.*]] = arith.addi %{{.*}}, %{{.*}} : index
//       CHECK:   %[[INSIDE:.*]] = arith.cmpi ult, %[[F]], %[[NSLOTS]] : index
//       CHECK:   %[[HAS:.*]] = arith.andi %{{.*}}, %[[INSIDE]] : i1
//       CHECK:   %[[R32:.*]] = scf.if %[[HAS]] -> (i32) {
//       CHECK:     memref.load %[[SLOTS]][%[[F]]] : memref<?xi32>
//       CHECK:   memref.store %[[R32]], %[[ROW]]
//       CHECK:   memref.load %[[W]]
//       CHECK:   memref.store %{{.*}}, %[[WS]]
//       CHECK:   gpu.barrier
//       CHECK:   %[[STAGED:.*]] = memref.load %[[ROW]]
//       CHECK:   %[[R:.*]] = arith.index_cast %[[STAGED]] : i32 to index
//       CHECK:   %[[FOUND:.*]] = arith.cmpi ult, %[[R]], %[[NROWS]] : index
//       CHECK:   %[[SAFE:.*]] = arith.select %[[FOUND]], %[[R]], %{{.*}} : index
//       CHECK:   vector.load %[[Y]][%[[SAFE]], {{.*}}] {alignment = 16 : i64} : memref<?x7168xbf16>, vector<8xbf16>
//       CHECK:   vector.store %{{.*}}, %[[OUT]][%[[T]], {{.*}}]
//       CHECK:   gpu.terminator
//   CHECK-NOT: gpu.launch
//   CHECK-NOT: memref.atomic_rmw
//   CHECK-NOT: moe.combine
//       CHECK: return
func.func @combine_slot_rows(%y: memref<?x7168xbf16>, %src: memref<?xi32>, %slots: memref<?xi32>,
                             %w: memref<?x9xf32>, %out: memref<?x7168xbf16>) {
  moe.combine %y, %src slot_rows(%slots) weights(%w) k = 9 outs(%out)
      : (memref<?x7168xbf16>, memref<?xi32>, memref<?xi32>, memref<?x9xf32>, memref<?x7168xbf16>) -> ()
  return
}
