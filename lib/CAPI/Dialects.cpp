//===- Dialects.cpp - C API of the moe dialect ----------------------------===//

#include "moe-c/Dialects.h"
#include "moe/Dialect/Moe/IR/MoeDialect.h"
#include "moe/Dialect/Moe/Transforms/BufferizableOpInterfaceImpl.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Moe, moe, mlir::moe::MoeDialect)

void mlirMoeRegisterExternalModels(MlirDialectRegistry registry) {
  mlir::moe::registerBufferizableOpInterfaceExternalModels(*unwrap(registry));
}
