#!/usr/bin/env bash
# The weight-only quantized GEMMs and layers (w4a16, w4a16_zp, w8a16 on
# the simple kernel; issue 11) against the reference on the GPU host: what
# run-gemm-suite.sh runs of them (run_weight_only_gemms, test/GPU/common.sh),
# alone. Its artifacts, compiled on the build machine (no GPU needed):
#   for f in test/GPU/suite/weight-only-gemm.mlir \
#            examples/quantized/qwen3-30b-a3b-int4.mlir \
#            examples/quantized/qwen3-30b-a3b-int8.mlir; do
#     utils/moe-compile.sh --format fatbin $f artifacts; done
# (or all of utils/build-gpu-artifacts.sh). QUICK=1 runs a subset: each
# scheme's edge shape at 1 and 37 rows and every offsets case at 300, the
# Qwen3 GEMMs and layers at T = 1 and 32, the small layers at T = 7.
# Usage: test/GPU/run-weight-only.sh [ARTIFACTS] [LOGDIR]
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=${1:-$ROOT/artifacts}
LOG=${2:-${OUT:-$ROOT/gpu-logs}}
source "$ROOT/test/GPU/common.sh"
build_runtime

if [ "${QUICK:-0}" = 1 ]; then
  for f in gemm_w4a16_k200_n72_gated gemm_w4a16_zp_k336_n80_bias_f16 \
           gemm_w4a16_zp_k96_n300_interleaved gemm_w4a16_gathered_k256 \
           gemm_w8a16_k200_n150_f16 gemm_w8a16_k48_n72_gelu; do
    run weight-only-gemm "$f" 1 random 3
    run weight-only-gemm "$f" 37 random 3
  done
  for c in one-expert empty-experts out-of-range unsorted-offsets; do
    run weight-only-gemm gemm_w4a16_zp_k336_n80_bias_f16 300 "$c" 3
  done
  for T in 1 32; do
    run weight-only-gemm gemm1_qwen3_w4a16_zp $((T * 8)) random 3
    run weight-only-gemm gemm2_qwen3_w4a16 $((T * 8)) random 3
    run weight-only-gemm gemm1_qwen3_w8a16 $((T * 8)) random 3
    run qwen3-30b-a3b-int4 qwen3_int4_awq_moe "$T" random 3
    run qwen3-30b-a3b-int4 qwen3_int4_gptq_moe "$T" random 3
    run qwen3-30b-a3b-int8 qwen3_int8_moe "$T" random 3
  done
  for f in fused_moe_w4a16_small fused_moe_w4a16_zp_small fused_moe_w8a16_small; do
    run weight-only-gemm "$f" 7 random 3
  done
  if [ "${SANITIZER:-1}" != 0 ]; then
    sanitize memcheck weight-only-gemm gemm_w4a16_zp_k336_n80_bias_f16 300 out-of-range
  fi
else
  run_weight_only_gemms
fi
echo "weight-only: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
