"""Compile moe IR to an artifact in this process (moe._compiler, the
pybind11 extension around mlir::moe::compileToArtifact).

    art = moe.compile_text(text, name="layer")      # into the cache
    art = moe.compile_file("layer.mlir", out_dir="out")
    art = moe.compile_model("Qwen3-30B-A3B/config.json")
    art.library, art.manifest, art.functions; art.load() on a GPU host

Without ``out_dir`` the artifact goes into the cache (moe.cache): a second
compile of the same text with the same options by the same compiler is a
hit. Where the extension is not built (a GPU host with the runtime-only
build, or no pybind11 at build time) every call here raises
CompilerMissingError; loading artifacts (moe.Artifact) still works."""

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Union

from .cache import Cache
from .errors import CompileError, CompilerMissingError
from .manifest import FunctionSpec, parse_manifest

__all__ = [
    "CompileOptions",
    "CompiledArtifact",
    "available",
    "compiler_version",
    "cache_key",
    "verify",
    "compile_text",
    "compile_file",
    "compile_model",
]

_extension = None
_import_error: Optional[str] = None
_identity: Optional[str] = None


def _compiler():
    """The extension module, or CompilerMissingError saying why not."""
    global _extension, _import_error
    if _extension is not None:
        return _extension
    if _import_error is None:
        try:
            from . import _compiler as extension  # type: ignore[attr-defined]

            _extension = extension
            return extension
        except ImportError as e:
            _import_error = str(e)
    raise CompilerMissingError(
        "the moe compiler is not available in this installation (the "
        f"extension moe._compiler cannot be imported: {_import_error}). It is "
        "built with the compiler (-DMOE_BUILD_COMPILER=ON, LLVM/MLIR 22) where "
        "pybind11 and the Python headers are found (Debian: pybind11-dev "
        "python3-dev). A runtime-only build loads artifacts compiled elsewhere: "
        "compile on a build machine and copy the .so and .manifest here "
        "(docs/Python.md)")


def available() -> bool:
    """Whether compile calls work here."""
    try:
        _compiler()
        return True
    except CompilerMissingError:
        return False


def compiler_version() -> str:
    """The compiler's identity, part of every cache key: the LLVM version and
    the SHA-256 of the extension (which links the moe compiler statically),
    so a rebuilt compiler never reuses older entries."""
    global _identity
    if _identity is None:
        extension = _compiler()
        with open(extension.__file__, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        _identity = f"moe-compiler {digest} llvm {extension.llvm_version}"
    return _identity


@dataclass(frozen=True)
class CompileOptions:
    """What CompileOptions of include/moe/Compile/Compile.h holds: ``chip``
    (default sm_90a), ``format`` (isa, bin or fatbin; default isa) and more
    moe-to-nvvm options as on the command line."""

    chip: str = ""
    format: str = ""
    pipeline_options: str = ""


@dataclass
class CompiledArtifact:
    """The files of a compiled artifact. ``hit``: it came from the cache."""

    prefix: str
    key: Optional[str] = None
    hit: bool = False

    @property
    def library(self) -> str:
        return self.prefix + ".so"

    @property
    def manifest(self) -> str:
        return self.prefix + ".manifest"

    @property
    def functions(self) -> Dict[str, FunctionSpec]:
        return parse_manifest(self.manifest)

    def load(self, runtime: Optional[str] = None, device: Optional[int] = None):
        """The artifact loaded on a GPU (moe.Artifact; needs torch)."""
        from .artifact import Artifact

        return Artifact(self.prefix, runtime=runtime, device=device)


_CONFIG_TABLE = re.compile(r"config-table=(\S+)")


def cache_key(text: str, name: str, options: CompileOptions) -> str:
    """SHA-256 of the IR text, the artifact name, the options (with the
    content of a config-table= file, which the options only name) and the
    compiler version."""
    tables = {}
    for path in _CONFIG_TABLE.findall(options.pipeline_options):
        try:
            with open(path, "rb") as f:
                tables[path] = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            tables[path] = None  # the compile reports it
    record = {"ir": text, "name": name, "options": asdict(options),
              "config_tables": tables, "compiler": compiler_version()}
    return hashlib.sha256(
        json.dumps(record, sort_keys=True).encode()).hexdigest()


def verify(text: str, source_name: str = "<string>") -> Dict[str, str]:
    """Parses and verifies moe IR; returns {function: its MLIR type} for the
    public functions. Raises CompileError with the diagnostics."""
    return dict(_compiler().verify(text, source_name))


def _check_name(name: str) -> None:
    if not name or "/" in name or name in (".", ".."):
        raise CompileError(f"invalid artifact name '{name}' (a file name, "
                           "without a folder)")


def compile_text(text: str, name: str = "module", *,
                 options: Optional[CompileOptions] = None,
                 out_dir: Optional[str] = None,
                 cache: Union[Cache, str, None] = None,
                 source_name: str = "<string>",
                 emit_lowered_ir: bool = False,
                 **option_fields) -> CompiledArtifact:
    """Compiles moe IR (text) to ``NAME.so`` + ``NAME.manifest``: into
    ``out_dir`` when given, else into the cache (``cache``: a Cache or its
    folder; default moe.cache.default_cache_dir()). Options come as
    ``options=CompileOptions(...)`` or as its fields (``chip=``,
    ``format=``, ``pipeline_options=``). Raises CompileError with the MLIR
    diagnostics (``SOURCE:LINE:COL: error: ...``)."""
    if options is None:
        options = CompileOptions(**option_fields)
    elif option_fields:
        raise TypeError("pass options= or its fields, not both")
    extension = _compiler()
    _check_name(name)

    def build(folder: str) -> None:
        extension.compile(text, source_name, folder, name, options.chip,
                          options.format, options.pipeline_options,
                          emit_lowered_ir, "")

    if out_dir is not None:
        build(os.fspath(out_dir))
        return CompiledArtifact(os.path.join(os.fspath(out_dir), name))
    if not isinstance(cache, Cache):
        cache = Cache(cache)
    key = cache_key(text, name, options)
    prefix, hit = cache.get_or_build(key, name, build)
    return CompiledArtifact(prefix, key=key, hit=hit)


def compile_file(path, name: Optional[str] = None, **kwargs) -> CompiledArtifact:
    """compile_text of a .mlir file; the name defaults to the file's name
    without .mlir, and diagnostics name the file."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise CompileError(f"cannot read {path}: {e}") from None
    if name is None:
        name = os.path.basename(path)
        if name.endswith(".mlir"):
            name = name[: -len(".mlir")]
    return compile_text(text, name, source_name=path, **kwargs)


def compile_model(config, name: Optional[str] = None, **kwargs) -> CompiledArtifact:
    """Compiles the MoE layer of a Hugging Face model configuration (a
    config.json path, its folder, a dict, or a moe.models.MoeLayerConfig;
    moe.models says which families) with compile_text."""
    from .models import MoeLayerConfig, from_hf_config

    layer = config if isinstance(config, MoeLayerConfig) else from_hf_config(config)
    return compile_text(layer.ir(), name or layer.function, **kwargs)
