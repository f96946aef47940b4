#!/usr/bin/env bash
# The warp-specialized grouped GEMM (a producer warpgroup; tiles claimed
# from a counter and handed to the consumers through a queue) against the
# reference on the GPU host, with compute-sanitizer at partial-tile shapes.
# Its artifacts are the GEMM suites compiled with warp-specialize=1:
#   for f in gemm gemm-cluster fp8-gemm; do MOE_PIPELINE_OPTIONS=warp-specialize=1 \
#     utils/moe-compile.sh --format fatbin test/GPU/suite/$f.mlir artifacts-ws; done
# (gemm-cluster: 2-block clusters sharing W tiles and their claims; fp8-gemm:
# the fp8_block promotion in the consumer warpgroups; each only where
# artifacts-ws has it.)
# Usage: test/GPU/run-warp-specialized.sh ARTIFACTS LOGDIR
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=${1:?artifacts folder}
LOG=${2:-${OUT:-$ROOT/gpu-logs}}
source "$ROOT/test/GPU/common.sh"
build_runtime

for T in 1 32 256 2048; do
  run gemm gemm1_qwen3 $((T * 8)) random 3
  run gemm gemm2_qwen3 $((T * 8)) random 3
done
for T in 1 32 256; do
  run gemm gemm1_mixtral $((T * 2)) random 3
  run gemm gemm2_mixtral $((T * 2)) random 3
done
for f in gemm_k16_n72 gemm_k48_gated_f16 gemm_k144_gelu_config; do
  run_gemm_edges gemm "$f"
done
for c in one-expert empty-experts out-of-range unsorted-offsets; do
  run gemm gemm1_qwen3 256 "$c" 3
  run gemm gemm2_qwen3 256 "$c" 3
done
# Gathered A: the whole producer warpgroup copies the rows (cp.async),
# its thread 0 the W tiles (TMA).
run_gathered_gemms
[ -e "$ART/fp8-gemm.manifest" ] && run_fp8_gemms
[ -f "$ART/gemm-cluster.so" ] && run_cluster_gemms
if [ "${SANITIZER:-1}" = 1 ]; then
  echo "== compute-sanitizer"
  if [ -e "$ART/fp8-gemm.manifest" ]; then
    sanitize memcheck fp8-gemm gemm_fp8_k336_n80_gated_f16 300
    sanitize racecheck fp8-gemm gemm_fp8_k336_n80_gated_f16 300
  fi
  sanitize memcheck gemm gemm2_qwen3 300
  sanitize memcheck gemm gemm_k48_gated_f16 300
  sanitize memcheck gemm gemm_k144_gelu_config 300 unsorted-offsets
  sanitize racecheck gemm gemm_k48_gated_f16 300
  sanitize racecheck gemm gemm_k16_n72 200
  sanitize racecheck gemm gemm2_qwen3 300
  sanitize memcheck gemm gemm_gathered_k48_bias_f16 300 out-of-range
  sanitize racecheck gemm gemm_gathered_k48_bias_f16 300
  if [ -f "$ART/gemm-cluster.so" ]; then
    sanitize memcheck gemm-cluster gemm_k48_gated_f16_cluster2 300 out-of-range
    sanitize racecheck gemm-cluster gemm_k48_gated_f16_cluster2 300
  fi
fi
echo "warp-specialized: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
