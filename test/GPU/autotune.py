#!/usr/bin/env python3
"""Autotune the expert GEMMs on the GPU host and write the tuned table.

Input: a folder made by utils/autotune-build.py on the build machine
(OUT/candidates.txt, OUT/c<i>/gemm.so + gemm.manifest: the gemm1_<model>
and gemm2_<model> entry points compiled once per candidate configuration).
For each candidate, test/GPU/gemm_vs_torch.py runs every (function, T):
fresh random inputs, outputs poisoned, checked against an independent
torch computation (relative error <= 1e-2), timed after an L2 flush
(median). A candidate that fails any check of a function is out for that
function.

The table: moe-select-configs matches a grouped_matmul by its sizes (E, N,
K), not by the token count, so each function gets one configuration: the
one whose times are closest to the best of every candidate at each T
(smallest geometric mean of time / best time over the measured T). The
report (LOG/autotune.md) has, per function and T, the heuristic's time
(no table), the chosen one's, the best one's and which it was, and the
largest heuristic / tuned ratio: how far the untuned heuristic is from the
table.

Usage: python3 test/GPU/autotune.py --tune-dir DIR --runtime RT
           [--models qwen3] [--tokens 1,32,256,2048,8192]
           [--table tuned/h100.txt] [--out LOG]
"""
import argparse
import datetime
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def read_candidates(tune_dir):
    """[(name, config)] from candidates.txt (config 'heuristic' = no table)."""
    out = []
    with open(os.path.join(tune_dir, "candidates.txt")) as f:
        for line in f:
            parts = line.strip().split(" ", 1)
            if len(parts) == 2:
                out.append((parts[0], parts[1]))
    return out


def read_weight_shapes(manifest):
    """{function: (E, N, K)} from the W argument (arg 1) of each function."""
    shapes, function = {}, None
    with open(manifest) as f:
        for line in f:
            words = line.split()
            if words[:1] == ["function"]:
                function = words[1]
            elif words[:2] == ["arg", "1"] and function:
                dims = words[3].split("x")
                shapes[function] = tuple(int(d) for d in dims)
    return shapes


def read_results(markdown):
    """{(function, T): microseconds or None (failed)} from gemm_vs_torch.md."""
    results, columns = {}, None
    with open(markdown) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[:2] == ["function", "T"]:
                columns = cells
                continue
            if not columns or len(cells) != len(columns) or not cells[1].isdigit():
                continue
            row = dict(zip(columns, cells))
            key = (row["function"], int(row["T"]))
            try:
                us = float(row["ours median us"])
            except ValueError:
                us = None
            results[key] = us if row["result"] == "PASS" else None
    return results


def run_candidate(args, name, log_dir):
    """Times one candidate; returns its results (empty on a crash)."""
    out = os.path.join(log_dir, name)
    os.makedirs(out, exist_ok=True)
    command = [sys.executable, os.path.join(HERE, "gemm_vs_torch.py"),
               "--artifact", os.path.join(args.tune_dir, name, "gemm"),
               "--models", args.models, "--tokens", args.tokens,
               "--iters", str(args.iters), "--out", out]
    if args.runtime:
        command += ["--runtime", args.runtime]
    with open(os.path.join(out, "run.log"), "w") as f:
        code = subprocess.run(command, stdout=f, stderr=subprocess.STDOUT).returncode
    markdown = os.path.join(out, "gemm_vs_torch.md")
    if not os.path.exists(markdown):
        print(f"{name}: no results (exit {code}; {out}/run.log)", flush=True)
        return {}
    return read_results(markdown)


def choose(functions, tokens, candidates, results):
    """{function: (name, score, best-per-T)}: the candidate closest to the
    per-T best over all T, among those that passed every T."""
    chosen = {}
    for function in functions:
        best = {}
        for T in tokens:
            times = [results[n].get((function, T)) for n, _ in candidates]
            times = [t for t in times if t]
            best[T] = (min(times) if times else None)
        scored = []
        for name, _ in candidates:
            times = [results[name].get((function, T)) for T in tokens]
            if any(t is None for t in times) or any(best[T] is None for T in tokens):
                continue
            score = math.exp(sum(math.log(t / best[T]) for t, T in zip(times, tokens))
                             / len(tokens))
            scored.append((score, name))
        if scored:
            score, name = min(scored)
            chosen[function] = (name, score, best)
    return chosen


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tune-dir", required=True)
    p.add_argument("--runtime", default=None)
    p.add_argument("--models", default="qwen3")
    p.add_argument("--tokens", default="1,32,256,2048,8192")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--table", default=None,
                   help="tuned table to write (default LOG/tuned.txt)")
    p.add_argument("--out", default=os.environ.get("OUT", "gpu-logs"))
    args = p.parse_args()
    start = time.time()
    log_dir = os.path.join(args.out, "autotune")
    os.makedirs(log_dir, exist_ok=True)
    candidates = read_candidates(args.tune_dir)
    configs = dict(candidates)
    tokens = [int(t) for t in args.tokens.split(",") if t]
    results = {}
    for name, config in candidates:
        results[name] = run_candidate(args, name, log_dir)
        passed = sum(1 for v in results[name].values() if v)
        print(f"{name} ({config}): {passed}/{len(results[name])} passed",
              flush=True)
    shapes = read_weight_shapes(
        os.path.join(args.tune_dir, candidates[0][0], "gemm.manifest"))
    functions = sorted({f for r in results.values() for f, _ in r})
    chosen = choose(functions, tokens, candidates, results)

    # The table.
    device = os.environ.get("MOE_DEVICE_NAME", "the GPU host")
    table = args.table or os.path.join(args.out, "tuned.txt")
    lines = [f"# Tuned by test/GPU/autotune.py on {device}, "
             f"{datetime.date.today().isoformat()}, T in {args.tokens}:",
             "# per grouped_matmul shape the configuration closest to the best",
             "# candidate at every T (geometric mean of time / best).",
             "# op            sizes to match          configuration"]
    for function in functions:
        if function not in chosen:
            lines.append(f"# {function}: no candidate passed every check")
            continue
        name, score, _ = chosen[function]
        E, N, K = shapes[function]
        config = configs[name]
        if config == "heuristic":
            lines.append(f"# {function} (E={E} N={N} K={K}): the heuristic "
                         f"(within {score:.3f}x of the per-T best)")
            continue
        lines.append(f"grouped_matmul  E={E} N={N} K={K}  {config}"
                     f"  # {function}, {score:.3f}x the per-T best")
    os.makedirs(os.path.dirname(os.path.abspath(table)), exist_ok=True)
    with open(table, "w") as f:
        f.write("\n".join(lines) + "\n")

    # The report: heuristic vs tuned vs best, per function and T.
    heuristic = next((n for n, c in candidates if c == "heuristic"), None)
    rows = ["| function | T | heuristic us | tuned us | best us | best config "
            "| heuristic / tuned |", "|" + "---|" * 7]
    worst = 0.0
    for function in functions:
        if function not in chosen:
            continue
        name, _, best = chosen[function]
        for T in tokens:
            tuned = results[name].get((function, T))
            untuned = results[heuristic].get((function, T)) if heuristic else None
            best_name = min((n for n, _ in candidates
                             if results[n].get((function, T))),
                            key=lambda n: results[n][(function, T)])
            ratio = untuned / tuned if untuned and tuned else None
            if ratio:
                worst = max(worst, ratio)
            rows.append(f"| {function} | {T} | {untuned or 'fail'} | {tuned} "
                        f"| {best[T]} | {configs[best_name]} "
                        f"| {f'{ratio:.3f}' if ratio else '-'} |")
    elapsed = time.time() - start
    report = os.path.join(args.out, "autotune.md")
    with open(report, "w") as f:
        f.write(f"# Autotune on {device}: {len(candidates)} candidates, "
                f"models {args.models}, T in {args.tokens}, {elapsed:.0f} s\n\n")
        f.write("\n".join(rows) + "\n\n")
        f.write(f"Largest heuristic / tuned: {worst:.3f} (issue 15 asks "
                f"<= 1.10 at every point).\n\nTable written to {table}:\n\n")
        f.write("```\n" + "\n".join(lines) + "\n```\n")
    print(open(report).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
