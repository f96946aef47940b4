#!/usr/bin/env bash
# DRAM and L2 traffic of one suite GEMM's kernels on the GPU host: Nsight
# Compute's byte counters (not the sections of ncu-gemm.sh), enough to see
# whether a GEMM reads more than its compulsory bytes (W of the experts with
# rows, A, the out) and how much of it hits L2. For each MODEL:GEMM:T it
# runs test/GPU/gemm_vs_torch.py once under ncu (cache flushed before each
# kernel, ncu's default) and prints the counters of the launches.
# Usage: test/GPU/ncu-dram.sh ARTIFACTS LOGDIR MODEL:GEMM:T... [-- gemm_vs_torch args]
#   e.g. test/GPU/ncu-dram.sh artifacts out deepseek_v3:1:8192
#        test/GPU/ncu-dram.sh artifacts out deepseek_v3:1:8192 -- --rows-per-expert 256
# Environment: NCU (default ncu), BUILD (runtime build folder, as common.sh),
# ARTIFACT (an artifact prefix other than ARTIFACTS/gemm), LAUNCHES (default 3).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=$1
LOG=$2
shift 2
specs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  specs+=("$1")
  shift
done
[ "${1:-}" = "--" ] && shift
source "$ROOT/test/GPU/common.sh"
build_runtime
metrics=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum
metrics+=,dram__throughput.avg.pct_of_peak_sustained_elapsed
metrics+=,lts__t_sector_hit_rate.pct,lts__t_bytes.sum
status=0
for spec in "${specs[@]}"; do
  IFS=: read -r model gemm tokens <<<"$spec"
  name=gemm${gemm}_${model}
  report=$LOG/ncu-dram-$name-t$tokens.txt
  echo "== $name T=$tokens $*"
  "${NCU:-ncu}" --clock-control none --metrics "$metrics" -c "${LAUNCHES:-3}" \
    -k "regex:$name" python3 "$ROOT/test/GPU/gemm_vs_torch.py" --artifacts "$ART" \
    --artifact "${ARTIFACT:-$ART/gemm}" --runtime "$BUILD" --models "$model" \
    --gemms "$gemm" --tokens "$tokens" --iters 1 --warmup 0 --out "$LOG/ncu-dram-$name" \
    "$@" >"$report" 2>&1 || status=1
  grep -E "^  $name|gpu__time|dram__|lts__t|PASS|FAIL" "$report" | head -30
done
exit $status
