#!/usr/bin/env python3
"""GPU-host test of the upstream MLIR GPU runtime ABI (issue 12 item 5): IR
of our own in upstream dialects only (test/GPU/upstream-abi/*.mlir),
compiled on the build machine by the stock `mlir-opt
--gpu-lower-to-nvvm-pipeline`, `mlir-translate` and `llc`
(utils/build-upstream-abi-artifacts.sh, run by utils/build-gpu-artifacts.sh
into ARTIFACTS/upstream-abi/), runs here on libMoeRuntime.so in place of
upstream's libmlir_cuda_runtime.so.

Each program's `_mlir_ciface_` entry point is called through ctypes with
memref descriptors of fresh random numpy inputs and poisoned outputs, twice
per test, and compared with a numpy reference: exactly for integers and for
floats that only move integer values, to a relative error below 1e-2 for the
f16 GEMM. The runtime's sticky error must stay clear. Every test runs in its
own subprocess with a timeout (a kernel fault leaves the CUDA context
unusable; a TMA load that never lands leaves its mbarrier wait spinning).

  all-reduce     gpu.launch with gpu.all_reduce (add, maxsi, minui, xor and
                 a custom region) over a 2-D block
  cluster        gpu.launch with clusters (2x2 of a 4x2 grid):
                 mgpuLaunchClusterKernel; cluster ids, block ids in the
                 cluster, cluster sizes, the CTA rank, and a read of the next
                 block's shared memory through nvvm.mapa between two cluster
                 barriers
  host-register  gpu.host_register / host_unregister of two host memrefs
                 that the kernel reads and writes in place
  two-modules    two gpu.modules, each its own mgpuModuleLoad, two
                 gpu.launch_func on one async chain, a scalar argument
  tma            nvgpu.tma.create.descriptor (mgpuTensorMapEncodeTiledMemref,
                 a device copy of the map), nvgpu.tma.async.load into shared
                 memory on an mbarrier with expect_tx, tiles past the
                 tensor's last row zero-filled (oob = zero)
  wgmma          a 64x128x64 f16 GEMM with f32 accumulation: TMA loads with
                 the 128-byte swizzle, nvgpu.warpgroup.mma (four
                 wgmma.mma_async m64n128k16), nvgpu.warpgroup.mma.store

Prints one PASS/FAIL line per test and a summary; exits 1 if any failed.

Usage: python3 test/GPU/upstream_abi_tests.py [--artifacts DIR] [--runtime BUILD]
                                              [--only NAME ...] [--seed N]
  --artifacts  the folder of the .so files (default artifacts/upstream-abi)
  --runtime    the runtime-only build folder, or libMoeRuntime.so itself
"""

import argparse
import ctypes
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))

TIMEOUT_S = 120
RUNS = 2
PAGE = 4096

# ---------------------------------------------------------------------------
# Memref descriptors
# ---------------------------------------------------------------------------

_DESCRIPTORS = {}


def descriptor_type(rank):
    """The C struct of a ranked memref descriptor (StridedMemRefType)."""
    if rank not in _DESCRIPTORS:
        _DESCRIPTORS[rank] = type(f"MemRef{rank}D", (ctypes.Structure,), {
            "_fields_": [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                         ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                         ("strides", ctypes.c_int64 * rank)]})
    return _DESCRIPTORS[rank]


def memref(array):
    """A descriptor of the (C-contiguous) numpy array, by reference."""
    assert array.flags["C_CONTIGUOUS"]
    desc = descriptor_type(array.ndim)()
    desc.allocated = desc.aligned = array.ctypes.data
    desc.offset = 0
    for i, (size, stride) in enumerate(zip(array.shape, array.strides)):
        desc.sizes[i] = size
        desc.strides[i] = stride // array.itemsize
    return ctypes.byref(desc), desc


def page_aligned(np, shape, dtype):
    """An uninitialized array that starts on a page and fills whole pages,
    so that registering it with the driver touches no other memory."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape))
    size = count * dtype.itemsize
    raw = np.empty(size + 2 * PAGE, np.uint8)
    start = (-raw.ctypes.data) % PAGE
    # The view keeps `raw` alive (its .base).
    return raw[start:start + size].view(dtype).reshape(shape)


# ---------------------------------------------------------------------------
# The tests: each takes (lib, np, rng) and returns a failure message or None
# ---------------------------------------------------------------------------

POISON_I32 = -0x5A5A5A5B


def call(lib, name, *args):
    function = getattr(lib, "_mlir_ciface_" + name)
    function.restype = None
    keep = []
    cargs = []
    for arg in args:
        if isinstance(arg, int):
            cargs.append(ctypes.c_int32(arg))
        else:
            ref, desc = memref(arg)
            keep.append(desc)
            cargs.append(ref)
    function(*cargs)


def compare_exact(np, what, got, want):
    if got.shape != want.shape or not np.array_equal(got, want):
        bad = np.argwhere(got != want)
        first = tuple(bad[0]) if len(bad) else None
        return (f"{what}: {len(bad)} of {want.size} elements differ; first at "
                f"{first}: got {got[first] if first else '?'}, want "
                f"{want[first] if first else '?'}")
    return None


def test_all_reduce(lib, np, rng):
    data = rng.integers(-(1 << 20), 1 << 20, (8, 256), dtype=np.int32)
    out = np.full((8, 5), POISON_I32, np.int32)
    call(lib, "all_reduce", data, out)
    want = np.stack([
        data.sum(axis=1, dtype=np.int32),
        data.max(axis=1),
        data.view(np.uint32).min(axis=1).view(np.int32),
        np.bitwise_xor.reduce(data, axis=1),
        np.bitwise_or.reduce(data, axis=1)], axis=1).astype(np.int32)
    return compare_exact(np, "add/maxsi/minui/xor/or per block", out, want)


def test_cluster(lib, np, rng):
    data = rng.integers(-(1 << 30), 1 << 30, (8, 32), dtype=np.int32)
    ids = np.full((8, 9), POISON_I32, np.int32)
    peer = np.full((8, 32), POISON_I32, np.int32)
    call(lib, "cluster", data, ids, peer)
    want_ids = np.zeros((8, 9), np.int32)
    want_peer = np.zeros((8, 32), np.int32)
    for by in range(2):
        for bx in range(4):
            b = by * 4 + bx
            cid = (bx // 2, by // 2)
            cblock = (bx % 2, by % 2)
            rank = cblock[1] * 2 + cblock[0]
            want_ids[b] = [cid[0], cid[1], cblock[0], cblock[1], 2, 2, 2, 1, rank]
            nxt = (rank + 1) % 4
            pbx, pby = cid[0] * 2 + nxt % 2, cid[1] * 2 + nxt // 2
            want_peer[b] = data[pby * 4 + pbx]
    return (compare_exact(np, "cluster ids (clusterid.xy, cluster_ctaid.xy, "
                          "cluster_nctaid.xy, nclusterid.xy, ctarank)", ids, want_ids)
            or compare_exact(np, "next block's shared memory (mapa)", peer, want_peer))


def test_host_register(lib, np, rng):
    data = page_aligned(np, (2048,), np.int32)
    data[:] = rng.integers(-(1 << 20), 1 << 20, 2048, dtype=np.int32)
    before = data.copy()
    out = page_aligned(np, (2048,), np.int32)
    out[:] = POISON_I32
    call(lib, "host_register", data, out)
    mirrored = before.reshape(8, 256)[:, ::-1].reshape(2048)
    return (compare_exact(np, "out = 3 * data - mirrored data", out, before * 3 - mirrored)
            or compare_exact(np, "data + 1 written in place", data, before + 1))


def test_two_modules(lib, np, rng):
    x = rng.integers(-(1 << 20), 1 << 20, 1024, dtype=np.int32)
    k = int(rng.integers(-100, 100))
    y = np.full(1024, POISON_I32, np.int32)
    z = np.full(1024, POISON_I32, np.int32)
    call(lib, "two_modules", x, k, y, z)
    return (compare_exact(np, f"y = x * {k} (module 1)", y, x * np.int32(k))
            or compare_exact(np, "z = y + reversed x (module 2)", z, x * np.int32(k) + x[::-1]))


def test_tma(lib, np, rng):
    data = rng.integers(-1000, 1000, (60, 128)).astype(np.float32)
    out = np.full((64, 128), np.nan, np.float32)
    call(lib, "tma", data, out)
    padded = np.zeros((64, 128), np.float32)
    padded[:60] = data
    rows = np.arange(64)[:, None] // 16
    cols = np.arange(128)[None, :] // 32
    want = padded * 2 + (rows * 4 + cols).astype(np.float32)
    return compare_exact(np, "2 * tile + block (rows 60..63 zero-filled)", out, want)


def test_wgmma(lib, np, rng):
    a = rng.uniform(-1, 1, (64, 64)).astype(np.float16)
    b = rng.uniform(-1, 1, (64, 128)).astype(np.float16)
    d = np.full((64, 128), np.nan, np.float32)
    call(lib, "wgmma", a, b, d)
    want = a.astype(np.float32) @ b.astype(np.float32)
    if not np.isfinite(d).all():
        return f"D has {np.count_nonzero(~np.isfinite(d))} non-finite elements"
    err = float(np.abs(d - want).max() / np.abs(want).max())
    if err >= 1e-2:
        worst = np.unravel_index(np.abs(d - want).argmax(), d.shape)
        return (f"relative error {err:.3g} >= 1e-2; worst at {worst}: got "
                f"{d[worst]}, want {want[worst]}")
    return None


TESTS = {
    "all-reduce": test_all_reduce,
    "cluster": test_cluster,
    "host-register": test_host_register,
    "two-modules": test_two_modules,
    "tma": test_tma,
    "wgmma": test_wgmma,
}

# ---------------------------------------------------------------------------
# One test in this process (the child), and the driver
# ---------------------------------------------------------------------------


def run_child(name, artifacts, runtime, seed):
    import numpy as np
    from moe.runtime import load_runtime, sticky_error

    load_runtime(runtime)
    path = os.path.join(artifacts, name + ".so")
    if not os.path.exists(path):
        print(f"FAIL {name}: no {path} (utils/build-upstream-abi-artifacts.sh)")
        return 1
    # Its global constructors load the GPU modules (mgpuModuleLoad).
    lib = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    error = sticky_error()
    if error:
        print(f"FAIL {name}: runtime error loading the modules: {error}")
        return 1
    rng = np.random.default_rng(seed)
    for run in range(RUNS):
        message = TESTS[name](lib, np, rng)
        error = sticky_error()
        if error:
            message = f"runtime error: {error}" + (f"; {message}" if message else "")
        if message:
            print(f"FAIL {name} (run {run + 1}, seed {seed}): {message}")
            return 1
    print(f"PASS {name} ({RUNS} runs, seed {seed})")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts", "upstream-abi"))
    p.add_argument("--runtime", default=os.environ.get("BUILD", "/tmp/moe-rt-build"),
                   help="the runtime-only build folder, or libMoeRuntime.so")
    p.add_argument("--only", nargs="*", choices=sorted(TESTS), help="run only these")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--child", choices=sorted(TESTS), help=argparse.SUPPRESS)
    opts = p.parse_args()
    seed = opts.seed if opts.seed is not None else int.from_bytes(os.urandom(4), "little")
    if opts.child:
        return run_child(opts.child, opts.artifacts, opts.runtime, seed)

    passed = failed = 0
    for name in opts.only or list(TESTS):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", name,
               "--artifacts", opts.artifacts, "--runtime", opts.runtime,
               "--seed", str(seed)]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=TIMEOUT_S, text=True)
            output = proc.stdout.strip()
            lines = output.splitlines()
            ok = proc.returncode == 0 and bool(lines) and lines[-1].startswith("PASS")
            if not output:
                output = f"FAIL {name}: no output (exit {proc.returncode})"
            elif not ok and not any(line.startswith("FAIL") for line in lines):
                output += f"\nFAIL {name}: exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            ok, output = False, f"FAIL {name}: timed out after {TIMEOUT_S} s"
        print(output, flush=True)
        if ok:
            passed += 1
        else:
            failed += 1
    print(f"upstream-abi tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
