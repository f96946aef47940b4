#!/usr/bin/env bash
# Profiles the kernels of suite GEMMs with Nsight Compute on the GPU host
# (METHOD.md: find what bounds a kernel before changing it). For each
# MODEL:GEMM:T it runs test/GPU/gemm_vs_torch.py on the GEMM alone and
# records the first LAUNCHES launches of that function's kernels (the
# schedule kernel, the GEMM, its gated fallback, a split-K reduction, ...)
# with the sections that say what bounds them.
# Usage: test/GPU/ncu-gemm.sh ARTIFACTS LOGDIR MODEL:GEMM:T...
#   e.g. test/GPU/ncu-gemm.sh artifacts out mixtral:2:1 deepseek_v3:2:1
# Environment: LAUNCHES (default 4), NCU (default ncu), BUILD (runtime
# build folder, as common.sh), SECTIONS (the ncu sections, default the
# bounds below; e.g. SECTIONS="SpeedOfLight WarpStateStats SourceCounters"
# for the stall reasons by instruction), VARIANT (a suffix of the function
# names, as gemm_vs_torch.py's --variant) and ARTIFACT (an artifact prefix
# other than ARTIFACTS/gemm, e.g. ARTIFACTS/gemm-cluster).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=$1
LOG=$2
shift 2
source "$ROOT/test/GPU/common.sh"
build_runtime
status=0
for spec in "$@"; do
  IFS=: read -r model gemm tokens <<<"$spec"
  name=gemm${gemm}_${model}
  echo "== $name T=$tokens"
  sections=()
  for section in ${SECTIONS:-SpeedOfLight MemoryWorkloadAnalysis WarpStateStats \
                   SchedulerStats LaunchStats Occupancy}; do
    sections+=(--section "$section")
  done
  "${NCU:-ncu}" --clock-control none "${sections[@]}" \
    -c "${LAUNCHES:-4}" -k "regex:$name" \
    python3 "$ROOT/test/GPU/gemm_vs_torch.py" --artifacts "$ART" \
    --artifact "${ARTIFACT:-$ART/gemm}" --variant "${VARIANT:-}" \
    --runtime "$BUILD" --models "$model" --gemms "$gemm" --tokens "$tokens" \
    --iters 2 --warmup 0 >"$LOG/ncu-$name-t$tokens.txt" 2>&1 || status=1
  grep -E "^  [a-z_0-9]+.*\(|Duration|DRAM Throughput|Memory Throughput" \
    "$LOG/ncu-$name-t$tokens.txt" | head -24
done
exit $status
