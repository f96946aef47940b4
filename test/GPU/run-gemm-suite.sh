#!/usr/bin/env bash
# The grouped-GEMM suite (issue 4), run on a GPU host from a checkout plus
# artifacts/ compiled elsewhere (utils/build-gpu-artifacts.sh).
#  1. moe-runner against the CPU reference library: the Mixtral and Qwen3
#     expert GEMMs at T = 1, 32, 256 tokens (R = T * k rows), Qwen3 also at
#     T = 2048 (DeepSeek-V3 and Kimi-K2 weights, 11-17 G elements, take
#     minutes to draw and hold on the host: step 2 covers them; fp8_block
#     GEMMs at DeepSeek-V3's shapes with 8 experts and fp8 edge shapes;
#     the weight-only int4/int8 GEMMs and layers); edge shapes (K = 16, 48, 144,
#     20; N = 72, 200, 192; f16, f32 output, bias, one-warpgroup config);
#     edge cases (one expert takes all, empty experts, rows outside every
#     expert, unsorted offsets); MoT linear; whole fused_moe layers
#     (examples/, when compiled into the artifacts); compute-sanitizer
#     memcheck and racecheck on a subset. (Larger T is left to step 2: the CPU reference would take
#     minutes per run.)
#  2. test/GPU/gemm_vs_torch.py, when torch is present: every shape at
#     T = 1 ... 8192 against an independent torch computation, timed next
#     to torch._grouped_mm in the same process; test/GPU/layer_vs_torch.py:
#     every example layer whole (the four fused_moe model shapes and Bagel's
#     rms_norm + mot_linear) at the same T against an independent torch
#     computation, timed (table in LOGDIR/layers.md); then
#     test/GPU/graph_capture.py: a whole fused_moe layer captured in a CUDA
#     graph on the caller's stream, replayed, bit-identical to eager calls.
# Usage: test/GPU/run-gemm-suite.sh [ARTIFACTS] [LOGDIR]
# Environment: ITERS (runner timing iterations, default 10), SANITIZER=0,
# TORCH=0 to skip step 2, TORCH_TOKENS (default "1 32 256 2048 8192").
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=${1:-$ROOT/artifacts}
LOG=${2:-${OUT:-$ROOT/gpu-logs}}
source "$ROOT/test/GPU/common.sh"
build_runtime

# model:k (rows per token)
for spec in mixtral:2 qwen3:8; do
  m=${spec%%:*}
  k=${spec##*:}
  tokens="1 32 256"
  [ "$m" = qwen3 ] && tokens="1 32 256 2048"
  for T in $tokens; do
    run gemm "gemm1_$m" $((T * k)) random
    run gemm "gemm2_$m" $((T * k)) random
  done
done
# Edge shapes (suite file:function); activations.mlir holds the expert
# activations' epilogues on both kernels, interleaved rows and clamps.
for spec in gemm:gemm_k16_n72 gemm:gemm_k48_gated_f16 gemm:gemm_k144_gelu_config \
            gemm:gemm_k20_simple activations:gemm_k48_swigluoai_interleaved_f16 \
            activations:gemm_k20_interleaved_simple activations:gemm_k144_gelu_tanh_clamp \
            activations:gemm_k64_swiglustep activations:gemm_k16_n72_relu2 \
            activations:gemm_k48_silu_f16 activations:gemm_k64_gelu \
            activations:gemm_k64_gelu_tanh; do
  run_gemm_edges "${spec%%:*}" "${spec##*:}"
done
run_gathered_gemms
for c in one-expert empty-experts out-of-range unsorted-offsets; do
  run gemm gemm1_qwen3 256 "$c" 3
  run gemm gemm2_qwen3 256 "$c" 3
done
# The staged epilogue (16-byte runs through shared memory).
run_staged_gemms

# quant = fp8_block (issue 11), against the reference quantizing as the
# device does: DeepSeek-V3's expert shapes with 8 experts (the full 256
# take minutes to draw on the host), R = T * 8 rows; the edge shapes on
# both kernels (K = 200: simple; K = 336 with N = 80 and K = 256 with 300
# interleaved rows: tiled, partial K and N blocks); every case; memcheck
# and racecheck at a partial-tile shape. moe-runner draws e4m3 inputs with
# an all-zero activation group and an all-max (448) weight row, positive
# scales, and poisons the outputs.
run_fp8_gemms
for c in one-expert empty-experts out-of-range; do
  run fp8-gemm gemm1_deepseek_v3_fp8_e8 256 "$c" 3
done
if [ "${SANITIZER:-1}" != 0 ]; then
  sanitize memcheck fp8-gemm gemm_fp8_k336_n80_gated_f16 300
  sanitize racecheck fp8-gemm gemm_fp8_k336_n80_gated_f16 300
  sanitize memcheck fp8-gemm gemm_fp8_k256_n300_interleaved 37
  sanitize memcheck fp8-gemm gemm_fp8_k200_n72_gated 37
  sanitize memcheck fp8-gemm gemm_fp8_channel_k512_n256_gated_tiled 300
  sanitize racecheck fp8-gemm gemm_fp8_channel_k512_n256_gated_tiled 300
  sanitize memcheck fp8-gemm gemm_fp8_tensor_k336_n80_f16_tiled 37
fi

# Weight-only schemes (issue 11): w4a16, w4a16_zp, w8a16 on the simple
# kernel, GEMMs and layers (run_weight_only_gemms, test/GPU/common.sh).
run_weight_only_gemms

# Clusters of two blocks sharing W tiles (cluster_m = 2; an odd number of
# row tiles leaves the second block of the last entry without rows).
run_cluster_gemms

# Split-K tiles and their reduction (split-k.mlir): from one row to past
# the rows that still split (R = 9000 runs the split-capable kernel with
# one split), and the cases of the fallback.
for f in gemm_k1000_gated_split4_f16 gemm_k2048_gelu_split8_f32; do
  run_gemm_edges split-k "$f"
done
run split-k gemm_k1000_gated_split4_f16 9000 random 3
for T in 1 37 300; do
  run split-k gemm_gathered_swigluoai_split3 "$T" random 3
done
for c in one-expert empty-experts out-of-range unsorted-offsets; do
  run split-k gemm_gathered_swigluoai_split3 300 "$c" 3
done
for T in 1 4 32; do
  run split-k gemm2_mixtral_split4 $((T * 2)) random 3
  run split-k gemm1_qwen3_split4 $((T * 8)) random 3
done

# The stream kernel (stream.mlir).
run_stream_gemms

# Expert parallelism (expert-map.mlir): the permutation with a map, and
# layers with half the experts local, with the edge cases of the routing.
for T in 1 32 256 2048; do
  run expert-map permute_expert_map_deepseek_v3 "$T" random 3
  run expert-map permute_indices_expert_map_qwen3 "$T" random 3
done
for c in one-expert empty-experts nan-rows out-of-range; do
  run expert-map permute_expert_map_deepseek_v3 256 "$c" 3
done
for T in 1 7 32 256; do
  run expert-map fused_moe_expert_map_small "$T" random 3
done
for c in one-expert empty-experts nan-rows; do
  run expert-map fused_moe_expert_map_small 256 "$c" 3
done
for T in 1 32 256; do
  run expert-map qwen3_moe_ep2 "$T" random 5
done

# The issue-13 families (families.mlir): the shared expert's sigmoid gate
# (Qwen2-MoE, Qwen3-Next), the weight on the input rows and an unweighted
# shared expert (Llama-4), the per-type MLP (Bagel), with the edge cases of
# the routing (nan-rows puts NaN/inf in the shared logits too).
families="gate_qwen3_next gate_llama4 permute_scale_rows_llama4
          fused_moe_shared_gate_small fused_moe_weight_on_input_small mot_mlp_small"
for f in $families; do
  for T in 1 32 256 2048 8192; do
    run families "$f" "$T" random 3
  done
  for c in one-expert empty-experts nan-rows; do
    run families "$f" 256 "$c" 3
  done
done
run families permute_scale_rows_llama4 256 out-of-range 3
run families mot_mlp_small 256 out-of-range 3

# MoT linear (permute -> grouped GEMM -> combine) and whole fused_moe
# layers (examples/ compiled into artifacts/ by utils/build-gpu-artifacts.sh;
# the runner checks functions of one moe op, so not bagel-mot.mlir's
# rms_norm + mot_linear).
# gpt-oss's GEMMs, a gathered clamped SwiGLU and whole small layers with
# the new activations (test/GPU/suite/activations.mlir).
for T in 1 32 256; do
  run activations gemm1_gpt_oss $((T * 4)) random 3
  run activations gemm2_gpt_oss $((T * 4)) random 3
  run activations gemm1_gathered_swigluoai "$T" random 3
  run activations fused_moe_swigluoai_small "$T" random 3
  run activations fused_moe_relu2_no_mul_small "$T" random 3
done
run activations gemm1_gathered_swigluoai 256 out-of-range 3

for T in 1 32 256 2048; do
  run gemm mot_qkv_bagel "$T" random 3
done
run gemm mot_qkv_bagel 300 out-of-range 3
for T in 1 32 256; do
  [ -f "$ART/qwen3-30b-a3b.so" ] && run qwen3-30b-a3b qwen3_moe "$T" random 5
done
for T in 1 32; do
  [ -f "$ART/mixtral-8x7b.so" ] && run mixtral-8x7b mixtral_moe "$T" random 5
done
[ -f "$ART/qwen3-30b-a3b.so" ] && run qwen3-30b-a3b qwen3_moe 256 one-expert 3
for T in 1 32; do
  [ -f "$ART/gpt-oss-20b.so" ] && run gpt-oss-20b gpt_oss_20b_moe "$T" random 5
  [ -f "$ART/glm-4.5-air.so" ] && run glm-4.5-air glm_4_5_air_moe "$T" random 5
done
for T in 1 32 256; do
  [ -f "$ART/llama-4-scout.so" ] && run llama-4-scout llama_4_scout_moe "$T" random 5
  [ -f "$ART/qwen3-next-80b-a3b.so" ] && run qwen3-next-80b-a3b qwen3_next_moe "$T" random 5
  [ -f "$ART/bagel-mot-mlp.so" ] && run bagel-mot-mlp bagel_mot_mlp "$T" random 5
done

if [ "${SANITIZER:-1}" = 1 ]; then
  echo "== compute-sanitizer"
  sanitize memcheck gemm gemm2_qwen3 300
  sanitize memcheck gemm gemm1_qwen3 77 out-of-range
  sanitize memcheck gemm gemm_k48_gated_f16 300
  sanitize memcheck gemm gemm_k144_gelu_config 300 unsorted-offsets
  sanitize memcheck gemm gemm1_gathered_qwen3 33 out-of-range
  sanitize memcheck gemm gemm_gathered_k48_bias_f16 100 out-of-range
  sanitize racecheck gemm gemm_gathered_k48_bias_f16 100
  sanitize racecheck gemm gemm_k16_n72 200
  sanitize racecheck gemm gemm_k48_gated_f16 300
  sanitize memcheck expert-map fused_moe_expert_map_small 100
  sanitize memcheck expert-map permute_expert_map_deepseek_v3 300 out-of-range
  sanitize memcheck families permute_scale_rows_llama4 300 out-of-range
  sanitize memcheck families gate_qwen3_next 100 nan-rows
  sanitize memcheck families fused_moe_weight_on_input_small 100
  sanitize memcheck families mot_mlp_small 100 out-of-range
  sanitize memcheck split-k gemm_k1000_gated_split4_f16 300 out-of-range
  sanitize racecheck split-k gemm_k1000_gated_split4_f16 300
  sanitize memcheck split-k gemm_gathered_swigluoai_split3 100 out-of-range
  sanitize memcheck gemm-cluster gemm_k48_gated_f16_cluster2 300 out-of-range
  sanitize racecheck gemm-cluster gemm_k48_gated_f16_cluster2 300
  sanitize memcheck activations gemm_k48_swigluoai_interleaved_f16 300 out-of-range
  sanitize memcheck activations gemm1_gathered_swigluoai 33 out-of-range
fi
echo "GEMM suite (runner): $pass passed, $fail failed"

# torch_step LOGNAME TITLE SCRIPT ARGS...: one torch script, its output
# teed into $LOG/LOGNAME.log, a failure counted.
torch_step() {
  local logname=$1 title=$2 script=$3
  shift 3
  echo "== $title"
  python3 "$ROOT/test/GPU/$script" --runtime "$BUILD" "$@" 2>&1 |
    tee "$LOG/$logname.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail=$((fail + 1))
}

if [ "${TORCH:-1}" = 1 ] && python3 -c "import torch" 2>/dev/null; then
  tokens=${TORCH_TOKENS:-1 32 256 2048 8192}
  torch_step torch "against torch, timed next to torch._grouped_mm" \
    gemm_vs_torch.py --artifacts "$ART" --tokens $tokens --out "$LOG"
  torch_step layers "whole layers (every model shape, Bagel MoT) against torch" \
    layer_vs_torch.py --artifacts "$ART" --tokens $tokens --out "$LOG"
  if [ -f "$ART/qwen3-30b-a3b.so" ]; then
    torch_step graph "a whole fused_moe layer in a CUDA graph" \
      graph_capture.py --artifact "$ART/qwen3-30b-a3b" --tokens 1 32 256
  fi
fi
[ $fail -eq 0 ]
