//===- Dialects.h - C API of the moe dialect ----------------------*- C -*-===//
//
// The moe dialect through the MLIR C API, as upstream dialects expose theirs
// (mlir-c/Dialect/*.h): a dialect handle to insert into a registry or load
// into a context, and the external models the dialect's ops need for
// bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_C_DIALECTS_H
#define MOE_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// `mlirGetDialectHandle__moe__()`.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Moe, moe);

/// Registers the moe ops' BufferizableOpInterface models (and what else the
/// dialect attaches from outside its own library) in `registry`; needed by
/// one-shot-bufferize, hence by the moe-to-nvvm pipeline.
MLIR_CAPI_EXPORTED void
mlirMoeRegisterExternalModels(MlirDialectRegistry registry);

#ifdef __cplusplus
}
#endif

#endif // MOE_C_DIALECTS_H
