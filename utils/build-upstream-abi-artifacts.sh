#!/usr/bin/env bash
# Compiles the upstream-ABI programs (test/GPU/upstream-abi/*.mlir: upstream
# dialects only, no moe ops) with the stock MLIR tools of the LLVM
# installation, on the build machine (no GPU needed), into one shared library
# each, OUT/<name>.so, linked as moe-compile links its artifacts: a
# position-independent host object (llc -O2) linked -shared by the system
# compiler driver, the mgpu* calls of the generated code left unresolved for
# libMoeRuntime.so (loaded first, RTLD_GLOBAL) to provide at load time. The
# GPU host runs them with test/GPU/upstream_abi_tests.py.
#   mlir-opt --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a
#            cubin-features=+ptx80 cubin-format=FORMAT"
#   mlir-translate --mlir-to-llvmir | llc -O2 -relocation-model=pic | c++ -shared
# Usage: build-upstream-abi-artifacts.sh [OUT]  (default artifacts/upstream-abi)
# Environment: LLVM_BIN (default: llvm-config's bindir, else
# /usr/lib/llvm-22/bin), FORMAT (isa|bin|fatbin; default fatbin when ptxas
# is found, else isa: PTX that the driver JIT-compiles), CXX (default c++).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/artifacts/upstream-abi}
if [ -z "${LLVM_BIN:-}" ]; then
  if command -v llvm-config-22 >/dev/null; then
    LLVM_BIN=$(llvm-config-22 --bindir)
  else
    LLVM_BIN=/usr/lib/llvm-22/bin
  fi
fi
for tool in mlir-opt mlir-translate llc; do
  if [ ! -x "$LLVM_BIN/$tool" ]; then
    echo "build-upstream-abi-artifacts: no $LLVM_BIN/$tool (set LLVM_BIN)" >&2
    exit 1
  fi
done
# gpu-module-to-binary finds ptxas in PATH or the CUDA toolkit.
export PATH=$PATH:/usr/local/cuda/bin
if [ -z "${FORMAT:-}" ]; then
  if command -v ptxas >/dev/null; then FORMAT=fatbin; else FORMAT=isa; fi
fi
CXX=${CXX:-c++}
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for input in "$ROOT"/test/GPU/upstream-abi/*.mlir; do
  name=$(basename "$input" .mlir)
  "$LLVM_BIN/mlir-opt" "$input" --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a \
cubin-features=+ptx80 cubin-format=$FORMAT" -o "$WORK/$name.llvm.mlir"
  "$LLVM_BIN/mlir-translate" --mlir-to-llvmir "$WORK/$name.llvm.mlir" \
    -o "$WORK/$name.ll"
  "$LLVM_BIN/llc" -O2 -filetype=obj -relocation-model=pic "$WORK/$name.ll" \
    -o "$WORK/$name.o"
  "$CXX" -shared "$WORK/$name.o" -o "$OUT/$name.so"
  echo "compiled upstream-abi/$name.mlir ($FORMAT, stock mlir-opt)"
done
