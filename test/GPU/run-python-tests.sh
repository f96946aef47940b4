#!/usr/bin/env bash
# The moe Python package on a GPU host, from a checkout plus artifacts/
# compiled elsewhere (utils/build-gpu-artifacts.sh, which also writes
# artifacts/torch-ops.* with python/tests/gpu/make_artifacts.py). Builds the
# runtime-only configuration (it lays out BUILD/python/moe, without the
# compiler), then runs with pytest:
#   python/tests/gpu   moe.torch ops on a Qwen3-30B-A3B layer against a torch
#                      reference, eager, in torch.compile and in a captured
#                      CUDA graph; MoeBlock from Hugging Face state dicts
#   python/tests       the CPU tests against the runtime-only package (those
#                      that compile skip: no compiler here)
# Needs python3 with torch (>= 2.4) and pytest.
# Usage: test/GPU/run-python-tests.sh [ARTIFACTS] [LOGDIR]
# Environment: PYTHON (default python3), PYTEST_ARGS (e.g. "-k graph").
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ART=$(cd "${1:-$ROOT/artifacts}" && pwd)
LOG=${2:-${OUT:-$ROOT/gpu-logs}}
PYTHON=${PYTHON:-python3}
source "$ROOT/test/GPU/common.sh"
build_runtime

if [ ! -f "$ART/torch-ops.manifest" ]; then
  echo "no $ART/torch-ops.manifest: run utils/build-gpu-artifacts.sh on the" \
    "build machine and copy artifacts/ here"
  exit 1
fi
if ! "$PYTHON" -c "import pytest, torch" 2>/dev/null; then
  echo "$PYTHON lacks pytest or torch"
  exit 1
fi

export PYTHONPATH=$BUILD/python
export MOE_ARTIFACT_PATH=$ART
export MOE_CACHE_DIR=$LOG/moe-cache
status=0
echo "== python/tests/gpu (moe.torch on the GPU)"
"$PYTHON" -m pytest -v -rs -p no:cacheprovider ${PYTEST_ARGS:-} \
  --junitxml="$LOG/python-gpu.xml" "$ROOT/python/tests/gpu" \
  >"$LOG/python-gpu.log" 2>&1 || status=1
tail -n 30 "$LOG/python-gpu.log"
echo "== python/tests (CPU tests, runtime-only package)"
"$PYTHON" -m pytest -q -rs -p no:cacheprovider --ignore="$ROOT/python/tests/gpu" \
  "$ROOT/python/tests" >"$LOG/python-cpu.log" 2>&1 || status=1
tail -n 15 "$LOG/python-cpu.log"
[ $status -eq 0 ] && echo "python tests: passed" || echo "python tests: FAILED"
exit $status
