"""A compiled artifact (``NAME.so`` + ``NAME.manifest``) loaded into the
process, its entry points called on torch CUDA tensors through ctypes.

The .so exports, for every function of the compiled module,
``_mlir_ciface_<name>`` taking one pointer per argument to an MLIR ranked
memref descriptor::

    struct { T *allocated; T *aligned; int64_t offset;
             int64_t sizes[rank]; int64_t strides[rank]; }

and returning nothing: results are written into the out arguments
(destination-passing). Its kernels are launched by libMoeRuntime.so
(moe.runtime), loaded first with RTLD_GLOBAL. The runtime works in the CUDA
primary context, the one PyTorch uses, so a tensor's ``data_ptr()`` is
passed as is. By default each call makes its own stream and synchronizes it
before returning; under ``on_stream`` (or ``moe.runtime.caller_stream``) it
queues its work on the caller's stream and returns at once (CUDA graphs).

Errors are ``MoeArtifactError``: a missing library or symbol, a malformed
manifest (``FILE:LINE: message``), a tensor of the wrong dtype, rank, static
size or device, a non-contiguous tensor, and any runtime failure (the
runtime's sticky error, checked after loading and around every call)."""

import ctypes
import os
from typing import Dict, Optional

from . import runtime as _rt
from .errors import MoeArtifactError
from .manifest import DTYPES, FunctionSpec, parse_manifest

__all__ = ["Artifact", "strip_suffix"]


def strip_suffix(prefix: str) -> str:
    """``DIR/NAME`` from ``DIR/NAME``, ``DIR/NAME.so`` or ``DIR/NAME.manifest``."""
    prefix = os.fspath(prefix)
    for suffix in (".so", ".manifest"):
        if prefix.endswith(suffix):
            return prefix[: -len(suffix)]
    return prefix


_descriptor_types: Dict[int, type] = {}


def descriptor_type(rank: int) -> type:
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


class Artifact:
    """A loaded artifact. ``functions`` maps names to FunctionSpec."""

    def __init__(self, prefix, runtime: Optional[str] = None,
                 device: Optional[int] = None):
        """prefix: ``DIR/NAME``, ``DIR/NAME.so`` or ``DIR/NAME.manifest``.
        runtime: path of libMoeRuntime.so (moe.runtime says where it is
        looked for otherwise). device: CUDA ordinal (default: torch's current
        device)."""
        import torch

        prefix = strip_suffix(prefix)
        self.prefix = prefix
        self.functions = parse_manifest(prefix + ".manifest")
        if not os.path.exists(prefix + ".so"):
            raise MoeArtifactError(f"the artifact {prefix}.so does not exist "
                                   f"(its manifest {prefix}.manifest does)")
        self.runtime = _rt.load_runtime(runtime)
        # torch first: it creates / retains the primary context that the
        # runtime then shares.
        if device is None:
            device = torch.cuda.current_device()
        torch.cuda.init()
        self.device = device
        _rt.init_device(device)
        _rt.check_sticky("before loading the artifact")
        try:
            # RTLD_NOW: its global constructor loads the embedded GPU module.
            self.lib = ctypes.CDLL(prefix + ".so", mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError as e:
            raise MoeArtifactError(f"cannot load the artifact {prefix}.so: {e}") from None
        _rt.check_sticky(f"loading {prefix}.so (its GPU module)")
        self._entries = {}
        for name, spec in self.functions.items():
            try:
                entry = getattr(self.lib, "_mlir_ciface_" + name)
            except AttributeError:
                raise MoeArtifactError(
                    f"{prefix}.so has no symbol _mlir_ciface_{name} "
                    "(manifest and .so out of step?)") from None
            entry.restype = None
            entry.argtypes = [ctypes.c_void_p] * len(spec.args)
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
            want = getattr(torch, DTYPES[arg.dtype])
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
            desc = descriptor_type(arg.rank)()
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
        order; outs are written in place). Outside ``on_stream`` the entry
        runs on its own stream and has synchronized it when this returns;
        with ``sync_torch`` (the default) torch's current stream is
        synchronized first, so that work queued on it (e.g. filling the
        inputs) is complete before the entry's stream reads them. Raises
        MoeArtifactError on a bad tensor or a runtime error (sticky error)
        before or after the call."""
        import torch

        descs = self.descriptors(function, *tensors)
        entry = self._entries[function]
        _rt.check_sticky(f"before calling {function} (an earlier failure)")
        if sync_torch:
            torch.cuda.current_stream(self.device).synchronize()
        entry(*[ctypes.addressof(d) for d in descs])
        _rt.check_sticky(f"in {function}")

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
        _rt.check_sticky(f"before calling {function} (an earlier failure)")
        self._entries[function](*[ctypes.addressof(d) for d in descriptors])
        _rt.check_sticky(f"in {function}")

    def launch(self, function: str, *tensors, stream=None) -> None:
        """Queues ``function`` on ``stream`` (default: torch's current stream
        of the artifact's device) and returns without waiting: ordered after
        the work already on that stream, captured into a CUDA graph when
        that stream is being captured. Checks as ``call``."""
        import torch

        descs = self.descriptors(function, *tensors)
        entry = self._entries[function]
        if stream is None:
            stream = torch.cuda.current_stream(self.device)
        _rt.check_sticky(f"before calling {function} (an earlier failure)")
        with _rt.caller_stream(stream):
            entry(*[ctypes.addressof(d) for d in descs])
        _rt.check_sticky(f"in {function}")

    def on_stream(self, stream):
        """A context manager under which entry points run on ``stream`` (a
        torch.cuda.Stream, or a raw CUstream as an int) instead of their own
        stream, and return without synchronizing it (moeSetCurrentStream).
        Per thread."""
        return _rt.caller_stream(stream)

    def entry(self, function: str, *tensors):
        """A zero-argument callable that calls the entry point with prebuilt
        descriptors and no checks (for timing loops). Check
        ``moe.runtime.sticky_error()`` after the loop."""
        descs = self.descriptors(function, *tensors)
        fn = self._entries[function]
        ptrs = [ctypes.addressof(d) for d in descs]

        def run():
            fn(*ptrs)

        run.descriptors = descs  # keep alive
        return run
