"""The manifest of an artifact (``NAME.manifest``, docs/Artifacts.md, "The
manifest"): its entry points, their arguments and the moe ops they hold.
Needs neither torch nor a GPU.

``parse_manifest(path)`` returns ``{function name: FunctionSpec}`` and raises
``MoeArtifactError`` with ``FILE:LINE: message`` on anything malformed (never
another exception): it rejects what tools/moe-runner rejects."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .errors import MoeArtifactError

__all__ = ["ArgSpec", "FunctionSpec", "parse_manifest", "DTYPES"]

# Manifest element types -> torch dtype names (resolved lazily: no torch
# needed to parse a manifest).
DTYPES = {"f32": "float32", "bf16": "bfloat16", "f16": "float16", "i32": "int32"}


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
    if dtype not in DTYPES:
        raise MoeArtifactError(
            f"{where}: unknown element type '{dtype}' "
            f"(expected one of {', '.join(DTYPES)})")
