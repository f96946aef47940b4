#!/usr/bin/env bash
# Compiles a .mlir file of moe entry points into a loadable GPU artifact, on a
# machine without a GPU, with the moe-compile tool (tools/moe-compile; the
# compile call of include/moe/Compile/Compile.h):
#   OUT/<name>.so         host code with the kernels embedded; exports
#                         _mlir_ciface_<function> and calls the runtime's
#                         mgpu* functions (resolved from libMoeRuntime.so)
#   OUT/<name>.manifest   entry points, argument shapes/dtypes and ops, for
#                         moe-runner on the GPU host
#   OUT/<name>.llvm.mlir  the lowered IR, for inspection
# Usage: moe-compile.sh [--chip sm_90a] [--format isa|bin|fatbin] IN.mlir OUT
# Environment: MOE_COMPILE (default: moe-compile beside MOE_OPT when that is
# set, else build/bin/moe-compile), CXX (default c++), MOE_PIPELINE_OPTIONS
# (more --moe-to-nvvm options, e.g. "warp-specialize=1").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${MOE_COMPILE:-}" ]; then
  if [ -n "${MOE_OPT:-}" ]; then
    MOE_COMPILE=$(dirname "$MOE_OPT")/moe-compile
  else
    MOE_COMPILE=$ROOT/build/bin/moe-compile
  fi
fi
case "${1:-}" in
  -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
esac
exec "$MOE_COMPILE" "$@"
