"""Op IR (moe.ir): every builder's entry point compiles, and its manifest
is recognized as that op (what lets an artifact compiled elsewhere serve
moe.torch), while other sizes, types or attributes are not."""

import pytest

import moe
from moe import ir
from moe.manifest import ArgSpec, FunctionSpec

SPECS = {
    "gate_softmax": ir.gate("bf16", 128, 8, renormalize=True),
    "gate_grouped": ir.gate("f32", 64, 4, bias=True, scoring="sigmoid",
                            num_groups=8, topk_groups=4, group_score="top2_sum",
                            renormalize=True, scaling_factor=2.827,
                            num_shared_experts=1),
    "gemm_gated": ir.grouped_matmul("bf16", 8, 256, 128, epilogue="silu_and_mul"),
    "gemm_gathered": ir.grouped_matmul("f16", 4, 64, 48, gathered=True,
                                       index_divisor=3, scale=True, bias=True),
    "norm": ir.rms_norm("bf16", 256, epsilon=1e-5),
    "norm_types_residual": ir.rms_norm("bf16", 128, num_types=2, residual=True),
    "mot": ir.mot_linear("bf16", 2, 96, 64, bias=True),
    "layer": ir.fused_moe("bf16", 128, 8, 64, 2, renormalize=True,
                          activation="gelu"),
    "layer_shared": ir.fused_moe("bf16", 128, 16, 64, 4, logits_dtype="f32",
                                 bias=True, scoring="sigmoid", num_groups=4,
                                 topk_groups=2, group_score="top2_sum",
                                 renormalize=True, scaling_factor=2.5,
                                 num_shared_experts=1),
    # gpt-oss: clamped SwiGLU on interleaved gate/up rows, GEMM biases; with
    # Qwen2-MoE's shared slots weighted by their sigmoid gate (one compile
    # for both forms).
    "layer_swigluoai": ir.fused_moe("bf16", 128, 8, 64, 2, renormalize=True,
                                    num_shared_experts=2, shared_logits=True,
                                    activation="swigluoai",
                                    gate_up_layout="interleaved", clamp_limit=7.0,
                                    swiglu_alpha=1.702, b13=True, b2=True),
    # Llama-4: top-1 sigmoid on the input rows, a shared expert of weight 1.
    "layer_weight_on_input": ir.fused_moe("bf16", 128, 8, 64, 1,
                                          scoring="sigmoid", num_shared_experts=1,
                                          shared_weight="one",
                                          router_weight_on_input=True),
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """One module of every spec, compiled once."""
    from moe.errors import CompilerMissingError

    try:
        moe.compiler._compiler()
    except CompilerMissingError:
        return None
    out = tmp_path_factory.mktemp("ops")
    return moe.compile_text(ir.module(SPECS), "ops", out_dir=str(out)).functions


@pytest.mark.parametrize("name", sorted(SPECS))
def test_builder_compiles_and_matches_its_manifest(compiler, compiled, name):
    spec = SPECS[name]
    indices = spec.match(compiled[name])
    assert indices == {o.name: i for i, o in enumerate(spec.operands)}
    # ... and no other function of the module.
    for other, function in compiled.items():
        if other != name:
            assert spec.match(function) is None, other


def test_match_ignores_the_argument_order(compiler, tmp_path):
    spec = ir.rms_norm("bf16", 256, residual=True)
    order = ["out", "residual", "x", "residual_out", "weight"]
    text = spec.function("shuffled", order)
    function = moe.compile_text(text, "s", out_dir=str(tmp_path)).functions["shuffled"]
    assert spec.match(function) == {name: i for i, name in enumerate(order)}


def norm_function(epsilon="9.99999975e-06", hidden=256, dtype="bf16"):
    spec = FunctionSpec("f", [ArgSpec(0, dtype, (None, hidden)),
                              ArgSpec(1, dtype, (hidden,)),
                              ArgSpec(2, dtype, (None, hidden))])
    spec.ops.append(("rms_norm", {"x": "0", "weight": "1", "out": "2",
                                  "epsilon": epsilon}))
    return spec


def test_match_compares_sizes_types_and_attributes():
    spec = ir.rms_norm("bf16", 256, epsilon=1e-5)
    assert spec.match(norm_function()) == {"x": 0, "weight": 1, "out": 2}
    assert spec.match(norm_function(epsilon="1e-06")) is None
    assert spec.match(norm_function(hidden=512)) is None
    assert spec.match(norm_function(dtype="f16")) is None
    assert ir.rms_norm("bf16", 256, residual=True).match(norm_function()) is None
    extra = norm_function()
    extra.ops[0][1]["residual"] = "-"
    assert spec.match(extra) is None


def test_text_of_the_ops():
    assert SPECS["gemm_gathered"].text == (
        "moe.grouped_matmul %a[%row_index], %w, %offsets scale(%scale) "
        "bias(%bias) outs(%out) {index_divisor = 3 : i64}")
    assert ir.float_literal(1e-6) == "1.0e-06"
    assert ir.float_literal(2.5) == "2.5"
    with pytest.raises(ValueError):
        ir.float_literal(float("nan"))


def test_text_of_the_layer_forms():
    # The assembly's order (MoeOps.td): operands, routing, the weight on the
    # input, the activation's attributes, the biases.
    spec = SPECS["layer_swigluoai"]
    assert spec.text == (
        "moe.fused_moe %x, %logits, %w13, %w2 shared_logits(%shared_logits) "
        "k = 2 scoring = softmax renormalize num_shared_experts = 2 "
        "activation = swigluoai gate_up_layout = interleaved clamp_limit = 7.0 "
        "swiglu_alpha = 1.702 b13(%b13) b2(%b2) outs(%out)")
    assert SPECS["layer_weight_on_input"].text.endswith(
        "k = 1 scoring = sigmoid num_shared_experts = 1 shared_weight = one "
        "router_weight_on_input outs(%out)")
    assert [o.name for o in spec.operands] == [
        "x", "logits", "w13", "w2", "shared_logits", "b13", "b2", "out"]
    assert spec.operand("shared_logits").shape == (None, 2)
    assert spec.operand("w13").shape == (10, 128, 128)
    assert spec.operand("b13").shape == (10, 128)
    assert spec.operand("b2").shape == (10, 128)
    assert ("clamp_limit", 7.0) in spec.attrs
    gate = ir.gate("bf16", 8, 2, num_shared_experts=3, shared_logits=True)
    assert gate.text == ("moe.gate %logits shared_logits(%shared_logits) k = 2 "
                         "scoring = softmax num_shared_experts = 3 "
                         "outs(%weights, %ids)")
    assert [o.name for o in gate.operands] == ["logits", "shared_logits",
                                               "weights", "ids"]


@pytest.mark.parametrize("build, message", [
    (lambda: ir.gate("bf16", 8, 0), "k = 0: must be at least 1"),
    (lambda: ir.gate("bf16", 8, 2, num_groups=3), "must divide the 8 experts"),
    (lambda: ir.gate("i32", 8, 2), "logits: element type 'i32'"),
    (lambda: ir.grouped_matmul("bf16", 8, 7, 16, epilogue="silu_and_mul"),
     "a gated epilogue needs an even N"),
    (lambda: ir.grouped_matmul("bf16", 8, 8, 16, index_divisor=2),
     "index_divisor needs a gathered A"),
    (lambda: ir.rms_norm("bf16", 8, epsilon=0.0), "epsilon = 0.0: must be > 0"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 2, activation="relu"),
     "activation 'relu'"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 2, router_weight_on_input=True),
     "router_weight_on_input needs k = 1"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 1, activation="relu2_no_mul",
                          clamp_limit=1.0), "clamp_limit applies to a gated"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 1, clamp_limit=float("inf")),
     "clamp_limit = inf: must be positive and finite"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 1, swiglu_alpha=1.0),
     "swiglu_alpha applies only to swigluoai"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 1, activation="silu_no_mul",
                          gate_up_layout="interleaved"),
     "gate_up_layout = interleaved needs a gated activation"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 1, gate_up_layout="blocked"),
     "gate_up_layout 'blocked'"),
    (lambda: ir.fused_moe("bf16", 8, 8, 8, 1, shared_weight="one"),
     "shared_weight = one needs shared slots"),
    (lambda: ir.gate("bf16", 8, 1, shared_logits=True),
     "shared_logits needs shared slots"),
    (lambda: ir.gate("bf16", 8, 1, num_shared_experts=1, shared_weight="one",
                     shared_logits=True), "shared_weight = one contradicts"),
])
def test_builder_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()
