#!/usr/bin/env python3
"""The fused routing kernel (convert-moe-to-gpu fuse-routing, docs/Pipeline.md)
against the separate kernels, on a GPU host.

test/GPU/suite/fused-routing.mlir holds functions of two moe ops each (a gate
and the align, permute or permute_indices of its ids), which moe-runner does
not check (one op per function). utils/build-gpu-artifacts.sh compiles the
file twice: ARTIFACTS/fused-routing (default options: the fused launch while
T * (k + S) <= 4096) and ARTIFACTS/fused-routing-unfused (fuse-routing=0:
today's gate kernel, then the sort's kernels, which the GPU suite checks
against the CPU reference as routing.mlir's gate_* and permutation.mlir's
align_* / permute* entries). For every function, T and case this script
  - fills the outs of both with the same poison, runs both on the same
    inputs and requires every argument to be equal bit for bit (ids,
    weights, sorted lists, offsets, row weights, permuted rows);
  - runs the fused one a second time (fresh poison): equal bits again;
  - checks the permutation against an independent stable sort of the ids
    (torch.sort(stable=True)): within an expert, the flat slot order; and,
    for the functions with slot_rows, slot_rows against the inverse of that
    order (slot order[r] at row r).
T: 1, 7, 32, 256, the largest fused T (4096 // (k + S)), one above it (the
separate kernels inside the fused artifact) and 3000 (the multi-block sort).
Cases: random logits; ties (logits from 4 values: the lower index wins);
nan-rows (rows of NaN, of -inf, single NaNs); one-expert (every token's
largest logit is expert 3).
With --time, each function's call at each T is captured in a CUDA graph and
replayed after an L2 flush, fused and separate alternating (A B A B), and
the medians printed (us).

Prints one PASS/FAIL line per check and a summary; exits 1 on any failure.
Usage (GPU host, repository root, runtime built by test/GPU/common.sh):
  python3 test/GPU/fused_routing_ab.py --artifacts artifacts \\
      --runtime /tmp/moe-rt-build [--time] [--tokens 1 7 32]
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
from bench_layers import graph_of, replay_us  # noqa: E402

# The fused kernel's bound on T * (k + S) (FusedRoutingKernels.cpp: 16 owner
# warps of 256 slots).
BOUND = 4096

# name: routed experts E, top k, shared S, logits dtype, bias, consumer op,
# hidden size of permute's rows, align's block_m.
FUNCTIONS = {
    "routing_qwen3_permute_indices":
        dict(E=128, k=8, S=0, dtype=torch.bfloat16, bias=False, op="permute_indices"),
    "routing_qwen3_permute":
        dict(E=128, k=8, S=0, dtype=torch.bfloat16, bias=False, op="permute", H=2048),
    "routing_mixtral_align":
        dict(E=8, k=2, S=0, dtype=torch.bfloat16, bias=False, op="align", block_m=64),
    "routing_deepseek_v3_align":
        dict(E=256, k=8, S=1, dtype=torch.float32, bias=True, op="align", block_m=64),
    "routing_deepseek_v3_permute_indices":
        dict(E=256, k=8, S=1, dtype=torch.float32, bias=True, op="permute_indices"),
    "routing_kimi_k2_permute":
        dict(E=384, k=8, S=1, dtype=torch.float32, bias=True, op="permute", H=7168),
    # With slot_rows (each slot's row, the inverse of src_index), as
    # fused_moe's decomposition emits them.
    "routing_qwen3_permute_slot_rows":
        dict(E=128, k=8, S=0, dtype=torch.bfloat16, bias=False, op="permute", H=2048,
             slot_rows=True),
    "routing_deepseek_v3_permute_indices_slot_rows":
        dict(E=256, k=8, S=1, dtype=torch.float32, bias=True, op="permute_indices",
             slot_rows=True),
}
CASES = ["random", "ties", "nan-rows", "one-expert"]
POISON_INT = -123456789


def logits_for(T, E, case, gen, dev):
    if case == "ties":
        return torch.randint(0, 4, (T, E), generator=gen, device=dev).float()
    x = torch.randn(T, E, generator=gen, device=dev) * 2.0
    if case == "one-expert":
        x[:, 3] = 20.0
    if case == "nan-rows" and T > 0:
        x[0::5] = float("nan")
        x[1::5] = float("-inf")
        x[2::5, 0] = float("nan")
        x[3::5, E // 2] = float("inf")
    return x


def make_args(spec, T, case, seed, dev):
    """Inputs, then outs poisoned; the same for the same seed."""
    gen = torch.Generator(device=dev)
    gen.manual_seed(seed)
    E, k, S = spec["E"], spec["k"], spec["S"]
    slots, num_experts = k + S, E + S
    n = T * slots
    args = []
    if spec["op"] == "permute":
        args.append(torch.randn(T, spec["H"], generator=gen, device=dev).to(torch.bfloat16))
    args.append(logits_for(T, E, case, gen, dev).to(spec["dtype"]))
    if spec["bias"]:
        bias = torch.randn(E, generator=gen, device=dev) * 0.1
        if case == "ties":
            bias = torch.randint(0, 2, (E,), generator=gen, device=dev).float() * 0.5
        args.append(bias)

    def f32(*shape):
        return torch.full(shape, float("nan"), dtype=torch.float32, device=dev)

    def i32(*shape):
        return torch.full(shape, POISON_INT, dtype=torch.int32, device=dev)

    args += [f32(T, slots), i32(T, slots)]
    if spec["op"] == "align":
        bm = spec["block_m"]
        sorted_len = n + num_experts * (bm - 1)
        args += [i32(sorted_len), i32((sorted_len + bm - 1) // bm), i32(1)]
    elif spec["op"] == "permute_indices":
        args += [i32(n), i32(num_experts + 1), f32(n)]
    else:
        rows = torch.full((n, spec["H"]), float("nan"), dtype=torch.bfloat16, device=dev)
        args += [rows, i32(n), i32(num_experts + 1), f32(n)]
    if spec.get("slot_rows"):
        args.append(i32(n))
    return args


def bits(t):
    if t.dtype in (torch.float32, torch.int32):
        return t.view(torch.int32)
    return t.view(torch.int16)


def same_bits(a, b):
    return all(x.shape == y.shape and torch.equal(bits(x), bits(y)) for x, y in zip(a, b))


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if not torch.equal(bits(x), bits(y)):
            where = (bits(x) != bits(y)).nonzero()[:3].tolist()
            return f"argument {i} differs at {where}"
    return "?"


def check_sort(spec, T, args):
    """The consumer's outputs against a stable sort of the gate's ids; "" if
    they match, else why."""
    E, k, S = spec["E"], spec["k"], spec["S"]
    slots, num_experts = k + S, E + S
    first_out = (1 if spec["op"] == "permute" else 0) + 1 + (1 if spec["bias"] else 0)
    w, ids = args[first_out], args[first_out + 1]
    outs = args[first_out + 2:]
    flat = ids.reshape(-1).long()
    if ((flat < 0) | (flat >= num_experts)).any():
        return "the gate wrote an id outside [0, E + S)"
    n = flat.numel()
    order = torch.sort(flat, stable=True).indices
    counts = torch.bincount(flat, minlength=num_experts)
    if spec["op"] == "align":
        bm = spec["block_m"]
        sorted_ids, expert_ids, total = outs
        padded = (counts + bm - 1) // bm * bm
        starts = torch.cumsum(padded, 0) - padded
        if int(total[0]) != int(padded.sum()):
            return f"total {int(total[0])}, expected {int(padded.sum())}"
        expected = torch.full_like(sorted_ids, n)
        run = torch.cumsum(counts, 0) - counts
        for e in torch.nonzero(counts).reshape(-1).tolist():
            c, s, r = int(counts[e]), int(starts[e]), int(run[e])
            expected[s:s + c] = order[r:r + c].int()
        if not torch.equal(sorted_ids, expected):
            return "sorted_ids differ from the stable sort"
        blocks = int(padded.sum()) // bm
        owner = torch.repeat_interleave(torch.arange(num_experts, device=ids.device),
                                        (padded // bm))
        exp_ids = torch.full_like(expert_ids, -1)
        exp_ids[:blocks] = owner.int()
        if not torch.equal(expert_ids, exp_ids):
            return "expert_ids differ"
        return ""
    slot_rows = outs[-1] if spec.get("slot_rows") else None
    if slot_rows is not None:
        outs = outs[:-1]
    if spec["op"] == "permute":
        rows, src, off, rw = outs
    else:
        src, off, rw = outs
    expected_off = torch.cat([torch.zeros(1, dtype=torch.long, device=ids.device),
                              torch.cumsum(counts, 0)]).int()
    if not torch.equal(off, expected_off):
        return "offsets differ from the counts' prefix sums"
    if not torch.equal(src, order.int()):
        return "src_index differs from the stable sort"
    if not torch.equal(bits(rw), bits(w.reshape(-1)[order])):
        return "row_weights are not the slots' weights"
    if slot_rows is not None:
        # Every id is in range: slot order[r] is at row r.
        expected_rows = torch.empty_like(slot_rows)
        expected_rows[order] = torch.arange(n, dtype=torch.int32, device=ids.device)
        if not torch.equal(slot_rows, expected_rows):
            return "slot_rows is not the inverse of src_index"
    if spec["op"] == "permute":
        x = args[0]
        if not torch.equal(bits(rows), bits(x[order // slots])):
            return "rows are not the tokens' rows"
    return ""


def graph_us(art, function, args, stream, flush, iters):
    """Median us of the call captured in a CUDA graph, replayed after an L2
    flush (bench_layers.py's helpers)."""
    return replay_us(graph_of(art.entry(function, *args), stream, art), iters, flush)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"))
    parser.add_argument("--runtime", default=None,
                        help="runtime build folder (its lib/Runtime/libMoeRuntime.so)")
    parser.add_argument("--tokens", type=int, nargs="*", default=None)
    parser.add_argument("--only", nargs="*", default=None, help="function names")
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--iters", type=int, default=200)
    args = parser.parse_args()
    runtime = args.runtime
    dev = torch.device("cuda")
    fused = Artifact(os.path.join(args.artifacts, "fused-routing"), runtime=runtime)
    separate = Artifact(os.path.join(args.artifacts, "fused-routing-unfused"), runtime=runtime)
    print(f"device: {fused.device_name()}")
    passed = failed = 0
    timings = []
    stream = torch.cuda.Stream()
    flush = torch.empty(64 << 20, dtype=torch.int32, device=dev) if args.time else None
    seed = 1
    for name, spec in FUNCTIONS.items():
        if args.only and name not in args.only:
            continue
        slots = spec["k"] + spec["S"]
        largest = BOUND // slots
        tokens = args.tokens or sorted({1, 7, 32, 256, largest, largest + 1, 3000})
        for T in tokens:
            path = "fused" if T * slots <= BOUND else "separate"
            for case in CASES:
                seed += 1
                label = f"{name} T={T} ({path}) case={case} seed={seed}"
                a = make_args(spec, T, case, seed, dev)
                b = make_args(spec, T, case, seed, dev)
                c = make_args(spec, T, case, seed, dev)
                fused.call(name, *a)
                separate.call(name, *b)
                fused.call(name, *c)
                torch.cuda.synchronize()
                why = ""
                if not same_bits(a, b):
                    why = "fused != separate: " + first_difference(a, b)
                elif not same_bits(a, c):
                    why = "fused differs between calls: " + first_difference(a, c)
                else:
                    why = check_sort(spec, T, a)
                if why:
                    failed += 1
                    print(f"FAIL {label}: {why}")
                else:
                    passed += 1
                    print(f"PASS {label}")
            if args.time:
                a = make_args(spec, T, "random", seed, dev)
                b = make_args(spec, T, "random", seed, dev)
                runs = []
                for _ in range(2):
                    runs.append(graph_us(fused, name, a, stream, flush, args.iters))
                    runs.append(graph_us(separate, name, b, stream, flush, args.iters))
                timings.append((name, T, path, runs))
    error = sticky_error()
    if error:
        failed += 1
        print(f"FAIL runtime sticky error: {error}")
    if timings:
        print("\n| function | T | path | fused (us), A B A B | separate (us) |")
        print("|---|---|---|---|---|")
        for name, T, path, runs in timings:
            print(f"| {name} | {T} | {path} | {runs[0]:.1f}, {runs[2]:.1f} | "
                  f"{runs[1]:.1f}, {runs[3]:.1f} |")
    print(f"fused routing A/B: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
