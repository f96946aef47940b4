#!/usr/bin/env bash
# Runs the fuzz targets of a MOE_BUILD_FUZZERS build (utils/bootstrap.sh
# fuzz) for a bounded time each, starting from the seed corpus
# (make-seed-corpus.py) and the committed regressions (fuzz/regressions).
# A crash fails the run; its input is printed (base64) and kept under
# BUILD_DIR/fuzz/crashes/<target>/, to be added to fuzz/regressions/<target>
# with the fix (docs/Testing.md).
# Usage: fuzz/run-fuzzers.sh BUILD_DIR [SECONDS_PER_TARGET [TARGET...]]
# Targets: mlir config-table manifest module-image (default: all).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -lt 1 ]; then
  sed -n '8,9p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
targets=(mlir config-table manifest module-image)
[ $# -eq 0 ] || targets=("$@")
work=$build/fuzz

python3 "$ROOT/fuzz/make-seed-corpus.py" "$ROOT" "$work/seeds" \
  --moe-opt "$build/bin/moe-opt"

failed=()
for target in "${targets[@]}"; do
  fuzzer=$build/bin/moe-fuzz-$target
  corpus=$work/corpus/$target
  crashes=$work/crashes/$target
  mkdir -p "$corpus" "$crashes" "$work/seeds/$target"
  options=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096
           -print_final_stats=1 -artifact_prefix="$crashes/")
  [ -f "$ROOT/fuzz/$target.dict" ] && options+=(-dict="$ROOT/fuzz/$target.dict")
  echo "==> fuzzing $target for ${seconds}s" >&2
  # New inputs go to the first corpus directory, in the build tree.
  if "$fuzzer" "${options[@]}" "$corpus" "$work/seeds/$target" \
      "$ROOT/fuzz/regressions/$target" >"$work/$target.log" 2>&1; then
    awk -v t="$target" '
      /stat::number_of_executed_units/ { runs = $NF }
      /stat::average_exec_per_sec/ { rate = $NF }
      /stat::new_units_added/ { added = $NF }
      END { printf "    %s: %d runs, %d/s, %d new inputs, no crash\n",
                   t, runs, rate, added }' "$work/$target.log" >&2
  else
    failed+=("$target")
    tail -n 80 "$work/$target.log" >&2
    for input in "$crashes"/*; do
      [ -f "$input" ] || continue
      echo "==> $target: input kept as $input (base64):" >&2
      base64 "$input" | head -c 65536 >&2
      echo >&2
    done
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "==> fuzz targets that failed: ${failed[*]} (logs in $work)" >&2
  exit 1
fi
