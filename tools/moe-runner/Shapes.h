//===- Shapes.h - Resolving the dynamic sizes of an entry point -*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// An entry point's arguments may have dynamic (`?`) sizes, usually the token
// count. The runner checks one moe op per function, so it resolves every
// size from the op's semantics (docs/Semantics.md): sizes that are static
// somewhere bind their symbol (H, E, k, ...), the token count T comes from
// --tokens when no operand fixes it, and derived sizes (T*k, the padded
// length of align, ...) follow. Static sizes that contradict each other are
// errors, as are element types the op does not accept.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_SHAPES_H
#define MOE_TOOLS_MOE_RUNNER_SHAPES_H

#include "Manifest.h"

#include <string>
#include <vector>

namespace moe {
namespace runner {

/// A function the runner can drive: its single moe op and the static shape
/// of every argument.
struct ResolvedFunction {
  const ManifestFunction *function = nullptr;
  const ManifestOp *op = nullptr;
  /// The shape of each argument, no size dynamic.
  std::vector<Shape> argShapes;
  /// Whether each argument is written by the op (an out operand).
  std::vector<bool> isOut;
  /// The token count the shapes were resolved with (the rows of the op's
  /// token-indexed operands; for a contiguous grouped_matmul the rows R, for
  /// a gathered one the rows M of `a`).
  int64_t tokens = 0;
};

/// Picks the op of \p function and checks that the runner supports it: one
/// known moe op whose operands are all function arguments, no argument both
/// read and written, results written to the op's outs. Returns false with
/// \p error otherwise.
bool selectOp(const ManifestFunction &function, const ManifestOp *&op,
              std::string &error);

/// Resolves the argument shapes of \p function (whose op selectOp chose)
/// for \p tokens tokens (-1 when --tokens was not given, which is an error
/// only when a token size is dynamic).
bool resolveShapes(const ManifestFunction &function, const ManifestOp &op,
                   int64_t tokens, ResolvedFunction &resolved,
                   std::string &error);

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_SHAPES_H
