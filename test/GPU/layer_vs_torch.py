#!/usr/bin/env python3
"""Check whole compiled layers (every model shape of the design note) against
an independent torch computation, and time them, in one process.

What it runs: the entry points of the examples/ layers, compiled into the
artifacts folder by utils/build-gpu-artifacts.sh,

  qwen3        qwen3-30b-a3b  qwen3_moe        fused_moe  E=128 k=8  H=2048 I=768
               softmax, renormalized (bf16 logits)
  mixtral      mixtral-8x7b   mixtral_moe      fused_moe  E=8   k=2  H=4096 I=14336
               softmax, renormalized (bf16 logits)
  deepseek_v3  deepseek-v3    deepseek_v3_moe  fused_moe  E=256 k=8  H=7168 I=2048
               sigmoid + correction bias (f32 logits), 8 groups, best 4 by
               top-2 sum, renormalized, x2.5, 1 fused shared expert
  kimi_k2      kimi-k2        kimi_k2_moe      fused_moe  E=384 k=8  H=7168 I=2048
               sigmoid + correction bias (f32 logits), one group,
               renormalized, x2.827, 1 fused shared expert
  bagel        bagel-mot      bagel_mot_qkv    rms_norm (2 token types, fused
               residual add) -> mot_linear (QKV, H=3584 -> 4608, bias)

at T = 1, 32, 256, 2048, 8192 tokens (--tokens). The model configuration is
written here from the design note and checked against the op record of the
artifact's manifest (a mismatch is an error, exit 2); the tensors are placed
by the operand indices of that record.

Per (model, T):
  * inputs: fresh random draws on the GPU (torch.Generator seeded from
    --seed, the model and T), never zero: activations x, residual N(0,1);
    softmax logits N(0,1) bf16, sigmoid logits N(0,1) f32, correction bias
    N(0,0.1) f32; expert/QKV weights N(0,1)/sqrt(K) (K = the reduction size,
    so every intermediate stays O(1)); RMSNorm weights N(1,0.25); QKV bias
    N(0,0.1); token types uniform in {0,1}. Weights are drawn in bf16 directly
    on the GPU once per model (DeepSeek-V3 w13 is 15 GB, Kimi-K2's 22.6 GB)
    and freed before the next model.
  * check: every out is filled with NaN (poison) before the call. The
    reference is f32 torch code written from docs/Semantics.md (gate,
    fused_moe, rms_norm, mot_linear), none of our code: the router (scores,
    bias, groups, top-k with ties to the lower index, weights, renormalize,
    scaling, shared-expert slots), then expert by expert (each expert's
    tokens gathered, that expert's weights upcast to f32 alone, so no f32
    copy of all weights is ever made): silu(x W1^T) * (x W3^T), rounded to
    bf16 (fused_moe's intermediates are in x's type), times W2^T, times the
    routed weight, rounded to bf16, summed per token in f32. TF32 is off.
    Routing near-ties: a token whose k-th and (k+1)-th selection scores
    (or, with groups, whose topk_groups-th and next group scores) are
    within a relative gap < --tie-tol (default 1e-5) may legitimately be
    routed differently by the device's exp; such tokens are excluded from
    the error ("excluded"; about 0 expected). Exact ties of equal inputs
    are not near-ties: the spec breaks them by the lower index, and they
    must match.
    Metrics, over the rows that are not excluded:
      rel err = ||ours - ref||_F / ||ref||_F     (whole output)
      max abs = max |ours - ref|
      row err = max over tokens of ||ours_t - ref_t|| / ||ref_t||
                (a single wrong token cannot hide in a large T)
    plus NaNs = non-finite outputs in ANY row (unwritten poison; the
    reference is finite). Bagel checks both outs (qkv and the residual sum);
    the table shows the worse of the two. PASS iff NaNs == 0, rel err <=
    --tol (default 1e-2), row err <= --row-tol (default 5e-2) and a second
    call (outs poisoned again) reproduces the first bit for bit.
  * timing: --warmup calls, then --iters calls, each from an idle device
    (a 256 MiB buffer zeroed first to flush L2 unless --no-flush, then the
    device synchronized), bracketed by CUDA events on torch's current
    stream; the median is "ours us". The entry point creates its stream,
    launches, synchronizes and destroys it, so this is the latency a caller
    sees, host overhead included.

Output: one PASS/FAIL/SKIP line per case on stdout, and a markdown table in
LOGDIR/layers.md (LOGDIR: --out, else $OUT, else ./gpu-logs). Exit status: 0
if every case passed (SKIPs for memory do not fail), 1 if any failed, a
runtime error stopped the run, or an artifact is missing, 2 on usage or
manifest errors.

Usage (GPU host, repository root; artifacts from utils/build-gpu-artifacts.sh):

  cmake -S . -B /tmp/rt -DMOE_BUILD_COMPILER=OFF -DCMAKE_BUILD_TYPE=Release
  cmake --build /tmp/rt -j16
  python3 test/GPU/layer_vs_torch.py --artifacts artifacts --runtime /tmp/rt
  python3 test/GPU/layer_vs_torch.py --models qwen3,bagel --tokens 1 32 \\
    --runtime /tmp/rt --out /tmp/logs
  (test/GPU/run-gemm-suite.sh runs it after gemm_vs_torch.py.)

Options: --artifacts DIR (default artifacts), --runtime PATH (the .so, or a
build folder / install prefix), --models LIST (default all five), --tokens
LIST (comma- or space-separated), --iters N (default 10), --warmup N
(default 3), --seed S (default: from the clock, printed), --tol X, --row-tol
X, --tie-tol X, --no-flush, --no-repeat (skip the bit-repeatability call),
--out DIR, --device D.
"""

import argparse
import math
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from moe_artifact import Artifact, MoeArtifactError, sticky_error  # noqa: E402
from bench_common import fmt_err, fmt_us, time_calls, write_summary  # noqa: E402

GIB = 1 << 30
OOM = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)

# The design note's shapes. moe: E routed experts, S fused shared experts,
# k per token, H hidden, I intermediate; gate attributes as docs/Semantics.md.
MODELS = {
    "qwen3": dict(kind="moe", artifact="qwen3-30b-a3b", function="qwen3_moe",
                  E=128, S=0, k=8, H=2048, I=768, scoring="softmax", num_groups=1,
                  topk_groups=1, group_score="max", renormalize=True,
                  scaling_factor=1.0, bias=False, logits_dtype=torch.bfloat16),
    "mixtral": dict(kind="moe", artifact="mixtral-8x7b", function="mixtral_moe",
                    E=8, S=0, k=2, H=4096, I=14336, scoring="softmax", num_groups=1,
                    topk_groups=1, group_score="max", renormalize=True,
                    scaling_factor=1.0, bias=False, logits_dtype=torch.bfloat16),
    "deepseek_v3": dict(kind="moe", artifact="deepseek-v3", function="deepseek_v3_moe",
                        E=256, S=1, k=8, H=7168, I=2048, scoring="sigmoid",
                        num_groups=8, topk_groups=4, group_score="top2_sum",
                        renormalize=True, scaling_factor=2.5, bias=True,
                        logits_dtype=torch.float32),
    "kimi_k2": dict(kind="moe", artifact="kimi-k2", function="kimi_k2_moe",
                    E=384, S=1, k=8, H=7168, I=2048, scoring="sigmoid", num_groups=1,
                    topk_groups=1, group_score="max", renormalize=True,
                    scaling_factor=2.827, bias=True, logits_dtype=torch.float32),
    "bagel": dict(kind="mot", artifact="bagel-mot", function="bagel_mot_qkv",
                  G=2, H=3584, N=4608, epsilon=1e-6),
}


class ConfigError(Exception):
    """The artifact's manifest disagrees with the configuration above."""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"),
                   help="folder holding <model>.so/.manifest (utils/build-gpu-artifacts.sh)")
    p.add_argument("--runtime", default=None,
                   help="libMoeRuntime.so, or a build folder / install prefix holding it")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--tokens", nargs="+", default=["1,32,256,2048,8192"],
                   help="token counts, comma- or space-separated")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--tol", type=float, default=1e-2,
                   help="Frobenius relative error bound of the whole output")
    p.add_argument("--row-tol", type=float, default=5e-2,
                   help="bound of the worst token's relative error")
    p.add_argument("--tie-tol", type=float, default=1e-5,
                   help="relative score gap under which a token is a routing near-tie")
    p.add_argument("--no-flush", action="store_true")
    p.add_argument("--no-repeat", action="store_true")
    p.add_argument("--out", default=None)
    p.add_argument("--device", type=int, default=0)
    args = p.parse_args()
    args.models = [m.replace("-", "_") for m in args.models.split(",") if m]
    for m in args.models:
        if m not in MODELS:
            p.error(f"unknown model '{m}' (have: {', '.join(MODELS)})")
    args.tokens = [int(t) for arg in args.tokens for t in arg.split(",") if t]
    if not args.tokens or any(t < 1 for t in args.tokens):
        p.error("--tokens takes positive token counts")
    if args.seed is None:
        args.seed = int(time.time()) % 1000003
    return args


# ---------------------------------------------------------------------------
# The manifest's op record against the configuration
# ---------------------------------------------------------------------------


def op_record(spec, name):
    ops = [fields for op, fields in spec.ops if op == name]
    if len(ops) != 1:
        raise ConfigError(f"{spec.name}: expected one '{name}' op in the manifest, "
                          f"found {len(ops)}")
    return ops[0]


def operand(fields, name, spec):
    value = fields.get(name)
    if value is None or value == "-":
        raise ConfigError(f"{spec.name}: operand '{name}' is not a function argument "
                          f"({fields})")
    return int(value)


def check_moe_config(spec, cfg):
    """Operand indices of the fused_moe op; raises ConfigError when its
    attributes or argument shapes disagree with the design note."""
    f = op_record(spec, "fused_moe")
    want = dict(k=str(cfg["k"]), scoring=cfg["scoring"], num_groups=str(cfg["num_groups"]),
                topk_groups=str(cfg["topk_groups"]), num_shared_experts=str(cfg["S"]),
                activation="silu")
    if cfg["num_groups"] > 1:
        want["group_score"] = cfg["group_score"]
    for key, value in want.items():
        if f.get(key) != value:
            raise ConfigError(f"{spec.name}: fused_moe {key}={f.get(key)}, the design "
                              f"note says {value}")
    if (f.get("renormalize") == "true") != cfg["renormalize"]:
        raise ConfigError(f"{spec.name}: fused_moe renormalize={f.get('renormalize')}")
    sf = float(f.get("scaling_factor", "1"))
    if abs(sf - cfg["scaling_factor"]) > 1e-6 * cfg["scaling_factor"]:
        raise ConfigError(f"{spec.name}: scaling_factor {sf}, expected {cfg['scaling_factor']}")
    idx = {n: operand(f, n, spec) for n in ("x", "logits", "w13", "w2", "out")}
    if cfg["bias"]:
        idx["bias"] = operand(f, "bias", spec)
    elif "bias" in f:
        raise ConfigError(f"{spec.name}: fused_moe has a bias, the design note none")
    E, S, H, I = cfg["E"], cfg["S"], cfg["H"], cfg["I"]
    shapes = {"x": (None, H), "logits": (None, E), "w13": (E + S, 2 * I, H),
              "w2": (E + S, H, I), "out": (None, H), "bias": (E,)}
    check_shapes(spec, idx, shapes)
    return idx


def check_shapes(spec, idx, shapes):
    """Each operand idx[n] of spec must have shape shapes[n] (None: dynamic)."""
    for n, i in idx.items():
        if spec.args[i].shape != shapes[n]:
            raise ConfigError(f"{spec.name}: {n} is {spec.args[i]}, expected shape "
                              f"{shapes[n]}")


def check_mot_config(spec, cfg):
    """Operand indices of the rms_norm -> mot_linear chain."""
    norm = op_record(spec, "rms_norm")
    lin = op_record(spec, "mot_linear")
    idx = {"x": operand(norm, "x", spec), "norm_w": operand(norm, "weight", spec),
           "types": operand(norm, "type_ids", spec),
           "residual": operand(norm, "residual", spec),
           "sum_out": operand(norm, "residual_out", spec),
           "w": operand(lin, "w", spec), "b": operand(lin, "bias", spec),
           "qkv_out": operand(lin, "out", spec)}
    if operand(lin, "type_ids", spec) != idx["types"]:
        raise ConfigError(f"{spec.name}: rms_norm and mot_linear take different type ids")
    if lin.get("x") != "-" or norm.get("out") != "-":
        raise ConfigError(f"{spec.name}: expected rms_norm's out to feed mot_linear")
    eps = float(norm.get("epsilon", "nan"))
    if not abs(eps - cfg["epsilon"]) <= 1e-6 * cfg["epsilon"]:
        raise ConfigError(f"{spec.name}: epsilon {eps}, expected {cfg['epsilon']}")
    G, H, N = cfg["G"], cfg["H"], cfg["N"]
    shapes = {"x": (None, H), "residual": (None, H), "types": (None,),
              "norm_w": (G, H), "w": (G, N, H), "b": (G, N), "qkv_out": (None, N),
              "sum_out": (None, H)}
    check_shapes(spec, idx, shapes)
    return idx


# ---------------------------------------------------------------------------
# The reference (f32, from docs/Semantics.md)
# ---------------------------------------------------------------------------


def _rel_gap(hi, lo):
    """(hi - lo) / |hi|, +inf where lo is -inf (no competitor)."""
    gap = (hi - lo) / hi.abs().clamp_min(1e-30)
    return torch.where(torch.isinf(lo) & (lo < 0), torch.full_like(gap, math.inf), gap)


@torch.no_grad()
def route(logits, bias, cfg, tie_tol):
    """Semantics.md 'gate' in f32. Returns ids [T,k+S] (int64), weights
    [T,k+S] f32 and near_tie [T] bool."""
    E, S, k = cfg["E"], cfg["S"], cfg["k"]
    T = logits.shape[0]
    neg_inf = torch.tensor(-math.inf, device=logits.device)
    lg = logits.float()
    lg = torch.where(torch.isnan(lg), neg_inf, lg)
    if cfg["scoring"] == "softmax":
        # Finite logits here: the usual softmax (max-subtracted) is the spec's.
        scores = torch.softmax(lg, dim=-1)
    else:
        scores = torch.sigmoid(lg)
    sel = scores + bias[None, :] if bias is not None else scores.clone()
    sel = torch.where(torch.isnan(sel), neg_inf, sel)
    near_tie = torch.zeros(T, dtype=torch.bool, device=logits.device)

    G, TG = cfg["num_groups"], cfg["topk_groups"]
    if G > 1:
        grouped = sel.view(T, G, E // G)
        if cfg["group_score"] == "top2_sum" and E // G >= 2:
            gscore = grouped.topk(2, dim=-1).values.sum(-1)
        else:
            gscore = grouped.max(dim=-1).values
        gscore = torch.where(torch.isnan(gscore), neg_inf, gscore)
        gv, gi = torch.sort(gscore, dim=-1, descending=True, stable=True)  # ties: lower
        if TG < G:
            near_tie |= _rel_gap(gv[:, TG - 1], gv[:, TG]) < tie_tol
        keep = torch.zeros(T, G, dtype=torch.bool, device=logits.device)
        keep.scatter_(1, gi[:, :TG], True)
        eligible = keep.repeat_interleave(E // G, dim=1)
        sel = torch.where(eligible, sel, neg_inf)

    sv, si = torch.sort(sel, dim=-1, descending=True, stable=True)  # ties: lower index
    ids = si[:, :k]
    if k < E:
        a, b = si[:, k - 1], si[:, k]
        gap = _rel_gap(sv[:, k - 1], sv[:, k])
        # Equal inputs give equal scores on any device: the spec's lower-index
        # rule decides those, and they must match.
        same = lg.gather(1, a[:, None]).squeeze(1) == lg.gather(1, b[:, None]).squeeze(1)
        if bias is not None:
            same &= bias[a] == bias[b]
        near_tie |= (gap < tie_tol) & ~same

    w = scores.gather(1, ids)
    w = torch.where(torch.isnan(w), torch.zeros_like(w), w)
    if cfg["renormalize"]:
        total = w.sum(-1, keepdim=True)
        w = torch.where(total > 0, w / total.clamp_min(1e-38), torch.zeros_like(w))
    w = w * cfg["scaling_factor"]
    if S:
        shared_w = (w.sum(-1, keepdim=True) / cfg["scaling_factor"]).expand(T, S)
        shared_ids = (E + torch.arange(S, device=ids.device))[None, :].expand(T, S)
        ids = torch.cat([ids, shared_ids], dim=1)
        w = torch.cat([w, shared_w], dim=1)
    return ids, w, near_tie


def expert_slots(ids, n_exp):
    """For each expert that has slots, in expert order: (e, f, tok), f the
    flat slot indices routed to e (in slot order) and tok = f // k their
    tokens."""
    kk = ids.shape[1]
    flat_ids = ids.reshape(-1)
    order = torch.argsort(flat_ids, stable=True)
    counts = torch.bincount(flat_ids, minlength=n_exp).tolist()
    start = 0
    for e, n in enumerate(counts):
        if n == 0:
            continue
        f = order[start:start + n]
        start += n
        yield e, f, f // kk


@torch.no_grad()
def moe_reference(x, ids, w, w13, w2):
    """fused_moe after the gate, expert by expert, f32 (intermediates rounded
    to x's type as the spec says). Returns out [T,H] f32."""
    T, H = x.shape
    I = w2.shape[2]
    flat_w = w.reshape(-1)
    ref = torch.zeros(T, H, dtype=torch.float32, device=x.device)
    for e, f, tok in expert_slots(ids, w13.shape[0]):
        xa = x.index_select(0, tok).float()
        g = xa @ w13[e].float().T                      # [n, 2I]
        h = (F.silu(g[:, :I]) * g[:, I:]).to(x.dtype).float()
        del g, xa
        y = h @ w2[e].float().T                        # [n, H]
        y = (y * flat_w[f][:, None]).to(x.dtype).float()
        ref.index_add_(0, tok, y)
        del h, y
    return ref


@torch.no_grad()
def mot_reference(x, residual, types, norm_w, wq, bq, eps):
    """rms_norm (per-type weights, fused residual) -> mot_linear, f32.
    Returns (qkv [T,N] f32, sum [T,H] f32)."""
    s = (x.float() + residual.float()).to(x.dtype)   # residual_out, rounded to x's type
    sf = s.float()
    rs = torch.rsqrt(sf.pow(2).mean(dim=-1, keepdim=True) + eps)
    normed = (sf * rs * norm_w.float()[types.long()]).to(x.dtype).float()  # a bf16 temporary
    T, N = x.shape[0], wq.shape[1]
    qkv = torch.zeros(T, N, dtype=torch.float32, device=x.device)
    for g in range(wq.shape[0]):
        rows = (types == g).nonzero().squeeze(1)
        if rows.numel() == 0:
            continue
        qkv[rows] = normed[rows] @ wq[g].float().T + bq[g].float()[None, :]
    return qkv, sf


@torch.no_grad()
def compare(out, ref, valid):
    """(rel err, max abs err, worst row rel err, non-finite count) of out vs
    ref over the rows in valid and the finite outputs (non-finite outputs are
    counted over all rows)."""
    bad = (~torch.isfinite(out)).sum().item()
    d = out.float() - ref
    if bad:  # counted above; the errors are of the finite outputs
        d = torch.nan_to_num(d, nan=0.0, posinf=0.0, neginf=0.0)
    if valid is not None:
        d = d[valid]
        ref = ref[valid]
    if d.numel() == 0:
        return 0.0, 0.0, 0.0, bad
    ref_norm = ref.norm().item()
    d_norm = d.norm().item()
    rel = d_norm / ref_norm if ref_norm > 0 else d_norm
    max_abs = d.abs().max().item()
    row = (d.norm(dim=-1) / ref.norm(dim=-1).clamp_min(1e-30)).max().item()
    return rel, max_abs, row, bad


# ---------------------------------------------------------------------------
# Inputs, timing
# ---------------------------------------------------------------------------


def randn(shape, gen, dtype, dev, scale=1.0, mean=0.0):
    t = torch.randn(shape, generator=gen, device=dev, dtype=dtype)
    if scale != 1.0:
        t.mul_(scale)
    if mean != 0.0:
        t.add_(mean)
    return t


def model_seed(seed, name, salt):
    return (seed * 1000003 + sum(ord(c) * 131 ** i for i, c in enumerate(name)) + salt) % (1 << 62)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main():
    args = parse_args()
    out_dir = args.out or os.environ.get("OUT") or os.path.join(REPO, "gpu-logs")
    os.makedirs(out_dir, exist_ok=True)

    def log(*parts):
        print(" ".join(str(p) for p in parts), flush=True)

    if not torch.cuda.is_available():
        log("layer_vs_torch: no CUDA device visible to torch")
        return 2
    torch.cuda.set_device(args.device)
    dev = torch.device("cuda", args.device)
    torch.backends.cuda.matmul.allow_tf32 = False  # the f32 reference in f32
    torch.backends.cudnn.allow_tf32 = False
    gpu = torch.cuda.get_device_name(dev)
    log(f"device: {gpu}, torch {torch.__version__}, artifacts {args.artifacts}")
    log(f"seed {args.seed}, tokens {args.tokens}, iters {args.iters}, warmup {args.warmup}, "
        f"L2 flush {'off' if args.no_flush else 'on'}, tol {args.tol:g}, "
        f"row tol {args.row_tol:g}, tie tol {args.tie_tol:g}")
    flush = None if args.no_flush else torch.empty(256 << 20, dtype=torch.uint8, device=dev)

    rows = []
    failed = False
    stop = False
    said_runtime = False

    def row(**kw):
        rows.append(kw)
        line = (f"{kw['result']} {kw['model']} T={kw['T']} rel_err={fmt_err(kw.get('rel'))} "
                f"max_abs_err={fmt_err(kw.get('max_abs'))} row_err={fmt_err(kw.get('row'))} "
                f"excluded={kw.get('excluded', '-')} nan={kw.get('nans', '-')} "
                f"ours_us={fmt_us(kw.get('us'))}")
        if kw.get("note"):
            line += f" note: {kw['note']}"
        log(line)

    for name in args.models:
        if stop:
            break
        cfg = MODELS[name]
        prefix = os.path.join(args.artifacts, cfg["artifact"])
        fname = cfg["function"]
        if not (os.path.exists(prefix + ".so") and os.path.exists(prefix + ".manifest")):
            msg = (f"artifact {prefix}.so/.manifest not found (utils/build-gpu-artifacts.sh "
                   "compiles it)")
            failed = True
            for T in args.tokens:
                row(model=name, T=T, result="FAIL", note=msg)
            continue
        try:
            art = Artifact(prefix, runtime=args.runtime, device=args.device)
            spec = art.spec(fname)
            idx = (check_moe_config if cfg["kind"] == "moe" else check_mot_config)(spec, cfg)
        except ConfigError as e:
            log(f"layer_vs_torch: {e}")
            return 2
        except MoeArtifactError as e:
            failed = True
            stop = "sticky" in str(e) or "runtime error" in str(e)
            for T in args.tokens:
                row(model=name, T=T, result="FAIL", note=f"loading: {e}")
            continue
        if not said_runtime:
            from moe_artifact import load_runtime
            log(f"runtime {load_runtime().path} ({art.device_name()})")
            said_runtime = True

        # --- weights, once per model, drawn in bf16 on the GPU
        gen = torch.Generator(device=dev)
        gen.manual_seed(model_seed(args.seed, name, 0))
        weights = {}
        try:
            if cfg["kind"] == "moe":
                E, S, H, I = cfg["E"], cfg["S"], cfg["H"], cfg["I"]
                need = (E + S) * 3 * H * I * 2
                free, _ = torch.cuda.mem_get_info(dev)
                if need + 4 * GIB > free:
                    raise OOM(
                        f"weights need {need / GIB:.1f} GiB, {free / GIB:.1f} GiB free")
                weights["w13"] = randn((E + S, 2 * I, H), gen, torch.bfloat16, dev,
                                       scale=1 / math.sqrt(H))
                weights["w2"] = randn((E + S, H, I), gen, torch.bfloat16, dev,
                                      scale=1 / math.sqrt(I))
                if cfg["bias"]:
                    weights["bias"] = randn((E,), gen, torch.float32, dev, scale=0.1)
            else:
                G, H, N = cfg["G"], cfg["H"], cfg["N"]
                weights["norm_w"] = randn((G, H), gen, torch.bfloat16, dev, scale=0.25,
                                          mean=1.0)
                weights["w"] = randn((G, N, H), gen, torch.bfloat16, dev,
                                     scale=1 / math.sqrt(H))
                weights["b"] = randn((G, N), gen, torch.bfloat16, dev, scale=0.1)
            torch.cuda.synchronize()
        except OOM as e:
            weights = None
            torch.cuda.empty_cache()
            msg = f"out of GPU memory for the weights: {str(e).splitlines()[0]}"
            for T in args.tokens:
                row(model=name, T=T, result="SKIP", note=msg)
            continue

        for T in args.tokens:
            if stop:
                break
            gen.manual_seed(model_seed(args.seed, name, T))
            tensors = outs = ref_outs = None
            try:
                # --- inputs and poisoned outs, placed by the manifest's indices
                tensors = [None] * len(spec.args)
                valid = None
                excluded = 0
                if cfg["kind"] == "moe":
                    E, H = cfg["E"], cfg["H"]
                    x = randn((T, H), gen, torch.bfloat16, dev)
                    logits = randn((T, E), gen, cfg["logits_dtype"], dev)
                    out = torch.empty(T, H, dtype=torch.bfloat16, device=dev)
                    for n, t in (("x", x), ("logits", logits), ("w13", weights["w13"]),
                                 ("w2", weights["w2"]), ("out", out),
                                 ("bias", weights.get("bias"))):
                        if n in idx:
                            tensors[idx[n]] = t
                    outs = [out]
                else:
                    H, N, G = cfg["H"], cfg["N"], cfg["G"]
                    x = randn((T, H), gen, torch.bfloat16, dev)
                    residual = randn((T, H), gen, torch.bfloat16, dev)
                    types = torch.randint(0, G, (T,), generator=gen, device=dev,
                                          dtype=torch.int32)
                    qkv_out = torch.empty(T, N, dtype=torch.bfloat16, device=dev)
                    sum_out = torch.empty(T, H, dtype=torch.bfloat16, device=dev)
                    for n, t in (("x", x), ("residual", residual), ("types", types),
                                 ("norm_w", weights["norm_w"]), ("w", weights["w"]),
                                 ("b", weights["b"]), ("qkv_out", qkv_out),
                                 ("sum_out", sum_out)):
                        tensors[idx[n]] = t
                    outs = [qkv_out, sum_out]

                # --- our call on poisoned outs
                for o in outs:
                    o.fill_(float("nan"))
                art.call(fname, *tensors)
                checked = [o.clone() for o in outs]

                # --- the reference
                if cfg["kind"] == "moe":
                    ids, w, near_tie = route(logits, weights.get("bias"), cfg, args.tie_tol)
                    excluded = int(near_tie.sum().item())
                    valid = ~near_tie
                    ref_outs = [moe_reference(x, ids, w, weights["w13"], weights["w2"])]
                    del ids, w
                else:
                    ref_outs = list(mot_reference(x, residual, types, weights["norm_w"],
                                                  weights["w"], weights["b"], cfg["epsilon"]))
                metrics = [compare(o, r, valid) for o, r in zip(outs, ref_outs)]
                ref_outs = None
                rel = max(m[0] for m in metrics)
                max_abs = max(m[1] for m in metrics)
                row_err = max(m[2] for m in metrics)
                nans = sum(m[3] for m in metrics)
                reasons = []
                notes = []
                if cfg["kind"] == "mot":
                    notes.append(f"qkv rel {metrics[0][0]:.2e}, residual sum rel "
                                 f"{metrics[1][0]:.2e}")
                if nans:
                    reasons.append(f"{nans} non-finite outputs (unwritten poison?)")
                if not rel <= args.tol:
                    reasons.append(f"rel err {rel:.2e} > {args.tol:g}")
                if not row_err <= args.row_tol:
                    reasons.append(f"worst token rel err {row_err:.2e} > {args.row_tol:g}")

                # --- timing
                fn = art.entry(fname, *tensors)
                us = time_calls(fn, args.iters, args.warmup, flush)
                err = sticky_error()
                if err:
                    raise MoeArtifactError(f"moe runtime error in {fname} (timing): {err}")

                # --- repeatability: poison again, one more call, bit-equal
                if not args.no_repeat:
                    for o in outs:
                        o.fill_(float("nan"))
                    art.call(fname, *tensors)
                    for o, c in zip(outs, checked):
                        if not torch.equal(o.view(torch.int16), c.view(torch.int16)):
                            diff = (o.view(torch.int16) != c.view(torch.int16)).sum().item()
                            reasons.append(f"a second call differs in {diff} elements")
                del checked

                result = "FAIL" if reasons else "PASS"
                failed |= bool(reasons)
                row(model=name, T=T, rel=rel, max_abs=max_abs, row=row_err,
                    excluded=excluded, nans=nans, us=us, result=result,
                    note="; ".join(reasons + notes))
            except MoeArtifactError as e:
                failed = True
                stop = True
                row(model=name, T=T, result="FAIL", note=str(e))
                log("stopping: the runtime's sticky error turns every later call into a no-op")
            except OOM as e:
                row(model=name, T=T, result="SKIP",
                    note=f"out of GPU memory: {str(e).splitlines()[0]}")
            finally:
                tensors = outs = ref_outs = fn = checked = None
                x = logits = out = residual = types = qkv_out = sum_out = None
                valid = near_tie = None
                torch.cuda.empty_cache()
        weights = None
        torch.cuda.empty_cache()

    header = ("| model | T | rel err (Frobenius) | max abs err | worst token rel err "
              "| excluded tokens (near-ties) | NaNs | result | ours median us | note |")
    lines = [header, "|" + "---|" * 10]
    for r in rows:
        cells = [r["model"], r["T"], fmt_err(r.get("rel")), fmt_err(r.get("max_abs")),
                 fmt_err(r.get("row")), r.get("excluded", "-"), r.get("nans", "-"),
                 r["result"], fmt_us(r.get("us")), r.get("note", "")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    table = "\n".join(lines)
    preamble = (f"device {gpu}; seed {args.seed}; median of {args.iters} calls (after "
                f"{args.warmup} warm-up), L2 flushed {'no' if args.no_flush else 'yes'}; "
                "errors vs an independent f32 torch reference (docs/Semantics.md) over the "
                f"tokens that are not routing near-ties (relative score gap < {args.tie_tol:g}); "
                f"PASS: no NaN, rel err <= {args.tol:g}, worst token <= {args.row_tol:g}"
                + ("" if args.no_repeat else ", a second call bit-identical"))
    write_summary(out_dir, "layers.md", preamble, table, rows, "layer_vs_torch", log)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
