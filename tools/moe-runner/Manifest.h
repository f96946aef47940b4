//===- Manifest.h - Artifact manifest parser --------------------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Reads the `.manifest` file that `--moe-export-manifest` writes next to a
// compiled artifact (format: include/moe/Dialect/Moe/Transforms/Passes.td and
// docs/Artifacts.md):
//
//   moe-manifest 1
//   function <name>
//   arg <index> <element-type> <dim>x<dim>...      (`?`: dynamic, `scalar`)
//   result <index> <element-type> <shape> out=<argument index or ->
//   op <name> <operand>=<argument index or -> ... <attribute>=<value> ...
//   end
//
// Blank lines and lines starting with `#` are ignored. Operands and
// attributes of the moe ops are checked against their schema, which is
// generated from ODS (moe/Schema/OpSchema.h);
// any malformed record is an error of the form "<file>:<line>: <message>".
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_MANIFEST_H
#define MOE_TOOLS_MOE_RUNNER_MANIFEST_H

#include "Tensor.h"

#include "moe/Schema/OpSchema.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moe {
namespace runner {

/// The value of an op operand that is not a function argument (`-`): a
/// temporary made inside the function.
constexpr int64_t kNotAnArgument = -1;

/// An `arg` record: one argument of an entry point.
struct ManifestArg {
  int64_t index = 0;
  ElementType type = ElementType::F32;
  Shape shape;
  int line = 0;
};

/// A `result` record: a returned value and the argument it is written to.
struct ManifestResult {
  int64_t index = 0;
  ElementType type = ElementType::F32;
  Shape shape;
  /// The out argument the result is written into, or kNotAnArgument.
  int64_t outArg = kNotAnArgument;
  int line = 0;
};

// The op schema, generated from ODS (moe/Schema/OpSchema.h).
using AttrKind = schema::AttrKind;
using AttrSpec = schema::AttributeSchema;
using OperandSpec = schema::OperandSchema;
using OpSchema = schema::OpSchema;
using schema::findOpSchema;

/// An `op` record.
struct ManifestOp {
  std::string name;
  int line = 0;
  /// The schema, or nullptr when the runner does not know the op (its fields
  /// are then all kept as attributes, unchecked).
  const OpSchema *schema = nullptr;
  /// Present operands in manifest order: name and argument index (or
  /// kNotAnArgument).
  std::vector<std::pair<std::string, int64_t>> operands;
  /// Attributes in manifest order: name and value text.
  std::vector<std::pair<std::string, std::string>> attributes;

  /// Whether the operand \p operand is present.
  bool hasOperand(const std::string &operand) const;
  /// Returns the argument index of the present operand \p operand (or
  /// kNotAnArgument); -2 when it is absent.
  int64_t operandArg(const std::string &operand) const;
  /// Whether the attribute \p attribute is set (an optional attribute
  /// without a default is absent otherwise).
  bool hasAttr(const std::string &attribute) const;
  /// Typed attribute values, with the schema's default when absent. The
  /// parser has checked that present values parse as their kind.
  int64_t intAttr(const std::string &attribute) const;
  double floatAttr(const std::string &attribute) const;
  bool boolAttr(const std::string &attribute) const;
  std::string wordAttr(const std::string &attribute) const;
  /// Formats the op as `name operand=index ... attribute=value ...`.
  std::string format() const;

private:
  std::string attributeText(const std::string &attribute) const;
};

/// A `function` ... `end` block.
struct ManifestFunction {
  std::string name;
  int line = 0;
  std::vector<ManifestArg> args;
  std::vector<ManifestResult> results;
  std::vector<ManifestOp> ops;
};

/// A parsed manifest.
struct Manifest {
  std::string fileName;
  std::vector<ManifestFunction> functions;

  /// Returns the function \p name, or nullptr.
  const ManifestFunction *findFunction(const std::string &name) const;
};

/// Parses manifest \p text; \p fileName only names it in errors. On failure
/// returns false and sets \p error to "<fileName>:<line>: <message>".
bool parseManifest(const std::string &text, const std::string &fileName,
                   Manifest &manifest, std::string &error);

/// Reads and parses the manifest file \p path.
bool readManifest(const std::string &path, Manifest &manifest,
                  std::string &error);

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_MANIFEST_H
