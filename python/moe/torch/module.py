"""MoeBlock: the MoE layer of a supported family as an nn.Module, loaded
from a Hugging Face state dict (the per-expert checkpoint layout)."""

from typing import Iterator, List, Mapping, Optional, Tuple

import torch
from torch import Tensor, nn

from ..errors import ModelConfigError
from ..models import MoeLayerConfig, from_hf_config
from .ops import fused_moe

__all__ = ["MoeBlock"]

_TORCH_DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}
# The expert projections' names: (gate, up, down).
_PROJECTIONS = {"mixtral": ("w1", "w3", "w2")}
_DEFAULT_PROJECTIONS = ("gate_proj", "up_proj", "down_proj")


def _unsupported(layer: MoeLayerConfig) -> List[str]:
    """What ``layer`` has that the block's weights and fused_moe call do not
    express (moe.models reads more families than the block loads)."""
    checks = [
        (layer.shared_weight != "routed_mass", f"shared_weight = {layer.shared_weight}"),
        (layer.has_shared_logits, "shared_logits (a gated shared expert)"),
        (layer.router_weight_on_input, "router_weight_on_input"),
        (layer.activation != "silu", f"activation = {layer.activation}"),
        (layer.gate_up_layout != "split", f"gate_up_layout = {layer.gate_up_layout}"),
        (layer.clamp_limit is not None, "clamp_limit"),
        (layer.swiglu_alpha is not None, "swiglu_alpha"),
        (layer.has_expert_biases, "expert biases (b13, b2)"),
    ]
    return [what for present, what in checks if present]


class MoeBlock(nn.Module):
    """The sparse MoE block of Mixtral (``block_sparse_moe``), Qwen3-MoE,
    DeepSeek-V3, Kimi-K2 and GLM-4.5 (``mlp``): router linear, then
    moe.fused_moe. The other families moe.models reads (gpt-oss, Llama-4,
    Qwen2-MoE, Qwen3-Next) are a ModelConfigError here for now.

    Parameters: ``gate_weight [E, H]``, ``w13 [E+S, 2I, H]`` (each expert's
    gate rows, then its up rows), ``w2 [E+S, H, I]`` and, for the sigmoid
    families, ``e_score_correction_bias [E]`` (f32). The S shared experts of
    DeepSeek-V3/Kimi-K2 are the last slots: the Hugging Face shared MLP of
    intermediate size S*I split into S experts."""

    def __init__(self, config, dtype: Optional[torch.dtype] = None,
                 device=None):
        """config: a MoeLayerConfig, or what moe.from_hf_config takes (a
        config.json path or folder, or its dict)."""
        super().__init__()
        layer = config if isinstance(config, MoeLayerConfig) else from_hf_config(config)
        missing = _unsupported(layer)
        if missing:
            raise ModelConfigError(
                f"MoeBlock: the {layer.family} layer needs {', '.join(missing)}, "
                "which MoeBlock and moe.torch.fused_moe do not take yet "
                "(moe.compile_model compiles the layer)")
        self.layer = layer
        self.dtype = dtype or _TORCH_DTYPES[layer.dtype]
        self.logits_dtype = (torch.float32 if layer.logits_dtype == "f32"
                             else self.dtype)
        E, H, I = layer.num_experts, layer.hidden_size, layer.intermediate_size
        slots = E + layer.num_shared_experts
        kw = {"dtype": self.dtype, "device": device}
        self.gate_weight = nn.Parameter(torch.empty(E, H, **kw), requires_grad=False)
        self.w13 = nn.Parameter(torch.empty(slots, 2 * I, H, **kw), requires_grad=False)
        self.w2 = nn.Parameter(torch.empty(slots, H, I, **kw), requires_grad=False)
        if layer.has_bias:
            self.e_score_correction_bias = nn.Parameter(
                torch.zeros(E, dtype=torch.float32, device=device),
                requires_grad=False)
        else:
            self.e_score_correction_bias = None

    # -- Hugging Face state dicts ---------------------------------------------

    def hf_keys(self) -> Iterator[Tuple[str, Tuple[int, ...]]]:
        """The keys (relative to the block) and shapes of a Hugging Face
        state dict of this block."""
        layer = self.layer
        E, H, I, S = (layer.num_experts, layer.hidden_size,
                      layer.intermediate_size, layer.num_shared_experts)
        gate, up, down = _PROJECTIONS.get(layer.family, _DEFAULT_PROJECTIONS)
        yield "gate.weight", (E, H)
        if layer.has_bias:
            yield "gate.e_score_correction_bias", (E,)
        for e in range(E):
            yield f"experts.{e}.{gate}.weight", (I, H)
            yield f"experts.{e}.{up}.weight", (I, H)
            yield f"experts.{e}.{down}.weight", (H, I)
        if S:
            yield "shared_experts.gate_proj.weight", (S * I, H)
            yield "shared_experts.up_proj.weight", (S * I, H)
            yield "shared_experts.down_proj.weight", (H, S * I)

    @torch.no_grad()
    def load_hf_state_dict(self, state_dict: Mapping[str, Tensor],
                           prefix: str = "", strict: bool = True) -> None:
        """Loads the block's weights from a Hugging Face state dict; keys are
        ``prefix`` + those of hf_keys() (e.g. prefix
        "model.layers.0.mlp."). Every key must be there with its shape;
        with ``strict``, keys under ``prefix`` that are not the block's are
        an error too."""
        expected = dict(self.hf_keys())
        problems: List[str] = []
        for key, shape in expected.items():
            t = state_dict.get(prefix + key)
            if t is None:
                problems.append(f"missing {prefix + key}")
            elif tuple(t.shape) != shape:
                problems.append(f"{prefix + key}: shape {tuple(t.shape)}, "
                                f"expected {shape}")
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key[len(prefix):] not in expected:
                    problems.append(f"unexpected {key}")
        if problems:
            shown = problems[:8] + ([f"... {len(problems) - 8} more"]
                                    if len(problems) > 8 else [])
            raise ModelConfigError(
                f"{self.layer.family} MoE block: the state dict does not fit: "
                + "; ".join(shown))
        layer = self.layer
        E, I, S = layer.num_experts, layer.intermediate_size, layer.num_shared_experts
        gate, up, down = _PROJECTIONS.get(layer.family, _DEFAULT_PROJECTIONS)
        get = lambda key: state_dict[prefix + key]  # noqa: E731
        self.gate_weight.copy_(get("gate.weight"))
        if layer.has_bias:
            self.e_score_correction_bias.copy_(get("gate.e_score_correction_bias"))
        for e in range(E):
            self.w13[e, :I].copy_(get(f"experts.{e}.{gate}.weight"))
            self.w13[e, I:].copy_(get(f"experts.{e}.{up}.weight"))
            self.w2[e].copy_(get(f"experts.{e}.{down}.weight"))
        if S:
            shared_gate = get("shared_experts.gate_proj.weight")
            shared_up = get("shared_experts.up_proj.weight")
            shared_down = get("shared_experts.down_proj.weight")
            for s in range(S):
                rows = slice(s * I, (s + 1) * I)
                self.w13[E + s, :I].copy_(shared_gate[rows])
                self.w13[E + s, I:].copy_(shared_up[rows])
                self.w2[E + s].copy_(shared_down[:, rows])

    @classmethod
    def from_hf(cls, config, state_dict: Mapping[str, Tensor], prefix: str = "",
                dtype: Optional[torch.dtype] = None, device=None) -> "MoeBlock":
        """A block built from a configuration and loaded from a state dict."""
        block = cls(config, dtype=dtype, device=device)
        block.load_hf_state_dict(state_dict, prefix=prefix)
        return block

    # -- forward ----------------------------------------------------------------

    def router_logits(self, x: Tensor) -> Tensor:
        """x [T, H] -> logits [T, E] (f32 for the sigmoid families, as their
        Hugging Face code computes them)."""
        return nn.functional.linear(x.to(self.logits_dtype),
                                    self.gate_weight.to(self.logits_dtype))

    def forward(self, hidden_states: Tensor) -> Tensor:
        """hidden_states [..., H] -> [..., H]."""
        layer = self.layer
        shape = hidden_states.shape
        x = hidden_states.reshape(-1, shape[-1]).contiguous()
        out = fused_moe(
            x, self.router_logits(x).contiguous(), self.w13, self.w2,
            k=layer.top_k, bias=self.e_score_correction_bias,
            scoring=layer.scoring, num_groups=layer.num_groups,
            topk_groups=layer.topk_groups, group_score=layer.group_score,
            renormalize=layer.renormalize, scaling_factor=layer.scaling_factor,
            num_shared_experts=layer.num_shared_experts)
        return out.reshape(shape)

    def extra_repr(self) -> str:
        layer = self.layer
        return (f"{layer.family}: E={layer.num_experts} k={layer.top_k} "
                f"H={layer.hidden_size} I={layer.intermediate_size} "
                f"S={layer.num_shared_experts}, {self.dtype}")
