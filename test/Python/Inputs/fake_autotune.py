"""Runs test/GPU/autotune.py's selection and table writing on made-up
timings (no GPU): candidates c0 (the heuristic), c1 and c2; gemm1_toy is
fastest with c1 everywhere but T = 8192, where c2 wins by 20%; gemm2_toy
with the heuristic everywhere, c2 within the 5% switch margin at T = 8192;
c1 fails gemm2_toy at T = 32 and so is never picked for it.
Usage: fake_autotune.py REPO OUT"""
import importlib.util
import os
import sys

repo, out = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location(
    "autotune", os.path.join(repo, "test", "GPU", "autotune.py"))
autotune = importlib.util.module_from_spec(spec)
spec.loader.exec_module(autotune)

TOKENS = [1, 32, 256, 2048, 8192]
K_TOP = 8
TIMES = {  # (candidate, function): us per T
    ("c0", "gemm1_toy"): [20, 40, 100, 600, 2400],
    ("c1", "gemm1_toy"): [18, 36, 90, 500, 2000],
    ("c2", "gemm1_toy"): [30, 50, 120, 620, 1600],
    ("c0", "gemm2_toy"): [10, 20, 50, 300, 1200],
    ("c1", "gemm2_toy"): [12, None, 40, 200, 800],
    ("c2", "gemm2_toy"): [11, 22, 55, 310, 1150],
}

tune_dir = os.path.join(out, "tune")
os.makedirs(os.path.join(tune_dir, "c0"), exist_ok=True)
with open(os.path.join(tune_dir, "candidates.txt"), "w") as f:
    f.write("c0 heuristic\nc1 tile_n=128\nc2 cluster_m=2\n")
with open(os.path.join(tune_dir, "c0", "gemm.manifest"), "w") as f:
    f.write("function gemm1_toy\narg 0 bf16 ?x64\narg 1 bf16 4x128x64\n"
            "function gemm2_toy\narg 0 bf16 ?x64\narg 1 bf16 4x64x64\n")


def fake_run(args, name, log_dir, rows_of):
    results = {}
    for (candidate, function), times in TIMES.items():
        if candidate != name:
            continue
        for T, us in zip(TOKENS, times):
            results[(function, T)] = us
            rows_of[(function, T)] = T * K_TOP
    return results


autotune.run_candidate = fake_run
sys.argv = ["autotune.py", "--tune-dir", tune_dir, "--out", out,
            "--table", os.path.join(out, "tuned.txt")]
autotune.main()
