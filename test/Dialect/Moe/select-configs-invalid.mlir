// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-configs.txt" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/no-such-file.txt" 2>&1 | FileCheck %s --check-prefix=MISSING
// BAD: bad-configs.txt:1: entry 'rms_norm threads=lots': expected <key>=<integer>, got 'threads=lots'
// MISSING: cannot read the config table '{{.*}}no-such-file.txt'

// Table entries are checked with the rules of moe.config (MoeConfig.h); the
// error names the entry by file, line and text.
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-range.txt" 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: bad-config-range.txt:3: entry 'gate     E=256 k=8       threads=48': moe.config key 'threads' = 48 is out of range: expected a multiple of 32 in [32, 1024]
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-huge.txt" 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: bad-config-huge.txt:1: entry 'silu_and_mul threads=4294967296': moe.config key 'threads' = 4294967296 is out of range: expected a multiple of 32 in [32, 1024]
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-key.txt" 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: bad-config-key.txt:1: entry 'grouped_matmul N=1536 K=2048 tile_m=128': unknown moe.config key 'tile_m': moe.grouped_matmul reads only 'threads', 'tiled', 'warpgroups', 'tile_n', 'stages', 'ctas'
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm.txt" 2>&1 | FileCheck %s --check-prefix=GEMM
// GEMM: bad-config-gemm.txt:1: entry 'grouped_matmul E=128 tile_n=24 stages=4': moe.config key 'tile_n' = 24 is out of range: expected a multiple of 16 in [16, 256]
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-op.txt" 2>&1 | FileCheck %s --check-prefix=OP
// OP: bad-config-op.txt:3: entry 'fused_moe E=8 threads=256': 'fused_moe' is not a moe op that reads moe.config
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-size.txt" 2>&1 | FileCheck %s --check-prefix=SIZE
// SIZE: bad-config-size.txt:1: entry 'gate H=4096 threads=64': moe.gate has no size 'H' to match (it matches on E, k)
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-twice.txt" 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: bad-config-twice.txt:1: entry 'rms_norm H=4096 threads=64 threads=128': 'threads' is given twice
func.func @f(%x: tensor<4x16xf32>, %o: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %h = moe.silu_and_mul %x outs(%o) : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}
