// RUN: moe-opt %s --moe-select-configs --split-input-file | FileCheck %s --check-prefix=HEUR
// RUN: moe-opt %s --moe-select-configs="table=%S/Inputs/tuned-configs.txt" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=TUNED

// HEUR-LABEL: func.func @norm
//       HEUR: moe.rms_norm {{.*}} {moe.config = {threads = 512 : i64}}
// TUNED-LABEL: func.func @norm
//       TUNED: moe.rms_norm {{.*}} {moe.config = {threads = 512 : i64}}
func.func @norm(%x: tensor<?x4096xbf16>, %w: tensor<4096xbf16>, %o: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%o)
      : (tensor<?x4096xbf16>, tensor<4096xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// -----

// The heuristic gives one thread per 4 experts (here 64); the table says so
// too for E=256, k=8.
// HEUR-LABEL: func.func @gate
//       HEUR: moe.gate {{.*}} {moe.config = {threads = 64 : i64}}
// TUNED-LABEL: func.func @gate
//       TUNED: moe.gate {{.*}} {moe.config = {threads = 64 : i64}}
func.func @gate(%l: tensor<?x256xf32>, %w: tensor<?x8xf32>, %i: tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %a, %b = moe.gate %l k = 8 scoring = sigmoid outs(%w, %i)
      : (tensor<?x256xf32>, tensor<?x8xf32>, tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
  return %a, %b : tensor<?x8xf32>, tensor<?x8xi32>
}

// -----

// No table entry for this op: the heuristic, with a warning when a table was
// given; an existing moe.config is kept.
// HEUR-LABEL: func.func @untuned
//       HEUR: moe.silu_and_mul {{.*}} {moe.config = {threads = 256 : i64}}
//       HEUR: moe.silu_and_mul {{.*}} {moe.config = {threads = 128 : i64}}
// TUNED-LABEL: func.func @untuned
func.func @untuned(%x: tensor<4x16xf32>, %o: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // expected-warning @+1 {{no tuned config in}}
  %h = moe.silu_and_mul %x outs(%o) : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %g = moe.silu_and_mul %x outs(%o) {moe.config = {threads = 128 : i64}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h, %g : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// align and permute keep whole 1024-thread blocks for their counting sort.
// HEUR-LABEL: func.func @sort
//       HEUR: moe.align {{.*}} {moe.config = {threads = 1024 : i64}}
// TUNED-LABEL: func.func @sort
func.func @sort(%ids: tensor<4x2xi32>, %s: tensor<512xi32>, %e: tensor<8xi32>, %n: tensor<1xi32>)
    -> (tensor<512xi32>, tensor<8xi32>, tensor<1xi32>) {
  // expected-warning @+1 {{no tuned config in}}
  %a, %b, %c = moe.align %ids num_experts = 8 block_m = 64 outs(%s, %e, %n)
      : (tensor<4x2xi32>, tensor<512xi32>, tensor<8xi32>, tensor<1xi32>) -> (tensor<512xi32>, tensor<8xi32>, tensor<1xi32>)
  return %a, %b, %c : tensor<512xi32>, tensor<8xi32>, tensor<1xi32>
}
