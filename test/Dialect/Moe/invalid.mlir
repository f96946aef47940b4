// RUN: moe-opt %s -split-input-file -verify-diagnostics

// One case per error path of the moe verifiers (lib/Dialect/Moe/IR/MoeOps.cpp),
// plus ODS type-constraint and enum-keyword failures. The routing rules are
// shared by moe.gate and moe.fused_moe and are checked on both.
//
// Every op is in destination-passing style: the shape rules on what an op
// produces check its `outs` operands (tensors tied to results of the same
// type, or memrefs in the buffer form). The first section covers the
// tensor/buffer form rules themselves.

//===----------------------------------------------------------------------===//
// Index width (every op): no operand has more bytes than a 64-bit index counts
//===----------------------------------------------------------------------===//

// Weights of 2^66 elements: the count wraps in 64 bits.
func.func @index_width_weights(%a: tensor<?x4194304xbf16>, %w: tensor<4194304x4194304x4194304xbf16>,
                               %o: tensor<4194305xi32>, %y_init: tensor<?x4194304xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op operand #1 ('tensor<4194304x4194304x4194304xbf16>') has 73786976294838206464 elements (147573952589676412928 bytes): past the 64-bit index limit of 2^63 - 1 bytes}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<?x4194304xbf16>, tensor<4194304x4194304x4194304xbf16>, tensor<4194305xi32>, tensor<?x4194304xbf16>) -> tensor<?x4194304xbf16>
  return
}

// -----

// 2^61 f32 elements fit an index, their 2^63 bytes do not; a dynamic size
// counts as one (the static sizes alone are past the limit).
func.func @index_width_bytes(%x: memref<?x2305843009213693952xf32>, %h: memref<?x1152921504606846976xf32>) {
  // expected-error @+1 {{'moe.silu_and_mul' op operand #0 ('memref<?x2305843009213693952xf32>') has 2305843009213693952 elements (9223372036854775808 bytes): past the 64-bit index limit of 2^63 - 1 bytes}}
  moe.silu_and_mul %x outs(%h) : (memref<?x2305843009213693952xf32>, memref<?x1152921504606846976xf32>) -> ()
  return
}

// -----

//===----------------------------------------------------------------------===//
// Destination-passing style (every op): tensor form or buffer form
//===----------------------------------------------------------------------===//

// Tensor inputs, memref outs: the op is neither form.
func.func @dps_mixed_tensor_inputs_memref_outs(%l: tensor<4x8xf32>, %w: memref<4x2xf32>, %i: memref<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op mixes tensor and memref operands: all operands are tensors, or (after bufferization) all are memrefs}}
  moe.gate %l k = 2 scoring = softmax outs(%w, %i)
      : (tensor<4x8xf32>, memref<4x2xf32>, memref<4x2xi32>) -> ()
  return
}

// -----

// Memref input, tensor out (with its tied result).
func.func @dps_mixed_memref_input_tensor_out(%x: memref<4x8xbf16>, %h: tensor<4x4xbf16>) {
  // expected-error @+1 {{'moe.silu_and_mul' op mixes tensor and memref operands}}
  %y = moe.silu_and_mul %x outs(%h) : (memref<4x8xbf16>, tensor<4x4xbf16>) -> tensor<4x4xbf16>
  return
}

// -----

// An optional operand counts too: a tensor bias in a buffer-form gate.
func.func @dps_mixed_optional_operand(%l: memref<4x8xf32>, %b: tensor<8xf32>, %w: memref<4x2xf32>, %i: memref<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op mixes tensor and memref operands}}
  moe.gate %l bias(%b) k = 2 scoring = sigmoid outs(%w, %i)
      : (memref<4x8xf32>, tensor<8xf32>, memref<4x2xf32>, memref<4x2xi32>) -> ()
  return
}

// -----

// Tensor form: each result has the type of its out (here a shape differs).
func.func @dps_result_shape_differs_from_out(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op expected type of operand #2 ('tensor<4x2xi32>') to match type of corresponding result ('tensor<?x2xi32>')}}
  %w, %i = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<?x2xi32>)
  return
}

// -----

// ... and here the element type.
func.func @dps_result_element_type_differs_from_out(%x: tensor<4x8xf32>, %h_init: tensor<4x4xf32>) {
  // expected-error @+1 {{'moe.silu_and_mul' op expected type of operand #1 ('tensor<4x4xf32>') to match type of corresponding result ('tensor<4x4xbf16>')}}
  %h = moe.silu_and_mul %x outs(%h_init) : (tensor<4x8xf32>, tensor<4x4xf32>) -> tensor<4x4xbf16>
  return
}

// -----

// Tensor form: one result per out.
func.func @dps_too_few_results(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op expected the number of tensor results (1) to be equal to the number of output tensors (2)}}
  %w = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @dps_tensor_form_without_results(%x: tensor<4x8xf32>, %h_init: tensor<4x4xf32>) {
  // expected-error @+1 {{'moe.silu_and_mul' op expected the number of tensor results (0) to be equal to the number of output tensors (1)}}
  moe.silu_and_mul %x outs(%h_init) : (tensor<4x8xf32>, tensor<4x4xf32>) -> ()
  return
}

// -----

// Buffer form: no results.
func.func @dps_buffer_form_with_result(%x: memref<4x8xf32>, %h: memref<4x4xf32>) {
  // expected-error @+1 {{'moe.silu_and_mul' op expected the number of tensor results (1) to be equal to the number of output tensors (0)}}
  %r = moe.silu_and_mul %x outs(%h) : (memref<4x8xf32>, memref<4x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

// Results are ranked tensors, never memrefs.
func.func @dps_memref_result(%x: tensor<4x8xf32>, %h_init: tensor<4x4xf32>) {
  // expected-error @+1 {{'moe.silu_and_mul' op result #0 must be variadic of ranked tensor of any type values, but got 'memref<4x4xf32>'}}
  %h = moe.silu_and_mul %x outs(%h_init) : (tensor<4x8xf32>, tensor<4x4xf32>) -> memref<4x4xf32>
  return
}

// -----

// The outs are mandatory: the pre-DPS syntax no longer parses.
func.func @dps_missing_outs(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{custom op 'moe.gate' expected 'outs'}}
  %w, %i = moe.gate %l k = 2 scoring = softmax : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

// Generic form: the outs are operands like any other.
func.func @dps_generic_missing_out(%x: memref<4x8xf32>) {
  // expected-error @+1 {{'moe.silu_and_mul' op expected 2 operands, but found 1}}
  "moe.silu_and_mul"(%x) : (memref<4x8xf32>) -> ()
  return
}

// -----

// The shape rules hold in buffer form too: they check the out memrefs.
func.func @dps_buffer_form_out_shape(%l: memref<4x8xf32>, %w: memref<4x3xf32>, %i: memref<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op weights dim 1 (3) must equal k + num_shared_experts (2)}}
  moe.gate %l k = 2 scoring = softmax outs(%w, %i)
      : (memref<4x8xf32>, memref<4x3xf32>, memref<4x2xi32>) -> ()
  return
}

// -----

func.func @dps_buffer_form_permute_weights_without_row_weights(%x: memref<4x16xbf16>, %ids: memref<4x2xi32>, %w: memref<4x2xf32>, %r: memref<8x16xbf16>, %s: memref<8xi32>, %o: memref<9xi32>) {
  // expected-error @+1 {{'moe.permute' op has a row_weights out exactly when it has a weights operand}}
  moe.permute %x, %ids weights(%w) num_experts = 8 outs(%r, %s, %o)
      : (memref<4x16xbf16>, memref<4x2xi32>, memref<4x2xf32>, memref<8x16xbf16>,
         memref<8xi32>, memref<9xi32>) -> ()
  return
}

// -----

func.func @dps_buffer_form_rms_norm_residual_without_residual_out(%x: memref<4x8xf32>, %w: memref<8xf32>, %r: memref<4x8xf32>, %y: memref<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op has a residual_out out exactly when it has a residual operand}}
  moe.rms_norm %x, %w residual(%r) epsilon = 1.0e-06 outs(%y)
      : (memref<4x8xf32>, memref<8xf32>, memref<4x8xf32>, memref<4x8xf32>) -> ()
  return
}

// -----

// ODS constraints name memrefs in buffer form: an unranked weight is rejected.
func.func @dps_buffer_form_unranked_weight(%x: memref<4x8xf32>, %w: memref<*xf32>, %y: memref<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op operand #1 must be ranked tensor of any type values or memref of any type values, but got 'memref<*xf32>'}}
  moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y)
      : (memref<4x8xf32>, memref<*xf32>, memref<4x8xf32>) -> ()
  return
}

// -----

//===----------------------------------------------------------------------===//
// moe.gate: routing attributes
//===----------------------------------------------------------------------===//

func.func @gate_k_zero(%l: tensor<4x8xf32>, %w_init: tensor<4x0xf32>, %i_init: tensor<4x0xi32>) {
  // expected-error @+1 {{'moe.gate' op k (0) must be at least 1}}
  %w, %i = moe.gate %l k = 0 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x0xf32>, tensor<4x0xi32>)
      -> (tensor<4x0xf32>, tensor<4x0xi32>)
  return
}

// -----

func.func @gate_k_negative(%l: tensor<4x8xf32>, %w_init: tensor<4x1xf32>, %i_init: tensor<4x1xi32>) {
  // expected-error @+1 {{'moe.gate' op k (-1) must be at least 1}}
  %w, %i = moe.gate %l k = -1 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xi32>)
      -> (tensor<4x1xf32>, tensor<4x1xi32>)
  return
}

// -----

func.func @gate_num_groups_zero(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op num_groups (0) must be at least 1}}
  %w, %i = moe.gate %l k = 2 scoring = softmax num_groups = 0 topk_groups = 0
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_topk_groups_negative(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op topk_groups (-2) must be at least 1}}
  %w, %i = moe.gate %l k = 2 scoring = softmax num_groups = 4 topk_groups = -2
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_topk_groups_exceeds(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op topk_groups (5) must not exceed num_groups (4)}}
  %w, %i = moe.gate %l k = 2 scoring = softmax num_groups = 4 topk_groups = 5
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_shared_negative(%l: tensor<4x8xf32>, %w_init: tensor<4x1xf32>, %i_init: tensor<4x1xi32>) {
  // expected-error @+1 {{'moe.gate' op num_shared_experts (-1) must not be negative}}
  %w, %i = moe.gate %l k = 2 scoring = softmax num_shared_experts = -1
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xi32>)
      -> (tensor<4x1xf32>, tensor<4x1xi32>)
  return
}

// -----

// Regression: k + num_shared_experts used to wrap to the dynamic-size
// sentinel, and the op was accepted with any weights/ids width.
func.func @gate_slots_overflow(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op k + num_shared_experts (1 + 9223372036854775807) overflows a 64-bit size}}
  %w, %i = moe.gate %l k = 1 scoring = softmax
      num_shared_experts = 9223372036854775807 outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

// Regression: with dynamic E the overflow printed a negative expected size.
func.func @gate_slots_overflow_dynamic(%l: tensor<?x?xf32>, %w_init: tensor<?x3xf32>, %i_init: tensor<?x3xi32>) {
  // expected-error @+1 {{'moe.gate' op k + num_shared_experts (9223372036854775807 + 9223372036854775807) overflows a 64-bit size}}
  %w, %i = moe.gate %l k = 9223372036854775807 scoring = softmax
      num_shared_experts = 9223372036854775807 outs(%w_init, %i_init)
      : (tensor<?x?xf32>, tensor<?x3xf32>, tensor<?x3xi32>)
      -> (tensor<?x3xf32>, tensor<?x3xi32>)
  return
}

// -----

func.func @gate_scaling_factor_zero(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op scaling_factor (0.000000e+00) must be positive and finite}}
  %w, %i = moe.gate %l k = 2 scoring = softmax scaling_factor = 0.0 outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_scaling_factor_negative(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op scaling_factor (-2.500000e+00) must be positive and finite}}
  %w, %i = moe.gate %l k = 2 scoring = softmax scaling_factor = -2.5
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_scaling_factor_nan(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op scaling_factor (nan) must be positive and finite}}
  %w, %i = moe.gate %l k = 2 scoring = softmax scaling_factor = 0x7FC00000
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_scaling_factor_inf(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op scaling_factor (INF) must be positive and finite}}
  %w, %i = moe.gate %l k = 2 scoring = softmax scaling_factor = 0x7F800000
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_num_groups_not_dividing(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op num_groups (3) must divide the number of experts E (8)}}
  %w, %i = moe.gate %l k = 2 scoring = softmax num_groups = 3 topk_groups = 1
      outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_k_exceeds_experts(%l: tensor<4x8xf32>, %w_init: tensor<4x9xf32>, %i_init: tensor<4x9xi32>) {
  // expected-error @+1 {{'moe.gate' op k (9) exceeds the 8 experts eligible for selection (topk_groups 1 of num_groups 1 groups of E 8 experts)}}
  %w, %i = moe.gate %l k = 9 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x9xf32>, tensor<4x9xi32>)
      -> (tensor<4x9xf32>, tensor<4x9xi32>)
  return
}

// -----

// DeepSeek-V3 routing keeps 4 of 8 groups of 32: at most 128 experts.
func.func @gate_k_exceeds_eligible(%l: tensor<?x256xbf16>, %w_init: tensor<?x129xf32>, %i_init: tensor<?x129xi32>) {
  // expected-error @+1 {{'moe.gate' op k (129) exceeds the 128 experts eligible for selection (topk_groups 4 of num_groups 8 groups of E 256 experts)}}
  %w, %i = moe.gate %l k = 129 scoring = sigmoid num_groups = 8 topk_groups = 4
      group_score = top2_sum outs(%w_init, %i_init)
      : (tensor<?x256xbf16>, tensor<?x129xf32>, tensor<?x129xi32>)
      -> (tensor<?x129xf32>, tensor<?x129xi32>)
  return
}

// -----

// No experts at all: no k is valid.
func.func @gate_zero_experts(%l: tensor<4x0xf32>, %w_init: tensor<4x1xf32>, %i_init: tensor<4x1xi32>) {
  // expected-error @+1 {{'moe.gate' op k (1) exceeds the 0 experts eligible}}
  %w, %i = moe.gate %l k = 1 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x0xf32>, tensor<4x1xf32>, tensor<4x1xi32>)
      -> (tensor<4x1xf32>, tensor<4x1xi32>)
  return
}

//===----------------------------------------------------------------------===//
// moe.gate: shapes
//===----------------------------------------------------------------------===//

// -----

func.func @gate_bias_size(%l: tensor<4x8xf32>, %b: tensor<7xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op bias dim 0 (7) must equal the number of experts E (8)}}
  %w, %i = moe.gate %l bias(%b) k = 2 scoring = sigmoid outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<7xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_weights_tokens(%l: tensor<4x8xf32>, %w_init: tensor<5x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op weights dim 0 (5) must equal the number of tokens T of logits (4)}}
  %w, %i = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<5x2xf32>, tensor<4x2xi32>)
      -> (tensor<5x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_weights_slots(%l: tensor<4x256xf32>, %w_init: tensor<4x8xf32>, %i_init: tensor<4x9xi32>) {
  // expected-error @+1 {{'moe.gate' op weights dim 1 (8) must equal k + num_shared_experts (9)}}
  %w, %i = moe.gate %l k = 8 scoring = sigmoid num_shared_experts = 1
      outs(%w_init, %i_init)
      : (tensor<4x256xf32>, tensor<4x8xf32>, tensor<4x9xi32>)
      -> (tensor<4x8xf32>, tensor<4x9xi32>)
  return
}

// -----

func.func @gate_ids_tokens(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<3x2xi32>) {
  // expected-error @+1 {{'moe.gate' op ids dim 0 (3) must equal the number of tokens T of logits (4)}}
  %w, %i = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<3x2xi32>)
      -> (tensor<4x2xf32>, tensor<3x2xi32>)
  return
}

// -----

func.func @gate_ids_slots(%l: tensor<?x8xf32>, %w_init: tensor<?x2xf32>, %i_init: tensor<?x3xi32>) {
  // expected-error @+1 {{'moe.gate' op ids dim 1 (3) must equal k + num_shared_experts (2)}}
  %w, %i = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<?x8xf32>, tensor<?x2xf32>, tensor<?x3xi32>)
      -> (tensor<?x2xf32>, tensor<?x3xi32>)
  return
}

//===----------------------------------------------------------------------===//
// moe.gate: ODS constraints and parsing
//===----------------------------------------------------------------------===//

// -----

func.func @gate_i32_logits(%l: tensor<4x8xi32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op operand #0 must be 2D tensor of 32-bit float or bfloat16 type or 16-bit float values or 2D memref of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<4x8xi32>'}}
  %w, %i = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xi32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_f16_weights(%l: tensor<4x8xf16>, %w_init: tensor<4x2xf16>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op operand #1 must be 2D tensor of 32-bit float values or 2D memref of 32-bit float values, but got 'tensor<4x2xf16>'}}
  %w, %i = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf16>, tensor<4x2xf16>, tensor<4x2xi32>)
      -> (tensor<4x2xf16>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_rank3_logits(%l: tensor<2x4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op operand #0 must be 2D tensor}}
  %w, %i = moe.gate %l k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<2x4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_bf16_bias(%l: tensor<4x8xf32>, %b: tensor<8xbf16>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op operand #1 must be 1D tensor of 32-bit float values or 1D memref of 32-bit float values, but got 'tensor<8xbf16>'}}
  %w, %i = moe.gate %l bias(%b) k = 2 scoring = sigmoid outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<8xbf16>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_unknown_scoring(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+2 {{expected ::mlir::moe::ScoringFunc to be one of: softmax, sigmoid}}
  // expected-error @+1 {{failed to parse Moe_ScoringFuncAttr parameter 'value'}}
  %w, %i = moe.gate %l k = 2 scoring = relu outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_unknown_group_score(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+2 {{expected ::mlir::moe::GroupScore to be one of: max, top2_sum}}
  // expected-error @+1 {{failed to parse Moe_GroupScoreAttr parameter 'value'}}
  %w, %i = moe.gate %l k = 2 scoring = softmax group_score = mean outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_missing_scoring(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op requires attribute 'scoring'}}
  %w, %i = "moe.gate"(%l, %w_init, %i_init) <{k = 2 : i64, operandSegmentSizes = array<i32: 1, 0, 0, 1, 1>}>
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

//===----------------------------------------------------------------------===//
// moe.align
//===----------------------------------------------------------------------===//

// -----

func.func @align_num_experts_zero(%ids: tensor<4x2xi32>, %s_init: tensor<8xi32>, %e_init: tensor<2xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op num_experts (0) must be at least 1}}
  %s, %e, %n = moe.align %ids num_experts = 0 block_m = 4 outs(%s_init, %e_init, %n_init)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<2xi32>, tensor<1xi32>)
      -> (tensor<8xi32>, tensor<2xi32>, tensor<1xi32>)
  return
}

// -----

func.func @align_block_m_negative(%ids: tensor<4x2xi32>, %s_init: tensor<8xi32>, %e_init: tensor<2xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op block_m (-64) must be at least 1}}
  %s, %e, %n = moe.align %ids num_experts = 8 block_m = -64
      outs(%s_init, %e_init, %n_init)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<2xi32>, tensor<1xi32>)
      -> (tensor<8xi32>, tensor<2xi32>, tensor<1xi32>)
  return
}

// -----

func.func @align_expert_map_size(%ids: tensor<4x2xi32>, %map: tensor<4xi32>, %s_init: tensor<32xi32>, %e_init: tensor<8xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op expert_map dim 0 (4) must equal num_experts (8)}}
  %s, %e, %n = moe.align %ids expert_map(%map) num_experts = 8 block_m = 4
      outs(%s_init, %e_init, %n_init)
      : (tensor<4x2xi32>, tensor<4xi32>, tensor<32xi32>, tensor<8xi32>, tensor<1xi32>)
      -> (tensor<32xi32>, tensor<8xi32>, tensor<1xi32>)
  return
}

// -----

// The doc example's sizes: P = 64 + 8*63 = 568, rounded up to 576.
func.func @align_sorted_ids_size(%ids: tensor<32x2xi32>, %s_init: tensor<512xi32>, %e_init: tensor<9xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op sorted_ids dim 0 (512) must equal T*k + num_experts*(block_m-1) rounded up to block_m (576)}}
  %s, %e, %n = moe.align %ids num_experts = 8 block_m = 64 outs(%s_init, %e_init, %n_init)
      : (tensor<32x2xi32>, tensor<512xi32>, tensor<9xi32>, tensor<1xi32>)
      -> (tensor<512xi32>, tensor<9xi32>, tensor<1xi32>)
  return
}

// -----

func.func @align_expert_ids_size(%ids: tensor<32x2xi32>, %s_init: tensor<576xi32>, %e_init: tensor<8xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op expert_ids dim 0 (8) must equal the number of blocks (9)}}
  %s, %e, %n = moe.align %ids num_experts = 8 block_m = 64 outs(%s_init, %e_init, %n_init)
      : (tensor<32x2xi32>, tensor<576xi32>, tensor<8xi32>, tensor<1xi32>)
      -> (tensor<576xi32>, tensor<8xi32>, tensor<1xi32>)
  return
}

// -----

func.func @align_num_tokens_post_pad_size(%ids: tensor<?x2xi32>, %s_init: tensor<?xi32>, %e_init: tensor<?xi32>, %n_init: tensor<2xi32>) {
  // expected-error @+1 {{'moe.align' op num_tokens_post_pad dim 0 (2) must equal one element (1)}}
  %s, %e, %n = moe.align %ids num_experts = 8 block_m = 64 outs(%s_init, %e_init, %n_init)
      : (tensor<?x2xi32>, tensor<?xi32>, tensor<?xi32>, tensor<2xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<2xi32>)
  return
}

// -----

// Regression: an overflowing padded size was treated as dynamic and the op
// accepted with any sorted_ids size.
func.func @align_padded_overflow(%ids: tensor<4x2xi32>, %s_init: tensor<5xi32>, %e_init: tensor<5xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op padded size T*k + num_experts*(block_m-1) rounded up to block_m overflows a 64-bit size (ids 'tensor<4x2xi32>', num_experts 1, block_m 9223372036854775807)}}
  %s, %e, %n = moe.align %ids num_experts = 1 block_m = 9223372036854775807
      outs(%s_init, %e_init, %n_init)
      : (tensor<4x2xi32>, tensor<5xi32>, tensor<5xi32>, tensor<1xi32>)
      -> (tensor<5xi32>, tensor<5xi32>, tensor<1xi32>)
  return
}

// -----

// num_experts*(block_m-1) alone overflows: rejected even with dynamic T.
func.func @align_padding_overflow_dynamic(%ids: tensor<?x?xi32>, %s_init: tensor<?xi32>, %e_init: tensor<?xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op padded size T*k + num_experts*(block_m-1) rounded up to block_m overflows a 64-bit size (ids 'tensor<?x?xi32>', num_experts 3, block_m 4611686018427387904)}}
  %s, %e, %n = moe.align %ids num_experts = 3 block_m = 4611686018427387904
      outs(%s_init, %e_init, %n_init)
      : (tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return
}

// -----

// Regression: a huge static T (T*k overflows) is rejected, not skipped; ids
// of T*k elements are past the index width before the padded size is.
func.func @align_huge_tokens(%ids: tensor<9223372036854775807x2xi32>, %s_init: tensor<?xi32>, %e_init: tensor<5xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op operand #0 ('tensor<9223372036854775807x2xi32>') has 18446744073709551614 elements (73786976294838206456 bytes): past the 64-bit index limit of 2^63 - 1 bytes}}
  %s, %e, %n = moe.align %ids num_experts = 8 block_m = 64 outs(%s_init, %e_init, %n_init)
      : (tensor<9223372036854775807x2xi32>, tensor<?xi32>, tensor<5xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<5xi32>, tensor<1xi32>)
  return
}

// -----

func.func @align_ids_rank(%ids: tensor<8xi32>, %s_init: tensor<?xi32>, %e_init: tensor<?xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op operand #0 must be 2D tensor of 32-bit signless integer values or 2D memref of 32-bit signless integer values, but got 'tensor<8xi32>'}}
  %s, %e, %n = moe.align %ids num_experts = 8 block_m = 4 outs(%s_init, %e_init, %n_init)
      : (tensor<8xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return
}

// -----

func.func @align_i64_ids(%ids: tensor<4x2xi64>, %s_init: tensor<?xi32>, %e_init: tensor<?xi32>, %n_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.align' op operand #0 must be 2D tensor of 32-bit signless integer values or 2D memref of 32-bit signless integer values, but got 'tensor<4x2xi64>'}}
  %s, %e, %n = moe.align %ids num_experts = 8 block_m = 4 outs(%s_init, %e_init, %n_init)
      : (tensor<4x2xi64>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return
}

//===----------------------------------------------------------------------===//
// moe.permute
//===----------------------------------------------------------------------===//

// -----

func.func @permute_num_experts_zero(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.permute' op num_experts (0) must be at least 1}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 0 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>,
         tensor<1xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<1xi32>)
  return
}

// -----

// Regression: num_experts + 1 used to wrap to the dynamic-size sentinel and
// skip the offsets check.
func.func @permute_offsets_overflow(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<3xi32>) {
  // expected-error @+1 {{'moe.permute' op num_experts + 1 (9223372036854775807 + 1) overflows a 64-bit size}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 9223372036854775807
      outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>,
         tensor<3xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<3xi32>)
  return
}

// -----

func.func @permute_ids_tokens(%x: tensor<4x16xbf16>, %ids: tensor<5x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op ids dim 0 (5) must equal the number of tokens T of x (4)}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<5x2xi32>, tensor<8x16xbf16>, tensor<8xi32>,
         tensor<9xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_weights_dim0(%x: tensor<?x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<3x2xf32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<8xf32>) {
  // expected-error @+1 {{'moe.permute' op weights dim 0 (3) must equal ids dim 0 (4)}}
  %r, %s, %o, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r_init, %s_init, %o_init, %rw_init)
      : (tensor<?x16xbf16>, tensor<4x2xi32>, tensor<3x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return
}

// -----

func.func @permute_weights_dim1(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x1xf32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<8xf32>) {
  // expected-error @+1 {{'moe.permute' op weights dim 1 (1) must equal ids dim 1 (2)}}
  %r, %s, %o, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r_init, %s_init, %o_init, %rw_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x1xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return
}

// -----

func.func @permute_weights_without_row_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op has a row_weights out exactly when it has a weights operand}}
  %r, %s, %o = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_row_weights_without_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<8xf32>) {
  // expected-error @+1 {{'moe.permute' op has a row_weights out exactly when it has a weights operand}}
  %r, %s, %o, %rw = moe.permute %x, %ids num_experts = 8
      outs(%r_init, %s_init, %o_init, %rw_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>,
         tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return
}

// -----

func.func @permute_rows_dim0(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<4x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op rows dim 0 (4) must equal T*k (8)}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x16xbf16>, tensor<8xi32>,
         tensor<9xi32>) -> (tensor<4x16xbf16>, tensor<8xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_rows_dim1(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x32xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op rows dim 1 (32) must equal x dim 1 (16)}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x32xbf16>, tensor<8xi32>,
         tensor<9xi32>) -> (tensor<8x32xbf16>, tensor<8xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_rows_element_type(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xf32>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op rows element type 'f32' must match x element type 'bf16'}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xf32>, tensor<8xi32>,
         tensor<9xi32>) -> (tensor<8x16xf32>, tensor<8xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_src_index_size(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<4xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op src_index dim 0 (4) must equal T*k (8)}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<4xi32>,
         tensor<9xi32>) -> (tensor<8x16xbf16>, tensor<4xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_offsets_size(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<8xi32>) {
  // expected-error @+1 {{'moe.permute' op offsets dim 0 (8) must equal num_experts + 1 (9)}}
  %r, %s, %o = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>,
         tensor<8xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<8xi32>)
  return
}

// -----

func.func @permute_row_weights_size(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<4xf32>) {
  // expected-error @+1 {{'moe.permute' op row_weights dim 0 (4) must equal T*k (8)}}
  %r, %s, %o, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r_init, %s_init, %o_init, %rw_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<4xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<4xf32>)
  return
}

// -----

func.func @permute_bf16_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xbf16>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<8xf32>) {
  // expected-error @+1 {{'moe.permute' op operand #2 must be 2D tensor of 32-bit float values or 2D memref of 32-bit float values, but got 'tensor<4x2xbf16>'}}
  %r, %s, %o, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r_init, %s_init, %o_init, %rw_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xbf16>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return
}

// -----

func.func @permute_slot_rows_size(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %p_init: tensor<4xi32>) {
  // expected-error @+1 {{'moe.permute' op slot_rows dim 0 (4) must equal T*k (8)}}
  %r, %s, %o, %p = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init) slot_rows_outs(%p_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<4xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<4xi32>)
  return
}

// -----

func.func @permute_slot_rows_f32(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %r_init: tensor<8x16xbf16>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %p_init: tensor<8xf32>) {
  // expected-error @+1 {{'moe.permute' op operand #5 must be 1D tensor of 32-bit signless integer values or 1D memref of 32-bit signless integer values, but got 'tensor<8xf32>'}}
  %r, %s, %o, %p = moe.permute %x, %ids num_experts = 8 outs(%r_init, %s_init, %o_init) slot_rows_outs(%p_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return
}

//===----------------------------------------------------------------------===//
// moe.permute_indices
//===----------------------------------------------------------------------===//

// -----

func.func @permute_indices_num_experts_zero(%ids: tensor<4x2xi32>, %s_init: tensor<8xi32>, %o_init: tensor<1xi32>) {
  // expected-error @+1 {{'moe.permute_indices' op num_experts (0) must be at least 1}}
  %s, %o = moe.permute_indices %ids num_experts = 0 outs(%s_init, %o_init)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<1xi32>) -> (tensor<8xi32>, tensor<1xi32>)
  return
}

// -----

func.func @permute_indices_src_index_size(%ids: tensor<4x2xi32>, %s_init: tensor<7xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute_indices' op src_index dim 0 (7) must equal T*k (8)}}
  %s, %o = moe.permute_indices %ids num_experts = 8 outs(%s_init, %o_init)
      : (tensor<4x2xi32>, tensor<7xi32>, tensor<9xi32>) -> (tensor<7xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_indices_offsets_size(%ids: tensor<4x2xi32>, %s_init: tensor<8xi32>, %o_init: tensor<8xi32>) {
  // expected-error @+1 {{'moe.permute_indices' op offsets dim 0 (8) must equal num_experts + 1 (9)}}
  %s, %o = moe.permute_indices %ids num_experts = 8 outs(%s_init, %o_init)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<8xi32>) -> (tensor<8xi32>, tensor<8xi32>)
  return
}

// -----

func.func @permute_indices_weights_dim1(%ids: tensor<4x2xi32>, %w: tensor<4x1xf32>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<8xf32>) {
  // expected-error @+1 {{'moe.permute_indices' op weights dim 1 (1) must equal ids dim 1 (2)}}
  %s, %o, %rw = moe.permute_indices %ids weights(%w) num_experts = 8 outs(%s_init, %o_init, %rw_init)
      : (tensor<4x2xi32>, tensor<4x1xf32>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return
}

// -----

func.func @permute_indices_weights_without_row_weights(%ids: tensor<4x2xi32>, %w: tensor<4x2xf32>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute_indices' op has a row_weights out exactly when it has a weights operand}}
  %s, %o = moe.permute_indices %ids weights(%w) num_experts = 8 outs(%s_init, %o_init)
      : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>) -> (tensor<8xi32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_indices_row_weights_size(%ids: tensor<4x2xi32>, %w: tensor<4x2xf32>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<6xf32>) {
  // expected-error @+1 {{'moe.permute_indices' op row_weights dim 0 (6) must equal T*k (8)}}
  %s, %o, %rw = moe.permute_indices %ids weights(%w) num_experts = 8 outs(%s_init, %o_init, %rw_init)
      : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>, tensor<6xf32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<6xf32>)
  return
}

// -----

func.func @permute_indices_slot_rows_size(%ids: tensor<4x2xi32>, %w: tensor<4x2xf32>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %rw_init: tensor<8xf32>, %p_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute_indices' op slot_rows dim 0 (9) must equal T*k (8)}}
  %s, %o, %rw, %p = moe.permute_indices %ids weights(%w) num_experts = 8 outs(%s_init, %o_init, %rw_init) slot_rows_outs(%p_init)
      : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<9xi32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<9xi32>)
  return
}

// -----

func.func @permute_indices_slot_rows_2d(%ids: tensor<4x2xi32>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %p_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.permute_indices' op operand #3 must be 1D tensor of 32-bit signless integer values or 1D memref of 32-bit signless integer values, but got 'tensor<4x2xi32>'}}
  %s, %o, %p = moe.permute_indices %ids num_experts = 8 outs(%s_init, %o_init) slot_rows_outs(%p_init)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>, tensor<4x2xi32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<4x2xi32>)
  return
}

// -----

func.func @permute_indices_slot_rows_buffer_in_tensor_op(%ids: tensor<4x2xi32>, %s_init: tensor<8xi32>, %o_init: tensor<9xi32>, %p_init: memref<8xi32>) {
  // expected-error @+1 {{'moe.permute_indices' op mixes tensor and memref operands}}
  %s, %o = moe.permute_indices %ids num_experts = 8 outs(%s_init, %o_init) slot_rows_outs(%p_init)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>, memref<8xi32>) -> (tensor<8xi32>, tensor<9xi32>)
  return
}

//===----------------------------------------------------------------------===//
// moe.combine
//===----------------------------------------------------------------------===//

// -----

func.func @combine_k_zero(%y: tensor<8x16xbf16>, %src: tensor<8xi32>, %out_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op k (0) must be at least 1}}
  %out = moe.combine %y, %src k = 0 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_src_index_size(%y: tensor<8x16xbf16>, %src: tensor<7xi32>, %out_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op src_index dim 0 (7) must equal the number of rows R of y (8)}}
  %out = moe.combine %y, %src k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<7xi32>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_rows(%y: tensor<8x16xbf16>, %src: tensor<8xi32>, %out_init: tensor<3x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op y dim 0 (8) must equal T*k (T from out) (6)}}
  %out = moe.combine %y, %src k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<3x16xbf16>) -> tensor<3x16xbf16>
  return
}

// -----

func.func @combine_out_hidden(%y: tensor<8x16xbf16>, %src: tensor<8xi32>, %out_init: tensor<4x8xbf16>) {
  // expected-error @+1 {{'moe.combine' op out dim 1 (8) must equal y dim 1 (16)}}
  %out = moe.combine %y, %src k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

func.func @combine_weights_dim0(%y: tensor<?x16xbf16>, %src: tensor<?xi32>, %w: tensor<5x2xf32>, %out_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op weights dim 0 (5) must equal the number of tokens T of out (4)}}
  %out = moe.combine %y, %src weights(%w) k = 2 outs(%out_init)
      : (tensor<?x16xbf16>, tensor<?xi32>, tensor<5x2xf32>, tensor<4x16xbf16>)
      -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_slot_rows_size(%y: tensor<8x16xbf16>, %src: tensor<8xi32>, %p: tensor<6xi32>, %out_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op slot_rows dim 0 (6) must equal T*k (T from out) (8)}}
  %out = moe.combine %y, %src slot_rows(%p) k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<6xi32>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

// With T dynamic in out, slot_rows has one entry per row of y.
func.func @combine_slot_rows_rows(%y: tensor<8x16xbf16>, %src: tensor<8xi32>, %p: tensor<10xi32>, %out_init: tensor<?x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op slot_rows dim 0 (10) must equal the number of rows R of y (8)}}
  %out = moe.combine %y, %src slot_rows(%p) k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<10xi32>, tensor<?x16xbf16>) -> tensor<?x16xbf16>
  return
}

// -----

func.func @combine_slot_rows_f32(%y: tensor<8x16xbf16>, %src: tensor<8xi32>, %p: tensor<8xf32>, %out_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op operand #2 must be 1D tensor of 32-bit signless integer values or 1D memref of 32-bit signless integer values, but got 'tensor<8xf32>'}}
  %out = moe.combine %y, %src slot_rows(%p) k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<8xf32>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_weights_dim1(%y: tensor<8x16xbf16>, %src: tensor<8xi32>, %w: tensor<4x3xf32>, %out_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op weights dim 1 (3) must equal k (2)}}
  %out = moe.combine %y, %src weights(%w) k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<4x3xf32>, tensor<4x16xbf16>)
      -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_src_index_rank(%y: tensor<8x16xbf16>, %src: tensor<8x1xi32>, %out_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.combine' op operand #1 must be 1D tensor of 32-bit signless integer values or 1D memref of 32-bit signless integer values, but got 'tensor<8x1xi32>'}}
  %out = moe.combine %y, %src k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8x1xi32>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul
//===----------------------------------------------------------------------===//

// -----

func.func @grouped_matmul_element_type(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xf16>, %o: tensor<3xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w element type 'f16' must match a element type 'bf16'}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xf16>, tensor<3xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_reduction(%a: tensor<8x16xbf16>, %w: tensor<2x32x8xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op a dim 1 (16) must equal the reduction size K of w (dim 2) (8)}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x8xbf16>, tensor<3xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_offsets(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<2xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op offsets dim 0 (2) must equal the number of experts E of w + 1 (3)}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<2xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

// Regression: E + 1 used to wrap to the dynamic-size sentinel and skip the
// offsets check (N = 0 keeps w within the index width).
func.func @grouped_matmul_offsets_overflow(%a: tensor<4x16xf32>, %w: tensor<9223372036854775807x0x16xf32>, %o: tensor<3xi32>, %y_init: tensor<4x0xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op the number of experts E of w + 1 (9223372036854775807 + 1) overflows a 64-bit size}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<4x16xf32>, tensor<9223372036854775807x0x16xf32>, tensor<3xi32>,
         tensor<4x0xf32>) -> tensor<4x0xf32>
  return
}

// -----

func.func @grouped_matmul_index_divisor_zero(%a: tensor<4x16xbf16>, %ri: tensor<8xi32>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op index_divisor (0) must be at least 1}}
  %y = moe.grouped_matmul %a[%ri], %w, %o outs(%y_init) {index_divisor = 0 : i64}
      : (tensor<4x16xbf16>, tensor<8xi32>, tensor<2x32x16xbf16>, tensor<3xi32>,
         tensor<8x32xbf16>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_index_divisor_contiguous(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op index_divisor (2) applies only to a gathered A ([row_index])}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init) {index_divisor = 2 : i64}
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_silu_odd_n(%a: tensor<8x16xbf16>, %w: tensor<2x31x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x15xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op epilogue silu_and_mul needs an even N, but w dim 1 is 31}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x31x16xbf16>, tensor<3xi32>, tensor<8x15xbf16>)
      -> tensor<8x15xbf16>
  return
}

// -----

func.func @grouped_matmul_gelu_odd_n(%a: tensor<8x16xbf16>, %w: tensor<2x1x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x0xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op epilogue gelu_and_mul needs an even N, but w dim 1 is 1}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = gelu_and_mul outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x1x16xbf16>, tensor<3xi32>, tensor<8x0xbf16>)
      -> tensor<8x0xbf16>
  return
}

// -----

func.func @grouped_matmul_out_rows(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<4x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op out dim 0 (4) must equal the number of rows R of a (8)}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<4x32xbf16>)
      -> tensor<4x32xbf16>
  return
}

// -----

// Gathered: R comes from row_index, not from a.
func.func @grouped_matmul_out_rows_gathered(%a: tensor<4x16xbf16>, %ri: tensor<8xi32>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<4x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op out dim 0 (4) must equal the number of rows R of row_index (8)}}
  %y = moe.grouped_matmul %a[%ri], %w, %o outs(%y_init) {index_divisor = 2 : i64}
      : (tensor<4x16xbf16>, tensor<8xi32>, tensor<2x32x16xbf16>, tensor<3xi32>,
         tensor<4x32xbf16>) -> tensor<4x32xbf16>
  return
}

// -----

func.func @grouped_matmul_out_cols(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x16xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op out dim 1 (16) must equal the output size N of w (dim 1) (32)}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>)
      -> tensor<8x16xbf16>
  return
}

// -----

func.func @grouped_matmul_out_cols_gated(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op out dim 1 (32) must equal N/2 of w for a gated epilogue (16)}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_scale_size(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %s: tensor<4xf32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op scale dim 0 (4) must equal the number of rows R (8)}}
  %y = moe.grouped_matmul %a, %w, %o scale(%s) outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<4xf32>,
         tensor<8x32xbf16>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_bias_experts(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %b: tensor<3x32xbf16>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op bias dim 0 (3) must equal the number of experts E of w (2)}}
  %y = moe.grouped_matmul %a, %w, %o bias(%b) outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<3x32xbf16>,
         tensor<8x32xbf16>) -> tensor<8x32xbf16>
  return
}

// -----

// The bias is added before the gated epilogue: it spans the full N.
func.func @grouped_matmul_bias_n(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %b: tensor<2x16xbf16>, %y_init: tensor<8x16xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op bias dim 1 (16) must equal the output size N of w (32)}}
  %y = moe.grouped_matmul %a, %w, %o bias(%b) epilogue = silu_and_mul outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<2x16xbf16>,
         tensor<8x16xbf16>) -> tensor<8x16xbf16>
  return
}

// -----

// ODS numbers the operands actually present: without row_index, scale is #3.
func.func @grouped_matmul_f16_scale(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %s: tensor<8xf16>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op operand #3 must be 1D tensor of 32-bit float values or 1D memref of 32-bit float values, but got 'tensor<8xf16>'}}
  %y = moe.grouped_matmul %a, %w, %o scale(%s) outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8xf16>,
         tensor<8x32xbf16>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_rank2_w(%a: tensor<8x16xbf16>, %w: tensor<32x16xbf16>, %o: tensor<2xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op operand #1 must be 3D tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or 8-bit signless integer values or 3D memref of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or 8-bit signless integer values, but got 'tensor<32x16xbf16>'}}
  %y = moe.grouped_matmul %a, %w, %o outs(%y_init)
      : (tensor<8x16xbf16>, tensor<32x16xbf16>, tensor<2xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

// The activation parameters of grouped_matmul's epilogue (the rules of
// fused_moe's): a layout and a clamp only with a gated epilogue, the clamp
// positive and finite, swiglu_alpha only with swigluoai_and_mul.
func.func @grouped_matmul_interleaved_elementwise(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op gate_up_layout = interleaved needs a gated activation, not silu (there are no up rows)}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = silu gate_up_layout = interleaved outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_clamp_none(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op clamp_limit applies to a gated activation (gate and up), not to none}}
  %y = moe.grouped_matmul %a, %w, %o clamp_limit = 7.0 outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x32xbf16>)
      -> tensor<8x32xbf16>
  return
}

// -----

func.func @grouped_matmul_clamp_negative(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x16xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op clamp_limit (-1.000000e+00) must be positive and finite}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = swiglustep_and_mul clamp_limit = -1.0 outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>)
      -> tensor<8x16xbf16>
  return
}

// -----

func.func @grouped_matmul_alpha_silu(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x16xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op swiglu_alpha applies only to swigluoai, not to silu_and_mul}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul swiglu_alpha = 1.702 outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>)
      -> tensor<8x16xbf16>
  return
}

// -----

func.func @grouped_matmul_alpha_inf(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x16xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op swiglu_alpha (INF) must be finite}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = swigluoai_and_mul swiglu_alpha = 0x7F800000 outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>)
      -> tensor<8x16xbf16>
  return
}

// -----

// An elementwise epilogue keeps all N columns.
func.func @grouped_matmul_elementwise_halved(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x16xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op out dim 1 (16) must equal the output size N of w (dim 1) (32)}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = gelu_tanh outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>)
      -> tensor<8x16xbf16>
  return
}

// -----

func.func @grouped_matmul_unknown_epilogue(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>, %o: tensor<3xi32>, %y_init: tensor<8x16xbf16>) {
  // expected-error @+2 {{expected ::mlir::moe::Epilogue to be one of: none, silu_and_mul, gelu_and_mul, gelu_tanh_and_mul, swigluoai_and_mul, swiglustep_and_mul, silu, gelu, gelu_tanh, relu2}}
  // expected-error @+1 {{failed to parse Moe_EpilogueAttr parameter 'value'}}
  %y = moe.grouped_matmul %a, %w, %o epilogue = relu_and_mul outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>)
      -> tensor<8x16xbf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.mot_linear
//===----------------------------------------------------------------------===//

// -----

func.func @mot_linear_element_type(%x: tensor<5x8xf16>, %w: tensor<2x4x8xf32>, %t: tensor<5xi32>, %y_init: tensor<5x4xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op w element type 'f32' must match x element type 'f16'}}
  %y = moe.mot_linear %x, %w, %t outs(%y_init)
      : (tensor<5x8xf16>, tensor<2x4x8xf32>, tensor<5xi32>, tensor<5x4xf16>)
      -> tensor<5x4xf16>
  return
}

// -----

func.func @mot_linear_reduction(%x: tensor<5x8xf16>, %w: tensor<2x4x6xf16>, %t: tensor<5xi32>, %y_init: tensor<5x4xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op x dim 1 (8) must equal the reduction size K of w (dim 2) (6)}}
  %y = moe.mot_linear %x, %w, %t outs(%y_init)
      : (tensor<5x8xf16>, tensor<2x4x6xf16>, tensor<5xi32>, tensor<5x4xf16>)
      -> tensor<5x4xf16>
  return
}

// -----

func.func @mot_linear_type_ids(%x: tensor<5x8xf16>, %w: tensor<2x4x8xf16>, %t: tensor<6xi32>, %y_init: tensor<5x4xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op type_ids dim 0 (6) must equal the number of tokens T of x (5)}}
  %y = moe.mot_linear %x, %w, %t outs(%y_init)
      : (tensor<5x8xf16>, tensor<2x4x8xf16>, tensor<6xi32>, tensor<5x4xf16>)
      -> tensor<5x4xf16>
  return
}

// -----

func.func @mot_linear_out_rows(%x: tensor<5x8xf16>, %w: tensor<2x4x8xf16>, %t: tensor<?xi32>, %y_init: tensor<4x4xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op out dim 0 (4) must equal the number of tokens T of x (5)}}
  %y = moe.mot_linear %x, %w, %t outs(%y_init)
      : (tensor<5x8xf16>, tensor<2x4x8xf16>, tensor<?xi32>, tensor<4x4xf16>)
      -> tensor<4x4xf16>
  return
}

// -----

func.func @mot_linear_out_cols(%x: tensor<?x8xf16>, %w: tensor<2x4x8xf16>, %t: tensor<?xi32>, %y_init: tensor<?x8xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op out dim 1 (8) must equal the output size N of w (dim 1) (4)}}
  %y = moe.mot_linear %x, %w, %t outs(%y_init)
      : (tensor<?x8xf16>, tensor<2x4x8xf16>, tensor<?xi32>, tensor<?x8xf16>)
      -> tensor<?x8xf16>
  return
}

// -----

func.func @mot_linear_bias_types(%x: tensor<5x8xf16>, %w: tensor<2x4x8xf16>, %t: tensor<5xi32>, %b: tensor<3x4xf16>, %y_init: tensor<5x4xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op bias dim 0 (3) must equal the number of token types G of w (2)}}
  %y = moe.mot_linear %x, %w, %t bias(%b) outs(%y_init)
      : (tensor<5x8xf16>, tensor<2x4x8xf16>, tensor<5xi32>, tensor<3x4xf16>,
         tensor<5x4xf16>) -> tensor<5x4xf16>
  return
}

// -----

func.func @mot_linear_bias_n(%x: tensor<5x8xf16>, %w: tensor<2x4x8xf16>, %t: tensor<5xi32>, %b: tensor<2x8xf16>, %y_init: tensor<5x4xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op bias dim 1 (8) must equal the output size N of w (4)}}
  %y = moe.mot_linear %x, %w, %t bias(%b) outs(%y_init)
      : (tensor<5x8xf16>, tensor<2x4x8xf16>, tensor<5xi32>, tensor<2x8xf16>,
         tensor<5x4xf16>) -> tensor<5x4xf16>
  return
}

// -----

func.func @mot_linear_i64_type_ids(%x: tensor<5x8xf16>, %w: tensor<2x4x8xf16>, %t: tensor<5xi64>, %y_init: tensor<5x4xf16>) {
  // expected-error @+1 {{'moe.mot_linear' op operand #2 must be 1D tensor of 32-bit signless integer values or 1D memref of 32-bit signless integer values, but got 'tensor<5xi64>'}}
  %y = moe.mot_linear %x, %w, %t outs(%y_init)
      : (tensor<5x8xf16>, tensor<2x4x8xf16>, tensor<5xi64>, tensor<5x4xf16>)
      -> tensor<5x4xf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.rms_norm
//===----------------------------------------------------------------------===//

// -----

func.func @rms_norm_weight_element_type(%x: tensor<4x8xf32>, %w: tensor<8xi8>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op weight element type 'i8' must be f32, bf16 or f16}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<8xi8>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_per_type_rank(%x: tensor<4x8xf32>, %w: tensor<8xf32>, %t: tensor<4xi32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op with type_ids, weight must be [G, H] per-type weights, but it has rank 1}}
  %y = moe.rms_norm %x, %w type_ids(%t) epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<8xf32>, tensor<4xi32>, tensor<4x8xf32>)
      -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_single_rank(%x: tensor<4x8xf32>, %w: tensor<2x8xf32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op without type_ids, weight must be [H], but it has rank 2}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_scalar_weight(%x: tensor<4x8xf32>, %w: tensor<f32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op without type_ids, weight must be [H], but it has rank 0}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_weight_hidden(%x: tensor<4x8xf32>, %w: tensor<16xf32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op weight dim 0 (16) must equal the hidden size H of x (8)}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_per_type_hidden(%x: tensor<?x8xbf16>, %w: tensor<2x16xbf16>, %t: tensor<?xi32>, %y_init: tensor<?x8xbf16>) {
  // expected-error @+1 {{'moe.rms_norm' op weight dim 1 (16) must equal the hidden size H of x (8)}}
  %y = moe.rms_norm %x, %w type_ids(%t) epsilon = 1.0e-06 outs(%y_init)
      : (tensor<?x8xbf16>, tensor<2x16xbf16>, tensor<?xi32>, tensor<?x8xbf16>)
      -> tensor<?x8xbf16>
  return
}

// -----

func.func @rms_norm_type_ids_size(%x: tensor<4x8xbf16>, %w: tensor<2x8xbf16>, %t: tensor<3xi32>, %y_init: tensor<4x8xbf16>) {
  // expected-error @+1 {{'moe.rms_norm' op type_ids dim 0 (3) must equal the number of tokens T of x (4)}}
  %y = moe.rms_norm %x, %w type_ids(%t) epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xbf16>, tensor<2x8xbf16>, tensor<3xi32>, tensor<4x8xbf16>)
      -> tensor<4x8xbf16>
  return
}

// -----

func.func @rms_norm_epsilon_zero(%x: tensor<4x8xf32>, %w: tensor<8xf32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op epsilon (0.000000e+00) must be positive and finite}}
  %y = moe.rms_norm %x, %w epsilon = 0.0 outs(%y_init)
      : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_epsilon_negative(%x: tensor<4x8xf32>, %w: tensor<8xf32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op epsilon (-1.000000e-06) must be positive and finite}}
  %y = moe.rms_norm %x, %w epsilon = -1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_epsilon_nan(%x: tensor<4x8xf32>, %w: tensor<8xf32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op epsilon (nan) must be positive and finite}}
  %y = moe.rms_norm %x, %w epsilon = 0x7FC00000 outs(%y_init)
      : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_out_type(%x: tensor<4x8xbf16>, %w: tensor<8xbf16>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op out type 'tensor<4x8xf32>' must equal x type 'tensor<4x8xbf16>'}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xbf16>, tensor<8xbf16>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_out_shape(%x: tensor<?x8xbf16>, %w: tensor<8xbf16>, %y_init: tensor<4x8xbf16>) {
  // expected-error @+1 {{'moe.rms_norm' op out type 'tensor<4x8xbf16>' must equal x type 'tensor<?x8xbf16>'}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<?x8xbf16>, tensor<8xbf16>, tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

func.func @rms_norm_residual_without_residual_out(%x: tensor<4x8xf32>, %w: tensor<8xf32>, %r: tensor<4x8xf32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op has a residual_out out exactly when it has a residual operand}}
  %y = moe.rms_norm %x, %w residual(%r) epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_residual_out_without_residual(%x: tensor<4x8xf32>, %w: tensor<8xf32>, %y_init: tensor<4x8xf32>, %s_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op has a residual_out out exactly when it has a residual operand}}
  %y, %s = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init, %s_init)
      : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<4x8xf32>, tensor<4x8xf32>)
  return
}

// -----

func.func @rms_norm_residual_type(%x: tensor<4x8xbf16>, %w: tensor<8xbf16>, %r: tensor<4x8xf32>, %y_init: tensor<4x8xbf16>, %s_init: tensor<4x8xbf16>) {
  // expected-error @+1 {{'moe.rms_norm' op residual type 'tensor<4x8xf32>' must equal x type 'tensor<4x8xbf16>'}}
  %y, %s = moe.rms_norm %x, %w residual(%r) epsilon = 1.0e-06 outs(%y_init, %s_init)
      : (tensor<4x8xbf16>, tensor<8xbf16>, tensor<4x8xf32>, tensor<4x8xbf16>,
         tensor<4x8xbf16>) -> (tensor<4x8xbf16>, tensor<4x8xbf16>)
  return
}

// -----

func.func @rms_norm_residual_out_type(%x: tensor<4x8xbf16>, %w: tensor<8xbf16>, %r: tensor<4x8xbf16>, %y_init: tensor<4x8xbf16>, %s_init: tensor<?x8xbf16>) {
  // expected-error @+1 {{'moe.rms_norm' op residual_out type 'tensor<?x8xbf16>' must equal x type 'tensor<4x8xbf16>'}}
  %y, %s = moe.rms_norm %x, %w residual(%r) epsilon = 1.0e-06 outs(%y_init, %s_init)
      : (tensor<4x8xbf16>, tensor<8xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16>,
         tensor<?x8xbf16>) -> (tensor<4x8xbf16>, tensor<?x8xbf16>)
  return
}

// -----

func.func @rms_norm_f64_x(%x: tensor<4x8xf64>, %w: tensor<8xf32>, %y_init: tensor<4x8xf64>) {
  // expected-error @+1 {{'moe.rms_norm' op operand #0 must be 2D tensor of 32-bit float or bfloat16 type or 16-bit float values or 2D memref of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<4x8xf64>'}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf64>, tensor<8xf32>, tensor<4x8xf64>) -> tensor<4x8xf64>
  return
}

// -----

func.func @rms_norm_unranked_weight(%x: tensor<4x8xf32>, %w: tensor<*xf32>, %y_init: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op operand #1 must be ranked tensor of any type values or memref of any type values, but got 'tensor<*xf32>'}}
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<4x8xf32>, tensor<*xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.silu_and_mul
//===----------------------------------------------------------------------===//

// -----

func.func @silu_and_mul_odd(%x: tensor<4x7xbf16>, %y_init: tensor<4x3xbf16>) {
  // expected-error @+1 {{'moe.silu_and_mul' op x dim 1 (7) must be even: gate half then up half}}
  %y = moe.silu_and_mul %x outs(%y_init)
      : (tensor<4x7xbf16>, tensor<4x3xbf16>) -> tensor<4x3xbf16>
  return
}

// -----

func.func @silu_and_mul_rows(%x: tensor<4x8xbf16>, %y_init: tensor<2x4xbf16>) {
  // expected-error @+1 {{'moe.silu_and_mul' op out dim 0 (2) must equal x dim 0 (4)}}
  %y = moe.silu_and_mul %x outs(%y_init)
      : (tensor<4x8xbf16>, tensor<2x4xbf16>) -> tensor<2x4xbf16>
  return
}

// -----

func.func @silu_and_mul_cols(%x: tensor<?x8xbf16>, %y_init: tensor<?x8xbf16>) {
  // expected-error @+1 {{'moe.silu_and_mul' op out dim 1 (8) must equal half of x dim 1 (4)}}
  %y = moe.silu_and_mul %x outs(%y_init)
      : (tensor<?x8xbf16>, tensor<?x8xbf16>) -> tensor<?x8xbf16>
  return
}

// -----

func.func @silu_and_mul_rank(%x: tensor<8xbf16>, %y_init: tensor<4xbf16>) {
  // expected-error @+1 {{'moe.silu_and_mul' op operand #0 must be 2D tensor}}
  %y = moe.silu_and_mul %x outs(%y_init)
      : (tensor<8xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.fused_moe: routing attributes (shared with moe.gate)
//===----------------------------------------------------------------------===//

// -----

func.func @fused_moe_k_zero(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op k (0) must be at least 1}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 0 scoring = softmax outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_num_groups_negative(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op num_groups (-4) must be at least 1}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      num_groups = -4 topk_groups = 1 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_topk_groups_zero(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op topk_groups (0) must be at least 1}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      num_groups = 4 topk_groups = 0 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_topk_groups_exceeds(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op topk_groups (3) must not exceed num_groups (2)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      num_groups = 2 topk_groups = 3 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_shared_negative(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op num_shared_experts (-2) must not be negative}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      num_shared_experts = -2 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Regression: k + num_shared_experts overflow (signed wrap-around).
func.func @fused_moe_slots_overflow(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<9x8x16xf32>, %w2: tensor<9x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op k + num_shared_experts (2 + 9223372036854775807) overflows a 64-bit size}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      num_shared_experts = 9223372036854775807 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<9x8x16xf32>, tensor<9x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Regression: E + num_shared_experts overflow used to report a negative
// expected size for w13 dim 0 (T = 0 keeps logits within the index width).
func.func @fused_moe_experts_overflow(%x: tensor<4x16xf32>, %l: tensor<0x9223372036854775807xf32>, %w13: tensor<9x8x16xf32>, %w2: tensor<9x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op E + num_shared_experts (9223372036854775807 + 1) overflows a 64-bit size}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      num_shared_experts = 1 outs(%y_init)
      : (tensor<4x16xf32>, tensor<0x9223372036854775807xf32>, tensor<9x8x16xf32>,
         tensor<9x16x4xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_scaling_factor_negative(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op scaling_factor (-1.000000e+00) must be positive and finite}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      scaling_factor = -1.0 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_scaling_factor_inf(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op scaling_factor (INF) must be positive and finite}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      scaling_factor = 0x7F800000 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_num_groups_not_dividing(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op num_groups (5) must divide the number of experts E (8)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax
      num_groups = 5 topk_groups = 5 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_k_exceeds_eligible(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op k (3) exceeds the 2 experts eligible for selection (topk_groups 1 of num_groups 4 groups of E 8 experts)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 3 scoring = softmax
      num_groups = 4 topk_groups = 1 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.fused_moe: shapes and types
//===----------------------------------------------------------------------===//

// -----

func.func @fused_moe_w13_odd(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x7x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op w13 dim 1 (7) must be even: 2*I gate rows then up rows}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x7x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_logits_tokens(%x: tensor<4x16xf32>, %l: tensor<3x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op logits dim 0 (3) must equal the number of tokens T of x (4)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xf32>, tensor<3x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_w13_element_type(%x: tensor<4x16xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf16>, %w2: tensor<8x16x4xbf16>, %y_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w13 element type 'f16' must match x element type 'bf16'}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xbf16>, tensor<4x8xf32>, tensor<8x8x16xf16>, tensor<8x16x4xbf16>,
         tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @fused_moe_w2_element_type(%x: tensor<4x16xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xbf16>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w2 element type 'f32' must match x element type 'bf16'}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xbf16>, tensor<4x8xf32>, tensor<8x8x16xbf16>, tensor<8x16x4xf32>,
         tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

// DeepSeek-V3 with a fused shared expert needs E + S = 257 expert weights.
func.func @fused_moe_w13_experts(%x: tensor<?x7168xbf16>, %l: tensor<?x256xf32>, %w13: tensor<256x4096x7168xbf16>, %w2: tensor<257x7168x2048xbf16>, %b: tensor<256xf32>, %y_init: tensor<?x7168xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w13 dim 0 (256) must equal E + num_shared_experts (257)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 bias(%b) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1 outs(%y_init)
      : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<256x4096x7168xbf16>,
         tensor<257x7168x2048xbf16>, tensor<256xf32>, tensor<?x7168xbf16>)
      -> tensor<?x7168xbf16>
  return
}

// -----

func.func @fused_moe_w13_hidden(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x32xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op w13 dim 2 (32) must equal the hidden size H of x (16)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x32xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Kimi-K2: E = 384 routed + 1 shared.
func.func @fused_moe_w2_experts(%x: tensor<?x7168xbf16>, %l: tensor<?x384xf32>, %w13: tensor<385x4096x7168xbf16>, %w2: tensor<384x7168x2048xbf16>, %y_init: tensor<?x7168xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w2 dim 0 (384) must equal E + num_shared_experts (385)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 8 scoring = sigmoid renormalize
      scaling_factor = 2.827 num_shared_experts = 1 outs(%y_init)
      : (tensor<?x7168xbf16>, tensor<?x384xf32>, tensor<385x4096x7168xbf16>,
         tensor<384x7168x2048xbf16>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return
}

// -----

func.func @fused_moe_w2_hidden(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x8x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op w2 dim 1 (8) must equal the hidden size H of x (16)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x8x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Mixtral: w13 holds 2*I = 28672 rows, so w2 must be [8, 4096, 14336].
func.func @fused_moe_w2_intermediate(%x: tensor<?x4096xbf16>, %l: tensor<?x8xbf16>, %w13: tensor<8x28672x4096xbf16>, %w2: tensor<8x4096x28672xbf16>, %y_init: tensor<?x4096xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w2 dim 2 (28672) must equal the intermediate size I (w13 dim 1 / 2) (14336)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax renormalize outs(%y_init)
      : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>,
         tensor<8x4096x28672xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return
}

// -----

func.func @fused_moe_bias_size(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<9x8x16xf32>, %w2: tensor<9x16x4xf32>, %b: tensor<9xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op bias dim 0 (9) must equal the number of experts E (8)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 bias(%b) k = 2 scoring = sigmoid
      num_shared_experts = 1 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<9x8x16xf32>, tensor<9x16x4xf32>,
         tensor<9xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_out_type(%x: tensor<4x16xbf16>, %l: tensor<4x8xbf16>, %w13: tensor<8x8x16xbf16>, %w2: tensor<8x16x4xbf16>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op out type 'tensor<4x16xf32>' must equal x type 'tensor<4x16xbf16>'}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xbf16>, tensor<4x8xbf16>, tensor<8x8x16xbf16>, tensor<8x16x4xbf16>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_rank2_w13(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op operand #2 must be 3D tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or 8-bit signless integer values or 3D memref of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or 8-bit signless integer values, but got 'tensor<8x16xf32>'}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @fused_moe_unknown_activation(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+2 {{expected ::mlir::moe::Activation to be one of: silu, gelu}}
  // expected-error @+1 {{failed to parse Moe_ActivationAttr parameter 'value'}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax activation = swiglu outs(%y_init) : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Tile ops (lib/Dialect/Moe/IR/MoeTileOps.cpp).

func.func @tile_load_element_mismatch(%a: memref<?x?xf16>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op source element type 'f16' differs from dest element type 'bf16'}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_element_bits(%a: memref<?x?xi1>, %d: memref<64x128xi1, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op element type must be a whole number of bytes, got 'i1'}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xi1>, memref<64x128xi1, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_rank(%a: memref<?x?xbf16>, %d: memref<1x64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op dest rank (3) must be at least 1 and at most the source rank (2)}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xbf16>, memref<1x64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_indices(%a: memref<?x?xbf16>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op expected 2 indices (the source rank), got 1}}
  moe.tile_load_async %a[%i] into %d ready %r[%i] : memref<?x?xbf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_dest_global(%a: memref<?x?xbf16>, %d: memref<64x64xbf16>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op dest must be in workgroup memory, got 'memref<64x64xbf16>'}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xbf16>, memref<64x64xbf16>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_dest_layout(%a: memref<?x?xbf16>, %d: memref<64x64xbf16, strided<[128, 1]>, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op dest must be row-major and contiguous, got 'memref<64x64xbf16, strided<[128, 1]>, 3>'}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xbf16>, memref<64x64xbf16, strided<[128, 1]>, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_source_shared(%a: memref<64x64xbf16, 3>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op source must be a global buffer, got 'memref<64x64xbf16, 3>'}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<64x64xbf16, 3>, memref<64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_empty_box(%a: memref<?x?xbf16>, %d: memref<0x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op dest dimensions must be non-zero}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xbf16>, memref<0x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_row_bytes(%a: memref<?x?xbf16>, %d: memref<64x4xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op dest's innermost dimension spans 8 bytes, not a multiple of 16}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xbf16>, memref<64x4xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_swizzle_kind(%a: memref<?x?xbf16>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op swizzle must be 0, 32, 64 or 128 bytes, got 256}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] swizzle = 256 : memref<?x?xbf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_swizzle_span(%a: memref<?x?xbf16>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op dest's innermost dimension spans 128 bytes, more than the 64-byte swizzle}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] swizzle = 64 : memref<?x?xbf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_ring_global(%a: memref<?x?xbf16>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op ready ring must be in workgroup memory, got 'memref<2xi64>'}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x?xbf16>, memref<64x64xbf16, 3>, memref<2xi64>
  return
}

// -----

func.func @tile_wait_ring_dynamic(%r: memref<?xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_wait' op ready ring must have a static, non-zero number of slots, got 'memref<?xi64, 3>'}}
  moe.tile_wait %r[%i] parity %i : memref<?xi64, 3>
  return
}

// -----

func.func @tile_wait_ring_type(%r: memref<4xi32, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_wait' op operand #0 must be 1D memref of 64-bit signless integer values}}
  moe.tile_wait %r[%i] parity %i : memref<4xi32, 3>
  return
}

// -----

func.func @tile_load_gather_rank(%a: memref<2x?x64xbf16>, %idx: memref<?xi32>, %d: memref<1x8x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op gathered copies take rows of a rank-2 source into a rank-2 dest, got source rank 3 and dest rank 3}}
  moe.tile_load_async %a[%i, %i, %i] gather(%idx : memref<?xi32>) into %d ready %r[%i] : memref<2x?x64xbf16>, memref<1x8x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_gather_divisor(%a: memref<?x64xbf16>, %idx: memref<?xi32>, %d: memref<8x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op index_divisor must be positive, got 0}}
  moe.tile_load_async %a[%i, %i] gather(%idx : memref<?xi32>) divisor = 0 into %d ready %r[%i] : memref<?x64xbf16>, memref<8x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_divisor_without_gather(%a: memref<?x64xbf16>, %d: memref<8x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op index_divisor needs gather(row_index)}}
  moe.tile_load_async %a[%i, %i] divisor = 8 into %d ready %r[%i] : memref<?x64xbf16>, memref<8x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

// The tile IR's compute ops (moe-tile-grouped-matmul's output).

func.func @tile_alloc_global() {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    // expected-error @+1 {{'moe.tile_alloc' op buffer must be in workgroup memory, got 'memref<64x64xbf16>'}}
    %t = moe.tile_alloc : memref<64x64xbf16>
    gpu.terminator
  }
  return
}

// -----

func.func @tile_alloc_outside_launch() {
  // expected-error @+1 {{'moe.tile_alloc' op must be inside a gpu.launch}}
  %t = moe.tile_alloc : memref<64x64xbf16, 3>
  return
}

// -----

func.func @tile_load_rank(%a: memref<?x?xbf16>, %d: memref<1x64x64xbf16, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load' op dest rank (3) must be at least 1 and at most the source rank (2)}}
  moe.tile_load %a[%i, %i] into %d : memref<?x?xbf16>, memref<1x64x64xbf16, 3>
  return
}

// -----

func.func @tile_release_arrivals(%r: memref<4xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_release' op arrivals must be a multiple of 32 in [32, 1024] (the threads of whole warps), got 48}}
  moe.tile_release %r[%i] arrivals = 48 : memref<4xi64, 3>
  return
}

// -----

func.func @tile_mma_k(%a: memref<128x32xbf16, 3>, %b: memref<256x32xbf16, 3>, %acc: vector<128x256xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op a K row must span the 128-byte swizzle (64 elements), got K = 32}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<128x32xbf16, 3>, memref<256x32xbf16, 3> -> vector<128x256xf32>
  return
}

// -----

func.func @tile_mma_m(%a: memref<96x64xbf16, 3>, %b: memref<256x64xbf16, 3>, %acc: vector<96x256xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op M must be a multiple of 64 (one warpgroup per 64 rows), got 96}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<96x64xbf16, 3>, memref<256x64xbf16, 3> -> vector<96x256xf32>
  return
}

// -----

func.func @tile_mma_n(%a: memref<64x64xbf16, 3>, %b: memref<264x64xbf16, 3>, %acc: vector<64x264xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op N must be a multiple of 8 in [8, 256], got 264}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<64x64xbf16, 3>, memref<264x64xbf16, 3> -> vector<64x264xf32>
  return
}

// -----

func.func @tile_mma_types(%a: memref<64x64xbf16, 3>, %b: memref<128x64xf16, 3>, %acc: vector<64x128xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op operands must both be bf16, both f16, or both fp8 (f8E4M3FN / f8E5M2), got 'bf16' and 'f16'}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<64x64xbf16, 3>, memref<128x64xf16, 3> -> vector<64x128xf32>
  return
}

// -----

func.func @tile_mma_fp8_with_bf16(%a: memref<64x128xf8E4M3FN, 3>, %b: memref<128x64xbf16, 3>, %acc: vector<64x128xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op operands must both be bf16, both f16, or both fp8 (f8E4M3FN / f8E5M2), got 'f8E4M3FN' and 'bf16'}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<64x128xf8E4M3FN, 3>, memref<128x64xbf16, 3> -> vector<64x128xf32>
  return
}

// -----

// An fp8 K row of the 128-byte swizzle is 128 elements, not 64.
func.func @tile_mma_fp8_k(%a: memref<64x64xf8E4M3FN, 3>, %b: memref<128x64xf8E4M3FN, 3>, %acc: vector<64x128xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op a K row must span the 128-byte swizzle (128 elements), got K = 64}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<64x64xf8E4M3FN, 3>, memref<128x64xf8E4M3FN, 3> -> vector<64x128xf32>
  return
}

// -----

func.func @tile_mma_acc(%a: memref<64x64xbf16, 3>, %b: memref<128x64xbf16, 3>, %acc: vector<64x64xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op accumulator must be 64x128, got 'vector<64x64xf32>'}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<64x64xbf16, 3>, memref<128x64xbf16, 3> -> vector<64x64xf32>
  return
}

// -----

func.func @tile_mma_global(%a: memref<64x64xbf16>, %b: memref<128x64xbf16, 3>, %acc: vector<64x128xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op operands must be in workgroup memory, got 'memref<64x64xbf16>'}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg : memref<64x64xbf16>, memref<128x64xbf16, 3> -> vector<64x128xf32>
  return
}

// -----

func.func @tile_mma_pending(%a: memref<64x64xbf16, 3>, %b: memref<128x64xbf16, 3>, %acc: vector<64x128xf32>, %wg: index) {
  // expected-error @+1 {{'moe.tile_mma' op pending must be 0, 1 or 2, got 3}}
  %r = moe.tile_mma %a, %b, %acc warpgroup %wg pending = 3 : memref<64x64xbf16, 3>, memref<128x64xbf16, 3> -> vector<64x128xf32>
  return
}

// -----

func.func @tile_mma_wait_pending(%acc: vector<64x128xf32>) {
  // expected-error @+1 {{'moe.tile_mma_wait' op pending must be 0, 1 or 2, got 5}}
  %r = moe.tile_mma_wait %acc pending = 5 : vector<64x128xf32>
  return
}

// -----

func.func @tile_store_rows(%acc: vector<96x128xf32>, %o: memref<?x?xbf16>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op accumulator rows must be a multiple of 64 (one warpgroup per 64 rows), got 'vector<96x128xf32>'}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i : vector<96x128xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_prefetch_bf16(%s: memref<?xbf16>, %i: index) {
  // expected-error @+1 {{'moe.tile_prefetch' op operand #0 must be 1D memref of 32-bit float or 32-bit signless integer values}}
  moe.tile_prefetch %s[%i] rows %i : memref<?xbf16>
  return
}

// -----

func.func @tile_store_staging_shape(%acc: vector<128x128xf32>, %o: memref<?x?xbf16>, %buf: memref<4x16x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op staging must be a 'memref<8x16x72xbf16>' in workgroup memory (a 16 x 72 slice for each of the 8 warps of the tile, of dest's element type), got 'memref<4x16x72xbf16, #gpu.address_space<workgroup>>'}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i staging(%buf : memref<4x16x72xbf16, #gpu.address_space<workgroup>>) : vector<128x128xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_store_staging_global(%acc: vector<64x128xf32>, %o: memref<?x?xf16>, %buf: memref<4x16x72xf16>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op staging must be a 'memref<4x16x72xf16>' in workgroup memory}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i staging(%buf : memref<4x16x72xf16>) : vector<64x128xf32>, memref<?x?xf16>
  return
}

// -----

func.func @tile_store_staging_f32(%acc: vector<64x128xf32>, %o: memref<?x?xf32>, %buf: memref<4x16x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op staging needs a 16-bit dest (bf16 or f16), got 'memref<?x?xf32>'}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i staging(%buf : memref<4x16x72xbf16, #gpu.address_space<workgroup>>) : vector<64x128xf32>, memref<?x?xf32>
  return
}

// -----

func.func @tile_store_dequant_ranks(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>, %as: memref<?x1xf32>, %ws: memref<4xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op dequant's a_scale and w_scale are both per channel (ranks 2 and 2) or both per tensor (1 and 1), got 'memref<?x1xf32>' and 'memref<4xf32>'}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i dequant(%as : memref<?x1xf32>, %ws : memref<4xf32>) expert %i : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_store_dequant_groups(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>, %as: memref<?x2xf32>, %ws: memref<4x128xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op dequant's a_scale has one scale a row (per channel) or one in all (per tensor), got 'memref<?x2xf32>'}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i dequant(%as : memref<?x2xf32>, %ws : memref<4x128xf32>) expert %i : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_store_dequant_expert(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>, %as: memref<1xf32>, %ws: memref<4xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op expert is given exactly with a bias or dequant}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i dequant(%as : memref<1xf32>, %ws : memref<4xf32>) : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_store_gated(%acc: vector<64x8xf32>, %o: memref<?x?xbf16>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op a gated epilogue needs an even number of 8-column groups (gate and up halves), got 'vector<64x8xf32>'}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i epilogue = silu_and_mul : vector<64x8xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_store_divisor(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op index_divisor needs gather(row_index)}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i divisor = 8 : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_store_clamp_elementwise(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op clamp_limit applies to a gated activation (gate and up), not to relu2}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i epilogue = relu2 clamp_limit = 1.0 : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// -----

func.func @tile_store_alpha(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>, %i: index) {
  // expected-error @+1 {{'moe.tile_store' op swiglu_alpha applies only to swigluoai, not to swiglustep_and_mul}}
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i epilogue = swiglustep_and_mul swiglu_alpha = 1.0 : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Quantized operands (moe.grouped_matmul, moe.fused_moe) and moe.quantize:
// lib/Dialect/Moe/IR/QuantVerify.cpp and the QuantizeOp verifier.
//===----------------------------------------------------------------------===//

// -----

// group_size belongs to the schemes with groups only.
func.func @quant_group_size_not_grouped(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x1xf32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op group_size applies only to quant = fp8_block, w4a16 and w4a16_zp, not to quant = fp8_channel}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_channel group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x1xf32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_group_size_missing(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x2xf32>, %ws: tensor<2x2x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant fp8_block needs a group_size}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_block a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x2xf32>, tensor<2x2x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_block_group_size(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x4xf32>, %ws: tensor<2x4x4xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant fp8_block needs group_size = 128 (128 x 128 weight blocks, 128-column activation groups), got 64}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 64 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x4xf32>, tensor<2x4x4xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w4a16_group_size(%a: tensor<8x256xbf16>, %w: tensor<2x256x128xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x6xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant w4a16 needs group_size 32, 64 or 128, got 48}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 48 w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x128xi8>, tensor<3xi32>, tensor<2x256x6xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----

// Weights of the wrong element type for the scheme.
func.func @quant_fp8_weight_type(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xbf16>, %o: tensor<3xi32>, %as: tensor<8x2xf32>, %ws: tensor<2x2x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant fp8_block needs w of element type 'f8E4M3FN', got 'bf16'}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xbf16>, tensor<3xi32>, tensor<8x2xf32>, tensor<2x2x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w8a16_weight_type(%a: tensor<8x256xbf16>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant w8a16 needs w of element type 'i8', got 'f8E4M3FN'}}
  %r = moe.grouped_matmul %a, %w, %o quant = w8a16 w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----

// int4: two values a byte along K.
func.func @quant_w4a16_odd_k(%a: tensor<8x33xbf16>, %w: tensor<2x256x16xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant w4a16 packs two int4 values a byte along K: the reduction size K (33) must be even}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 32 w_scale(%ws) outs(%y)
      : (tensor<8x33xbf16>, tensor<2x256x16xi8>, tensor<3xi32>, tensor<2x256x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w4a16_packed_k(%a: tensor<8x256xbf16>, %w: tensor<2x256x256xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w dim 2 (256) must equal K/2 (two int4 values a byte) (128)}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 128 w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x256xi8>, tensor<3xi32>, tensor<2x256x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_k(%a: tensor<8x128xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x1xf32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w dim 2 (256) must equal the reduction size K (128)}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x128xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x1xf32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----

// Weight scales: present, f32 for fp8, of the scheme's shape.
func.func @quant_missing_w_scale(%a: tensor<8x256xbf16>, %w: tensor<2x256x128xi8>, %o: tensor<3xi32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant w4a16 needs a w_scale operand}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 128 outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x128xi8>, tensor<3xi32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_w_scale_type(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<1xf32>, %ws: tensor<2xbf16>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant fp8_tensor needs w_scale of element type 'f32', got 'bf16'}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_tensor a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<1xf32>, tensor<2xbf16>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w_scale_rank(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x2xf32>, %ws: tensor<2x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_scale must be [E, ceil(N/G), ceil(K/G)] for quant fp8_block, but it has rank 2}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x2xf32>, tensor<2x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w_scale_n_blocks(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x200x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x2xf32>, %ws: tensor<2x1x2xf32>, %y: tensor<8x200xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_scale dim 1 (1) must equal ceil(N / group_size) (2)}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x200x256xf8E4M3FN>, tensor<3xi32>, tensor<8x2xf32>, tensor<2x1x2xf32>, tensor<8x200xbf16>) -> tensor<8x200xbf16>
  return
}

// -----


func.func @quant_w_scale_groups(%a: tensor<8x256xbf16>, %w: tensor<2x256x128xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x4xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_scale dim 2 (4) must equal ceil(K / group_size) (8)}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 32 w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x128xi8>, tensor<3xi32>, tensor<2x256x4xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w_scale_channels(%a: tensor<8x256xbf16>, %w: tensor<2x256x256xi8>, %o: tensor<3xi32>, %ws: tensor<2x128xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_scale dim 1 (128) must equal the output size N (256)}}
  %r = moe.grouped_matmul %a, %w, %o quant = w8a16 w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x256xi8>, tensor<3xi32>, tensor<2x128xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w_scale_experts(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<1xf32>, %ws: tensor<3xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_scale dim 0 (3) must equal the number of experts (2)}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_tensor a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<1xf32>, tensor<3xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----

// Zero points: w4a16_zp only, and then required, shaped as the scales.
func.func @quant_w_zero_symmetric(%a: tensor<8x256xbf16>, %w: tensor<2x256x128xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x2xf32>, %wz: tensor<2x256x2xi8>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_zero applies only to quant = w4a16_zp, not to quant = w4a16}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 128 w_scale(%ws) w_zero(%wz) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x128xi8>, tensor<3xi32>, tensor<2x256x2xf32>, tensor<2x256x2xi8>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w_zero_missing(%a: tensor<8x256xbf16>, %w: tensor<2x256x128xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant w4a16_zp needs a w_zero operand}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16_zp group_size = 128 w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x128xi8>, tensor<3xi32>, tensor<2x256x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_w_zero_shape(%a: tensor<8x256xbf16>, %w: tensor<2x256x128xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x2xf32>, %wz: tensor<2x256x4xi8>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_zero dim 2 (4) must equal ceil(K / group_size) (2)}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16_zp group_size = 128 w_scale(%ws) w_zero(%wz) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x128xi8>, tensor<3xi32>, tensor<2x256x2xf32>, tensor<2x256x4xi8>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----

// The GEMM input: bf16/f16 for weight-only, f8E4M3FN with a_scale for fp8.
func.func @quant_weight_only_a_type(%a: tensor<8x256xf32>, %w: tensor<2x256x128xi8>, %o: tensor<3xi32>, %ws: tensor<2x256x2xf32>, %y: tensor<8x256xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant w4a16 needs a of element type bf16 or f16 (the 16-bit MMA operand), got 'f32'}}
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 128 w_scale(%ws) outs(%y)
      : (tensor<8x256xf32>, tensor<2x256x128xi8>, tensor<3xi32>, tensor<2x256x2xf32>, tensor<8x256xf32>) -> tensor<8x256xf32>
  return
}

// -----


func.func @quant_weight_only_a_scale(%a: tensor<8x256xbf16>, %w: tensor<2x256x256xi8>, %o: tensor<3xi32>, %as: tensor<8x1xf32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op a_scale applies only to the fp8 schemes, not to quant = w8a16}}
  %r = moe.grouped_matmul %a, %w, %o quant = w8a16 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x256xi8>, tensor<3xi32>, tensor<8x1xf32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_a_type(%a: tensor<8x256xbf16>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x1xf32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant fp8_channel needs a of element type 'f8E4M3FN', got 'bf16' (quantize it with moe.quantize)}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x1xf32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_a_scale_missing(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op quant fp8_channel needs an a_scale operand}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_channel w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_block_a_scale_groups(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x1xf32>, %ws: tensor<2x2x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op a_scale dim 1 (1) must equal ceil(K / group_size) (2)}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x1xf32>, tensor<2x2x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_block_a_scale_rows(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<4x2xf32>, %ws: tensor<2x2x2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op a_scale dim 0 (4) must equal the number of rows of a (8)}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<4x2xf32>, tensor<2x2x2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_channel_a_scale(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x2xf32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op a_scale dim 1 (2) must equal one scale per row (1)}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x2xf32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_fp8_tensor_a_scale_rank(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %as: tensor<8x1xf32>, %ws: tensor<2xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op a_scale must be [1] for quant fp8_tensor, but it has rank 2}}
  %r = moe.grouped_matmul %a, %w, %o quant = fp8_tensor a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x1xf32>, tensor<2xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----

// Without a scheme: no scales, no fp8 or integer operands.
func.func @quant_none_with_scale(%a: tensor<8x256xbf16>, %w: tensor<2x256x256xbf16>, %o: tensor<3xi32>, %ws: tensor<2x256xf32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w_scale applies only to a quantized GEMM, but quant is none}}
  %r = moe.grouped_matmul %a, %w, %o w_scale(%ws) outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x256xbf16>, tensor<3xi32>, tensor<2x256xf32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_none_fp8_a(%a: tensor<8x256xf8E4M3FN>, %w: tensor<2x256x256xf8E4M3FN>, %o: tensor<3xi32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op a element type 'f8E4M3FN' needs quant = fp8_block, fp8_channel or fp8_tensor}}
  %r = moe.grouped_matmul %a, %w, %o  outs(%y)
      : (tensor<8x256xf8E4M3FN>, tensor<2x256x256xf8E4M3FN>, tensor<3xi32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----


func.func @quant_none_int_w(%a: tensor<8x256xbf16>, %w: tensor<2x256x256xi8>, %o: tensor<3xi32>, %y: tensor<8x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op w element type 'i8' needs quant = w4a16, w4a16_zp or w8a16}}
  %r = moe.grouped_matmul %a, %w, %o  outs(%y)
      : (tensor<8x256xbf16>, tensor<2x256x256xi8>, tensor<3xi32>, tensor<8x256xbf16>) -> tensor<8x256xbf16>
  return
}

// -----

// fused_moe: the same rules for w13 and w2, plus x and the static scales.
func.func @fused_quant_weight_only_x(%x: tensor<4x256xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x512x256xi8>, %w2: tensor<8x256x256xi8>, %s13: tensor<8x512xf32>, %s2: tensor<8x256xf32>, %y: tensor<4x256xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op quant w8a16 needs x of element type bf16 or f16 (the 16-bit MMA operand), got 'f32'}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = w8a16 w13_scale(%s13) w2_scale(%s2) outs(%y)
      : (tensor<4x256xf32>, tensor<4x8xf32>, tensor<8x512x256xi8>, tensor<8x256x256xi8>, tensor<8x512xf32>, tensor<8x256xf32>, tensor<4x256xf32>) -> tensor<4x256xf32>
  return
}

// -----


func.func @fused_quant_w2_scale_shape(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x256xf8E4M3FN>, %w2: tensor<8x256x256xf8E4M3FN>, %s13: tensor<8x4x2xf32>, %s2: tensor<8x2x1xf32>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w2_scale dim 2 (1) must equal ceil(K / group_size) (2)}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_block group_size = 128 w13_scale(%s13) w2_scale(%s2) outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x256xf8E4M3FN>, tensor<8x256x256xf8E4M3FN>, tensor<8x4x2xf32>, tensor<8x2x1xf32>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----


func.func @fused_quant_w13_zero_missing(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x128xi8>, %w2: tensor<8x256x128xi8>, %s13: tensor<8x512x2xbf16>, %s2: tensor<8x256x2xbf16>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op quant w4a16_zp needs a w13_zero operand}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = w4a16_zp group_size = 128 w13_scale(%s13) w2_scale(%s2) outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x128xi8>, tensor<8x256x128xi8>, tensor<8x512x2xbf16>, tensor<8x256x2xbf16>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----


func.func @fused_quant_a1_scale_not_tensor(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x256xf8E4M3FN>, %w2: tensor<8x256x256xf8E4M3FN>, %s13: tensor<8x512xf32>, %s2: tensor<8x256xf32>, %a1: tensor<1xf32>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op a1_scale applies only to quant = fp8_tensor, not to quant = fp8_channel}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_channel w13_scale(%s13) w2_scale(%s2) a1_scale(%a1) outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x256xf8E4M3FN>, tensor<8x256x256xf8E4M3FN>, tensor<8x512xf32>, tensor<8x256xf32>, tensor<1xf32>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----


func.func @fused_quant_a2_scale_missing(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x256xf8E4M3FN>, %w2: tensor<8x256x256xf8E4M3FN>, %s13: tensor<8xf32>, %s2: tensor<8xf32>, %a1: tensor<1xf32>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op quant fp8_tensor needs a static a2_scale operand}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_tensor w13_scale(%s13) w2_scale(%s2) a1_scale(%a1) outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x256xf8E4M3FN>, tensor<8x256x256xf8E4M3FN>, tensor<8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----


func.func @fused_quant_a1_scale_size(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x256xf8E4M3FN>, %w2: tensor<8x256x256xf8E4M3FN>, %s13: tensor<8xf32>, %s2: tensor<8xf32>, %a1: tensor<2xf32>, %a2: tensor<1xf32>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op a1_scale dim 0 (2) must equal one static scale (1)}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_tensor w13_scale(%s13) w2_scale(%s2) a1_scale(%a1) a2_scale(%a2) outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x256xf8E4M3FN>, tensor<8x256x256xf8E4M3FN>, tensor<8xf32>, tensor<8xf32>, tensor<2xf32>, tensor<1xf32>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----


func.func @fused_quant_none_with_zero(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x256xbf16>, %w2: tensor<8x256x256xbf16>, %z: tensor<8x512x2xi8>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w13_zero applies only to a quantized GEMM, but quant is none}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax w13_zero(%z) outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x256xbf16>, tensor<8x256x256xbf16>, tensor<8x512x2xi8>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----


func.func @fused_quant_none_int_w13(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x256xi8>, %w2: tensor<8x256x256xbf16>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op w13 element type 'i8' needs quant = w4a16, w4a16_zp or w8a16}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax  outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x256xi8>, tensor<8x256x256xbf16>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----


func.func @fused_quant_group_size_missing(%x: tensor<4x256xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x512x128xi8>, %w2: tensor<8x256x128xi8>, %s13: tensor<8x512x2xbf16>, %s2: tensor<8x256x2xbf16>, %y: tensor<4x256xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op quant w4a16 needs a group_size}}
  %r = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = w4a16 w13_scale(%s13) w2_scale(%s2) outs(%y)
      : (tensor<4x256xbf16>, tensor<4x8xf32>, tensor<8x512x128xi8>, tensor<8x256x128xi8>, tensor<8x512x2xbf16>, tensor<8x256x2xbf16>, tensor<4x256xbf16>) -> tensor<4x256xbf16>
  return
}

// -----

// moe.quantize: static (a scale operand) or dynamic (group_size, a scales out).
func.func @quantize_both(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>, %s: tensor<1xf32>, %ss: tensor<4x2xf32>) {
  // expected-error @+1 {{'moe.quantize' op has both a static scale operand and a scales out: static quantization takes the one, dynamic quantization writes the other}}
  %r:2 = moe.quantize %x scale(%s) outs(%q, %ss)
      : (tensor<4x200xbf16>, tensor<1xf32>, tensor<4x200xf8E4M3FN>, tensor<4x2xf32>) -> (tensor<4x200xf8E4M3FN>, tensor<4x2xf32>)
  return
}

// -----


func.func @quantize_static_group_size(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'moe.quantize' op group_size applies only to dynamic quantization (a scales out), not with a static scale}}
  %r = moe.quantize %x scale(%s) group_size = 128 outs(%q)
      : (tensor<4x200xbf16>, tensor<1xf32>, tensor<4x200xf8E4M3FN>) -> tensor<4x200xf8E4M3FN>
  return
}

// -----


func.func @quantize_static_scale_size(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'moe.quantize' op scale dim 0 (4) must equal one static scale (1)}}
  %r = moe.quantize %x scale(%s) outs(%q)
      : (tensor<4x200xbf16>, tensor<4xf32>, tensor<4x200xf8E4M3FN>) -> tensor<4x200xf8E4M3FN>
  return
}

// -----


func.func @quantize_neither(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>) {
  // expected-error @+1 {{'moe.quantize' op needs a scales out (dynamic quantization) or a scale operand (static quantization)}}
  %r = moe.quantize %x outs(%q)
      : (tensor<4x200xbf16>, tensor<4x200xf8E4M3FN>) -> tensor<4x200xf8E4M3FN>
  return
}

// -----


func.func @quantize_dynamic_no_group_size(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>, %ss: tensor<4x2xf32>) {
  // expected-error @+1 {{'moe.quantize' op dynamic quantization needs a group_size}}
  %r:2 = moe.quantize %x outs(%q, %ss)
      : (tensor<4x200xbf16>, tensor<4x200xf8E4M3FN>, tensor<4x2xf32>) -> (tensor<4x200xf8E4M3FN>, tensor<4x2xf32>)
  return
}

// -----


func.func @quantize_group_size_zero(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>, %ss: tensor<4x2xf32>) {
  // expected-error @+1 {{'moe.quantize' op group_size (0) must be at least 1}}
  %r:2 = moe.quantize %x group_size = 0 outs(%q, %ss)
      : (tensor<4x200xbf16>, tensor<4x200xf8E4M3FN>, tensor<4x2xf32>) -> (tensor<4x200xf8E4M3FN>, tensor<4x2xf32>)
  return
}

// -----


func.func @quantize_scales_groups(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>, %ss: tensor<4x1xf32>) {
  // expected-error @+1 {{'moe.quantize' op scales dim 1 (1) must equal ceil(K / group_size) (2)}}
  %r:2 = moe.quantize %x group_size = 128 outs(%q, %ss)
      : (tensor<4x200xbf16>, tensor<4x200xf8E4M3FN>, tensor<4x1xf32>) -> (tensor<4x200xf8E4M3FN>, tensor<4x1xf32>)
  return
}

// -----


func.func @quantize_scales_tokens(%x: tensor<4x200xbf16>, %q: tensor<4x200xf8E4M3FN>, %ss: tensor<8x2xf32>) {
  // expected-error @+1 {{'moe.quantize' op scales dim 0 (8) must equal the number of tokens T of x (4)}}
  %r:2 = moe.quantize %x group_size = 128 outs(%q, %ss)
      : (tensor<4x200xbf16>, tensor<4x200xf8E4M3FN>, tensor<8x2xf32>) -> (tensor<4x200xf8E4M3FN>, tensor<8x2xf32>)
  return
}

// -----


func.func @quantize_q_shape(%x: tensor<4x200xbf16>, %q: tensor<4x128xf8E4M3FN>, %ss: tensor<4x2xf32>) {
  // expected-error @+1 {{'moe.quantize' op q dim 1 (128) must equal the size K of x (dim 1) (200)}}
  %r:2 = moe.quantize %x group_size = 128 outs(%q, %ss)
      : (tensor<4x200xbf16>, tensor<4x128xf8E4M3FN>, tensor<4x2xf32>) -> (tensor<4x128xf8E4M3FN>, tensor<4x2xf32>)
  return
}

// -----

// ODS: q is f8E4M3FN.
func.func @quantize_q_type(%x: tensor<4x200xbf16>, %q: tensor<4x200xbf16>, %ss: tensor<4x2xf32>) {
  // expected-error @+1 {{'moe.quantize' op operand #1 must be 2D tensor of f8E4M3FN type values or 2D memref of f8E4M3FN type values}}
  %r:2 = moe.quantize %x group_size = 128 outs(%q, %ss)
      : (tensor<4x200xbf16>, tensor<4x200xbf16>, tensor<4x2xf32>) -> (tensor<4x200xbf16>, tensor<4x2xf32>)
  return
}

//===----------------------------------------------------------------------===//
// moe.fused_moe: expert MLP forms (activation set, layout, clamp, biases,
// expert map)
//===----------------------------------------------------------------------===//

// -----

// A *_no_mul activation has no up rows: w2 dim 2 is w13 dim 1.
func.func @fused_moe_no_mul_w13_rows(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op w2 dim 2 (4) must equal the intermediate size I (w13 dim 1, no_mul) (8)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax activation = relu2_no_mul outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Gated forms need gate and up rows.
func.func @fused_moe_gated_odd_rows(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x5x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op w13 dim 1 (5) must be even: 2*I gate rows then up rows}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax activation = swigluoai outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x5x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// An interleaved layout needs up rows to interleave.
func.func @fused_moe_layout_no_mul(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x4x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op gate_up_layout = interleaved needs a gated activation, not silu_no_mul (there are no up rows)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax activation = silu_no_mul gate_up_layout = interleaved outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x4x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// The clamp limit bounds gate and up.
func.func @fused_moe_clamp_no_mul(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x4x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op clamp_limit applies to a gated activation (gate and up), not to gelu_no_mul}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax activation = gelu_no_mul clamp_limit = 7.0 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x4x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// 
func.func @fused_moe_clamp_zero(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op clamp_limit (0.000000e+00) must be positive and finite}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax clamp_limit = 0.0 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// 
func.func @fused_moe_clamp_inf(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op clamp_limit (INF) must be positive and finite}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax clamp_limit = 0x7F800000 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// swiglu_alpha is swigluoai's.
func.func @fused_moe_alpha_not_oai(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op swiglu_alpha applies only to swigluoai, not to silu}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax swiglu_alpha = 1.702 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// 
func.func @fused_moe_alpha_nan(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op swiglu_alpha (nan) must be finite}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax activation = swigluoai swiglu_alpha = 0x7FC00000 outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// b13 has one bias per w13 row.
func.func @fused_moe_b13_rows(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %b: tensor<8x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op b13 dim 1 (4) must equal w13 dim 1 (8)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax b13(%b) outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>, tensor<8x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// 
func.func @fused_moe_b13_experts(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %b: tensor<7x8xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op b13 dim 0 (7) must equal E + num_shared_experts (8)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax b13(%b) outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>, tensor<7x8xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// b2 has one bias per hidden column.
func.func @fused_moe_b2_hidden(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %b: tensor<8x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op b2 dim 1 (4) must equal the hidden size H of x (16)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax b2(%b) outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>, tensor<8x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Biases are in x's element type.
func.func @fused_moe_b2_type(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>, %b: tensor<8x16xbf16>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op b2 element type 'bf16' must match x element type 'f32'}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax b2(%b) outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>, tensor<8x16x4xf32>, tensor<8x16xbf16>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// The expert map covers every global id, shared slots included.
func.func @fused_moe_expert_map_size(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<3x8x16xf32>, %w2: tensor<3x16x4xf32>, %m: tensor<8xi32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op expert_map dim 0 (8) must equal E + num_shared_experts (9)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax num_shared_experts = 1 expert_map(%m) outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<3x8x16xf32>, tensor<3x16x4xf32>, tensor<8xi32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// With an expert map, w13 and w2 hold the L local experts.
func.func @fused_moe_expert_map_local(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<2x8x16xf32>, %w2: tensor<3x16x4xf32>, %m: tensor<8xi32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op w2 dim 0 (3) must equal the local expert count L (w13 dim 0) (2)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax expert_map(%m) outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<2x8x16xf32>, tensor<3x16x4xf32>, tensor<8xi32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Without an expert map, w13 holds all E + S experts.
func.func @fused_moe_without_map_experts(%x: tensor<4x16xf32>, %l: tensor<4x8xf32>, %w13: tensor<3x8x16xf32>, %w2: tensor<3x16x4xf32>, %y_init: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.fused_moe' op w13 dim 0 (3) must equal E + num_shared_experts (8)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax  outs(%y_init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<3x8x16xf32>, tensor<3x16x4xf32>,
         tensor<4x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @tile_load_threads_not_warps(%a: memref<?x?xbf16>, %x: memref<?xi32>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op threads must be 0 (every thread of the block) or a multiple of 32 up to 1024 (whole warps), got 40}}
  moe.tile_load_async %a[%i, %i] gather(%x : memref<?xi32>) into %d ready %r[%i] threads = 40 : memref<?x?xbf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_multicast_split(%a: memref<?x?xbf16>, %d: memref<72x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op box's outer extent 72 does not split into multicast = 16 equal shares}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] multicast = 16 : memref<?x?xbf16>, memref<72x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @tile_load_multicast_swizzle(%a: memref<?x?xbf16>, %d: memref<24x64xbf16, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load' op each multicast share (1536 bytes) must span whole 1024-byte swizzle patterns}}
  moe.tile_load %a[%i, %i] into %d swizzle = 128 multicast = 2 : memref<?x?xbf16>, memref<24x64xbf16, 3>
  return
}

// -----

func.func @tile_load_multicast_gathered(%a: memref<?x?xbf16>, %d: memref<128x64xbf16, 3>, %idx: memref<?xi32>, %i: index) {
  // expected-error @+1 {{'moe.tile_load' op a gathered copy cannot be multicast}}
  moe.tile_load %a[%i, %i] gather(%idx : memref<?xi32>) into %d swizzle = 128 multicast = 2 : memref<?x?xbf16>, memref<128x64xbf16, 3>
  return
}

// -----

func.func @tile_load_multicast_range(%a: memref<?x?xbf16>, %d: memref<128x64xbf16, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load' op multicast must be in [1, 16] (blocks of a cluster), got 0}}
  moe.tile_load %a[%i, %i] into %d multicast = 0 : memref<?x?xbf16>, memref<128x64xbf16, 3>
  return
}

// -----

func.func @tile_claim_counter(%c: memref<?xi32, 3>, %s: memref<1xi32, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_claim' op counter must be in global memory (shared by the blocks of the grid), got 'memref<?xi32, 3>'}}
  moe.tile_claim %c[%i] offset %i into %s : memref<?xi32, 3>, memref<1xi32, 3>
  return
}

// -----

func.func @tile_claim_slot(%c: memref<?xi32>, %s: memref<2xi32, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_claim' op slot must be one i32 word of workgroup memory (memref<1xi32, workgroup>), got 'memref<2xi32, 3>'}}
  moe.tile_claim %c[%i] offset %i into %s : memref<?xi32>, memref<2xi32, 3>
  return
}

// -----

func.func @tile_claimed_slot(%s: memref<1xi32>) {
  // expected-error @+1 {{'moe.tile_claimed' op slot must be one i32 word of workgroup memory (memref<1xi32, workgroup>), got 'memref<1xi32>'}}
  %t = moe.tile_claimed %s : memref<1xi32>
  return
}

// -----

func.func @tile_claim_cluster(%c: memref<?xi32>, %s: memref<1xi32, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_claim' op cluster must be in [1, 16], got 32}}
  moe.tile_claim %c[%i] offset %i into %s cluster = 32 : memref<?xi32>, memref<1xi32, 3>
  return
}

// -----

func.func @tile_publish_words(%v: i32, %w: memref<4xi32>, %r: memref<4xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_publish' op words must be a static i32 buffer of workgroup memory, got 'memref<4xi32>'}}
  moe.tile_publish %v into %w[%i] ready %r rank %i : memref<4xi32>, memref<4xi64, 3>
  return
}

// -----

func.func @tile_signal_ring(%r: memref<4xi64>, %i: index) {
  // expected-error @+1 {{'moe.tile_signal' op ready ring must be in workgroup memory, got 'memref<4xi64>'}}
  moe.tile_signal %r[%i] : memref<4xi64>
  return
}

// -----

func.func @tile_release_cluster(%r: memref<4xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_release' op cluster must be in [1, 16] with arrivals a multiple of 32 * cluster (whole warps of every block), got cluster = 2, arrivals = 96}}
  moe.tile_release %r[%i] arrivals = 96 cluster = 2 : memref<4xi64, 3>
  return
}

//===----------------------------------------------------------------------===//
// Shared-expert weights (shared_logits, shared_weight), the router weight on
// the input, permute scale_rows, moe.mot_mlp
//===----------------------------------------------------------------------===//

// -----

func.func @gate_shared_logits_without_shared(%l: tensor<4x8xf32>, %s: tensor<4x1xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+1 {{'moe.gate' op shared_logits needs shared slots to weight (num_shared_experts >= 1)}}
  %w, %i = moe.gate %l shared_logits(%s) k = 2 scoring = softmax outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x2xf32>, tensor<4x2xi32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_shared_logits_columns(%l: tensor<4x8xf32>, %s: tensor<4x2xf32>, %w_init: tensor<4x3xf32>, %i_init: tensor<4x3xi32>) {
  // expected-error @+1 {{'moe.gate' op shared_logits dim 1 (2) must equal num_shared_experts (1)}}
  %w, %i = moe.gate %l shared_logits(%s) k = 2 scoring = softmax num_shared_experts = 1 outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x3xf32>, tensor<4x3xi32>) -> (tensor<4x3xf32>, tensor<4x3xi32>)
  return
}

// -----

func.func @gate_shared_logits_tokens(%l: tensor<4x8xbf16>, %s: tensor<5x1xbf16>, %w_init: tensor<4x3xf32>, %i_init: tensor<4x3xi32>) {
  // expected-error @+1 {{'moe.gate' op shared_logits dim 0 (5) must equal the number of tokens T (4)}}
  %w, %i = moe.gate %l shared_logits(%s) k = 2 scoring = softmax num_shared_experts = 1 outs(%w_init, %i_init)
      : (tensor<4x8xbf16>, tensor<5x1xbf16>, tensor<4x3xf32>, tensor<4x3xi32>) -> (tensor<4x3xf32>, tensor<4x3xi32>)
  return
}

// -----

func.func @gate_shared_logits_and_unit_weight(%l: tensor<4x8xf32>, %s: tensor<4x1xf32>, %w_init: tensor<4x3xf32>, %i_init: tensor<4x3xi32>) {
  // expected-error @+1 {{'moe.gate' op shared_logits give the shared slots their weights (sigmoid): shared_weight = one contradicts them}}
  %w, %i = moe.gate %l shared_logits(%s) k = 2 scoring = softmax num_shared_experts = 1 shared_weight = one outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x3xf32>, tensor<4x3xi32>) -> (tensor<4x3xf32>, tensor<4x3xi32>)
  return
}

// -----

func.func @gate_unit_shared_weight_without_shared(%l: tensor<4x8xf32>, %w_init: tensor<4x1xf32>, %i_init: tensor<4x1xi32>) {
  // expected-error @+1 {{'moe.gate' op shared_weight = one needs shared slots (num_shared_experts >= 1)}}
  %w, %i = moe.gate %l k = 1 scoring = sigmoid shared_weight = one outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xi32>) -> (tensor<4x1xf32>, tensor<4x1xi32>)
  return
}

// -----

func.func @gate_shared_weight_keyword(%l: tensor<4x8xf32>, %w_init: tensor<4x2xf32>, %i_init: tensor<4x2xi32>) {
  // expected-error @+2 {{expected ::mlir::moe::SharedWeight to be one of: routed_mass, one}}
  // expected-error @+1 {{failed to parse Moe_SharedWeightAttr parameter 'value'}}
  %w, %i = moe.gate %l k = 1 scoring = sigmoid num_shared_experts = 1 shared_weight = sigmoid outs(%w_init, %i_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

// vLLM's apply_router_weight_on_input scales the token's one row.
func.func @fused_moe_weight_on_input_k(%x: tensor<4x16xbf16>, %l: tensor<4x8xbf16>, %w13: tensor<8x8x16xbf16>, %w2: tensor<8x16x4xbf16>, %y_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op router_weight_on_input needs k = 1 (the weight scales the token's row before the first GEMM, as vLLM's apply_router_weight_on_input), not k = 2}}
  %y = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = sigmoid router_weight_on_input outs(%y_init)
      : (tensor<4x16xbf16>, tensor<4x8xbf16>, tensor<8x8x16xbf16>, tensor<8x16x4xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @fused_moe_shared_logits_tokens(%x: tensor<4x16xbf16>, %l: tensor<4x8xbf16>, %s: tensor<3x1xbf16>, %w13: tensor<9x8x16xbf16>, %w2: tensor<9x16x4xbf16>, %y_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op shared_logits dim 0 (3) must equal the number of tokens T (4)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 shared_logits(%s) k = 2 scoring = softmax num_shared_experts = 1 outs(%y_init)
      : (tensor<4x16xbf16>, tensor<4x8xbf16>, tensor<9x8x16xbf16>, tensor<9x16x4xbf16>, tensor<3x1xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @fused_moe_shared_logits_without_shared(%x: tensor<4x16xbf16>, %l: tensor<4x8xbf16>, %s: tensor<4x1xbf16>, %w13: tensor<8x8x16xbf16>, %w2: tensor<8x16x4xbf16>, %y_init: tensor<4x16xbf16>) {
  // expected-error @+1 {{'moe.fused_moe' op shared_logits needs shared slots to weight (num_shared_experts >= 1)}}
  %y = moe.fused_moe %x, %l, %w13, %w2 shared_logits(%s) k = 2 scoring = softmax outs(%y_init)
      : (tensor<4x16xbf16>, tensor<4x8xbf16>, tensor<8x8x16xbf16>, tensor<8x16x4xbf16>, tensor<4x1xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @permute_scale_rows_without_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x1xi32>, %r_init: tensor<4x16xbf16>, %s_init: tensor<4xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op scale_rows needs a weights operand (the rows' scales)}}
  %r, %s, %o = moe.permute %x, %ids scale_rows num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x1xi32>, tensor<4x16xbf16>, tensor<4xi32>, tensor<9xi32>)
      -> (tensor<4x16xbf16>, tensor<4xi32>, tensor<9xi32>)
  return
}

// -----

// Without scale_rows, weights only serve row_weights.
func.func @permute_weights_without_row_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x1xi32>, %w: tensor<4x1xf32>, %r_init: tensor<4x16xbf16>, %s_init: tensor<4xi32>, %o_init: tensor<9xi32>) {
  // expected-error @+1 {{'moe.permute' op has a row_weights out exactly when it has a weights operand (without scale_rows)}}
  %r, %s, %o = moe.permute %x, %ids weights(%w) num_experts = 8 outs(%r_init, %s_init, %o_init)
      : (tensor<4x16xbf16>, tensor<4x1xi32>, tensor<4x1xf32>, tensor<4x16xbf16>, tensor<4xi32>, tensor<9xi32>)
      -> (tensor<4x16xbf16>, tensor<4xi32>, tensor<9xi32>)
  return
}

// -----

func.func @mot_mlp_element_type(%x: tensor<5x8xbf16>, %w13: tensor<2x12x8xf16>, %w2: tensor<2x8x6xbf16>, %t: tensor<5xi32>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op w13 element type 'f16' must match x element type 'bf16'}}
  %y = moe.mot_mlp %x, %w13, %w2, %t outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x12x8xf16>, tensor<2x8x6xbf16>, tensor<5xi32>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_hidden(%x: tensor<5x8xbf16>, %w13: tensor<2x12x6xbf16>, %w2: tensor<2x8x6xbf16>, %t: tensor<5xi32>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op w13 dim 2 (6) must equal the hidden size H of x (8)}}
  %y = moe.mot_mlp %x, %w13, %w2, %t outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x12x6xbf16>, tensor<2x8x6xbf16>, tensor<5xi32>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_odd_gate_up(%x: tensor<5x8xbf16>, %w13: tensor<2x11x8xbf16>, %w2: tensor<2x8x6xbf16>, %t: tensor<5xi32>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op w13 dim 1 (11) must be even: 2*I gate rows then up rows}}
  %y = moe.mot_mlp %x, %w13, %w2, %t outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x11x8xbf16>, tensor<2x8x6xbf16>, tensor<5xi32>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_intermediate(%x: tensor<5x8xbf16>, %w13: tensor<2x12x8xbf16>, %w2: tensor<2x8x12xbf16>, %t: tensor<5xi32>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op w2 dim 2 (12) must equal the intermediate size I (w13 dim 1 / 2) (6)}}
  %y = moe.mot_mlp %x, %w13, %w2, %t outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x12x8xbf16>, tensor<2x8x12xbf16>, tensor<5xi32>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_types(%x: tensor<5x8xbf16>, %w13: tensor<2x12x8xbf16>, %w2: tensor<3x8x6xbf16>, %t: tensor<5xi32>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op w2 dim 0 (3) must equal the number of token types G of w13 (2)}}
  %y = moe.mot_mlp %x, %w13, %w2, %t outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x12x8xbf16>, tensor<3x8x6xbf16>, tensor<5xi32>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_type_ids(%x: tensor<5x8xbf16>, %w13: tensor<2x12x8xbf16>, %w2: tensor<2x8x6xbf16>, %t: tensor<4xi32>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op type_ids dim 0 (4) must equal the number of tokens T of x (5)}}
  %y = moe.mot_mlp %x, %w13, %w2, %t outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x12x8xbf16>, tensor<2x8x6xbf16>, tensor<4xi32>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_b13(%x: tensor<5x8xbf16>, %w13: tensor<2x12x8xbf16>, %w2: tensor<2x8x6xbf16>, %t: tensor<5xi32>, %b13: tensor<2x6xbf16>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op b13 dim 1 (6) must equal w13 dim 1 (12)}}
  %y = moe.mot_mlp %x, %w13, %w2, %t b13(%b13) outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x12x8xbf16>, tensor<2x8x6xbf16>, tensor<5xi32>, tensor<2x6xbf16>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_clamp_no_mul(%x: tensor<5x8xbf16>, %w13: tensor<2x6x8xbf16>, %w2: tensor<2x8x6xbf16>, %t: tensor<5xi32>, %y_init: tensor<5x8xbf16>) {
  // expected-error @+1 {{'moe.mot_mlp' op clamp_limit applies to a gated activation (gate and up), not to relu2_no_mul}}
  %y = moe.mot_mlp %x, %w13, %w2, %t activation = relu2_no_mul clamp_limit = 7.0 outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x6x8xbf16>, tensor<2x8x6xbf16>, tensor<5xi32>, tensor<5x8xbf16>) -> tensor<5x8xbf16>
  return
}

// -----

func.func @mot_mlp_out_type(%x: tensor<5x8xbf16>, %w13: tensor<2x12x8xbf16>, %w2: tensor<2x8x6xbf16>, %t: tensor<5xi32>, %y_init: tensor<5x8xf32>) {
  // expected-error @+1 {{'moe.mot_mlp' op out type 'tensor<5x8xf32>' must equal x type 'tensor<5x8xbf16>'}}
  %y = moe.mot_mlp %x, %w13, %w2, %t outs(%y_init)
      : (tensor<5x8xbf16>, tensor<2x12x8xbf16>, tensor<2x8x6xbf16>, tensor<5xi32>, tensor<5x8xf32>) -> tensor<5x8xf32>
  return
}

// -----

func.func @tile_scale_accumulate_rows(%p: vector<96x128xf32>, %as: memref<?x?xf32>, %ws: memref<?x?x?xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_scale_accumulate' op accumulator rows must be a multiple of 64 (one warpgroup per 64 rows), got 'vector<96x128xf32>'}}
  %r = moe.tile_scale_accumulate %p, %p warpgroup %i rows %i a_scale(%as : memref<?x?xf32>) [%i, %i]
      w_scale(%ws : memref<?x?x?xf32>) [%i] w_row %i : vector<96x128xf32>
  return
}

// -----

func.func @tile_scale_accumulate_columns(%p: vector<64x12xf32>, %as: memref<?x?xf32>, %ws: memref<?x?x?xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_scale_accumulate' op accumulator columns must be a multiple of 8, got 'vector<64x12xf32>'}}
  %r = moe.tile_scale_accumulate %p, %p warpgroup %i rows %i a_scale(%as : memref<?x?xf32>) [%i, %i]
      w_scale(%ws : memref<?x?x?xf32>) [%i] w_row %i : vector<64x12xf32>
  return
}

// -----

func.func @tile_scale_accumulate_up_row(%p: vector<64x24xf32>, %as: memref<?x?xf32>, %ws: memref<?x?x?xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_scale_accumulate' op up_row needs an even number of 8-column groups (gate and up halves), got 'vector<64x24xf32>'}}
  %r = moe.tile_scale_accumulate %p, %p warpgroup %i rows %i a_scale(%as : memref<?x?xf32>) [%i, %i]
      w_scale(%ws : memref<?x?x?xf32>) [%i] w_row %i up_row %i : vector<64x24xf32>
  return
}

// -----

func.func @tile_scale_accumulate_stride(%p: vector<64x128xf32>, %as: memref<?x?xf32>, %ws: memref<?x?x?xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_scale_accumulate' op w_row_stride must be 1, or 2 for interleaved gate and up rows, got 3}}
  %r = moe.tile_scale_accumulate %p, %p warpgroup %i rows %i a_scale(%as : memref<?x?xf32>) [%i, %i]
      w_scale(%ws : memref<?x?x?xf32>) [%i] w_row %i w_row_stride = 3 : vector<64x128xf32>
  return
}

// -----

func.func @tile_scale_accumulate_scale_rank(%p: vector<64x128xf32>, %as: memref<?xf32>, %ws: memref<?x?x?xf32>, %i: index) {
  // expected-error @+1 {{'moe.tile_scale_accumulate' op operand #4 must be 2D memref of 32-bit float values}}
  %r = moe.tile_scale_accumulate %p, %p warpgroup %i rows %i a_scale(%as : memref<?xf32>) [%i, %i]
      w_scale(%ws : memref<?x?x?xf32>) [%i] w_row %i : vector<64x128xf32>
  return
}
