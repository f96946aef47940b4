"""The old ctypes loader of artifacts, kept for the scripts that import it
(test/GPU/*.py put python/ on sys.path and ``from moe_artifact import
Artifact``). The loader now lives in the ``moe`` package (python/moe:
moe.manifest, moe.runtime, moe.artifact; docs/Python.md); this module
re-exports it and keeps the old search for libMoeRuntime.so: after
``runtime=``, ``$MOE_RUNTIME_LIB`` and the package's own place, the first
that exists of REPO/build-rt/, /tmp/rt/, /tmp/moe-rt-build/ and REPO/build/
(each ``.../lib/Runtime/libMoeRuntime.so``).

    python3 python/moe_artifact.py PREFIX [--load]

prints the manifest's functions (with --load, on a GPU host, also loads the
artifact)."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from moe import runtime as _runtime  # noqa: E402
from moe.artifact import Artifact, strip_suffix  # noqa: E402
from moe.errors import MoeArtifactError  # noqa: E402
from moe.manifest import ArgSpec, FunctionSpec, parse_manifest  # noqa: E402
from moe.runtime import clear_sticky_error, load_runtime, sticky_error  # noqa: E402

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

_REPO = os.path.dirname(_HERE)
for _candidate in (os.path.join(_REPO, "build-rt/lib/Runtime/libMoeRuntime.so"),
                   "/tmp/rt/lib/Runtime/libMoeRuntime.so",
                   "/tmp/moe-rt-build/lib/Runtime/libMoeRuntime.so",
                   os.path.join(_REPO, "build/lib/Runtime/libMoeRuntime.so")):
    if _candidate not in _runtime.FALLBACK_CANDIDATES:
        _runtime.FALLBACK_CANDIDATES.append(_candidate)


def _main(argv) -> None:
    if len(argv) < 2:
        sys.exit("usage: moe_artifact.py PREFIX [--load]")
    prefix = strip_suffix(argv[1])
    try:
        if "--load" in argv[2:]:
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


if __name__ == "__main__":
    _main(sys.argv)
