#!/usr/bin/env bash
# Compiles the four example layers (Qwen3-30B-A3B, Mixtral-8x7B,
# DeepSeek-V3, Kimi-K2) with extra pipeline options into OUT, for an A/B of
# whole layers on the GPU host: test/GPU/bench-variants.sh LOG artifacts OUT
# -- --no-gemms (bench_layers.py reads <model>.so + .manifest only).
# GEMMS=1 also compiles the GPU suite's gemm artifact (test/GPU/suite/
# gemm.mlir: the models' gemm1_<model>/gemm2_<model>, which bench_layers.py
# times alone without --no-gemms) with the same options, so that the
# variants compare GEMM by GEMM too.
# Usage: [GEMMS=1] utils/build-layer-variant.sh OUT "PIPELINE OPTIONS"
#   e.g. utils/build-layer-variant.sh stream \
#          "config-table=test/GPU/variants/stream-decode.txt gather-token-rows=1"
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:?usage: build-layer-variant.sh OUT "PIPELINE OPTIONS"}
OPTIONS=${2:-}
export PATH=$PATH:/usr/local/cuda/bin
FORMAT=${FORMAT:-fatbin}
command -v ptxas >/dev/null || FORMAT=isa
mkdir -p "$OUT"
for model in qwen3-30b-a3b mixtral-8x7b deepseek-v3 kimi-k2; do
  "$ROOT/utils/moe-compile.sh" --format "$FORMAT" --pipeline-options "$OPTIONS" \
    "$ROOT/examples/$model.mlir" "$OUT" >/dev/null
  rm -f "$OUT/$model.llvm.mlir"
  echo "compiled $model ($FORMAT, $OPTIONS)"
done
if [ "${GEMMS:-0}" = 1 ]; then
  "$ROOT/utils/moe-compile.sh" --format "$FORMAT" --pipeline-options "$OPTIONS" \
    "$ROOT/test/GPU/suite/gemm.mlir" "$OUT" >/dev/null
  rm -f "$OUT/gemm.llvm.mlir"
  echo "compiled the gemm suite ($FORMAT, $OPTIONS)"
fi
