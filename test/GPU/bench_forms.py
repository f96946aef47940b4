#!/usr/bin/env python3
"""What each issue-13 layer form costs over the plain silu-and-mul layer of
the same size (the issue: at most 5% more, measured in the same run), and
the expert-parallel layer against the floor of the weights it reads (the
issue: within 1.1x of the floor for the local experts' bytes at T = 32).

The layers come in pairs from test/GPU/Inputs/forms.mlir (compiled into
ARTIFACTS/forms by utils/build-gpu-artifacts.sh): a form (gpt-oss's clamped
SwiGLU with biases, Qwen3-Next's gated shared expert, Llama-4's weight on
the input, gelu_tanh, relu2_no_mul, an expert map with 64 of 128 experts
local) and its plain twin (softmax or sigmoid routing, silu-and-mul, no
bias, same E, k, H, I and shared experts). Both run in CUDA graphs on the
same inputs (weights of the same shape shared), L2 flushed before each
replay, in the order A B A B; a form's time is the median of its two
medians, its ratio that over its twin's.

Floor of the expert-map layer: bytes of the local experts the routing
selects (3 H I bf16 each) plus x and out, over the copy bandwidth measured
in the same run (bench_layers.ceilings).

Output: LOGDIR/bench-forms.md. Usage (GPU host, repository root):
  python3 test/GPU/bench_forms.py --artifacts artifacts --runtime /tmp/rt \\
      --tokens 1 32 256 2048 --out /tmp/logs
"""

import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))
sys.path.insert(0, HERE)

import torch  # noqa: E402

from moe_artifact import Artifact, sticky_error  # noqa: E402
from bench_layers import ceilings, replay_us  # noqa: E402
from layer_vs_torch import model_seed, op_record, randn  # noqa: E402

# (form, plain twin): functions of forms.mlir.
PAIRS = [
    ("gpt_oss_20b", "gpt_oss_20b_plain"),
    ("qwen3_next", "qwen3_next_plain"),
    ("llama_4_scout", "llama_4_scout_plain"),
    ("qwen3_gelu_tanh", "qwen3_plain"),
    ("qwen3_relu2_no_mul", "qwen3_plain"),
    ("qwen3_ep2", "qwen3_plain"),
]
DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32,
          "i32": torch.int32}
# Operands drawn as small values (biases) rather than unit normals.
SMALL = {"bias": 0.1, "b13": 0.1, "b2": 0.1}


def expert_map(num_global, num_local, dev):
    """Global id -> local index for the first num_local experts, -1 after
    (a rank holding half the experts)."""
    ids = torch.arange(num_global, dtype=torch.int32, device=dev)
    return torch.where(ids < num_local, ids, torch.full_like(ids, -1))


class Layer:
    """One entry point of forms.so with its inputs at T tokens."""

    def __init__(self, art, name, T, gen, dev, weights):
        self.art, self.name = art, name
        spec = art.spec(name)
        fields = op_record(spec, "fused_moe")
        role = {}
        for key, value in fields.items():
            if value not in ("-", None) and value.isdigit() and \
                    key in ("x", "logits", "w13", "w2", "out", "bias", "b13",
                            "b2", "shared_logits", "expert_map"):
                role[int(value)] = key
        self.k = int(fields["k"])
        self.tensors = []
        for arg in spec.args:
            shape = tuple(T if s is None else s for s in arg.shape)
            dtype = DTYPES[arg.dtype]
            what = role.get(arg.index, "")
            if arg.index in spec.out_args:
                t = torch.full(shape, float("nan"), dtype=dtype, device=dev)
                self.out = t
            elif what == "expert_map":
                num_local = spec.args[int(fields["w13"])].shape[0]
                t = expert_map(shape[0], num_local, dev)
                self.map = t
            elif what in ("w13", "w2"):
                # Weights of one shape are shared between the twins.
                key = (what, shape, arg.dtype)
                if key not in weights:
                    weights[key] = randn(shape, gen, dtype, dev, scale=shape[-1] ** -0.5)
                t = weights[key]
            else:
                t = randn(shape, gen, dtype, dev, scale=SMALL.get(what, 1.0))
            if what == "x":
                self.x = t
            if what == "logits":
                self.logits = t
            if what == "w13":
                self.w13 = t
            self.tensors.append(t)
        self.run = art.entry(name, *self.tensors)

    def graph(self, stream):
        with torch.cuda.stream(stream), self.art.on_stream(stream):
            self.run()
        stream.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g, stream=stream), self.art.on_stream(stream):
            self.run()
        return g

    def local_floor_bytes(self):
        """Bytes of the local experts the routing selects, plus x and out
        (softmax top-k: the expert-map layer of forms.mlir)."""
        ids = torch.topk(self.logits.float(), self.k, dim=-1).indices.reshape(-1)
        local = self.map[ids]
        selected = torch.unique(local[local >= 0]).numel()
        _, n13, H = self.w13.shape
        inter = n13 // 2
        T = self.logits.shape[0]
        return selected * 3 * H * inter * 2 + 2 * T * H * 2, selected


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"))
    p.add_argument("--runtime", default=None)
    p.add_argument("--tokens", type=int, nargs="+", default=[1, 32, 256, 2048])
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--pairs", default=",".join(f for f, _ in PAIRS),
                   help="forms to measure (comma-separated)")
    p.add_argument("--out", default=os.environ.get("OUT", "gpu-logs"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device("cuda")
    bandwidth, _ = ceilings(dev)
    gpu = torch.cuda.get_device_name()
    print(f"bench_forms: {gpu}; copy {bandwidth / 1e9:.0f} GB/s", flush=True)
    flush = torch.empty(256 << 20, dtype=torch.uint8, device=dev)
    art = Artifact(os.path.join(args.artifacts, "forms"), runtime=args.runtime)
    wanted = set(args.pairs.split(","))
    rows, failed = [], 0
    for form, plain in PAIRS:
        if form not in wanted:
            continue
        weights = {}
        for T in args.tokens:
            gen = torch.Generator(device=dev)
            gen.manual_seed(model_seed(args.seed, form, T))
            a = Layer(art, form, T, gen, dev, weights)
            gen.manual_seed(model_seed(args.seed, form, T))
            b = Layer(art, plain, T, gen, dev, weights)
            # The twins route the same tokens: same x and router logits.
            b.x.copy_(a.x)
            b.logits.copy_(a.logits)
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            ga, gb = a.graph(stream), b.graph(stream)
            a.out.fill_(float("nan"))
            b.out.fill_(float("nan"))
            times = {form: [], plain: []}
            for _ in range(2):
                times[form].append(replay_us(ga, args.iters, flush))
                times[plain].append(replay_us(gb, args.iters, flush))
            ok = (bool(torch.isfinite(a.out).all().item()) and
                  bool(torch.isfinite(b.out).all().item()) and not sticky_error())
            failed += not ok
            ours, twin = (statistics.median(times[form]), statistics.median(times[plain]))
            row = dict(form=form, plain=plain, T=T, ours=ours, twin=twin, ok=ok,
                       floor=None)
            note = ""
            if form == "qwen3_ep2":
                nbytes, selected = a.local_floor_bytes()
                row["floor"] = nbytes / bandwidth * 1e6
                note = (f", local floor {row['floor']:.1f} us ({selected} local "
                        f"experts), ours / floor {ours / row['floor']:.2f}")
            rows.append(row)
            print(f"{'PASS' if ok else 'FAIL'} {form} T={T}: {ours:.1f} us, {plain} "
                  f"{twin:.1f} us, ratio {ours / twin:.3f}{note}", flush=True)
            del ga, gb, a, b
        del weights
        torch.cuda.empty_cache()
    path = os.path.join(args.out, "bench-forms.md")
    with open(path, "w") as f:
        f.write(f"device {gpu}; CUDA graph replays, L2 flushed, A B A B, median of "
                f"{args.iters} per replay set; copy {bandwidth / 1e9:.0f} GB/s (same run)\n\n")
        f.write("| form | plain twin | T | form us | twin us | form / twin | floor us "
                "| form / floor | outputs finite |\n|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            floor = f"{r['floor']:.1f}" if r["floor"] else ""
            ratio = f"{r['ours'] / r['floor']:.2f}" if r["floor"] else ""
            f.write(f"| {r['form']} | {r['plain']} | {r['T']} | {r['ours']:.1f} | "
                    f"{r['twin']:.1f} | {r['ours'] / r['twin']:.3f} | {floor} | {ratio} | "
                    f"{'yes' if r['ok'] else 'NO'} |\n")
    print(f"wrote {path}; {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
