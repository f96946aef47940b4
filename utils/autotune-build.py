#!/usr/bin/env python3
"""Compile the autotuner's candidates (build machine, no GPU needed).

For every configuration of test/GPU/autotune/candidates.txt, the expert
GEMMs of the example models (gemm1_<model>, gemm2_<model> of
test/GPU/suite/gemm.mlir) are compiled with that configuration applied to
every grouped_matmul (a one-line config table for moe-select-configs) into
OUT/c<i>/gemm.so + gemm.manifest; OUT/candidates.txt lists `c<i> <config>`
for test/GPU/autotune.py, which times them on the GPU host and writes the
tuned table. A candidate the #moe.gemm_config verifier rejects is reported
and left out.

Usage: utils/autotune-build.py OUT [--models qwen3,mixtral,...]
Environment: MOE_COMPILE / MOE_OPT as utils/moe-compile.sh takes them,
FORMAT (isa|bin|fatbin; default fatbin when ptxas is found, else isa).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["mixtral", "qwen3", "deepseek_v3", "kimi_k2"]


def read_candidates(path):
    """The non-comment lines of candidates.txt, in order."""
    with open(path) as f:
        lines = [line.split("#", 1)[0].strip() for line in f]
    return [line for line in lines if line]


def model_functions(suite, models):
    """The text of gemm1_<m> and gemm2_<m> of the GEMM suite, for each m."""
    with open(suite) as f:
        text = f.read()
    # Each function runs from `func.func @name(` to the `}` closing it at
    # the start of a line.
    functions = {}
    for match in re.finditer(r"^func\.func @(\w+)\(.*?^}\n", text,
                             re.MULTILINE | re.DOTALL):
        functions[match.group(1)] = match.group(0)
    picked = []
    for model in models:
        for gemm in ("gemm1", "gemm2"):
            name = f"{gemm}_{model}"
            if name not in functions:
                sys.exit(f"autotune-build: {suite} has no @{name}")
            picked.append(functions[name])
    return "\n".join(picked)


def default_format():
    ptxas = shutil.which("ptxas") or os.path.exists("/usr/local/cuda/bin/ptxas")
    return "fatbin" if ptxas else "isa"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--candidates",
                   default=os.path.join(ROOT, "test/GPU/autotune/candidates.txt"))
    args = p.parse_args()
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODELS:
            p.error(f"unknown model '{m}' (have: {', '.join(MODELS)})")
    fmt = os.environ.get("FORMAT") or default_format()
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/local/cuda/bin")
    os.makedirs(args.out, exist_ok=True)
    module = os.path.join(args.out, "gemm.mlir")
    with open(module, "w") as f:
        f.write("// The expert GEMMs the autotuner times (from "
                "test/GPU/suite/gemm.mlir).\n\n")
        f.write(model_functions(os.path.join(ROOT, "test/GPU/suite/gemm.mlir"),
                                models))
    listed = []
    for index, config in enumerate(read_candidates(args.candidates)):
        name = f"c{index}"
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        command = [os.path.join(ROOT, "utils/moe-compile.sh"), "--format", fmt]
        table = None
        if config != "heuristic":
            table = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
            table.write(f"grouped_matmul  {config}\n")
            table.close()
            env["MOE_PIPELINE_OPTIONS"] = f"config-table={table.name}"
        else:
            env.pop("MOE_PIPELINE_OPTIONS", None)
        result = subprocess.run(command + [module, folder], env=env,
                                capture_output=True, text=True)
        if table:
            os.unlink(table.name)
        if result.returncode != 0:
            first = (result.stderr.strip().splitlines() or ["?"])[0]
            print(f"skipped {name} ({config}): {first}")
            shutil.rmtree(folder)
            continue
        for leftover in os.listdir(folder):
            if leftover.endswith(".llvm.mlir"):
                os.unlink(os.path.join(folder, leftover))
        listed.append(f"{name} {config}")
        print(f"compiled {name}: {config}")
    with open(os.path.join(args.out, "candidates.txt"), "w") as f:
        f.write("\n".join(listed) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
