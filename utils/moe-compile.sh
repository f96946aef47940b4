#!/usr/bin/env bash
# Compiles a .mlir file of moe entry points into a loadable GPU artifact, on a
# machine without a GPU:
#   OUT/<name>.so         host code with the kernels embedded; exports
#                         _mlir_ciface_<function> and calls the runtime's
#                         mgpu* functions (resolved from libMoeRuntime.so)
#   OUT/<name>.manifest   entry points, argument shapes/dtypes and ops, for
#                         moe-runner on the GPU host
#   OUT/<name>.llvm.mlir  the lowered IR, for inspection
# Usage: moe-compile.sh [--chip sm_90a] [--format isa|bin|fatbin] IN.mlir OUT
# Environment: MOE_OPT (default build/bin/moe-opt), LLVM_BIN
# (default /usr/lib/llvm-22/bin), CXX (default c++), MOE_PIPELINE_OPTIONS
# (more --moe-to-nvvm options, e.g. "warp-specialize=1").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOE_OPT=${MOE_OPT:-$ROOT/build/bin/moe-opt}
LLVM_BIN=${LLVM_BIN:-/usr/lib/llvm-22/bin}
CXX=${CXX:-c++}
chip=sm_90a
format=isa

while [ $# -gt 0 ]; do
  case "$1" in
    --chip) chip=$2; shift 2 ;;
    --format) format=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
if [ $# -ne 2 ]; then
  sed -n '10p' "$0" >&2
  exit 2
fi
input=$1
out=$2
name=$(basename "$input" .mlir)
mkdir -p "$out"

"$MOE_OPT" "$input" \
  --moe-export-manifest="path=$out/$name.manifest" \
  --moe-to-nvvm="chip=$chip format=$format ${MOE_PIPELINE_OPTIONS:-}" \
  -o "$out/$name.llvm.mlir"
"$LLVM_BIN/mlir-translate" --mlir-to-llvmir "$out/$name.llvm.mlir" \
  -o "$out/$name.ll"
"$LLVM_BIN/llc" -O2 -filetype=obj -relocation-model=pic "$out/$name.ll" \
  -o "$out/$name.o"
"$CXX" -shared "$out/$name.o" -o "$out/$name.so"
rm -f "$out/$name.ll" "$out/$name.o"
echo "$out/$name.so"
