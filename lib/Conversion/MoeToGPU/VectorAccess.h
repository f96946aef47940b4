//===- VectorAccess.h - 16-byte vector accesses of row buffers --*- C++ -*-===//
//
// Helpers for the memory-bound kernels (silu_and_mul, rms_norm, permute's
// row copy, combine's sum): a run-time check that a set of memrefs allows
// 16-byte accesses, vector loads/stores with an explicit `alignment = 16`
// (NVPTX emits ld.global.v4 / st.global.v4 from them), and a column walk
// over a block's threads that takes whole 16-byte chunks when the check
// holds, then the rest of the row one element at a time, and otherwise
// falls back to one element per thread per step.
//
// Callers may pass memrefs with any offset and strides, so legality is a
// run-time property: every base address (aligned pointer + offset * element
// bytes) and every outer stride in bytes must be a multiple of 16 and the
// innermost stride must be 1. Columns are then taken in chunks starting at
// multiples of the chunk width, which keeps every chunk 16-byte aligned.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CONVERSION_MOETOGPU_VECTORACCESS_H
#define MOE_LIB_CONVERSION_MOETOGPU_VECTORACCESS_H

#include "KernelBuilder.h"

namespace mlir::moe {

/// Bytes of one vector access.
constexpr int64_t kVectorBytes = 16;

/// Elements of `elementType` in one 16-byte access: 8 for bf16/f16, 4 for
/// f32.
int64_t getVectorWidth(Type elementType);

/// i1, true at run time when every memref of `memrefs` allows 16-byte
/// accesses to chunks of columns that start at a multiple of the 16-byte
/// width: its base address (aligned pointer + offset * element bytes) and its
/// strides of every dimension but the innermost, in bytes, are multiples of
/// 16, and its innermost stride is 1.
Value isVectorAligned(KernelBuilder &k, ValueRange memrefs);

/// `count` consecutive elements of `memref` from `indices` (the last index is
/// the first column), as vectors of at most 16 bytes each loaded with
/// vector.load and the largest alignment the chunk allows (16 bytes for a
/// whole 16-byte piece). Only valid where isVectorAligned holds and the first
/// column is a multiple of `count`; `count` is a power of two.
SmallVector<Value> loadVectors(KernelBuilder &k, Value memref,
                               ValueRange indices, int64_t count);

/// Stores `pieces` (as returned by loadVectors) to consecutive elements of
/// `memref` from `indices`, with the same alignment rules.
void storeVectors(KernelBuilder &k, ArrayRef<Value> pieces, Value memref,
                  ValueRange indices);

/// `count` consecutive elements of `memref` from `indices`, each widened to
/// f32 exactly as KernelBuilder::loadF32 does. `count` 1 is
/// KernelBuilder::loadF32 itself (no alignment requirement); larger counts
/// use loadVectors.
SmallVector<Value> loadF32s(KernelBuilder &k, Value memref, ValueRange indices,
                            int64_t count);

/// Rounds each f32 of `values` to `memref`'s element type exactly as
/// KernelBuilder::storeF32 does and stores them to consecutive elements from
/// `indices` (one value: KernelBuilder::storeF32; more: storeVectors).
void storeF32s(KernelBuilder &k, ArrayRef<Value> values, Value memref,
               ValueRange indices);

/// scf.if yielding the `thenBody` values or `elseValues` (of the same types);
/// the then branch may hold accesses that are only valid under `condition`.
SmallVector<Value>
ifThenElseValues(KernelBuilder &k, Value condition,
                 function_ref<SmallVector<Value>(KernelBuilder &)> thenBody,
                 ValueRange elseValues);

/// Walks columns [0, `columns`) of a row over a block's threads, carrying
/// `inits`; `body(k, column, count, values)` handles columns [column, column
/// + count) and returns the next values. When `vectorAligned` (i1) holds,
/// thread t first takes the chunks of `width` columns starting at (t + i *
/// blockSize) * width while a whole chunk fits, then the remaining columns
/// one at a time (t + i * blockSize past the last whole chunk); otherwise
/// every column one at a time (t + i * blockSize): the existing scalar path.
/// A thread visits the same columns on every call with the same arguments,
/// so a second pass can re-read what the thread itself wrote in the first.
SmallVector<Value>
forEachColumnChunk(KernelBuilder &k, Value vectorAligned, Value columns,
                   Value threadId, Value blockSize, int64_t width,
                   ValueRange inits,
                   function_ref<SmallVector<Value>(KernelBuilder &, Value,
                                                   int64_t, ValueRange)>
                       body);

/// forEachColumnChunk without carried values.
void forEachColumnChunk(
    KernelBuilder &k, Value vectorAligned, Value columns, Value threadId,
    Value blockSize, int64_t width,
    function_ref<void(KernelBuilder &, Value, int64_t)> body);

} // namespace mlir::moe

#endif // MOE_LIB_CONVERSION_MOETOGPU_VECTORACCESS_H
