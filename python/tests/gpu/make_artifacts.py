#!/usr/bin/env python3
"""Compiles the kernels of the GPU tests of the moe package (shapes.py) into
OUT/torch-ops.so + OUT/torch-ops.manifest, on the build machine (needs the
compiler extension; no GPU). utils/build-gpu-artifacts.sh runs it; the GPU
host's test/GPU/run-python-tests.sh puts OUT in MOE_ARTIFACT_PATH.

    PYTHONPATH=build/python python3 python/tests/gpu/make_artifacts.py \\
        [--format isa|bin|fatbin] OUT
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moe  # noqa: E402
from moe import ir  # noqa: E402
from shapes import op_specs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--format", default="", help="isa, bin or fatbin")
    parser.add_argument("--name", default="torch-ops")
    opts = parser.parse_args()
    try:
        art = moe.compile_text(ir.module(op_specs()), opts.name,
                               out_dir=opts.out, format=opts.format,
                               source_name="torch-ops.mlir")
    except moe.MoeError as e:
        print(f"make_artifacts: {e}", file=sys.stderr)
        return 1
    print(art.library)
    return 0


if __name__ == "__main__":
    sys.exit(main())
