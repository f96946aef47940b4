//===- moe-tblgen.cpp - The moe op schema from ODS ------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// A TableGen backend over include/moe/Dialect/Moe/IR/MoeOps.td that writes
// the per-op schema of the manifest (docs/Artifacts.md, "The manifest"):
// every destination-style op of the moe dialect with its operands in ODS
// order (the outs are its `*_init` operands, named without the suffix) and
// its attributes (kind, whether required, default, allowed words).
//
//   -gen-op-schema          C++ table (include/moe/Schema/MoeOpSchema.inc)
//                           that moe-runner and --moe-export-manifest read
//   -gen-op-schema-py       the same table as Python (python/moe/_op_schema.py)
//   -gen-manifest-accessors the operand values of each op class, for the
//                           manifest writer (build tree only)
//
// The first two are committed, because moe-runner and python/moe also build
// without MLIR; `ninja moe-schema` refreshes them and
// test/schema-up-to-date.test fails when they are stale.
//
//===----------------------------------------------------------------------===//

#include "mlir/TableGen/Argument.h"
#include "mlir/TableGen/Attribute.h"
#include "mlir/TableGen/EnumInfo.h"
#include "mlir/TableGen/Operator.h"
#include "mlir/TableGen/Trait.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/TableGen/Error.h"
#include "llvm/TableGen/Main.h"
#include "llvm/TableGen/Record.h"

#include <string>
#include <vector>

using namespace llvm;
using mlir::tblgen::Operator;

namespace {

enum class Action { OpSchema, OpSchemaPy, ManifestAccessors };

cl::opt<Action> action(
    cl::desc("Output:"),
    cl::values(clEnumValN(Action::OpSchema, "gen-op-schema",
                          "the C++ op schema table"),
               clEnumValN(Action::OpSchemaPy, "gen-op-schema-py",
                          "the Python op schema table"),
               clEnumValN(Action::ManifestAccessors, "gen-manifest-accessors",
                          "operand values and enum words of each op class")));

//===----------------------------------------------------------------------===//
// The schema, read from the records
//===----------------------------------------------------------------------===//

/// The suffix that marks a destination-passing init operand in MoeOps.td
/// (Moe_DpsOp: the outs are the trailing operands).
constexpr StringLiteral kInitSuffix = "_init";

struct OperandInfo {
  std::string name;   // manifest name: the ODS name without kInitSuffix
  std::string getter; // ODS accessor, e.g. getWeightsInit
  bool isOut;
  bool required;
};

enum class AttrKind { Int, Float, Bool, Word };

struct AttributeInfo {
  std::string name;
  AttrKind kind;
  bool required;
  std::string defaultValue; // manifest text; "" when none
  std::vector<std::string> words;
};

/// An enum attribute class of the moe dialect, for its manifest word.
struct EnumAttrInfo {
  std::string attrClass;   // e.g. ::mlir::moe::ScoringFuncAttr
  std::string stringifier; // e.g. ::mlir::moe::stringifyScoringFunc
};

struct OpInfo {
  std::string name; // mnemonic, e.g. fused_moe
  std::string cppClass;
  std::vector<OperandInfo> operands;
  std::vector<AttributeInfo> attributes;
};

bool isDestinationStyle(const Operator &op) {
  for (const mlir::tblgen::Trait &trait : op.getTraits())
    if (auto *interface = dyn_cast<mlir::tblgen::InterfaceTrait>(&trait))
      if (interface->getFullyQualifiedTraitName() ==
          "::mlir::DestinationStyleOpInterface::Trait")
        return true;
  return false;
}

/// The enum of an attribute declared as `EnumAttr<dialect, enum, name>`.
std::optional<mlir::tblgen::EnumInfo>
getEnum(const mlir::tblgen::Attribute &attr) {
  const Record &def = attr.getDef();
  if (!def.isSubClassOf("EnumAttr"))
    return std::nullopt;
  return mlir::tblgen::EnumInfo(def.getValueAsDef("enum"));
}

/// The manifest text of a DefaultValuedAttr's C++ default ("1.0f" -> "1",
/// "::mlir::moe::GroupScore::max" -> "max").
std::string manifestDefault(const Operator &op, StringRef name, AttrKind kind,
                            StringRef cppDefault) {
  StringRef text = cppDefault.trim();
  switch (kind) {
  case AttrKind::Int: {
    int64_t value;
    if (text.getAsInteger(10, value))
      PrintFatalError(op.getLoc(), "attribute '" + name +
                                       "': integer default '" + text +
                                       "' is not a literal");
    return std::to_string(value);
  }
  case AttrKind::Float: {
    double value;
    text.consume_back("f");
    if (text.getAsDouble(value))
      PrintFatalError(op.getLoc(), "attribute '" + name + "': float default '" +
                                       cppDefault + "' is not a literal");
    std::string manifestText;
    raw_string_ostream(manifestText) << format("%g", value);
    return manifestText;
  }
  case AttrKind::Bool:
    return text.str();
  case AttrKind::Word: {
    // An enumerator: the case after the last `::`.
    size_t colons = text.rfind("::");
    return (colons == StringRef::npos ? text : text.drop_front(colons + 2))
        .str();
  }
  }
  return "";
}

AttributeInfo readAttribute(const Operator &op,
                            const mlir::tblgen::NamedAttribute &named,
                            std::vector<EnumAttrInfo> &enums) {
  mlir::tblgen::Attribute attr = named.attr;
  mlir::tblgen::Attribute base = attr.getBaseAttr();
  AttributeInfo info;
  info.name = named.name.str();
  StringRef storage = base.getStorageType();
  if (std::optional<mlir::tblgen::EnumInfo> enumInfo = getEnum(base)) {
    info.kind = AttrKind::Word;
    for (const mlir::tblgen::EnumCase &enumCase : enumInfo->getAllCases())
      info.words.push_back(enumCase.getStr().str());
    std::string ns = enumInfo->getCppNamespace().str();
    EnumAttrInfo enumAttr{
        storage.str(), ns + "::" + enumInfo->getSymbolToStringFnName().str()};
    if (llvm::none_of(enums, [&](const EnumAttrInfo &each) {
          return each.attrClass == enumAttr.attrClass;
        }))
      enums.push_back(enumAttr);
  } else if (storage == "::mlir::IntegerAttr") {
    info.kind = AttrKind::Int;
  } else if (storage == "::mlir::FloatAttr") {
    info.kind = AttrKind::Float;
  } else if (storage == "::mlir::UnitAttr") {
    info.kind = AttrKind::Bool;
  } else {
    // The manifest has no text for other attributes: extend AttrKind (and
    // the readers) before an op takes one.
    PrintFatalError(op.getLoc(), "attribute '" + info.name + "' of '" +
                                     op.getOperationName() + "' has storage " +
                                     storage +
                                     ", which the manifest cannot carry");
  }
  info.required = !attr.isOptional() && !attr.hasDefaultValue();
  if (attr.hasDefaultValue())
    info.defaultValue =
        manifestDefault(op, info.name, info.kind, attr.getDefaultValue());
  else if (info.kind == AttrKind::Bool)
    info.defaultValue = "false";
  return info;
}

OpInfo readOp(const Operator &op, std::vector<EnumAttrInfo> &enums) {
  OpInfo info;
  info.name = op.getOperationName().substr(op.getDialectName().size() + 1);
  info.cppClass = op.getQualCppClassName();
  bool sawInit = false;
  for (int i = 0, e = op.getNumOperands(); i < e; ++i) {
    const mlir::tblgen::NamedTypeConstraint &operand = op.getOperand(i);
    StringRef name = operand.name;
    if (operand.isVariadic())
      PrintFatalError(op.getLoc(), "variadic operand '" + name +
                                       "': the manifest names one value an "
                                       "operand");
    bool isOut = name.consume_back(kInitSuffix);
    // Moe_DpsOp's getDpsInitsMutable takes the trailing operands.
    if (sawInit && !isOut)
      PrintFatalError(op.getLoc(), "operand '" + operand.name +
                                       "' follows an init operand: the outs "
                                       "must be the trailing operands");
    sawInit |= isOut;
    info.operands.push_back({name.str(), op.getGetterName(operand.name), isOut,
                             !operand.isOptional()});
  }
  if (!sawInit)
    PrintFatalError(op.getLoc(), "destination-style op without an '*" +
                                     kInitSuffix + "' operand");
  for (const mlir::tblgen::NamedAttribute &named : op.getAttributes())
    if (!named.attr.isDerivedAttr())
      info.attributes.push_back(readAttribute(op, named, enums));
  return info;
}

/// The destination-style ops of the moe dialect, in definition order.
std::vector<OpInfo> readOps(const RecordKeeper &records,
                            std::vector<EnumAttrInfo> &enums) {
  std::vector<OpInfo> ops;
  for (const Record *def : records.getAllDerivedDefinitions("Op")) {
    Operator op(def);
    if (op.getDialectName() != "moe" || !isDestinationStyle(op))
      continue;
    ops.push_back(readOp(op, enums));
  }
  return ops;
}

//===----------------------------------------------------------------------===//
// Emitters
//===----------------------------------------------------------------------===//

const char *kindName(AttrKind kind) {
  switch (kind) {
  case AttrKind::Int:
    return "Int";
  case AttrKind::Float:
    return "Float";
  case AttrKind::Bool:
    return "Bool";
  case AttrKind::Word:
    return "Word";
  }
  return "";
}

std::string cppArrayName(const OpInfo &op, StringRef what) {
  return "k" + convertToCamelFromSnakeCase(op.name, /*capitalizeFirst=*/true) +
         what.str();
}

/// A notice that the file is generated (and, for a committed one, how to
/// refresh it).
void emitNotice(raw_ostream &os, StringRef comment, bool committed) {
  os << comment << " Generated by tools/moe-tblgen from "
     << "include/moe/Dialect/Moe/IR/MoeOps.td:\n"
     << comment << " do not edit.";
  if (committed)
    os << " Refresh the committed copy with\n"
       << comment << " `ninja -C build moe-schema` (docs/Artifacts.md).";
  os << "\n";
}

bool emitOpSchema(raw_ostream &os, const RecordKeeper &records) {
  std::vector<EnumAttrInfo> enums;
  std::vector<OpInfo> ops = readOps(records, enums);
  os << "//===- MoeOpSchema.inc - The moe op schema ----------------------*- "
        "C++ -*-===//\n";
  emitNotice(os, "//", /*committed=*/true);
  os << "// Included by moe/Schema/OpSchema.h.\n"
     << "//===---------------------------------------------------------------"
        "-------===//\n";
  for (const OpInfo &op : ops) {
    os << "\n// moe." << op.name << "\n";
    os << "inline constexpr OperandSchema " << cppArrayName(op, "Operands")
       << "[] = {\n";
    for (const OperandInfo &operand : op.operands)
      os << "    {\"" << operand.name << "\", /*isOut=*/"
         << (operand.isOut ? "true" : "false") << ", /*required=*/"
         << (operand.required ? "true" : "false") << "},\n";
    os << "};\n";
    if (op.attributes.empty())
      continue;
    os << "inline constexpr AttributeSchema " << cppArrayName(op, "Attributes")
       << "[] = {\n";
    for (const AttributeInfo &attr : op.attributes)
      os << "    {\"" << attr.name << "\", AttrKind::" << kindName(attr.kind)
         << ", /*required=*/" << (attr.required ? "true" : "false") << ", \""
         << attr.defaultValue << "\", \"" << join(attr.words, "|") << "\"},\n";
    os << "};\n";
  }
  os << "\ninline constexpr OpSchema kOpSchemas[] = {\n";
  for (const OpInfo &op : ops)
    os << "    {\"" << op.name << "\", " << cppArrayName(op, "Operands") << ", "
       << (op.attributes.empty() ? "{}" : cppArrayName(op, "Attributes"))
       << "},\n";
  os << "};\n";
  return false;
}

std::string pythonBool(bool value) { return value ? "True" : "False"; }

bool emitOpSchemaPy(raw_ostream &os, const RecordKeeper &records) {
  std::vector<EnumAttrInfo> enums;
  std::vector<OpInfo> ops = readOps(records, enums);
  os << "\"\"\"The operands and attributes of the moe ops, as the manifest "
        "names them.\"\"\"\n\n";
  emitNotice(os, "#", /*committed=*/true);
  os << "#\n"
     << "# OPERANDS: op -> ((name, is_out, required), ...) in ODS order.\n"
     << "# ATTRIBUTES: op -> ((name, kind, required, default, words), ...):\n"
     << "# kind is int, float, bool or word; default is manifest text (\"\" "
        "when\n"
     << "# none); words are a word attribute's allowed values.\n\n";
  os << "OPERANDS = {\n";
  for (const OpInfo &op : ops) {
    os << "    \"" << op.name << "\": (\n";
    for (const OperandInfo &operand : op.operands)
      os << "        (\"" << operand.name << "\", " << pythonBool(operand.isOut)
         << ", " << pythonBool(operand.required) << "),\n";
    os << "    ),\n";
  }
  os << "}\n\nATTRIBUTES = {\n";
  for (const OpInfo &op : ops) {
    os << "    \"" << op.name << "\": (";
    if (op.attributes.empty()) {
      os << "),\n";
      continue;
    }
    os << "\n";
    for (const AttributeInfo &attr : op.attributes) {
      os << "        (\"" << attr.name << "\", \""
         << StringRef(kindName(attr.kind)).lower() << "\", "
         << pythonBool(attr.required) << ", \"" << attr.defaultValue << "\", (";
      llvm::interleaveComma(attr.words, os, [&](const std::string &word) {
        os << "\"" << word << "\"";
      });
      os << (attr.words.size() == 1 ? ",))," : ")),") << "\n";
    }
    os << "    ),\n";
  }
  os << "}\n";
  return false;
}

bool emitManifestAccessors(raw_ostream &os, const RecordKeeper &records) {
  std::vector<EnumAttrInfo> enums;
  std::vector<OpInfo> ops = readOps(records, enums);
  emitNotice(os, "//", /*committed=*/false);
  os << "\n/// The manifest operands of `op` in ODS order (a null Value for "
        "an\n"
     << "/// absent optional one); empty for an op outside the schema.\n"
     << "static ::llvm::SmallVector<std::pair<::llvm::StringRef, "
        "::mlir::Value>>\n"
     << "getManifestOperands(::mlir::Operation *op) {\n";
  for (const OpInfo &op : ops) {
    os << "  if (auto typed = ::llvm::dyn_cast<" << op.cppClass << ">(op))\n"
       << "    return {";
    llvm::interleaveComma(op.operands, os, [&](const OperandInfo &operand) {
      os << "{\"" << operand.name << "\", typed." << operand.getter << "()}";
    });
    os << "};\n";
  }
  os << "  return {};\n}\n\n";
  os << "/// The manifest word of an enum attribute of a moe op, or \"\".\n"
     << "static ::std::string getManifestWord(::mlir::Attribute attr) {\n";
  for (const EnumAttrInfo &enumAttr : enums)
    os << "  if (auto typed = ::llvm::dyn_cast<" << enumAttr.attrClass
       << ">(attr))\n"
       << "    return " << enumAttr.stringifier
       << "(typed.getValue()).str();\n";
  os << "  return \"\";\n}\n";
  return false;
}

bool emit(raw_ostream &os, const RecordKeeper &records) {
  switch (action) {
  case Action::OpSchema:
    return emitOpSchema(os, records);
  case Action::OpSchemaPy:
    return emitOpSchemaPy(os, records);
  case Action::ManifestAccessors:
    return emitManifestAccessors(os, records);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv);
  return TableGenMain(argv[0], &emit);
}
