//===- moe.c - Test of the moe C API --------------------------------------===//
//
// Built as moe-capi-test; its checks are in this file, as upstream's
// test/CAPI programs.
//
//===----------------------------------------------------------------------===//

// RUN: rm -rf %t && moe-capi-test %t 2>&1 | FileCheck %s
// RUN: llvm-nm -D --defined-only %t/layer.so | FileCheck %s --check-prefix=NM
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/layer.manifest

#include "moe-c/Dialects.h"
#include "moe-c/Passes.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const kLayer =
    "func.func @layer(%x: tensor<32x2048xbf16>, %logits: tensor<32x128xbf16>,\n"
    "    %w13: tensor<128x1536x2048xbf16>, %w2: tensor<128x2048x768xbf16>,\n"
    "    %out: tensor<32x2048xbf16>) -> tensor<32x2048xbf16> {\n"
    "  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax\n"
    "      renormalize outs(%out)\n"
    "      : (tensor<32x2048xbf16>, tensor<32x128xbf16>,\n"
    "         tensor<128x1536x2048xbf16>, tensor<128x2048x768xbf16>,\n"
    "         tensor<32x2048xbf16>) -> tensor<32x2048xbf16>\n"
    "  return %y : tensor<32x2048xbf16>\n"
    "}\n";

static void printToStderr(MlirStringRef str, void *userData) {
  (void)userData;
  fwrite(str.data, 1, str.length, stderr);
}

/// Prints the name (and symbol name, if any) of every operation directly in
/// the module: what the full pipeline made of it, without the kernels' PTX.
static void printModuleOutline(MlirModule module) {
  MlirBlock body = mlirModuleGetBody(module);
  for (MlirOperation op = mlirBlockGetFirstOperation(body);
       !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
    fprintf(stderr, "%.*s", (int)name.length, name.data);
    MlirAttribute symbol = mlirOperationGetAttributeByName(
        op, mlirStringRefCreateFromCString("sym_name"));
    if (!mlirAttributeIsNull(symbol)) {
      fprintf(stderr, " ");
      mlirAttributePrint(symbol, printToStderr, NULL);
    }
    fprintf(stderr, "\n");
  }
}

static MlirContext createContext(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__moe__(), registry);
  mlirMoeRegisterExternalModels(registry);
  // The dialects moe IR lowers through, their interfaces and translations.
  mlirRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirRegisterAllLLVMTranslations(ctx);
  return ctx;
}

static MlirModule parseLayer(MlirContext ctx) {
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kLayer));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "parse failed\n");
    exit(1);
  }
  return module;
}

static void testDialect(void) {
  fprintf(stderr, "@dialect\n");
  MlirContext ctx = createContext();
  MlirDialectHandle handle = mlirGetDialectHandle__moe__();
  MlirStringRef ns = mlirDialectHandleGetNamespace(handle);
  fprintf(stderr, "namespace: %.*s\n", (int)ns.length, ns.data);
  MlirDialect dialect = mlirDialectHandleLoadDialect(handle, ctx);
  fprintf(stderr, "loaded: %d\n", !mlirDialectIsNull(dialect));
  // CHECK-LABEL: @dialect
  //       CHECK: namespace: moe
  //       CHECK: loaded: 1

  MlirModule module = parseLayer(ctx);
  MlirOperation op = mlirModuleGetOperation(module);
  fprintf(stderr, "verified: %d\n", mlirOperationVerify(op));
  mlirOperationPrint(op, printToStderr, NULL);
  fprintf(stderr, "\n");
  // CHECK: verified: 1
  // CHECK: func.func @layer
  // CHECK: moe.fused_moe {{.*}} k = 8 scoring = softmax renormalize
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

/// Parses `pipeline` into a new pass manager and runs it on `module`: 1 when
/// both succeed. The parser's errors go to stderr.
static int runPipeline(MlirModule module, const char *pipeline) {
  MlirContext ctx = mlirModuleGetContext(module);
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString(pipeline), printToStderr, NULL);
  int ok = mlirLogicalResultIsSuccess(parsed) &&
           mlirLogicalResultIsSuccess(
               mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module)));
  mlirPassManagerDestroy(pm);
  fprintf(stderr, "\n%s: %d\n", pipeline, ok);
  return ok;
}

static void testPassPipeline(void) {
  fprintf(stderr, "@decompose\n");
  MlirContext ctx = createContext();
  MlirModule module = parseLayer(ctx);
  runPipeline(module, "builtin.module(moe-decompose-fused-moe,canonicalize)");
  mlirOperationPrint(mlirModuleGetOperation(module), printToStderr, NULL);
  fprintf(stderr, "\n");
  // CHECK-LABEL: @decompose
  //       CHECK: builtin.module(moe-decompose-fused-moe,canonicalize): 1
  //       CHECK: func.func @layer
  //       CHECK: moe.gate
  //       CHECK: moe.permute
  //       CHECK: moe.grouped_matmul {{.*}} epilogue = silu_and_mul
  //       CHECK: moe.grouped_matmul
  //       CHECK: moe.combine
  //   CHECK-NOT: moe.fused_moe
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

static void testRegisteredPipeline(void) {
  fprintf(stderr, "@pipeline\n");
  MlirContext ctx = createContext();
  MlirModule module = parseLayer(ctx);
  // An unknown option of the pipeline is an error of the parse.
  runPipeline(module, "builtin.module(moe-to-nvvm{no-such=1})");
  runPipeline(module, "builtin.module(moe-to-nvvm)");
  printModuleOutline(module);
  // CHECK-LABEL: @pipeline
  //       CHECK: no-such
  //       CHECK: builtin.module(moe-to-nvvm{no-such=1}): 0
  //       CHECK: builtin.module(moe-to-nvvm): 1
  //   CHECK-DAG: gpu.binary "layer_kernel"
  //   CHECK-DAG: llvm.func "_mlir_ciface_layer"
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

static void testCompileCall(void) {
  fprintf(stderr, "@compile\n");
  MlirContext ctx = createContext();
  // The pipeline the compile call runs.
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult built = mlirMoeBuildToNVVMPipeline(
      opm, mlirStringRefCreateFromCString("warp-specialize=1"), printToStderr,
      NULL);
  fprintf(stderr, "built: %d: ", mlirLogicalResultIsSuccess(built));
  mlirPrintPassPipeline(opm, printToStderr, NULL);
  fprintf(stderr, "\n");
  mlirPassManagerDestroy(pm);
  // CHECK-LABEL: @compile
  //       CHECK: built: 1
  //  CHECK-SAME: moe-decompose-fused-moe
  //  CHECK-SAME: moe-warp-specialize
  //  CHECK-SAME: gpu-module-to-binary

  MlirModule module = parseLayer(ctx);
  MlirLogicalResult bad = mlirMoeCompileToNVVM(
      module, mlirStringRefCreateFromCString("opt-level=fast"), printToStderr,
      NULL);
  fprintf(stderr, "\nbad options compiled: %d\n",
          mlirLogicalResultIsSuccess(bad));
  // CHECK: opt-level
  // CHECK: bad options compiled: 0

  MlirLogicalResult compiled =
      mlirMoeCompileToNVVM(module,
                           mlirStringRefCreateFromCString(
                               "chip=sm_90a format=isa warp-specialize=1"),
                           printToStderr, NULL);
  fprintf(stderr, "compiled: %d\n", mlirLogicalResultIsSuccess(compiled));
  printModuleOutline(module);
  //     CHECK: compiled: 1
  // CHECK-DAG: gpu.binary "layer_kernel"
  // CHECK-DAG: llvm.func "_mlir_ciface_layer"
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

/// The compile call to an artifact: `outDir`/layer.so and layer.manifest.
static void testCompileToArtifact(const char *outDir) {
  fprintf(stderr, "@compileToArtifact\n");
  MlirContext ctx = createContext();
  MlirModule module = parseLayer(ctx);
  MlirStringRef dir = mlirStringRefCreateFromCString(outDir);
  MlirStringRef name = mlirStringRefCreateFromCString("layer");
  // Diagnostics go to the context's default handler (stderr).
  MlirLogicalResult bad = mlirMoeCompileToArtifact(
      module, mlirStringRefCreateFromCString("opt-level=fast"), dir, name,
      printToStderr, NULL);
  fprintf(stderr, "\nbad options compiled: %d\n",
          mlirLogicalResultIsSuccess(bad));
  // CHECK-LABEL: @compileToArtifact
  //       CHECK: error: invalid moe-to-nvvm options 'opt-level=fast'{{$}}
  //       CHECK: bad options compiled: 0

  MlirLogicalResult compiled = mlirMoeCompileToArtifact(
      module, mlirStringRefCreateFromCString("chip=sm_90a format=isa"), dir,
      name, printToStderr, NULL);
  fprintf(stderr, "\ncompiled: %d\n", mlirLogicalResultIsSuccess(compiled));
  // CHECK: layer.so
  // CHECK-NEXT: compiled: 1
  // NM: T _mlir_ciface_layer
  // MANIFEST: function layer
  // MANIFEST: op fused_moe
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

int main(int argc, char **argv) {
  // Upstream's passes (canonicalize, ...) and moe's.
  mlirRegisterAllPasses();
  mlirRegisterMoePasses();
  // A second call is harmless.
  mlirRegisterMoePasses();
  testDialect();
  testPassPipeline();
  testRegisteredPipeline();
  testCompileCall();
  if (argc > 1)
    testCompileToArtifact(argv[1]);
  return 0;
}
