#!/usr/bin/env python3
"""Check the compiled expert GEMMs (moe.grouped_matmul) against an independent
torch computation and time them next to torch._grouped_mm, in one process.

What it runs: the contiguous grouped_matmul entry points of
test/GPU/suite/gemm.mlir,

  gemm1_<model>  a [R,K] bf16, w13 [E',N,K] bf16, offsets [E'+1] i32 -> out [R,N/2] bf16
                 (epilogue silu_and_mul: silu(acc[:, :N/2]) * acc[:, N/2:])
  gemm2_<model>  h [R,K] bf16, w2 [E',N,K] bf16, offsets, scale [R] f32 -> out [R,N] bf16
                 (each row scaled by its routed weight)

for model in mixtral, qwen3, deepseek_v3, kimi_k2 and T in 1, 32, 256, 2048,
8192 tokens (E, k from ../shared/design/moe-compiler.md: Mixtral 8/2, Qwen3
128/8, DeepSeek-V3 256/8, Kimi-K2 384/8; E' = E+1 for DeepSeek-V3 and Kimi-K2,
whose last weight set is the shared expert's slot).

Per (function, T):
  * routing: fresh random draw, each token picks k distinct experts
    uniformly (torch.rand(T, E).topk(k)); --shared says what the shared slot
    of DeepSeek-V3/Kimi-K2 gets:
      routed  (default) tokens pick among the first E (routed) experts; the
              shared slot E has no rows (an empty last expert); R = T*k
      uniform tokens pick k among all E+1 weight sets; R = T*k
      fused   k among the first E, plus every token also in slot E (the
              layout of moe.gate with num_shared_experts = 1); R = T*(k+1)
    The rows are expert-contiguous: offsets[e] = first row of expert e,
    offsets[E'] = R; A is random bf16 N(0,1) (the rows' token identity does
    not matter to a GEMM), W is random bf16 N(0,1)/sqrt(K) (outputs O(1)),
    the routed weights (gemm2's scale) uniform in [0,1) f32.
  * check: the out is filled with NaN (poison) before the call; the
    reference is computed in f32 on the GPU, expert by expert
    (A_e.float() @ W_e.float().T, TF32 off), then silu(gate)*up or * scale.
    Metrics over the elements we wrote finite values to:
      max rel err = max|ours - ref| / max|ref|   (normwise max error)
      fro rel err = ||ours - ref||_F / ||ref||_F
    plus NaNs = number of non-finite outputs (unwritten poison or real
    NaN/Inf; the reference is always finite). PASS iff NaNs == 0 and both
    errors <= --tol (default 1e-2, bf16 outputs). After timing, the out is
    poisoned again and one more call must reproduce the checked out bit for
    bit (a moving result would mean a race). torch._grouped_mm's output
    gets the same max rel err ("torch err": a check of the reference; torch
    rounds the GEMM to bf16 before its epilogue, so it is usually a bit worse).
  * timing (same process, same inputs): --warmup calls, then --iters timed
    calls of each side, median reported. Before every timed call a 256 MiB
    buffer is zeroed (L2 flushed: an MoE layer's weights are not in cache;
    --no-flush keeps the cache warm) and the device synchronized, then
    torch.cuda.Event's bracket the call on torch's current stream. So both
    numbers are latency from an idle GPU to a finished result, launch costs
    included:
      ours:  the entry point (creates its stream, launches, synchronizes it,
             destroys it: host overhead included, as a caller would see it);
      torch: torch._grouped_mm(A, W.transpose(1,2) [E',K,N], offs=offsets[1:])
             then, gemm1: silu(y[:, :N/2]) * y[:, N/2:]; gemm2: y.mul_(scale[:,None]).
    ratio = ours / torch (< 1: we are faster). TFLOP/s = 2*R*N*K / our time
    (N = W's rows, the full 2I for gemm1); GB/s = the fewest bytes our call
    must move (the weights of experts with rows, A, the out, the scale) / our
    time: at small T the GEMMs are bound by reading weights, so GB/s is the
    figure to compare with the copy bandwidth (about 3 TB/s on an H100).
  * memory: each model's W13 and W2 are made and freed in turn (DeepSeek-V3
    W13/W2 15.1 GB each, Kimi-K2 22.6 GB); a weight or a token count whose
    working set does not fit the free GPU memory is skipped with a message
    (SKIP rows; not a failure).

Output: the markdown table is printed and written to OUTDIR/gemm_vs_torch.md
(OUTDIR: --out, else $OUT, else ./gpu-logs), with a log of the run in
OUTDIR/gemm_vs_torch.log. Exit status: 0 if every check passed, 1 if any
failed (or a runtime error stopped the run), 2 on usage/artifact errors.

Usage (GPU host, repository root, artifacts compiled on the build machine with
`utils/moe-compile.sh --format fatbin test/GPU/suite/gemm.mlir artifacts`):

  cmake -S . -B /tmp/rt -DMOE_BUILD_COMPILER=OFF -DCMAKE_BUILD_TYPE=Release
  cmake --build /tmp/rt -j16
  python3 test/GPU/gemm_vs_torch.py --runtime /tmp/rt      # everything
  python3 test/GPU/gemm_vs_torch.py --models qwen3,mixtral --tokens 1 32 \\
    --runtime /tmp/rt --out /tmp/logs
  (test/GPU/run-gemm-suite.sh runs it as its step 2.)

Options: --artifacts DIR (default artifacts; uses DIR/gemm) or --artifact
PREFIX, --runtime PATH (the .so, or a build folder / install prefix; default
$MOE_RUNTIME_LIB, else build-rt/, /tmp/rt/, /tmp/moe-rt-build/, build/),
--models LIST, --gemms 1,2, --tokens LIST (comma- or space-separated), --shared routed|uniform|fused,
--rows-per-expert N (every routed expert exactly N rows instead of a draw),
--iters N (default 20), --warmup N (default 3), --seed S (default: from the
clock, printed), --tol X, --no-flush, --out DIR, --device D.
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

# E routed experts, k per token, S shared-expert weight slots in the suite.
MODELS = {
    "mixtral": dict(E=8, k=2, S=0),
    "qwen3": dict(E=128, k=8, S=0),
    "deepseek_v3": dict(E=256, k=8, S=1),
    "kimi_k2": dict(E=384, k=8, S=1),
}
GIB = 1 << 30


class Log:
    def __init__(self, path):
        self.file = open(path, "w")

    def __call__(self, *parts):
        text = " ".join(str(p) for p in parts)
        print(text, flush=True)
        self.file.write(text + "\n")
        self.file.flush()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--artifact", default=None,
                   help="artifact prefix (default ARTIFACTS/gemm)")
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"),
                   help="artifacts folder holding gemm.so/gemm.manifest")
    p.add_argument("--runtime", default=None,
                   help="libMoeRuntime.so, or a build folder / install prefix holding it")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--gemms", default="1,2", help="1 (gemm1_*), 2 (gemm2_*) or both")
    p.add_argument("--tokens", nargs="+", default=["1,32,256,2048,8192"],
                   help="token counts, comma- or space-separated")
    p.add_argument("--shared", choices=["routed", "uniform", "fused"], default="routed")
    p.add_argument("--rows-per-expert", type=int, default=None,
                   help="instead of a random draw, give every routed expert exactly "
                        "this many rows (T ignored; R = E * N): e.g. 256 for "
                        "DeepSeek-V3 at T = 8192 without partial row tiles")
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--tol", type=float, default=1e-2)
    p.add_argument("--no-flush", action="store_true")
    p.add_argument("--out", default=None)
    p.add_argument("--device", type=int, default=0)
    p.add_argument("--variant", default="",
                   help="suffix of the function names, e.g. _n128 for the "
                        "configuration variants of test/GPU/suite/gemm.mlir")
    args = p.parse_args()
    args.models = [m for m in args.models.split(",") if m]
    for m in args.models:
        if m not in MODELS:
            p.error(f"unknown model '{m}' (have: {', '.join(MODELS)})")
    args.gemms = [int(g) for g in args.gemms.split(",") if g]
    if any(g not in (1, 2) for g in args.gemms):
        p.error("--gemms takes 1 and/or 2")
    args.tokens = [int(t) for arg in args.tokens for t in arg.split(",") if t]
    if args.artifact is None:
        args.artifact = os.path.join(args.artifacts, "gemm")
    if args.seed is None:
        args.seed = int(time.time()) % 1000003
    return args


def make_routing(T, model, Ew, shared, device, rows_per_expert=None):
    """Returns (offsets [Ew+1] i32 on the device, offsets as a list, R)."""
    E, k, S = model["E"], model["k"], model["S"]
    if rows_per_expert is not None:
        counts = torch.zeros(Ew, dtype=torch.int64, device=device)
        counts[:E] = rows_per_expert
    else:
        pool = Ew if (shared == "uniform" and S) else E
        ids = torch.rand(T, pool, device=device).topk(k, dim=1).indices  # k distinct
        counts = torch.bincount(ids.flatten(), minlength=Ew)
    if shared == "fused" and S:
        counts[E:] += T
    offsets = torch.zeros(Ew + 1, dtype=torch.int32, device=device)
    offsets[1:] = torch.cumsum(counts, 0)
    offs = offsets.tolist()  # the one device->host copy (the reference loop needs it)
    return offsets, offs, offs[-1]


@torch.no_grad()
def reference(a, w, offs, gated, scale):
    """f32 reference on the GPU, expert by expert: independent of both
    torch._grouped_mm and our kernels."""
    R = a.shape[0]
    N = w.shape[1]
    n_out = N // 2 if gated else N
    ref = torch.zeros(R, n_out, dtype=torch.float32, device=a.device)
    for e in range(w.shape[0]):
        s, t = offs[e], offs[e + 1]
        if s == t:
            continue
        y = a[s:t].float() @ w[e].float().T
        if gated:
            ref[s:t] = F.silu(y[:, :n_out]) * y[:, n_out:]
        else:
            ref[s:t] = y * scale[s:t, None]
    return ref


@torch.no_grad()
def compare(out, ref):
    """(max rel err, fro rel err, non-finite count) of out vs the finite ref,
    over the finite elements of out."""
    bad = (~torch.isfinite(out)).sum().item()
    d = out.float()
    d.sub_(ref)
    if bad:
        d.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)
    ref_max = ref.abs().max().item()
    ref_norm = ref.norm().item()
    max_rel = d.abs().max().item() / ref_max if ref_max > 0 else d.abs().max().item()
    fro_rel = d.norm().item() / ref_norm if ref_norm > 0 else d.norm().item()
    return max_rel, fro_rel, bad


def fmt_num(x, spec):
    return "-" if x is None else format(x, spec)


def main():
    args = parse_args()
    out_dir = args.out or os.environ.get("OUT") or os.path.join(REPO, "gpu-logs")
    os.makedirs(out_dir, exist_ok=True)
    log = Log(os.path.join(out_dir, "gemm_vs_torch.log"))

    if not torch.cuda.is_available():
        log("gemm_vs_torch: no CUDA device visible to torch")
        return 2
    torch.cuda.set_device(args.device)
    dev = torch.device("cuda", args.device)
    torch.backends.cuda.matmul.allow_tf32 = False  # f32 reference in f32
    torch.backends.cudnn.allow_tf32 = False
    try:
        art = Artifact(args.artifact, runtime=args.runtime, device=args.device)
    except MoeArtifactError as e:
        log(f"gemm_vs_torch: {e}")
        return 2
    from moe_artifact import load_runtime
    log(f"device: {torch.cuda.get_device_name(dev)} (runtime: {art.device_name()}), "
        f"torch {torch.__version__}, runtime {load_runtime().path}, artifact {art.prefix}")
    log(f"seed {args.seed}, shared={args.shared}, iters {args.iters}, warmup {args.warmup}, "
        f"L2 flush {'off' if args.no_flush else 'on'}, tol {args.tol:g}")
    torch.manual_seed(args.seed)
    flush = None if args.no_flush else torch.empty(256 << 20, dtype=torch.uint8, device=dev)

    rows = []  # table rows
    failed = False
    stop = False

    def row(**kw):
        rows.append(kw)
        if kw["result"] != "SKIP":
            log(f"{kw['result']} {kw['function']} T={kw['T']} R={kw['R']} "
                f"max_rel={fmt_err(kw.get('max_rel'))} fro_rel={fmt_err(kw.get('fro_rel'))} "
                f"torch_err={fmt_err(kw.get('torch_err'))} nan={kw.get('nans', '-')} "
                f"ours_us={fmt_us(kw.get('ours_us'))} torch_us={fmt_us(kw.get('torch_us'))}"
                + (f" note: {kw['note']}" if kw.get("note") else ""))

    for model_name in args.models:
        model = MODELS[model_name]
        for g in args.gemms:
            if stop:
                break
            fname = f"gemm{g}_{model_name}{args.variant}"
            spec = art.spec(fname)
            gated = g == 1
            a_spec, w_spec = spec.args[0], spec.args[1]
            Ew, N, K = w_spec.shape
            assert a_spec.shape[1] == K, (fname, a_spec.shape, w_spec.shape)
            assert Ew == model["E"] + model["S"], (fname, Ew, model)
            n_out = N // 2 if gated else N
            w_bytes = Ew * N * K * 2
            free, _ = torch.cuda.mem_get_info(dev)
            if w_bytes + GIB > free:
                msg = (f"W {Ew}x{N}x{K} bf16 needs {w_bytes / GIB:.1f} GiB, "
                       f"{free / GIB:.1f} GiB free")
                log(f"SKIP {fname}: {msg}")
                for T in args.tokens:
                    rows.append(dict(function=fname, T=T, R="-", result="SKIP", note=msg))
                continue
            try:
                w = torch.randn(Ew, N, K, dtype=torch.bfloat16, device=dev)
                w.mul_(1.0 / math.sqrt(K))
            except torch.OutOfMemoryError as e:
                w = None
                torch.cuda.empty_cache()
                msg = f"W: out of GPU memory: {str(e).splitlines()[0]}"
                log(f"SKIP {fname}: {msg}")
                for T in args.tokens:
                    rows.append(dict(function=fname, T=T, R="-", result="SKIP", note=msg))
                continue
            wt = w.transpose(1, 2)  # [E', K, N] view for torch._grouped_mm

            for T in args.tokens:
                if stop:
                    break
                k_rows = model["k"] + (1 if (args.shared == "fused" and model["S"]) else 0)
                R = T * k_rows
                if args.rows_per_expert is not None:
                    R = model["E"] * args.rows_per_expert
                # Working set: A, our out (+ checked copy), torch's out (+ the
                # GEMM result before the epilogue), the f32 reference and the
                # f32 difference, one expert's f32 weights and product.
                need = (R * K * 2 + R * n_out * (2 + 2 + 2 + 4 + 4 + 1)
                        + (R * N * 2 if gated else R * 4) + N * K * 4
                        + T * (K + N) * 4 + GIB // 2)  # an expert has <= T rows
                free, _ = torch.cuda.mem_get_info(dev)
                if need > free:
                    msg = f"needs ~{need / GIB:.1f} GiB beside W, {free / GIB:.1f} GiB free"
                    log(f"SKIP {fname} T={T}: {msg}")
                    rows.append(dict(function=fname, T=T, R=R, result="SKIP", note=msg))
                    continue
                try:
                    offsets, offs, R = make_routing(T, model, Ew, args.shared, dev,
                                                   args.rows_per_expert)
                    a = torch.randn(R, K, dtype=torch.bfloat16, device=dev)
                    scale = None if gated else torch.rand(R, dtype=torch.float32, device=dev)
                    out = torch.empty(R, n_out, dtype=torch.bfloat16, device=dev)
                    call_args = (a, w, offsets, out) if gated else (a, w, offsets, scale, out)

                    # --- check
                    out.fill_(float("nan"))
                    art.call(fname, *call_args)
                    ref = reference(a, w, offs, gated, scale)
                    max_rel, fro_rel, nans = compare(out, ref)
                    reasons = []
                    if nans:
                        reasons.append(f"{nans} non-finite outputs")
                    if max_rel > args.tol:
                        reasons.append(f"max rel err {max_rel:.2e} > {args.tol:g}")
                    if fro_rel > args.tol:
                        reasons.append(f"fro rel err {fro_rel:.2e} > {args.tol:g}")
                    checked = out.clone()

                    # --- torch._grouped_mm (same inputs), its error vs the reference
                    offs_end = offsets[1:].contiguous()
                    if gated:
                        def torch_fn():
                            y = torch._grouped_mm(a, wt, offs=offs_end)
                            return F.silu(y[:, :n_out]) * y[:, n_out:]
                    else:
                        def torch_fn():
                            return torch._grouped_mm(a, wt, offs=offs_end).mul_(scale[:, None])
                    torch_err = torch_us = None
                    note = ""
                    try:
                        tout = torch_fn()
                        torch_err, _, tbad = compare(tout, ref)
                        if tbad:
                            note += f"torch: {tbad} non-finite; "
                        del tout
                    except Exception as e:  # torch's limits are not our failure
                        note += f"torch._grouped_mm failed: {type(e).__name__}: {e}; "
                        torch_fn = None
                    del ref

                    # --- timing
                    ours_fn = art.entry(fname, *call_args)
                    ours_us = time_calls(ours_fn, args.iters, args.warmup, flush)
                    err = sticky_error()
                    if err:
                        raise MoeArtifactError(f"moe runtime error in {fname} (timing): {err}")
                    if torch_fn is not None:
                        torch_us = time_calls(torch_fn, args.iters, args.warmup, flush)

                    # --- repeatability: poison again, one more call, bit-equal
                    out.fill_(float("nan"))
                    art.call(fname, *call_args)
                    if not torch.equal(out.view(torch.int16), checked.view(torch.int16)):
                        diff = (out.view(torch.int16) != checked.view(torch.int16)).sum().item()
                        reasons.append(f"a second call differs in {diff} elements")
                    del checked

                    flops = 2.0 * R * N * K
                    used = sum(1 for e in range(Ew) if offs[e + 1] > offs[e])
                    bytes_min = used * N * K * 2 + R * K * 2 + R * n_out * 2 + (0 if gated else R * 4)
                    result = "FAIL" if reasons else "PASS"
                    failed |= bool(reasons)
                    note = (note + "; ".join(reasons)).strip("; ")
                    row(function=fname, T=T, R=R, max_rel=max_rel, fro_rel=fro_rel,
                        torch_err=torch_err, nans=nans, result=result, ours_us=ours_us,
                        torch_us=torch_us,
                        ratio=(ours_us / torch_us) if torch_us else None,
                        tflops=flops / (ours_us * 1e-6) / 1e12,
                        gbs=bytes_min / (ours_us * 1e-6) / 1e9, note=note)
                except MoeArtifactError as e:
                    # A runtime error is sticky: later calls would do nothing.
                    failed = True
                    stop = True
                    row(function=fname, T=T, R=R, result="FAIL", note=str(e))
                    log("stopping: the runtime's sticky error turns every later call into a no-op")
                except torch.OutOfMemoryError as e:
                    msg = f"out of GPU memory: {str(e).splitlines()[0]}"
                    log(f"SKIP {fname} T={T}: {msg}")
                    rows.append(dict(function=fname, T=T, R=R, result="SKIP", note=msg))
                finally:
                    # Drop this shape's tensors before the next one.
                    a = scale = out = offsets = call_args = ours_fn = torch_fn = None
                    ref = checked = tout = None
                    torch.cuda.empty_cache()
            del w, wt
            torch.cuda.empty_cache()

    header = ("| function | T | R | max rel err | fro rel err | torch err | NaNs | result "
              "| ours median us | torch._grouped_mm median us | ratio | ours TFLOP/s "
              "| ours GB/s | note |")
    lines = [header, "|" + "---|" * 14]
    for r in rows:
        cells = [r["function"], r["T"], r["R"], fmt_err(r.get("max_rel")),
                 fmt_err(r.get("fro_rel")), fmt_err(r.get("torch_err")), r.get("nans", "-"),
                 r["result"], fmt_us(r.get("ours_us")), fmt_us(r.get("torch_us")),
                 fmt_num(r.get("ratio"), ".2f"), fmt_num(r.get("tflops"), ".1f"),
                 fmt_num(r.get("gbs"), ".0f"), r.get("note", "")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    table = "\n".join(lines)
    preamble = (f"device {torch.cuda.get_device_name(dev)}; seed {args.seed}; "
                f"shared={args.shared}; median of {args.iters} (after {args.warmup} warm-up), "
                f"L2 flushed {'no' if args.no_flush else 'yes'}; "
                "ratio = ours / torch._grouped_mm (+ torch epilogue); "
                "errors: max|d|/max|ref| and ||d||_F/||ref||_F vs an f32 per-expert reference")
    write_summary(out_dir, "gemm_vs_torch.md", preamble, table, rows, "gemm_vs_torch", log)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
