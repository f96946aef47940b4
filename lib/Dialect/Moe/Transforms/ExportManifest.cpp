//===- ExportManifest.cpp - Entry points of a module for the runner -------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"
#include "moe/Schema/OpSchema.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEEXPORTMANIFEST
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;
namespace schema = ::moe::schema;

namespace {

/// The manifest's name of an element type the runner can pass (f32, bf16,
/// f16, i32, f8E4M3FN, i8: what tools/moe-runner and python/moe/manifest.py
/// read), or "" for any other. i8 holds the weight-only schemes' integer
/// weights (packed int4 or int8) and zero points.
StringRef manifestElementType(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isBF16())
    return "bf16";
  if (type.isF16())
    return "f16";
  if (type.isSignlessInteger(32))
    return "i32";
  if (isa<Float8E4M3FNType>(type))
    return "f8E4M3FN";
  if (type.isSignlessInteger(8))
    return "i8";
  return "";
}

/// Checks that `type`, the type of an entry point's `what` (e.g. "argument
/// 2"), is a ranked tensor or memref of an element type the runner can
/// pass; the printer below assumes so.
LogicalResult checkManifestType(func::FuncOp func, const Twine &what,
                                Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !isa<RankedTensorType, MemRefType>(type))
    return func.emitError()
           << "entry point '" << func.getName() << "': " << what << " has type "
           << type
           << ", which the runner cannot pass: entry points take and return "
              "ranked tensors or memrefs";
  if (manifestElementType(shaped.getElementType()).empty())
    return func.emitError()
           << "entry point '" << func.getName() << "': " << what
           << " has element type " << shaped.getElementType()
           << ", which the runner cannot pass (f32, bf16, f16, i32, "
              "f8E4M3FN or i8)";
  return success();
}

/// The func.return that ends `func`, which must be a single block: the
/// manifest has one set of out arguments per function, and
/// moe-device-allocations frees temporaries before that one return.
FailureOr<func::ReturnOp> getEntryReturn(func::FuncOp func) {
  Region &body = func.getBody();
  if (!llvm::hasSingleElement(body))
    return func.emitError()
           << "entry point '" << func.getName() << "' has "
           << llvm::range_size(body)
           << " blocks: an entry point is one block ending in func.return";
  Block &block = body.front();
  auto returnOp =
      block.empty() ? nullptr : dyn_cast<func::ReturnOp>(block.back());
  if (!returnOp) {
    InFlightDiagnostic diag = func.emitError()
                              << "entry point '" << func.getName()
                              << "' does not end in func.return";
    if (!block.empty())
      diag.attachNote(block.back().getLoc())
          << "it ends in '" << block.back().getName() << "'";
    return diag;
  }
  return returnOp;
}

/// `bf16 ?x2048`: element type and shape of a ranked shaped type whose
/// element type is one of manifestElementType's (checkManifestType).
void printShapedType(llvm::raw_ostream &os, Type type) {
  auto shaped = cast<ShapedType>(type);
  os << manifestElementType(shaped.getElementType()) << ' ';
  if (shaped.getRank() == 0)
    os << "scalar";
  llvm::interleave(
      shaped.getShape(), os,
      [&](int64_t size) {
        if (ShapedType::isDynamic(size))
          os << '?';
        else
          os << size;
      },
      "x");
}

// getManifestOperands and getManifestWord, generated from ODS with the op
// schema (tools/moe-tblgen; build tree only).
#include "moe/Schema/MoeManifestAccessors.inc"

/// Prints the inherent attribute `attr` of kind `kind` (the op schema's) as
/// manifest text.
void printAttributeValue(llvm::raw_ostream &os, schema::AttrKind kind,
                         Attribute attr) {
  switch (kind) {
  case schema::AttrKind::Int:
    os << cast<IntegerAttr>(attr).getInt();
    return;
  case schema::AttrKind::Float:
    os << llvm::format("%.9g", cast<FloatAttr>(attr).getValueAsDouble());
    return;
  case schema::AttrKind::Bool:
    os << "true";
    return;
  case schema::AttrKind::Word:
    os << getManifestWord(attr);
    return;
  }
}

/// The index of the function argument a returned value is written into
/// (the out tied to it, through destination-passing ops), or `-`.
std::string outArgumentOf(Value value, func::FuncOp func) {
  while (auto result = dyn_cast<OpResult>(value)) {
    auto dstOp = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
    if (!dstOp)
      return "-";
    value = dstOp.getTiedOpOperand(result)->get();
  }
  auto arg = cast<BlockArgument>(value);
  if (arg.getOwner() != &func.getBody().front())
    return "-";
  return std::to_string(arg.getArgNumber());
}

/// `op rms_norm x=0 weight=1 out=- epsilon=1e-06 ...`: each present operand
/// with the index of the function argument it is (`-` if it is not one).
void printOp(llvm::raw_ostream &os, Operation *op, func::FuncOp func) {
  StringRef opName = op->getName().stripDialect();
  os << "op " << opName;
  for (auto [name, value] : getManifestOperands(op)) {
    if (!value)
      continue;
    os << ' ' << name << '=';
    auto arg = dyn_cast<BlockArgument>(value);
    if (arg && arg.getOwner() == &func.getBody().front())
      os << arg.getArgNumber();
    else
      os << '-';
  }
  // The schema's attributes that are set (defaults included), in the
  // properties' (alphabetical) order; not the operand segment sizes.
  const schema::OpSchema *schema = schema::findOpSchema(opName);
  auto properties =
      dyn_cast_or_null<DictionaryAttr>(op->getPropertiesAsAttribute());
  if (schema && properties) {
    for (NamedAttribute attr : properties) {
      const schema::AttributeSchema *spec =
          schema->findAttribute(attr.getName().getValue());
      if (!spec)
        continue;
      os << ' ' << attr.getName().getValue() << '=';
      printAttributeValue(os, spec->kind, attr.getValue());
    }
  }
  os << '\n';
}

struct MoeExportManifestPass
    : mlir::moe::impl::MoeExportManifestBase<MoeExportManifestPass> {
  using Base::Base;

  void runOnOperation() override {
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
    if (!file) {
      getOperation().emitError() << "cannot write the manifest: " << error;
      return signalPassFailure();
    }
    llvm::raw_ostream &os = file->os();
    os << "moe-manifest 1\n";
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      // Check everything the records below assume before writing any.
      FailureOr<func::ReturnOp> returnOp = getEntryReturn(func);
      if (failed(returnOp))
        return signalPassFailure();
      for (auto [index, type] : llvm::enumerate(func.getArgumentTypes()))
        if (failed(checkManifestType(func, "argument " + Twine(index), type)))
          return signalPassFailure();
      for (auto [index, type] : llvm::enumerate(func.getResultTypes()))
        if (failed(checkManifestType(func, "result " + Twine(index), type)))
          return signalPassFailure();

      os << "function " << func.getName() << '\n';
      for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
        os << "arg " << index << ' ';
        printShapedType(os, type);
        os << '\n';
      }
      for (auto [index, value] : llvm::enumerate(returnOp->getOperands())) {
        os << "result " << index << ' ';
        printShapedType(os, value.getType());
        os << " out=" << outArgumentOf(value, func) << '\n';
      }
      func.walk([&](Operation *op) {
        if (isa<MoeDialect>(op->getDialect()) &&
            isa<DestinationStyleOpInterface>(op))
          printOp(os, op, func);
      });
      os << "end\n";
    }
    file->keep();
  }
};

} // namespace
