"""MoE layers from Hugging Face model configurations (``config.json``).

``from_hf_config(config)`` reads the fields of a supported family and gives a
``MoeLayerConfig``; its ``ir()`` is the layer as one ``moe.fused_moe`` entry
point, written as examples/*.mlir write it (same function name and
signature), which moe.compile_model compiles. docs/Models.md tells the
families' forms.

| model_type | experts (E + S shared) | top-k | routing | expert MLP, shared expert |
|---|---|---|---|---|
| ``mixtral`` | ``num_local_experts`` | ``num_experts_per_tok`` | softmax, renormalized | silu, ``intermediate_size``; none |
| ``qwen3_moe`` | ``num_experts`` | ``num_experts_per_tok`` | softmax, renormalized if ``norm_topk_prob`` | silu, ``moe_intermediate_size``; none |
| ``deepseek_v3``, ``kimi_k2`` | ``n_routed_experts`` + ``n_shared_experts`` | ``num_experts_per_tok`` | sigmoid + ``e_score_correction_bias``, ``n_group``/``topk_group`` by top-2 sum, renormalized if ``norm_topk_prob``, ``routed_scaling_factor`` | silu, ``moe_intermediate_size``; the shared MLP (``n_shared_experts`` * I) as S slots of weight 1 (the routed mass when renormalized, else ``shared_weight = one``) |
| ``glm4_moe`` | as ``deepseek_v3`` | | as ``deepseek_v3`` | as ``deepseek_v3`` |
| ``gpt_oss`` | ``num_local_experts`` | ``num_experts_per_tok`` (or ``experts_per_token``) | softmax over the top-k logits (``softmax renormalize``) | ``swigluoai`` (alpha 1.702, ``clamp_limit`` = ``swiglu_limit``) on interleaved gate/up rows, ``intermediate_size``, biases ``b13``/``b2``; none |
| ``llama4`` (its ``text_config``), ``llama4_text`` | ``num_local_experts`` + 1 | ``num_experts_per_tok`` (1) | sigmoid of the top-1 logit, the weight on the input rows (``router_weight_on_input``) | silu, ``intermediate_size``; one shared expert of weight 1 (``shared_weight = one``) |
| ``qwen2_moe``, ``qwen3_next`` | ``num_experts`` + S | ``num_experts_per_tok`` | softmax, renormalized if ``norm_topk_prob`` (default false / true) | silu, ``moe_intermediate_size``; the shared expert (``shared_expert_intermediate_size`` = S * I) weighted by its sigmoid gate: ``shared_logits [T, S]`` |

Hidden size ``hidden_size``; element type ``torch_dtype`` (or ``dtype``;
bfloat16 by default). ``hidden_act`` must be ``silu`` where the family
reads it (gpt-oss's experts are swigluoai whatever it says). Router logits
are f32 for the DeepSeek-style families (``deepseek_v3``, ``kimi_k2``,
``glm4_moe``: their Hugging Face routers compute them in f32), the element
type otherwise; ``shared_logits`` have the logits' type.

What the layer does not read: which layers are MoE layers
(``first_k_dense_replace``, ``decoder_sparse_step``, ``mlp_only_layers``,
Llama-4-Maverick's ``interleave_moe_layer_step`` = 2: the MoE layers
themselves have the form above), the router's own linear (its logits,
with gpt-oss's router bias, are the entry point's ``logits``), and
``quantization_config`` (the layer takes unquantized weights: gpt-oss's
MXFP4 experts dequantized to the element type).

The shared experts' gate logits (Qwen2-MoE, Qwen3-Next: ``shared_expert_gate``,
an [H] -> 1 linear computed beside the router) are the ``shared_logits``
argument, [T, S]. A shared expert larger than a routed one
(Qwen2-MoE's ``shared_expert_intermediate_size`` = S * ``moe_intermediate_size``,
S = 4 for Qwen1.5-MoE-A2.7B, 8 for Qwen2-57B-A14B) is S slots of I each: its
gate/up rows and down columns split into S slices (w13[E + s] and w2[E + s]
the s-th), and the caller passes its one gate logit in each of the S
columns of ``shared_logits``; a size that is not a multiple of I is a
ModelConfigError.

The entry point is named after the family (``MoeLayerConfig.function``),
except that the published models with an example in examples/ (gpt-oss-20b
and -120b, GLM-4.5-Air, Llama-4-Scout) keep their example's name, and their
published siblings (GLM-4.5, Llama-4-Maverick) one of the same form, both
recognized by their sizes (E, k, H, I)."""

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

from . import ir
from .errors import ModelConfigError

__all__ = ["MoeLayerConfig", "from_hf_config", "layer_ir", "FAMILIES"]

# The model_types from_hf_config reads.
FAMILIES = ("mixtral", "qwen3_moe", "deepseek_v3", "kimi_k2", "glm4_moe",
            "gpt_oss", "llama4", "llama4_text", "qwen2_moe", "qwen3_next")
# The entry point of a family's layer (MoeLayerConfig.family: llama4_text
# is the llama4 family).
_FUNCTION = {"mixtral": "mixtral_moe", "qwen3_moe": "qwen3_moe",
             "deepseek_v3": "deepseek_v3_moe", "kimi_k2": "kimi_k2_moe",
             "glm4_moe": "glm4_moe", "gpt_oss": "gpt_oss_moe",
             "llama4": "llama4_moe", "qwen2_moe": "qwen2_moe",
             "qwen3_next": "qwen3_next_moe"}
# Published models whose layer has a name of its own (that of its example
# in examples/, or of the same form for GLM-4.5 and Llama-4-Maverick):
# (family, E, k, H, I) -> entry point.
_MODEL_FUNCTION = {
    ("gpt_oss", 32, 4, 2880, 2880): "gpt_oss_20b_moe",
    ("gpt_oss", 128, 4, 2880, 2880): "gpt_oss_120b_moe",
    ("glm4_moe", 128, 8, 4096, 1408): "glm_4_5_air_moe",
    ("glm4_moe", 160, 8, 5120, 1536): "glm_4_5_moe",
    ("llama4", 16, 1, 5120, 8192): "llama_4_scout_moe",
    ("llama4", 128, 1, 5120, 8192): "llama_4_maverick_moe",
}
_DTYPES = {"bfloat16": "bf16", "float16": "f16", "float32": "f32"}
# The entry point's arguments, as examples/*.mlir order them.
ARG_ORDER = ("x", "logits", "shared_logits", "bias", "w13", "w2", "b13", "b2",
             "out")
# gpt-oss's SwiGLU alpha (a constant of its Hugging Face and vLLM code, not a
# config field).
GPT_OSS_SWIGLU_ALPHA = 1.702


@dataclass(frozen=True)
class MoeLayerConfig:
    """A MoE layer: the fused_moe op's sizes and attributes. ``family`` is
    the model_type (``llama4`` for ``llama4_text`` too); ``name``, when set,
    is the entry point's name instead of the family's."""

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
    shared_weight: str = "routed_mass"
    has_shared_logits: bool = False
    router_weight_on_input: bool = False
    activation: str = "silu"
    gate_up_layout: str = "split"
    clamp_limit: Optional[float] = None
    swiglu_alpha: Optional[float] = None
    has_expert_biases: bool = False
    name: Optional[str] = None

    @property
    def function(self) -> str:
        """The entry point's name (as in examples/)."""
        return self.name or _FUNCTION[self.family]

    def fused_moe(self) -> ir.OpSpec:
        return ir.fused_moe(
            self.dtype, self.hidden_size, self.num_experts,
            self.intermediate_size, self.top_k, logits_dtype=self.logits_dtype,
            bias=self.has_bias, scoring=self.scoring, num_groups=self.num_groups,
            topk_groups=self.topk_groups, group_score=self.group_score,
            renormalize=self.renormalize, scaling_factor=self.scaling_factor,
            num_shared_experts=self.num_shared_experts,
            shared_weight=self.shared_weight,
            shared_logits=self.has_shared_logits,
            router_weight_on_input=self.router_weight_on_input,
            activation=self.activation, gate_up_layout=self.gate_up_layout,
            clamp_limit=self.clamp_limit, swiglu_alpha=self.swiglu_alpha,
            b13=self.has_expert_biases, b2=self.has_expert_biases)

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

    def size(self, name: str) -> int:
        value = self.integer(name)
        if value < 1:
            raise self.error(f"'{name}' = {value}: expected a positive integer")
        return value

    def dtype(self, outer: Optional[Dict[str, Any]] = None) -> str:
        """torch_dtype (``dtype`` in newer configs), else the enclosing
        config's (Llama-4's text_config in its multimodal config)."""
        for data in (self.data, outer or {}):
            for key in ("torch_dtype", "dtype"):
                if data.get(key) is not None:
                    name = data[key]
                    if name not in _DTYPES:
                        raise self.error(f"'{key}' = {name!r}: expected one of "
                                         f"{', '.join(_DTYPES)}")
                    return _DTYPES[name]
        return "bf16"

    def silu(self) -> None:
        """The family's experts are SiLU-and-mul: hidden_act must say so."""
        act = self.string("hidden_act", "silu")
        if act != "silu":
            raise self.error(f"'hidden_act' = '{act}': the {self.family} layer "
                             "is expressed with silu experts only")


def _text_config(data: Dict[str, Any]) -> Dict[str, Any]:
    """Llama-4's text model configuration: the ``text_config`` of a llama4
    (multimodal) config, or a llama4_text config itself."""
    if data.get("model_type") == "llama4_text":
        return data
    text = data.get("text_config")
    if not isinstance(text, dict):
        raise ModelConfigError("llama4 configuration: missing 'text_config' (the "
                               "text model's configuration, which holds the "
                               "MoE layer's fields)")
    if text.get("model_type", "llama4_text") != "llama4_text":
        raise ModelConfigError(f"llama4 configuration: 'text_config' has "
                               f"model_type {text['model_type']!r}, expected "
                               "'llama4_text'")
    return text


def _deepseek_style(f: _Fields, family: str, dtype: str) -> MoeLayerConfig:
    """deepseek_v3, kimi_k2, glm4_moe: sigmoid scores with the correction
    bias, group-limited, scaled; the shared MLP fused as S slots."""
    scoring = f.string("scoring_func", "sigmoid")
    method = f.string("topk_method", "noaux_tc")
    if scoring != "sigmoid" or method != "noaux_tc":
        raise f.error(f"scoring_func '{scoring}' with topk_method '{method}': "
                      "only sigmoid with noaux_tc (the correction bias) is "
                      "supported")
    f.silu()
    groups = f.integer("n_group", 1)
    shared = f.integer("n_shared_experts", 0)
    renormalize = f.flag("norm_topk_prob", True)
    return MoeLayerConfig(
        family=family, hidden_size=f.size("hidden_size"),
        intermediate_size=f.size("moe_intermediate_size"),
        num_experts=f.size("n_routed_experts"),
        top_k=f.integer("num_experts_per_tok"), num_shared_experts=shared,
        scoring="sigmoid", num_groups=groups,
        topk_groups=f.integer("topk_group", 1),
        # With one group the group score is unused: keep the default.
        group_score="top2_sum" if groups > 1 else "max",
        renormalize=renormalize,
        scaling_factor=f.number("routed_scaling_factor", 1.0),
        # Hugging Face adds the shared MLP unweighted. The default shared
        # weight, the routed mass before scaling, is 1 when the routed
        # weights are renormalized (docs/Semantics.md); otherwise say 1.
        shared_weight="routed_mass" if renormalize or not shared else "one",
        has_bias=True, dtype=dtype, logits_dtype="f32")


def _gpt_oss(f: _Fields, dtype: str) -> MoeLayerConfig:
    """gpt-oss: the top-k logits' softmax; swigluoai experts with biases on
    interleaved gate/up rows."""
    # OpenAI's config.json has both names; Hugging Face reads
    # num_experts_per_tok.
    both = ("num_experts_per_tok", "experts_per_token")
    k = f.integer(next((n for n in both if f.data.get(n) is not None), both[0]))
    if all(f.data.get(n) is not None for n in both) and (
            f.data[both[1]] != k or isinstance(f.data[both[1]], bool)):
        raise f.error(f"'num_experts_per_tok' = {k} and 'experts_per_token' = "
                      f"{f.data[both[1]]!r} disagree")
    return MoeLayerConfig(
        family="gpt_oss", hidden_size=f.size("hidden_size"),
        intermediate_size=f.size("intermediate_size"),
        num_experts=f.size("num_local_experts"), top_k=k,
        # Softmax of the top-k logits = top-k of the softmax, renormalized.
        scoring="softmax", renormalize=True, activation="swigluoai",
        gate_up_layout="interleaved",
        clamp_limit=f.number("swiglu_limit", 7.0),
        swiglu_alpha=GPT_OSS_SWIGLU_ALPHA, has_expert_biases=True,
        dtype=dtype, logits_dtype=dtype)


def _llama4(data: Dict[str, Any], dtype_outer: Dict[str, Any]) -> MoeLayerConfig:
    """Llama-4 (Scout, Maverick): top-1, its logit's sigmoid on the input
    rows, plus the shared expert (intermediate_size too) of weight 1."""
    f = _Fields(data, "llama4")
    dtype = f.dtype(dtype_outer)
    f.silu()
    k = f.integer("num_experts_per_tok")
    if k != 1:
        raise f.error(f"'num_experts_per_tok' = {k}: the Llama-4 layer (the "
                      "routed weight applied to the input rows) is expressed "
                      "for top-1 routing only")
    return MoeLayerConfig(
        family="llama4", hidden_size=f.size("hidden_size"),
        # The experts' size; intermediate_size_mlp is the dense layers'.
        intermediate_size=f.size("intermediate_size"),
        num_experts=f.size("num_local_experts"), top_k=1,
        num_shared_experts=1, scoring="sigmoid", renormalize=False,
        shared_weight="one", router_weight_on_input=True,
        dtype=dtype, logits_dtype=dtype)


def _qwen_shared(f: _Fields, family: str, dtype: str) -> MoeLayerConfig:
    """qwen2_moe, qwen3_next: softmax top-k and the shared expert weighted
    by its own sigmoid gate (shared_logits), split into S slots of I."""
    f.silu()
    inter = f.size("moe_intermediate_size")
    shared_size = f.integer("shared_expert_intermediate_size")
    if shared_size % inter:
        raise f.error(f"'shared_expert_intermediate_size' = {shared_size} is not "
                      f"a multiple of 'moe_intermediate_size' = {inter}: the "
                      "shared expert is fused as slots of the routed experts' "
                      "size")
    shared = shared_size // inter
    return MoeLayerConfig(
        family=family, hidden_size=f.size("hidden_size"),
        intermediate_size=inter, num_experts=f.size("num_experts"),
        top_k=f.integer("num_experts_per_tok"), num_shared_experts=shared,
        scoring="softmax",
        # Hugging Face's defaults: Qwen2-MoE false, Qwen3-Next true.
        renormalize=f.flag("norm_topk_prob", family == "qwen3_next"),
        has_shared_logits=shared > 0, dtype=dtype, logits_dtype=dtype)


def from_hf_config(config) -> MoeLayerConfig:
    """The MoE layer of a Hugging Face configuration: a dict, a config.json
    path or the folder holding it. Raises ModelConfigError for another
    model_type, a field that is missing or of the wrong type, or a value the
    family's layer does not express (another scoring function, activation,
    a shared expert that is not a multiple of the routed ones, ...).

    Llama-4: a llama4 config (its ``text_config`` holds the fields) or a
    llama4_text one. Llama-4-Maverick interleaves MoE and dense layers
    (``interleave_moe_layer_step`` 2); its MoE layer is the same form as
    Scout's, with 128 experts. The layer's entry point is
    ``MoeLayerConfig.function``; ``dataclasses.replace(layer, name=...)``
    renames it."""
    data = _load(config)
    family = data.get("model_type")
    if family not in FAMILIES:
        raise ModelConfigError(
            f"model_type {family!r} is not a supported MoE family (supported: "
            f"{', '.join(FAMILIES)})")
    if family in ("llama4", "llama4_text"):
        f = _Fields(data, "llama4")
        layer = _llama4(_text_config(data), data)
    else:
        f = _Fields(data, family)
        dtype = f.dtype()
        if family in ("mixtral", "qwen3_moe"):
            f.silu()
            experts = f.size("num_local_experts" if family == "mixtral"
                             else "num_experts")
            layer = MoeLayerConfig(
                family=family, hidden_size=f.size("hidden_size"),
                intermediate_size=f.size("intermediate_size" if family == "mixtral"
                                         else "moe_intermediate_size"),
                num_experts=experts, top_k=f.integer("num_experts_per_tok"),
                renormalize=(True if family == "mixtral"
                             else f.flag("norm_topk_prob", False)),
                dtype=dtype, logits_dtype=dtype)
        elif family == "gpt_oss":
            layer = _gpt_oss(f, dtype)
        elif family in ("qwen2_moe", "qwen3_next"):
            layer = _qwen_shared(f, family, dtype)
        else:
            layer = _deepseek_style(f, family, dtype)
    name = _MODEL_FUNCTION.get((layer.family, layer.num_experts, layer.top_k,
                                layer.hidden_size, layer.intermediate_size))
    if name:
        layer = dataclasses.replace(layer, name=name)
    try:
        layer.fused_moe()  # the op's own checks (k, groups, clamp_limit, ...)
    except ValueError as e:
        raise f.error(str(e)) from None
    return layer


def layer_ir(config) -> str:
    """The IR text of a configuration's MoE layer."""
    return from_hf_config(config).ir()
