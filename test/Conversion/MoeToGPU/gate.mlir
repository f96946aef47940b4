// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// Mixtral-like softmax routing, renormalized: one block (one warp for E = 8)
// per token row. The logits are read once into workgroup memory; a block max,
// exp, the sum of p_e in expert order (warp 0, lane l reading expert j ^ l),
// then k rounds of block-wide argmax on a packed (score, index) i64 key.
// CHECK-LABEL: func.func @gate_mixtral
//  CHECK-SAME: (%[[L:.*]]: memref<?x8xf32>, %[[W:.*]]: memref<?x2xf32>, %[[I:.*]]: memref<?x2xi32>)
//       CHECK: gpu.launch blocks(%[[ROW:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID:.*]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BS:.*]] = %c32, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) workgroup(%[[SEL:.*]] : memref<8xf32, #gpu.address_space<workgroup>>, %[[CHOSEN:.*]] : memref<2xi32, #gpu.address_space<workgroup>>, %[[SUMS:.*]] : memref<32xf32, #gpu.address_space<workgroup>>)
//       CHECK:   scf.if
//       CHECK:     scf.for %[[E:.*]] = %[[TX]] to %{{.*}} step %[[BS]]
//       CHECK:       memref.load %[[L]][%[[ROW]], %[[E]]]
//       CHECK:       arith.cmpf uno
//       CHECK:       memref.store %{{.*}}, %[[SEL]][%[[E]]]
//       CHECK:     gpu.all_reduce maxnumf %{{.*}} uniform
//       CHECK:     scf.for
//       CHECK:       arith.extf %{{.*}} : f32 to f64
//       CHECK:       arith.truncf %{{.*}} : f64 to f32
//       CHECK:     gpu.barrier
//       CHECK:     arith.xori %{{.*}}, %[[TX]] : index
//       CHECK:     memref.store %{{.*}}, %[[SUMS]][%[[TX]]]
//       CHECK:     gpu.barrier
//       CHECK:     %[[SUM:.*]] = memref.load %[[SUMS]]
//       CHECK:     arith.divf %{{.*}}, %[[SUM]] : f32
//       CHECK:     gpu.barrier
//       CHECK:     %[[TOPK:.*]]:2 = scf.for %[[J:.*]] = {{.*}} iter_args({{.*}}) -> (i64, f32)
//       CHECK:       scf.for %{{.*}} = %[[TX]] to %{{.*}} step %[[BS]] iter_args({{.*}}) -> (i64)
//       CHECK:         arith.bitcast %{{.*}} : f32 to i32
//       CHECK:         arith.maxui %{{.*}} : i64
//       CHECK:       gpu.all_reduce maxui %{{.*}} uniform
//       CHECK:       memref.store %{{.*}}, %[[CHOSEN]][%[[J]]]
//       CHECK:     gpu.barrier
//       CHECK:     scf.for %[[S:.*]] = %[[TX]] to %{{.*}} step %[[BS]]
//       CHECK:       arith.divf %{{.*}}, %[[TOPK]]#1 : f32
//       CHECK:       memref.store %{{.*}}, %[[W]][%[[ROW]], %[[S]]]
//       CHECK:       memref.store %{{.*}}, %[[I]][%[[ROW]], %[[S]]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: moe.gate
func.func @gate_mixtral(%logits: memref<?x8xf32>, %w: memref<?x2xf32>, %ids: memref<?x2xi32>) {
  moe.gate %logits k = 2 scoring = softmax renormalize outs(%w, %ids)
      : (memref<?x8xf32>, memref<?x2xf32>, memref<?x2xi32>) -> ()
  return
}

// -----

// DeepSeek-V3-like: sigmoid scores plus correction bias, 8 groups scored by
// the sum of their top 2, 4 kept (the others' experts become NaN, never
// selected), weights renormalized and scaled by 2.5, one shared expert with
// id E and weight (sum of routed weights) / 2.5.
// CHECK-LABEL: func.func @gate_deepseek_v3
//  CHECK-SAME: (%[[L:.*]]: memref<?x256xbf16>, %[[B:.*]]: memref<256xf32>, %[[W:.*]]: memref<?x9xf32>, %[[I:.*]]: memref<?x9xi32>)
//       CHECK: gpu.launch blocks(%[[ROW:.*]], %{{.*}}, %{{.*}}) in ({{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BS:.*]] = %c64, {{.*}}) workgroup(%[[SEL:.*]] : memref<256xf32, #gpu.address_space<workgroup>>, %[[SCORES:.*]] : memref<256xf32, #gpu.address_space<workgroup>>, %[[CHOSEN:.*]] : memref<8xi32, #gpu.address_space<workgroup>>, %[[GROUPS:.*]] : memref<8xf32, #gpu.address_space<workgroup>>)
//       CHECK:   scf.for %[[X:.*]] = %[[TX]] to %{{.*}} step %[[BS]]
//       CHECK:     memref.load %[[L]][%[[ROW]], %[[X]]] : memref<?x256xbf16>
//       CHECK:     arith.extf %{{.*}} : bf16 to f32
//       CHECK:     arith.negf
//       CHECK:     %[[SCORE:.*]] = arith.divf
//       CHECK:     memref.store %[[SCORE]], %[[SCORES]][%[[X]]]
//       CHECK:     %[[BIAS:.*]] = memref.load %[[B]][%[[X]]]
//       CHECK:     arith.addf %[[SCORE]], %[[BIAS]] : f32
//       CHECK:     memref.store %{{.*}}, %[[SEL]][%[[X]]]
//       CHECK:   gpu.barrier
//       CHECK:   scf.for %[[G:.*]] = %[[TX]] to %{{.*}} step %[[BS]]
//       CHECK:     scf.for {{.*}} -> (f32, f32)
//       CHECK:       arith.remui
//       CHECK:       memref.load %[[SEL]]
//       CHECK:     memref.store %{{.*}}, %[[GROUPS]][%[[G]]]
//       CHECK:   gpu.barrier
//       CHECK:   scf.for %[[G2:.*]] = %[[TX]] to %{{.*}} step %[[BS]]
//       CHECK:     scf.for {{.*}} -> (index)
//       CHECK:       memref.load %[[GROUPS]]
//       CHECK:     arith.cmpi uge
//       CHECK:     scf.if
//       CHECK:       %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
//       CHECK:       memref.store %[[NAN]], %[[SEL]]
//       CHECK:   gpu.barrier
//       CHECK:   scf.for {{.*}} -> (i64, f32)
//       CHECK:     gpu.all_reduce maxui
//       CHECK:     memref.store %{{.*}}, %[[CHOSEN]]
//       CHECK:     memref.load %[[SCORES]]
//       CHECK:   gpu.barrier
//       CHECK:   scf.for
//       CHECK:     %[[SCALE:.*]] = arith.constant 2.500000e+00 : f32
//       CHECK:     arith.mulf %{{.*}}, %[[SCALE]] : f32
//       CHECK:     memref.store %{{.*}}, %[[W]]
//       CHECK:     memref.store %{{.*}}, %[[I]]
//       CHECK:   %[[ROUTED:.*]] = scf.for {{.*}} -> (f32)
//       CHECK:     gpu.barrier
//       CHECK:   %[[SHARED:.*]] = arith.divf %[[ROUTED]], %{{.*}} : f32
//       CHECK:   scf.for %[[S:.*]] = %[[TX]] to %{{.*}} step %[[BS]]
//       CHECK:     memref.store %[[SHARED]], %[[W]]
//       CHECK:     %[[SI:.*]] = arith.index_cast %[[S]] : index to i32
//       CHECK:     %[[ID:.*]] = arith.addi %c256_i32{{.*}}, %[[SI]] : i32
//       CHECK:     memref.store %[[ID]], %[[I]]
//       CHECK: gpu.terminator
func.func @gate_deepseek_v3(%logits: memref<?x256xbf16>, %bias: memref<256xf32>,
                            %w: memref<?x9xf32>, %ids: memref<?x9xi32>) {
  moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4
      group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1
      outs(%w, %ids)
      : (memref<?x256xbf16>, memref<256xf32>, memref<?x9xf32>, memref<?x9xi32>) -> ()
  return
}

// -----

// Kimi-K2-like: 384 experts, sigmoid with bias, no groups (no group buffer,
// no softmax reductions), renormalized, scaled, one shared expert.
// CHECK-LABEL: func.func @gate_kimi_k2
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c96, {{.*}}) workgroup(%[[SEL:.*]] : memref<384xf32, #gpu.address_space<workgroup>>, %[[SCORES:.*]] : memref<384xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xi32, #gpu.address_space<workgroup>>) {
//   CHECK-NOT:   gpu.all_reduce maxnumf
//   CHECK-NOT:   arith.remui
//       CHECK:   gpu.all_reduce maxui
//       CHECK:   memref.load %[[SCORES]]
//       CHECK:   arith.constant 2.827000e+00 : f32
//       CHECK:   arith.addi %c384_i32{{.*}}, %{{.*}} : i32
//       CHECK: gpu.terminator
func.func @gate_kimi_k2(%logits: memref<?x384xbf16>, %bias: memref<384xf32>,
                        %w: memref<?x9xf32>, %ids: memref<?x9xi32>) {
  moe.gate %logits bias(%bias) k = 8 scoring = sigmoid renormalize scaling_factor = 2.827
      num_shared_experts = 1 outs(%w, %ids)
      : (memref<?x384xbf16>, memref<384xf32>, memref<?x9xf32>, memref<?x9xi32>) -> ()
  return
}

// -----

// The thread count comes from moe.config (whose verifier rejects block sizes
// that are not whole warps up to 1024: test/Dialect/Moe/config-invalid.mlir).
// CHECK-LABEL: func.func @gate_config
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c512,
func.func @gate_config(%logits: memref<16x512xf32>, %w: memref<16x10xf32>, %ids: memref<16x10xi32>) {
  moe.gate %logits k = 10 scoring = softmax renormalize outs(%w, %ids) {moe.config = {threads = 512 : i64}}
      : (memref<16x512xf32>, memref<16x10xf32>, memref<16x10xi32>) -> ()
  return
}

// -----

// Qwen3-Next-like: the shared slot's weight is the sigmoid of its gate's
// logit (NaN as -inf: arith.cmpf uno, the f64 exp), loaded in the slot loop
// only for a column the logits have; no routed-mass sum (no scf.for carrying
// an f32 with barriers after the routed slots).
// CHECK-LABEL: func.func @gate_shared_logits
//  CHECK-SAME: (%[[L:.*]]: memref<?x64xbf16>, %[[SL:.*]]: memref<?x2xbf16>, %[[W:.*]]: memref<?x6xf32>, %[[I:.*]]: memref<?x6xi32>)
//       CHECK: gpu.launch
//       CHECK:   gpu.all_reduce maxui
//       CHECK:   gpu.barrier
//       CHECK:   scf.for
//       CHECK:     memref.store %{{.*}}, %[[I]]
//   CHECK-NOT:   gpu.barrier
//       CHECK:   scf.for %[[S:.*]] = %{{.*}} to %c2{{.*}} step
//       CHECK:     %[[HAS:.*]] = arith.cmpi ult, %[[S]], %c2{{.*}} : index
//       CHECK:     %[[SW:.*]] = scf.if %[[HAS]] -> (f32) {
//       CHECK:       %[[SLOGIT:.*]] = memref.load %[[SL]][%{{.*}}, %[[S]]] : memref<?x2xbf16>
//       CHECK:       arith.extf %[[SLOGIT]] : bf16 to f32
//       CHECK:       arith.cmpf uno
//       CHECK:       arith.truncf %{{.*}} : f64 to f32
//       CHECK:       %[[SIG:.*]] = arith.divf %cst{{.*}}, %{{.*}} : f32
//       CHECK:       scf.yield %[[SIG]] : f32
//       CHECK:     memref.store %[[SW]], %[[W]]
//       CHECK: gpu.terminator
func.func @gate_shared_logits(%logits: memref<?x64xbf16>, %shared: memref<?x2xbf16>,
                              %w: memref<?x6xf32>, %ids: memref<?x6xi32>) {
  moe.gate %logits shared_logits(%shared) k = 4 scoring = softmax renormalize
      num_shared_experts = 2 outs(%w, %ids)
      : (memref<?x64xbf16>, memref<?x2xbf16>, memref<?x6xf32>, memref<?x6xi32>) -> ()
  return
}

// -----

// Llama-4-like: top-1 sigmoid, the shared slot's weight the constant 1.
// CHECK-LABEL: func.func @gate_unit_shared_weight
//  CHECK-SAME: (%{{.*}}: memref<?x16xbf16>, %[[W:.*]]: memref<?x2xf32>, %{{.*}}: memref<?x2xi32>)
//       CHECK: gpu.launch
//       CHECK:   gpu.all_reduce maxui
//       CHECK:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
//       CHECK:   scf.for
//       CHECK:     memref.store %[[ONE]], %[[W]]
//       CHECK: gpu.terminator
func.func @gate_unit_shared_weight(%logits: memref<?x16xbf16>, %w: memref<?x2xf32>,
                                   %ids: memref<?x2xi32>) {
  moe.gate %logits k = 1 scoring = sigmoid num_shared_experts = 1 shared_weight = one
      outs(%w, %ids) : (memref<?x16xbf16>, memref<?x2xf32>, memref<?x2xi32>) -> ()
  return
}
