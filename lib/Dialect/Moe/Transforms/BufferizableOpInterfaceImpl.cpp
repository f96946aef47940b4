//===- BufferizableOpInterfaceImpl.cpp - moe bufferization ----------------===//
//
// Every moe op is in destination-passing style and writes every element of
// its outs (the optional ones too: permute's row_weights and slot_rows), so
// its outs are written but never read: One-Shot Bufferize can give them
// fresh buffers without copying the init values. Optional inputs (combine's
// slot_rows, ...) are read like the others.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/Transforms/BufferizableOpInterfaceImpl.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::moe;

namespace {

template <typename OpT>
struct MoeOpBufferization
    : DstBufferizableOpInterfaceExternalModel<MoeOpBufferization<OpT>, OpT> {
  /// Inputs are read; outs are only written (every element of them).
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &state) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  /// Rebuilds the op on the operands' buffers, with no results; each result
  /// is replaced by the buffer of its out.
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto dstOp = cast<DestinationStyleOpInterface>(op);
    if (dstOp.hasPureBufferSemantics())
      return success();
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      if (!isa<TensorType>(operand.getType())) {
        operands.push_back(operand);
        continue;
      }
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      operands.push_back(*buffer);
    }
    OperationState bufferState(op->getLoc(), op->getName());
    bufferState.addOperands(operands);
    bufferState.propertiesAttr = op->getPropertiesAsAttribute();
    bufferState.addAttributes(llvm::to_vector(op->getDiscardableAttrs()));
    rewriter.setInsertionPoint(op);
    Operation *bufferOp = rewriter.create(bufferState);
    auto bufferDst = cast<DestinationStyleOpInterface>(bufferOp);
    replaceOpWithBufferizedValues(rewriter, op,
                                  llvm::to_vector(bufferDst.getDpsInits()));
    return success();
  }
};

template <typename... OpTs> void attachModels(MLIRContext *context) {
  (OpTs::template attachInterface<MoeOpBufferization<OpTs>>(*context), ...);
}

} // namespace

void mlir::moe::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, MoeDialect *) {
    attachModels<GateOp, AlignOp, PermuteOp, PermuteIndicesOp, CombineOp,
                 GroupedMatmulOp, MotLinearOp, MotMlpOp, RmsNormOp,
                 SiluAndMulOp, FusedMoeOp, QuantizeOp>(context);
  });
}
