"""Timing, formatting and the summary shared by the GPU scripts that run
next to torch (gemm_vs_torch.py, layer_vs_torch.py)."""

import os
import statistics

import torch


def time_calls(fn, iters, warmup, flush):
    """Median microseconds of fn() between two CUDA events on torch's
    current stream, each call started from an idle device (after an L2 flush
    when `flush` is a tensor to overwrite)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    pairs = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
             for _ in range(iters)]
    for start, end in pairs:
        if flush is not None:
            flush.zero_()
        torch.cuda.synchronize()
        start.record()
        fn()
        end.record()
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in pairs) * 1e3


def fmt_err(x):
    return "-" if x is None else f"{x:.2e}"


def fmt_us(x):
    return "-" if x is None else f"{x:.1f}"


def write_summary(out_dir, file_name, preamble, table, rows, name, log):
    """Writes preamble + table to out_dir/file_name, logs them and the
    `<name>: P passed, F failed, S skipped` line from rows' "result"."""
    with open(os.path.join(out_dir, file_name), "w") as f:
        f.write(preamble + "\n\n" + table + "\n")
    log("")
    log(preamble)
    log(table)
    counts = {r: sum(row["result"] == r for row in rows) for r in ("PASS", "FAIL", "SKIP")}
    log(f"{name}: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
