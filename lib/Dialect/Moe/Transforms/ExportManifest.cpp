//===- ExportManifest.cpp - Entry points of a module for the runner -------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEEXPORTMANIFEST
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// The manifest's name of an element type the runner can pass (f32, bf16,
/// f16, i32: what tools/moe-runner and python/moe_artifact.py read), or ""
/// for any other.
StringRef manifestElementType(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isBF16())
    return "bf16";
  if (type.isF16())
    return "f16";
  if (type.isSignlessInteger(32))
    return "i32";
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
           << ", which the runner cannot pass (f32, bf16, f16 or i32)";
  return success();
}

/// Quantized ops, and fused_moe forms that are not lowered yet, are not in
/// the manifest format: moe-runner has no inputs or reference for them. An
/// error at the op, not a record the runner would misread as a plain bf16
/// op.
LogicalResult checkDescribable(func::FuncOp func) {
  WalkResult result = func.walk([&](Operation *op) {
    if (auto layer = dyn_cast<FusedMoeOp>(op)) {
      std::string unlowered = getUnloweredFusedMoeForm(layer);
      if (!unlowered.empty()) {
        op->emitOpError() << "in entry point '" << func.getName()
                          << "' is not in the manifest format: " << unlowered;
        return WalkResult::interrupt();
      }
    }
    bool quantized = isa<QuantizeOp>(op);
    if (auto gemm = dyn_cast<GroupedMatmulOp>(op))
      quantized = gemm.isQuantized();
    if (auto layer = dyn_cast<FusedMoeOp>(op))
      quantized = layer.getQuant() != QuantScheme::none;
    if (!quantized)
      return WalkResult::advance();
    op->emitOpError() << "in entry point '" << func.getName()
                      << "' is quantized, which the manifest does not "
                         "describe yet (moe-runner has no quantized inputs "
                         "or reference)";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
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

/// Prints an inherent attribute value as a bare word or number; returns
/// false for attributes the manifest does not carry (segment sizes).
bool printAttributeValue(llvm::raw_ostream &os, Attribute attr) {
  if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    os << integer.getInt();
  } else if (auto real = dyn_cast<FloatAttr>(attr)) {
    os << llvm::format("%.9g", real.getValueAsDouble());
  } else if (isa<UnitAttr>(attr)) {
    os << "true";
  } else if (auto scoring = dyn_cast<ScoringFuncAttr>(attr)) {
    os << stringifyScoringFunc(scoring.getValue());
  } else if (auto groupScore = dyn_cast<GroupScoreAttr>(attr)) {
    os << stringifyGroupScore(groupScore.getValue());
  } else if (auto epilogue = dyn_cast<EpilogueAttr>(attr)) {
    os << stringifyEpilogue(epilogue.getValue());
  } else if (auto activation = dyn_cast<ActivationAttr>(attr)) {
    os << stringifyActivation(activation.getValue());
  } else {
    return false;
  }
  return true;
}

using NamedOperands = SmallVector<std::pair<StringRef, Value>>;

/// The op's operands by ODS name, absent optional ones left out: positions
/// alone are ambiguous when optional operands are missing.
NamedOperands namedOperands(Operation *op) {
  return llvm::TypeSwitch<Operation *, NamedOperands>(op)
      .Case([](GateOp op) -> NamedOperands {
        return {{"logits", op.getLogits()},
                {"bias", op.getBias()},
                {"weights", op.getWeightsInit()},
                {"ids", op.getIdsInit()}};
      })
      .Case([](AlignOp op) -> NamedOperands {
        return {{"ids", op.getIds()},
                {"expert_map", op.getExpertMap()},
                {"sorted_ids", op.getSortedIdsInit()},
                {"expert_ids", op.getExpertIdsInit()},
                {"num_tokens_post_pad", op.getNumTokensPostPadInit()}};
      })
      .Case([](PermuteOp op) -> NamedOperands {
        return {{"x", op.getX()},
                {"ids", op.getIds()},
                {"weights", op.getWeights()},
                {"rows", op.getRowsInit()},
                {"src_index", op.getSrcIndexInit()},
                {"offsets", op.getOffsetsInit()},
                {"row_weights", op.getRowWeightsInit()}};
      })
      .Case([](PermuteIndicesOp op) -> NamedOperands {
        return {{"ids", op.getIds()},
                {"weights", op.getWeights()},
                {"src_index", op.getSrcIndexInit()},
                {"offsets", op.getOffsetsInit()},
                {"row_weights", op.getRowWeightsInit()}};
      })
      .Case([](CombineOp op) -> NamedOperands {
        return {{"y", op.getY()},
                {"src_index", op.getSrcIndex()},
                {"weights", op.getWeights()},
                {"out", op.getOutInit()}};
      })
      .Case([](GroupedMatmulOp op) -> NamedOperands {
        return {{"a", op.getA()},
                {"row_index", op.getRowIndex()},
                {"w", op.getW()},
                {"offsets", op.getOffsets()},
                {"scale", op.getScale()},
                {"bias", op.getBias()},
                {"a_scale", op.getAScale()},
                {"w_scale", op.getWScale()},
                {"w_zero", op.getWZero()},
                {"out", op.getOutInit()}};
      })
      .Case([](MotLinearOp op) -> NamedOperands {
        return {{"x", op.getX()},
                {"w", op.getW()},
                {"type_ids", op.getTypeIds()},
                {"bias", op.getBias()},
                {"out", op.getOutInit()}};
      })
      .Case([](RmsNormOp op) -> NamedOperands {
        return {{"x", op.getX()},
                {"weight", op.getWeight()},
                {"type_ids", op.getTypeIds()},
                {"residual", op.getResidual()},
                {"out", op.getOutInit()},
                {"residual_out", op.getResidualOutInit()}};
      })
      .Case([](SiluAndMulOp op) -> NamedOperands {
        return {{"x", op.getX()}, {"out", op.getOutInit()}};
      })
      .Case([](FusedMoeOp op) -> NamedOperands {
        return {{"x", op.getX()},
                {"logits", op.getLogits()},
                {"w13", op.getW13()},
                {"w2", op.getW2()},
                {"bias", op.getBias()},
                {"w13_scale", op.getW13Scale()},
                {"w2_scale", op.getW2Scale()},
                {"w13_zero", op.getW13Zero()},
                {"w2_zero", op.getW2Zero()},
                {"a1_scale", op.getA1Scale()},
                {"a2_scale", op.getA2Scale()},
                {"out", op.getOutInit()}};
      })
      .Case([](QuantizeOp op) -> NamedOperands {
        return {{"x", op.getX()},
                {"scale", op.getScale()},
                {"q", op.getQInit()},
                {"scales", op.getScalesInit()}};
      })
      .Default([](Operation *) { return NamedOperands(); });
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
  os << "op " << op->getName().stripDialect();
  for (auto [name, value] : namedOperands(op)) {
    if (!value)
      continue;
    os << ' ' << name << '=';
    auto arg = dyn_cast<BlockArgument>(value);
    if (arg && arg.getOwner() == &func.getBody().front())
      os << arg.getArgNumber();
    else
      os << '-';
  }
  if (auto properties =
          dyn_cast_or_null<DictionaryAttr>(op->getPropertiesAsAttribute())) {
    for (NamedAttribute attr : properties) {
      std::string text;
      llvm::raw_string_ostream value(text);
      if (printAttributeValue(value, attr.getValue()))
        os << ' ' << attr.getName().getValue() << '=' << text;
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
      if (failed(checkDescribable(func)))
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
