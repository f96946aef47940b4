//===- BufferizableOpInterfaceImpl.h - moe bufferization --------*- C++ -*-===//
//
// Attaches BufferizableOpInterface to the moe ops, so One-Shot Bufferize
// turns their tensor form into their buffer (memref) form.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define MOE_DIALECT_MOE_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;

namespace moe {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace moe
} // namespace mlir

#endif // MOE_DIALECT_MOE_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
