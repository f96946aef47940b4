"""moe: compile Mixture-of-Experts layers to GPU artifacts and call them
from Python (docs/Python.md).

    import moe
    art = moe.compile_model("Qwen3-30B-A3B/config.json")   # in process, cached
    layer = art.load()                                     # GPU host, torch
    layer.call("qwen3_moe", x, logits, w13, w2, out)

``moe.torch`` registers the ops with torch.library (needs torch). The
compile calls need the compiler extension (moe._compiler); without it, on a
GPU host with the runtime-only build, the package loads artifacts compiled
elsewhere and the compile calls raise CompilerMissingError."""

from .artifact import Artifact
from .cache import Cache, default_cache_dir
from .compiler import (CompiledArtifact, CompileOptions, available,
                       compile_file, compile_model, compile_text,
                       compiler_version, verify)
from .errors import (CompileError, CompilerMissingError, ModelConfigError,
                     MoeArtifactError, MoeError)
from .manifest import ArgSpec, FunctionSpec, parse_manifest
from .models import MoeLayerConfig, from_hf_config
from .runtime import load_runtime

__version__ = "0.1.0"

__all__ = [
    "Artifact",
    "ArgSpec",
    "Cache",
    "CompileError",
    "CompileOptions",
    "CompiledArtifact",
    "CompilerMissingError",
    "FunctionSpec",
    "ModelConfigError",
    "MoeArtifactError",
    "MoeError",
    "MoeLayerConfig",
    "available",
    "compile_file",
    "compile_model",
    "compile_text",
    "compiler_version",
    "default_cache_dir",
    "from_hf_config",
    "load",
    "load_runtime",
    "parse_manifest",
    "verify",
]


def load(prefix, runtime=None, device=None) -> Artifact:
    """Loads an artifact (``DIR/NAME``, ``.so`` or ``.manifest``) on a GPU."""
    return Artifact(prefix, runtime=runtime, device=device)
