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
K) and, through `min_rows=` lines, by its rows R = T * k at run time (the
host code launches the kernels of the configuration for R). Per function:
the base configuration is the one whose times are closest to the best of
every candidate at each T (smallest geometric mean of time / best time);
at a T where another candidate beats it by more than --switch (default
5%: less is within run-to-run noise), that candidate takes the rows from
the geometric mean of this T's R and the previous measured T's R up, as a
`min_rows=` line (adjacent T with the same winner share one line). The
report (LOG/autotune.md) has, per function and T, the heuristic's time (no
table), the tuned one's, the best one's and which it was, and the largest
heuristic / tuned ratio: how far the untuned heuristic is from the table.

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


def read_results(markdown, rows_of=None):
    """{(function, T): microseconds or None (failed)} from gemm_vs_torch.md;
    fills rows_of[(function, T)] = R where given."""
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
            if rows_of is not None and row.get("R", "").isdigit():
                rows_of[key] = int(row["R"])
    return results


def run_candidate(args, name, log_dir, rows_of):
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
    return read_results(markdown, rows_of)


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


def row_buckets(function, tokens, base, candidates, results, rows_of, switch):
    """[(min_rows, name)] in increasing min_rows, the first 0: `base`
    except at the T where another candidate is more than `switch` faster
    (adjacent T with the same winner merged)."""
    picks = []
    for T in tokens:
        base_us = results[base].get((function, T))
        # Only candidates that passed at every T (a failure anywhere is a
        # bug of that configuration).
        timed = [(results[n][(function, T)], n) for n, _ in candidates
                 if all(results[n].get((function, t)) for t in tokens)]
        name = base
        if timed and base_us:
            best_us, best = min(timed)
            if best_us * (1 + switch) < base_us:
                name = best
        picks.append((T, name))
    buckets = [(0, picks[0][1])]
    for (prev_T, _), (T, name) in zip(picks, picks[1:]):
        if name == buckets[-1][1]:
            continue
        lo = rows_of.get((function, prev_T), prev_T)
        hi = rows_of.get((function, T), T)
        buckets.append((int(round(math.sqrt(lo * hi))), name))
    return buckets


def tuned_name(buckets, rows):
    """The candidate a row count gets from the buckets."""
    return [name for min_rows, name in buckets if min_rows <= rows][-1]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tune-dir", required=True)
    p.add_argument("--runtime", default=None)
    p.add_argument("--models", default="qwen3")
    p.add_argument("--tokens", default="1,32,256,2048,8192")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--switch", type=float, default=0.05,
                   help="margin another candidate must win a T by to get "
                        "its rows (min_rows lines)")
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
    results, rows_of = {}, {}
    for name, config in candidates:
        results[name] = run_candidate(args, name, log_dir, rows_of)
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
             "# candidate at every T (geometric mean of time / best), and",
             f"# min_rows lines where another wins a T by more than {args.switch:.0%}.",
             "# op            sizes to match          configuration"]
    buckets_of = {}
    for function in functions:
        if function not in chosen:
            lines.append(f"# {function}: no candidate passed every check")
            continue
        name, score, _ = chosen[function]
        E, N, K = shapes[function]
        buckets = row_buckets(function, tokens, name, candidates, results,
                              rows_of, args.switch)
        buckets_of[function] = buckets
        for min_rows, bucket_name in buckets:
            config = configs[bucket_name]
            rows_field = f" min_rows={min_rows}" if min_rows else ""
            note = (f"{score:.3f}x the per-T best" if bucket_name == name
                    else "the best from these rows")
            if config == "heuristic":
                if not min_rows:
                    # No base line: the heuristic covers the rows below the
                    # min_rows lines.
                    below = (" below the min_rows lines that follow"
                             if len(buckets) > 1 else "")
                    lines.append(f"# {function} (E={E} N={N} K={K}): the "
                                 f"heuristic{below} ({note})")
                    continue
                config = ""
            lines.append(f"grouped_matmul  E={E} N={N} K={K}{rows_field}  "
                         f"{config}  # {function}, {note}".replace("   ", "  "))
    os.makedirs(os.path.dirname(os.path.abspath(table)), exist_ok=True)
    with open(table, "w") as f:
        f.write("\n".join(lines) + "\n")

    # The report: heuristic vs tuned vs best, per function and T.
    heuristic = next((n for n, c in candidates if c == "heuristic"), None)
    rows = ["| function | T | R | heuristic us | tuned us | tuned config "
            "| best us | best config | heuristic / tuned |", "|" + "---|" * 9]
    worst = 0.0
    for function in functions:
        if function not in chosen:
            continue
        _, _, best = chosen[function]
        for T in tokens:
            R = rows_of.get((function, T), T)
            name = tuned_name(buckets_of[function], R)
            tuned = results[name].get((function, T))
            untuned = results[heuristic].get((function, T)) if heuristic else None
            best_name = min((n for n, _ in candidates
                             if results[n].get((function, T))),
                            key=lambda n: results[n][(function, T)])
            ratio = untuned / tuned if untuned and tuned else None
            if ratio:
                worst = max(worst, ratio)
            rows.append(f"| {function} | {T} | {R} | {untuned or 'fail'} | {tuned} "
                        f"| {configs[name]} | {best[T]} | {configs[best_name]} "
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
