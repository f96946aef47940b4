"""Model configurations (Hugging Face config.json) to layer IR: each family's
IR verifies and has the signature of its example (examples/*.mlir)."""

import json
import os

import pytest

import moe
from moe.models import from_hf_config
from conftest import HERE, REPO

FAMILIES = {
    "mixtral-8x7b": "mixtral_moe",
    "qwen3-30b-a3b": "qwen3_moe",
    "deepseek-v3": "deepseek_v3_moe",
    "kimi-k2": "kimi_k2_moe",
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
    data["norm_topk_prob"] = False
    with pytest.raises(moe.ModelConfigError, match="needs norm_topk_prob"):
        from_hf_config(data)
    data = json.loads(read(config_path("deepseek-v3")))
    data["scoring_func"] = "softmax"
    with pytest.raises(moe.ModelConfigError, match="only sigmoid with noaux_tc"):
        from_hf_config(data)
    data = json.loads(read(config_path("deepseek-v3")))
    data["n_group"] = 7
    with pytest.raises(moe.ModelConfigError, match="num_groups = 7 must divide"):
        from_hf_config(data)


def test_unreadable_config(tmp_path):
    with pytest.raises(moe.ModelConfigError, match="cannot read the model "
                                                   "configuration"):
        from_hf_config(str(tmp_path / "none.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(moe.ModelConfigError, match="bad.json: not JSON"):
        from_hf_config(str(bad))
