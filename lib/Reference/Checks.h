//===- Checks.h - Argument validation helpers -------------------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Private helpers shared by the reference implementation files to validate
// arguments. Every failure throws std::invalid_argument with a message of the
// form "moe::ref::<op>: <what> (<numbers>)".
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_REFERENCE_CHECKS_H
#define MOE_LIB_REFERENCE_CHECKS_H

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace moe {
namespace ref {
namespace detail {

/// Throws std::invalid_argument("moe::ref::<op>: <message>").
[[noreturn]] inline void fail(const char *op, const std::string &message) {
  throw std::invalid_argument(std::string("moe::ref::") + op + ": " + message);
}

/// Formats "name (value)".
inline std::string named(const char *name, int64_t value) {
  return std::string(name) + " (" + std::to_string(value) + ")";
}

/// Requires value >= 0.
inline void requireNonNegative(const char *op, const char *name,
                               int64_t value) {
  if (value < 0)
    fail(op, named(name, value) + " must be >= 0");
}

/// Requires value >= 1.
inline void requirePositive(const char *op, const char *name, int64_t value) {
  if (value < 1)
    fail(op, named(name, value) + " must be >= 1");
}

/// Requires a non-null pointer whenever it has elements to read.
inline void requireData(const char *op, const char *name, const void *ptr,
                        int64_t count) {
  if (count > 0 && !ptr)
    fail(op, std::string(name) + " is null but has " + std::to_string(count) +
                 " elements");
}

/// Returns a * b for non-negative operands, throwing on int64 overflow.
inline int64_t checkedMul(const char *op, const char *what, int64_t a,
                          int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a)
    fail(op, std::string(what) + " overflows (" + std::to_string(a) + " * " +
                 std::to_string(b) + ")");
  return a * b;
}

/// Requires that value fits in an int32 (it is stored in an i32 tensor).
inline void requireInt32(const char *op, const char *what, int64_t value) {
  if (value > std::numeric_limits<int32_t>::max())
    fail(op, std::string(what) + " (" + std::to_string(value) +
                 ") does not fit in i32");
}

} // namespace detail
} // namespace ref
} // namespace moe

#endif // MOE_LIB_REFERENCE_CHECKS_H
