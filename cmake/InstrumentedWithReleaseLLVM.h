//===- InstrumentedWithReleaseLLVM.h - Sanitizers against release LLVM ----===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Included before every C++ source (-include) when MOE_ENABLE_SANITIZERS
// builds our code with assertions (-UNDEBUG) and AddressSanitizer against
// Debian's LLVM/MLIR, which are built with neither. The headers' inline
// code then runs on both sides and must agree with the libraries in two
// places:
//  - llvm::Statistic is a TrackingStatistic with assertions and an empty
//    NoopStatistic without; it is the base of mlir::Pass::Statistic, whose
//    constructor is in libMLIR. So Statistic.h is read with NDEBUG, as the
//    libraries read it, and assert() is armed again after it.
//  - Under ASan, LLVM's allocators (BumpPtrAllocator, Recycler) poison the
//    slabs they create and unpoison what they hand out. A slab that our
//    inlined code poisons and libMLIR's code then allocates from is never
//    unpoisoned, and reading it is a false use-after-poison: the poisoning
//    is compiled out, as in the libraries.
//
//===----------------------------------------------------------------------===//

#if __has_include("llvm/ADT/Statistic.h")
#ifndef NDEBUG
#define NDEBUG
#include "llvm/ADT/Statistic.h"
#undef NDEBUG
#include <cassert>
#endif
#include "llvm/Support/Compiler.h"
#if LLVM_ADDRESS_SANITIZER_BUILD
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
#endif
#endif
