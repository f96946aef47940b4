//===- MoeConfig.h - Rules of the moe.config keys ---------------*- C++ -*-===//
//
// The one place that says what `moe.config` each moe op takes:
// grouped_matmul a #moe.gemm_config (MoeAttrs.td, which verifies itself)
// or a list of them by min_rows,
// the other layer ops a dictionary of integer keys, with the values the
// hardware allows for each. The moe op verifiers check every `moe.config`
// with these rules, moe-select-configs checks every tuned-table entry with
// them, and the GPU lowering reads dictionary values through
// getConfigIntValue.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOECONFIG_H
#define MOE_DIALECT_MOE_IR_MOECONFIG_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir::moe {

/// One `moe.config` key: its values are the multiples of `multipleOf` in
/// [`min`, `max`].
struct ConfigKeyRule {
  llvm::StringLiteral key;
  int64_t min;
  int64_t max;
  int64_t multipleOf;

  bool allows(int64_t value) const {
    return value >= min && value <= max && value % multipleOf == 0;
  }
  /// `a multiple of 32 in [32, 1024]`, `an integer in [0, 1]`.
  std::string describe() const;
};

/// Whether the moe op `opName` (without the dialect prefix) takes its
/// `moe.config` as a #moe.gemm_config: grouped_matmul.
bool takesGemmConfig(StringRef opName);

/// The keys the moe op `opName` (without the dialect prefix, e.g. "gate")
/// reads from its `moe.config` dictionary; empty for an op that takes no
/// dictionary (grouped_matmul, fused_moe, the tile ops, unknown names).
ArrayRef<ConfigKeyRule> getConfigKeyRules(StringRef opName);

/// The value of a `moe.config` entry: an integer attribute whose value fits
/// int64_t (i1 and unsigned types read as unsigned), or nullopt.
std::optional<int64_t> getConfigIntValue(Attribute value);

/// Checks that `opName` reads `key` and that `value` is in its range; on
/// failure appends the reason, naming the key and the allowed values, to the
/// diagnostic `emitError` returns.
LogicalResult verifyConfigEntry(StringRef opName, StringRef key, int64_t value,
                                function_ref<InFlightDiagnostic()> emitError);

/// As above for an attribute value: it must also be an integer that fits
/// int64_t.
LogicalResult verifyConfigEntry(StringRef opName, StringRef key,
                                Attribute value,
                                function_ref<InFlightDiagnostic()> emitError);

/// Verifies `config`, the `moe.config` attribute of `op`: a #moe.gemm_config
/// or a list of them in increasing min_rows from 0 for grouped_matmul, else a
/// dictionary of keys `op` reads, each with a value in range. Errors are at
/// `op`.
LogicalResult verifyConfigAttr(Operation *op, Attribute config);

} // namespace mlir::moe

#endif // MOE_DIALECT_MOE_IR_MOECONFIG_H
