"""moe ops for PyTorch: ``torch.ops.moe.*`` registered with torch.library
(fake implementations included, so torch.compile traces them), their Python
wrappers, and ``MoeBlock``, an nn.Module of a MoE layer that takes a
Hugging Face state dict (docs/Python.md).

    import moe.torch as mt
    out = mt.fused_moe(x, logits, w13, w2, k=8, renormalize=True)

Every op runs on torch's current CUDA stream (captured into a CUDA graph
when that stream is being captured) and checks its tensors' dtypes, shapes,
strides and devices first (moe.errors.OpArgumentError). Kernels come from
artifacts in $MOE_ARTIFACT_PATH or from the compiler (moe.kernels). Needs
torch >= 2.4 (torch.library.custom_op)."""

try:
    import torch as _torch
except ImportError as _e:  # pragma: no cover - depends on the host
    raise ImportError(
        "moe.torch needs PyTorch, which is not installed here "
        f"({_e}); the rest of the moe package works without it") from None

if not hasattr(_torch.library, "custom_op"):
    raise ImportError(
        f"moe.torch needs torch >= 2.4 (torch.library.custom_op); this is "
        f"torch {_torch.__version__}")

from .ops import (fused_add_rms_norm, fused_moe, gate, grouped_matmul,  # noqa: E402
                  mot_linear, poison_outputs, rms_norm)
from .module import MoeBlock  # noqa: E402

__all__ = [
    "MoeBlock",
    "fused_add_rms_norm",
    "fused_moe",
    "gate",
    "grouped_matmul",
    "mot_linear",
    "poison_outputs",
    "rms_norm",
]
