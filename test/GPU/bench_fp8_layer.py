#!/usr/bin/env python3
"""DeepSeek-V3's fp8_block layer (examples/quantized/deepseek-v3-fp8.mlir,
entry deepseek_v3_fp8_moe) checked against an independent torch computation
and timed whole in a CUDA graph with L2 flushed, next to a
torch._scaled_grouped_mm path on the same routed tokens (issue 11).

Layer: E = 256 routed experts + 1 fused shared expert, k = 8, H = 7168,
I = 2048, sigmoid + correction bias routing in 8 groups (best 4 by top-2
sum), renormalized, x2.5; w13 [257, 4096, 7168] and w2 [257, 7168, 2048]
f8E4M3FN with f32 scales per 128 x 128 block (DeepSeek's weight_scale_inv:
w13_scale [257, 32, 56], w2_scale [257, 56, 16]); each GEMM's input
quantized at run time per token per 128 columns (moe.quantize).

Per T (--tokens):
  * inputs: fresh random draws on the GPU (torch.Generator seeded from
    --seed, the layer and T, as bench_layers.py / layer_vs_torch.py): x
    N(0,1) bf16 [T, 7168], logits N(0,1) f32 [T, 256]; once per run the
    correction bias N(0,0.1) f32 [256] and the weights, expert by expert:
    N(0,1)/sqrt(K) in bf16, quantized per 128 x 128 block with
    scale = max(amax, 1e-10) / 448 and q = e4m3(w / scale) (rounded to
    nearest even, saturating), so that q * scale ~ w (docs/Semantics.md,
    "Weight dequantization"). The out is filled with NaN before our call.
  * check: ours (one call outside a graph) against an f32 reference written
    here from docs/Semantics.md: the routing of layer_vs_torch.route (the
    shared expert's weight is the routed mass, 1 when renormalized), then
    expert by expert: the token rows quantized per 128 columns exactly as
    moe.quantize does (amax floored at 1e-10, scale = amax / 448 and
    x / scale both f32 divisions rounded to nearest, e4m3 round to nearest
    even with saturation; bit for bit what the device computes), times the
    dequantized weights (e4m3 -> f32 times the block scale) in f32 (TF32
    off), silu(gate) * up with silu(v) = v / (1 + exp(-v)) rounded to bf16,
    quantized again per 128 columns, times the dequantized w2, times the
    routed weight, rounded to bf16, summed per token in f32. PASS iff no NaN
    in any row, relative Frobenius error <= --tol (1e-2) and worst token's
    <= --row-tol (5e-2), over the tokens that are not routing near-ties
    (layer_vs_torch's --tie-tol rule; "excluded", about 0 expected). A
    wrong result is not timed.
  * ours: the entry point captured in a CUDA graph on a torch stream
    (moeSetCurrentStream); median of --iters replays, each after a 256 MiB
    buffer is zeroed (L2 flushed). The replays must write what the checked
    call wrote, bit for bit.
  * torch: the two expert GEMMs through torch._scaled_grouped_mm (fp8
    rowwise: the same bf16 weight draws quantized per output row, the
    activations per token row, f32 scales, bf16 out), on the rows of the
    reference routing sorted by expert (argsort, scatter_add counts, offs =
    cumulative row counts in int32), silu * up in torch between them, the
    routed weight and index_add, all captured in a CUDA graph: the same
    routing-less permutation as bench_layers.py's torch path. Timed with
    use_fast_accum=False ("torch": fp8 partial sums promoted to f32, like
    ours) and =True ("torch fast"). Each is first checked against its own
    f32 reference (the same routine with per-row scales and torch's bf16
    GEMM outputs) to --torch-tol; if groups of any row count give a wrong
    result, it is retried with every group padded to a multiple of 16 rows
    (--torch-align forces one). If torch lacks the op or rejects the inputs
    the row says "skipped: <reason>".
  * floor = max(bytes / copy bandwidth, FLOPs / fp8 rate): bytes = the fp8
    weights and f32 scales of the experts the routing selects (the shared
    one included) + x read and out written (bf16); FLOPs = 2 * rows *
    (4096 * 7168 + 7168 * 2048), rows = T * 9. The copy bandwidth and the
    bf16 matmul rate are bench_layers.ceilings; the fp8 rate is
    torch._scaled_mm 8192^3 with rowwise scales (use_fast_accum=True),
    measured in the same process (without it the floor is bytes only).
  * --profile: the layer's kernels in launch order with their device times
    (bench_layers.kernel_profile: calls outside a graph, L2 flushed).

Output: LOGDIR/bench-fp8-layer.md (markdown table) and
LOGDIR/bench-fp8-layer.png (time / floor and ours / torch vs T, when
matplotlib is there); with --profile LOGDIR/bench-fp8-kernels.md. LOGDIR =
--out, else $OUT, else gpu-logs. Exit status 0 if every T passed, 1 if one
failed (or the artifact is missing, or a runtime error stopped the run), 2
on usage or manifest errors. A skipped torch path does not fail the run.

Memory: about 11.3 GB of fp8 weights for ours and 11.3 GB more for the
torch path's rowwise copy (--no-torch skips it), drawn expert by expert;
peak about 40 GB at T = 8192 (the CUDA graphs' intermediates).

Usage (GPU host, repository root; the artifact artifacts/deepseek-v3-fp8
comes from utils/build-gpu-artifacts.sh):
  python3 test/GPU/bench_fp8_layer.py --artifacts artifacts --runtime /tmp/rt \\
      --tokens 1 32 256 2048 8192 --out /tmp/logs
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))
sys.path.insert(0, HERE)

# torch and the modules that import it (bench_layers, layer_vs_torch,
# moe_artifact's Artifact) are imported in main(), after the arguments are
# parsed, so that --help works on a machine without torch.
torch = None

NAME = "deepseek_v3_fp8"
ARTIFACT = "deepseek-v3-fp8"
FUNCTION = "deepseek_v3_fp8_moe"
E, S, K_TOP, H, I, G = 256, 1, 8, 7168, 2048, 128
E4M3_MAX = 448.0
AMAX_FLOOR = 1e-10  # docs/Semantics.md, "Zero (and tiny) groups"
_E4M3_MAX_T = None  # 448 as a CUDA tensor (made in main): a division by a
# Python number is a multiplication by its reciprocal in torch, which is not
# the f32 division rounded to nearest that the device does.


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"),
                   help="folder holding deepseek-v3-fp8.so/.manifest")
    p.add_argument("--runtime", default=None,
                   help="libMoeRuntime.so, or a build folder / install prefix holding it")
    p.add_argument("--tokens", nargs="+", default=["1,32,256,2048,8192"],
                   help="token counts, comma- or space-separated")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--tol", type=float, default=1e-2,
                   help="bound of ours' relative Frobenius error")
    p.add_argument("--row-tol", type=float, default=5e-2,
                   help="bound of ours' worst token relative error")
    p.add_argument("--tie-tol", type=float, default=1e-5,
                   help="relative score gap under which a token is a routing near-tie")
    p.add_argument("--torch-tol", type=float, default=5e-2,
                   help="bound of the torch path's relative error against its own "
                        "reference (fast accumulation included)")
    p.add_argument("--torch-align", type=int, default=0,
                   help="pad each expert's rows to a multiple of this for "
                        "torch._scaled_grouped_mm (default: none, 16 if that is wrong)")
    p.add_argument("--no-torch", action="store_true",
                   help="skip the torch._scaled_grouped_mm path (and its 11.3 GB of weights)")
    p.add_argument("--profile", action="store_true",
                   help="also list the layer's kernels with their device times")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    args.tokens = [int(t) for arg in args.tokens for t in arg.split(",") if t]
    if not args.tokens or any(t < 1 for t in args.tokens):
        p.error("--tokens takes positive token counts")
    if args.iters < 1:
        p.error("--iters must be >= 1")
    if args.torch_align < 0:
        p.error("--torch-align must be >= 0")
    args.out = args.out or os.environ.get("OUT") or "gpu-logs"
    return args


# ---------------------------------------------------------------------------
# fp8 e4m3 quantization (docs/Semantics.md, "Quantized experts")
# ---------------------------------------------------------------------------


def to_e4m3(v):
    """f32 -> float8_e4m3fn: round to nearest even, saturating at +-448.
    torch's cast rounds to nearest even (subnormals included) but turns
    magnitudes from 464 up into NaN; the clamp first makes it the device's
    cvt.rn.satfinite (a NaN stays NaN)."""
    return v.clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)


def quantize_groups(v, group):
    """moe.quantize of v [M, K] per row and group of `group` columns
    (group = K: per token): amax = max |v| of the group, scale = max(amax,
    1e-10) / 448 and q = e4m3(v / scale), both divisions f32 rounded to
    nearest (tensor by tensor). Returns (q [M, K] float8_e4m3fn, scales
    [M, K / group] f32)."""
    M, K = v.shape
    vf = v.float().reshape(M, K // group, group)
    amax = vf.abs().amax(dim=2, keepdim=True)
    scale = amax.clamp_min(AMAX_FLOOR) / _E4M3_MAX_T
    q = to_e4m3(vf / scale)
    return q.reshape(M, K), scale.reshape(M, K // group)


def dequantize_groups(q, scales):
    """q [M, K] e4m3 with scales [M, K / g] -> f32 q * scale."""
    M, K = q.shape
    n = scales.shape[1]
    return (q.float().reshape(M, n, K // n) * scales.reshape(M, n, 1)).reshape(M, K)


def quantize_blocks(w, group):
    """One expert's weight [N, K] per group x group block, as the checkpoint
    stores it: (q [N, K] e4m3, scale [N / group, K / group] f32) with
    w ~ q * scale[n / group, k / group]."""
    N, K = w.shape
    wb = w.float().reshape(N // group, group, K // group, group)
    amax = wb.abs().amax(dim=(1, 3), keepdim=True)
    scale = amax.clamp_min(AMAX_FLOOR) / _E4M3_MAX_T
    q = to_e4m3(wb / scale)
    return q.reshape(N, K), scale.reshape(N // group, K // group)


def dequantize_weight(q, scale, group):
    """One expert's weight in f32: q * scale per block (group), or per
    output row (group None, scale [N])."""
    N, K = q.shape
    if group is None:
        return q.float() * scale.reshape(N, 1)
    blocks = q.float().reshape(N // group, group, K // group, group)
    return (blocks * scale.reshape(N // group, 1, K // group, 1)).reshape(N, K)


def silu_and_mul(g):
    """[M, 2N] f32 -> silu(gate) * up, silu(v) = v / (1 + exp(-v))."""
    n = g.shape[1] // 2
    gate, up = g[:, :n], g[:, n:]
    return gate / (1 + torch.exp(-gate)) * up


# ---------------------------------------------------------------------------
# The references
# ---------------------------------------------------------------------------


def fp8_reference(x, ids, w, w13, w13_s, w2, w2_s, group, torch_path=False):
    """The layer after the gate in f32, expert by expert (no f32 copy of all
    weights is made). group = 128: ours (fp8_block weights, activations per
    128 columns); group None: the torch path (weights per output row,
    activations per token row, and its GEMMs' bf16 outputs: torch_path).
    Returns out [T, H] f32."""
    from layer_vs_torch import expert_slots

    T, hidden = x.shape
    inter = w2.shape[2]
    flat_w = w.reshape(-1)
    # Quantizing a permuted row equals quantizing its token's row.
    xd = dequantize_groups(*quantize_groups(x, group or hidden))
    ref = torch.zeros(T, hidden, dtype=torch.float32, device=x.device)
    for e, f, tok in expert_slots(ids, w13.shape[0]):
        g = xd.index_select(0, tok) @ dequantize_weight(w13[e], w13_s[e], group).T
        if torch_path:
            g = g.to(x.dtype).float()
        h = silu_and_mul(g).to(x.dtype)
        del g
        hd = dequantize_groups(*quantize_groups(h, group or inter))
        y = hd @ dequantize_weight(w2[e], w2_s[e], group).T
        if torch_path:
            y = y.to(x.dtype).float() * flat_w[f][:, None]
        else:
            y = (y * flat_w[f][:, None]).to(x.dtype).float()
        ref.index_add_(0, tok, y)
        del h, hd, y
    return ref


# ---------------------------------------------------------------------------
# The torch._scaled_grouped_mm path
# ---------------------------------------------------------------------------


def torch_fp8_experts(x, ids, w, w13r, w13r_s, w2r, w2r_s, out, fast_accum, align):
    """A callable writing into `out` [T, H] bf16 the experts of the routed
    layer (ids [T, k+S], weights w) through torch._scaled_grouped_mm with
    rowwise scales: x quantized per token and gathered by expert, gate+up,
    silu * up, quantized per row, down, times the routed weight, index_add.
    With align > 1 each expert's rows start at a multiple of `align` (zero
    rows between, scale 1). Nothing in it synchronizes with the host, so it
    can be captured in a CUDA graph."""
    T, kk = ids.shape
    n_exp = w13r.shape[0]
    hidden = x.shape[1]
    inter = w2r.shape[2]
    R = ids.numel()
    dev = x.device
    fp8 = torch.float8_e4m3fn
    w13t = w13r.transpose(1, 2)  # [L, H, 2I], column-major as torch wants mat_b
    w2t = w2r.transpose(1, 2)    # [L, I, H]
    cap = R + n_exp * (align - 1) if align > 1 else R

    def spread(q8, s, dest):
        """Rows to their padded places (uint8 views: index_copy_ of fp8
        tensors may not be implemented)."""
        qp = torch.zeros(cap, q8.shape[1], dtype=torch.uint8, device=dev)
        qp.index_copy_(0, dest, q8)
        sp = torch.ones(cap, dtype=torch.float32, device=dev)
        sp.index_copy_(0, dest, s)
        return qp, sp

    def run():
        flat = ids.reshape(-1)
        order = torch.argsort(flat, stable=True)
        # scatter_add, not bincount: bincount syncs to size its output.
        counts = torch.zeros(n_exp, dtype=torch.int64, device=dev)
        counts.scatter_add_(0, flat, torch.ones_like(flat))
        ends = torch.cumsum(counts, 0)
        tok = order // kk
        dest = None
        if align > 1:
            padded = (counts + (align - 1)) // align * align
            pends = torch.cumsum(padded, 0)
            shift = (pends - padded) - (ends - counts)
            dest = torch.arange(R, device=dev) + shift[flat[order]]
            offs = pends.to(torch.int32)
        else:
            offs = ends.to(torch.int32)
        def grouped_mm(q8, s, wt, ws):
            """One expert GEMM on the rows in expert order (spread to their
            padded places and back when the groups are padded)."""
            if dest is not None:
                q8, s = spread(q8, s, dest)
            r = torch._scaled_grouped_mm(q8.view(fp8), wt, s, ws, offs=offs,
                                         out_dtype=torch.bfloat16,
                                         use_fast_accum=fast_accum)
            return r if dest is None else r.index_select(0, dest)

        qx, sx = quantize_groups(x, hidden)  # per token, then gathered
        h = grouped_mm(qx.view(torch.uint8).index_select(0, tok),
                       sx.reshape(T).index_select(0, tok), w13t, w13r_s)
        a = silu_and_mul(h.float()).to(torch.bfloat16)
        qh, sh = quantize_groups(a, inter)
        y = grouped_mm(qh.view(torch.uint8), sh.reshape(R), w2t, w2r_s)
        y = y.float() * w.reshape(-1)[order].unsqueeze(1)
        acc = torch.zeros(T, hidden, dtype=torch.float32, device=dev)
        acc.index_add_(0, tok, y)
        out.copy_(acc)

    return run


def fp8_rate(dev):
    """(FLOP/s of torch._scaled_mm 8192^3 on random e4m3 data with rowwise
    scales, fast accumulation if torch takes it, or None; a note: how it was
    measured, or why not)."""
    if not hasattr(torch, "_scaled_mm"):
        return None, f"torch {torch.__version__} has no torch._scaled_mm"
    n = 8192
    why = None
    a = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn)
    b = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn).t()  # column-major
    sa = torch.ones(n, 1, dtype=torch.float32, device=dev)
    sb = torch.ones(1, n, dtype=torch.float32, device=dev)
    try:
        for fast in (True, False):
            def mm():
                return torch._scaled_mm(a, b, scale_a=sa, scale_b=sb,
                                        out_dtype=torch.bfloat16, use_fast_accum=fast)
            try:
                for _ in range(3):
                    mm()
                torch.cuda.synchronize()
            except Exception as e:  # noqa: BLE001 - this form rejected: try the next
                why = f"torch._scaled_mm rowwise: {first_line(e)}"
                continue
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(10):
                mm()
            end.record()
            end.synchronize()
            rate = 10 * 2 * n ** 3 / (start.elapsed_time(end) * 1e-3)
            return rate, f"torch._scaled_mm 8192^3 rowwise, use_fast_accum={fast}"
        return None, why
    finally:
        del a, b, sa, sb
        torch.cuda.empty_cache()


# ---------------------------------------------------------------------------
# The manifest
# ---------------------------------------------------------------------------


def layer_operands(spec, lvt):
    """Argument index of each operand, from the manifest: the fused_moe
    record (the example as utils/build-gpu-artifacts.sh compiles it), or
    the records of its decomposition (gate, permute or permute_indices,
    quantize, two fp8_block grouped_matmuls, combine) for an artifact
    compiled from the decomposed IR. Raises lvt.ConfigError when the attributes,
    shapes or element types disagree with the layer above."""
    cfg = CFG
    ops = [op for op, _ in spec.ops]
    if "fused_moe" in ops:
        f = lvt.op_record(spec, "fused_moe")
        idx = lvt.check_moe_config(spec, cfg)
        for key, want in (("quant", "fp8_block"), ("group_size", str(G))):
            if f.get(key) != want:
                raise lvt.ConfigError(f"{spec.name}: fused_moe {key}={f.get(key)}, "
                                      f"expected {want}")
        idx["w13_scale"] = lvt.operand(f, "w13_scale", spec)
        idx["w2_scale"] = lvt.operand(f, "w2_scale", spec)
    else:
        gate = lvt.op_record(spec, "gate")
        want = dict(k=str(cfg["k"]), scoring=cfg["scoring"],
                    num_groups=str(cfg["num_groups"]), topk_groups=str(cfg["topk_groups"]),
                    group_score=cfg["group_score"], num_shared_experts=str(cfg["S"]),
                    renormalize="true")
        for key, value in want.items():
            if gate.get(key) != value:
                raise lvt.ConfigError(f"{spec.name}: gate {key}={gate.get(key)}, expected "
                                      f"{value}")
        if gate.get("shared_weight", "routed_mass") != "routed_mass":
            raise lvt.ConfigError(f"{spec.name}: gate shared_weight="
                                  f"{gate.get('shared_weight')}, expected routed_mass")
        sf = float(gate.get("scaling_factor", "1"))
        if abs(sf - cfg["scaling_factor"]) > 1e-6 * cfg["scaling_factor"]:
            raise lvt.ConfigError(f"{spec.name}: scaling_factor {sf}, expected "
                                  f"{cfg['scaling_factor']}")
        # permute (the rows copied), or permute_indices with gather-token-rows
        # (x quantized in place and read by index)
        perm_op = "permute" if "permute" in ops else "permute_indices"
        perm = lvt.op_record(spec, perm_op)
        if perm.get("num_experts") != str(E + S):
            raise lvt.ConfigError(f"{spec.name}: {perm_op} num_experts="
                                  f"{perm.get('num_experts')}, expected {E + S}")
        gemms = [fields for op, fields in spec.ops if op == "grouped_matmul"]
        quants = [fields for op, fields in spec.ops if op == "quantize"]
        if len(gemms) != 2 or len(quants) != 2:
            raise lvt.ConfigError(f"{spec.name}: expected 2 grouped_matmul and 2 quantize "
                                  f"records, found {len(gemms)} and {len(quants)}")
        for n, (gemm, epilogue) in enumerate(zip(gemms, ("silu_and_mul", "none"))):
            for key, value in (("quant", "fp8_block"), ("group_size", str(G)),
                               ("epilogue", epilogue), ("gate_up_layout", "split")):
                if gemm.get(key, "split" if key == "gate_up_layout" else None) != value:
                    raise lvt.ConfigError(f"{spec.name}: grouped_matmul {n + 1} "
                                          f"{key}={gemm.get(key)}, expected {value}")
        if "scale" not in gemms[1]:
            raise lvt.ConfigError(f"{spec.name}: the down GEMM has no row scale (the "
                                  "routed weights)")
        for q in quants:
            if q.get("group_size") != str(G):
                raise lvt.ConfigError(f"{spec.name}: quantize group_size="
                                      f"{q.get('group_size')}, expected {G}")
        comb = lvt.op_record(spec, "combine")
        if comb.get("k") != str(K_TOP + S):
            raise lvt.ConfigError(f"{spec.name}: combine k={comb.get('k')}, expected "
                                  f"{K_TOP + S}")
        x_of = perm if perm_op == "permute" else quants[0]
        idx = {"x": lvt.operand(x_of, "x", spec), "logits": lvt.operand(gate, "logits", spec),
               "bias": lvt.operand(gate, "bias", spec),
               "w13": lvt.operand(gemms[0], "w", spec),
               "w13_scale": lvt.operand(gemms[0], "w_scale", spec),
               "w2": lvt.operand(gemms[1], "w", spec),
               "w2_scale": lvt.operand(gemms[1], "w_scale", spec),
               "out": lvt.operand(comb, "out", spec)}
    L = E + S
    shapes = {"x": (None, H), "logits": (None, E), "bias": (E,), "w13": (L, 2 * I, H),
              "w2": (L, H, I), "w13_scale": (L, 2 * I // G, H // G),
              "w2_scale": (L, H // G, I // G), "out": (None, H)}
    dtypes = {"x": "bf16", "logits": "f32", "bias": "f32", "w13": "f8E4M3FN",
              "w2": "f8E4M3FN", "w13_scale": "f32", "w2_scale": "f32", "out": "bf16"}
    lvt.check_shapes(spec, idx, shapes)
    for n, i in idx.items():
        if spec.args[i].dtype != dtypes[n]:
            raise lvt.ConfigError(f"{spec.name}: {n} is {spec.args[i]}, expected "
                                  f"element type {dtypes[n]}")
    if sorted(idx.values()) != list(range(len(spec.args))):
        raise lvt.ConfigError(f"{spec.name}: operands {idx} do not cover the "
                              f"{len(spec.args)} arguments once each")
    return idx


CFG = None  # layer_vs_torch.MODELS["deepseek_v3"] with this layer's names (main)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def first_line(e):
    return f"{type(e).__name__}: " + ((str(e).strip().splitlines() or [""])[0])[:200]


def main():
    global torch, CFG, _E4M3_MAX_T
    args = parse_args()
    import torch as _torch
    torch = _torch
    import bench_layers as bl
    import layer_vs_torch as lvt
    from moe_artifact import Artifact, MoeArtifactError

    os.makedirs(args.out, exist_ok=True)
    if not torch.cuda.is_available():
        print("bench_fp8_layer: no CUDA device visible to torch")
        return 2
    CFG = dict(lvt.MODELS["deepseek_v3"], artifact=ARTIFACT, function=FUNCTION)
    assert (CFG["E"], CFG["S"], CFG["k"], CFG["H"], CFG["I"]) == (E, S, K_TOP, H, I)
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False  # the f32 references in f32
    torch.backends.cudnn.allow_tf32 = False
    _E4M3_MAX_T = torch.full((), E4M3_MAX, dtype=torch.float32, device=dev)
    gpu = torch.cuda.get_device_name()
    print(f"bench_fp8_layer: {gpu} (sm_{''.join(map(str, torch.cuda.get_device_capability()))}), "
          f"torch {torch.__version__}, seed {args.seed}", flush=True)

    prefix = os.path.join(args.artifacts, ARTIFACT)
    if not (os.path.exists(prefix + ".so") and os.path.exists(prefix + ".manifest")):
        print(f"FAIL: artifact {prefix}.so/.manifest not found (utils/build-gpu-artifacts.sh "
              "compiles it)")
        return 1
    try:
        art = Artifact(prefix, runtime=args.runtime)
        spec = art.spec(FUNCTION)
        idx = layer_operands(spec, lvt)
    except lvt.ConfigError as e:
        print(f"bench_fp8_layer: {e}")
        return 2
    except MoeArtifactError as e:
        print(f"FAIL: loading {prefix}: {e}")
        return 1

    bandwidth, rate = bl.ceilings(dev)
    torch.cuda.empty_cache()
    rate8, rate8_why = fp8_rate(dev)
    print(f"bench_fp8_layer: copy {bandwidth / 1e9:.0f} GB/s, bf16 matmul {rate / 1e12:.0f} "
          "TFLOP/s, fp8 " + (f"{rate8 / 1e12:.0f} TFLOP/s ({rate8_why})" if rate8 else
                             f"rate not measured ({rate8_why}): the floor is bytes only"),
          flush=True)

    # --- the torch path: is there one?
    peer_why = None
    if args.no_torch:
        peer_why = "skipped: --no-torch"
    elif not hasattr(torch, "_scaled_grouped_mm"):
        peer_why = f"skipped: torch {torch.__version__} has no torch._scaled_grouped_mm"
    L = E + S
    w_bytes = L * 3 * H * I  # fp8, w13 + w2
    free, _ = torch.cuda.mem_get_info()
    if w_bytes + (8 << 30) > free:
        print(f"FAIL: the fp8 weights need {w_bytes / 2**30:.1f} GiB + 8 GiB of work space, "
              f"{free / 2**30:.1f} GiB free")
        return 1
    if peer_why is None and 2 * w_bytes + (16 << 30) > free:
        peer_why = (f"skipped: not enough GPU memory for its rowwise weights "
                    f"({free / 2**30:.1f} GiB free)")

    # --- weights, expert by expert (bf16 draw -> fp8 per block, and per row
    # for the torch path), and the correction bias
    gen = torch.Generator(device=dev)
    gen.manual_seed(lvt.model_seed(args.seed, NAME, 0))
    fp8 = torch.float8_e4m3fn
    w13 = torch.empty((L, 2 * I, H), dtype=fp8, device=dev)
    w2 = torch.empty((L, H, I), dtype=fp8, device=dev)
    w13_s = torch.empty((L, 2 * I // G, H // G), dtype=torch.float32, device=dev)
    w2_s = torch.empty((L, H // G, I // G), dtype=torch.float32, device=dev)
    peer_w = None
    if peer_why is None:
        peer_w = (torch.empty((L, 2 * I, H), dtype=fp8, device=dev),
                  torch.empty((L, 2 * I), dtype=torch.float32, device=dev),
                  torch.empty((L, H, I), dtype=fp8, device=dev),
                  torch.empty((L, H), dtype=torch.float32, device=dev))
    for e in range(L):
        for n, (wq, ws, shape, kdim) in enumerate(((w13, w13_s, (2 * I, H), H),
                                                   (w2, w2_s, (H, I), I))):
            wb = lvt.randn(shape, gen, torch.bfloat16, dev, scale=kdim ** -0.5)
            q, s = quantize_blocks(wb, G)
            wq[e].copy_(q)
            ws[e].copy_(s)
            if peer_w is not None:
                q, s = quantize_groups(wb, kdim)
                peer_w[2 * n][e].copy_(q)
                peer_w[2 * n + 1][e].copy_(s.reshape(-1))
            del wb, q, s
    bias = lvt.randn((E,), gen, torch.float32, dev, scale=0.1)
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    print(f"bench_fp8_layer: weights drawn ({w_bytes / 1e9:.1f} GB fp8"
          + (" + the torch path's rowwise copy" if peer_w is not None else "") + ")", flush=True)

    flush = torch.empty(256 << 20, dtype=torch.uint8, device=dev)
    variants = (("torch", False), ("torch fast", True))
    peer_align = args.torch_align or 1
    rows, profiles, failed = [], [], 0
    for T in args.tokens:
        gen.manual_seed(lvt.model_seed(args.seed, NAME, T))
        x = lvt.randn((T, H), gen, torch.bfloat16, dev)
        logits = lvt.randn((T, E), gen, torch.float32, dev)
        out = torch.full((T, H), float("nan"), dtype=torch.bfloat16, device=dev)
        tensors = [None] * len(spec.args)
        for n, t in (("x", x), ("logits", logits), ("bias", bias), ("w13", w13), ("w2", w2),
                     ("w13_scale", w13_s), ("w2_scale", w2_s), ("out", out)):
            tensors[idx[n]] = t
        ids, w, near_tie = lvt.route(logits, bias, CFG, args.tie_tol)
        ids = ids.to(torch.int64)
        R = ids.numel()
        selected = torch.unique(ids).numel()
        flops = 2 * R * (2 * I * H + H * I)
        scale_count = (2 * I // G) * (H // G) + (H // G) * (I // G)  # per expert
        bytes_moved = selected * (3 * H * I + 4 * scale_count) + 2 * 2 * T * H
        floor_us = max(bytes_moved / bandwidth, flops / rate8 if rate8 else 0.0) * 1e6
        row = dict(T=T, R=R, experts=selected, floor=floor_us, flops=flops,
                   excluded=int(near_tie.sum().item()), notes=[])
        rows.append(row)

        # --- ours: one call on poisoned outs, checked before it is timed
        try:
            out.fill_(float("nan"))
            art.call(FUNCTION, *tensors)
        except MoeArtifactError as e:
            row.update(ok=False, notes=[f"runtime error: {e}"])
            failed += 1
            print(f"FAIL {NAME} T={T}: {e}\nstopping: the runtime's sticky error turns every "
                  "later call into a no-op", flush=True)
            break
        checked = out.clone()
        ref = fp8_reference(x, ids, w, w13, w13_s, w2, w2_s, G)
        rel, max_abs, row_err, nans = lvt.compare(checked, ref, ~near_tie)
        del ref
        reasons = bl.accuracy_reasons(rel, row_err, nans, args.tol, args.row_tol)
        row.update(err=rel, max_abs=max_abs, row_err=row_err, nans=nans)
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        if not reasons:
            ours, why = bl.time_checked_graph(art, FUNCTION, tensors, out, checked, stream,
                                              args.iters, flush)
            if why:
                reasons.append(why)
            else:
                row["ours"] = ours
        ok = not reasons
        failed += not ok
        row["ok"] = ok
        row["notes"] += reasons
        ours_txt = (f"ours {row['ours']:.1f} us ({flops / row['ours'] / 1e6:.0f} TFLOP/s)"
                    if "ours" in row else "ours not timed")
        print(f"{'PASS' if ok else 'FAIL'} {NAME} T={T} rows={R}: {ours_txt}, floor "
              f"{floor_us:.1f} us ({selected} experts), rel err {rel:.2e}, worst token "
              f"{row_err:.2e}, excluded {row['excluded']}"
              + (f"; {'; '.join(reasons)}" if reasons else ""), flush=True)

        # --- the torch path on the reference routing
        if peer_why is None:
            torch_out = torch.full((T, H), float("nan"), dtype=torch.bfloat16, device=dev)
            peer_ref = fp8_reference(x, ids, w, *peer_w, None, torch_path=True)
            for key, fast in variants:
                try:
                    aligns = [peer_align] if (args.torch_align or peer_align > 1) \
                        else [1, 16]
                    for align in aligns:
                        fn = torch_fp8_experts(x, ids, w, *peer_w, torch_out, fast, align)
                        torch_out.fill_(float("nan"))
                        stream.wait_stream(torch.cuda.current_stream())
                        with torch.cuda.stream(stream):
                            fn()
                        stream.synchronize()
                        perr = lvt.compare(torch_out, peer_ref, None)
                        peer_ok = perr[3] == 0 and perr[0] <= args.torch_tol
                        if peer_ok:
                            break
                        print(f"{key} T={T} groups aligned to {align}: rel err {perr[0]:.2e}, "
                              f"{perr[3]} non-finite", flush=True)
                    row[key + " err"] = perr[0]
                    if not peer_ok:
                        row["notes"].append(f"{key}: wrong (rel err {perr[0]:.2e} vs its "
                                            f"reference, {perr[3]} non-finite), not timed")
                        continue
                    peer_align = align
                    graph = bl.graph_of(fn, stream)
                    torch_out.fill_(float("nan"))
                    row[key] = bl.replay_us(graph, args.iters, flush)
                    del graph
                    if align > 1:
                        row["notes"].append(f"{key}: groups padded to {align} rows")
                except Exception as e:  # noqa: BLE001 - torch rejects: a skipped row
                    why = f"skipped: {first_line(e)}"
                    row["notes"].append(f"{key}: {why}")
                    print(f"{key} T={T}: {why}", flush=True)
                    try:
                        torch.cuda.synchronize()
                    except Exception as e2:  # noqa: BLE001
                        peer_why = f"skipped: CUDA error after the torch path: {first_line(e2)}"
                        break
            del peer_ref, torch_out
            torch_txt = ", ".join(f"{key} {row[key]:.1f} us (rel err {row[key + ' err']:.2e})"
                                  for key, _ in variants if key in row)
            print(f"  {NAME} T={T}: {torch_txt or 'torch path not timed'}", flush=True)
        else:
            row["notes"].append(f"torch: {peer_why}")

        if args.profile and row.get("ok"):
            run = art.entry(FUNCTION, *tensors)
            profiles.append((T, bl.kernel_profile(run, args.iters, flush, FUNCTION)))
        del x, logits, out, checked, tensors, ids, w, near_tie
        torch.cuda.empty_cache()

    write_report(args, rows, variants, gpu, bandwidth, rate, rate8, rate8_why, bl)
    if profiles:
        write_profile(args.out, profiles, gpu)
    return 1 if failed else 0


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def write_report(args, rows, variants, gpu, bandwidth, rate, rate8, rate8_why, bl):
    """bench-fp8-layer.md (and .png with matplotlib)."""
    fp8_txt = (f"fp8 {rate8 / 1e12:.0f} TFLOP/s ({rate8_why})" if rate8 else
               f"no fp8 rate ({rate8_why}): floor = bytes only")
    lines = [f"device {gpu}; {FUNCTION} (fp8_block, E=256+1 shared, k=8, H=7168, I=2048); "
             f"CUDA graph replays, L2 flushed, median of {args.iters}; copy "
             f"{bandwidth / 1e9:.0f} GB/s, bf16 {rate / 1e12:.0f} TFLOP/s, {fp8_txt} (same "
             "run); torch = torch._scaled_grouped_mm (rowwise fp8) experts on the same "
             "routing, precomputed, use_fast_accum False / True (torch fast); TFLOP/s = 2 * "
             "rows * (4096 * 7168 + 7168 * 2048) / time; floor = max(fp8 weights + scales of "
             "the selected experts + x + out / copy, FLOPs / fp8 rate); rel err = ours vs "
             "the f32 reference (same activation quantization) over the tokens that are not "
             f"routing near-ties; PASS: no NaN, rel err <= {args.tol:g}, worst token <= "
             f"{args.row_tol:g}, graph replays bit-identical to the checked call", "",
             "| T | rows | experts selected | ours us | ours TFLOP/s | torch us | torch fast us "
             "| ours / torch | ours / torch fast | floor us | ours / floor | rel err | worst "
             "token | excluded | result | torch rel err (own ref) | note |",
             "|" + "---|" * 17]
    for r in rows:
        ours = r.get("ours")
        cells = [r["T"], r["R"], r["experts"], fmt(ours, ".1f"),
                 fmt(r["flops"] / ours / 1e6 if ours else None, ".0f")]
        for key, _ in variants:
            cells.append(fmt(r.get(key), ".1f"))
        for key, _ in variants:
            cells.append(fmt(ours / r[key] if ours and r.get(key) else None, ".2f"))
        cells += [fmt(r["floor"], ".1f"), fmt(ours / r["floor"] if ours else None, ".2f"),
                  fmt(r.get("err"), ".2e"), fmt(r.get("row_err"), ".2e"), r["excluded"],
                  "PASS" if r.get("ok") else "FAIL",
                  " / ".join(fmt(r.get(key + " err"), ".2e") for key, _ in variants),
                  "; ".join(r["notes"]).replace("|", "/")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    with open(os.path.join(args.out, "bench-fp8-layer.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench_fp8_layer: no matplotlib, no plot")
        return
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    timed = [r for r in rows if r.get("ours")]
    axes[0].plot([r["T"] for r in timed], [r["ours"] / r["floor"] for r in timed],
                 marker="o", label="ours")
    for (key, _), mark in zip(variants, ("x", "+")):
        rs = [r for r in rows if r.get(key)]
        axes[0].plot([r["T"] for r in rs], [r[key] / r["floor"] for r in rs], marker=mark,
                     ls="--", label=key)
        rs = [r for r in timed if r.get(key)]
        axes[1].plot([r["T"] for r in rs], [r["ours"] / r[key] for r in rs], marker="o",
                     label=f"ours / {key}")
    bl.style_axes(axes, ("time / floor (lower is better)",
                         "ours / torch._scaled_grouped_mm path"), 8)
    axes[1].axhline(1.0, color="k", lw=0.8)
    fig.suptitle(f"DeepSeek-V3 fp8_block layer, {gpu}")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "bench-fp8-layer.png"), dpi=110)


def write_profile(out_dir, profiles, gpu):
    """bench-fp8-kernels.md: the layer's launches in order with their times."""
    lines = [f"device {gpu}; {FUNCTION} called outside a graph after an L2 flush, kernel "
             "device times (torch.profiler), median per launch", ""]
    for T, launches in profiles:
        total = sum(us for _, _, us in launches)
        lines += [f"## T={T}: {len(launches)} launches, {total:.1f} us of kernels", "",
                  "| # | grid | block | us | share |", "|---|---|---|---|---|"]
        for i, (grid, block, us) in enumerate(launches):
            lines.append(f"| {i} | {grid} | {block} | {us:.1f} | "
                         f"{us / total if total else 0:.0%} |")
        lines.append("")
    with open(os.path.join(out_dir, "bench-fp8-kernels.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
