//===- Manifest.cpp - Artifact manifest parser ----------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace moe {
namespace runner {

//===----------------------------------------------------------------------===//
// Value parsing
//===----------------------------------------------------------------------===//

namespace {

/// Parses a whole decimal integer (optional sign) into \p value.
bool parseInt(const std::string &text, int64_t &value) {
  if (text.empty())
    return false;
  const char *begin = text.c_str();
  char *end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(begin, &end, 10);
  if (errno != 0 || end != begin + text.size())
    return false;
  // strtoll skips leading white space; the tokenizer never leaves any, but
  // reject it anyway.
  if (text[0] != '-' && text[0] != '+' && (text[0] < '0' || text[0] > '9'))
    return false;
  value = parsed;
  return true;
}

/// Parses a whole floating-point number into \p value.
bool parseFloat(const std::string &text, double &value) {
  if (text.empty())
    return false;
  const char *begin = text.c_str();
  char *end = nullptr;
  errno = 0;
  double parsed = std::strtod(begin, &end);
  if (end != begin + text.size() || errno == ERANGE)
    return false;
  value = parsed;
  return true;
}

bool parseBool(const std::string &text, bool &value) {
  if (text == "true" || text == "1") {
    value = true;
    return true;
  }
  if (text == "false" || text == "0") {
    value = false;
    return true;
  }
  return false;
}

/// Whether \p text is one of the '|'-separated \p words.
bool isOneOf(const std::string &text, const char *words) {
  std::stringstream stream(words);
  std::string word;
  while (std::getline(stream, word, '|'))
    if (word == text)
      return true;
  return false;
}

std::string describeWords(const char *words) {
  std::string text;
  std::stringstream stream(words);
  std::string word;
  while (std::getline(stream, word, '|'))
    text += (text.empty() ? "'" : ", '") + word + "'";
  return text;
}

/// Checks that \p value is a valid \p spec attribute; returns an error
/// message or "".
std::string checkAttribute(const AttrSpec &spec, const std::string &value) {
  switch (spec.kind) {
  case AttrKind::Int: {
    int64_t parsed;
    if (!parseInt(value, parsed))
      return "attribute '" + std::string(spec.name) + "' must be an integer, " +
             "got '" + value + "'";
    return "";
  }
  case AttrKind::Float: {
    double parsed;
    if (!parseFloat(value, parsed))
      return "attribute '" + std::string(spec.name) +
             "' must be a number, got '" + value + "'";
    return "";
  }
  case AttrKind::Bool: {
    bool parsed;
    if (!parseBool(value, parsed))
      return "attribute '" + std::string(spec.name) +
             "' must be 'true' or 'false', got '" + value + "'";
    return "";
  }
  case AttrKind::Word:
    if (!isOneOf(value, spec.words))
      return "attribute '" + std::string(spec.name) + "' must be one of " +
             describeWords(spec.words) + ", got '" + value + "'";
    return "";
  }
  return "";
}

/// Parses a shape: `scalar`, or sizes separated by 'x', each `?` or a
/// non-negative decimal integer.
bool parseShape(const std::string &text, Shape &shape, std::string &error) {
  shape.clear();
  if (text == "scalar")
    return true;
  size_t start = 0;
  while (true) {
    size_t end = text.find('x', start);
    std::string dim = text.substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    if (dim == "?") {
      shape.push_back(kDynamic);
    } else {
      int64_t size;
      if (dim.empty() || dim[0] < '0' || dim[0] > '9' || !parseInt(dim, size)) {
        error = "malformed shape '" + text + "': dimension '" + dim +
                "' is neither '?' nor a non-negative integer";
        return false;
      }
      shape.push_back(size);
    }
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return true;
}

/// Splits a line into white-space separated tokens.
std::vector<std::string> tokenize(const std::string &line) {
  std::vector<std::string> tokens;
  std::istringstream stream(line);
  std::string token;
  while (stream >> token)
    tokens.push_back(token);
  return tokens;
}

/// The manifest parser: one record per line.
class Parser {
public:
  Parser(const std::string &fileName, Manifest &manifest, std::string &error)
      : fileName(fileName), manifest(manifest), error(error) {}

  bool parse(const std::string &text);

private:
  bool fail(int line, const std::string &message) {
    error = fileName + ":" + std::to_string(line) + ": " + message;
    return false;
  }
  bool parseRecord(int line, const std::vector<std::string> &tokens);
  bool parseArg(int line, const std::vector<std::string> &tokens);
  bool parseResult(int line, const std::vector<std::string> &tokens);
  bool parseOp(int line, const std::vector<std::string> &tokens);
  bool finishFunction(int line);
  bool parseTypeAndShape(int line, const std::string &typeText,
                         const std::string &shapeText, ElementType &type,
                         Shape &shape);

  const std::string &fileName;
  Manifest &manifest;
  std::string &error;
  bool sawHeader = false;
  /// The function being read (between `function` and `end`).
  bool inFunction = false;
  ManifestFunction current;
  std::set<std::string> functionNames;
};

bool Parser::parse(const std::string &text) {
  manifest.fileName = fileName;
  manifest.functions.clear();
  std::istringstream stream(text);
  std::string lineText;
  int line = 0;
  while (std::getline(stream, lineText)) {
    ++line;
    if (!lineText.empty() && lineText.back() == '\r')
      lineText.pop_back();
    std::vector<std::string> tokens = tokenize(lineText);
    if (tokens.empty() || tokens[0][0] == '#')
      continue;
    if (!parseRecord(line, tokens))
      return false;
  }
  if (!sawHeader)
    return fail(line == 0 ? 1 : line,
                "empty manifest: expected the header 'moe-manifest 1'");
  if (inFunction)
    return fail(current.line, "function '" + current.name +
                                  "' is not closed by 'end' before the end "
                                  "of the file");
  return true;
}

bool Parser::parseRecord(int line, const std::vector<std::string> &tokens) {
  const std::string &keyword = tokens[0];
  if (!sawHeader) {
    if (keyword != "moe-manifest")
      return fail(line, "expected the header 'moe-manifest 1', got '" +
                            keyword + "'");
    if (tokens.size() != 2)
      return fail(line, "the header must be 'moe-manifest <version>'");
    int64_t version;
    if (!parseInt(tokens[1], version))
      return fail(line, "malformed manifest version '" + tokens[1] + "'");
    if (version != 1)
      return fail(line, "unsupported manifest version " + tokens[1] +
                            " (this moe-runner reads version 1)");
    sawHeader = true;
    return true;
  }
  if (keyword == "moe-manifest")
    return fail(line, "duplicate 'moe-manifest' header");
  if (keyword == "function") {
    if (inFunction)
      return fail(line, "'function' inside function '" + current.name +
                            "' (line " + std::to_string(current.line) +
                            "), which has no 'end'");
    if (tokens.size() != 2)
      return fail(line, "expected 'function <name>'");
    if (!functionNames.insert(tokens[1]).second)
      return fail(line, "duplicate function '" + tokens[1] + "'");
    current = ManifestFunction();
    current.name = tokens[1];
    current.line = line;
    inFunction = true;
    return true;
  }
  if (keyword != "arg" && keyword != "result" && keyword != "op" &&
      keyword != "end")
    return fail(line, "unknown record '" + keyword +
                          "' (expected 'function', 'arg', 'result', 'op' or "
                          "'end')");
  if (!inFunction)
    return fail(line, "'" + keyword + "' outside a function");
  if (keyword == "arg")
    return parseArg(line, tokens);
  if (keyword == "result")
    return parseResult(line, tokens);
  if (keyword == "op")
    return parseOp(line, tokens);
  if (tokens.size() != 1)
    return fail(line, "unexpected '" + tokens[1] + "' after 'end'");
  return finishFunction(line);
}

bool Parser::parseTypeAndShape(int line, const std::string &typeText,
                               const std::string &shapeText, ElementType &type,
                               Shape &shape) {
  if (!parseElementType(typeText, type))
    return fail(line, "unsupported element type '" + typeText +
                          "' (expected f32, bf16, f16, i32 or f8E4M3FN)");
  std::string shapeError;
  if (!parseShape(shapeText, shape, shapeError))
    return fail(line, shapeError);
  return true;
}

bool Parser::parseArg(int line, const std::vector<std::string> &tokens) {
  if (tokens.size() != 4)
    return fail(line, "expected 'arg <index> <element-type> <shape>', got " +
                          std::to_string(tokens.size()) + " fields");
  ManifestArg arg;
  arg.line = line;
  if (!parseInt(tokens[1], arg.index) ||
      arg.index != static_cast<int64_t>(current.args.size()))
    return fail(line, "expected argument index " +
                          std::to_string(current.args.size()) + ", got '" +
                          tokens[1] + "'");
  if (!parseTypeAndShape(line, tokens[2], tokens[3], arg.type, arg.shape))
    return false;
  current.args.push_back(arg);
  return true;
}

bool Parser::parseResult(int line, const std::vector<std::string> &tokens) {
  if (tokens.size() != 5)
    return fail(line, "expected 'result <index> <element-type> <shape> "
                      "out=<argument>', got " +
                          std::to_string(tokens.size()) + " fields");
  ManifestResult result;
  result.line = line;
  if (!parseInt(tokens[1], result.index) ||
      result.index != static_cast<int64_t>(current.results.size()))
    return fail(line, "expected result index " +
                          std::to_string(current.results.size()) + ", got '" +
                          tokens[1] + "'");
  if (!parseTypeAndShape(line, tokens[2], tokens[3], result.type, result.shape))
    return false;
  const std::string &out = tokens[4];
  if (out.compare(0, 4, "out=") != 0)
    return fail(line, "expected 'out=<argument>', got '" + out + "'");
  std::string value = out.substr(4);
  if (value == "-") {
    result.outArg = kNotAnArgument;
  } else if (!parseInt(value, result.outArg) || result.outArg < 0) {
    return fail(line, "malformed out argument '" + value +
                          "' (expected an argument index or '-')");
  }
  current.results.push_back(result);
  return true;
}

bool Parser::parseOp(int line, const std::vector<std::string> &tokens) {
  if (tokens.size() < 2)
    return fail(line, "expected 'op <name> <field>=<value> ...'");
  ManifestOp op;
  op.name = tokens[1];
  op.line = line;
  op.schema = findOpSchema(op.name);
  std::set<std::string> seen;
  for (size_t i = 2; i < tokens.size(); ++i) {
    const std::string &field = tokens[i];
    size_t equal = field.find('=');
    if (equal == std::string::npos || equal == 0)
      return fail(line, "malformed field '" + field + "' of op '" + op.name +
                            "' (expected <name>=<value>)");
    std::string key = field.substr(0, equal);
    std::string value = field.substr(equal + 1);
    if (!seen.insert(key).second)
      return fail(line,
                  "duplicate field '" + key + "' of op '" + op.name + "'");
    if (!op.schema) {
      op.attributes.emplace_back(key, value);
      continue;
    }
    if (op.schema->findOperand(key)) {
      int64_t arg = kNotAnArgument;
      if (value != "-" && (!parseInt(value, arg) || arg < 0))
        return fail(line, "operand '" + key + "' of op '" + op.name +
                              "' must be an argument index or '-', got '" +
                              value + "'");
      op.operands.emplace_back(key, arg);
      continue;
    }
    if (const AttrSpec *spec = op.schema->findAttribute(key)) {
      std::string message = checkAttribute(*spec, value);
      if (!message.empty())
        return fail(line, message + " (op '" + op.name + "')");
      op.attributes.emplace_back(key, value);
      continue;
    }
    return fail(line, "unknown operand or attribute '" + key + "' of op '" +
                          op.name + "'");
  }
  if (op.schema) {
    for (const OperandSpec &spec : op.schema->operands)
      if (spec.required && !seen.count(spec.name))
        return fail(line, "op '" + op.name + "' lacks its operand '" +
                              spec.name + "'");
    for (const AttrSpec &spec : op.schema->attributes)
      if (spec.required && !seen.count(spec.name))
        return fail(line, "op '" + op.name + "' lacks its attribute '" +
                              spec.name + "'");
  }
  current.ops.push_back(op);
  return true;
}

bool Parser::finishFunction(int line) {
  int64_t numArgs = static_cast<int64_t>(current.args.size());
  for (const ManifestResult &result : current.results)
    if (result.outArg >= numArgs)
      return fail(result.line, "result " + std::to_string(result.index) +
                                   " is written to argument " +
                                   std::to_string(result.outArg) +
                                   " but function '" + current.name + "' has " +
                                   std::to_string(numArgs) + " arguments");
  for (const ManifestOp &op : current.ops)
    for (const auto &[name, arg] : op.operands)
      if (arg >= numArgs)
        return fail(op.line, "operand '" + name + "' of op '" + op.name +
                                 "' is argument " + std::to_string(arg) +
                                 " but function '" + current.name + "' has " +
                                 std::to_string(numArgs) + " arguments");
  (void)line;
  manifest.functions.push_back(std::move(current));
  current = ManifestFunction();
  inFunction = false;
  return true;
}

} // namespace

//===----------------------------------------------------------------------===//
// ManifestOp
//===----------------------------------------------------------------------===//

bool ManifestOp::hasOperand(const std::string &operand) const {
  return operandArg(operand) != -2;
}

int64_t ManifestOp::operandArg(const std::string &operand) const {
  for (const auto &[name, arg] : operands)
    if (name == operand)
      return arg;
  return -2;
}

std::string ManifestOp::attributeText(const std::string &attribute) const {
  for (const auto &[name, value] : attributes)
    if (name == attribute)
      return value;
  if (schema)
    if (const AttrSpec *spec = schema->findAttribute(attribute))
      return spec->defaultValue;
  return "";
}

bool ManifestOp::hasAttr(const std::string &attribute) const {
  for (const auto &entry : attributes)
    if (entry.first == attribute)
      return true;
  return false;
}

int64_t ManifestOp::intAttr(const std::string &attribute) const {
  int64_t value = 0;
  parseInt(attributeText(attribute), value);
  return value;
}

double ManifestOp::floatAttr(const std::string &attribute) const {
  double value = 0;
  parseFloat(attributeText(attribute), value);
  return value;
}

bool ManifestOp::boolAttr(const std::string &attribute) const {
  bool value = false;
  parseBool(attributeText(attribute), value);
  return value;
}

std::string ManifestOp::wordAttr(const std::string &attribute) const {
  return attributeText(attribute);
}

std::string ManifestOp::format() const {
  std::string text = name;
  for (const auto &[operand, arg] : operands)
    text += " " + operand + "=" +
            (arg == kNotAnArgument ? std::string("-") : std::to_string(arg));
  for (const auto &[attribute, value] : attributes)
    text += " " + attribute + "=" + value;
  return text;
}

//===----------------------------------------------------------------------===//
// Manifest
//===----------------------------------------------------------------------===//

const ManifestFunction *Manifest::findFunction(const std::string &name) const {
  for (const ManifestFunction &function : functions)
    if (function.name == name)
      return &function;
  return nullptr;
}

bool parseManifest(const std::string &text, const std::string &fileName,
                   Manifest &manifest, std::string &error) {
  return Parser(fileName, manifest, error).parse(text);
}

bool readManifest(const std::string &path, Manifest &manifest,
                  std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open the manifest '" + path + "'";
    return false;
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    error = "cannot read the manifest '" + path + "'";
    return false;
  }
  return parseManifest(text.str(), path, manifest, error);
}

} // namespace runner
} // namespace moe
