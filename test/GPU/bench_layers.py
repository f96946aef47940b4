#!/usr/bin/env python3
"""The project benchmark: whole fused_moe layers in CUDA graphs with L2
flushed, next to a torch._grouped_mm path and the floors, all measured in
one process on the GPU host.

Per model (qwen3, mixtral, deepseek_v3, kimi_k2: the shapes of
layer_vs_torch.py, whose routing reference and input draws this reuses) and
T (--tokens):
  * ours: the compiled entry point (artifacts from
    utils/build-gpu-artifacts.sh) captured in a CUDA graph on a torch stream
    (moeSetCurrentStream); the replay is timed.
  * torch: the experts through torch._grouped_mm (routing precomputed with
    layer_vs_torch.route, the f32 torch router: argsort by expert, gather,
    grouped_mm, silu * up, grouped_mm, times the routed weight, index_add),
    also captured in a CUDA graph. It excludes the router, which ours
    includes.
  * floor = max(bytes / copy bandwidth, FLOPs / bf16 rate), where the copy
    bandwidth (a 2 GiB device-to-device copy, bytes read + written) and the
    bf16 rate (torch.matmul 8192^3 on random data) are measured first in the
    same process; bytes = the weights of the experts the routing actually
    selects (+ the shared ones) and the activations once; FLOPs = 2 * rows
    * 3 * H * I.
  * the two GEMMs alone (unless --no-gemms): gemm1_<model> (gate+up,
    silu_and_mul) and gemm2_<model> (down, row scale) of the GPU suite's
    gemm artifact on the rows the layer's routing gives each expert, each in
    a CUDA graph, beside torch._grouped_mm with the same epilogue in torch
    (also in a graph); floor = max((weights of the experts with rows + A +
    out) / copy bandwidth, FLOPs / bf16 rate); TFLOP/s = 2 * rows * N * K /
    time.
  * --profile: each layer's kernels in launch order with their device times
    (torch.profiler, calls outside a graph after an L2 flush).
Each replay starts from an idle device after a 256 MiB buffer is zeroed (L2
flushed); the median of --iters replays is reported. Ours is checked against
the torch path first (relative Frobenius error, excluding routing near-ties
is unnecessary here: both use the same ids) so a wrong kernel is not timed.

Output: LOGDIR/bench-layers.md (markdown table) and LOGDIR/bench-layers.png
(time / floor and ours / torch vs T per model); LOGDIR/bench-gemms.md and
bench-gemms.png (TFLOP/s and time / floor vs T per GEMM); with --profile
LOGDIR/bench-kernels.md. LOGDIR = --out, else $OUT.

Usage (GPU host, repository root):
  python3 test/GPU/bench_layers.py --artifacts artifacts --runtime /tmp/rt \\
      --tokens 1 32 256 2048 8192 --out /tmp/logs
"""

import argparse
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from moe_artifact import Artifact, MoeArtifactError, sticky_error  # noqa: E402
from layer_vs_torch import (MODELS, check_moe_config, model_seed, randn,  # noqa: E402
                            route)


def replay_us(graph, iters, flush):
    """Median microseconds of graph replays, each after an L2 flush."""
    graph.replay()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        flush.zero_()
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1e3)
    return statistics.median(times)


def eager_us(run, iters, flush):
    """Median host microseconds of a call outside any graph, on the runtime's
    own stream (the call synchronizes before it returns), each after an L2
    flush: the kernels plus the host path (launches, allocations, tensor
    maps, stream handling)."""
    run()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        flush.zero_()
        torch.cuda.synchronize()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def ceilings(dev):
    """Copy bandwidth (bytes/s, read + written) and bf16 matmul rate (FLOP/s)."""
    src = torch.empty(1 << 30, dtype=torch.int16, device=dev).random_()
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(10):
        dst.copy_(src)
    end.record()
    end.synchronize()
    bandwidth = 10 * 2 * src.numel() * 2 / (start.elapsed_time(end) * 1e-3)
    del src, dst
    n = 8192
    a = torch.randn(n, n, dtype=torch.bfloat16, device=dev)
    b = torch.randn(n, n, dtype=torch.bfloat16, device=dev)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    start.record()
    for _ in range(10):
        a @ b
    end.record()
    end.synchronize()
    rate = 10 * 2 * n ** 3 / (start.elapsed_time(end) * 1e-3)
    return bandwidth, rate


def torch_experts(x, ids, w, w13, w2):
    """The experts of a routed layer through torch._grouped_mm."""
    T, k = ids.shape
    flat = ids.reshape(-1)
    order = torch.argsort(flat, stable=True)
    # scatter_add, not bincount: bincount syncs to size its output, which a
    # CUDA graph capture cannot.
    counts = torch.zeros(w13.shape[0], dtype=torch.int64, device=x.device)
    counts.scatter_add_(0, flat, torch.ones_like(flat))
    offs = torch.cumsum(counts, 0).to(torch.int32)
    rows = x[order // k]
    h = torch._grouped_mm(rows, w13.transpose(1, 2), offs=offs)
    half = h.shape[1] // 2
    a = (F.silu(h[:, :half].float()) * h[:, half:].float()).to(x.dtype)
    y = torch._grouped_mm(a, w2.transpose(1, 2), offs=offs)
    y = (y.float() * w.reshape(-1)[order].unsqueeze(1))
    out = torch.zeros(T, x.shape[1], dtype=torch.float32, device=x.device)
    out.index_add_(0, order // k, y)
    return out.to(x.dtype)


def graph_of(fn, stream, art=None):
    """fn captured in a CUDA graph on `stream` (after one warm-up call);
    `art` routes our runtime's launches to that stream."""
    def capture_ctx():
        return art.on_stream(stream) if art is not None else _null()
    with torch.cuda.stream(stream), capture_ctx():
        fn()
    stream.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, stream=stream), capture_ctx():
        fn()
    return graph


def accuracy_reasons(rel, row_err, nans, tol, row_tol):
    """Why a checked layer output fails its bounds (layer_vs_torch.compare's
    relative error, worst token's and non-finite count): empty if it passes."""
    reasons = []
    if nans:
        reasons.append(f"{nans} non-finite outputs (unwritten poison?)")
    if not rel <= tol:
        reasons.append(f"rel err {rel:.2e} > {tol:g}")
    if not row_err <= row_tol:
        reasons.append(f"worst token rel err {row_err:.2e} > {row_tol:g}")
    return reasons


def time_checked_graph(art, function, tensors, out, checked, stream, iters, flush):
    """Our entry point captured in a CUDA graph on `stream`, `out` poisoned,
    and the median of `iters` replays timed: (us, None); or (None, reason)
    where the runtime reports an error or the replays do not write `checked`
    (the result of a checked call) bit for bit."""
    try:
        run = art.entry(function, *tensors)
        stream.wait_stream(torch.cuda.current_stream())
        graph = graph_of(run, stream, art)
        out.fill_(float("nan"))
        us = replay_us(graph, iters, flush)
        del graph
        err = sticky_error()
        if err:
            return None, f"moe runtime error in {function} (graph): {err}"
        if not torch.equal(out.view(torch.int16), checked.view(torch.int16)):
            diff = (out.view(torch.int16) != checked.view(torch.int16)).sum().item()
            return None, f"the graph replays differ from the checked call in {diff} elements"
        return us, None
    except MoeArtifactError as e:
        return None, str(e)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def expert_rows(ids, num_experts):
    """Expert-contiguous rows of a routing: the offsets [E+1] (i32) and the
    number of experts with rows."""
    counts = torch.bincount(ids.reshape(-1), minlength=num_experts)
    offsets = torch.zeros(num_experts + 1, dtype=torch.int32, device=ids.device)
    offsets[1:] = torch.cumsum(counts, 0).to(torch.int32)
    return offsets, int((counts > 0).sum().item())


def bench_gemms(gemm_art, name, cfg, ids, w13, w2, gen, dev, stream, flush, iters,
                bandwidth, rate):
    """The layer's two expert GEMMs alone (gemm1_<model>: gate+up with
    silu_and_mul; gemm2_<model>: down with the row scale), on the rows the
    layer's routing gives each expert (`ids` [T, k+S] holds the shared
    slots too), in CUDA graphs with L2 flushed, beside torch._grouped_mm +
    the same epilogue in torch, also in graphs. Returns one row per GEMM."""
    T = ids.shape[0]
    offsets, used = expert_rows(ids, cfg["E"] + cfg["S"])
    R = ids.numel()
    offs_end = offsets[1:].contiguous()
    rows = []
    for g, w in ((1, w13), (2, w2)):
        N, K = w.shape[1], w.shape[2]
        n_out = N // 2 if g == 1 else N
        a = randn((R, K), gen, torch.bfloat16, dev)
        out = torch.full((R, n_out), float("nan"), dtype=torch.bfloat16, device=dev)
        wt = w.transpose(1, 2)
        if g == 1:
            args = (a, w, offsets, out)

            def torch_fn():
                y = torch._grouped_mm(a, wt, offs=offs_end)
                return (F.silu(y[:, :n_out].float()) * y[:, n_out:].float()).to(a.dtype)
        else:
            scale = torch.rand((R,), generator=gen, dtype=torch.float32, device=dev)
            args = (a, w, offsets, scale, out)

            def torch_fn():
                y = torch._grouped_mm(a, wt, offs=offs_end)
                return (y.float() * scale[:, None]).to(a.dtype)
        fname = f"gemm{g}_{name}"
        ours = graph_of(gemm_art.entry(fname, *args), stream, gemm_art)
        theirs = graph_of(torch_fn, stream)
        out.fill_(float("nan"))
        ours_us = replay_us(ours, iters, flush)
        torch_us = replay_us(theirs, iters, flush)
        with torch.cuda.stream(stream):
            ref = torch_fn()
        stream.synchronize()
        err = ((out.float() - ref.float()).norm() / ref.float().norm()).item()
        ok = bool(torch.isfinite(out).all().item()) and err < 1e-2 and not sticky_error()
        flops = 2 * R * N * K
        bytes_moved = used * N * K * 2 + R * K * 2 + R * n_out * 2
        floor_us = max(bytes_moved / bandwidth, flops / rate) * 1e6
        rows.append(dict(model=name, T=T, gemm=g, R=R, ours=ours_us, torch=torch_us,
                         floor=floor_us, tflops=flops / ours_us / 1e6,
                         torch_tflops=flops / torch_us / 1e6, err=err, ok=ok))
        print(f"{'PASS' if ok else 'FAIL'} {fname} T={T} R={R}: ours {ours_us:.1f} us "
              f"({flops / ours_us / 1e6:.0f} TFLOP/s), torch {torch_us:.1f} us, "
              f"floor {floor_us:.1f} us, rel err {err:.2e}", flush=True)
        del ours, theirs, a, out, ref
    return rows


def kernel_profile(run, iters, flush, prefix):
    """Per-launch device times of one layer call (our kernels only, in
    launch order): [(grid, block, median us)]. The calls run outside a
    graph under torch.profiler; each starts after an L2 flush."""
    import json
    import tempfile
    from torch.profiler import ProfilerActivity, profile
    run()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(iters):
            flush.zero_()
            torch.cuda.synchronize()
            run()
            torch.cuda.synchronize()
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        prof.export_chrome_trace(f.name)
        trace = json.load(open(f.name))
    kernels = sorted((e for e in trace["traceEvents"]
                      if e.get("cat") == "kernel" and e.get("name", "").startswith(prefix)),
                     key=lambda e: e["ts"])
    if not kernels or len(kernels) % iters:
        return []
    per_call = len(kernels) // iters
    result = []
    for i in range(per_call):
        launches = kernels[i::per_call]
        a = launches[0].get("args", {})
        result.append((tuple(a.get("grid", [])), tuple(a.get("block", [])),
                       statistics.median(e["dur"] for e in launches)))
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"))
    p.add_argument("--runtime", default=None)
    p.add_argument("--models", default="qwen3,mixtral,deepseek_v3,kimi_k2")
    p.add_argument("--tokens", type=int, nargs="+", default=[1, 32, 256, 2048, 8192])
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--out", default=os.environ.get("OUT", "gpu-logs"))
    p.add_argument("--no-gemms", action="store_true",
                   help="skip the two GEMMs alone (gemm.so of the GPU suite)")
    p.add_argument("--profile", action="store_true",
                   help="also list each layer's kernels with their device times")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device("cuda")
    bandwidth, rate = ceilings(dev)
    gpu = torch.cuda.get_device_name()
    print(f"bench_layers: {gpu}; copy {bandwidth / 1e9:.0f} GB/s, "
          f"bf16 matmul {rate / 1e12:.0f} TFLOP/s", flush=True)
    flush = torch.empty(256 << 20, dtype=torch.uint8, device=dev)
    rows, gemm_rows, profiles, failed = [], [], [], 0
    gemm_art = None if args.no_gemms else Artifact(os.path.join(args.artifacts, "gemm"),
                                                    runtime=args.runtime)
    for name in args.models.split(","):
        cfg = MODELS[name]
        art = Artifact(os.path.join(args.artifacts, cfg["artifact"]), runtime=args.runtime)
        spec = art.spec(cfg["function"])
        idx = check_moe_config(spec, cfg)
        E, S, H, I, k = cfg["E"], cfg["S"], cfg["H"], cfg["I"], cfg["k"]
        gen = torch.Generator(device=dev)
        gen.manual_seed(model_seed(args.seed, name, 0))
        w13 = randn((E + S, 2 * I, H), gen, torch.bfloat16, dev, scale=H ** -0.5)
        w2 = randn((E + S, H, I), gen, torch.bfloat16, dev, scale=I ** -0.5)
        bias = randn((E,), gen, torch.float32, dev, scale=0.1) if cfg["bias"] else None
        for T in args.tokens:
            gen.manual_seed(model_seed(args.seed, name, T))
            x = randn((T, H), gen, torch.bfloat16, dev)
            logits = randn((T, E), gen, cfg["logits_dtype"], dev)
            out = torch.full((T, H), float("nan"), dtype=torch.bfloat16, device=dev)
            tensors = [None] * len(spec.args)
            for n, t in (("x", x), ("logits", logits), ("w13", w13), ("w2", w2),
                         ("out", out), ("bias", bias)):
                if n in idx:
                    tensors[idx[n]] = t
            ids, w, _ = route(logits, bias, cfg, 1e-5)
            ids = ids.to(torch.int64)
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            run = art.entry(cfg["function"], *tensors)
            with torch.cuda.stream(stream), art.on_stream(stream):
                run()  # warm-up outside the capture
            stream.synchronize()
            ours_graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(ours_graph, stream=stream), art.on_stream(stream):
                run()
            with torch.cuda.stream(stream):
                ref = torch_experts(x, ids, w, w13, w2)
            stream.synchronize()
            torch_graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(torch_graph, stream=stream):
                torch_out = torch_experts(x, ids, w, w13, w2)
            out.fill_(float("nan"))
            ours_us = replay_us(ours_graph, args.iters, flush)
            torch_us = replay_us(torch_graph, args.iters, flush)
            out_graph = out.clone()
            eager = eager_us(run, args.iters, flush)
            # The eager calls write the same values as the graph replays.
            if not torch.equal(out, out_graph):
                print(f"FAIL {name} T={T}: eager and graph results differ", flush=True)
                failed += 1
            out.copy_(out_graph)
            err = ((out.float() - ref.float()).norm() / ref.float().norm()).item()
            ok = bool(torch.isfinite(out).all().item()) and err < 1e-2 and not sticky_error()
            failed += not ok
            selected = torch.unique(ids).numel()
            bytes_moved = selected * 3 * H * I * 2 + 2 * 2 * T * H
            flops = 2 * ids.numel() * 3 * H * I
            floor_us = max(bytes_moved / bandwidth, flops / rate) * 1e6
            rows.append(dict(model=name, T=T, ours=ours_us, torch=torch_us, floor=floor_us,
                             err=err, ok=ok, experts=selected, eager=eager))
            print(f"{'PASS' if ok else 'FAIL'} {name} T={T}: ours {ours_us:.1f} us "
                  f"(eager {eager:.1f}), "
                  f"torch {torch_us:.1f} us, floor {floor_us:.1f} us "
                  f"({selected} experts), rel err {err:.2e}", flush=True)
            del ours_graph, torch_graph, torch_out, ref
            if args.profile:
                profiles.append((name, T, kernel_profile(run, args.iters, flush,
                                                         cfg["function"])))
            if gemm_art is not None:
                gemm_rows += bench_gemms(gemm_art, name, cfg, ids, w13, w2, gen, dev, stream,
                                         flush, args.iters, bandwidth, rate)
                failed += sum(not r["ok"] for r in gemm_rows[-2:])
        del w13, w2
        torch.cuda.empty_cache()

    lines = [f"device {gpu}; CUDA graph replays, L2 flushed, median of {args.iters}; "
             f"copy {bandwidth / 1e9:.0f} GB/s, bf16 {rate / 1e12:.0f} TFLOP/s (same run); "
             "torch = torch._grouped_mm experts, routing precomputed; eager = host time "
             "of a call outside a graph on the runtime's own stream (synchronous)", "",
             "| model | T | experts selected | ours us | torch us | floor us | ours / floor "
             "| ours / torch | eager us | eager - graph us | rel err vs torch | result |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['T']} | {r['experts']} | {r['ours']:.1f} | "
                     f"{r['torch']:.1f} | {r['floor']:.1f} | {r['ours'] / r['floor']:.2f} | "
                     f"{r['ours'] / r['torch']:.2f} | {r['eager']:.1f} | "
                     f"{r['eager'] - r['ours']:.1f} | {r['err']:.2e} | "
                     f"{'PASS' if r['ok'] else 'FAIL'} |")
    with open(os.path.join(args.out, "bench-layers.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if gemm_rows:
        write_gemm_report(args.out, gemm_rows, gpu, bandwidth, rate, args.iters)
    if profiles:
        write_profile(args.out, profiles, gpu)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        models = sorted({r["model"] for r in rows}, key=args.models.split(",").index)
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        for m in models:
            rs = [r for r in rows if r["model"] == m]
            ts = [r["T"] for r in rs]
            axes[0].plot(ts, [r["ours"] / r["floor"] for r in rs], marker="o", label=f"{m} ours")
            axes[0].plot(ts, [r["torch"] / r["floor"] for r in rs], marker="x", ls="--",
                         label=f"{m} torch")
            axes[1].plot(ts, [r["ours"] / r["torch"] for r in rs], marker="o", label=m)
        style_axes(axes, ("time / floor (lower is better)", "ours / torch._grouped_mm path"), 7)
        axes[1].axhline(1.0, color="k", lw=0.8)
        fig.suptitle(f"fused_moe layers, {gpu}")
        fig.tight_layout()
        fig.savefig(os.path.join(args.out, "bench-layers.png"), dpi=110)
    except ImportError:
        print("bench_layers: no matplotlib, no plot")
    print("\n".join(lines))
    return 1 if failed else 0


def style_axes(axes, titles, legend_size):
    """Log2 token axis, title, grid and legend on each plot of a figure."""
    for ax, title in zip(axes, titles):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("tokens T")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=legend_size)


def write_gemm_report(out_dir, rows, gpu, bandwidth, rate, iters):
    """bench-gemms.md and bench-gemms.png: each GEMM's time, TFLOP/s and
    fraction of its floor vs T, ours and torch._grouped_mm."""
    lines = [f"device {gpu}; the layer's two GEMMs alone on its routing, CUDA graph "
             f"replays, L2 flushed, median of {iters}; copy {bandwidth / 1e9:.0f} GB/s, "
             f"bf16 {rate / 1e12:.0f} TFLOP/s (same run); floor = max(bytes of the experts "
             "with rows + A + out / copy, FLOPs / bf16 rate)", "",
             "| model | GEMM | T | rows | ours us | ours TFLOP/s | torch us | torch TFLOP/s "
             "| floor us | ours / floor | ours / torch | rel err | result |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | gemm{r['gemm']} | {r['T']} | {r['R']} | "
                     f"{r['ours']:.1f} | {r['tflops']:.0f} | {r['torch']:.1f} | "
                     f"{r['torch_tflops']:.0f} | {r['floor']:.1f} | "
                     f"{r['ours'] / r['floor']:.2f} | {r['ours'] / r['torch']:.2f} | "
                     f"{r['err']:.2e} | {'PASS' if r['ok'] else 'FAIL'} |")
    with open(os.path.join(out_dir, "bench-gemms.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    keys = []
    for r in rows:
        if (r["model"], r["gemm"]) not in keys:
            keys.append((r["model"], r["gemm"]))
    for m, g in keys:
        rs = [r for r in rows if r["model"] == m and r["gemm"] == g]
        ts = [r["T"] for r in rs]
        line, = axes[0].plot(ts, [r["tflops"] for r in rs], marker="o",
                             label=f"{m} gemm{g} ours")
        axes[0].plot(ts, [r["torch_tflops"] for r in rs], marker="x", ls="--",
                     color=line.get_color(), label=f"{m} gemm{g} torch")
        axes[1].plot(ts, [r["ours"] / r["floor"] for r in rs], marker="o",
                     color=line.get_color(), label=f"{m} gemm{g}")
    axes[0].axhline(rate / 1e12, color="k", lw=0.8, ls=":")
    style_axes(axes, ("TFLOP/s (dotted: cuBLAS bf16 rate)", "time / floor (lower is better)"), 6)
    fig.suptitle(f"expert GEMMs, {gpu}")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "bench-gemms.png"), dpi=110)


def write_profile(out_dir, profiles, gpu):
    """bench-kernels.md: each layer's launches in order with their times."""
    lines = [f"device {gpu}; each layer called outside a graph after an L2 flush, "
             "kernel device times (torch.profiler), median per launch", ""]
    for name, T, launches in profiles:
        total = sum(us for _, _, us in launches)
        lines += [f"## {name} T={T}: {len(launches)} launches, {total:.1f} us of kernels", "",
                  "| # | grid | block | us | share |", "|---|---|---|---|---|"]
        for i, (grid, block, us) in enumerate(launches):
            lines.append(f"| {i} | {grid} | {block} | {us:.1f} | {us / total:.0%} |")
        lines.append("")
    with open(os.path.join(out_dir, "bench-kernels.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
