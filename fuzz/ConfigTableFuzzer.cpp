//===- ConfigTableFuzzer.cpp - Tuned config tables of moe-select-configs --===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The input is a tuned configuration table (`moe-to-nvvm
// config-table=FILE`, `moe-select-configs table=FILE`). It is written to a
// file and given to the tensor pipeline over a fixed module that has every
// op a table line can name, with static sizes so that lines can match. A
// table the pass rejects must be a diagnostic; a table it accepts must give
// every op a `moe.config` the op verifier accepts, and the kernel pipeline
// must take the configured module without crashing (it runs only when the
// table changed a configuration: the heuristic's are lowered once).
//
//===----------------------------------------------------------------------===//

#include "FuzzMlir.h"

#include "moe/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

using namespace mlir;
using namespace ::moe::fuzz;

namespace {

/// A small MoE layer (gate, permute, two grouped GEMMs and combine once
/// decomposed) and one of each other op. E = 8, k = 2, H = 256, I = 128,
/// T = 16 tokens.
constexpr const char *kModule = R"mlir(
func.func @layer(%x: tensor<16x256xbf16>, %logits: tensor<16x8xbf16>,
                 %w13: tensor<8x256x256xbf16>, %w2: tensor<8x256x128xbf16>,
                 %out: tensor<16x256xbf16>) -> tensor<16x256xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      renormalize outs(%out)
      : (tensor<16x256xbf16>, tensor<16x8xbf16>, tensor<8x256x256xbf16>,
         tensor<8x256x128xbf16>, tensor<16x256xbf16>) -> tensor<16x256xbf16>
  return %y : tensor<16x256xbf16>
}
func.func @norm_mot(%x: tensor<16x256xbf16>, %nw: tensor<256xbf16>,
                    %w: tensor<2x128x256xbf16>, %types: tensor<16xi32>,
                    %normed: tensor<16x256xbf16>, %out: tensor<16x128xbf16>)
    -> tensor<16x128xbf16> {
  %h = moe.rms_norm %x, %nw epsilon = 1.0e-06 outs(%normed)
      : (tensor<16x256xbf16>, tensor<256xbf16>, tensor<16x256xbf16>)
      -> tensor<16x256xbf16>
  %y = moe.mot_linear %h, %w, %types outs(%out)
      : (tensor<16x256xbf16>, tensor<2x128x256xbf16>, tensor<16xi32>,
         tensor<16x128xbf16>) -> tensor<16x128xbf16>
  return %y : tensor<16x128xbf16>
}
func.func @act(%x: tensor<16x256xbf16>, %out: tensor<16x128xbf16>)
    -> tensor<16x128xbf16> {
  %y = moe.silu_and_mul %x outs(%out)
      : (tensor<16x256xbf16>, tensor<16x128xbf16>) -> tensor<16x128xbf16>
  return %y : tensor<16x128xbf16>
}
func.func @align(%ids: tensor<16x2xi32>, %sorted: tensor<576xi32>,
                 %experts: tensor<9xi32>, %total: tensor<1xi32>)
    -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>) {
  %a, %b, %c = moe.align %ids num_experts = 8 block_m = 64
      outs(%sorted, %experts, %total)
      : (tensor<16x2xi32>, tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
      -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
  return %a, %b, %c : tensor<576xi32>, tensor<9xi32>, tensor<1xi32>
}
)mlir";

/// The `moe.config` of every moe op, in walk order, as text.
std::vector<std::string> getConfigs(ModuleOp module) {
  std::vector<std::string> configs;
  module.walk([&](Operation *op) {
    if (Attribute config = op->getAttr("moe.config")) {
      std::string text;
      llvm::raw_string_ostream stream(text);
      stream << op->getName() << " " << config;
      configs.push_back(std::move(text));
    }
  });
  return configs;
}

/// What the heuristic alone chooses for the fixed module, which is lowered
/// once here.
const std::vector<std::string> &getHeuristicConfigs() {
  static const std::vector<std::string> configs = [] {
    FuzzContext context;
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(kModule, &context.get());
    PassManager tensor = PassManager::on<ModuleOp>(&context.get());
    mlir::moe::buildMoeTensorPipeline(tensor);
    if (!module || failed(tensor.run(*module)))
      reportBug("the fixed module does not compile: " + context.firstError());
    std::vector<std::string> configs = getConfigs(*module);
    PassManager kernels = PassManager::on<ModuleOp>(&context.get());
    mlir::moe::buildMoeKernelPipeline(kernels);
    if (failed(kernels.run(*module)))
      reportBug("the fixed module does not lower: " + context.firstError());
    return configs;
  }();
  return configs;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &table = getScratchFile("configs.txt");
  {
    std::ofstream file(table, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char *>(data),
               static_cast<std::streamsize>(size));
    if (!file)
      reportBug("cannot write the table to '" + table + "'");
  }
  FuzzContext context;
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(kModule, &context.get());
  if (!module)
    reportBug("the fixed module does not parse: " + context.firstError());

  // The table's own errors are diagnostics of the pass; what it accepted is
  // checked by the verifier afterwards.
  PassManager tensor = PassManager::on<ModuleOp>(&context.get());
  tensor.enableVerifier(false);
  mlir::moe::buildMoeTensorPipeline(tensor, table);
  if (failed(tensor.run(*module)))
    return 0;
  if (failed(verify(*module)))
    reportBug("moe-select-configs accepted the table but made an op invalid: " +
              context.firstError());

  // Configurations the heuristic also chooses were lowered before.
  if (getConfigs(*module) == getHeuristicConfigs())
    return 0;
  PassManager kernels = PassManager::on<ModuleOp>(&context.get());
  mlir::moe::buildMoeKernelPipeline(kernels);
  (void)kernels.run(*module);
  return 0;
}
