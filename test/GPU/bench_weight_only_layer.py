#!/usr/bin/env python3
"""Qwen3-30B-A3B's weight-only quantized layers (examples/quantized/
qwen3-30b-a3b-int4.mlir in both forms and qwen3-30b-a3b-int8.mlir) checked
against an independent torch computation and timed whole in a CUDA graph
with L2 flushed, next to the floor of their packed bytes and a bf16 torch
path on the dequantized weights (issue 11).

Layers (--layers, default all three): E = 128 experts, k = 8, H = 2048,
I = 768, softmax routing, renormalized;
  * awq:  qwen3_int4_awq_moe, quant = w4a16_zp, groups of 128 along K:
          w13 [128, 1536, 1024] i8 (two int4 a byte, element 2j in the low
          nibble), bf16 scales and i8 zero points [E, N, K / 128];
  * gptq: qwen3_int4_gptq_moe, quant = w4a16 (zero point 8), bf16 scales;
  * int8: qwen3_int8_moe, quant = w8a16, i8 w13 [128, 1536, 2048], bf16
          scales per output row [E, N].

Per layer and T (--tokens):
  * inputs: fresh random draws on the GPU (torch.Generator seeded from
    --seed, the layer and T, as bench_layers.py): x N(0,1) bf16 [T, 2048],
    logits N(0,1) bf16 [T, 128]; once per layer the weights, expert by
    expert: N(0,1)/sqrt(K) in bf16, quantized per group of 128 along K
    (awq: scale = (max(hi, 0) - min(lo, 0)) / 15 rounded to bf16, zero =
    round(-lo / scale) in [0, 15]; gptq: scale = amax / 7 rounded to bf16,
    zero 8; q = round(w / scale) + zero clamped to [0, 15]) or per row
    (int8: scale = amax / 127, q = round(w / scale) in [-127, 127]). The
    out is filled with NaN before our call.
  * check: ours (one call outside a graph) against layer_vs_torch's f32
    moe_reference on the dequantized weights, each (q - zero) * scale in f32
    rounded once to bf16 (docs/Semantics.md, "Weight dequantization": what
    the device computes), with the routing of layer_vs_torch.route. PASS iff
    no NaN, relative Frobenius error <= --tol (1e-2) and worst token's <=
    --row-tol (5e-2) over the tokens that are not routing near-ties. A wrong
    result is not timed; the graph replays must write what the checked call
    wrote, bit for bit.
  * ours: the entry point captured in a CUDA graph on a torch stream;
    median of --iters replays, each after a 256 MiB buffer is zeroed.
  * torch: bench_layers.torch_experts (torch._grouped_mm) on the dequantized
    bf16 weights, in a CUDA graph: what a server without int4 kernels runs
    (it reads 4x, int8 2x, the bytes); torch has no int4 grouped GEMM.
  * floor = bytes / copy bandwidth (bench_layers.ceilings, same run): the
    packed weights, scales and zero points of the experts the routing
    selects, x read and out written.

Output: OUT/bench-weight-only.md (--out, else $OUT). Exit status 1 if a
layer is wrong or fails, 2 if the setup is unusable.

Usage (GPU host; artifacts from utils/build-gpu-artifacts.sh):
  python3 test/GPU/bench_weight_only_layer.py --artifacts A \\
      --runtime /tmp/moe-rt-build --tokens 1 32 256 2048 --out $OUT/wo-bench
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))
sys.path.insert(0, HERE)

torch = None  # imported in main(), so that --help works without torch

E, K_TOP, H, I, G = 128, 8, 2048, 768, 128
# name: (artifact, function, quant, bits, zero points)
LAYERS = {
    "awq": ("qwen3-30b-a3b-int4", "qwen3_int4_awq_moe", "w4a16_zp", 4, True),
    "gptq": ("qwen3-30b-a3b-int4", "qwen3_int4_gptq_moe", "w4a16", 4, False),
    "int8": ("qwen3-30b-a3b-int8", "qwen3_int8_moe", "w8a16", 8, False),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"))
    p.add_argument("--runtime", default=None,
                   help="libMoeRuntime.so, or a build folder / install prefix holding it")
    p.add_argument("--layers", default="awq,gptq,int8",
                   help="comma-separated subset of " + ",".join(LAYERS))
    p.add_argument("--tokens", nargs="+", default=["1,32,256,2048"],
                   help="token counts, comma- or space-separated")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--tol", type=float, default=1e-2)
    p.add_argument("--row-tol", type=float, default=5e-2)
    p.add_argument("--tie-tol", type=float, default=1e-5)
    p.add_argument("--no-torch", action="store_true", help="skip the bf16 torch path")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    args.tokens = [int(t) for arg in args.tokens for t in arg.split(",") if t]
    args.layers = [n for n in args.layers.split(",") if n]
    if not args.tokens or any(t < 1 for t in args.tokens):
        p.error("--tokens takes positive token counts")
    unknown = [n for n in args.layers if n not in LAYERS]
    if unknown or not args.layers:
        p.error(f"--layers: unknown {unknown}; choose from {','.join(LAYERS)}")
    if args.iters < 1:
        p.error("--iters must be >= 1")
    args.out = args.out or os.environ.get("OUT") or "gpu-logs"
    return args


# ---------------------------------------------------------------------------
# Quantization (docs/Semantics.md, "Quantized experts")
# ---------------------------------------------------------------------------


def quantize_int4(w, zero_points):
    """w [N, K] bf16 -> (packed [N, K/2] i8, scale [N, K/G] bf16, zero
    [N, K/G] i8 or None)."""
    n, k = w.shape
    g = w.float().reshape(n, k // G, G)
    if zero_points:
        lo = g.amin(-1).clamp(max=0.0)
        hi = g.amax(-1).clamp(min=0.0)
        scale = ((hi - lo) / 15).clamp_min(1e-8).to(torch.bfloat16)
        zero = torch.round(-lo / scale.float()).clamp(0, 15)
    else:
        scale = (g.abs().amax(-1) / 7).clamp_min(1e-8).to(torch.bfloat16)
        zero = torch.full_like(scale, 8, dtype=torch.float32)
    q = (torch.round(g / scale.float()[..., None]) + zero[..., None]).clamp(0, 15)
    q = q.to(torch.uint8).reshape(n, k)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).view(torch.int8)
    return packed, scale, (zero.to(torch.int8) if zero_points else None)


def dequantize_int4(packed, scale, zero):
    """bf16 [N, K]: (q - zero) * scale in f32, rounded once to bf16."""
    u = packed.view(torch.uint8)
    n = u.shape[0]
    q = torch.stack((u & 15, u >> 4), dim=-1).reshape(n, -1).float()
    z = zero.float() if zero is not None else torch.full_like(scale, 8, dtype=torch.float32)
    return ((q - z.repeat_interleave(G, -1)) * scale.float().repeat_interleave(G, -1)) \
        .to(torch.bfloat16)


def quantize_int8(w):
    """w [N, K] bf16 -> (q [N, K] i8, scale [N] bf16)."""
    wf = w.float()
    scale = (wf.abs().amax(-1) / 127).clamp_min(1e-8).to(torch.bfloat16)
    q = torch.round(wf / scale.float()[:, None]).clamp(-127, 127).to(torch.int8)
    return q, scale


def dequantize_int8(q, scale):
    return (q.float() * scale.float()[:, None]).to(torch.bfloat16)


def draw_weights(layer, gen, dev, lvt):
    """The layer's quantized weights (a dict of manifest operand name ->
    tensor) and their dequantized bf16 copies (w13, w2)."""
    _, _, _, bits, zero_points = LAYERS[layer]
    ops, deq = {}, {}
    for name, (n, k) in (("w13", (2 * I, H)), ("w2", (H, I))):
        packed_k = k // 2 if bits == 4 else k
        ops[name] = torch.empty((E, n, packed_k), dtype=torch.int8, device=dev)
        scale_shape = (E, n, k // G) if bits == 4 else (E, n)
        ops[name + "_scale"] = torch.empty(scale_shape, dtype=torch.bfloat16, device=dev)
        if zero_points:
            ops[name + "_zero"] = torch.empty((E, n, k // G), dtype=torch.int8, device=dev)
        deq[name] = torch.empty((E, n, k), dtype=torch.bfloat16, device=dev)
        for e in range(E):
            wb = lvt.randn((n, k), gen, torch.bfloat16, dev, scale=k ** -0.5)
            if bits == 4:
                q, s, z = quantize_int4(wb, zero_points)
                if z is not None:
                    ops[name + "_zero"][e].copy_(z)
                deq[name][e].copy_(dequantize_int4(q, s, z))
            else:
                q, s = quantize_int8(wb)
                deq[name][e].copy_(dequantize_int8(q, s))
            ops[name][e].copy_(q)
            ops[name + "_scale"][e].copy_(s)
    return ops, deq


def layer_operands(spec, layer, lvt):
    """Argument index of each operand from the manifest's fused_moe record;
    raises lvt.ConfigError where the layer's attributes, shapes or element
    types disagree with LAYERS (layer_vs_torch.check_moe_config's checks,
    with the packed weight shapes)."""
    _, _, quant, bits, zero_points = LAYERS[layer]
    f = lvt.op_record(spec, "fused_moe")
    want = dict(k=str(K_TOP), scoring="softmax", renormalize="true", activation="silu",
                num_shared_experts="0", quant=quant)
    if bits == 4:
        want["group_size"] = str(G)
    for key, value in want.items():
        if f.get(key, "0" if key == "num_shared_experts" else None) != value:
            raise lvt.ConfigError(f"{spec.name}: fused_moe {key}={f.get(key)}, "
                                  f"expected {value}")
    names = ["x", "logits", "w13", "w2", "out", "w13_scale", "w2_scale"]
    if zero_points:
        names += ["w13_zero", "w2_zero"]
    idx = {n: lvt.operand(f, n, spec) for n in names}
    pack = 2 if bits == 4 else 1
    shapes = {"x": (None, H), "logits": (None, E), "out": (None, H),
              "w13": (E, 2 * I, H // pack), "w2": (E, H, I // pack)}
    dtypes = {"x": "bf16", "logits": "bf16", "out": "bf16", "w13": "i8", "w2": "i8"}
    for n, (rows, k) in (("w13", (2 * I, H)), ("w2", (H, I))):
        shapes[n + "_scale"] = (E, rows, k // G) if bits == 4 else (E, rows)
        dtypes[n + "_scale"] = "bf16"
        if zero_points:
            shapes[n + "_zero"] = (E, rows, k // G)
            dtypes[n + "_zero"] = "i8"
    lvt.check_shapes(spec, idx, shapes)
    for n, i in idx.items():
        if spec.args[i].dtype != dtypes[n]:
            raise lvt.ConfigError(f"{spec.name}: {n} is {spec.args[i]}, expected "
                                  f"element type {dtypes[n]}")
    if sorted(idx.values()) != list(range(len(spec.args))):
        raise lvt.ConfigError(f"{spec.name}: operands {idx} do not cover the "
                              f"{len(spec.args)} arguments once each")
    return idx


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main():
    global torch
    args = parse_args()
    import torch as _torch
    torch = _torch
    import bench_layers as bl
    import layer_vs_torch as lvt
    from moe_artifact import Artifact, MoeArtifactError

    os.makedirs(args.out, exist_ok=True)
    if not torch.cuda.is_available():
        print("bench_weight_only_layer: no CUDA device visible to torch")
        return 2
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    gpu = torch.cuda.get_device_name()
    bandwidth, _ = bl.ceilings(dev)
    print(f"bench_weight_only_layer: {gpu}, copy {bandwidth / 1e9:.0f} GB/s, torch "
          f"{torch.__version__}", flush=True)
    cfg = lvt.MODELS["qwen3"]
    flush = torch.empty(256 << 20, dtype=torch.uint8, device=dev)
    rows, failed = [], 0
    for layer in args.layers:
        artifact, function, quant, bits, zero_points = LAYERS[layer]
        prefix = os.path.join(args.artifacts, artifact)
        try:
            art = Artifact(prefix, runtime=args.runtime)
            spec = art.spec(function)
            idx = layer_operands(spec, layer, lvt)
        except lvt.ConfigError as e:
            print(f"bench_weight_only_layer: {e}")
            return 2
        except MoeArtifactError as e:
            print(f"FAIL: loading {prefix}: {e}")
            return 1
        gen = torch.Generator(device=dev)
        gen.manual_seed(lvt.model_seed(args.seed, layer, 0))
        ops, deq = draw_weights(layer, gen, dev, lvt)
        torch.cuda.synchronize()
        # Bytes of one expert: packed weights, scales (bf16), zero points (i8).
        expert_bytes = sum(t[0].numel() * t.element_size() for t in ops.values())
        for T in args.tokens:
            gen.manual_seed(lvt.model_seed(args.seed, layer, T))
            x = lvt.randn((T, H), gen, torch.bfloat16, dev)
            logits = lvt.randn((T, E), gen, cfg["logits_dtype"], dev)
            out = torch.full((T, H), float("nan"), dtype=torch.bfloat16, device=dev)
            tensors = [None] * len(spec.args)
            for n, t in dict(ops, x=x, logits=logits, out=out).items():
                tensors[idx[n]] = t
            ids, w, near_tie = lvt.route(logits, None, cfg, args.tie_tol)
            ids = ids.to(torch.int64)
            selected = torch.unique(ids).numel()
            floor_us = (selected * expert_bytes + 2 * 2 * T * H) / bandwidth * 1e6
            row = dict(layer=layer, quant=quant, T=T, experts=selected, floor=floor_us,
                       notes=[])
            rows.append(row)
            try:
                art.call(function, *tensors)
            except MoeArtifactError as e:
                row.update(ok=False, notes=[f"runtime error: {e}"])
                print(f"FAIL {layer} T={T}: {e}\nstopping: the runtime's sticky error "
                      "turns every later call into a no-op", flush=True)
                write_report(args.out, rows, gpu, bandwidth, args.iters)
                return 1
            checked = out.clone()
            ref = lvt.moe_reference(x, ids, w, deq["w13"], deq["w2"])
            rel, _, row_err, nans = lvt.compare(checked, ref, ~near_tie)
            del ref
            reasons = bl.accuracy_reasons(rel, row_err, nans, args.tol, args.row_tol)
            row.update(err=rel, row_err=row_err)
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            if not reasons:
                ours, why = bl.time_checked_graph(art, function, tensors, out, checked,
                                                  stream, args.iters, flush)
                if why:
                    reasons.append(why)
                else:
                    row["ours"] = ours
            if not args.no_torch:
                graph = bl.graph_of(
                    lambda: bl.torch_experts(x, ids, w, deq["w13"], deq["w2"]), stream)
                row["torch"] = bl.replay_us(graph, args.iters, flush)
                del graph
            row["ok"] = not reasons
            row["notes"] += reasons
            failed += bool(reasons)
            ours = f"{row['ours']:.1f} us" if "ours" in row else "not timed"
            theirs = f", torch bf16 {row['torch']:.1f} us" if "torch" in row else ""
            print(f"{'PASS' if row['ok'] else 'FAIL'} {layer} T={T}: ours {ours}{theirs}, "
                  f"floor {floor_us:.1f} us ({selected} experts), rel err {rel:.2e}"
                  + (f"; {'; '.join(reasons)}" if reasons else ""), flush=True)
            del x, logits, out, checked, tensors, ids, w, near_tie
        del ops, deq
        torch.cuda.empty_cache()
    write_report(args.out, rows, gpu, bandwidth, args.iters)
    return 1 if failed else 0


def write_report(out_dir, rows, gpu, bandwidth, iters):
    lines = [f"device {gpu}; CUDA graph replays, L2 flushed, median of {iters}; copy "
             f"{bandwidth / 1e9:.0f} GB/s (same run); floor = packed weights, scales and "
             "zero points of the selected experts + x + out at the copy rate; torch = "
             "torch._grouped_mm on the dequantized bf16 weights",
             "",
             "| layer | quant | T | experts | ours us | floor us | ours / floor | torch bf16 us "
             "| ours / torch | rel err | result |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    def num(value, fmt):
        return format(value, fmt) if value else "-"

    for r in rows:
        ours, theirs = r.get("ours"), r.get("torch")
        head = f"| {r['layer']} | {r['quant']} | {r['T']} | {r['experts']} |"
        if "err" not in r:
            lines.append(f"{head} - | {r['floor']:.1f} | - | - | - | - | FAIL: "
                         f"{'; '.join(r['notes'])} |")
            continue
        ratio_floor = ours / r["floor"] if ours else None
        ratio_torch = ours / theirs if ours and theirs else None
        lines.append(f"{head} {num(ours, '.1f')} | {r['floor']:.1f} | "
                     f"{num(ratio_floor, '.2f')} | {num(theirs, '.1f')} | "
                     f"{num(ratio_torch, '.2f')} | {r['err']:.2e} | "
                     f"{'PASS' if r.get('ok') else 'FAIL'} |")
    path = os.path.join(out_dir, "bench-weight-only.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"bench_weight_only_layer: wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
