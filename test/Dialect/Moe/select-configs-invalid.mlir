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
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-dict-key.txt" 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: bad-config-dict-key.txt:1: entry 'rms_norm H=4096 tile_n=128': unknown moe.config key 'tile_n': moe.rms_norm reads only 'threads'

// A grouped_matmul entry is a #moe.gemm_config: its parameters, spelled as in
// the attribute, checked by its verifier (MoeAttrs.cpp).
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-key.txt" 2>&1 | FileCheck %s --check-prefix=GEMM-KEY
// GEMM-KEY: bad-config-key.txt:1: entry 'grouped_matmul N=1536 K=2048 tiled=0': #moe.gemm_config has no parameter 'tiled' (it has kernel, tile_m, tile_n, tile_k, stages, warpgroups, warp_specialize, cluster_m, cluster_n, raster, swap_ab, split_k, ctas, simple_threads, stream_columns, min_rows, staged_epilogue, l2_hints)
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm.txt" 2>&1 | FileCheck %s --check-prefix=GEMM
// GEMM: bad-config-gemm.txt:1: entry 'grouped_matmul E=128 tile_n=24 stages=4': tile_n = 24 is out of range: expected a multiple of 16 in [16, 256] (wgmma's N, halved for a gated epilogue)
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm-smem.txt" 2>&1 | FileCheck %s --check-prefix=SMEM
// SMEM: bad-config-gemm-smem.txt:2: entry 'grouped_matmul E=128 N=1536 stages=6': stages = 6 with tile_m = 128 and tile_n = 256 needs 296960 bytes of shared memory (6 slots of 49152 bytes, plus 2048 for alignment and mbarriers), more than the 232448 bytes (227 KiB) an sm_90 block may use: at most 4 stages fit
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm-int.txt" 2>&1 | FileCheck %s --check-prefix=INT
// INT: bad-config-gemm-int.txt:1: entry 'grouped_matmul E=128 tile_n=wide': tile_n = 'wide' is not an integer (of 64 bits)
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm-word.txt" 2>&1 | FileCheck %s --check-prefix=WORD
// WORD: bad-config-gemm-word.txt:1: entry 'grouped_matmul E=128 raster=diagonal': raster = 'diagonal': expected one of along_m, along_n
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm-kernel.txt" 2>&1 | FileCheck %s --check-prefix=KERNEL
// KERNEL: bad-config-gemm-kernel.txt:1: entry 'grouped_matmul E=128 kernel=fast': kernel = 'fast': expected one of tiled, simple
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm-bool.txt" 2>&1 | FileCheck %s --check-prefix=BOOL
// BOOL: bad-config-gemm-bool.txt:1: entry 'grouped_matmul E=128 swap_ab=1': swap_ab = '1': expected true or false
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm-quant.txt" 2>&1 | FileCheck %s --check-prefix=QUANT
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-config-gemm-syntax.txt" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// QUANT: bad-config-gemm-quant.txt:1: entry 'grouped_matmul E=128 quant=int3 tile_n=128': 'int3' is not a quant scheme (none, fp8_block, fp8_channel, fp8_tensor, w4a16, w4a16_zp, w8a16)
// SYNTAX: bad-config-gemm-syntax.txt:1: entry 'grouped_matmul E=128 stages': expected <key>=<value>, got 'stages'
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
