"""moe.torch without a GPU (skipped where torch is not installed): the
package imports without torch, the ops' checks, and MoeBlock's packing of
a Hugging Face state dict (gate rows then up rows; shared experts split)."""

import subprocess
import sys

import pytest

import moe


def test_moe_imports_without_torch():
    # `import moe` must not import torch; moe.torch says it needs it.
    script = ("import sys, moe; assert 'torch' not in sys.modules; "
              "sys.modules['torch'] = None\n"
              "try:\n    import moe.torch\nexcept ImportError as e:\n    print(e)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                            text=True, check=True,
                            env={"PYTHONPATH": ":".join(sys.path)})
    assert result.stdout.startswith("moe.torch needs PyTorch, which is not "
                                    "installed here")


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch", reason="torch is not installed here")
    if not hasattr(torch.library, "custom_op"):
        pytest.skip(f"torch {torch.__version__} is older than 2.4, which "
                    "moe.torch needs")
    return torch


def test_old_torch_is_refused_plainly():
    # An installed torch without torch.library.custom_op (before 2.4):
    # importing moe.torch says so instead of failing inside its ops.
    torch = pytest.importorskip("torch", reason="torch is not installed here")
    if hasattr(torch.library, "custom_op"):
        pytest.skip(f"torch {torch.__version__} has custom_op")
    with pytest.raises(ImportError, match="moe.torch needs torch >= 2.4"):
        import moe.torch  # noqa: F401


@pytest.fixture
def mt(torch):
    import moe.torch

    return moe.torch

SMALL = {"model_type": "deepseek_v3", "hidden_size": 8,
         "moe_intermediate_size": 4, "n_routed_experts": 4,
         "n_shared_experts": 2, "num_experts_per_tok": 2, "n_group": 1,
         "topk_group": 1, "norm_topk_prob": True, "routed_scaling_factor": 2.5}


def test_ops_reject_cpu_tensors(torch, mt):
    x = torch.zeros(4, 8, dtype=torch.bfloat16)
    with pytest.raises(moe.errors.OpArgumentError,
                       match="moe.rms_norm: x: on cpu, expected a CUDA device"):
        mt.rms_norm(x, torch.ones(8, dtype=torch.bfloat16))


def test_state_dict_packing(torch, mt):
    block = mt.MoeBlock(SMALL, device="cpu")
    sd = {key: torch.randn(shape) for key, shape in block.hf_keys()}
    block.load_hf_state_dict(sd)
    assert block.w13.shape == (6, 8, 8) and block.w2.shape == (6, 8, 4)
    torch.testing.assert_close(block.w13[1, :4], sd["experts.1.gate_proj.weight"].bfloat16())
    torch.testing.assert_close(block.w13[1, 4:], sd["experts.1.up_proj.weight"].bfloat16())
    torch.testing.assert_close(block.w2[3], sd["experts.3.down_proj.weight"].bfloat16())
    # Shared experts: the shared MLP of intermediate size 2*4 in two slots.
    torch.testing.assert_close(block.w13[5, :4],
                               sd["shared_experts.gate_proj.weight"][4:].bfloat16())
    torch.testing.assert_close(block.w2[4],
                               sd["shared_experts.down_proj.weight"][:, :4].bfloat16())
    torch.testing.assert_close(block.e_score_correction_bias,
                               sd["gate.e_score_correction_bias"])


def test_state_dict_errors(torch, mt):
    block = mt.MoeBlock(SMALL, device="cpu")
    sd = {key: torch.randn(shape) for key, shape in block.hf_keys()}
    del sd["experts.2.up_proj.weight"]
    sd["extra.weight"] = torch.zeros(1)
    with pytest.raises(moe.ModelConfigError, match="missing experts.2.up_proj.weight; "
                       "unexpected extra.weight"):
        block.load_hf_state_dict(sd)


@pytest.mark.parametrize("config", ["gpt-oss-20b", "llama-4-scout",
                                    "qwen3-next-80b-a3b"])
def test_block_rejects_layers_it_cannot_run(torch, mt, config):
    import os

    from conftest import HERE

    with pytest.raises(moe.ModelConfigError, match="MoeBlock: the .* layer needs"):
        mt.MoeBlock(os.path.join(HERE, "configs", config + ".json"), device="cpu")
