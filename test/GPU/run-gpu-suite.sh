#!/usr/bin/env bash
# The GPU suite, run on a GPU host from a checkout plus artifacts/ compiled
# elsewhere (utils/build-gpu-artifacts.sh). Builds the runtime-only
# configuration (no MLIR, no CUDA toolkit), runs the runtime's unit tests,
# then moe-runner over every suite function at every token count and edge
# case, and compute-sanitizer memcheck on a subset.
# Usage: test/GPU/run-gpu-suite.sh [ARTIFACTS] [LOGDIR]
# Environment: TOKENS (default "1 32 256 2048 8192"), QUICK=1 (fewer runs),
# SANITIZER=0 to skip compute-sanitizer.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=${1:-$ROOT/artifacts}
LOG=${2:-${OUT:-$ROOT/gpu-logs}}
TOKENS=${TOKENS:-"1 32 256 2048 8192"}
mkdir -p "$LOG"
BUILD=${BUILD:-/tmp/moe-rt-build}

echo "== runtime-only build (no MLIR, no CUDA toolkit)"
if ! { cmake -S "$ROOT" -B "$BUILD" -DMOE_BUILD_COMPILER=OFF \
         -DCMAKE_BUILD_TYPE=Release >"$LOG/build.log" 2>&1 &&
       cmake --build "$BUILD" -j "$(nproc)" >>"$LOG/build.log" 2>&1; }; then
  tail -30 "$LOG/build.log"
  echo "runtime-only build FAILED"
  exit 1
fi
echo "runtime-only build ok"
RUNNER=$BUILD/tools/moe-runner/moe-runner
if [ -x "$BUILD/unittests/Runtime/MoeRuntimeTests" ]; then
  "$BUILD/unittests/Runtime/MoeRuntimeTests" >"$LOG/runtime-tests.log" 2>&1
  echo "runtime unit tests: $(tail -1 "$LOG/runtime-tests.log")"
else
  echo "runtime unit tests: not built (no GoogleTest on this host)"
fi

pass=0
fail=0
summary=$LOG/summary.txt
: >"$summary"
run() { # prefix function tokens case [iters]
  local line
  line=$("$RUNNER" "$ART/$1" --function "$2" --tokens "$3" --case "$4" \
           --iters "${5:-${ITERS:-10}}" --seed $((RANDOM + 1)) 2>>"$LOG/runner-stderr.log")
  local rc=$?
  [ -n "$line" ] || line="FAIL $1:$2 T=$3 case=$4 (no output, exit $rc)"
  echo "$line" >>"$summary"
  if [ $rc -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "$line"; fi
}

models="mixtral qwen3 deepseek_v3 kimi_k2"
for T in $TOKENS; do
  for m in $models; do
    run routing "gate_$m" "$T" random
    run permutation "align_$m" "$T" random
    run permutation "permute_$m" "$T" random
    run permutation "combine_$m" "$T" random
    run norm-and-activation "silu_and_mul_$m" "$T" random
  done
  run norm-and-activation rms_norm_bagel_mot "$T" random
  run norm-and-activation rms_norm_deepseek_v3 "$T" random
  run norm-and-activation rms_norm_odd_f32 "$T" random
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
done
run norm-and-activation rms_norm_bagel_mot 256 out-of-range 3
# The simple GEMM path (the fast path is issue 4): small token counts.
for T in 1 32; do
  run gemm gemm1_qwen3 "$T" random 3
  run gemm gemm2_qwen3 "$T" random 3
  run gemm gemm1_gathered_qwen3 "$T" random 3
  run gemm mot_qkv_bagel "$T" random 3
done
run gemm gemm1_qwen3 32 empty-experts 3
run gemm gemm1_qwen3 32 one-expert 3

if [ "${SANITIZER:-1}" = 1 ] && command -v compute-sanitizer >/dev/null; then
  echo "== compute-sanitizer memcheck"
  for spec in "routing gate_deepseek_v3" "permutation permute_qwen3" \
              "permutation align_kimi_k2" "permutation combine_mixtral" \
              "norm-and-activation rms_norm_bagel_mot" \
              "norm-and-activation silu_and_mul_qwen3" "gemm gemm1_gathered_qwen3"; do
    set -- $spec
    compute-sanitizer --tool memcheck --error-exitcode 9 \
      "$RUNNER" "$ART/$1" --function "$2" --tokens 33 --iters 1 \
      >>"$LOG/memcheck.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
      echo "memcheck clean: $2" | tee -a "$summary"; pass=$((pass + 1))
    else
      echo "memcheck FAIL (exit $rc): $2" | tee -a "$summary"; fail=$((fail + 1))
    fi
  done
fi
echo "GPU suite: $pass passed, $fail failed"
[ $fail -eq 0 ]
