#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   utils/bootstrap.sh example  install deps, build, compile an example MoE
#                               layer through the pipeline and print the result
#   utils/bootstrap.sh test     install deps, build, run every test (check-moe)
#   utils/bootstrap.sh deps     only install the Debian packages
#   utils/bootstrap.sh build    only configure and build
# Environment: BUILD_DIR (default build), JOBS (default: all cores).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}
PACKAGES=(cmake ninja-build ccache g++ python3
          llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
          libgtest-dev libgmock-dev)

log() { printf '==> %s\n' "$*" >&2; }

install_deps() {
  local missing=()
  for pkg in "${PACKAGES[@]}"; do
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
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
  log "building with $JOBS jobs"
  ninja -C "$BUILD_DIR" -j "$JOBS"
}

run_example() {
  local example=$ROOT/examples/qwen3-30b-a3b.mlir
  log "compiling $example"
  "$BUILD_DIR/bin/moe-opt" "$example" --moe-decompose-fused-moe --canonicalize
  log "the GPU pipeline (lowering to PTX and running on an H100) is not built yet"
}

case "${1:-}" in
  deps) install_deps ;;
  build) install_deps; configure_and_build ;;
  test) install_deps; configure_and_build; ninja -C "$BUILD_DIR" check-moe ;;
  example) install_deps; configure_and_build; run_example ;;
  *) sed -n '2,9p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
