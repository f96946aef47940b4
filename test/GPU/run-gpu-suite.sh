#!/usr/bin/env bash
# The GPU suite, run on a GPU host from a checkout plus artifacts/ compiled
# elsewhere (utils/build-gpu-artifacts.sh). Builds the runtime-only
# configuration (no MLIR, no CUDA toolkit), runs the runtime's unit tests,
# the fault tests (test/GPU/fault_tests.py), the upstream-ABI tests
# (test/GPU/upstream_abi_tests.py), then moe-runner over every suite
# function at every token count and edge case, and compute-sanitizer
# memcheck on a subset.
# Usage: test/GPU/run-gpu-suite.sh [ARTIFACTS] [LOGDIR]
# Environment: TOKENS (default "1 32 256 2048 8192"), QUICK=1 (fewer runs),
# SANITIZER=0 to skip compute-sanitizer.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=${1:-$ROOT/artifacts}
LOG=${2:-${OUT:-$ROOT/gpu-logs}}
TOKENS=${TOKENS:-"1 32 256 2048 8192"}
source "$ROOT/test/GPU/common.sh"
build_runtime

# Hostile input (corrupt, truncated and wrong-chip images, out of memory, a
# faulting kernel) through the C API and Python: clear errors, no crash, no
# hang. Each case runs in its own process.
echo "== fault tests"
if python3 "$ROOT/test/GPU/fault_tests.py" --artifacts "$ART" --runtime "$BUILD" \
     --work "$LOG/fault-work" >"$LOG/fault-tests.log" 2>&1; then
  pass=$((pass + 1))
else
  fail=$((fail + 1))
fi
grep -E '^(PASS|FAIL|SKIP)|^fault tests' "$LOG/fault-tests.log" | cut -c1-240

# count_checks SHOWN LOGFILE RC: adds the PASS and FAIL lines of a Python
# check's log to the counts (one failure when the driver itself failed) and
# prints its lines that match the regex SHOWN.
count_checks() {
  local ok bad
  ok=$(grep -c '^PASS' "$2")
  bad=$(grep -c '^FAIL' "$2")
  grep -E "$1" "$2" | cut -c1-240
  if [ "$3" -ne 0 ] && [ "$bad" -eq 0 ]; then
    # The driver itself failed (no numpy, a bad option): one failure.
    bad=1
    tail -5 "$2"
  fi
  pass=$((pass + ok))
  fail=$((fail + bad))
}

# IR of our own in upstream dialects, compiled on the build machine by the
# stock mlir-opt --gpu-lower-to-nvvm-pipeline (utils/build-upstream-abi-
# artifacts.sh), on this runtime: one check per program.
echo "== upstream-ABI tests"
python3 "$ROOT/test/GPU/upstream_abi_tests.py" --artifacts "$ART/upstream-abi" \
  --runtime "$BUILD" >"$LOG/upstream-abi.log" 2>&1
count_checks '^(PASS|FAIL)|^upstream-abi tests' "$LOG/upstream-abi.log" $?

# The fused routing kernel (gate + align / permute / permute_indices in one
# launch) against the separate kernels, bit for bit, at T = 1, 7, 32, 256,
# at and above its bound and 3000 (suite/fused-routing.mlir; the artifacts
# fused-routing and fused-routing-unfused). Needs torch.
echo "== fused routing A/B"
if python3 -c "import torch" 2>/dev/null; then
  python3 "$ROOT/test/GPU/fused_routing_ab.py" --artifacts "$ART" --runtime "$BUILD" \
    >"$LOG/fused-routing-ab.log" 2>&1
  count_checks '^FAIL|^fused routing A/B' "$LOG/fused-routing-ab.log" $?
else
  echo "fused routing A/B: skipped (python3 has no torch)"
fi

models="mixtral qwen3 deepseek_v3 kimi_k2"
slot_rows_functions="permute_slot_rows_qwen3 permute_indices_slot_rows_deepseek_v3
  permute_indices_slot_rows_expert_map_qwen3 combine_slot_rows_qwen3
  combine_slot_rows_deepseek_v3"
for T in $TOKENS; do
  for m in $models; do
    run routing "gate_$m" "$T" random
    run permutation "align_$m" "$T" random
    run permutation "permute_$m" "$T" random
    run permutation "permute_indices_$m" "$T" random
    run permutation "combine_$m" "$T" random
    run norm-and-activation "silu_and_mul_$m" "$T" random
  done
  run permutation permute_indices_types_bagel "$T" random
  # slot_rows: the sort's inverse of src_index, and combine reading it.
  for f in $slot_rows_functions; do
    run permutation "$f" "$T" random
  done
  run norm-and-activation rms_norm_bagel_mot "$T" random
  run norm-and-activation rms_norm_deepseek_v3 "$T" random
  run norm-and-activation rms_norm_odd_f32 "$T" random
  run norm-and-activation silu_and_mul_odd_bf16 "$T" random
done
# Edge cases at a middle size.
for m in $models; do
  # (modes that do not apply to an op are left out: the runner rejects them)
  for c in one-expert empty-experts nan-rows; do
    run routing "gate_$m" 256 "$c" 3
  done
  for c in one-expert empty-experts out-of-range; do
    run permutation "align_$m" 256 "$c" 3
  done
  for c in one-expert empty-experts nan-rows out-of-range; do
    run permutation "permute_$m" 256 "$c" 3
    run permutation "combine_$m" 256 "$c" 3
  done
  for c in one-expert empty-experts out-of-range; do
    run permutation "permute_indices_$m" 256 "$c" 3
  done
done
for c in one-expert empty-experts out-of-range; do
  for f in $slot_rows_functions; do
    run permutation "$f" 256 "$c" 3
  done
done
for c in nan-rows; do
  for f in permute_slot_rows_qwen3 combine_slot_rows_qwen3 combine_slot_rows_deepseek_v3; do
    run permutation "$f" 256 "$c" 3
  done
done
run norm-and-activation rms_norm_bagel_mot 256 out-of-range 3
# fp8 activation quantization (quantize.mlir): q bytes and scales bit for
# bit, at every token count; NaN, infinities and -NaN at a middle size.
quantize_functions="quantize_deepseek_v3 quantize_per_token quantize_partial_f32
  quantize_f16_g64 quantize_odd_f32 quantize_odd_bf16 quantize_static_bf16
  quantize_static_odd_f32"
for T in $TOKENS; do
  for f in $quantize_functions; do
    run quantize "$f" "$T" random 3
  done
done
for f in $quantize_functions; do
  run quantize "$f" 256 nan-rows 3
done
# A few GEMMs (test/GPU/run-gemm-suite.sh covers them in full).
for T in 1 32; do
  run gemm gemm1_qwen3 "$T" random 3
  run gemm gemm2_qwen3 "$T" random 3
  run gemm gemm1_gathered_qwen3 "$T" random 3
  run gemm mot_qkv_bagel "$T" random 3
done
run gemm gemm1_qwen3 32 empty-experts 3
run gemm gemm1_qwen3 32 one-expert 3
# The weight-only quantized GEMMs at Qwen3's shape (run-gemm-suite.sh runs
# every weight-only function: run_weight_only_gemms).
for T in 1 32; do
  run weight-only-gemm gemm1_qwen3_w4a16_zp $((T * 8)) random 3
  run weight-only-gemm gemm2_qwen3_w4a16 $((T * 8)) random 3
  run weight-only-gemm gemm1_qwen3_w8a16 $((T * 8)) random 3
done
run weight-only-gemm gemm_w4a16_zp_k336_n80_bias_f16 37 empty-experts 3

if [ "${SANITIZER:-1}" = 1 ]; then
  echo "== compute-sanitizer memcheck"
  for spec in "routing gate_deepseek_v3" "permutation permute_qwen3" \
              "permutation permute_indices_deepseek_v3" \
              "permutation align_kimi_k2" "permutation combine_mixtral" \
              "permutation permute_slot_rows_qwen3" \
              "permutation combine_slot_rows_deepseek_v3" \
              "norm-and-activation rms_norm_bagel_mot" \
              "norm-and-activation silu_and_mul_qwen3" "gemm gemm1_gathered_qwen3" \
              "quantize quantize_deepseek_v3" "quantize quantize_odd_bf16" \
              "quantize quantize_static_odd_f32"; do
    set -- $spec
    sanitize memcheck "$1" "$2" 33
  done
  # Corrupted slot_rows entries and an expert map's dropped slots.
  sanitize memcheck permutation combine_slot_rows_deepseek_v3 33 out-of-range
  sanitize memcheck permutation permute_indices_slot_rows_expert_map_qwen3 33
  # The fused routing kernel (its ticket counter and last-block sort) under
  # memcheck and racecheck, through the A/B script at a few T.
  if command -v compute-sanitizer >/dev/null && python3 -c "import torch" 2>/dev/null; then
    for tool in memcheck racecheck; do
      if compute-sanitizer --tool "$tool" --error-exitcode 9 python3 \
           "$ROOT/test/GPU/fused_routing_ab.py" --artifacts "$ART" --runtime "$BUILD" \
           --tokens 1 7 33 --only routing_qwen3_permute routing_deepseek_v3_align \
           >>"$LOG/$tool.log" 2>&1; then
        echo "$tool clean: fused routing" | tee -a "$summary"; pass=$((pass + 1))
      else
        echo "$tool FAIL: fused routing" | tee -a "$summary"; fail=$((fail + 1))
      fi
    done
  fi
fi
echo "GPU suite: $pass passed, $fail failed"
[ $fail -eq 0 ]
