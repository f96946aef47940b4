"""Manifest errors through the package: FILE:LINE and a MoeArtifactError,
never another exception (python/tests/test_moe_artifact.py covers the
parser in depth through the old module name)."""

import pytest

import moe
from moe.compiler import CompiledArtifact

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
