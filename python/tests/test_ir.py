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
])
def test_builder_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()
