#!/usr/bin/env bash
# A/B comparison of artifact sets on the GPU host: the project benchmark
# (test/GPU/bench_layers.py: layers and their two GEMMs in CUDA graphs, L2
# flushed, beside torch and the floors) once per artifact folder, in one
# process after another on the same warm GPU, so the ratios between the
# folders are comparable. Each folder is compiled on the build machine,
# e.g. `MOE_PIPELINE_OPTIONS=config-table=t.txt utils/build-gpu-artifacts.sh
# artifacts-t` (only the .so and .manifest files are needed here).
# A variant may add environment settings of the runtime after commas, e.g.
# `artifacts,MOE_PROGRAMMATIC_LAUNCH=0` (the same artifacts launched
# without programmatic stream serialization); list a variant twice to
# alternate, e.g. A B A B (each run gets its own numbered folder).
# Usage: test/GPU/bench-variants.sh LOGDIR VARIANT... [-- bench_layers args]
# Output: LOGDIR/<n>-<variant>/bench-*.md|png, LOGDIR/variants.md (the
# layer and GEMM tables of every variant, one after another).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOG=$1
shift
folders=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  folders+=("$1")
  shift
done
[ "${1:-}" = "--" ] && shift
mkdir -p "$LOG"
source "$ROOT/test/GPU/common.sh"
build_runtime
status=0
: >"$LOG/variants.md"
run=0
for variant in "${folders[@]}"; do
  IFS=, read -r -a parts <<<"$variant"
  art=${parts[0]}
  settings=("${parts[@]:1}")
  run=$((run + 1))
  name=$run-$(basename "$art")
  for setting in "${settings[@]}"; do name+=-${setting//[^A-Za-z0-9_.]/_}; done
  echo "== $name"
  env "${settings[@]}" python3 "$ROOT/test/GPU/bench_layers.py" --artifacts "$art" \
    --runtime "$BUILD" --out "$LOG/$name" "$@" >"$LOG/$name.log" 2>&1 || status=1
  tail -3 "$LOG/$name.log"
  for table in bench-layers.md bench-gemms.md; do
    [ -f "$LOG/$name/$table" ] && { echo "## $name: $table"; cat "$LOG/$name/$table"; echo; } \
      >>"$LOG/variants.md"
  done
done
exit $status
