"""moe IR text for single ops and their entry points, and the match of an
op against an artifact's manifest.

An ``OpSpec`` is one moe op at fixed static sizes, element types and
attributes (the token count ``T`` dynamic): it renders an entry point taking
every operand (outs last) as a function argument, and recognizes a compiled
function of the same op in a manifest (whatever its argument order), so that
an artifact compiled elsewhere serves the op (moe.kernels). Ops and
attributes follow docs/Semantics.md; the manifest records every attribute,
defaults included, which ``attrs`` lists the same way."""

import struct
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .manifest import FunctionSpec

__all__ = [
    "Operand",
    "OpSpec",
    "gate",
    "grouped_matmul",
    "rms_norm",
    "mot_linear",
    "fused_moe",
    "module",
]

Shape = Tuple[Optional[int], ...]
ELEMENT_TYPES = ("f32", "bf16", "f16", "i32")
FLOAT_TYPES = ("f32", "bf16", "f16")
SCORINGS = ("softmax", "sigmoid")
GROUP_SCORES = ("max", "top2_sum")
EPILOGUES = ("none", "silu_and_mul", "gelu_and_mul")
ACTIVATIONS = ("silu", "gelu")


def tensor_type(dtype: str, shape: Shape) -> str:
    dims = "".join(("?" if d is None else str(d)) + "x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def _f32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def float_literal(value: float) -> str:
    """An MLIR float literal (it needs a '.': 1.0e-06, not 1e-06)."""
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {value}")
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + e + exponent


@dataclass(frozen=True)
class Operand:
    """An operand by its ODS name (as the manifest names it)."""

    name: str
    dtype: str
    shape: Shape
    out: bool = False

    @property
    def type(self) -> str:
        return tensor_type(self.dtype, self.shape)


@dataclass(frozen=True)
class OpSpec:
    """One op: ``op`` (manifest name, e.g. "gate"), its present operands in
    ODS order (outs last), the attributes the manifest records (unit
    attributes only when set, as True) and the op's text with ``%name``
    operands, up to the colon."""

    op: str
    operands: Tuple[Operand, ...]
    attrs: Tuple[Tuple[str, object], ...]
    text: str

    def operand(self, name: str) -> Optional[Operand]:
        return next((o for o in self.operands if o.name == name), None)

    @property
    def outs(self) -> List[Operand]:
        return [o for o in self.operands if o.out]

    def function(self, name: str, arg_order: Optional[Sequence[str]] = None) -> str:
        """An entry point ``@name`` taking the operands as arguments (in ODS
        order, or ``arg_order``) and returning the outs."""
        order = list(arg_order) if arg_order else [o.name for o in self.operands]
        if sorted(order) != sorted(o.name for o in self.operands):
            raise ValueError(f"arg_order {order} is not a permutation of the "
                             f"operands of {self.op}")
        args = ", ".join(f"%{n}: {self.operand(n).type}" for n in order)
        outs = self.outs
        results = ", ".join(o.type for o in outs)
        values = ", ".join(f"%r{i}" for i in range(len(outs)))
        operand_types = ", ".join(o.type for o in self.operands)
        wrap = (lambda s: f"({s})") if len(outs) > 1 else (lambda s: s)
        return (f"func.func @{name}({args}) -> {wrap(results)} {{\n"
                f"  {values} = {self.text}\n"
                f"      : ({operand_types}) -> {wrap(results)}\n"
                f"  return {values} : {results}\n"
                "}\n")

    def match(self, function: FunctionSpec) -> Optional[Dict[str, int]]:
        """{operand name: argument index} if ``function`` is exactly this op
        (one op, the same attributes, every argument one of its operands with
        the same element type and shape), else None."""
        if len(function.ops) != 1 or len(function.args) != len(self.operands):
            return None
        name, fields = function.ops[0]
        if name != self.op:
            return None
        names = {o.name for o in self.operands}
        indices: Dict[str, int] = {}
        attrs: Dict[str, str] = {}
        for key, value in fields.items():
            if key in names:
                if not value.isdigit():
                    return None
                indices[key] = int(value)
            else:
                attrs[key] = value
        if set(indices) != names or sorted(indices.values()) != list(
                range(len(function.args))):
            return None
        for operand in self.operands:
            arg = function.args[indices[operand.name]]
            if arg.dtype != operand.dtype or arg.shape != operand.shape:
                return None
        expected = dict(self.attrs)
        if set(attrs) != set(expected):
            return None
        for key, want in expected.items():
            if not _same_attr(attrs[key], want):
                return None
        return indices


def _same_attr(text: str, want: object) -> bool:
    if want is True:
        return text == "true"
    if isinstance(want, int):
        return text == str(want)
    if isinstance(want, float):
        try:
            return _f32(float(text)) == _f32(want)
        except (ValueError, OverflowError):
            return False
    return text == str(want)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_dtype(what: str, dtype: str, allowed: Iterable[str] = FLOAT_TYPES) -> None:
    allowed = tuple(allowed)
    _check(dtype in allowed, f"{what}: element type '{dtype}', expected one of "
           f"{', '.join(allowed)}")


def _gate_attrs(k: int, scoring: str, num_groups: int, topk_groups: int,
                group_score: str, renormalize: bool, scaling_factor: float,
                num_shared_experts: int, num_experts: int):
    """The gate attributes (text, manifest attributes), checked as the
    verifier does."""
    _check(k >= 1, f"k = {k}: must be at least 1")
    _check(scoring in SCORINGS, f"scoring '{scoring}': expected softmax or sigmoid")
    _check(group_score in GROUP_SCORES, f"group_score '{group_score}': expected "
           "max or top2_sum")
    _check(num_groups >= 1 and num_experts % num_groups == 0,
           f"num_groups = {num_groups} must divide the {num_experts} experts")
    _check(1 <= topk_groups <= num_groups,
           f"topk_groups = {topk_groups}: must be in 1..{num_groups}")
    _check(k <= topk_groups * num_experts // num_groups,
           f"k = {k} exceeds the {topk_groups * num_experts // num_groups} "
           "experts of the kept groups")
    _check(scaling_factor > 0, f"scaling_factor = {scaling_factor}: must be > 0")
    _check(num_shared_experts >= 0, "num_shared_experts must be >= 0")
    text = f"k = {k} scoring = {scoring}"
    if num_groups != 1 or topk_groups != 1:
        text += f" num_groups = {num_groups} topk_groups = {topk_groups}"
    if group_score != "max":
        text += f" group_score = {group_score}"
    if renormalize:
        text += " renormalize"
    if scaling_factor != 1.0:
        text += f" scaling_factor = {float_literal(scaling_factor)}"
    if num_shared_experts:
        text += f" num_shared_experts = {num_shared_experts}"
    attrs = [("group_score", group_score), ("k", k), ("num_groups", num_groups),
             ("num_shared_experts", num_shared_experts),
             ("scaling_factor", float(scaling_factor)), ("scoring", scoring),
             ("topk_groups", topk_groups)]
    if renormalize:
        attrs.append(("renormalize", True))
    return text, attrs


def gate(logits_dtype: str, num_experts: int, k: int, *, bias: bool = False,
         scoring: str = "softmax", num_groups: int = 1, topk_groups: int = 1,
         group_score: str = "max", renormalize: bool = False,
         scaling_factor: float = 1.0, num_shared_experts: int = 0) -> OpSpec:
    """``moe.gate``: logits [T, E] -> weights [T, k+S] f32, ids [T, k+S] i32."""
    _check_dtype("logits", logits_dtype)
    text, attrs = _gate_attrs(k, scoring, num_groups, topk_groups, group_score,
                              renormalize, scaling_factor, num_shared_experts,
                              num_experts)
    slots = k + num_shared_experts
    operands = [Operand("logits", logits_dtype, (None, num_experts))]
    if bias:
        operands.append(Operand("bias", "f32", (num_experts,)))
    operands += [Operand("weights", "f32", (None, slots), out=True),
                 Operand("ids", "i32", (None, slots), out=True)]
    op_text = ("moe.gate %logits" + (" bias(%bias)" if bias else "") + " " + text
               + " outs(%weights, %ids)")
    return OpSpec("gate", tuple(operands), tuple(attrs), op_text)


def grouped_matmul(dtype: str, num_experts: int, n: int, k: int, *,
                   gathered: bool = False, index_divisor: int = 1,
                   scale: bool = False, bias: bool = False,
                   epilogue: str = "none", out_dtype: Optional[str] = None) -> OpSpec:
    """``moe.grouped_matmul``: a [R or M, K], w [E, N, K], offsets [E+1] ->
    out [R, N] (N/2 with a gated epilogue)."""
    _check_dtype("a/w", dtype)
    out_dtype = out_dtype or dtype
    _check_dtype("out", out_dtype)
    _check(epilogue in EPILOGUES, f"epilogue '{epilogue}': expected one of "
           f"{', '.join(EPILOGUES)}")
    _check(epilogue == "none" or n % 2 == 0,
           f"a gated epilogue needs an even N, got {n}")
    _check(index_divisor >= 1, "index_divisor must be >= 1")
    _check(gathered or index_divisor == 1, "index_divisor needs a gathered A")
    n_out = n if epilogue == "none" else n // 2
    operands = [Operand("a", dtype, (None, k))]
    if gathered:
        operands.append(Operand("row_index", "i32", (None,)))
    operands += [Operand("w", dtype, (num_experts, n, k)),
                 Operand("offsets", "i32", (num_experts + 1,))]
    if scale:
        operands.append(Operand("scale", "f32", (None,)))
    if bias:
        operands.append(Operand("bias", dtype, (num_experts, n)))
    operands.append(Operand("out", out_dtype, (None, n_out), out=True))
    text = "moe.grouped_matmul %a" + ("[%row_index]" if gathered else "")
    text += ", %w, %offsets"
    text += " scale(%scale)" if scale else ""
    text += " bias(%bias)" if bias else ""
    text += f" epilogue = {epilogue}" if epilogue != "none" else ""
    text += " outs(%out)"
    if index_divisor != 1:
        text += f" {{index_divisor = {index_divisor} : i64}}"
    attrs = (("epilogue", epilogue), ("index_divisor", index_divisor))
    return OpSpec("grouped_matmul", tuple(operands), attrs, text)


def rms_norm(dtype: str, hidden: int, *, epsilon: float = 1e-6,
             num_types: Optional[int] = None, residual: bool = False,
             weight_dtype: Optional[str] = None) -> OpSpec:
    """``moe.rms_norm``: x [T, H], weight [H] (or [G, H] with type_ids [T]
    when ``num_types`` is G), optional residual -> out (and residual_out)."""
    _check_dtype("x", dtype)
    weight_dtype = weight_dtype or dtype
    _check_dtype("weight", weight_dtype)
    _check(epsilon > 0, f"epsilon = {epsilon}: must be > 0")
    weight_shape = (hidden,) if num_types is None else (num_types, hidden)
    operands = [Operand("x", dtype, (None, hidden)),
                Operand("weight", weight_dtype, weight_shape)]
    if num_types is not None:
        operands.append(Operand("type_ids", "i32", (None,)))
    if residual:
        operands.append(Operand("residual", dtype, (None, hidden)))
    operands.append(Operand("out", dtype, (None, hidden), out=True))
    if residual:
        operands.append(Operand("residual_out", dtype, (None, hidden), out=True))
    text = "moe.rms_norm %x, %weight"
    text += " type_ids(%type_ids)" if num_types is not None else ""
    text += " residual(%residual)" if residual else ""
    text += f" epsilon = {float_literal(epsilon)}"
    text += " outs(%out, %residual_out)" if residual else " outs(%out)"
    return OpSpec("rms_norm", tuple(operands), (("epsilon", float(epsilon)),), text)


def mot_linear(dtype: str, num_types: int, n: int, k: int, *,
               bias: bool = False, out_dtype: Optional[str] = None) -> OpSpec:
    """``moe.mot_linear``: x [T, K], w [G, N, K], type_ids [T] -> out [T, N]."""
    _check_dtype("x/w", dtype)
    out_dtype = out_dtype or dtype
    _check_dtype("out", out_dtype)
    operands = [Operand("x", dtype, (None, k)),
                Operand("w", dtype, (num_types, n, k)),
                Operand("type_ids", "i32", (None,))]
    if bias:
        operands.append(Operand("bias", dtype, (num_types, n)))
    operands.append(Operand("out", out_dtype, (None, n), out=True))
    text = "moe.mot_linear %x, %w, %type_ids" + (" bias(%bias)" if bias else "")
    text += " outs(%out)"
    return OpSpec("mot_linear", tuple(operands), (), text)


def fused_moe(dtype: str, hidden: int, num_experts: int, intermediate: int,
              k: int, *, logits_dtype: Optional[str] = None, bias: bool = False,
              scoring: str = "softmax", num_groups: int = 1, topk_groups: int = 1,
              group_score: str = "max", renormalize: bool = False,
              scaling_factor: float = 1.0, num_shared_experts: int = 0,
              activation: str = "silu") -> OpSpec:
    """``moe.fused_moe``: x [T, H], logits [T, E], w13 [E+S, 2I, H] (gate
    rows, then up rows), w2 [E+S, H, I], optional bias [E] -> out [T, H]."""
    _check_dtype("x", dtype)
    logits_dtype = logits_dtype or dtype
    _check_dtype("logits", logits_dtype)
    _check(activation in ACTIVATIONS, f"activation '{activation}': expected "
           "silu or gelu")
    text, attrs = _gate_attrs(k, scoring, num_groups, topk_groups, group_score,
                              renormalize, scaling_factor, num_shared_experts,
                              num_experts)
    if activation != "silu":
        text += f" activation = {activation}"
    attrs.append(("activation", activation))
    slots = num_experts + num_shared_experts
    operands = [Operand("x", dtype, (None, hidden)),
                Operand("logits", logits_dtype, (None, num_experts)),
                Operand("w13", dtype, (slots, 2 * intermediate, hidden)),
                Operand("w2", dtype, (slots, hidden, intermediate))]
    if bias:
        operands.append(Operand("bias", "f32", (num_experts,)))
    operands.append(Operand("out", dtype, (None, hidden), out=True))
    op_text = ("moe.fused_moe %x, %logits, %w13, %w2"
               + (" bias(%bias)" if bias else "") + " " + text + " outs(%out)")
    return OpSpec("fused_moe", tuple(operands), tuple(attrs), op_text)


def module(functions: Dict[str, OpSpec]) -> str:
    """A module of one entry point per op: {function name: op}."""
    return "\n".join(spec.function(name) for name, spec in functions.items())
