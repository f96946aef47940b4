"""MoE layers from Hugging Face model configurations (``config.json``).

``from_hf_config(config)`` reads the fields of a supported family and gives a
``MoeLayerConfig``; its ``ir()`` is the layer as one ``moe.fused_moe`` entry
point, written as examples/*.mlir write it (same function name and
signature), which moe.compile_model compiles.

| model_type | experts | top-k | routing |
|---|---|---|---|
| ``mixtral`` | ``num_local_experts`` | ``num_experts_per_tok`` | softmax, renormalized |
| ``qwen3_moe`` | ``num_experts`` | ``num_experts_per_tok`` | softmax, renormalized if ``norm_topk_prob`` |
| ``deepseek_v3`` | ``n_routed_experts`` + ``n_shared_experts`` fused | ``num_experts_per_tok`` | sigmoid + ``e_score_correction_bias``, ``n_group``/``topk_group`` by top-2 sum, ``routed_scaling_factor`` |
| ``kimi_k2`` | as ``deepseek_v3`` | | |

Hidden size ``hidden_size``; expert intermediate size ``intermediate_size``
(Mixtral) or ``moe_intermediate_size``; element type ``torch_dtype``
(bfloat16 by default). Router logits are f32 for the sigmoid families (as
their Hugging Face code computes them), the element type otherwise."""

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

from . import ir
from .errors import ModelConfigError

__all__ = ["MoeLayerConfig", "from_hf_config", "layer_ir", "FAMILIES"]

FAMILIES = ("mixtral", "qwen3_moe", "deepseek_v3", "kimi_k2")
_FUNCTION = {"mixtral": "mixtral_moe", "qwen3_moe": "qwen3_moe",
             "deepseek_v3": "deepseek_v3_moe", "kimi_k2": "kimi_k2_moe"}
_DTYPES = {"bfloat16": "bf16", "float16": "f16", "float32": "f32"}
# The entry point's arguments, as examples/*.mlir order them.
ARG_ORDER = ("x", "logits", "bias", "w13", "w2", "out")


@dataclass(frozen=True)
class MoeLayerConfig:
    """A MoE layer: the fused_moe op's sizes and attributes."""

    family: str
    hidden_size: int
    intermediate_size: int
    num_experts: int
    top_k: int
    num_shared_experts: int = 0
    scoring: str = "softmax"
    num_groups: int = 1
    topk_groups: int = 1
    group_score: str = "max"
    renormalize: bool = True
    scaling_factor: float = 1.0
    has_bias: bool = False
    dtype: str = "bf16"
    logits_dtype: str = "bf16"

    @property
    def function(self) -> str:
        """The entry point's name (as in examples/)."""
        return _FUNCTION[self.family]

    def fused_moe(self) -> ir.OpSpec:
        return ir.fused_moe(
            self.dtype, self.hidden_size, self.num_experts,
            self.intermediate_size, self.top_k, logits_dtype=self.logits_dtype,
            bias=self.has_bias, scoring=self.scoring, num_groups=self.num_groups,
            topk_groups=self.topk_groups, group_score=self.group_score,
            renormalize=self.renormalize, scaling_factor=self.scaling_factor,
            num_shared_experts=self.num_shared_experts)

    def ir(self) -> str:
        """The layer as a module of one entry point."""
        spec = self.fused_moe()
        order = [a for a in ARG_ORDER if spec.operand(a) is not None]
        return (f"// {self.family} MoE layer (moe.models): E = {self.num_experts}, "
                f"k = {self.top_k}, H = {self.hidden_size}, "
                f"I = {self.intermediate_size}, S = {self.num_shared_experts}\n"
                + spec.function(self.function, order))


def _load(config) -> Dict[str, Any]:
    if isinstance(config, dict):
        return config
    path = os.fspath(config)
    if os.path.isdir(path):
        path = os.path.join(path, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise ModelConfigError(f"cannot read the model configuration {path}: "
                               f"{e.strerror}") from None
    except ValueError as e:
        raise ModelConfigError(f"{path}: not JSON: {e}") from None
    if not isinstance(data, dict):
        raise ModelConfigError(f"{path}: expected a JSON object")
    return data


class _Fields:
    """Typed access to the config's fields; errors name the family and field."""

    def __init__(self, data: Dict[str, Any], family: str):
        self.data = data
        self.family = family

    def error(self, message: str) -> ModelConfigError:
        return ModelConfigError(f"{self.family} configuration: {message}")

    def integer(self, name: str, default: Optional[int] = None) -> int:
        value = self.data.get(name, default)
        if value is None:
            raise self.error(f"missing '{name}'")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(f"'{name}' = {value!r}: expected a non-negative integer")
        return value

    def number(self, name: str, default: float) -> float:
        value = self.data.get(name, default)
        if value is None:
            value = default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"'{name}' = {value!r}: expected a number")
        return float(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self.error(f"'{name}' = {value!r}: expected true or false")
        return value

    def string(self, name: str, default: str) -> str:
        value = self.data.get(name, default)
        if value is None:
            value = default
        if not isinstance(value, str):
            raise self.error(f"'{name}' = {value!r}: expected a string")
        return value

    def dtype(self) -> str:
        name = self.string("torch_dtype", "bfloat16")
        if name not in _DTYPES:
            raise self.error(f"'torch_dtype' = '{name}': expected one of "
                             f"{', '.join(_DTYPES)}")
        return _DTYPES[name]


def from_hf_config(config) -> MoeLayerConfig:
    """The MoE layer of a Hugging Face configuration: a dict, a config.json
    path or the folder holding it. Raises ModelConfigError for another
    model_type or a field that is missing or of the wrong type."""
    data = _load(config)
    family = data.get("model_type")
    if family not in FAMILIES:
        raise ModelConfigError(
            f"model_type {family!r} is not a supported MoE family (supported: "
            f"{', '.join(FAMILIES)})")
    f = _Fields(data, family)
    dtype = f.dtype()
    if family in ("mixtral", "qwen3_moe"):
        experts = f.integer("num_local_experts" if family == "mixtral" else "num_experts")
        layer = MoeLayerConfig(
            family=family, hidden_size=f.integer("hidden_size"),
            intermediate_size=f.integer("intermediate_size" if family == "mixtral"
                                    else "moe_intermediate_size"),
            num_experts=experts, top_k=f.integer("num_experts_per_tok"),
            renormalize=(True if family == "mixtral"
                         else f.flag("norm_topk_prob", False)),
            dtype=dtype, logits_dtype=dtype)
    else:
        scoring = f.string("scoring_func", "sigmoid")
        method = f.string("topk_method", "noaux_tc")
        if scoring != "sigmoid" or method != "noaux_tc":
            raise f.error(f"scoring_func '{scoring}' with topk_method '{method}': "
                          "only sigmoid with noaux_tc (the correction bias) is "
                          "supported")
        groups = f.integer("n_group", 1)
        shared = f.integer("n_shared_experts", 0)
        renormalize = f.flag("norm_topk_prob", True)
        if shared and not renormalize:
            # The fused shared slots get the routed mass before scaling, 1
            # only when the routed weights are renormalized (Semantics.md).
            raise f.error("n_shared_experts > 0 needs norm_topk_prob = true "
                          "(the fused shared experts' weight is 1 only then)")
        layer = MoeLayerConfig(
            family=family, hidden_size=f.integer("hidden_size"),
            intermediate_size=f.integer("moe_intermediate_size"),
            num_experts=f.integer("n_routed_experts"),
            top_k=f.integer("num_experts_per_tok"), num_shared_experts=shared,
            scoring="sigmoid", num_groups=groups,
            topk_groups=f.integer("topk_group", 1),
            # With one group the group score is unused: keep the default.
            group_score="top2_sum" if groups > 1 else "max",
            renormalize=renormalize,
            scaling_factor=f.number("routed_scaling_factor", 1.0),
            has_bias=True, dtype=dtype, logits_dtype="f32")
    try:
        layer.fused_moe()  # the op's own checks (k, groups, ...)
    except ValueError as e:
        raise f.error(str(e)) from None
    return layer


def layer_ir(config) -> str:
    """The IR text of a configuration's MoE layer."""
    return from_hf_config(config).ir()
