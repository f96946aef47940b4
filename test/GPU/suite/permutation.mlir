// GPU suite: align, permute, permute_indices and combine at every model
// shape.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gpu-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null
func.func @align_mixtral(%ids: tensor<?x2xi32>, %sorted: tensor<?xi32>, %experts: tensor<?xi32>, %total: tensor<1xi32>)
    -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %s, %e, %t = moe.align %ids num_experts = 8 block_m = 64 outs(%sorted, %experts, %total)
      : (tensor<?x2xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %s, %e, %t : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

func.func @permute_mixtral(%x: tensor<?x4096xbf16>, %ids: tensor<?x2xi32>, %w: tensor<?x2xf32>,
    %rows: tensor<?x4096xbf16>, %src: tensor<?xi32>, %off: tensor<9xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x4096xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>) {
  %a, %b, %c, %d = moe.permute %x, %ids weights(%w) num_experts = 8 outs(%rows, %src, %off, %rw)
      : (tensor<?x4096xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<?x4096xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
      -> (tensor<?x4096xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
  return %a, %b, %c, %d : tensor<?x4096xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>
}

func.func @combine_mixtral(%y: tensor<?x4096xbf16>, %src: tensor<?xi32>, %w: tensor<?x2xf32>, %out: tensor<?x4096xbf16>)
    -> tensor<?x4096xbf16> {
  %o = moe.combine %y, %src weights(%w) k = 2 outs(%out)
      : (tensor<?x4096xbf16>, tensor<?xi32>, tensor<?x2xf32>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

func.func @align_qwen3(%ids: tensor<?x8xi32>, %sorted: tensor<?xi32>, %experts: tensor<?xi32>, %total: tensor<1xi32>)
    -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %s, %e, %t = moe.align %ids num_experts = 128 block_m = 64 outs(%sorted, %experts, %total)
      : (tensor<?x8xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %s, %e, %t : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

func.func @permute_qwen3(%x: tensor<?x2048xbf16>, %ids: tensor<?x8xi32>, %w: tensor<?x8xf32>,
    %rows: tensor<?x2048xbf16>, %src: tensor<?xi32>, %off: tensor<129xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>) {
  %a, %b, %c, %d = moe.permute %x, %ids weights(%w) num_experts = 128 outs(%rows, %src, %off, %rw)
      : (tensor<?x2048xbf16>, tensor<?x8xi32>, tensor<?x8xf32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
      -> (tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
  return %a, %b, %c, %d : tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>
}

func.func @combine_qwen3(%y: tensor<?x2048xbf16>, %src: tensor<?xi32>, %w: tensor<?x8xf32>, %out: tensor<?x2048xbf16>)
    -> tensor<?x2048xbf16> {
  %o = moe.combine %y, %src weights(%w) k = 8 outs(%out)
      : (tensor<?x2048xbf16>, tensor<?xi32>, tensor<?x8xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %o : tensor<?x2048xbf16>
}

func.func @align_deepseek_v3(%ids: tensor<?x9xi32>, %sorted: tensor<?xi32>, %experts: tensor<?xi32>, %total: tensor<1xi32>)
    -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %s, %e, %t = moe.align %ids num_experts = 257 block_m = 64 outs(%sorted, %experts, %total)
      : (tensor<?x9xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %s, %e, %t : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

func.func @permute_deepseek_v3(%x: tensor<?x7168xbf16>, %ids: tensor<?x9xi32>, %w: tensor<?x9xf32>,
    %rows: tensor<?x7168xbf16>, %src: tensor<?xi32>, %off: tensor<258xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>) {
  %a, %b, %c, %d = moe.permute %x, %ids weights(%w) num_experts = 257 outs(%rows, %src, %off, %rw)
      : (tensor<?x7168xbf16>, tensor<?x9xi32>, tensor<?x9xf32>, tensor<?x7168xbf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
      -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
  return %a, %b, %c, %d : tensor<?x7168xbf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>
}

func.func @combine_deepseek_v3(%y: tensor<?x7168xbf16>, %src: tensor<?xi32>, %w: tensor<?x9xf32>, %out: tensor<?x7168xbf16>)
    -> tensor<?x7168xbf16> {
  %o = moe.combine %y, %src weights(%w) k = 9 outs(%out)
      : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?x9xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %o : tensor<?x7168xbf16>
}

func.func @align_kimi_k2(%ids: tensor<?x9xi32>, %sorted: tensor<?xi32>, %experts: tensor<?xi32>, %total: tensor<1xi32>)
    -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %s, %e, %t = moe.align %ids num_experts = 385 block_m = 64 outs(%sorted, %experts, %total)
      : (tensor<?x9xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %s, %e, %t : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

func.func @permute_kimi_k2(%x: tensor<?x7168xbf16>, %ids: tensor<?x9xi32>, %w: tensor<?x9xf32>,
    %rows: tensor<?x7168xbf16>, %src: tensor<?xi32>, %off: tensor<386xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>) {
  %a, %b, %c, %d = moe.permute %x, %ids weights(%w) num_experts = 385 outs(%rows, %src, %off, %rw)
      : (tensor<?x7168xbf16>, tensor<?x9xi32>, tensor<?x9xf32>, tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>)
      -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>)
  return %a, %b, %c, %d : tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>
}

func.func @combine_kimi_k2(%y: tensor<?x7168xbf16>, %src: tensor<?xi32>, %w: tensor<?x9xf32>, %out: tensor<?x7168xbf16>)
    -> tensor<?x7168xbf16> {
  %o = moe.combine %y, %src weights(%w) k = 9 outs(%out)
      : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?x9xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %o : tensor<?x7168xbf16>
}

func.func @permute_indices_mixtral(%ids: tensor<?x2xi32>, %w: tensor<?x2xf32>, %src: tensor<?xi32>,
    %off: tensor<9xi32>, %rw: tensor<?xf32>) -> (tensor<?xi32>, tensor<9xi32>, tensor<?xf32>) {
  %b, %c, %d = moe.permute_indices %ids weights(%w) num_experts = 8 outs(%src, %off, %rw)
      : (tensor<?x2xi32>, tensor<?x2xf32>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
      -> (tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
  return %b, %c, %d : tensor<?xi32>, tensor<9xi32>, tensor<?xf32>
}

func.func @permute_indices_qwen3(%ids: tensor<?x8xi32>, %w: tensor<?x8xf32>, %src: tensor<?xi32>,
    %off: tensor<129xi32>, %rw: tensor<?xf32>) -> (tensor<?xi32>, tensor<129xi32>, tensor<?xf32>) {
  %b, %c, %d = moe.permute_indices %ids weights(%w) num_experts = 128 outs(%src, %off, %rw)
      : (tensor<?x8xi32>, tensor<?x8xf32>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
      -> (tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
  return %b, %c, %d : tensor<?xi32>, tensor<129xi32>, tensor<?xf32>
}

func.func @permute_indices_deepseek_v3(%ids: tensor<?x9xi32>, %w: tensor<?x9xf32>, %src: tensor<?xi32>,
    %off: tensor<258xi32>, %rw: tensor<?xf32>) -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>) {
  %b, %c, %d = moe.permute_indices %ids weights(%w) num_experts = 257 outs(%src, %off, %rw)
      : (tensor<?x9xi32>, tensor<?x9xf32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
      -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
  return %b, %c, %d : tensor<?xi32>, tensor<258xi32>, tensor<?xf32>
}

func.func @permute_indices_kimi_k2(%ids: tensor<?x9xi32>, %w: tensor<?x9xf32>, %src: tensor<?xi32>,
    %off: tensor<386xi32>, %rw: tensor<?xf32>) -> (tensor<?xi32>, tensor<386xi32>, tensor<?xf32>) {
  %b, %c, %d = moe.permute_indices %ids weights(%w) num_experts = 385 outs(%src, %off, %rw)
      : (tensor<?x9xi32>, tensor<?x9xf32>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>)
      -> (tensor<?xi32>, tensor<386xi32>, tensor<?xf32>)
  return %b, %c, %d : tensor<?xi32>, tensor<386xi32>, tensor<?xf32>
}

// Without weights (the token-type dispatch of mot_linear).
func.func @permute_indices_types_bagel(%ids: tensor<?x1xi32>, %src: tensor<?xi32>, %off: tensor<3xi32>)
    -> (tensor<?xi32>, tensor<3xi32>) {
  %b, %c = moe.permute_indices %ids num_experts = 2 outs(%src, %off)
      : (tensor<?x1xi32>, tensor<?xi32>, tensor<3xi32>) -> (tensor<?xi32>, tensor<3xi32>)
  return %b, %c : tensor<?xi32>, tensor<3xi32>
}

// slot_rows (issue 10): the sort also writes each slot's row (-1 for a
// dropped slot), and combine reads it instead of inverting src_index (one
// kernel instead of three). moe-runner checks slot_rows bit for bit against
// the reference's inverse, and combine against the reference's sum over
// slot_rows (out-of-range: corrupted slot_rows entries give no term).
func.func @permute_slot_rows_qwen3(%x: tensor<?x2048xbf16>, %ids: tensor<?x8xi32>, %w: tensor<?x8xf32>,
    %rows: tensor<?x2048xbf16>, %src: tensor<?xi32>, %off: tensor<129xi32>, %rw: tensor<?xf32>, %slots: tensor<?xi32>)
    -> (tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>) {
  %a, %b, %c, %d, %e = moe.permute %x, %ids weights(%w) num_experts = 128 outs(%rows, %src, %off, %rw)
      slot_rows_outs(%slots)
      : (tensor<?x2048xbf16>, tensor<?x8xi32>, tensor<?x8xf32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>)
      -> (tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>)
  return %a, %b, %c, %d, %e : tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>
}

func.func @permute_indices_slot_rows_deepseek_v3(%ids: tensor<?x9xi32>, %w: tensor<?x9xf32>, %src: tensor<?xi32>,
    %off: tensor<258xi32>, %rw: tensor<?xf32>, %slots: tensor<?xi32>)
    -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>) {
  %b, %c, %d, %e = moe.permute_indices %ids weights(%w) num_experts = 257 outs(%src, %off, %rw)
      slot_rows_outs(%slots)
      : (tensor<?x9xi32>, tensor<?x9xf32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>)
      -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>)
  return %b, %c, %d, %e : tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>
}

// With an expert map onto 64 of Qwen3's 128 experts: the remote slots are
// dropped, their slot_rows entries -1.
func.func @permute_indices_slot_rows_expert_map_qwen3(%ids: tensor<?x8xi32>, %map: tensor<128xi32>,
    %src: tensor<?xi32>, %off: tensor<65xi32>, %slots: tensor<?xi32>)
    -> (tensor<?xi32>, tensor<65xi32>, tensor<?xi32>) {
  %b, %c, %e = moe.permute_indices %ids expert_map(%map) num_experts = 64 outs(%src, %off)
      slot_rows_outs(%slots)
      : (tensor<?x8xi32>, tensor<128xi32>, tensor<?xi32>, tensor<65xi32>, tensor<?xi32>)
      -> (tensor<?xi32>, tensor<65xi32>, tensor<?xi32>)
  return %b, %c, %e : tensor<?xi32>, tensor<65xi32>, tensor<?xi32>
}

func.func @combine_slot_rows_qwen3(%y: tensor<?x2048xbf16>, %src: tensor<?xi32>, %slots: tensor<?xi32>,
    %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %o = moe.combine %y, %src slot_rows(%slots) k = 8 outs(%out)
      : (tensor<?x2048xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %o : tensor<?x2048xbf16>
}

func.func @combine_slot_rows_deepseek_v3(%y: tensor<?x7168xbf16>, %src: tensor<?xi32>, %slots: tensor<?xi32>,
    %w: tensor<?x9xf32>, %out: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %o = moe.combine %y, %src slot_rows(%slots) weights(%w) k = 9 outs(%out)
      : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x9xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %o : tensor<?x7168xbf16>
}
