"""Kernels of single ops (moe.ir.OpSpec) for moe.torch: each op at given
sizes, element types and attributes resolved once to an entry point of a
loaded artifact, first of:

1. an artifact in the search path: the folders of ``$MOE_ARTIFACT_PATH``
   (separated by ``os.pathsep``) and of ``add_artifact_dir``, searched
   recursively for manifests; a function whose only op is this op (same
   attributes, operands of the same types; any argument order) serves it.
   This is how a GPU host without the compiler runs: compile there
   elsewhere (python/tests/gpu/make_artifacts.py, or a cache folder copied
   over) and point the path at it;
2. the compiler, when built: the op's entry point compiled through the cache.
"""

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .errors import MoeArtifactError, MoeError
from .ir import OpSpec
from .manifest import FunctionSpec, parse_manifest

__all__ = ["Kernel", "add_artifact_dir", "search_path", "resolve", "find_in_path",
           "kernel_name", "is_resolved"]

_extra_dirs: List[str] = []
_lock = threading.Lock()
_kernels: Dict[Tuple[OpSpec, int], "Kernel"] = {}
_artifacts: Dict[Tuple[str, int], object] = {}
# folder -> [(prefix, functions)] and the manifests that did not parse.
_indexes: Dict[str, Tuple[List[Tuple[str, Dict[str, FunctionSpec]]], List[str]]] = {}


def add_artifact_dir(path) -> None:
    """Adds a folder of compiled artifacts to the search path."""
    path = os.path.abspath(os.fspath(path))
    if not os.path.isdir(path):
        raise MoeArtifactError(f"no artifact folder {path}")
    with _lock:
        if path not in _extra_dirs:
            _extra_dirs.append(path)


def search_path() -> List[str]:
    env = [p for p in os.environ.get("MOE_ARTIFACT_PATH", "").split(os.pathsep) if p]
    return [os.path.abspath(p) for p in env] + list(_extra_dirs)


def _index(folder: str):
    if folder not in _indexes:
        entries, broken = [], []
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "tmp")
            for file in sorted(files):
                if not file.endswith(".manifest"):
                    continue
                prefix = os.path.join(root, file[: -len(".manifest")])
                try:
                    entries.append((prefix, parse_manifest(prefix + ".manifest")))
                except MoeArtifactError as e:
                    broken.append(str(e))
        _indexes[folder] = (entries, broken)
    return _indexes[folder]


def find_in_path(spec: OpSpec) -> Optional[Tuple[str, str, Dict[str, int]]]:
    """(prefix, function, {operand: argument}) of the first artifact in the
    search path that serves ``spec``, or None."""
    for folder in search_path():
        if not os.path.isdir(folder):
            continue
        for prefix, functions in _index(folder)[0]:
            if not os.path.exists(prefix + ".so"):
                continue
            for name, function in functions.items():
                indices = spec.match(function)
                if indices is not None:
                    return prefix, name, indices
    return None


@dataclass
class Kernel:
    """An op's entry point: ``launch`` takes the tensors by operand name."""

    spec: OpSpec
    artifact: object  # moe.Artifact
    function: str
    indices: Dict[str, int]

    def launch(self, tensors: Dict[str, object], stream=None) -> None:
        args: List[object] = [None] * len(self.indices)
        for name, index in self.indices.items():
            args[index] = tensors[name]
        self.artifact.launch(self.function, *args, stream=stream)


_device: List[int] = []  # the one CUDA device of this process's kernels


def _load(prefix: str, device: int):
    from .artifact import Artifact

    if _device and _device[0] != device:
        raise MoeError(
            f"moe kernels run on one CUDA device per process: the runtime is "
            f"bound to cuda:{_device[0]}, these tensors are on cuda:{device}")
    _device[:1] = [device]
    key = (prefix, device)
    if key not in _artifacts:
        _artifacts[key] = Artifact(prefix, device=device)
    return _artifacts[key]


def kernel_name(spec: OpSpec) -> str:
    """The entry point's name when the op is compiled on its own:
    ``<op>_<hash of its text and operands>``."""
    digest = hashlib.sha256((spec.text + repr(spec.operands)).encode())
    return f"{spec.op}_{digest.hexdigest()[:12]}"


def is_resolved(spec: OpSpec, device: int) -> bool:
    return (spec, device) in _kernels


def resolve(spec: OpSpec, device: int) -> Kernel:
    """The kernel of ``spec`` on CUDA device ``device`` (loaded once)."""
    with _lock:
        kernel = _kernels.get((spec, device))
        if kernel is not None:
            return kernel
        found = find_in_path(spec)
        if found is None:
            from . import compiler

            name = kernel_name(spec)
            if not compiler.available():
                broken = [b for folder in search_path() if os.path.isdir(folder)
                          for b in _index(folder)[1]]
                raise MoeError(
                    f"no artifact provides this moe.{spec.op} and the compiler "
                    "is not built here. Compile it on a build machine "
                    "(moe.compile_text of the function below, or "
                    "python/tests/gpu/make_artifacts.py) and add the folder "
                    "to MOE_ARTIFACT_PATH (searched: "
                    f"{', '.join(search_path()) or 'nothing'})"
                    + ("; manifests that did not parse: " + "; ".join(broken)
                       if broken else "") + ":\n" + spec.function(name))
            compiled = compiler.compile_text(spec.function(name), name)
            found = (compiled.prefix, name, spec.match(compiled.functions[name]))
            if found[2] is None:
                raise MoeError(f"the compiled {compiled.manifest} does not "
                               f"describe the moe.{spec.op} it was made from")
        prefix, function, indices = found
        kernel = Kernel(spec, _load(prefix, device), function, indices)
        _kernels[(spec, device)] = kernel
        return kernel
