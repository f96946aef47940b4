// Weight-only quantized expert GEMMs (w4a16, w4a16_zp, w8a16) through the
// registered pipeline: each takes the stream kernel (moe-select-configs
// gives it kernel = stream) with the simple kernel as its host fallback,
// and ptxas accepts every kernel, here and for the quantized Qwen3-30B-A3B
// example layers. The stream kernel's int4 dequantization with bf16
// scales in the PTX: a 16-byte load, the nibbles of two elements masked
// out (0x000F000F) and or-ed into two bf16 128.0 (0x43004300), 128 + zero
// subtracted (added negated, for w4a16's constant 8) and the scale
// multiplied in bf16 pairs, f32 FMAs. The simple
// kernel's: the packed byte, the nibble shifted out by 0 or 4 and masked
// with 15, the zero point (8, or the loaded one) subtracted, the integer
// converted and scaled in f32, rounded once to bf16 and widened,
// multiplied and added (no fma: the reference's order and roundings).
// REQUIRES: ptxas
// UNSUPPORTED: sanitizers
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: ls %t/ptx | count 6
// RUN: cat %t/ptx/int4_gate_up_kernel.ptx | FileCheck %s --check-prefix=STREAM
// RUN: cat %t/ptx/int4_gate_up_kernel_0.ptx | FileCheck %s --check-prefix=INT4
// RUN: cat %t/ptx/int4_zp_down_kernel_1.ptx | FileCheck %s --check-prefix=ZP
// RUN: cat %t/ptx/int8_gate_up_kernel_2.ptx | FileCheck %s --check-prefix=INT8
// RUN: for f in qwen3-30b-a3b-int4 qwen3-30b-a3b-int8; do moe-opt %moe_src_root/examples/quantized/$f.mlir --moe-to-nvvm="chip=sm_90a format=isa" -o %t/$f.mlir || exit 1; %python %moe_src_root/utils/extract-ptx.py --split %t/$f %t/$f.mlir || exit 1; for p in %t/$f/*.ptx; do %ptxas -arch=sm_90a $p -o %t/kernel.cubin || exit 1; done; done
// Each layer: routing, permutation, the two GEMMs (stream and simple
// kernels) and combine (twelve kernels a function).
// RUN: ls %t/qwen3-30b-a3b-int4 | count 24
// RUN: ls %t/qwen3-30b-a3b-int8 | count 12

// STREAM: ld.global.v4.b32
// STREAM: and.b32 [[NIBBLES:%r[0-9]+]], {{%r[0-9]+}}, 983055;
// STREAM: or.b32 [[BIASED:%r[0-9]+]], [[NIBBLES]], 1124090624;
// STREAM: {{add|sub}}.rn.bf16x2 [[CENTRED:%r[0-9]+]], [[BIASED]], {{%r[0-9]+}};
// STREAM: mul.rn.bf16x2 {{%r[0-9]+}}, {{.*}}[[CENTRED]]{{[,;]}}
// STREAM: fma.rn.f32

// INT4: ld.global.b8 [[BYTE:%r[0-9]+]]
// INT4: shr.u32 [[SHIFTED:%r[0-9]+]], [[BYTE]], [[SHIFT:%r[0-9]+]];
// INT4: and.b32 [[Q:%r[0-9]+]], [[SHIFTED]], 15;
// INT4: add.s32 [[C:%r[0-9]+]], [[Q]], -8;
// INT4: cvt.rn.f32.s32 [[F:%r[0-9]+]], [[C]];
// INT4: mul.rn.f32 [[REAL:%r[0-9]+]], {{.*}}[[F]]{{[,;]}}
// INT4: cvt.rn.bf16.f32 [[W16:%rs[0-9]+]], [[REAL]];
// INT4: cvt.f32.bf16 [[WD:%r[0-9]+]], [[W16]];
// INT4: mul.rn.f32 [[P:%r[0-9]+]], {{.*}}[[WD]]{{[,;]}}
// INT4: add.rn.f32 {{%r[0-9]+}}, {{.*}}[[P]]{{[,;]}}
// INT4-NOT: fma.rn.f32

// ZP: ld.global.s8 [[ZERO:%r[0-9]+]]
// ZP: ld.global.b8 [[BYTE:%r[0-9]+]]
// ZP: and.b32 [[Q:%r[0-9]+]], {{%r[0-9]+}}, 15;
// ZP: sub.s32 [[C:%r[0-9]+]], [[Q]], [[ZERO]];
// ZP: cvt.rn.f32.s32 {{%r[0-9]+}}, [[C]];
// ZP: cvt.rn.bf16.f32

// INT8: ld.global.s8 [[Q:%rs[0-9]+]]
// INT8: cvt.rn.f32.s16 [[F:%r[0-9]+]], [[Q]];
// INT8: mul.rn.f32 [[REAL:%r[0-9]+]], {{.*}}[[F]]{{[,;]}}
// INT8: cvt.rn.bf16.f32 {{%rs[0-9]+}}, [[REAL]];

func.func @int4_gate_up(%x: tensor<?x2048xbf16>, %w13: tensor<16x1536x1024xi8>,
                        %s: tensor<16x1536x16xbf16>, %offsets: tensor<17xi32>,
                        %init: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %x, %w13, %offsets epilogue = silu_and_mul quant = w4a16 group_size = 128
      w_scale(%s) outs(%init)
      : (tensor<?x2048xbf16>, tensor<16x1536x1024xi8>, tensor<17xi32>, tensor<16x1536x16xbf16>,
         tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @int4_zp_down(%h: tensor<?x768xbf16>, %w2: tensor<16x2048x384xi8>,
                        %s: tensor<16x2048x12xbf16>, %z: tensor<16x2048x12xi8>,
                        %offsets: tensor<17xi32>, %rw: tensor<?xf32>,
                        %init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %offsets scale(%rw) quant = w4a16_zp group_size = 64
      w_scale(%s) w_zero(%z) outs(%init)
      : (tensor<?x768xbf16>, tensor<16x2048x384xi8>, tensor<17xi32>, tensor<?xf32>,
         tensor<16x2048x12xbf16>, tensor<16x2048x12xi8>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

func.func @int8_gate_up(%x: tensor<?x2048xbf16>, %w13: tensor<16x1536x2048xi8>,
                        %s: tensor<16x1536xbf16>, %offsets: tensor<17xi32>,
                        %init: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %x, %w13, %offsets epilogue = silu_and_mul quant = w8a16
      w_scale(%s) outs(%init)
      : (tensor<?x2048xbf16>, tensor<16x1536x2048xi8>, tensor<17xi32>, tensor<16x1536xbf16>,
         tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}
