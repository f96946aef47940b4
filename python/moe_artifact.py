"""Load a compiled moe artifact (``NAME.so`` + ``NAME.manifest``) into Python
and call its entry points on torch CUDA tensors, through ctypes.

An artifact comes from ``utils/moe-compile.sh`` (docs/Artifacts.md). Its .so
exports, for every function of the compiled .mlir, ``_mlir_ciface_<name>``
taking one pointer per argument to an MLIR ranked memref descriptor::

    struct { T *allocated; T *aligned; int64_t offset;
             int64_t sizes[rank]; int64_t strides[rank]; }

and returning nothing: results are written into the out arguments
(destination-passing). Its kernels are launched by libMoeRuntime.so (the
``mgpu*`` functions), which must be loaded first with RTLD_GLOBAL. The
runtime works in the CUDA primary context, the one PyTorch uses, so a CUDA
tensor's ``data_ptr()`` is passed as is. Each call makes its own stream and
synchronizes it before returning: when ``call`` returns, the outs are
complete (torch's streams are not synchronized with it; ``call`` waits for
the current torch stream first, see ``Artifact.call``).

Usage::

    import torch
    from moe_artifact import Artifact
    art = Artifact("artifacts/gemm")            # or .../gemm.so / gemm.manifest
    print(art.functions["gemm1_qwen3"])           # args: dtype and shape
    art.call("gemm1_qwen3", a, w13, offsets, out)  # tensors in manifest order

Errors are Python exceptions (``MoeArtifactError``, a RuntimeError):
a missing library or symbol, a malformed manifest (``FILE:LINE: message``),
a tensor of the wrong dtype, rank, static size or device, a non-contiguous
tensor, and any runtime failure: after loading the .so and before and after
every call the runtime's sticky error (``moeGetStickyError``) is checked and
raised with its status name and message (e.g. a module the driver rejected,
a failed launch or a kernel fault). A sticky error makes every later mgpu*
call a no-op; ``clear_sticky_error()`` resets it.

Finding libMoeRuntime.so: the ``runtime`` argument, else ``$MOE_RUNTIME_LIB``
(either the file, or a build folder / install prefix holding lib/Runtime/ or
lib/), else the first that exists of REPO/build-rt/, /tmp/rt/,
/tmp/moe-rt-build/ and REPO/build/ (each ``.../lib/Runtime/libMoeRuntime.so``).
Build it on a GPU host with the runtime-only configuration::

    cmake -S . -B /tmp/rt -DMOE_BUILD_COMPILER=OFF -DCMAKE_BUILD_TYPE=Release
    cmake --build /tmp/rt -j16        # /tmp/rt/lib/Runtime/libMoeRuntime.so

The manifest parser (``parse_manifest``) needs neither torch nor a GPU.
"""

import ctypes
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

__all__ = [
    "MoeArtifactError",
    "ArgSpec",
    "FunctionSpec",
    "parse_manifest",
    "load_runtime",
    "sticky_error",
    "clear_sticky_error",
    "Artifact",
]

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_RUNTIME_CANDIDATES = [
    os.path.join(_REPO, "build-rt/lib/Runtime/libMoeRuntime.so"),
    "/tmp/rt/lib/Runtime/libMoeRuntime.so",
    "/tmp/moe-rt-build/lib/Runtime/libMoeRuntime.so",
    os.path.join(_REPO, "build/lib/Runtime/libMoeRuntime.so"),
]

# Manifest element types -> torch dtype names (resolved lazily: no torch needed
# to parse a manifest) and element sizes.
_DTYPES = {"f32": "float32", "bf16": "bfloat16", "f16": "float16", "i32": "int32"}


class MoeArtifactError(RuntimeError):
    """Any failure of loading or calling an artifact."""


# ---------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------


@dataclass
class ArgSpec:
    """One ``arg`` record: element type and shape (None for a ``?`` size)."""

    index: int
    dtype: str  # f32 | bf16 | f16 | i32
    shape: Tuple[Optional[int], ...]  # () for rank 0 ("scalar")

    @property
    def rank(self) -> int:
        return len(self.shape)

    def shape_str(self) -> str:
        if not self.shape:
            return "scalar"
        return "x".join("?" if s is None else str(s) for s in self.shape)

    def __str__(self) -> str:
        return f"arg {self.index}: {self.dtype} {self.shape_str()}"


@dataclass
class FunctionSpec:
    """One ``function`` ... ``end`` block."""

    name: str
    args: List[ArgSpec] = field(default_factory=list)
    # result index -> (dtype, shape string, out argument index or None)
    results: List[Tuple[str, str, Optional[int]]] = field(default_factory=list)
    # each op: (op name, {operand/attribute: value string})
    ops: List[Tuple[str, Dict[str, str]]] = field(default_factory=list)

    @property
    def out_args(self) -> List[int]:
        return [r[2] for r in self.results if r[2] is not None]

    def __str__(self) -> str:
        lines = [f"function {self.name}"] + ["  " + str(a) for a in self.args]
        for op, fields in self.ops:
            lines.append("  op " + op + " " +
                         " ".join(f"{k}={v}" for k, v in fields.items()))
        return "\n".join(lines)


def _parse_index(text: str) -> Optional[int]:
    """A non-negative decimal integer of ASCII digits (as moe-runner reads
    them; ``str.isdigit`` also accepts digits such as '\u00b2' that ``int``
    rejects), else None."""
    if not text or not all("0" <= c <= "9" for c in text):
        return None
    return int(text)


def _parse_shape(text: str, where: str) -> Tuple[Optional[int], ...]:
    if text == "scalar":
        return ()
    dims = []
    for part in text.split("x"):
        if part == "?":
            dims.append(None)
        elif _parse_index(part) is not None:
            dims.append(int(part))
        else:
            raise MoeArtifactError(f"{where}: bad shape '{text}'")
    return tuple(dims)


def _read_manifest_lines(path: str) -> List[str]:
    """The lines of the manifest; an unreadable file or bytes that are not
    UTF-8 are a MoeArtifactError naming the file (and the line)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise MoeArtifactError(f"cannot read the manifest {path}: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise MoeArtifactError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x}); "
            "is this a manifest?") from None
    return text.splitlines()


def parse_manifest(path: str) -> Dict[str, FunctionSpec]:
    """Parses a ``.manifest`` (docs/Artifacts.md, "The manifest") into
    {function name: FunctionSpec}. Raises MoeArtifactError with FILE:LINE on
    any malformed input, and rejects what tools/moe-runner rejects."""
    functions: Dict[str, FunctionSpec] = {}
    current: Optional[FunctionSpec] = None
    # (line, out argument) of the current function's results, checked
    # against its argument count at 'end'.
    outs: List[Tuple[str, int]] = []
    seen_header = False
    lines = _read_manifest_lines(path)
    for number, raw in enumerate(lines, 1):
        where = f"{path}:{number}"
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if not seen_header:
            if words != ["moe-manifest", "1"]:
                raise MoeArtifactError(
                    f"{where}: expected the header 'moe-manifest 1', got '{line}'")
            seen_header = True
            continue
        key = words[0]
        if key == "function":
            if current is not None:
                raise MoeArtifactError(f"{where}: 'function' before 'end'")
            if len(words) != 2:
                raise MoeArtifactError(f"{where}: expected 'function NAME'")
            if words[1] in functions:
                raise MoeArtifactError(f"{where}: duplicate function '{words[1]}'")
            current = FunctionSpec(words[1])
            outs = []
            continue
        if current is None:
            raise MoeArtifactError(f"{where}: '{key}' outside a function")
        if key == "end":
            for out_where, out in outs:
                if out >= len(current.args):
                    raise MoeArtifactError(
                        f"{out_where}: result written to argument {out} but "
                        f"function '{current.name}' has {len(current.args)} arguments")
            functions[current.name] = current
            current = None
        elif key == "arg":
            if len(words) != 4:
                raise MoeArtifactError(f"{where}: expected 'arg INDEX TYPE SHAPE'")
            index = _parse_index(words[1])
            if index != len(current.args):
                raise MoeArtifactError(
                    f"{where}: arg index {words[1]}, expected {len(current.args)}")
            _check_dtype(words[2], where)
            current.args.append(ArgSpec(index, words[2], _parse_shape(words[3], where)))
        elif key == "result":
            if len(words) != 5 or not words[4].startswith("out="):
                raise MoeArtifactError(
                    f"{where}: expected 'result INDEX TYPE SHAPE out=ARG'")
            if _parse_index(words[1]) != len(current.results):
                raise MoeArtifactError(
                    f"{where}: result index {words[1]}, expected {len(current.results)}")
            _check_dtype(words[2], where)
            _parse_shape(words[3], where)
            text = words[4][4:]
            out = None if text == "-" else _parse_index(text)
            if text != "-":
                if out is None:
                    raise MoeArtifactError(
                        f"{where}: malformed out argument '{text}' (expected an "
                        "argument index or '-')")
                outs.append((where, out))
            current.results.append((words[2], words[3], out))
        elif key == "op":
            if len(words) < 2:
                raise MoeArtifactError(f"{where}: expected 'op NAME ...'")
            fields = {}
            for word in words[2:]:
                name, eq, value = word.partition("=")
                if not eq or not name:
                    raise MoeArtifactError(f"{where}: expected NAME=VALUE, got '{word}'")
                fields[name] = value
            current.ops.append((words[1], fields))
        else:
            raise MoeArtifactError(f"{where}: unknown record '{key}'")
    if not seen_header:
        raise MoeArtifactError(f"{path}: empty manifest (no 'moe-manifest 1' header)")
    if current is not None:
        raise MoeArtifactError(f"{path}: function '{current.name}' has no 'end'")
    return functions


def _check_dtype(dtype: str, where: str) -> None:
    if dtype not in _DTYPES:
        raise MoeArtifactError(
            f"{where}: unknown element type '{dtype}' "
            f"(expected one of {', '.join(_DTYPES)})")


# ---------------------------------------------------------------------------
# Runtime
# ---------------------------------------------------------------------------

_runtime: Optional[ctypes.CDLL] = None


def _find_runtime(path: Optional[str]) -> str:
    path = path or os.environ.get("MOE_RUNTIME_LIB") or None
    if path and os.path.isdir(path):
        # A build folder (lib/Runtime/) or an install prefix (lib/).
        for sub in ("lib/Runtime/libMoeRuntime.so", "lib/libMoeRuntime.so",
                    "libMoeRuntime.so"):
            if os.path.exists(os.path.join(path, sub)):
                return os.path.join(path, sub)
        raise MoeArtifactError(f"no libMoeRuntime.so under the folder {path} "
                               "(looked in lib/Runtime/, lib/ and the folder itself)")
    if path:
        return path
    for candidate in _RUNTIME_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    raise MoeArtifactError(
        "libMoeRuntime.so not found: pass runtime=PATH or set MOE_RUNTIME_LIB "
        "(build it with: cmake -S . -B /tmp/rt -DMOE_BUILD_COMPILER=OFF "
        "-DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/rt -j16); looked at "
        + ", ".join(_RUNTIME_CANDIDATES))


def load_runtime(path: Optional[str] = None) -> ctypes.CDLL:
    """dlopens libMoeRuntime.so with RTLD_GLOBAL (once per process), so that
    an artifact's undefined mgpu* symbols resolve to it."""
    global _runtime
    if _runtime is not None:
        return _runtime
    path = _find_runtime(path)
    try:
        lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as e:
        raise MoeArtifactError(f"cannot load the runtime {path}: {e}") from None
    lib.moeStatusName.restype = ctypes.c_char_p
    lib.moeStatusName.argtypes = [ctypes.c_int]
    lib.moeGetLastErrorMessage.restype = ctypes.c_char_p
    lib.moeGetLastErrorMessage.argtypes = []
    lib.moeInit.restype = ctypes.c_int
    lib.moeInit.argtypes = [ctypes.c_int]
    lib.moeGetStickyError.restype = ctypes.c_int
    lib.moeGetStickyError.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    lib.moeClearStickyError.restype = None
    lib.moeClearStickyError.argtypes = []
    lib.moeDeviceGetName.restype = ctypes.c_int
    lib.moeDeviceGetName.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.path = path  # type: ignore[attr-defined]
    _runtime = lib
    return lib


def sticky_error() -> Optional[str]:
    """The runtime's sticky error as 'STATUS: message', or None if none."""
    lib = load_runtime()
    message = ctypes.c_char_p()
    status = lib.moeGetStickyError(ctypes.byref(message))
    if status == 0:
        return None
    name = lib.moeStatusName(status).decode()
    text = (message.value or b"").decode(errors="replace")
    return f"{name}: {text}"


def clear_sticky_error() -> None:
    load_runtime().moeClearStickyError()


def _check_sticky(when: str) -> None:
    error = sticky_error()
    if error is not None:
        raise MoeArtifactError(f"moe runtime error {when}: {error}")


_descriptor_types: Dict[int, type] = {}


def _descriptor_type(rank: int) -> type:
    """The ctypes struct of a rank-`rank` memref descriptor."""
    if rank not in _descriptor_types:
        fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                  ("offset", ctypes.c_int64)]
        if rank > 0:
            fields += [("sizes", ctypes.c_int64 * rank),
                       ("strides", ctypes.c_int64 * rank)]
        _descriptor_types[rank] = type(f"MemRef{rank}D", (ctypes.Structure,),
                                       {"_fields_": fields})
    return _descriptor_types[rank]


# ---------------------------------------------------------------------------
# Artifact
# ---------------------------------------------------------------------------


class Artifact:
    """A loaded artifact. ``functions`` maps names to FunctionSpec."""

    def __init__(self, prefix: str, runtime: Optional[str] = None,
                 device: Optional[int] = None):
        """prefix: ``DIR/NAME``, ``DIR/NAME.so`` or ``DIR/NAME.manifest``.
        runtime: path of libMoeRuntime.so (see the module docstring).
        device: CUDA ordinal (default: torch's current device)."""
        import torch  # noqa: F401  (the tensors come from torch)

        for suffix in (".so", ".manifest"):
            if prefix.endswith(suffix):
                prefix = prefix[: -len(suffix)]
        self.prefix = prefix
        self.functions = parse_manifest(prefix + ".manifest")

        lib = load_runtime(runtime)
        self.runtime = lib
        # torch first: it creates / retains the primary context that the
        # runtime then shares.
        if device is None:
            device = torch.cuda.current_device()
        torch.cuda.init()
        self.device = device
        status = lib.moeInit(device)
        if status != 0:
            raise MoeArtifactError(
                f"moeInit({device}) failed: {lib.moeStatusName(status).decode()}: "
                f"{lib.moeGetLastErrorMessage().decode(errors='replace')}")
        _check_sticky("before loading the artifact")
        try:
            # RTLD_NOW: its global constructor loads the embedded GPU module.
            self.lib = ctypes.CDLL(prefix + ".so", mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError as e:
            raise MoeArtifactError(f"cannot load the artifact {prefix}.so: {e}") from None
        _check_sticky(f"loading {prefix}.so (its GPU module)")
        self._entries = {}
        for name in self.functions:
            try:
                entry = getattr(self.lib, "_mlir_ciface_" + name)
            except AttributeError:
                raise MoeArtifactError(
                    f"{prefix}.so has no symbol _mlir_ciface_{name} "
                    "(manifest and .so out of step?)") from None
            entry.restype = None
            entry.argtypes = [ctypes.c_void_p] * len(self.functions[name].args)
            self._entries[name] = entry

    def device_name(self) -> str:
        buf = ctypes.create_string_buffer(256)
        if self.runtime.moeDeviceGetName(buf, 256) != 0:
            return "?"
        return buf.value.decode()

    def spec(self, function: str) -> FunctionSpec:
        try:
            return self.functions[function]
        except KeyError:
            raise MoeArtifactError(
                f"{self.prefix}: no function '{function}' (have: "
                f"{', '.join(self.functions)})") from None

    def descriptors(self, function: str, *tensors) -> list:
        """Checks the tensors against the manifest and returns their memref
        descriptors (ctypes structs; keep them alive during the call)."""
        import torch

        spec = self.spec(function)
        if len(tensors) != len(spec.args):
            raise MoeArtifactError(
                f"{function}: {len(tensors)} tensors given, the manifest has "
                f"{len(spec.args)} arguments:\n" + str(spec))
        descs = []
        for arg, t in zip(spec.args, tensors):
            what = f"{function}: argument {arg.index} ({arg.dtype} {arg.shape_str()})"
            if not isinstance(t, torch.Tensor):
                raise MoeArtifactError(f"{what}: expected a torch.Tensor, got {type(t).__name__}")
            want = getattr(torch, _DTYPES[arg.dtype])
            if t.dtype != want:
                raise MoeArtifactError(f"{what}: dtype {t.dtype}, expected {want}")
            if t.dim() != arg.rank:
                raise MoeArtifactError(
                    f"{what}: rank {t.dim()} (shape {tuple(t.shape)}), expected {arg.rank}")
            for d, (have, need) in enumerate(zip(t.shape, arg.shape)):
                if need is not None and have != need:
                    raise MoeArtifactError(
                        f"{what}: size {have} in dimension {d} (shape "
                        f"{tuple(t.shape)}), expected {need}")
            if not t.is_cuda or t.device.index != self.device:
                raise MoeArtifactError(
                    f"{what}: tensor on {t.device}, expected cuda:{self.device}")
            if not t.is_contiguous():
                raise MoeArtifactError(
                    f"{what}: not contiguous (strides {t.stride()}); the entry "
                    "points take row-major contiguous buffers (use .contiguous())")
            desc = _descriptor_type(arg.rank)()
            ptr = t.data_ptr()
            desc.allocated = ptr
            desc.aligned = ptr
            desc.offset = 0
            for d in range(arg.rank):
                desc.sizes[d] = t.shape[d]
                desc.strides[d] = t.stride(d)
            descs.append(desc)
        return descs

    def call(self, function: str, *tensors, sync_torch: bool = True) -> None:
        """Calls ``_mlir_ciface_<function>`` on the tensors (in manifest arg
        order; outs are written in place). The entry runs on its own stream
        and has synchronized it when this returns. With ``sync_torch`` (the
        default) torch's current stream is synchronized first, so that work
        queued on it (e.g. filling the inputs) is complete before the entry's
        stream reads them. Raises MoeArtifactError on a bad tensor or a
        runtime error (sticky error) before or after the call."""
        import torch

        descs = self.descriptors(function, *tensors)
        entry = self._entries[function]
        _check_sticky(f"before calling {function} (an earlier failure)")
        if sync_torch:
            torch.cuda.current_stream(self.device).synchronize()
        entry(*[ctypes.addressof(d) for d in descs])
        _check_sticky(f"in {function}")

    def call_descriptors(self, function: str, descriptors) -> None:
        """Calls ``_mlir_ciface_<function>`` on memref descriptors the caller
        built (e.g. from ``descriptors`` and then changed, for memory that
        torch does not own). Nothing is checked against the manifest: the
        entry point trusts every pointer and size (docs/Runtime.md, "The
        trust model"). The sticky error is checked before and after, as in
        ``call``; a kernel fault is raised here, with the entry point and the
        kernels that were running, and leaves the CUDA context unusable."""
        spec = self.spec(function)
        if len(descriptors) != len(spec.args):
            raise MoeArtifactError(
                f"{function}: {len(descriptors)} descriptors given, the "
                f"manifest has {len(spec.args)} arguments")
        _check_sticky(f"before calling {function} (an earlier failure)")
        self._entries[function](*[ctypes.addressof(d) for d in descriptors])
        _check_sticky(f"in {function}")

    def on_stream(self, stream):
        """A context manager under which entry points run on ``stream`` (a
        torch.cuda.Stream, or a raw CUstream as an int) instead of their own
        stream, and return without synchronizing it: the work is ordered
        after what is queued on the stream, the caller synchronizes, and a
        call made while the stream is being captured lands in the CUDA graph
        (runtime: moeSetCurrentStream). Per thread."""
        import contextlib

        handle = getattr(stream, "cuda_stream", stream)
        lib = self.runtime
        lib.moeSetCurrentStream.argtypes = [ctypes.c_void_p]
        lib.moeSetCurrentStream.restype = None

        @contextlib.contextmanager
        def scope():
            lib.moeSetCurrentStream(ctypes.c_void_p(handle))
            try:
                yield
            finally:
                lib.moeSetCurrentStream(None)

        return scope()

    def entry(self, function: str, *tensors):
        """A zero-argument callable that calls the entry point with prebuilt
        descriptors and no checks (for timing loops). Check ``sticky_error()``
        after the loop."""
        descs = self.descriptors(function, *tensors)
        fn = self._entries[function]
        ptrs = [ctypes.addressof(d) for d in descs]

        def run():
            fn(*ptrs)

        run.descriptors = descs  # keep alive
        return run


if __name__ == "__main__":
    # python3 python/moe_artifact.py PREFIX [--load]: print the manifest's
    # functions; with --load (GPU host) also load the artifact and say so.
    import sys

    if len(sys.argv) < 2:
        sys.exit("usage: moe_artifact.py PREFIX [--load]")
    prefix = sys.argv[1]
    for suffix in (".so", ".manifest"):
        if prefix.endswith(suffix):
            prefix = prefix[: -len(suffix)]
    try:
        if "--load" in sys.argv[2:]:
            art = Artifact(prefix)
            print(f"loaded {prefix}.so on {art.device_name()} "
                  f"(runtime {load_runtime().path})")
            functions = art.functions
        else:
            functions = parse_manifest(prefix + ".manifest")
    except MoeArtifactError as e:
        sys.exit(f"moe_artifact: {e}")
    for spec in functions.values():
        print(spec)
