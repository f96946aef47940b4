"""The manifest of an artifact (``NAME.manifest``, docs/Artifacts.md, "The
manifest"): its entry points, their arguments and the moe ops they hold.
Needs neither torch nor a GPU.

``parse_manifest(path)`` returns ``{function name: FunctionSpec}`` and raises
``MoeArtifactError`` with ``FILE:LINE: message`` on anything malformed (never
another exception): it rejects what tools/moe-runner rejects."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from . import _op_schema
from .errors import MoeArtifactError

__all__ = ["ArgSpec", "FunctionSpec", "parse_manifest", "operand_schema",
           "attribute_schema", "DTYPES"]

# Manifest element types -> torch dtype names (resolved lazily: no torch
# needed to parse a manifest).
DTYPES = {"f32": "float32", "bf16": "bfloat16", "f16": "float16", "i32": "int32",
          "f8E4M3FN": "float8_e4m3fn", "i8": "int8"}


@dataclass
class ArgSpec:
    """One ``arg`` record: element type and shape (None for a ``?`` size)."""

    index: int
    dtype: str  # f32 | bf16 | f16 | i32 | f8E4M3FN | i8
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
    # (line, op, operand, argument) of the current function's op operands.
    operand_args: List[Tuple[str, str, str, int]] = []
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
            operand_args = []
            continue
        if current is None:
            raise MoeArtifactError(f"{where}: '{key}' outside a function")
        if key == "end":
            for out_where, out in outs:
                if out >= len(current.args):
                    raise MoeArtifactError(
                        f"{out_where}: result written to argument {out} but "
                        f"function '{current.name}' has {len(current.args)} arguments")
            for op_where, op, name, arg in operand_args:
                if arg >= len(current.args):
                    raise MoeArtifactError(
                        f"{op_where}: operand '{name}' of op '{op}' is argument "
                        f"{arg} but function '{current.name}' has "
                        f"{len(current.args)} arguments")
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
                if name in fields:
                    raise MoeArtifactError(
                        f"{where}: duplicate field '{name}' of op '{words[1]}'")
                fields[name] = value
            _check_op(words[1], fields, where)
            operand_args += [(where, words[1], name, int(fields[name]))
                             for name in _operand_names(words[1])
                             if fields.get(name, "-") != "-"]
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


# Op fields are checked against the op schema generated from ODS
# (_op_schema.py, docs/Artifacts.md): the same checks as moe-runner's parser.
# Ops outside the schema are kept unchecked.


def operand_schema(op: str) -> Tuple[Tuple[str, bool, bool], ...]:
    """(name, is_out, required) of each operand of ``op`` in ODS order; ()
    for an op outside the schema."""
    return _op_schema.OPERANDS.get(op, ())


def attribute_schema(op: str) -> Tuple[Tuple[str, str, bool, str, Tuple[str, ...]], ...]:
    """(name, kind, required, default, words) of each attribute of ``op``:
    kind is int, float, bool or word; default is manifest text ("" when
    none); words are a word attribute's allowed values."""
    return _op_schema.ATTRIBUTES.get(op, ())


def _operand_names(op: str) -> List[str]:
    return [name for name, _, _ in operand_schema(op)]


def _is_int(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return _parse_index(digits) is not None


def _is_float(text: str) -> bool:
    # float() also takes '_' separators and surrounding blanks (strtod does not).
    if "_" in text or text != text.strip():
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def _attribute_error(name: str, kind: str, words: Tuple[str, ...],
                     value: str) -> Optional[str]:
    """Why ``value`` is not a valid ``kind`` attribute, as moe-runner says
    it; None when it is."""
    if kind == "int" and not _is_int(value):
        return f"attribute '{name}' must be an integer, got '{value}'"
    if kind == "float" and not _is_float(value):
        return f"attribute '{name}' must be a number, got '{value}'"
    if kind == "bool" and value not in ("true", "false", "1", "0"):
        return f"attribute '{name}' must be 'true' or 'false', got '{value}'"
    if kind == "word" and value not in words:
        allowed = ", ".join(f"'{w}'" for w in words)
        return f"attribute '{name}' must be one of {allowed}, got '{value}'"
    return None


def _check_op(op: str, fields: Dict[str, str], where: str) -> None:
    operands = operand_schema(op)
    attributes = {a[0]: a for a in attribute_schema(op)}
    if not operands:
        return
    names = _operand_names(op)
    for key, value in fields.items():
        if key in names:
            if value != "-" and _parse_index(value) is None:
                raise MoeArtifactError(
                    f"{where}: operand '{key}' of op '{op}' must be an argument "
                    f"index or '-', got '{value}'")
        elif key in attributes:
            _, kind, _, _, words = attributes[key]
            message = _attribute_error(key, kind, words, value)
            if message:
                raise MoeArtifactError(f"{where}: {message} (op '{op}')")
        else:
            raise MoeArtifactError(
                f"{where}: unknown operand or attribute '{key}' of op '{op}'")
    for name, _, required in operands:
        if required and name not in fields:
            raise MoeArtifactError(f"{where}: op '{op}' lacks its operand '{name}'")
    for name, _, required, _, _ in attributes.values():
        if required and name not in fields:
            raise MoeArtifactError(f"{where}: op '{op}' lacks its attribute '{name}'")
