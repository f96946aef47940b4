"""Kernel resolution without a GPU: an artifact folder in the search path
serves an op; without one and without the compiler, the error names the op
and what to compile."""

import pytest

import moe
from moe import ir, kernels


@pytest.fixture
def search_path(monkeypatch):
    monkeypatch.setattr(kernels, "_extra_dirs", [])
    monkeypatch.setattr(kernels, "_indexes", {})
    monkeypatch.delenv("MOE_ARTIFACT_PATH", raising=False)


def test_artifact_in_the_search_path_serves_the_op(compiler, tmp_path,
                                                   search_path, monkeypatch):
    spec = ir.rms_norm("bf16", 256)
    other = ir.rms_norm("bf16", 512)
    folder = tmp_path / "artifacts" / "nested"
    moe.compile_text(ir.module({"a": other, "b": spec}), "norms",
                     out_dir=str(folder))
    (tmp_path / "artifacts" / "broken.manifest").write_text("garbage\n")
    assert kernels.find_in_path(spec) is None
    monkeypatch.setenv("MOE_ARTIFACT_PATH", str(tmp_path / "none") + ":"
                       + str(tmp_path / "artifacts"))
    prefix, function, indices = kernels.find_in_path(spec)
    assert prefix == str(folder / "norms")
    assert function == "b"
    assert indices == {"x": 0, "weight": 1, "out": 2}
    assert kernels.find_in_path(ir.rms_norm("bf16", 1024)) is None


def test_add_artifact_dir(tmp_path, search_path):
    with pytest.raises(moe.MoeArtifactError, match="no artifact folder"):
        kernels.add_artifact_dir(tmp_path / "none")
    kernels.add_artifact_dir(tmp_path)
    assert kernels.search_path() == [str(tmp_path)]


def test_no_artifact_and_no_compiler(tmp_path, search_path, monkeypatch):
    from moe import compiler

    monkeypatch.setattr(compiler, "_extension", None)
    monkeypatch.setattr(compiler, "_import_error", "hidden by the test")
    (tmp_path / "broken.manifest").write_text("garbage\n")
    kernels.add_artifact_dir(tmp_path)
    spec = ir.rms_norm("bf16", 256)
    with pytest.raises(moe.MoeError) as caught:
        kernels.resolve(spec, 0)
    message = str(caught.value)
    assert message.startswith("no artifact provides this moe.rms_norm and the "
                              "compiler is not built here")
    assert "broken.manifest:1: expected the header" in message
    assert f"func.func @{kernels.kernel_name(spec)}(%x: tensor<?x256xbf16>" in message
