"""GPU tests of moe.torch (a GPU host with torch; test/GPU/run-python-tests.sh
runs them). Skipped, with the reason, without torch or a CUDA device. The
kernels come from $MOE_ARTIFACT_PATH (make_artifacts.py output) or, where
the compiler is built, from the compiler."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import moe  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # python/

torch = pytest.importorskip("torch", reason="the GPU tests need torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)


@pytest.fixture
def gen():
    g = torch.Generator(device="cuda")
    g.manual_seed(1234)
    return g
