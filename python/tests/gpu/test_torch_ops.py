"""moe.torch on a GPU: every op on a Qwen3-30B-A3B layer (H = 2048, E = 128,
k = 8, I = 768) against an independent torch reference (f32 math, bf16
relative error < 1e-2, outs poisoned before the kernels run), eager, inside
torch.compile and inside a captured CUDA graph; MoeBlock loaded from
Hugging Face state dicts it makes itself; the argument checks."""

import pytest
import torch
import torch.nn.functional as F

import moe.torch as mt
from moe.errors import OpArgumentError
from moe.torch import MoeBlock
from shapes import (E, EPSILON, H, I, K, MOT_N, MOT_TYPES, SMALL_DEEPSEEK,
                    SMALL_QWEN3)

TOL = 1e-2
TOKENS = (1, 37, 256)


def rel_err(out, ref):
    out, ref = out.float(), ref.float()
    assert torch.isfinite(out).all(), "non-finite values (unwritten outs?)"
    return ((out - ref).norm() / ref.norm().clamp_min(1e-30)).item()


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def randn(gen, *shape, scale=1.0, dtype=torch.bfloat16):
    return (torch.randn(shape, generator=gen, device="cuda") * scale).to(dtype)


def distinct_logits(gen, tokens, experts=E):
    """Router logits without ties (a permutation of 0.05 steps per token), so
    that the op and the reference pick the same experts."""
    keys = torch.rand(tokens, experts, generator=gen, device="cuda")
    ranks = keys.argsort(dim=1).argsort(dim=1).float()
    return (ranks * 0.05 - 3.0).to(torch.bfloat16)


def layer_weights(gen):
    return {"w13": randn(gen, E, 2 * I, H, scale=H ** -0.5),
            "w2": randn(gen, E, H, I, scale=I ** -0.5)}


# ---------------------------------------------------------------------------
# Reference (torch, f32)
# ---------------------------------------------------------------------------


def ref_route(logits, k):
    """Softmax top-k, renormalized: (weights [T, k], ids [T, k])."""
    scores = logits.float().softmax(dim=-1)
    weights, ids = scores.topk(k, dim=-1)
    return weights / weights.sum(dim=-1, keepdim=True), ids


def ref_expert(x, w13, w2, e):
    """One expert on rows x (f32 math, the intermediate in bf16 as the op's)."""
    gate_up = x.float() @ w13[e].float().t()
    h = (F.silu(gate_up[:, :I]) * gate_up[:, I:]).to(torch.bfloat16)
    return h.float() @ w2[e].float().t()


def ref_moe(x, logits, w13, w2, k=K):
    weights, ids = ref_route(logits, k)
    out = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
    for e in ids.unique().tolist():
        token, slot = (ids == e).nonzero(as_tuple=True)
        out.index_add_(0, token, ref_expert(x[token], w13, w2, e)
                       * weights[token, slot, None])
    return out


def ref_rms_norm(x, w, eps=EPSILON):
    s = x.float()
    return s * torch.rsqrt(s.pow(2).mean(-1, keepdim=True) + eps) * w.float()


# ---------------------------------------------------------------------------
# A layer from the single ops: gate, permutation (torch), the two grouped
# GEMMs, combine (torch); the same as fused_moe.
# ---------------------------------------------------------------------------


def layer_from_ops(x, logits, w13, w2):
    weights, ids = mt.gate(logits, K, renormalize=True)
    flat = ids.flatten().long()
    order = flat.argsort(stable=True)
    # (scatter_add, not bincount: bincount reads its maximum on the host,
    # which a CUDA graph capture cannot)
    counts = torch.zeros(E, dtype=torch.int64, device=x.device)
    counts.scatter_add_(0, flat, torch.ones_like(flat))
    offsets = torch.zeros(E + 1, dtype=torch.int32, device=x.device)
    offsets[1:] = counts.cumsum(0).to(torch.int32)
    rows = x[order // K].contiguous()
    scale = weights.flatten()[order].contiguous()
    h = mt.grouped_matmul(rows, w13, offsets, epilogue="silu_and_mul")
    y = mt.grouped_matmul(h, w2, offsets, scale=scale)
    out = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
    out.index_add_(0, order // K, y.float())
    return out.to(x.dtype)


def block(x, residual, norm_w, logits, w13, w2):
    """Norm, then the layer twice (fused and from the single ops), then the
    residual add and norm: every op of a Qwen3 block but attention."""
    normed = mt.rms_norm(x, norm_w, epsilon=EPSILON)
    fused = mt.fused_moe(normed, logits, w13, w2, k=K, renormalize=True)
    pieces = layer_from_ops(normed, logits, w13, w2)
    out, new_residual = mt.fused_add_rms_norm(fused, residual, norm_w,
                                              epsilon=EPSILON)
    return normed, fused, pieces, out, new_residual


def ref_block(x, residual, norm_w, logits, w13, w2):
    normed = ref_rms_norm(x, norm_w).to(torch.bfloat16)
    fused = ref_moe(normed, logits, w13, w2)
    s = (fused.to(torch.bfloat16).float() + residual.float()).to(torch.bfloat16)
    return normed, fused, fused, ref_rms_norm(s, norm_w), s


def block_inputs(gen, tokens):
    return (randn(gen, tokens, H), randn(gen, tokens, H),
            randn(gen, H, scale=0.25) + 1, distinct_logits(gen, tokens))


def check_block(outs, refs):
    for name, out, ref in zip(("rms_norm", "fused_moe", "gate+grouped_matmul",
                               "fused_add_rms_norm", "residual_out"), outs, refs):
        assert rel_err(out, ref) < TOL, name


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def weights():
    g = torch.Generator(device="cuda")
    g.manual_seed(7)
    return layer_weights(g)


@pytest.mark.parametrize("tokens", TOKENS)
def test_ops_eager(gen, weights, tokens):
    x, residual, norm_w, logits = block_inputs(gen, tokens)
    with mt.poison_outputs():
        outs = block(x, residual, norm_w, logits, weights["w13"], weights["w2"])
        torch.cuda.synchronize()
    check_block(outs, ref_block(x, residual, norm_w, logits, **weights))


def test_gate_eager(gen):
    logits = distinct_logits(gen, 256)
    with mt.poison_outputs():
        weights, ids = mt.gate(logits, K, renormalize=True)
    ref_weights, ref_ids = ref_route(logits, K)
    assert torch.equal(ids.long(), ref_ids)
    assert rel_err(weights, ref_weights) < 1e-5


def test_mot_linear_eager(gen):
    x = randn(gen, 100, H)
    w = randn(gen, MOT_TYPES, MOT_N, H, scale=H ** -0.5)
    bias = randn(gen, MOT_TYPES, MOT_N, scale=0.1)
    types = torch.randint(0, MOT_TYPES, (100,), generator=gen, device="cuda",
                          dtype=torch.int32)
    with mt.poison_outputs():
        out = mt.mot_linear(x, w, types, bias=bias)
    ref = torch.stack([x[t].float() @ w[types[t]].float().t() + bias[types[t]].float()
                       for t in range(100)])
    assert rel_err(out, ref) < TOL


@pytest.mark.parametrize("tokens", (64, 256))
def test_ops_in_torch_compile(gen, weights, tokens):
    compiled = torch.compile(block, fullgraph=True)
    x, residual, norm_w, logits = block_inputs(gen, tokens)
    with mt.poison_outputs():
        outs = compiled(x, residual, norm_w, logits, weights["w13"], weights["w2"])
        torch.cuda.synchronize()
    check_block(outs, ref_block(x, residual, norm_w, logits, **weights))


@pytest.mark.parametrize("compiled", (False, True), ids=("eager", "compiled"))
def test_ops_in_cuda_graph(gen, weights, compiled):
    fn = torch.compile(block, fullgraph=True) if compiled else block
    tokens = 128
    static = block_inputs(gen, tokens)
    args = static + (weights["w13"], weights["w2"])
    # Warm up on a side stream (loads the kernels; compiles), then capture.
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        fn(*args)
    torch.cuda.current_stream().wait_stream(stream)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        outs = fn(*args)
    for _ in range(2):  # new inputs each replay: the graph reads them
        for t, new in zip(static, block_inputs(gen, tokens)):
            t.copy_(new)
        for out in outs:
            out.fill_(float("nan"))
        graph.replay()
        torch.cuda.synchronize()
        check_block(outs, ref_block(*static, **weights))


def test_kernel_load_during_capture_is_refused(gen):
    x = randn(gen, 8, 256)
    graph = torch.cuda.CUDAGraph()
    with pytest.raises(Exception, match="cannot happen while a CUDA graph is "
                                        "being captured"):
        with torch.cuda.graph(graph):
            mt.rms_norm(x, torch.ones(256, dtype=torch.bfloat16, device="cuda"),
                        epsilon=0.5)


# ---------------------------------------------------------------------------
# MoeBlock from Hugging Face state dicts
# ---------------------------------------------------------------------------


def hf_state_dict(config, gen):
    """Random weights under the Hugging Face names of the block."""
    probe = MoeBlock(config, device="meta")
    sd = {}
    for key, shape in probe.hf_keys():
        if key.endswith("e_score_correction_bias"):
            sd[key] = torch.randn(shape, generator=gen, device="cuda") * 0.1
        else:
            sd[key] = randn(gen, *shape, scale=shape[-1] ** -0.5)
    return sd


def hf_mlp(x, gate_w, up_w, down_w):
    h = (F.silu(x.float() @ gate_w.float().t()) * (x.float() @ up_w.float().t()))
    return h.to(torch.bfloat16).float() @ down_w.float().t()


def top(values, k):
    """Indices of the k largest values per row, ties to the lower index (as
    the gate's semantics; bf16 logits of random weights do tie)."""
    return values.sort(dim=-1, descending=True, stable=True)[1][:, :k]


def ref_hf_block(config, sd, x):
    """The block as the Hugging Face modules compute it, from the state dict
    (router logits as the family's code computes them)."""
    E_, k = (config.get("num_experts") or config["n_routed_experts"],
             config["num_experts_per_tok"])
    if config["model_type"] == "qwen3_moe":
        scores = F.linear(x, sd["gate.weight"]).float().softmax(-1)
        ids = top(scores, k)
        weights = scores.gather(1, ids)
        weights = weights / weights.sum(-1, keepdim=True)
    else:  # deepseek_v3: sigmoid, correction bias, group-limited top-k
        scores = F.linear(x.float(), sd["gate.weight"].float()).sigmoid()
        choice = scores + sd["gate.e_score_correction_bias"]
        groups = config["n_group"]
        group_scores = choice.view(len(x), groups, -1).topk(2, dim=-1)[0].sum(-1)
        keep = top(group_scores, config["topk_group"])
        mask = torch.zeros_like(group_scores).scatter_(1, keep, 1)
        mask = mask.repeat_interleave(E_ // groups, dim=1)
        ids = top(choice.masked_fill(mask == 0, float("-inf")), k)
        weights = scores.gather(1, ids)
        weights = weights / weights.sum(-1, keepdim=True)
        weights = weights * config["routed_scaling_factor"]
    out = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
    for e in ids.unique().tolist():
        token, slot = (ids == e).nonzero(as_tuple=True)
        p = f"experts.{e}."
        y = hf_mlp(x[token], sd[p + "gate_proj.weight"], sd[p + "up_proj.weight"],
                   sd[p + "down_proj.weight"])
        out.index_add_(0, token, y * weights[token, slot, None])
    if "shared_experts.gate_proj.weight" in sd:
        out += hf_mlp(x, sd["shared_experts.gate_proj.weight"],
                      sd["shared_experts.up_proj.weight"],
                      sd["shared_experts.down_proj.weight"])
    return out


@pytest.mark.parametrize("config", (SMALL_QWEN3, SMALL_DEEPSEEK),
                         ids=("qwen3", "deepseek_v3"))
def test_moe_block_from_hf_state_dict(gen, config):
    sd = hf_state_dict(config, gen)
    module = MoeBlock.from_hf(config, {"model.layers.3.mlp." + k: v
                                       for k, v in sd.items()},
                              prefix="model.layers.3.mlp.", device="cuda")
    x = randn(gen, 2, 40, config["hidden_size"])
    with mt.poison_outputs():
        out = module(x)
    assert out.shape == x.shape
    assert torch.equal(module.gate_weight, sd["gate.weight"])
    ref = ref_hf_block(config, sd, x.view(-1, config["hidden_size"]))
    assert rel_err(out.view(-1, config["hidden_size"]), ref) < TOL
    compiled = torch.compile(module, fullgraph=True)
    assert rel_err(compiled(x).view(-1, config["hidden_size"]), ref) < TOL


def test_moe_block_rejects_a_wrong_state_dict(gen):
    sd = hf_state_dict(SMALL_QWEN3, gen)
    module = MoeBlock(SMALL_QWEN3, device="cuda")
    broken = dict(sd)
    del broken["experts.3.up_proj.weight"]
    broken["experts.0.down_proj.weight"] = broken["experts.0.down_proj.weight"].t()
    broken["experts.99.gate_proj.weight"] = sd["experts.0.gate_proj.weight"]
    with pytest.raises(Exception) as caught:
        module.load_hf_state_dict(broken)
    message = str(caught.value)
    assert "missing experts.3.up_proj.weight" in message
    assert "experts.0.down_proj.weight: shape (256, 512), expected (512, 256)" in message
    assert "unexpected experts.99.gate_proj.weight" in message


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def test_argument_errors(gen, weights):
    x = randn(gen, 16, H)
    logits = distinct_logits(gen, 16)
    w13, w2 = weights["w13"], weights["w2"]
    cases = [
        (lambda: mt.fused_moe(x.float(), logits, w13, w2, k=K),
         "moe.fused_moe: w13: dtype torch.bfloat16, expected torch.float32"),
        (lambda: mt.fused_moe(x, logits[:8], w13, w2, k=K),
         "moe.fused_moe: logits: size 8 in dimension 0"),
        (lambda: mt.fused_moe(x, logits, w2, w2, k=K),
         "moe.fused_moe: w13: size 768 in dimension 2"),
        (lambda: mt.fused_moe(x.t(), logits, w13, w2, k=K),
         "moe.fused_moe: x: strides (1, 2048) for shape (2048, 16) are not "
         "row-major contiguous"),
        (lambda: mt.fused_moe(x.cpu(), logits, w13, w2, k=K),
         "moe.fused_moe: x: on cpu, expected a CUDA device"),
        (lambda: mt.fused_moe(x, logits, w13, w2, k=0),
         "moe.fused_moe: k = 0: must be at least 1"),
        (lambda: mt.gate(logits.int(), K),
         "moe.gate: logits: dtype torch.int32, expected"),
        (lambda: mt.grouped_matmul(x, w13, torch.zeros(E, dtype=torch.int32,
                                                       device="cuda")),
         "moe.grouped_matmul: offsets: size 128 in dimension 0 (shape (128,)), "
         "expected 129"),
        (lambda: mt.rms_norm(x, torch.ones(H + 1, dtype=torch.bfloat16,
                                           device="cuda")),
         "moe.rms_norm: weight: size 2049 in dimension 0"),
        (lambda: mt.mot_linear(x, w13[:2], torch.zeros(16, dtype=torch.int64,
                                                        device="cuda")),
         "moe.mot_linear: type_ids: dtype torch.int64, expected torch.int32"),
    ]
    for call, message in cases:
        with pytest.raises(OpArgumentError) as caught:
            call()
        assert message in str(caught.value)
