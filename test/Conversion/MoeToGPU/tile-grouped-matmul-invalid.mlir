// RUN: moe-opt %s --moe-tile-grouped-matmul -verify-diagnostics

// 4 warpgroups x 256 columns: 128 accumulator registers a thread in a
// 512-thread block, which gets 128 registers in all.
func.func @too_many_accumulators(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op moe.config warpgroups = 4 with tile_n = 256 needs 128 accumulator registers per thread in a block of 512 threads, which gets at most 128 registers each: keep warpgroups * tile_n <= 512}}
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = {warpgroups = 4 : i64, tile_n = 256 : i64}}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}
