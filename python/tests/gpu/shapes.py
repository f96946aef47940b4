"""The ops and layers the GPU tests run (test_torch_ops.py), in one place:
make_artifacts.py compiles exactly these on the build machine, and the GPU
host finds them in $MOE_ARTIFACT_PATH by their manifests (moe.kernels)."""

from moe import ir
from moe.models import MoeLayerConfig, from_hf_config

# Qwen3-30B-A3B's MoE layer (examples/qwen3-30b-a3b.mlir).
H, E, K, I = 2048, 128, 8, 768
EPSILON = 1e-6
MOT_TYPES, MOT_N = 2, 512

QWEN3 = from_hf_config({
    "model_type": "qwen3_moe", "hidden_size": H, "moe_intermediate_size": I,
    "num_experts": E, "num_experts_per_tok": K, "norm_topk_prob": True,
    "torch_dtype": "bfloat16"})

# Small blocks that MoeBlock loads from state dicts the test makes.
SMALL_QWEN3 = {
    "model_type": "qwen3_moe", "hidden_size": 512, "moe_intermediate_size": 256,
    "num_experts": 16, "num_experts_per_tok": 4, "norm_topk_prob": True,
    "torch_dtype": "bfloat16"}
SMALL_DEEPSEEK = {
    "model_type": "deepseek_v3", "hidden_size": 512, "moe_intermediate_size": 256,
    "n_routed_experts": 16, "n_shared_experts": 1, "num_experts_per_tok": 4,
    "n_group": 4, "topk_group": 2, "norm_topk_prob": True,
    "routed_scaling_factor": 2.5, "scoring_func": "sigmoid",
    "topk_method": "noaux_tc", "torch_dtype": "bfloat16"}


def op_specs():
    """{entry point name: OpSpec} of every kernel the tests call."""
    specs = {
        "t_gate": ir.gate("bf16", E, K, renormalize=True),
        "t_gemm1": ir.grouped_matmul("bf16", E, 2 * I, H, epilogue="silu_and_mul"),
        "t_gemm2": ir.grouped_matmul("bf16", E, H, I, scale=True),
        "t_rms_norm": ir.rms_norm("bf16", H, epsilon=EPSILON),
        "t_add_rms_norm": ir.rms_norm("bf16", H, epsilon=EPSILON, residual=True),
        "t_mot_linear": ir.mot_linear("bf16", MOT_TYPES, MOT_N, H, bias=True),
        "t_fused_moe": QWEN3.fused_moe(),
    }
    for name, config in (("t_small_qwen3", SMALL_QWEN3),
                         ("t_small_deepseek", SMALL_DEEPSEEK)):
        specs[name] = from_hf_config(config).fused_moe()
    return specs


__all__ = ["H", "E", "K", "I", "EPSILON", "MOT_TYPES", "MOT_N", "QWEN3",
           "SMALL_QWEN3", "SMALL_DEEPSEEK", "op_specs", "MoeLayerConfig"]
