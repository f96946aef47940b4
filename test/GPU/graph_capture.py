#!/usr/bin/env python3
"""A whole fused_moe layer captured in a CUDA graph (issue 4: "all on the
GPU with no host synchronization in between (CUDA-graph capturable)").

Loads a compiled layer (default artifacts/qwen3-30b-a3b: gate, permute, two
tiled grouped GEMMs, combine and their temporaries in one entry point), fills
its inputs with fresh random data, and
  1. runs it eagerly on its own stream (the reference output),
  2. runs it on a torch stream through the runtime's caller-stream mode
     (moeSetCurrentStream), which must give the same bits,
  3. captures that call into a torch.cuda.CUDAGraph, poisons the output
     with NaN, replays the graph twice and checks the bits again,
  4. times eager calls against graph replays (median of N, events).
Exit status 0 when every check holds. Usage (GPU host, runtime built as in
test/GPU/run-gemm-suite.sh):
  python3 test/GPU/graph_capture.py [--artifact artifacts/qwen3-30b-a3b]
      [--function qwen3_moe] [--tokens 1 32 256] [--runtime /tmp/moe-rt-build]
"""

import argparse
import os
import statistics
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))

import torch  # noqa: E402
from moe_artifact import Artifact, MoeArtifactError, sticky_error  # noqa: E402


def make_args(spec, tokens, gen):
    """Tensors for every argument: dynamic dims are the token count; floats
    are N(0, 1) scaled by 1/sqrt(last dim) for 3-d weights; outs poisoned."""
    out_idx = set(spec.out_args)
    tensors = []
    for arg in spec.args:
        shape = [tokens if d is None else d for d in arg.shape]
        dtype = getattr(torch, {"bf16": "bfloat16", "f16": "float16",
                                "f32": "float32", "i32": "int32"}[arg.dtype])
        if arg.index in out_idx:
            t = torch.full(shape, float("nan"), dtype=dtype, device="cuda")
        elif dtype == torch.int32:
            raise SystemExit(f"{spec.name}: integer input {arg.index} not supported here")
        else:
            t = torch.randn(shape, generator=gen, device="cuda", dtype=torch.float32)
            if len(shape) == 3:
                t /= shape[2] ** 0.5
            t = t.to(dtype)
        tensors.append(t)
    return tensors, sorted(out_idx)


def median_us(fn, iters):
    times = []
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1000.0)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--artifact", default=os.path.join(REPO, "artifacts", "qwen3-30b-a3b"))
    p.add_argument("--function", default="qwen3_moe")
    p.add_argument("--tokens", type=int, nargs="+", default=[1, 32, 256])
    p.add_argument("--runtime", default=None)
    p.add_argument("--iters", type=int, default=20)
    opts = p.parse_args()

    try:
        art = Artifact(opts.artifact, runtime=opts.runtime)
    except MoeArtifactError as e:
        sys.exit(f"graph_capture: {e}")
    spec = art.spec(opts.function)
    gen = torch.Generator(device="cuda")
    gen.manual_seed(torch.seed() % (2**63))
    failures = 0
    print(f"graph_capture: {opts.function} on {torch.cuda.get_device_name()}")
    print("| T | eager = caller stream | graph replay = eager | eager us | replay us |")
    print("|---|---|---|---|---|")
    for tokens in opts.tokens:
        tensors, outs = make_args(spec, tokens, gen)
        art.call(opts.function, *tensors)  # eager, own stream, synchronized
        reference = [tensors[i].clone() for i in outs]
        ok_ref = all(torch.isfinite(r.float()).all().item() for r in reference)

        stream = torch.cuda.Stream()
        run = art.entry(opts.function, *tensors)
        torch.cuda.synchronize()
        for i in outs:
            tensors[i].fill_(float("nan"))
        with torch.cuda.stream(stream), art.on_stream(stream):
            run()
        stream.synchronize()
        same_stream = all(torch.equal(tensors[i], r) for i, r in zip(outs, reference))

        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, stream=stream), art.on_stream(stream):
            run()
        same_graph = True
        for _ in range(2):
            for i in outs:
                tensors[i].fill_(float("nan"))
            graph.replay()
            torch.cuda.synchronize()
            same_graph &= all(torch.equal(tensors[i], r) for i, r in zip(outs, reference))
        err = sticky_error()
        if err:
            print(f"sticky error after T={tokens}: {err}")
            same_graph = False

        eager = median_us(lambda: art.call(opts.function, *tensors, sync_torch=False), opts.iters)
        replay = median_us(graph.replay, opts.iters)
        ok = ok_ref and same_stream and same_graph
        failures += not ok
        print(f"| {tokens} | {'yes' if same_stream else 'NO'} | "
              f"{'yes' if same_graph else 'NO'} | {eager:.1f} | {replay:.1f} |"
              + ("" if ok_ref else " (reference has NaN)"))
        del graph
    print(f"graph_capture: {len(opts.tokens) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
