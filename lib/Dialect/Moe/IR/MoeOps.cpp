//===- MoeOps.cpp - Verifiers of the moe ops ------------------------------===//
//
// Every verifier names the operand or attribute at fault and the numbers that
// disagree. Dynamic dimensions are checked at run time, not here.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "QuantVerify.h"
#include "VerifyUtils.h"
#include "moe/Dialect/Moe/IR/MoeConfig.h"

#include "llvm/ADT/APInt.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::moe;

//===----------------------------------------------------------------------===//
// Destination-passing style: tensor or buffer form
//===----------------------------------------------------------------------===//

/// Every shaped operand of a moe op is a tensor (the op has one result per
/// out) or every one is a memref (the op has no results): no mixed forms.
static LogicalResult verifyTensorOrBufferForm(Operation *op) {
  bool anyTensor = false, anyMemRef = false;
  for (Type type : op->getOperandTypes()) {
    anyTensor |= isa<TensorType>(type);
    anyMemRef |= isa<MemRefType>(type);
  }
  if (anyTensor && anyMemRef)
    return op->emitOpError("mixes tensor and memref operands: all operands "
                           "are tensors, or (after bufferization) all are "
                           "memrefs");
  return success();
}

/// Every operand's size in bytes (of its static sizes; a dynamic size counts
/// as one) fits a 64-bit index: element counts, byte offsets and strides are
/// `index` values on the host and in the kernels, and a count past the index
/// width would wrap instead of failing.
static LogicalResult verifyIndexWidth(Operation *op) {
  for (auto [number, type] : llvm::enumerate(op->getOperandTypes())) {
    auto shaped = dyn_cast<ShapedType>(type);
    if (!shaped || !shaped.hasRank())
      continue;
    unsigned width = 64 * (shaped.getRank() + 2);
    llvm::APInt elements(width, 1);
    for (int64_t size : shaped.getShape())
      if (isKnown(size))
        elements *= llvm::APInt(width, size);
    Type element = shaped.getElementType();
    unsigned bits =
        element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 64;
    int64_t elementBytes = llvm::divideCeil(std::max<unsigned>(bits, 1), 8);
    llvm::APInt bytes = elements * llvm::APInt(width, elementBytes);
    if (bytes.ule(std::numeric_limits<int64_t>::max()))
      continue;
    return op->emitOpError()
           << "operand #" << number << " (" << type << ") has "
           << llvm::toString(elements, 10, /*Signed=*/false) << " elements ("
           << llvm::toString(bytes, 10, /*Signed=*/false)
           << " bytes): past the 64-bit index limit of 2^63 - 1 bytes";
  }
  return success();
}

/// The checks every moe op's verifier starts with: one form, sizes within
/// the index width, and a valid `moe.config` (MoeConfig.h).
static LogicalResult verifyCommon(Operation *op) {
  if (failed(verifyTensorOrBufferForm(op)) || failed(verifyIndexWidth(op)))
    return failure();
  if (Attribute config = op->getAttr(kConfigAttrName))
    return verifyConfigAttr(op, config);
  return success();
}

/// Buffer form: reads every input memref and writes every out memref.
static void getDpsEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// Tensor form is pure and speculatable; buffer form writes memory.
static Speculation::Speculatability
getDpsSpeculatability(DestinationStyleOpInterface op) {
  return op.hasPureTensorSemantics() ? Speculation::Speculatable
                                     : Speculation::NotSpeculatable;
}

#define MOE_DEFINE_DPS_INTERFACES(OpT)                                         \
  void OpT::getEffects(                                                        \
      SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>      \
          &effects) {                                                          \
    getDpsEffects(*this, effects);                                             \
  }                                                                            \
  Speculation::Speculatability OpT::getSpeculatability() {                     \
    return getDpsSpeculatability(*this);                                       \
  }

MOE_DEFINE_DPS_INTERFACES(GateOp)
MOE_DEFINE_DPS_INTERFACES(AlignOp)
MOE_DEFINE_DPS_INTERFACES(PermuteOp)
MOE_DEFINE_DPS_INTERFACES(PermuteIndicesOp)
MOE_DEFINE_DPS_INTERFACES(CombineOp)
MOE_DEFINE_DPS_INTERFACES(GroupedMatmulOp)
MOE_DEFINE_DPS_INTERFACES(MotLinearOp)
MOE_DEFINE_DPS_INTERFACES(MotMlpOp)
MOE_DEFINE_DPS_INTERFACES(RmsNormOp)
MOE_DEFINE_DPS_INTERFACES(SiluAndMulOp)
MOE_DEFINE_DPS_INTERFACES(FusedMoeOp)
MOE_DEFINE_DPS_INTERFACES(QuantizeOp)
#undef MOE_DEFINE_DPS_INTERFACES

//===----------------------------------------------------------------------===//
// Routing attributes (gate, fused_moe)
//===----------------------------------------------------------------------===//

/// Verifies the routing attributes shared by moe.gate and moe.fused_moe for
/// `numExperts` routed experts (dynamic: only the attribute-only rules).
template <typename OpT>
static LogicalResult verifyRouting(OpT op, int64_t numExperts) {
  int64_t k = op.getK();
  int64_t numGroups = op.getNumGroups();
  int64_t topkGroups = op.getTopkGroups();
  if (failed(expectPositive(op, k, "k")) ||
      failed(expectPositive(op, numGroups, "num_groups")) ||
      failed(expectPositive(op, topkGroups, "topk_groups")))
    return failure();
  if (topkGroups > numGroups)
    return op.emitOpError()
           << "topk_groups (" << topkGroups << ") must not exceed num_groups ("
           << numGroups << ")";
  // I64Attr getters return uint64_t: compare the signed value.
  int64_t numShared = op.getNumSharedExperts();
  if (numShared < 0)
    return op.emitOpError()
           << "num_shared_experts (" << numShared << ") must not be negative";
  if (failed(addSizes(op, k, numShared, "k + num_shared_experts")))
    return failure();
  double scale = op.getScalingFactor().convertToDouble();
  if (!(scale > 0.0) || !std::isfinite(scale))
    return op.emitOpError()
           << "scaling_factor (" << scale << ") must be positive and finite";
  if (!isKnown(numExperts))
    return success();
  if (numExperts % numGroups != 0)
    return op.emitOpError()
           << "num_groups (" << numGroups
           << ") must divide the number of experts E (" << numExperts << ")";
  int64_t eligible = topkGroups * (numExperts / numGroups);
  if (k > eligible)
    return op.emitOpError() << "k (" << k << ") exceeds the " << eligible
                            << " experts eligible for selection (topk_groups "
                            << topkGroups << " of num_groups " << numGroups
                            << " groups of E " << numExperts << " experts)";
  return success();
}

/// The weights of the shared slots of moe.gate and moe.fused_moe for
/// `numTokens` tokens: `shared_logits [T, S]` give them (so they need shared
/// slots and the default shared_weight), or `shared_weight` does.
template <typename OpT>
static LogicalResult verifySharedWeights(OpT op, int64_t numTokens) {
  int64_t numShared = op.getNumSharedExperts();
  bool unitWeight = op.getSharedWeight() == SharedWeight::one;
  if (unitWeight && numShared < 1)
    return op.emitOpError() << "shared_weight = one needs shared slots "
                               "(num_shared_experts >= 1)";
  Value sharedLogits = op.getSharedLogits();
  if (!sharedLogits)
    return success();
  if (numShared < 1)
    return op.emitOpError() << "shared_logits needs shared slots to weight "
                               "(num_shared_experts >= 1)";
  if (unitWeight)
    return op.emitOpError() << "shared_logits give the shared slots their "
                               "weights (sigmoid): shared_weight = one "
                               "contradicts them";
  return failure(failed(expectDim(op, sharedLogits, "shared_logits", 0,
                                  numTokens, "the number of tokens T")) ||
                 failed(expectDim(op, sharedLogits, "shared_logits", 1,
                                  numShared, "num_shared_experts")));
}

//===----------------------------------------------------------------------===//
// GateOp
//===----------------------------------------------------------------------===//

LogicalResult GateOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numTokens = dimOf(getLogits(), 0);
  int64_t numExperts = dimOf(getLogits(), 1);
  if (failed(verifyRouting(*this, numExperts)) ||
      failed(verifySharedWeights(*this, numTokens)))
    return failure();
  if (getBias() && failed(expectDim(op, getBias(), "bias", 0, numExperts,
                                    "the number of experts E")))
    return failure();
  // Cannot overflow: verifyRouting checked it.
  int64_t slots = getK() + getNumSharedExperts();
  for (auto [name, result] :
       {std::pair<StringRef, Value>{"weights", getWeightsInit()},
        std::pair<StringRef, Value>{"ids", getIdsInit()}}) {
    if (failed(expectDim(op, result, name, 0, numTokens,
                         "the number of tokens T of logits")) ||
        failed(expectDim(op, result, name, 1, slots, "k + num_shared_experts")))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// AlignOp
//===----------------------------------------------------------------------===//

int64_t AlignOp::getPaddedSize(int64_t numSlots, int64_t numExperts,
                               int64_t blockM) {
  int64_t padding = mulSizes(numExperts, blockM - 1);
  int64_t total;
  if (!isKnown(numSlots) || !isKnown(padding) ||
      llvm::AddOverflow(numSlots, padding, total))
    return ShapedType::kDynamic;
  return mulSizes(llvm::divideCeil(total, blockM), blockM);
}

LogicalResult AlignOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numExperts = getNumExperts();
  int64_t blockM = getBlockM();
  if (failed(expectPositive(op, numExperts, "num_experts")) ||
      failed(expectPositive(op, blockM, "block_m")))
    return failure();
  if (getExpertMap() && failed(expectDim(op, getExpertMap(), "expert_map", 0,
                                         numExperts, "num_experts")))
    return failure();
  int64_t numSlots = mulSizes(dimOf(getIds(), 0), dimOf(getIds(), 1));
  int64_t padded = getPaddedSize(numSlots, numExperts, blockM);
  bool staticSlots = isKnown(dimOf(getIds(), 0)) && isKnown(dimOf(getIds(), 1));
  if (!isKnown(padded) &&
      (staticSlots || !isKnown(mulSizes(numExperts, blockM - 1))))
    return emitOpError()
           << "padded size T*k + num_experts*(block_m-1) rounded up to "
              "block_m overflows a 64-bit size (ids "
           << getIds().getType() << ", num_experts " << numExperts
           << ", block_m " << blockM << ")";
  int64_t numBlocks = isKnown(padded) ? padded / blockM : ShapedType::kDynamic;
  if (failed(
          expectDim(op, getSortedIdsInit(), "sorted_ids", 0, padded,
                    "T*k + num_experts*(block_m-1) rounded up to block_m")) ||
      failed(expectDim(op, getExpertIdsInit(), "expert_ids", 0, numBlocks,
                       "the number of blocks")) ||
      failed(expectDim(op, getNumTokensPostPadInit(), "num_tokens_post_pad", 0,
                       1, "one element")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// PermuteOp
//===----------------------------------------------------------------------===//

/// The index outs of moe.permute and moe.permute_indices: ids, weights,
/// src_index, offsets, row_weights and slot_rows for `numTokens` tokens.
static LogicalResult verifyPermutation(Operation *op, int64_t numExperts,
                                       int64_t numTokens, Value ids,
                                       Value weights, Value srcIndex,
                                       Value offsets, Value rowWeights,
                                       Value slotRows, StringRef tokensName,
                                       bool scaleRows) {
  if (failed(expectPositive(op, numExperts, "num_experts")))
    return failure();
  FailureOr<int64_t> numOffsets =
      addSizes(op, numExperts, 1, "num_experts + 1");
  if (failed(numOffsets))
    return failure();
  int64_t numSlots = mulSizes(numTokens, dimOf(ids, 1));
  if (failed(expectDim(op, ids, "ids", 0, numTokens, tokensName)))
    return failure();
  if (weights) {
    if (failed(
            expectDim(op, weights, "weights", 0, dimOf(ids, 0), "ids dim 0")) ||
        failed(
            expectDim(op, weights, "weights", 1, dimOf(ids, 1), "ids dim 1")))
      return failure();
  }
  if (scaleRows && !weights)
    return op->emitOpError("scale_rows needs a weights operand (the rows' "
                           "scales)");
  // With scale_rows the weights scale the rows: row_weights is optional.
  if (rowWeights ? !weights : (weights && !scaleRows))
    return op->emitOpError("has a row_weights out exactly when it has a "
                           "weights operand (without scale_rows)");
  if (failed(expectDim(op, srcIndex, "src_index", 0, numSlots, "T*k")) ||
      failed(
          expectDim(op, offsets, "offsets", 0, *numOffsets, "num_experts + 1")))
    return failure();
  if (rowWeights &&
      failed(expectDim(op, rowWeights, "row_weights", 0, numSlots, "T*k")))
    return failure();
  if (slotRows &&
      failed(expectDim(op, slotRows, "slot_rows", 0, numSlots, "T*k")))
    return failure();
  return success();
}

LogicalResult PermuteOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numTokens = dimOf(getX(), 0);
  if (failed(verifyPermutation(
          op, getNumExperts(), numTokens, getIds(), getWeights(),
          getSrcIndexInit(), getOffsetsInit(), getRowWeightsInit(),
          getSlotRowsInit(), "the number of tokens T of x", getScaleRows())))
    return failure();
  int64_t numSlots = mulSizes(numTokens, dimOf(getIds(), 1));
  return failure(
      failed(expectDim(op, getRowsInit(), "rows", 0, numSlots, "T*k")) ||
      failed(expectDim(op, getRowsInit(), "rows", 1, dimOf(getX(), 1),
                       "x dim 1")) ||
      failed(expectSameElementType(op, getRowsInit(), "rows", getX(), "x")));
}

LogicalResult PermuteIndicesOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  return verifyPermutation(getOperation(), getNumExperts(), dimOf(getIds(), 0),
                           getIds(), getWeights(), getSrcIndexInit(),
                           getOffsetsInit(), getRowWeightsInit(),
                           getSlotRowsInit(), "ids dim 0",
                           /*scaleRows=*/false);
}

//===----------------------------------------------------------------------===//
// CombineOp
//===----------------------------------------------------------------------===//

LogicalResult CombineOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t k = getK();
  if (failed(expectPositive(op, k, "k")))
    return failure();
  int64_t numTokens = dimOf(getOutInit(), 0);
  if (failed(expectDim(op, getSrcIndex(), "src_index", 0, dimOf(getY(), 0),
                       "the number of rows R of y")) ||
      failed(expectDim(op, getY(), "y", 0, mulSizes(numTokens, k),
                       "T*k (T from out)")) ||
      failed(
          expectDim(op, getOutInit(), "out", 1, dimOf(getY(), 1), "y dim 1")))
    return failure();
  // slot_rows has one entry per slot: T*k, or the rows of y when T is
  // dynamic (y has T*k rows).
  if (Value slotRows = getSlotRows()) {
    int64_t numSlots = mulSizes(numTokens, k);
    if (isKnown(numSlots)
            ? failed(expectDim(op, slotRows, "slot_rows", 0, numSlots,
                               "T*k (T from out)"))
            : failed(expectDim(op, slotRows, "slot_rows", 0, dimOf(getY(), 0),
                               "the number of rows R of y")))
      return failure();
  }
  if (Value weights = getWeights()) {
    if (failed(expectDim(op, weights, "weights", 0, numTokens,
                         "the number of tokens T of out")) ||
        failed(expectDim(op, weights, "weights", 1, k, "k")))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

SmallVector<GemmConfigAttr> GroupedMatmulOp::getGemmConfigs() {
  Attribute config = (*this)->getAttr(kConfigAttrName);
  if (auto single = dyn_cast_if_present<GemmConfigAttr>(config))
    return {single};
  if (auto list = dyn_cast_if_present<ArrayAttr>(config))
    return llvm::to_vector(list.getAsRange<GemmConfigAttr>());
  return {GemmConfigAttr::getDefault(getContext(), getQuant())};
}

bool GroupedMatmulOp::isFp8Quantized() { return isFp8Scheme(getQuant()); }

LogicalResult GroupedMatmulOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numExperts = dimOf(getW(), 0);
  int64_t n = dimOf(getW(), 1);
  int64_t numRows = getRowIndex() ? dimOf(getRowIndex(), 0) : dimOf(getA(), 0);
  FailureOr<int64_t> numOffsets =
      addSizes(op, numExperts, 1, "the number of experts E of w + 1");
  if (failed(numOffsets))
    return failure();
  if (failed(verifyQuantGroupSize(op, getQuant(), getGroupSize())))
    return failure();
  if (!isQuantized()) {
    if (failed(verifyNoQuantOperands(op, {{"a_scale", getAScale()},
                                          {"w_scale", getWScale()},
                                          {"w_zero", getWZero()}})) ||
        failed(verifyUnquantizedElementType(op, getA(), "a")) ||
        failed(verifyUnquantizedElementType(op, getW(), "w")) ||
        failed(expectSameElementType(op, getW(), "w", getA(), "a")) ||
        failed(expectDim(op, getA(), "a", 1, dimOf(getW(), 2),
                         "the reduction size K of w (dim 2)")))
      return failure();
  } else if (failed(verifyQuantizedInput(op, getQuant(), getGroupSize(), getA(),
                                         getAScale())) ||
             failed(verifyQuantizedWeights(
                 op, getQuant(), getGroupSize(),
                 {getW(), "w", getWScale(), "w_scale", getWZero(), "w_zero"},
                 numExperts, n, dimOf(getA(), 1)))) {
    return failure();
  }
  if (failed(expectDim(op, getOffsets(), "offsets", 0, *numOffsets,
                       "the number of experts E of w + 1")))
    return failure();
  if (failed(expectPositive(op, getIndexDivisor(), "index_divisor")))
    return failure();
  if (!getRowIndex() && getIndexDivisor() != 1)
    return emitOpError() << "index_divisor (" << getIndexDivisor()
                         << ") applies only to a gathered A ([row_index])";
  if (failed(verifyActivationParams(
          op, stringifyEpilogue(getEpilogue()), isGated(),
          getEpilogue() == Epilogue::swigluoai_and_mul, getGateUpLayout(),
          getClampLimit(), getSwigluAlpha())))
    return failure();
  int64_t outCols = n;
  if (isGated()) {
    if (isKnown(n) && n % 2 != 0)
      return emitOpError() << "epilogue " << stringifyEpilogue(getEpilogue())
                           << " needs an even N, but w dim 1 is " << n;
    outCols = isKnown(n) ? n / 2 : n;
  }
  if (failed(expectDim(op, getOutInit(), "out", 0, numRows,
                       getRowIndex() ? "the number of rows R of row_index"
                                     : "the number of rows R of a")) ||
      failed(expectDim(op, getOutInit(), "out", 1, outCols,
                       isGated() ? "N/2 of w for a gated epilogue"
                                 : "the output size N of w (dim 1)")))
    return failure();
  if (getScale() && failed(expectDim(op, getScale(), "scale", 0, numRows,
                                     "the number of rows R")))
    return failure();
  if (Value bias = getBias()) {
    if (failed(expectDim(op, bias, "bias", 0, numExperts,
                         "the number of experts E of w")) ||
        failed(expectDim(op, bias, "bias", 1, n, "the output size N of w")))
      return failure();
  }
  // The tiled kernel's K step is one 128-byte row of a's elements.
  Type element = elementTypeOf(getA());
  bool fp8 = isa<Float8E4M3FNType>(element);
  int64_t tileK = fp8 ? 128 : 64;
  for (GemmConfigAttr config : getGemmConfigs())
    if (config.getKernel() == GemmKernel::tiled && config.getTileK() != tileK)
      return emitOpError() << "#moe.gemm_config tile_k = " << config.getTileK()
                           << " does not fit a of element "
                           << "type " << element
                           << ": a K step is one 128-byte row, tile_k = "
                           << tileK << (fp8 ? " (fp8)" : " (16-bit elements)");
  return success();
}

//===----------------------------------------------------------------------===//
// Expert MLP (fused_moe, mot_mlp)
//===----------------------------------------------------------------------===//

/// Verifies the expert MLP's activation attributes and w13's gate/up rows
/// (moe.fused_moe, moe.mot_mlp); returns the intermediate size I (w13 dim 1,
/// halved for a gated activation; dynamic when it is).
template <typename OpT> static FailureOr<int64_t> verifyExpertMlp(OpT op) {
  Activation activation = op.getActivation();
  bool gated = isGatedActivation(activation);
  if (failed(verifyActivationParams(op, stringifyActivation(activation), gated,
                                    activation == Activation::swigluoai,
                                    op.getGateUpLayout(), op.getClampLimit(),
                                    op.getSwigluAlpha())))
    return failure();
  int64_t gateUp = dimOf(op.getW13(), 1);
  if (gated && isKnown(gateUp) && gateUp % 2 != 0)
    return op.emitOpError() << "w13 dim 1 (" << gateUp
                            << ") must be even: 2*I gate rows then up rows";
  return isKnown(gateUp) && gated ? gateUp / 2 : gateUp;
}

/// The optional expert biases of moe.fused_moe and moe.mot_mlp:
/// `b13 [L, w13 dim 1]` and `b2 [L, H]` in x's element type, for the L
/// experts (or token types) `expertsWhat` names.
template <typename OpT>
static LogicalResult verifyExpertBiases(OpT op, int64_t numExperts,
                                        StringRef expertsWhat) {
  Operation *operation = op.getOperation();
  if (Value b13 = op.getB13()) {
    if (failed(expectDim(operation, b13, "b13", 0, numExperts, expertsWhat)) ||
        failed(expectDim(operation, b13, "b13", 1, dimOf(op.getW13(), 1),
                         "w13 dim 1")) ||
        failed(expectSameElementType(operation, b13, "b13", op.getX(), "x")))
      return failure();
  }
  if (Value b2 = op.getB2()) {
    if (failed(expectDim(operation, b2, "b2", 0, numExperts, expertsWhat)) ||
        failed(expectDim(operation, b2, "b2", 1, dimOf(op.getX(), 1),
                         "the hidden size H of x")) ||
        failed(expectSameElementType(operation, b2, "b2", op.getX(), "x")))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MotLinearOp
//===----------------------------------------------------------------------===//

LogicalResult MotLinearOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numTypes = dimOf(getW(), 0);
  int64_t n = dimOf(getW(), 1);
  if (failed(expectSameElementType(op, getW(), "w", getX(), "x")) ||
      failed(expectDim(op, getX(), "x", 1, dimOf(getW(), 2),
                       "the reduction size K of w (dim 2)")) ||
      failed(expectDim(op, getTypeIds(), "type_ids", 0, dimOf(getX(), 0),
                       "the number of tokens T of x")) ||
      failed(expectDim(op, getOutInit(), "out", 0, dimOf(getX(), 0),
                       "the number of tokens T of x")) ||
      failed(expectDim(op, getOutInit(), "out", 1, n,
                       "the output size N of w (dim 1)")))
    return failure();
  if (Value bias = getBias()) {
    if (failed(expectDim(op, bias, "bias", 0, numTypes,
                         "the number of token types G of w")) ||
        failed(expectDim(op, bias, "bias", 1, n, "the output size N of w")))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MotMlpOp
//===----------------------------------------------------------------------===//

LogicalResult MotMlpOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numTokens = dimOf(getX(), 0);
  int64_t hidden = dimOf(getX(), 1);
  int64_t numTypes = dimOf(getW13(), 0);
  FailureOr<int64_t> intermediate = verifyExpertMlp(*this);
  if (failed(intermediate))
    return failure();
  StringRef typesWhat = "the number of token types G of w13";
  if (failed(expectSameElementType(op, getW13(), "w13", getX(), "x")) ||
      failed(expectSameElementType(op, getW2(), "w2", getX(), "x")) ||
      failed(expectDim(op, getW13(), "w13", 2, hidden,
                       "the hidden size H of x")) ||
      failed(expectDim(op, getW2(), "w2", 0, numTypes, typesWhat)) ||
      failed(
          expectDim(op, getW2(), "w2", 1, hidden, "the hidden size H of x")) ||
      failed(expectDim(op, getW2(), "w2", 2, *intermediate,
                       isGatedActivation(getActivation())
                           ? "the intermediate size I (w13 dim 1 / 2)"
                           : "the intermediate size I (w13 dim 1, no_mul)")) ||
      failed(expectDim(op, getTypeIds(), "type_ids", 0, numTokens,
                       "the number of tokens T of x")) ||
      failed(verifyExpertBiases(*this, numTypes, typesWhat)))
    return failure();
  if (getOutInit().getType() != getX().getType())
    return emitOpError() << "out type " << getOutInit().getType()
                         << " must equal x type " << getX().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// RmsNormOp
//===----------------------------------------------------------------------===//

LogicalResult RmsNormOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  auto weightType = cast<ShapedType>(getWeight().getType());
  if (!isa<Float32Type, BFloat16Type, Float16Type>(weightType.getElementType()))
    return emitOpError() << "weight element type "
                         << weightType.getElementType()
                         << " must be f32, bf16 or f16";
  int64_t hidden = dimOf(getX(), 1);
  bool perType = static_cast<bool>(getTypeIds());
  if (perType && weightType.getRank() != 2)
    return emitOpError() << "with type_ids, weight must be [G, H] per-type "
                            "weights, but it has rank "
                         << weightType.getRank();
  if (!perType && weightType.getRank() != 1)
    return emitOpError() << "without type_ids, weight must be [H], but it has "
                            "rank "
                         << weightType.getRank();
  if (failed(expectDim(op, getWeight(), "weight", perType ? 1 : 0, hidden,
                       "the hidden size H of x")))
    return failure();
  if (perType &&
      failed(expectDim(op, getTypeIds(), "type_ids", 0, dimOf(getX(), 0),
                       "the number of tokens T of x")))
    return failure();
  double epsilon = getEpsilon().convertToDouble();
  if (!(epsilon > 0.0) || !std::isfinite(epsilon))
    return emitOpError() << "epsilon (" << epsilon
                         << ") must be positive and finite";
  if (getOutInit().getType() != getX().getType())
    return emitOpError() << "out type " << getOutInit().getType()
                         << " must equal x type " << getX().getType();
  if (static_cast<bool>(getResidual()) !=
      static_cast<bool>(getResidualOutInit()))
    return emitOpError("has a residual_out out exactly when it has a "
                       "residual operand");
  if (getResidual()) {
    if (getResidual().getType() != getX().getType())
      return emitOpError() << "residual type " << getResidual().getType()
                           << " must equal x type " << getX().getType();
    if (getResidualOutInit().getType() != getX().getType())
      return emitOpError() << "residual_out type "
                           << getResidualOutInit().getType()
                           << " must equal x type " << getX().getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SiluAndMulOp
//===----------------------------------------------------------------------===//

LogicalResult SiluAndMulOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t cols = dimOf(getX(), 1);
  if (isKnown(cols) && cols % 2 != 0)
    return emitOpError() << "x dim 1 (" << cols
                         << ") must be even: gate half then up half";
  if (failed(
          expectDim(op, getOutInit(), "out", 0, dimOf(getX(), 0), "x dim 0")) ||
      failed(expectDim(op, getOutInit(), "out", 1,
                       isKnown(cols) ? cols / 2 : cols, "half of x dim 1")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// FusedMoeOp
//===----------------------------------------------------------------------===//

/// The expert weights of fused_moe: of x's element type with K = H (w13)
/// and K = I (w2) without a scheme, else quantized with their scales, zero
/// points and static activation scales as `quant` says.
static LogicalResult verifyFusedMoeQuantization(FusedMoeOp op, int64_t hidden,
                                                int64_t intermediate,
                                                StringRef intermediateFrom) {
  Operation *operation = op.getOperation();
  QuantScheme scheme = op.getQuant();
  if (failed(verifyQuantGroupSize(operation, scheme, op.getGroupSize())))
    return failure();
  if (scheme == QuantScheme::none) {
    return failure(
        failed(verifyNoQuantOperands(operation,
                                     {{"w13_scale", op.getW13Scale()},
                                      {"w2_scale", op.getW2Scale()},
                                      {"w13_zero", op.getW13Zero()},
                                      {"w2_zero", op.getW2Zero()},
                                      {"a1_scale", op.getA1Scale()},
                                      {"a2_scale", op.getA2Scale()}})) ||
        failed(verifyUnquantizedElementType(operation, op.getW13(), "w13")) ||
        failed(verifyUnquantizedElementType(operation, op.getW2(), "w2")) ||
        failed(expectSameElementType(operation, op.getW13(), "w13", op.getX(),
                                     "x")) ||
        failed(expectSameElementType(operation, op.getW2(), "w2", op.getX(),
                                     "x")) ||
        failed(expectDim(operation, op.getW13(), "w13", 2, hidden,
                         "the hidden size H of x")) ||
        failed(expectDim(operation, op.getW2(), "w2", 2, intermediate,
                         intermediateFrom)));
  }
  Type element = elementTypeOf(op.getX());
  if (!isFp8Scheme(scheme) && !isa<BFloat16Type, Float16Type>(element))
    return op.emitOpError() << "quant " << stringifyQuantScheme(scheme)
                            << " needs x of element type bf16 or f16 (the "
                               "16-bit MMA operand), got "
                            << element;
  int64_t experts = dimOf(op.getW13(), 0);
  if (failed(verifyQuantizedWeights(operation, scheme, op.getGroupSize(),
                                    {op.getW13(), "w13", op.getW13Scale(),
                                     "w13_scale", op.getW13Zero(), "w13_zero"},
                                    experts, dimOf(op.getW13(), 1), hidden)) ||
      failed(verifyQuantizedWeights(operation, scheme, op.getGroupSize(),
                                    {op.getW2(), "w2", op.getW2Scale(),
                                     "w2_scale", op.getW2Zero(), "w2_zero"},
                                    dimOf(op.getW2(), 0), hidden,
                                    intermediate)))
    return failure();
  for (auto [name, scale] :
       {std::pair<StringRef, Value>{"a1_scale", op.getA1Scale()},
        std::pair<StringRef, Value>{"a2_scale", op.getA2Scale()}}) {
    if (scheme != QuantScheme::fp8_tensor) {
      if (scale)
        return op.emitOpError() << name
                                << " applies only to quant = fp8_tensor, not "
                                   "to quant = "
                                << stringifyQuantScheme(scheme);
      continue;
    }
    if (!scale)
      return op.emitOpError()
             << "quant fp8_tensor needs a static " << name << " operand";
    if (failed(expectDim(operation, scale, name, 0, 1, "one static scale")))
      return failure();
  }
  return success();
}

LogicalResult FusedMoeOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numTokens = dimOf(getX(), 0);
  int64_t hidden = dimOf(getX(), 1);
  int64_t numExperts = dimOf(getLogits(), 1);
  if (failed(verifyRouting(*this, numExperts)) ||
      failed(verifySharedWeights(*this, numTokens)))
    return failure();
  // vLLM's apply_router_weight_on_input: the one slot's weight scales the
  // token's row, which k > 1 slots would each need scaled differently.
  if (getRouterWeightOnInput() && getK() != 1)
    return emitOpError() << "router_weight_on_input needs k = 1 (the weight "
                            "scales the token's row before the first GEMM, "
                            "as vLLM's apply_router_weight_on_input), not k = "
                         << getK();
  FailureOr<int64_t> allExperts =
      addSizes(op, numExperts, getNumSharedExperts(), "E + num_shared_experts");
  if (failed(allExperts))
    return failure();
  FailureOr<int64_t> intermediate = verifyExpertMlp(*this);
  if (failed(intermediate))
    return failure();
  bool gated = isGatedActivation(getActivation());
  // With an expert_map, w13/w2 hold this rank's L experts (any number).
  int64_t localExperts = *allExperts;
  StringRef localWhat = "E + num_shared_experts";
  if (Value map = getExpertMap()) {
    if (failed(expectDim(op, map, "expert_map", 0, *allExperts,
                         "E + num_shared_experts")))
      return failure();
    localExperts = dimOf(getW13(), 0);
    localWhat = "the local expert count L (w13 dim 0)";
  }
  if (failed(expectDim(op, getLogits(), "logits", 0, numTokens,
                       "the number of tokens T of x")) ||
      failed(verifyFusedMoeQuantization(
          *this, hidden, *intermediate,
          gated ? "the intermediate size I (w13 dim 1 / 2)"
                : "the intermediate size I (w13 dim 1, no_mul)")) ||
      failed(expectDim(op, getW13(), "w13", 0, localExperts, localWhat)) ||
      failed(expectDim(op, getW2(), "w2", 0, localExperts, localWhat)) ||
      failed(expectDim(op, getW2(), "w2", 1, hidden, "the hidden size H of x")))
    return failure();
  if (failed(verifyExpertBiases(*this, localExperts, localWhat)))
    return failure();
  if (getBias() && failed(expectDim(op, getBias(), "bias", 0, numExperts,
                                    "the number of experts E")))
    return failure();
  if (getOutInit().getType() != getX().getType())
    return emitOpError() << "out type " << getOutInit().getType()
                         << " must equal x type " << getX().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (failed(verifyCommon(getOperation())))
    return failure();
  Operation *op = getOperation();
  int64_t numTokens = dimOf(getX(), 0);
  int64_t k = dimOf(getX(), 1);
  if (failed(expectDim(op, getQInit(), "q", 0, numTokens,
                       "the number of tokens T of x")) ||
      failed(expectDim(op, getQInit(), "q", 1, k, "the size K of x (dim 1)")))
    return failure();
  if (Value scale = getScale()) {
    if (getScalesInit())
      return emitOpError("has both a static scale operand and a scales out: "
                         "static quantization takes the one, dynamic "
                         "quantization writes the other");
    if (getGroupSize())
      return emitOpError("group_size applies only to dynamic quantization "
                         "(a scales out), not with a static scale");
    return expectDim(op, scale, "scale", 0, 1, "one static scale");
  }
  if (!getScalesInit())
    return emitOpError("needs a scales out (dynamic quantization) or a scale "
                       "operand (static quantization)");
  if (!getGroupSize())
    return emitOpError("dynamic quantization needs a group_size");
  int64_t group = static_cast<int64_t>(*getGroupSize());
  if (failed(expectPositive(op, group, "group_size")))
    return failure();
  int64_t groups = isKnown(k) ? llvm::divideCeil(k, group) : k;
  if (failed(expectDim(op, getScalesInit(), "scales", 0, numTokens,
                       "the number of tokens T of x")) ||
      failed(expectDim(op, getScalesInit(), "scales", 1, groups,
                       "ceil(K / group_size)")))
    return failure();
  return success();
}

#define GET_OP_CLASSES
#include "moe/Dialect/Moe/IR/MoeOps.cpp.inc"
