"""Shared by the CPU tests of the moe package (python/tests/test_*.py; lit
runs them as test/Python/pytest.test with PYTHONPATH=BUILD/python).

Tests that compile take the ``compiler`` fixture: it skips them, with the
reason, where the extension moe._compiler is not built, and fails them where
the build says it is (MOE_EXPECT_COMPILER=1, set by lit), so a broken
extension cannot pass as a skip. Every test gets its own cache folder."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

try:
    import moe  # noqa: F401  (BUILD/python on PYTHONPATH)
except ImportError:
    sys.path.insert(0, os.path.join(REPO, "python"))  # the source tree
    import moe  # noqa: F401

# A module of one small entry point: RMSNorm over H = 256.
SMALL_MODULE = """\
func.func @norm(%x: tensor<?x256xbf16>, %w: tensor<256xbf16>,
                %out: tensor<?x256xbf16>) -> tensor<?x256xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%out)
      : (tensor<?x256xbf16>, tensor<256xbf16>, tensor<?x256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}
"""


@pytest.fixture
def compiler():
    """The moe.compiler module, where the extension is built."""
    from moe import compiler as compiler_module
    from moe.errors import CompilerMissingError

    try:
        compiler_module._compiler()
    except CompilerMissingError as e:
        if os.environ.get("MOE_EXPECT_COMPILER") == "1":
            pytest.fail(f"this build has moe._compiler, but: {e}")
        pytest.skip(f"moe._compiler is not built here (pybind11-dev and "
                    f"python3-dev were not found at configure time): {e}")
    return compiler_module


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    """MOE_CACHE_DIR of the test: a fresh folder."""
    path = tmp_path / "cache"
    monkeypatch.setenv("MOE_CACHE_DIR", str(path))
    return path
