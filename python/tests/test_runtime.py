"""Finding libMoeRuntime.so: beside the package (build tree), through
MOE_RUNTIME_LIB, and a clear error otherwise. Loading it needs no GPU."""

import os

import pytest

import moe
from moe import runtime


def test_found_beside_the_package_in_the_build_tree(monkeypatch):
    monkeypatch.delenv("MOE_RUNTIME_LIB", raising=False)
    beside = runtime._beside_package()
    if beside is None:
        pytest.skip("the package runs from the source tree (no _paths.py)")
    assert os.path.exists(beside), beside
    assert runtime.find_runtime() == beside
    lib = runtime.load_runtime()
    assert lib.path == beside


def test_environment_override(monkeypatch, tmp_path):
    (tmp_path / "lib").mkdir()
    library = tmp_path / "lib" / "libMoeRuntime.so"
    library.write_bytes(b"")
    monkeypatch.setenv("MOE_RUNTIME_LIB", str(tmp_path))
    assert runtime.find_runtime() == str(library)
    monkeypatch.setenv("MOE_RUNTIME_LIB", str(library))
    assert runtime.find_runtime() == str(library)
    monkeypatch.setenv("MOE_RUNTIME_LIB", str(tmp_path / "none.so"))
    with pytest.raises(moe.MoeArtifactError, match="none.so does not exist"):
        runtime.find_runtime()
    monkeypatch.setenv("MOE_RUNTIME_LIB", str(tmp_path / "lib" / "x"))
    (tmp_path / "lib" / "x").mkdir()
    with pytest.raises(moe.MoeArtifactError, match="no libMoeRuntime.so under"):
        runtime.find_runtime()


def test_not_found(monkeypatch):
    monkeypatch.delenv("MOE_RUNTIME_LIB", raising=False)
    monkeypatch.setattr(runtime, "_beside_package", lambda: None)
    monkeypatch.setattr(runtime, "FALLBACK_CANDIDATES", [])
    with pytest.raises(moe.MoeArtifactError, match="libMoeRuntime.so not found: "
                       "pass runtime=PATH or set MOE_RUNTIME_LIB"):
        runtime.find_runtime()
