"""Model configurations (Hugging Face config.json) to layer IR: each family's
IR verifies and has the signature and op of its example (examples/*.mlir).

configs/*.json are the published config.json files of the Hugging Face
repositories below, cut to the fields the layer reads and a few others
(values unchanged; Llama-4's multimodal config keeps only its text_config)."""

import dataclasses
import json
import os
import re

import pytest

import moe
from moe.models import from_hf_config
from conftest import HERE, REPO

# configs/NAME.json: where it comes from.
SOURCES = {
    "mixtral-8x7b": "mistralai/Mixtral-8x7B-v0.1",
    "qwen3-30b-a3b": "Qwen/Qwen3-30B-A3B",
    "deepseek-v3": "deepseek-ai/DeepSeek-V3",
    "kimi-k2": "moonshotai/Kimi-K2-Instruct",
    "gpt-oss-20b": "openai/gpt-oss-20b",
    "gpt-oss-120b": "openai/gpt-oss-120b",
    "glm-4.5-air": "zai-org/GLM-4.5-Air",
    "llama-4-scout": "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "qwen3-next-80b-a3b": "Qwen/Qwen3-Next-80B-A3B-Instruct",
    "qwen1.5-moe-a2.7b": "Qwen/Qwen1.5-MoE-A2.7B",
    "qwen2-57b-a14b": "Qwen/Qwen2-57B-A14B",
}

# Configurations with an example of the same name: its entry point.
FAMILIES = {
    "mixtral-8x7b": "mixtral_moe",
    "qwen3-30b-a3b": "qwen3_moe",
    "deepseek-v3": "deepseek_v3_moe",
    "kimi-k2": "kimi_k2_moe",
    "gpt-oss-20b": "gpt_oss_20b_moe",
    "gpt-oss-120b": "gpt_oss_120b_moe",
    "glm-4.5-air": "glm_4_5_air_moe",
    "llama-4-scout": "llama_4_scout_moe",
    "qwen3-next-80b-a3b": "qwen3_next_moe",
}


def config_path(model):
    return os.path.join(HERE, "configs", model + ".json")


def read(path):
    with open(path) as f:
        return f.read()


@pytest.mark.parametrize("model", sorted(FAMILIES))
def test_layer_matches_the_example(compiler, model):
    layer = from_hf_config(config_path(model))
    assert layer.function == FAMILIES[model]
    generated = moe.verify(layer.ir(), f"{model}.json")
    example = moe.verify(read(os.path.join(REPO, "examples", model + ".mlir")))
    assert generated == example


def fused_moe_op(text):
    """The moe.fused_moe op of a module's text, whitespace normalized, from
    the op name to its type."""
    match = re.search(r"= (moe\.fused_moe .*?) :", " ".join(text.split()))
    assert match, text
    return match.group(1)


@pytest.mark.parametrize("model", sorted(FAMILIES))
def test_op_matches_the_example(model):
    # The op as the example writes it: operands, attributes (defaults
    # elided, in the assembly's order) and operand names; no compiler needed.
    layer = from_hf_config(config_path(model))
    example = read(os.path.join(REPO, "examples", model + ".mlir"))
    assert fused_moe_op(layer.ir()) == fused_moe_op(example)
    assert f"func.func @{FAMILIES[model]}(" in layer.ir()


def load(model, **changes):
    data = json.loads(read(config_path(model)))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def maverick():
    """Llama-4-Maverick's text_config, as far as the layer reads it
    (meta-llama/Llama-4-Maverick-17B-128E-Instruct): Scout's with 128
    experts on every other layer."""
    data = load("llama-4-scout")
    data["text_config"] = dict(data["text_config"], num_local_experts=128,
                               interleave_moe_layer_step=2)
    return data


# Layers without an example of their own: (config, entry point, its text).
OTHER_LAYERS = {
    "qwen1.5-moe-a2.7b": (
        lambda: load("qwen1.5-moe-a2.7b"), "qwen2_moe",
        ["%logits: tensor<?x60xbf16>, %shared_logits: tensor<?x4xbf16>, "
         "%w13: tensor<64x2816x2048xbf16>, %w2: tensor<64x2048x1408xbf16>",
         "shared_logits(%shared_logits) k = 4 scoring = softmax "
         "num_shared_experts = 4 outs(%out)"]),
    "qwen2-57b-a14b": (
        lambda: load("qwen2-57b-a14b"), "qwen2_moe",
        ["%shared_logits: tensor<?x8xbf16>, %w13: tensor<72x5120x3584xbf16>",
         "k = 8 scoring = softmax num_shared_experts = 8 outs(%out)"]),
    "llama-4-maverick": (
        maverick, "llama_4_maverick_moe",
        ["%logits: tensor<?x128xbf16>, %w13: tensor<129x16384x5120xbf16>",
         "k = 1 scoring = sigmoid num_shared_experts = 1 shared_weight = one "
         "router_weight_on_input outs(%out)"]),
    "glm-4.5": (
        lambda: load("glm-4.5-air", n_routed_experts=160, hidden_size=5120,
                     moe_intermediate_size=1536, routed_scaling_factor=2.5),
        "glm_4_5_moe",
        ["%logits: tensor<?x160xf32>, %bias: tensor<160xf32>, "
         "%w13: tensor<161x3072x5120xbf16>",
         "bias(%bias) k = 8 scoring = sigmoid renormalize scaling_factor = 2.5 "
         "num_shared_experts = 1 outs(%out)"]),
    "gpt-oss-small": (
        lambda: load("gpt-oss-20b", num_local_experts=8, hidden_size=256,
                     intermediate_size=128, swiglu_limit=10.0),
        "gpt_oss_moe",
        ["%b13: tensor<8x256xbf16>, %b2: tensor<8x256xbf16>",
         "clamp_limit = 10.0 swiglu_alpha = 1.702 b13(%b13) b2(%b2)"]),
}


@pytest.mark.parametrize("name", sorted(OTHER_LAYERS))
def test_layers_without_an_example(name):
    config, function, pieces = OTHER_LAYERS[name]
    layer = from_hf_config(config())
    text = layer.ir()
    assert layer.function == function
    for piece in pieces:
        assert piece in text


def test_other_layers_verify(compiler):
    # One module of every layer above (renamed apart): one verification.
    layers = {re.sub(r"\W", "_", name): from_hf_config(config())
              for name, (config, _, _) in OTHER_LAYERS.items()}
    text = "".join(dataclasses.replace(layer, name=name).ir()
                   for name, layer in layers.items())
    signatures = moe.verify(text, "other-layers")
    assert sorted(signatures) == sorted(layers)


def test_attributes_of_deepseek_v3():
    layer = from_hf_config(config_path("deepseek-v3"))
    text = layer.ir()
    assert ("bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 "
            "group_score = top2_sum renormalize scaling_factor = 2.5 "
            "num_shared_experts = 1 outs(%out)") in text
    assert "%logits: tensor<?x256xf32>" in text


def test_attributes_of_qwen3_and_mixtral():
    qwen3 = from_hf_config(config_path("qwen3-30b-a3b")).ir()
    assert "k = 8 scoring = softmax renormalize outs(%out)" in qwen3
    assert "%logits: tensor<?x128xbf16>" in qwen3
    mixtral = from_hf_config(config_path("mixtral-8x7b")).ir()
    assert "%w13: tensor<8x28672x4096xbf16>" in mixtral


def test_qwen3_without_norm_topk_prob_does_not_renormalize():
    data = json.loads(read(config_path("qwen3-30b-a3b")))
    del data["norm_topk_prob"]
    assert "renormalize" not in from_hf_config(data).ir()


def test_folder_holding_config_json(tmp_path):
    (tmp_path / "config.json").write_text(read(config_path("kimi-k2")))
    assert from_hf_config(str(tmp_path)).num_experts == 384


def test_compile_model(compiler):
    data = json.loads(read(config_path("qwen3-30b-a3b")))
    # A small layer of the family (the full one compiles the same way).
    data.update(num_experts=16, hidden_size=256, moe_intermediate_size=128)
    art = moe.compile_model(data)
    assert list(art.functions) == ["qwen3_moe"]
    assert art.functions["qwen3_moe"].ops[0][0] == "fused_moe"
    assert moe.compile_model(data).hit


@pytest.mark.parametrize("change, message", [
    ({"model_type": "llama"}, "model_type 'llama' is not a supported MoE family"),
    ({"hidden_act": "relu"}, "'hidden_act' = 'relu'"),
    ({"num_experts": None}, "qwen3_moe configuration: missing 'num_experts'"),
    ({"num_experts_per_tok": "8"}, "'num_experts_per_tok' = '8': expected a "
                                   "non-negative integer"),
    ({"norm_topk_prob": 1}, "'norm_topk_prob' = 1: expected true or false"),
    ({"torch_dtype": "float8"}, "'torch_dtype' = 'float8'"),
    ({"num_experts_per_tok": 200}, "k = 200 exceeds the 128 experts"),
])
def test_config_errors(change, message):
    data = json.loads(read(config_path("qwen3-30b-a3b")))
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(moe.ModelConfigError, match=message.replace("(", r"\(")):
        from_hf_config(data)


def test_deepseek_errors():
    data = json.loads(read(config_path("deepseek-v3")))
    data["scoring_func"] = "softmax"
    with pytest.raises(moe.ModelConfigError, match="only sigmoid with noaux_tc"):
        from_hf_config(data)
    data = json.loads(read(config_path("deepseek-v3")))
    data["n_group"] = 7
    with pytest.raises(moe.ModelConfigError, match="num_groups = 7 must divide"):
        from_hf_config(data)


def test_deepseek_style_without_renormalization_adds_the_shared_expert_unweighted():
    # Hugging Face adds the shared MLP with weight 1; the routed mass is 1
    # only when renormalized, so the layer says shared_weight = one.
    for model in ("deepseek-v3", "glm-4.5-air"):
        text = from_hf_config(load(model, norm_topk_prob=False)).ir()
        assert "num_shared_experts = 1 shared_weight = one outs(%out)" in text
        assert "renormalize" not in text


def test_llama4_text_config_alone_is_the_same_layer():
    whole = from_hf_config(config_path("llama-4-scout"))
    text_only = from_hf_config(load("llama-4-scout")["text_config"])
    assert text_only == whole
    assert whole.family == "llama4" and whole.top_k == 1


def test_gpt_oss_fields():
    # experts_per_token alone (OpenAI's name) and the dtype key of newer
    # configs.
    layer = from_hf_config(load("gpt-oss-20b", num_experts_per_tok=None,
                                dtype="float16"))
    assert layer.top_k == 4 and layer.dtype == "f16"
    assert "%b13: tensor<32x5760xf16>" in layer.ir()
    # swiglu_limit absent: Hugging Face's default, 7.0.
    assert from_hf_config(load("gpt-oss-20b", swiglu_limit=None)).clamp_limit == 7.0


def test_qwen_shared_expert_slots():
    qwen2 = from_hf_config(config_path("qwen1.5-moe-a2.7b"))
    assert (qwen2.num_shared_experts, qwen2.has_shared_logits) == (4, True)
    assert not qwen2.renormalize  # norm_topk_prob false
    # No shared expert: no shared slots, no shared_logits.
    none = from_hf_config(load("qwen3-next-80b-a3b",
                               shared_expert_intermediate_size=0))
    assert (none.num_shared_experts, none.has_shared_logits) == (0, False)
    assert "shared_logits" not in none.ir()
    # Qwen3-Next renormalizes by default, Qwen2-MoE does not.
    assert from_hf_config(load("qwen3-next-80b-a3b", norm_topk_prob=None)).renormalize
    assert not from_hf_config(load("qwen1.5-moe-a2.7b",
                                   norm_topk_prob=None)).renormalize


@pytest.mark.parametrize("model, change, message", [
    ("qwen1.5-moe-a2.7b", {"shared_expert_intermediate_size": 5000},
     "qwen2_moe configuration: 'shared_expert_intermediate_size' = 5000 is not "
     "a multiple of 'moe_intermediate_size' = 1408"),
    ("qwen3-next-80b-a3b", {"shared_expert_intermediate_size": None},
     "qwen3_next configuration: missing 'shared_expert_intermediate_size'"),
    ("qwen3-next-80b-a3b", {"hidden_act": "gelu"},
     "'hidden_act' = 'gelu': the qwen3_next layer is expressed with silu"),
    ("glm-4.5-air", {"scoring_func": "softmax"},
     "glm4_moe configuration: scoring_func 'softmax' with topk_method "
     "'noaux_tc': only sigmoid"),
    ("glm-4.5-air", {"moe_intermediate_size": 0},
     "'moe_intermediate_size' = 0: expected a positive integer"),
    ("gpt-oss-20b", {"experts_per_token": 2},
     "'num_experts_per_tok' = 4 and 'experts_per_token' = 2 disagree"),
    ("gpt-oss-20b", {"swiglu_limit": 0.0},
     "gpt_oss configuration: clamp_limit = 0.0: must be positive"),
    ("gpt-oss-20b", {"swiglu_limit": "7"}, "'swiglu_limit' = '7': expected a number"),
    ("gpt-oss-20b", {"num_experts_per_tok": 40, "experts_per_token": 40},
     "k = 40 exceeds the 32 experts"),
    ("llama-4-scout", {"text_config": None},
     "llama4 configuration: missing 'text_config'"),
    ("llama-4-scout", {"text_config": {"model_type": "mllama"}},
     "'text_config' has model_type 'mllama', expected 'llama4_text'"),
    ("llama-4-scout", {"text_config": {"num_experts_per_tok": 2}},
     "llama4 configuration: 'num_experts_per_tok' = 2: the Llama-4 layer .* "
     "top-1 routing only"),
    ("llama-4-scout", {"text_config": {"torch_dtype": "int8"}},
     "llama4 configuration: 'torch_dtype' = 'int8'"),
])
def test_family_errors(model, change, message):
    data = load(model)
    if isinstance(change.get("text_config"), dict):
        change = {"text_config": dict(data["text_config"], **change["text_config"])}
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(moe.ModelConfigError, match=message):
        from_hf_config(data)


def test_unreadable_config(tmp_path):
    with pytest.raises(moe.ModelConfigError, match="cannot read the model "
                                                   "configuration"):
        from_hf_config(str(tmp_path / "none.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(moe.ModelConfigError, match="bad.json: not JSON"):
        from_hf_config(str(bad))
