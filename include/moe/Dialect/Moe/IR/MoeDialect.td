//===- MoeDialect.td - The moe dialect ---------------------*- tablegen -*-===//
//
// Ops for Mixture-of-Experts and Mixture-of-Transformers layers.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOEDIALECT_TD
#define MOE_DIALECT_MOE_IR_MOEDIALECT_TD

include "mlir/IR/OpBase.td"

def Moe_Dialect : Dialect {
  let name = "moe";
  let cppNamespace = "::mlir::moe";
  let summary = "Mixture-of-Experts and Mixture-of-Transformers layers";
  let description = [{
    The `moe` dialect models the pieces of a Mixture-of-Experts (MoE) layer
    and of a Mixture-of-Transformers (MoT) layer at the level a serving engine
    thinks about them: routing (`moe.gate`), token alignment and permutation
    (`moe.align`, `moe.permute`, `moe.combine`), the expert GEMM
    (`moe.grouped_matmul`), token-type dispatch (`moe.mot_linear`), fused
    normalization (`moe.rms_norm`), gated activations (`moe.silu_and_mul`) and
    the whole layer (`moe.fused_moe`).

    Every op is in destination-passing style: it writes its results into
    trailing `outs(...)` operands. On ranked tensors it returns one result per
    out, of the same type, and is side-effect free; after bufferization the
    same op works on memrefs, reads its inputs, writes its outs and returns
    nothing. Every softmax,
    sigmoid, sum and GEMM accumulation is in f32; bf16/f16 inputs are widened
    first and results are rounded once to the result element type. The exact
    semantics of every op (indices bit for bit, values within tolerance) are
    those of the CPU reference library, `include/moe/Reference/Reference.h`,
    and of `docs/Semantics.md`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasCanonicalizer = 0;
}

class Moe_Op<string mnemonic, list<Trait> traits = []>
    : Op<Moe_Dialect, mnemonic, traits>;

#endif // MOE_DIALECT_MOE_IR_MOEDIALECT_TD
