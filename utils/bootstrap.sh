#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   utils/bootstrap.sh example  install deps, build, compile an example MoE
#                               layer through the pipeline and print the result
#   utils/bootstrap.sh test     install deps, build, run every test (check-moe)
#   utils/bootstrap.sh deps     only install the Debian packages
#   utils/bootstrap.sh build    only configure and build
#   utils/bootstrap.sh sanitize build with ASan + UBSan, assertions and the
#                               fuzz targets (clang) in SAN_BUILD_DIR and run
#                               every test there (check-moe)
#   utils/bootstrap.sh fuzz [S] that build, then each fuzz target for S
#                               seconds (default 60; docs/Testing.md)
# Environment: BUILD_DIR (default build), SAN_BUILD_DIR (default build-san),
# JOBS (default: all cores).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SAN_BUILD_DIR=${SAN_BUILD_DIR:-$ROOT/build-san}
JOBS=${JOBS:-$(nproc)}
PACKAGES=(cmake ninja-build ccache g++ python3
          llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
          libgtest-dev libgmock-dev
          pybind11-dev python3-dev python3-pytest)
# clang and its sanitizer and libFuzzer runtimes, for sanitize and fuzz.
SANITIZER_PACKAGES=(clang-22 libclang-rt-22-dev)

# The moe Python package's extension is built for Debian's python3, the one
# that has the packages above (another python3 earlier in PATH would not).
PYTHON_ARGS=()
[ -x /usr/bin/python3 ] && PYTHON_ARGS=(-DPython3_EXECUTABLE=/usr/bin/python3)

log() { printf '==> %s\n' "$*" >&2; }

install_deps() {
  local missing=()
  for pkg in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
      missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages present"
    return
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

configure_and_build() {
  log "configuring $BUILD_DIR"
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit "${PYTHON_ARGS[@]}" >/dev/null
  log "building with $JOBS jobs"
  ninja -C "$BUILD_DIR" -j "$JOBS"
}

# The sanitizer build: clang, ASan + UBSan with assertions on, and the fuzz
# targets as libFuzzer binaries. -O1 keeps it fast to build and to run.
configure_and_build_sanitized() {
  log "configuring $SAN_BUILD_DIR (ASan + UBSan, fuzz targets)"
  cmake -G Ninja -S "$ROOT" -B "$SAN_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DCMAKE_C_COMPILER=/usr/lib/llvm-22/bin/clang \
    -DCMAKE_CXX_COMPILER=/usr/lib/llvm-22/bin/clang++ \
    -DMOE_ENABLE_SANITIZERS=ON -DMOE_BUILD_FUZZERS=ON \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
  log "building $SAN_BUILD_DIR with $JOBS jobs"
  ninja -C "$SAN_BUILD_DIR" -j "$JOBS"
}

run_example() {
  local example=$ROOT/examples/qwen3-30b-a3b.mlir
  local out=$BUILD_DIR/example
  log "the layer: $example"
  sed -n '/func.func/,$p' "$example"
  log "after moe-decompose-fused-moe (tensor level)"
  "$BUILD_DIR/bin/moe-opt" "$example" --moe-decompose-fused-moe --canonicalize
  log "compiling through --moe-to-nvvm into $out"
  MOE_OPT=$BUILD_DIR/bin/moe-opt "$ROOT/utils/moe-compile.sh" "$example" "$out"
  python3 "$ROOT/utils/extract-ptx.py" --split "$out/ptx" \
    "$out/qwen3-30b-a3b.llvm.mlir"
  log "generated kernels (PTX under $out/ptx):"
  for ptx in "$out"/ptx/*.ptx; do
    printf '  %-40s %6d lines\n' "$(basename "$ptx")" "$(wc -l <"$ptx")"
  done
  log "entry points and arguments ($out/qwen3-30b-a3b.manifest):"
  cat "$out/qwen3-30b-a3b.manifest"
  if ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; then
    log "running it on the GPU"
    "$BUILD_DIR/tools/moe-runner/moe-runner" "$out/qwen3-30b-a3b" \
      --function qwen3_moe --tokens 32
  else
    log "no NVIDIA driver here: copy $out to a GPU host and run moe-runner" \
      "(docs/Artifacts.md)"
  fi
}

case "${1:-}" in
  deps) install_deps ;;
  build) install_deps; configure_and_build ;;
  test) install_deps; configure_and_build; ninja -C "$BUILD_DIR" check-moe ;;
  example) install_deps; configure_and_build; run_example ;;
  sanitize)
    install_deps "${SANITIZER_PACKAGES[@]}"
    configure_and_build_sanitized
    ninja -C "$SAN_BUILD_DIR" check-moe ;;
  fuzz)
    install_deps "${SANITIZER_PACKAGES[@]}"
    configure_and_build_sanitized
    "$ROOT/fuzz/run-fuzzers.sh" "$SAN_BUILD_DIR" "${2:-60}" ;;
  *) sed -n '2,15p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
