"""The exceptions of the moe package. Every failure the package reports is
a ``MoeError`` (a ``RuntimeError``); the subclasses say which part failed."""

__all__ = [
    "MoeError",
    "MoeArtifactError",
    "CompileError",
    "CompilerMissingError",
    "ModelConfigError",
    "OpArgumentError",
]


class MoeError(RuntimeError):
    """Base class of the package's errors."""


class MoeArtifactError(MoeError):
    """Loading or calling an artifact failed: a malformed manifest
    (``FILE:LINE: message``), a missing library or symbol, a tensor that does
    not fit the entry point, or a runtime (GPU) error."""


class CompileError(MoeError):
    """The compiler rejected a module. The message holds the MLIR
    diagnostics, each with the ``FILE:LINE:COL`` of the op at fault."""


class CompilerMissingError(MoeError):
    """A compile call where the compiler extension (``moe._compiler``) is not
    built or not installed, e.g. on a GPU host with the runtime-only build."""


class ModelConfigError(MoeError, ValueError):
    """A model configuration (``config.json``) that does not describe a
    supported MoE layer."""


class OpArgumentError(MoeError, ValueError):
    """A tensor that an op (moe.torch) cannot take: its dtype, shape,
    strides or device."""
