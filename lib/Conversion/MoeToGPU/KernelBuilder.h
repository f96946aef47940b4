//===- KernelBuilder.h - Helpers to build moe GPU kernels -------*- C++ -*-===//
//
// Small helpers shared by the kernels of every op family: launch regions,
// f32 loads/stores of bf16/f16/f32 buffers, constants and the config
// attribute. Kernels are built as `gpu.launch` bodies; gpu-kernel-outlining
// turns them into `gpu.func`s.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETOGPU_KERNELBUILDER_H
#define MOE_LIB_CONVERSION_MOETOGPU_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "moe/Dialect/Moe/IR/MoeDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::moe {

/// Reads integer `key` of `op`'s moe.config, or `fallback`.
int64_t getConfigInt(Operation *op, StringRef key, int64_t fallback);

/// Type of a one-dimensional workgroup (shared-memory) buffer of `size`
/// elements, rounded up to a multiple of 16 bytes. LLVM may combine four
/// consecutive 4-byte loads into one 16-byte `ld.shared.v4` while the PTX
/// declares the buffer `.align 4`; seen on an H200 as a misaligned-address
/// fault when a 9-element buffer followed another. Padding every buffer to
/// 16 bytes keeps every one that follows 16-byte aligned.
MemRefType getWorkgroupBufferType(MLIRContext *context, int64_t size,
                                  Type element);

/// The `index`-th workgroup buffer of the gpu.launch whose body `builder`
/// is building.
Value getWorkgroupBuffer(OpBuilder &builder, unsigned index);

/// Ids of the current thread inside a one-dimensional launch.
struct LaunchIds {
  Value blockId;   ///< gpu.block_id x
  Value threadId;  ///< gpu.thread_id x
  Value gridSize;  ///< gpu.grid_dim x
  Value blockSize; ///< gpu.block_dim x
};

/// Builds kernel bodies at a location, with typed constants and f32
/// conversions.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &builder, Location loc)
      : builder(builder), loc(loc) {}

  OpBuilder &b() { return builder; }
  Location getLoc() const { return loc; }

  Value index(int64_t value);
  Value f32(float value);
  Value i32(int32_t value);
  Value dim(Value memref, int64_t dim);

  /// Loads `memref[indices]` and widens bf16/f16 to f32, or decodes
  /// f8E4M3FN exactly (decodeE4m3).
  Value loadF32(Value memref, ValueRange indices);
  /// The f32 value of the f8E4M3FN `value`, exactly (docs/Semantics.md:
  /// normals, subnormals m * 2^-9, signed zeros, 0x7F/0xFF NaN), from its
  /// bits: arith.extf from fp8 has no LLVM lowering.
  Value decodeE4m3(Value value);
  /// Rounds the f32 `value` to `memref`'s element type and stores it.
  void storeF32(Value value, Value memref, ValueRange indices);
  /// Rounds the f32 `value` to `type` and back, as storing to and loading
  /// from a buffer of that type would.
  Value roundTo(Value value, Type type);

  /// silu(v) = v / (1 + exp(-v)) in f32, as v / (1 + exp2(-v log2 e)) with
  /// an approximate division (docs/Pipeline.md, "Kernels and libdevice").
  Value silu(Value v);

  /// IEEE square root of an f32 (libdevice's __nv_sqrtf: sqrt.rn.f32).
  Value sqrt(Value v);

  /// Launches a one-dimensional grid of `numBlocks` (at least one) blocks of
  /// `blockSize` threads and builds its body with `body`; the region ends in
  /// gpu.terminator. `workgroupBuffers` become workgroup memory attributions.
  gpu::LaunchOp
  launch(Value numBlocks, int64_t blockSize,
         function_ref<void(KernelBuilder &, const LaunchIds &)> body,
         TypeRange workgroupBuffers = {});

  /// The same in clusters of `clusterSize` blocks along x (numBlocks a
  /// multiple of it; 1 launches no clusters).
  gpu::LaunchOp
  launch(Value numBlocks, int64_t blockSize, int64_t clusterSize,
         function_ref<void(KernelBuilder &, const LaunchIds &)> body,
         TypeRange workgroupBuffers = {});

  /// scf.for from `lower` to `upper` by `step` with no iteration values.
  void forLoop(Value lower, Value upper, Value step,
               function_ref<void(KernelBuilder &, Value)> body);

  /// scf.for with one f32 carried value; returns the final value.
  Value forLoopF32(Value lower, Value upper, Value step, Value init,
                   function_ref<Value(KernelBuilder &, Value, Value)> body);

  /// scf.if yielding the f32 `thenBody` value, or `elseValue`: the then
  /// branch may hold loads that are out of bounds when `condition` is false.
  Value ifThenElseF32(Value condition,
                      function_ref<Value(KernelBuilder &)> thenBody,
                      float elseValue);

  /// scf.if without results.
  void ifThen(Value condition, function_ref<void(KernelBuilder &)> body);

  /// scf.if without results, with an else branch.
  void ifThenElse(Value condition, function_ref<void(KernelBuilder &)> thenBody,
                  function_ref<void(KernelBuilder &)> elseBody);

  /// ceil(a / b) for positive index b.
  Value ceilDiv(Value a, Value b);

private:
  OpBuilder &builder;
  Location loc;
};

//===----------------------------------------------------------------------===//
// One-op helpers shared by the kernel files
//===----------------------------------------------------------------------===//

Value cmpI(KernelBuilder &k, arith::CmpIPredicate predicate, Value lhs,
           Value rhs);
Value cmpF(KernelBuilder &k, arith::CmpFPredicate predicate, Value lhs,
           Value rhs);
Value select(KernelBuilder &k, Value condition, Value onTrue, Value onFalse);
/// Integer arithmetic (index or iN); the division, remainder and min/max
/// are unsigned.
Value add(KernelBuilder &k, Value a, Value b);
Value sub(KernelBuilder &k, Value a, Value b);
Value mul(KernelBuilder &k, Value a, Value b);
Value divU(KernelBuilder &k, Value a, Value b);
Value remU(KernelBuilder &k, Value a, Value b);
Value minU(KernelBuilder &k, Value a, Value b);
Value maxU(KernelBuilder &k, Value a, Value b);
Value andI(KernelBuilder &k, Value a, Value b);
/// scf.for from `lower` to `upper` by `step` carrying `inits`; `body` returns
/// the next values; returns the final values.
SmallVector<Value> forLoopCarrying(
    KernelBuilder &k, Value lower, Value upper, Value step, ValueRange inits,
    function_ref<SmallVector<Value>(KernelBuilder &, Value, ValueRange)> body);
/// The tensor-map swizzle of `bytes` (32, 64 or 128; anything else: none).
nvgpu::TensorMapSwizzleKind tensorMapSwizzle(int64_t bytes);
/// index -> i32 (truncating).
Value toI32(KernelBuilder &k, Value index);
/// i32 -> index (sign-extending: negative ids stay negative).
Value toIndex(KernelBuilder &k, Value i32);

} // namespace mlir::moe

#endif // MOE_LIB_CONVERSION_MOETOGPU_KERNELBUILDER_H
