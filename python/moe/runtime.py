"""libMoeRuntime.so, the runtime that compiled artifacts call (the ``mgpu*``
functions, docs/Runtime.md), through ctypes.

Where it is found, first that applies:

1. the ``path`` argument of ``load_runtime``;
2. ``$MOE_RUNTIME_LIB``: the library, or a build folder or install prefix
   holding ``lib/Runtime/`` or ``lib/``;
3. beside the package: ``_paths.py``, written by CMake in the build tree
   (``BUILD/python/moe``) and the install tree (``PREFIX/python/moe``), names
   the runtime relative to the package folder;
4. ``FALLBACK_CANDIDATES`` (empty; python/moe_artifact.py, the old loader,
   adds the folders it used to search).
"""

import ctypes
import os
from typing import List, Optional

from .errors import MoeArtifactError

__all__ = [
    "find_runtime",
    "load_runtime",
    "sticky_error",
    "clear_sticky_error",
    "check_sticky",
    "init_device",
    "caller_stream",
    "FALLBACK_CANDIDATES",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
FALLBACK_CANDIDATES: List[str] = []
_runtime: Optional[ctypes.CDLL] = None
_initialized_devices = set()
_CU_STREAM_LEGACY = 0x1


def _beside_package() -> Optional[str]:
    """The runtime named by the generated _paths.py, or None when the
    package runs from the source tree (no _paths.py)."""
    try:
        from . import _paths  # type: ignore[attr-defined]
    except ImportError:
        return None
    return os.path.normpath(os.path.join(_PACKAGE_DIR, _paths.RUNTIME_LIBRARY))


def find_runtime(path: Optional[str] = None) -> str:
    """The path of libMoeRuntime.so (see the module docstring), or a
    MoeArtifactError naming every place looked at."""
    path = path or os.environ.get("MOE_RUNTIME_LIB") or None
    if path and os.path.isdir(path):
        for sub in ("lib/Runtime/libMoeRuntime.so", "lib/libMoeRuntime.so",
                    "libMoeRuntime.so"):
            if os.path.exists(os.path.join(path, sub)):
                return os.path.join(path, sub)
        raise MoeArtifactError(f"no libMoeRuntime.so under the folder {path} "
                               "(looked in lib/Runtime/, lib/ and the folder itself)")
    if path:
        if not os.path.exists(path):
            raise MoeArtifactError(f"the runtime {path} does not exist")
        return path
    looked = []
    beside = _beside_package()
    candidates = ([beside] if beside else []) + FALLBACK_CANDIDATES
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
        looked.append(candidate)
    where = ("; looked at " + ", ".join(looked)) if looked else (
        " (the package runs from the source tree, which has no runtime: use "
        "BUILD/python or an installed package, or set MOE_RUNTIME_LIB)")
    raise MoeArtifactError(
        "libMoeRuntime.so not found: pass runtime=PATH or set MOE_RUNTIME_LIB "
        "to the library or to a build folder (a GPU host builds it with: cmake "
        "-S . -B build-rt -DMOE_BUILD_COMPILER=OFF -DCMAKE_BUILD_TYPE=Release && "
        "cmake --build build-rt)" + where)


def load_runtime(path: Optional[str] = None) -> ctypes.CDLL:
    """dlopens libMoeRuntime.so with RTLD_GLOBAL (once per process), so that
    an artifact's undefined mgpu* symbols resolve to it."""
    global _runtime
    if _runtime is not None:
        return _runtime
    path = find_runtime(path)
    try:
        lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as e:
        raise MoeArtifactError(f"cannot load the runtime {path}: {e}") from None
    signatures = {
        "moeStatusName": (ctypes.c_char_p, [ctypes.c_int]),
        "moeGetLastErrorMessage": (ctypes.c_char_p, []),
        "moeInit": (ctypes.c_int, [ctypes.c_int]),
        "moeGetStickyError": (ctypes.c_int, [ctypes.POINTER(ctypes.c_char_p)]),
        "moeClearStickyError": (None, []),
        "moeDeviceGetName": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t]),
        "moeSetCurrentStream": (None, [ctypes.c_void_p]),
        "moeGetCurrentStream": (ctypes.c_void_p, []),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
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


def check_sticky(when: str) -> None:
    """Raises MoeArtifactError if the runtime has a sticky error."""
    error = sticky_error()
    if error is not None:
        raise MoeArtifactError(f"moe runtime error {when}: {error}")


def init_device(device: int) -> None:
    """moeInit(device), once per device; a MoeArtifactError with the
    runtime's message if it fails (no driver, no such device, below sm_90)."""
    if device in _initialized_devices:
        return
    lib = load_runtime()
    status = lib.moeInit(device)
    if status != 0:
        raise MoeArtifactError(
            f"moeInit({device}) failed: {lib.moeStatusName(status).decode()}: "
            f"{lib.moeGetLastErrorMessage().decode(errors='replace')}")
    _initialized_devices.add(device)


class caller_stream:
    """Context manager: entry points called on this thread run on ``stream``
    (a raw CUstream as an int, or an object with a ``cuda_stream`` attribute
    such as torch.cuda.Stream) and return without synchronizing it
    (moeSetCurrentStream, docs/Runtime.md "The caller's stream"). Restores
    the previous setting on exit."""

    def __init__(self, stream):
        handle = getattr(stream, "cuda_stream", stream)
        # torch names the legacy default stream 0, which the runtime would
        # read as "no caller stream": pass CU_STREAM_LEGACY instead.
        self.handle = handle or _CU_STREAM_LEGACY

    def __enter__(self):
        lib = load_runtime()
        self.previous = lib.moeGetCurrentStream()
        lib.moeSetCurrentStream(ctypes.c_void_p(self.handle))
        return self

    def __exit__(self, *exc):
        load_runtime().moeSetCurrentStream(ctypes.c_void_p(self.previous))
        return False
