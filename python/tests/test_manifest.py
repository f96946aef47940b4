"""Manifest errors through the package: FILE:LINE and a MoeArtifactError,
never another exception (python/tests/test_moe_artifact.py covers the
parser in depth through the old module name)."""

import os

import pytest

import moe
from moe.compiler import CompiledArtifact

from conftest import REPO
from test_moe_artifact import GOOD as GOOD_BYTES

GOOD = GOOD_BYTES.decode()


@pytest.mark.parametrize("old, new, message", [
    ("moe-manifest 1", "moe-manifest 2", ":1: expected the header 'moe-manifest 1'"),
    ("arg 1 bf16 ?x768", "arg 1 bf16 ?x7y8", ":5: bad shape '?x7y8'"),
    ("arg 1 bf16", "arg 2 bf16", ":5: arg index 2, expected 1"),
    ("arg 0 bf16", "arg 0 f64", ":4: unknown element type 'f64'"),
    ("out=1", "out=9", ":6: result written to argument 9"),
    ("op silu_and_mul x=0", "op silu_and_mul x", ":7: expected NAME=VALUE, got 'x'"),
    ("end\n", "", "function 'silu' has no 'end'"),
    ("op silu_and_mul", "opp silu_and_mul", ":7: unknown record 'opp'"),
])
def test_malformed_manifest(tmp_path, old, new, message):
    path = tmp_path / "t.manifest"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(moe.MoeArtifactError) as caught:
        moe.parse_manifest(str(path))
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_malformed_manifest_of_an_artifact(tmp_path):
    (tmp_path / "a.manifest").write_bytes(b"moe-manifest 1\nfunction \xff\n")
    with pytest.raises(moe.MoeArtifactError, match=r"a.manifest:2: not UTF-8"):
        CompiledArtifact(str(tmp_path / "a")).functions


def test_missing_manifest(tmp_path):
    with pytest.raises(moe.MoeArtifactError, match="cannot read the manifest"):
        moe.parse_manifest(str(tmp_path / "none.manifest"))


def test_good_manifest(tmp_path):
    path = tmp_path / "t.manifest"
    path.write_text(GOOD)
    spec = moe.parse_manifest(str(path))["silu"]
    assert spec.args[0].shape == (None, 1536)
    assert spec.ops == [("silu_and_mul", {"x": "0", "out": "1"})]


# Op fields follow the op schema generated from ODS (moe/_op_schema.py), as
# in moe-runner's parser (test/moe-runner/schema.test reads the same file).
ACTIVATIONS_MANIFEST = os.path.join(REPO, "test", "moe-runner", "Inputs",
                                    "activations.manifest")


def test_every_fused_moe_activation_parses():
    functions = moe.parse_manifest(ACTIVATIONS_MANIFEST)
    assert functions["gelu_tanh"].ops[0][1]["activation"] == "gelu_tanh"
    assert functions["swigluoai"].ops[0][1]["gate_up_layout"] == "interleaved"
    assert functions["relu2"].ops[0][1]["activation"] == "relu2_no_mul"


@pytest.mark.parametrize("old, new, message", [
    ("op silu_and_mul x=0", "op silu_and_mul x=0 y=1",
     ":7: unknown operand or attribute 'y' of op 'silu_and_mul'"),
    ("op silu_and_mul x=0", "op silu_and_mul x=a",
     ":7: operand 'x' of op 'silu_and_mul' must be an argument index or '-', got 'a'"),
    ("op silu_and_mul x=0", "op silu_and_mul", ":7: op 'silu_and_mul' lacks its operand 'x'"),
    ("op silu_and_mul x=0", "op silu_and_mul x=5",
     ":7: operand 'x' of op 'silu_and_mul' is argument 5 but function 'silu' has 2"),
    ("op silu_and_mul x=0", "op silu_and_mul x=0 x=1", ":7: duplicate field 'x'"),
])
def test_op_fields_follow_the_schema(tmp_path, old, new, message):
    path = tmp_path / "t.manifest"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(moe.MoeArtifactError) as caught:
        moe.parse_manifest(str(path))
    assert message in str(caught.value)


@pytest.mark.parametrize("fields, message", [
    ("activation=tanh k=2", "attribute 'activation' must be one of 'silu', "
     "'gelu', 'gelu_tanh', "),
    ("activation=relu2_no_mul k=two",
     "attribute 'k' must be an integer, got 'two' (op 'fused_moe')"),
    ("activation=relu2_no_mul k=2 clamp_limit=1_0",
     "attribute 'clamp_limit' must be a number, got '1_0'"),
    ("activation=relu2_no_mul k=2 renormalize=yes",
     "attribute 'renormalize' must be 'true' or 'false', got 'yes'"),
    ("activation=relu2_no_mul", "op 'fused_moe' lacks its attribute 'k'"),
])
def test_attribute_values_follow_the_schema(tmp_path, fields, message):
    with open(ACTIVATIONS_MANIFEST) as f:
        text = f.read()
    path = tmp_path / "t.manifest"
    path.write_text(text.replace("activation=relu2_no_mul k=2", fields, 1))
    with pytest.raises(moe.MoeArtifactError) as caught:
        moe.parse_manifest(str(path))
    assert message in str(caught.value)
