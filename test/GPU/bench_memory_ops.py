#!/usr/bin/env python3
"""The memory-bound ops at the copy rate (issue 10, item 5): permute,
combine, rms_norm (every variant of the GPU suite) and silu_and_mul, each
captured alone in a CUDA graph with L2 flushed, beside the copy bandwidth
measured in the same process.

For each op of the GPU suite's artifacts (permutation.so,
norm-and-activation.so; utils/build-gpu-artifacts.sh) at every model shape
and T (--tokens, default 8192):
  bytes = what the op must read and write at least (compulsory traffic):
    permute       x [T,H] once, ids and weights [T,k]; rows [T*k,H],
                  src_index and row_weights [T*k], offsets [E+1]
    combine       y [T*k,H], src_index [T*k], weights [T,k]; out [T,H]
    silu_and_mul  x [T,2N]; out [T,N]
    rms_norm      x [T,H], weight, residual and type ids where present;
                  out [T,H] and residual_out where present
  fraction = bytes / time / copy bandwidth, where the copy bandwidth is
  that of a 2 GiB device-to-device copy (bytes read + written), as in
  bench_layers.py. The issue asks >= 0.85 at T = 8192.
Inputs are random (ids uniform over the experts; src_index the stable sort
of the flat ids, a real permutation) and outputs poisoned with NaN; after
the timing each output is checked to be finite, so a kernel that writes
nothing or garbage is not reported as fast. Correctness against the
reference is the GPU suite's job (run-gpu-suite.sh).

Output: LOGDIR/bench-memory-ops.md. Usage (GPU host, repository root):
  python3 test/GPU/bench_memory_ops.py --artifacts artifacts \\
      --runtime /tmp/moe-rt-build --out /tmp/logs
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))
sys.path.insert(0, HERE)

import torch  # noqa: E402

from moe_artifact import Artifact, sticky_error  # noqa: E402
from bench_layers import ceilings, graph_of, replay_us  # noqa: E402

# (experts E incl. shared, hidden H, k slots per token, intermediate N)
SHAPES = {
    "mixtral": (8, 4096, 2, 14336),
    "qwen3": (128, 2048, 8, 768),
    "deepseek_v3": (257, 7168, 9, 2048),
    "kimi_k2": (385, 7168, 9, 2048),
}


def bf16(shape, dev):
    return torch.randn(shape, device=dev).to(torch.bfloat16)


def nan_like(shape, dtype, dev):
    if dtype.is_floating_point:
        return torch.full(shape, float("nan"), dtype=dtype, device=dev)
    return torch.full(shape, -7, dtype=dtype, device=dev)


def routing(T, E, k, dev):
    ids = torch.randint(0, E, (T, k), dtype=torch.int32, device=dev)
    weights = torch.rand((T, k), dtype=torch.float32, device=dev)
    src = torch.argsort(ids.reshape(-1).to(torch.int64), stable=True).to(torch.int32)
    return ids, weights, src


def cases(model, T, dev):
    """(artifact, function, tensors, outputs, bytes) of each op at model, T."""
    E, H, k, N = SHAPES[model]
    ids, weights, src = routing(T, E, k, dev)
    x = bf16((T, H), dev)
    rows = nan_like((T * k, H), torch.bfloat16, dev)
    src_out = nan_like((T * k,), torch.int32, dev)
    offsets = nan_like((E + 1,), torch.int32, dev)
    row_w = nan_like((T * k,), torch.float32, dev)
    yield ("permutation", f"permute_{model}", [x, ids, weights, rows, src_out, offsets, row_w],
           [rows, row_w],
           T * H * 2 + T * k * 8 + T * k * H * 2 + T * k * 8 + (E + 1) * 4)
    y = bf16((T * k, H), dev)
    out = nan_like((T, H), torch.bfloat16, dev)
    yield ("permutation", f"combine_{model}", [y, src, weights, out], [out],
           T * k * H * 2 + T * k * 8 + T * H * 2)
    act = bf16((T, 2 * N), dev)
    act_out = nan_like((T, N), torch.bfloat16, dev)
    yield ("norm-and-activation", f"silu_and_mul_{model}", [act, act_out], [act_out],
           T * 2 * N * 2 + T * N * 2)


def norm_cases(T, dev):
    H = 7168
    x, w = bf16((T, H), dev), bf16((H,), dev)
    out = nan_like((T, H), torch.bfloat16, dev)
    yield ("norm-and-activation", "rms_norm_deepseek_v3", [x, w, out], [out],
           2 * T * H * 2 + H * 2)
    H = 3584
    x, w = bf16((T, H), dev), bf16((2, H), dev)
    types = torch.randint(0, 2, (T,), dtype=torch.int32, device=dev)
    res = bf16((T, H), dev)
    out = nan_like((T, H), torch.bfloat16, dev)
    res_out = nan_like((T, H), torch.bfloat16, dev)
    yield ("norm-and-activation", "rms_norm_bagel_mot", [x, w, types, res, out, res_out],
           [out, res_out], 4 * T * H * 2 + 2 * H * 2 + T * 4)
    H = 4097
    x, w = torch.randn((T, H), device=dev), torch.randn((H,), device=dev)
    res = torch.randn((T, H), device=dev)
    out = nan_like((T, H), torch.float32, dev)
    res_out = nan_like((T, H), torch.float32, dev)
    yield ("norm-and-activation", "rms_norm_odd_f32", [x, w, res, out, res_out],
           [out, res_out], 4 * T * H * 4 + H * 4)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"))
    p.add_argument("--runtime", default=None)
    p.add_argument("--models", default="qwen3,mixtral,deepseek_v3,kimi_k2")
    p.add_argument("--tokens", type=int, nargs="+", default=[8192])
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--out", default=os.environ.get("OUT", "gpu-logs"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device("cuda")
    torch.manual_seed(1234)
    bandwidth, _ = ceilings(dev)
    gpu = torch.cuda.get_device_name()
    flush = torch.empty(256 << 20, dtype=torch.uint8, device=dev)
    arts = {}
    rows, failed = [], 0
    for T in args.tokens:
        all_cases = [c for m in args.models.split(",") for c in cases(m, T, dev)]
        all_cases += list(norm_cases(T, dev))
        for artifact, function, tensors, outputs, nbytes in all_cases:
            if artifact not in arts:
                arts[artifact] = Artifact(os.path.join(args.artifacts, artifact),
                                          runtime=args.runtime)
            art = arts[artifact]
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            graph = graph_of(art.entry(function, *tensors), stream, art)
            us = replay_us(graph, args.iters, flush)
            ok = not sticky_error() and all(bool(torch.isfinite(o).all()) for o in outputs)
            failed += not ok
            fraction = nbytes / (us * 1e-6) / bandwidth
            rows.append((function, T, nbytes, us, fraction, ok))
            print(f"{'PASS' if ok else 'FAIL'} {function} T={T}: {us:.1f} us, "
                  f"{nbytes / 1e6:.1f} MB, {fraction:.2f} of copy", flush=True)
            del graph
    lines = [f"device {gpu}; each op alone in a CUDA graph, L2 flushed, median of "
             f"{args.iters}; copy {bandwidth / 1e9:.0f} GB/s (read + written, same run); "
             "bytes = compulsory traffic (test/GPU/bench_memory_ops.py)", "",
             "| op | T | MB | us | GB/s | fraction of copy | outputs finite |",
             "|---|---|---|---|---|---|---|"]
    for function, T, nbytes, us, fraction, ok in rows:
        lines.append(f"| {function} | {T} | {nbytes / 1e6:.1f} | {us:.1f} | "
                     f"{nbytes / us / 1e3:.0f} | {fraction:.2f} | {'yes' if ok else 'NO'} |")
    with open(os.path.join(args.out, "bench-memory-ops.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
