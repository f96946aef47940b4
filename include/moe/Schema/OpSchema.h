//===- OpSchema.h - Operands and attributes of the moe ops ------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The per-op schema of the manifest (docs/Artifacts.md, "The manifest"): for
// every destination-style op of the moe dialect, its operands in ODS order
// (the outs are the `*_init` operands, named without the suffix) and its
// attributes with their kind, default and allowed words.
//
// The table, MoeOpSchema.inc, is generated from MoeOps.td by tools/moe-tblgen
// and committed: moe-runner includes this header in the runtime-only build,
// which has neither MLIR nor TableGen. Plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SCHEMA_OPSCHEMA_H
#define MOE_SCHEMA_OPSCHEMA_H

#include <cstddef>
#include <string_view>

namespace moe {
namespace schema {

/// Kinds of op attributes, by their manifest text: a decimal integer, a
/// number, `true`/`false` (unit attributes) or one of an enum's words.
enum class AttrKind { Int, Float, Bool, Word };

/// One operand of an op.
struct OperandSchema {
  const char *name;
  /// Whether it is an out (destination) operand the op writes.
  bool isOut;
  /// Whether every instance of the op has it (not Optional in ODS).
  bool required;
};

/// One attribute of an op.
struct AttributeSchema {
  const char *name;
  AttrKind kind;
  /// Whether the manifest must carry it (neither optional nor defaulted).
  bool required;
  /// Value used when it is absent, as manifest text ("" when none).
  const char *defaultValue;
  /// For AttrKind::Word, the accepted values separated by '|'.
  const char *words;
};

/// A constant array (the generated tables have no std::vector).
template <typename T> class Span {
public:
  constexpr Span() = default;
  template <std::size_t N>
  constexpr Span(const T (&array)[N]) : first(array), count(N) {}
  constexpr const T *begin() const { return first; }
  constexpr const T *end() const { return first + count; }
  constexpr std::size_t size() const { return count; }

private:
  const T *first = nullptr;
  std::size_t count = 0;
};

/// The operands and attributes of one op.
struct OpSchema {
  /// The op name without the dialect prefix, e.g. "fused_moe".
  const char *name;
  Span<OperandSchema> operands;
  Span<AttributeSchema> attributes;

  const OperandSchema *findOperand(std::string_view operand) const {
    for (const OperandSchema &spec : operands)
      if (operand == spec.name)
        return &spec;
    return nullptr;
  }
  const AttributeSchema *findAttribute(std::string_view attribute) const {
    for (const AttributeSchema &spec : attributes)
      if (attribute == spec.name)
        return &spec;
    return nullptr;
  }
};

#include "moe/Schema/MoeOpSchema.inc"

/// Returns the schema of the op \p name, or nullptr for an unknown op.
inline const OpSchema *findOpSchema(std::string_view name) {
  for (const OpSchema &schema : kOpSchemas)
    if (name == schema.name)
      return &schema;
  return nullptr;
}

} // namespace schema
} // namespace moe

#endif // MOE_SCHEMA_OPSCHEMA_H
