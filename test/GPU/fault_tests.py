#!/usr/bin/env python3
"""GPU-host fault tests (issue 14, "hostile input never crashes"): the runtime
given a corrupt or truncated kernel image, a module for the wrong chip, an
out-of-memory allocation and a kernel that faults must return a clear error
that names the entry point (or GPU module) and the kernel, through the C API
(test/GPU/fault_capi.c, built here against the runtime) and through Python
(python/moe_artifact.py), and the process must report it and exit without
hanging. Every case runs in its own subprocess with a timeout: a kernel fault
leaves the CUDA context unusable, and a failed module load sets the
process-wide sticky error.

Needs, compiled on the build machine by utils/build-gpu-artifacts.sh (format
fatbin, i.e. with ptxas there):
  ARTIFACTS/norm-and-activation.{so,manifest}, ARTIFACTS/permutation.{so,manifest}
  ARTIFACTS/sm80/norm-and-activation.{so,manifest}  (--chip sm_80 --format bin)
and the runtime built on the GPU host (test/GPU/common.sh's build_runtime).
Prints one PASS/FAIL line per case; exits 1 if any failed.

Usage: python3 test/GPU/fault_tests.py [--artifacts DIR] [--runtime BUILD]
                                       [--work DIR] [--only NAME ...]
"""

import argparse
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))

FATBIN_MAGIC = struct.pack("<I", 0xBA55ED50)
TIMEOUT_S = 120
UNMAPPED = 0x10000  # no device or host memory is mapped there

# ---------------------------------------------------------------------------
# Image surgery on a copy of an artifact
# ---------------------------------------------------------------------------


def fatbins(data):
    """(offset, header size, payload size) of every fatbin embedded in data."""
    found, at = [], 0
    while True:
        at = data.find(FATBIN_MAGIC, at)
        if at < 0:
            return found
        header, size = struct.unpack_from("<HQ", data, at + 6)
        if header == 16 and at + header + size <= len(data):
            found.append((at, header, size))
        at += 4


def fatbin_of(data, kernel):
    """The embedded fatbin whose cubin names `kernel`."""
    name = kernel.encode() + b"\0"
    for at, header, size in fatbins(data):
        if data.find(name, at, at + header + size) >= 0:
            return at, header, size
    raise SystemExit(f"fault_tests: no fatbin naming {kernel} (artifacts not "
                     "compiled as fatbin? run utils/build-gpu-artifacts.sh with ptxas)")


def fatbin_entries(data, at, header, size):
    """(offset, kind, entry header size, payload size): kind 1 PTX, 2 cubin."""
    entries, off = [], at + header
    while off + 16 <= at + header + size:
        kind, _, entry_header, payload = struct.unpack_from("<HHIQ", data, off)
        entries.append((off, kind, entry_header, payload))
        off += entry_header + payload
    return entries


def corrupt_fatbin(data, at, header, size):
    """Damages every entry of one fatbin: the cubin claims to be an x86-64
    ELF (its symbol table stays readable), the (compressed) PTX is noise."""
    rng = random.Random(14)
    for off, kind, entry_header, payload in fatbin_entries(data, at, header, size):
        start = off + entry_header
        if kind == 2 and data[start:start + 4] == b"\x7fELF":
            struct.pack_into("<H", data, start + 18, 0x3E)  # e_machine
        else:
            data[start:start + payload] = bytes(rng.randrange(256) for _ in range(payload))


def truncate_fatbin(data, at, header, size):
    """Makes one fatbin's header claim 4 KiB more than the image holds (what
    an image cut short looks like to the loader)."""
    struct.pack_into("<Q", data, at + 8, size + 4096)


def elf_images(data):
    """Cubins embedded (format bin) in a shared object: (offset, size)."""
    found, at = [], 1
    while True:
        at = data.find(b"\x7fELF", at)
        if at < 0:
            return found
        phoff, shoff = struct.unpack_from("<QQ", data, at + 32)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, at + 54)
        end = max(shoff + shentsize * shnum, phoff + phentsize * phnum)
        for i in range(phnum):
            h = at + phoff + i * phentsize
            if h + 40 <= len(data):
                offset, = struct.unpack_from("<Q", data, h + 8)
                filesz, = struct.unpack_from("<Q", data, h + 32)
                end = max(end, offset + filesz)
        for i in range(shnum):
            h = at + shoff + i * shentsize
            if h + 40 > len(data):
                break
            stype, = struct.unpack_from("<I", data, h + 4)
            offset, length = struct.unpack_from("<QQ", data, h + 24)
            if stype != 8:
                end = max(end, offset + length)
        if data[at + 18] == 190 and at + end <= len(data):  # EM_CUDA
            found.append((at, end))
        at += 4


# ---------------------------------------------------------------------------
# The Python-layer cases (run in a subprocess: --python-case NAME ARGS)
# ---------------------------------------------------------------------------


def python_case(name, args, runtime):
    import torch
    from moe_artifact import Artifact, MoeArtifactError

    try:
        if name in ("load",):
            Artifact(args[0], runtime=runtime)
        elif name == "oom":
            art = Artifact(args[0], runtime=runtime)
            T, K, H = 2048, 8, 2048
            tensors = [torch.zeros(T, H, dtype=torch.bfloat16, device="cuda"),
                       torch.zeros(T, K, dtype=torch.int32, device="cuda"),
                       torch.zeros(T, K, dtype=torch.float32, device="cuda"),
                       torch.zeros(T * K, H, dtype=torch.bfloat16, device="cuda"),
                       torch.zeros(T * K, dtype=torch.int32, device="cuda"),
                       torch.zeros(129, dtype=torch.int32, device="cuda"),
                       torch.zeros(T * K, dtype=torch.float32, device="cuda")]
            hog, block = [], 1 << 32
            while block >= 1 << 16:
                try:
                    hog.append(torch.empty(block, dtype=torch.uint8, device="cuda"))
                except torch.cuda.OutOfMemoryError:
                    block //= 2
            print(f"took {sum(h.numel() for h in hog) >> 20} MiB", file=sys.stderr)
            art.call("permute_qwen3", *tensors)
        elif name == "fault":
            art = Artifact(args[0], runtime=runtime)
            T = 4096
            x = torch.zeros(T, 1536, dtype=torch.bfloat16, device="cuda")
            out = torch.zeros(T, 768, dtype=torch.bfloat16, device="cuda")
            descs = art.descriptors("silu_and_mul_qwen3", x, out)
            descs[0].allocated = descs[0].aligned = UNMAPPED
            art.call_descriptors("silu_and_mul_qwen3", descs)
        else:
            raise SystemExit(f"unknown python case {name}")
    except MoeArtifactError as e:
        print(f"RESULT {e}", flush=True)
        return 0
    print("RESULT no error", flush=True)
    return 1


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------


class Suite:
    def __init__(self, opts):
        self.opts = opts
        self.passed = self.failed = 0

    def run(self, name, command, statuses, patterns, env=None):
        """Runs one case; its RESULT line must have one of `statuses` and its
        message (after the status name, for the C program) must match every
        regular expression of `patterns`."""
        if self.opts.only and name not in self.opts.only:
            return
        try:
            proc = subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIMEOUT_S, env=env)
        except subprocess.TimeoutExpired:
            self.fail(name, f"hung: no exit within {TIMEOUT_S} s")
            return
        lines = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            self.fail(name, f"exit {proc.returncode}; stdout: {proc.stdout.strip()[-800:]}"
                      f"; stderr: {proc.stderr.strip()[-1500:]}")
            return
        result = lines[-1][len("RESULT "):]
        # The C program prints "<status name> <message>": the patterns (some
        # anchored with ^) are matched against the message.
        message = result
        if re.match(r"MOE_[A-Z_]+ ", result):
            message = result.split(" ", 1)[1]
        missing = [p for p in patterns if not re.search(p, message)]
        if not any(s in result for s in statuses):
            missing.insert(0, "status " + " or ".join(statuses))
        if missing:
            self.fail(name, f"message lacks {missing}: {result}")
            return
        self.passed += 1
        print(f"PASS {name}: {result}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}", flush=True)


def build_capi(runtime_build, work):
    lib_dir = os.path.join(runtime_build, "lib", "Runtime")
    exe = os.path.join(work, "fault_capi")
    cc = shutil.which("cc") or shutil.which("gcc") or "cc"
    subprocess.run([cc, "-std=c99", "-O1", "-D_GNU_SOURCE", "-I",
                    os.path.join(REPO, "include"),
                    os.path.join(REPO, "test", "GPU", "fault_capi.c"),
                    "-L", lib_dir, "-lMoeRuntime", "-ldl",
                    "-Wl,-rpath," + lib_dir, "-o", exe], check=True)
    return exe


def copy_artifact(src_prefix, dst_prefix, edit):
    """Copies PREFIX.{so,manifest}, applying edit(bytearray) to the .so."""
    data = bytearray(open(src_prefix + ".so", "rb").read())
    edit(data)
    with open(dst_prefix + ".so", "wb") as f:
        f.write(data)
    shutil.copy(src_prefix + ".manifest", dst_prefix + ".manifest")
    return dst_prefix


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--artifacts", default=os.path.join(REPO, "artifacts"))
    p.add_argument("--runtime", default=os.environ.get("BUILD", "/tmp/moe-rt-build"),
                   help="the runtime-only build folder (lib/Runtime/libMoeRuntime.so)")
    p.add_argument("--work", default=None, help="folder for the damaged copies")
    p.add_argument("--only", nargs="*", default=None)
    p.add_argument("--python-case", nargs="+", default=None, help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.python_case:
        return python_case(opts.python_case[0], opts.python_case[1:], opts.runtime)

    work = opts.work or tempfile.mkdtemp(prefix="moe-fault-")
    os.makedirs(work, exist_ok=True)
    norm = os.path.join(opts.artifacts, "norm-and-activation")
    perm = os.path.join(opts.artifacts, "permutation")
    sm80 = os.path.join(opts.artifacts, "sm80", "norm-and-activation")
    for prefix in (norm, perm, sm80):
        if not os.path.exists(prefix + ".so"):
            print(f"SKIP fault tests: no {prefix}.so (compile the artifacts with "
                  "utils/build-gpu-artifacts.sh on a machine with ptxas)")
            return 0
    if not fatbins(open(norm + ".so", "rb").read()):
        print(f"SKIP fault tests: {norm}.so embeds no fatbin (compile the "
              "artifacts with utils/build-gpu-artifacts.sh on a machine with ptxas)")
        return 0
    capi = build_capi(opts.runtime, work)
    lib = os.path.join(opts.runtime, "lib", "Runtime", "libMoeRuntime.so")
    me = [sys.executable, os.path.abspath(__file__), "--runtime", lib, "--python-case"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")

    # The damaged copies: one module (silu_and_mul_qwen3's) of the norm suite.
    target = "silu_and_mul_qwen3_kernel"
    original = open(norm + ".so", "rb").read()
    fb = fatbin_of(original, target)
    corrupt = copy_artifact(norm, os.path.join(work, "corrupt"),
                            lambda d: corrupt_fatbin(d, *fb))
    truncated = copy_artifact(norm, os.path.join(work, "truncated"),
                              lambda d: truncate_fatbin(d, *fb))
    image = bytearray(original[fb[0]:fb[0] + fb[1] + fb[2]])
    cubin = next(bytes(image[o + h:o + h + n])
                 for o, k, h, n in fatbin_entries(image, 0, fb[1], fb[2]) if k == 2)
    files = {}

    def write(name, data):
        files[name] = os.path.join(work, name)
        with open(files[name], "wb") as f:
            f.write(data)

    write("cut.fatbin", image[:len(image) // 2])
    write("cut.cubin", cubin[:len(cubin) // 2])
    damaged = bytearray(image)
    corrupt_fatbin(damaged, 0, fb[1], fb[2])
    write("corrupt.fatbin", damaged)
    sm80_data = open(sm80 + ".so", "rb").read()
    at, size = elf_images(sm80_data)[0]
    write("sm_80.cubin", sm80_data[at:at + size])

    invalid = ["MOE_ERROR_INVALID_MODULE"]
    module = rf"loading the GPU module '{target}' \(its constructor '{target}_load'"
    kernel = rf"kernels in the image: '{target}'"
    any_module = r"loading the GPU module '\w+_kernel\w*' \(its constructor"
    any_kernel = r"kernels in the image: '\w+_kernel'"
    launch = ["MOE_ERROR_LAUNCH"]
    fault = [r"CUDA_ERROR_(ILLEGAL_ADDRESS|LAUNCH_FAILED)", r"CUDA context unusable"]

    s = Suite(opts)
    # (a) corrupt and truncated images
    s.run("capi-corrupt-module", [capi, "load", corrupt + ".so"], invalid,
          [r"^mgpuModuleLoad: loading the fatbin module image", module, kernel,
           re.escape(corrupt + ".so")])
    s.run("capi-truncated-module", [capi, "load", truncated + ".so"], invalid,
          [r"^mgpuModuleLoad: the fatbin image of \d+ bytes is invalid.*truncated\?",
           module, re.escape(truncated + ".so")])
    s.run("capi-corrupt-image", [capi, "image", files["corrupt.fatbin"]], invalid,
          [r"^moeModuleLoad: loading the fatbin module image", kernel])
    s.run("capi-truncated-fatbin", [capi, "image", files["cut.fatbin"]], invalid,
          [r"^moeModuleLoad: the fatbin image of \d+ bytes is invalid.*truncated\?"])
    s.run("capi-truncated-cubin", [capi, "image", files["cut.cubin"]], invalid,
          [r"^moeModuleLoad: the cubin \(ELF\) image of \d+ bytes is invalid.*truncated\?"])
    s.run("py-corrupt-module", me + ["load", corrupt], invalid,
          [r"loading .*corrupt\.so \(its GPU module\)", module, kernel], env)
    s.run("py-truncated-module", me + ["load", truncated], invalid,
          [r"truncated\?", module], env)
    # (b) a module for the wrong chip (an sm_80 cubin on a Hopper GPU)
    wrong = [r"CUDA_ERROR_NO_BINARY_FOR_GPU", r"compute capability 9\.\d"]
    s.run("capi-wrong-chip-image", [capi, "image", files["sm_80.cubin"]], invalid,
          [r"^moeModuleLoad: loading the cubin \(ELF\) module image", any_kernel] + wrong)
    s.run("capi-wrong-chip-module", [capi, "load", sm80 + ".so"], invalid,
          [any_module, any_kernel, re.escape(sm80 + ".so")] + wrong)
    s.run("py-wrong-chip-module", me + ["load", sm80], invalid,
          [any_module, any_kernel] + wrong, env)
    # (c) out of memory inside an entry point
    oom = ["MOE_ERROR_OUT_OF_MEMORY"]
    entry = r"in entry point 'permute_qwen3' of .*permutation\.so"
    s.run("capi-oom", [capi, "oom", perm + ".so"], oom,
          [r"CUDA_ERROR_OUT_OF_MEMORY", entry])
    s.run("py-oom", me + ["oom", perm], oom,
          [r"in permute_qwen3: MOE_ERROR_OUT_OF_MEMORY", entry], env)
    # (d) a kernel that faults (an input pointer with nothing mapped there)
    entry = r"in entry point 'silu_and_mul_qwen3' of .*norm-and-activation\.so"
    pending = r"since its last synchronization \(one of them faulted; newest last\): 'silu_and_mul_qwen3_kernel'"
    s.run("capi-fault", [capi, "fault", norm + ".so"], launch,
          [r"^mgpuStreamSynchronize: ", entry, pending] + fault)
    s.run("capi-kernel-fault", [capi, "kernel-fault"], launch,
          [r"^moeStreamSynchronize: ", r"newest last\): 'fault_store'"] + fault)
    s.run("py-fault", me + ["fault", norm], launch,
          [r"in silu_and_mul_qwen3: MOE_ERROR_LAUNCH: mgpuStreamSynchronize", entry,
           pending] + fault, env)
    print(f"fault tests: {s.passed} passed, {s.failed} failed", flush=True)
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
