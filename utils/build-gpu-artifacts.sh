#!/usr/bin/env bash
# Compiles the GPU suite (test/GPU/suite/*.mlir) into artifacts/ on the build
# machine (no GPU needed): one .so + .manifest per file; and the upstream-ABI
# programs (test/GPU/upstream-abi/*.mlir, stock mlir-opt) into
# artifacts/upstream-abi/. The GPU host then runs test/GPU/run-gpu-suite.sh
# over them (carry artifacts/ along).
# Environment: MOE_COMPILE or MOE_OPT (as utils/moe-compile.sh takes them),
# FORMAT (isa|bin|fatbin; default fatbin when ptxas is found, else isa),
# BUILD_DIR (default build: its moe Python package compiles torch-ops.*,
# the kernels of python/tests/gpu, for test/GPU/run-python-tests.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/artifacts}
if [ -z "${FORMAT:-}" ]; then
  if command -v ptxas >/dev/null || [ -x /usr/local/cuda/bin/ptxas ]; then
    FORMAT=fatbin
  else
    FORMAT=isa
  fi
fi
export PATH=$PATH:/usr/local/cuda/bin
mkdir -p "$OUT"
# The suites' functions, and the example layers the GEMM suite runs whole
# (every model shape: test/GPU/layer_vs_torch.py; about 0.4 MB each).
for input in "$ROOT"/test/GPU/suite/*.mlir "$ROOT"/examples/qwen3-30b-a3b.mlir \
             "$ROOT"/examples/mixtral-8x7b.mlir "$ROOT"/examples/deepseek-v3.mlir \
             "$ROOT"/examples/kimi-k2.mlir "$ROOT"/examples/bagel-mot.mlir \
             "$ROOT"/examples/gpt-oss-20b.mlir "$ROOT"/examples/glm-4.5-air.mlir \
             "$ROOT"/examples/llama-4-scout.mlir "$ROOT"/examples/qwen3-next-80b-a3b.mlir \
             "$ROOT"/examples/bagel-mot-mlp.mlir "$ROOT"/test/GPU/Inputs/forms.mlir; do
  "$ROOT/utils/moe-compile.sh" --format "$FORMAT" "$input" "$OUT" >/dev/null
  echo "compiled $(basename "$input") ($FORMAT)"
done
# The fused routing kernel up to one block's sort (4096 slots; the default
# bound is 512) and its reference: the same suite file with the gate and the
# sorts in their own kernels (test/GPU/fused_routing_ab.py).
"$ROOT/utils/moe-compile.sh" --format "$FORMAT" \
  --pipeline-options "fuse-routing=1 fuse-routing-max-slots=4096" \
  "$ROOT/test/GPU/suite/fused-routing.mlir" "$OUT" >/dev/null
"$ROOT/utils/moe-compile.sh" --format "$FORMAT" --name fused-routing-unfused \
  --pipeline-options "fuse-routing=0" "$ROOT/test/GPU/suite/fused-routing.mlir" \
  "$OUT" >/dev/null
echo "compiled fused-routing.mlir fused up to 4096 slots and unfused ($FORMAT)"
# DeepSeek-V3's fp8_block layer, for test/GPU/bench_fp8_layer.py; the
# weight-only Qwen3-30B-A3B layers (int4 in both forms, int8), which the
# GEMM suite runs whole (run_weight_only_gemms, test/GPU/common.sh).
for input in deepseek-v3-fp8 qwen3-30b-a3b-int4 qwen3-30b-a3b-int8; do
  "$ROOT/utils/moe-compile.sh" --format "$FORMAT" \
    "$ROOT/examples/quantized/$input.mlir" "$OUT" >/dev/null
  echo "compiled quantized/$input.mlir ($FORMAT)"
done
# IR of our own in upstream dialects through the stock mlir-opt's
# gpu-lower-to-nvvm-pipeline, for test/GPU/upstream_abi_tests.py.
FORMAT=$FORMAT "$ROOT/utils/build-upstream-abi-artifacts.sh" "$OUT/upstream-abi"
# A module for the wrong chip, for test/GPU/fault_tests.py: an sm_80 cubin
# (no PTX to JIT-compile) that a Hopper GPU must refuse.
if [ "$FORMAT" != isa ]; then
  "$ROOT/utils/moe-compile.sh" --chip sm_80 --format bin \
    "$ROOT/test/GPU/suite/norm-and-activation.mlir" "$OUT/sm80" >/dev/null
  echo "compiled norm-and-activation.mlir for sm_80 (bin; the fault tests' wrong chip)"
fi
# The kernels of the moe.torch GPU tests, with the Python package of the
# build (its compiler extension, for the python3 it was built for).
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
PYTHON=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
if [ -n "$PYTHON" ] && PYTHONPATH=$BUILD_DIR/python "$PYTHON" -c \
     "import moe, sys; sys.exit(0 if moe.available() else 1)" 2>/dev/null; then
  PYTHONPATH=$BUILD_DIR/python "$PYTHON" "$ROOT/python/tests/gpu/make_artifacts.py" \
    --format "$FORMAT" "$OUT" >/dev/null
  echo "compiled torch-ops (python/tests/gpu/shapes.py, $FORMAT)"
else
  echo "torch-ops not compiled: $BUILD_DIR has no moe._compiler (pybind11-dev," \
    "python3-dev); test/GPU/run-python-tests.sh needs it" >&2
fi
