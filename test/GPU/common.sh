# Shared by the GPU suites (sourced): the runtime-only build, and `run`,
# which runs moe-runner once and counts the result.
# Expects ROOT, ART (artifacts folder) and LOG (log folder) to be set.

BUILD=${BUILD:-/tmp/moe-rt-build}
mkdir -p "$LOG"

# Builds the runtime-only configuration (no MLIR, no CUDA toolkit) and runs
# the runtime's unit tests once per build folder.
build_runtime() {
  echo "== runtime-only build (no MLIR, no CUDA toolkit)"
  if ! { cmake -S "$ROOT" -B "$BUILD" -DMOE_BUILD_COMPILER=OFF \
           -DCMAKE_BUILD_TYPE=Release >"$LOG/build.log" 2>&1 &&
         cmake --build "$BUILD" -j "$(nproc)" >>"$LOG/build.log" 2>&1; }; then
    tail -30 "$LOG/build.log"
    echo "runtime-only build FAILED"
    exit 1
  fi
  echo "runtime-only build ok"
  RUNNER=$BUILD/tools/moe-runner/moe-runner
  if [ -x "$BUILD/unittests/Runtime/MoeRuntimeTests" ]; then
    # A failing unit test fails the suite (counted like any other check).
    if "$BUILD/unittests/Runtime/MoeRuntimeTests" >"$LOG/runtime-tests.log" 2>&1; then
      pass=$((pass + 1))
      echo "runtime unit tests: $(tail -1 "$LOG/runtime-tests.log")"
    else
      fail=$((fail + 1))
      echo "runtime unit tests FAILED:"
      grep -E '^\[  FAILED  \]|Failure$' "$LOG/runtime-tests.log" | head -20
    fi
  else
    echo "runtime unit tests: not built (no GoogleTest on this host)"
  fi
}

pass=0
fail=0
summary=$LOG/summary.txt
: >"$summary"

# run PREFIX FUNCTION TOKENS CASE [ITERS]: one moe-runner process, killed
# after RUN_TIMEOUT seconds (default 120) so that a kernel that hangs (a
# queue or barrier bug) fails its own check instead of the whole suite.
run() {
  local line
  line=$(timeout "${RUN_TIMEOUT:-120}" "$RUNNER" "$ART/$1" --function "$2" --tokens "$3" --case "$4" \
           --iters "${5:-${ITERS:-10}}" --seed $((RANDOM + 1)) 2>>"$LOG/runner-stderr.log")
  local rc=$?
  [ -n "$line" ] || line="FAIL $1:$2 T=$3 case=$4 (no output, exit $rc)"
  echo "$line" >>"$summary"
  if [ $rc -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "$line"; fi
}

# sanitize TOOL PREFIX FUNCTION TOKENS [CASE]: compute-sanitizer on one run.
sanitize() {
  command -v compute-sanitizer >/dev/null || return 0
  timeout "${SANITIZE_TIMEOUT:-300}" compute-sanitizer --tool "$1" --error-exitcode 9 \
    "$RUNNER" "$ART/$2" --function "$3" --tokens "$4" --case "${5:-random}" \
    --iters 1 >>"$LOG/$1.log" 2>&1
  local rc=$?
  if [ $rc -eq 0 ]; then
    echo "$1 clean: $3 T=$4 ${5:-random}" | tee -a "$summary"; pass=$((pass + 1))
  else
    echo "$1 FAIL (exit $rc): $3 T=$4 ${5:-random}" | tee -a "$summary"; fail=$((fail + 1))
  fi
}

# Gathered A (vLLM layout) from the gemm artifact: rows gathered by
# per-thread cp.async into the tiled kernel's ring; with a bias, rows
# without an A row must stay zero.
run_gathered_gemms() {
  for T in 1 32 256 2048; do
    run gemm gemm1_gathered_qwen3 "$T" random 3
  done
  run gemm gemm1_gathered_qwen3 256 out-of-range 3
  for T in 1 37 300; do
    run gemm gemm_gathered_k48_bias_f16 "$T" random 3
  done
  for c in one-expert empty-experts out-of-range unsorted-offsets; do
    run gemm gemm_gathered_k48_bias_f16 300 "$c" 3
  done
}

# The staged epilogue (suite/gemm.mlir *_staged): the Qwen3 shapes with
# partial row tiles, the edge shapes (a partial chunk, rows not 16-byte
# aligned) with every offsets case, memcheck and racecheck.
run_staged_gemms() {
  for T in 1 37 256 2048; do
    run gemm gemm1_qwen3_staged $((T * 8)) random 3
    run gemm gemm2_qwen3_staged $((T * 8)) random 3
  done
  run_gemm_edges gemm gemm_k16_n72_staged
  run_gemm_edges gemm gemm_k48_gated_f16_staged
  if [ "${SANITIZER:-1}" != 0 ]; then
    sanitize memcheck gemm gemm_k48_gated_f16_staged 300 out-of-range
    sanitize memcheck gemm gemm2_qwen3_staged 300
    sanitize racecheck gemm gemm_k16_n72_staged 300
    sanitize racecheck gemm gemm2_qwen3_staged 300
  fi
}

# run_gemm_edges PREFIX FUNCTION: a grouped GEMM at 1, 37, 300 and 1000
# rows, then each edge case of the offsets at 300 rows.
run_gemm_edges() {
  for R in 1 37 300 1000; do
    run "$1" "$2" "$R" random 3
  done
  for c in one-expert empty-experts out-of-range unsorted-offsets; do
    run "$1" "$2" 300 "$c" 3
  done
}

# The stream kernel (suite/stream.mlir, kernel = stream): the decode GEMMs of
# two model shapes from one row to past the decode range, the edge shapes
# and cases, the list that tiles from 64 rows, memcheck and racecheck.
run_stream_gemms() {
  for T in 1 4 32 256; do
    run stream gemm1_qwen3_stream $((T * 8)) random 3
    run stream gemm2_qwen3_stream $((T * 8)) random 3
  done
  for T in 1 16; do
    run stream gemm1_mixtral_stream $((T * 2)) random 3
    run stream gemm2_mixtral_stream $((T * 2)) random 3
  done
  for f in gemm_k1000_gated_stream_f16 gemm_k48_gated_stream_f16 \
           gemm_k2048_gelu_stream_f32 gemm_k1024_stream_then_tiled; do
    run_gemm_edges stream "$f"
  done
  for T in 1 37 300; do
    run stream gemm_gathered_swigluoai_stream "$T" random 3
  done
  for c in one-expert empty-experts out-of-range unsorted-offsets; do
    run stream gemm_gathered_swigluoai_stream 300 "$c" 3
    run stream gemm1_qwen3_stream 256 "$c" 3
  done
  # Weight-only schemes (int4 in both forms, int8).
  for T in 1 4 32; do
    run stream gemm1_qwen3_w4a16_zp_stream $((T * 8)) random 3
    run stream gemm2_qwen3_w4a16_stream $((T * 8)) random 3
    run stream gemm1_qwen3_w8a16_stream $((T * 8)) random 3
  done
  for f in gemm_w4a16_zp_k96_n300_interleaved_stream gemm_w4a16_zp_k336_n80_bias_f16_stream \
           gemm_w8a16_k48_n72_gelu_stream; do
    run_gemm_edges stream "$f"
  done
  for T in 1 37 300; do
    run stream gemm_w4a16_gathered_k256_stream "$T" random 3
    run stream gemm_w4a16_gathered_k256_stream_c4 "$T" random 3
  done
  # One output column a unit (stream_columns = 1).
  for T in 1 4 32; do
    run stream gemm1_qwen3_stream_c1 $((T * 8)) random 3
  done
  run stream gemm1_qwen3_stream_c1 256 empty-experts 3
  if [ "${SANITIZER:-1}" != 0 ]; then
    sanitize memcheck stream gemm_w4a16_zp_k96_n300_interleaved_stream 300 out-of-range
    sanitize memcheck stream gemm_w4a16_gathered_k256_stream 37 random
    sanitize memcheck stream gemm_k1000_gated_stream_f16 300 out-of-range
    sanitize memcheck stream gemm_gathered_swigluoai_stream 37 out-of-range
    sanitize memcheck stream gemm_k48_gated_stream_f16 300 unsorted-offsets
    sanitize racecheck stream gemm_k1000_gated_stream_f16 300
    sanitize racecheck stream gemm_gathered_swigluoai_stream 37
  fi
}

# The GEMMs in 2-block clusters sharing W tiles (suite/gemm-cluster.mlir),
# run by the GEMM suite and, warp-specialized, by run-warp-specialized.sh.
run_cluster_gemms() {
  for T in 1 32 256 2048; do
    run gemm-cluster gemm1_qwen3_cluster2 $((T * 8)) random 3
    run gemm-cluster gemm2_qwen3_cluster2 $((T * 8)) random 3
  done
  run_gemm_edges gemm-cluster gemm_k48_gated_f16_cluster2
}

# The fp8 GEMMs (suite/fp8-gemm.mlir: fp8_block at DeepSeek-V3's shapes
# with 8 experts and edge shapes, fp8_channel and fp8_tensor), run by both
# scripts like the cluster GEMMs.
run_fp8_gemms() {
  for T in 1 32 256; do
    run fp8-gemm gemm1_deepseek_v3_fp8_e8 $((T * 8)) random 3
    run fp8-gemm gemm2_deepseek_v3_fp8_e8 $((T * 8)) random 3
  done
  for f in gemm_fp8_k200_n72_gated gemm_fp8_k336_n80_gated_f16 gemm_fp8_k256_n300_interleaved \
           gemm_fp8_channel_k512_n256_gated gemm_fp8_tensor_k336_n80_f16 \
           gemm_fp8_channel_k512_n256_gated_tiled gemm_fp8_tensor_k336_n80_f16_tiled; do
    run_gemm_edges fp8-gemm "$f"
  done
}

# The weight-only GEMMs and layers (suite/weight-only-gemm.mlir: w4a16,
# w4a16_zp, w8a16 on the simple kernel) against the reference library,
# and the quantized Qwen3-30B-A3B layers (examples/quantized/) whole:
# Qwen3's expert GEMMs at the full 128 experts (R = T * 8 rows), the edge
# shapes at 1, 37, 300 and 1000 rows and every offsets case, the small
# layers at T = 1, 7, 32, 256 and their routing cases, memcheck on a
# partial-group shape. moe-runner draws random packed bytes with an
# all-max and an all-min weight row (nibbles 15 / 0, int8 127 / -128),
# zero points in [0, 15] with 0 and 15 at the first rows' groups,
# positive scales, and poisons the outputs.
run_weight_only_gemms() {
  for T in 1 32 256; do
    run weight-only-gemm gemm1_qwen3_w4a16_zp $((T * 8)) random 3
    run weight-only-gemm gemm2_qwen3_w4a16 $((T * 8)) random 3
    run weight-only-gemm gemm1_qwen3_w8a16 $((T * 8)) random 3
  done
  for f in gemm_w4a16_k200_n72_gated gemm_w4a16_zp_k336_n80_bias_f16 \
           gemm_w4a16_zp_k96_n300_interleaved gemm_w4a16_gathered_k256 \
           gemm_w8a16_k200_n150_f16 gemm_w8a16_k48_n72_gelu; do
    run_gemm_edges weight-only-gemm "$f"
  done
  for f in fused_moe_w4a16_small fused_moe_w4a16_zp_small fused_moe_w8a16_small; do
    for T in 1 7 32 256; do
      run weight-only-gemm "$f" "$T" random 3
    done
    for c in one-expert empty-experts nan-rows; do
      run weight-only-gemm "$f" 256 "$c" 3
    done
  done
  for T in 1 32 256; do
    if [ -f "$ART/qwen3-30b-a3b-int4.so" ]; then
      run qwen3-30b-a3b-int4 qwen3_int4_awq_moe "$T" random 3
      run qwen3-30b-a3b-int4 qwen3_int4_gptq_moe "$T" random 3
    fi
    [ -f "$ART/qwen3-30b-a3b-int8.so" ] && run qwen3-30b-a3b-int8 qwen3_int8_moe "$T" random 3
  done
  if [ "${SANITIZER:-1}" != 0 ]; then
    sanitize memcheck weight-only-gemm gemm_w4a16_zp_k336_n80_bias_f16 300 out-of-range
    sanitize memcheck weight-only-gemm gemm_w4a16_k200_n72_gated 37
    sanitize memcheck weight-only-gemm gemm_w8a16_k200_n150_f16 37 unsorted-offsets
    sanitize memcheck weight-only-gemm fused_moe_w4a16_zp_small 33
  fi
}
