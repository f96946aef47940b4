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

from .manifest import FunctionSpec, attribute_schema, operand_schema

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


# Attribute words and defaults come from the op schema generated from ODS
# (moe/_op_schema.py).
def _attribute(op: str, name: str):
    return next(a for a in attribute_schema(op) if a[0] == name)


def _default(op: str, name: str):
    """The ODS default of an attribute, as a Python value (None: none)."""
    _, kind, _, text, _ = _attribute(op, name)
    if not text:
        return None
    return {"int": int, "float": float, "bool": lambda t: t == "true",
            "word": str}[kind](text)


SCORINGS = _attribute("gate", "scoring")[4]
GROUP_SCORES = _attribute("gate", "group_score")[4]
SHARED_WEIGHTS = _attribute("gate", "shared_weight")[4]
EPILOGUES = _attribute("grouped_matmul", "epilogue")[4]
ACTIVATIONS = _attribute("fused_moe", "activation")[4]
GATE_UP_LAYOUTS = _attribute("fused_moe", "gate_up_layout")[4]


def tensor_type(dtype: str, shape: Shape) -> str:
    dims = "".join(("?" if d is None else str(d)) + "x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def _finite(value: float) -> bool:
    value = float(value)
    return value == value and value not in (float("inf"), float("-inf"))


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


def _operand(op: str, name: str, dtype: str, shape: Shape) -> Operand:
    """The operand ``name`` of ``op``, an out if the schema says so."""
    outs = {o[0]: o[1] for o in operand_schema(op)}
    if name not in outs:
        raise ValueError(f"'{name}' is not an operand of {op}")
    return Operand(name, dtype, shape, outs[name])


def _manifest_attrs(op: str, values: Dict[str, object]) -> Tuple[Tuple[str, object], ...]:
    """The attributes the manifest records for ``op`` (as the writer prints
    them): each value given, else its ODS default; unit attributes only when
    set."""
    attrs = []
    for name, kind, _, _, _ in attribute_schema(op):
        value = values.get(name, _default(op, name))
        if value is None or (kind == "bool" and not value):
            continue
        attrs.append((name, value))
    return tuple(sorted(attrs))


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

    def __post_init__(self):
        order = [o[0] for o in operand_schema(self.op)]
        names = [o.name for o in self.operands]
        if names != [n for n in order if n in names]:
            raise ValueError(f"operands {names} of {self.op} are not the op's "
                             f"operands {order} in ODS order")

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
        # A manifest written before an attribute was recorded lacks it: the
        # default is meant.
        fields = dict(fields)
        for key, kind, _, default, _ in attribute_schema(self.op):
            if default and kind != "bool":
                fields.setdefault(key, default)
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
                num_shared_experts: int, num_experts: int,
                shared_weight: str = _default("gate", "shared_weight"),
                shared_logits: bool = False):
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
    _check(shared_weight in SHARED_WEIGHTS, f"shared_weight '{shared_weight}': "
           f"expected one of {', '.join(SHARED_WEIGHTS)}")
    _check(shared_weight != "one" or num_shared_experts >= 1,
           "shared_weight = one needs shared slots (num_shared_experts >= 1)")
    _check(not shared_logits or num_shared_experts >= 1,
           "shared_logits needs shared slots to weight (num_shared_experts >= 1)")
    _check(not shared_logits or shared_weight != "one",
           "shared_logits give the shared slots their weights (sigmoid): "
           "shared_weight = one contradicts them")
    # The assembly elides defaults (RoutingFormat in MoeOps.td).
    text = f"k = {k} scoring = {scoring}"
    if (num_groups != _default("gate", "num_groups")
            or topk_groups != _default("gate", "topk_groups")):
        text += f" num_groups = {num_groups} topk_groups = {topk_groups}"
    if group_score != _default("gate", "group_score"):
        text += f" group_score = {group_score}"
    if renormalize:
        text += " renormalize"
    if scaling_factor != _default("gate", "scaling_factor"):
        text += f" scaling_factor = {float_literal(scaling_factor)}"
    if num_shared_experts != _default("gate", "num_shared_experts"):
        text += f" num_shared_experts = {num_shared_experts}"
    if shared_weight != _default("gate", "shared_weight"):
        text += f" shared_weight = {shared_weight}"
    attrs = {"group_score": group_score, "k": k, "num_groups": num_groups,
             "num_shared_experts": num_shared_experts,
             "scaling_factor": float(scaling_factor), "scoring": scoring,
             "topk_groups": topk_groups, "renormalize": renormalize,
             "shared_weight": shared_weight}
    return text, attrs


def gate(logits_dtype: str, num_experts: int, k: int, *, bias: bool = False,
         scoring: str = "softmax",
         num_groups: int = _default("gate", "num_groups"),
         topk_groups: int = _default("gate", "topk_groups"),
         group_score: str = _default("gate", "group_score"),
         renormalize: bool = _default("gate", "renormalize"),
         scaling_factor: float = _default("gate", "scaling_factor"),
         num_shared_experts: int = _default("gate", "num_shared_experts"),
         shared_weight: str = _default("gate", "shared_weight"),
         shared_logits: bool = False) -> OpSpec:
    """``moe.gate``: logits [T, E] (optional correction bias [E] f32, shared
    experts' gate logits shared_logits [T, S] in the logits' type) ->
    weights [T, k+S] f32, ids [T, k+S] i32."""
    _check_dtype("logits", logits_dtype)
    text, attrs = _gate_attrs(k, scoring, num_groups, topk_groups, group_score,
                              renormalize, scaling_factor, num_shared_experts,
                              num_experts, shared_weight, shared_logits)
    slots = k + num_shared_experts
    operands = [_operand("gate", "logits", logits_dtype, (None, num_experts))]
    if bias:
        operands.append(_operand("gate", "bias", "f32", (num_experts,)))
    if shared_logits:
        operands.append(_operand("gate", "shared_logits", logits_dtype,
                                 (None, num_shared_experts)))
    operands += [_operand("gate", "weights", "f32", (None, slots)),
                 _operand("gate", "ids", "i32", (None, slots))]
    op_text = ("moe.gate %logits" + (" bias(%bias)" if bias else "")
               + (" shared_logits(%shared_logits)" if shared_logits else "")
               + " " + text + " outs(%weights, %ids)")
    return OpSpec("gate", tuple(operands), _manifest_attrs("gate", attrs), op_text)


def grouped_matmul(dtype: str, num_experts: int, n: int, k: int, *,
                   gathered: bool = False,
                   index_divisor: int = _default("grouped_matmul", "index_divisor"),
                   scale: bool = False, bias: bool = False,
                   epilogue: str = _default("grouped_matmul", "epilogue"),
                   out_dtype: Optional[str] = None) -> OpSpec:
    """``moe.grouped_matmul``: a [R or M, K], w [E, N, K], offsets [E+1] ->
    out [R, N] (N/2 with a gated epilogue)."""
    _check_dtype("a/w", dtype)
    out_dtype = out_dtype or dtype
    _check_dtype("out", out_dtype)
    _check(epilogue in EPILOGUES, f"epilogue '{epilogue}': expected one of "
           f"{', '.join(EPILOGUES)}")
    # The *_and_mul epilogues are gated (MoeEnums.td); silu, gelu, ... apply
    # to each of the N columns.
    gated = epilogue.endswith("_and_mul")
    _check(not gated or n % 2 == 0, f"a gated epilogue needs an even N, got {n}")
    _check(index_divisor >= 1, "index_divisor must be >= 1")
    _check(gathered or index_divisor == 1, "index_divisor needs a gathered A")
    n_out = n // 2 if gated else n

    def operand(name: str, operand_dtype: str, shape: Shape) -> Operand:
        return _operand("grouped_matmul", name, operand_dtype, shape)

    operands = [operand("a", dtype, (None, k))]
    if gathered:
        operands.append(operand("row_index", "i32", (None,)))
    operands += [operand("w", dtype, (num_experts, n, k)),
                 operand("offsets", "i32", (num_experts + 1,))]
    if scale:
        operands.append(operand("scale", "f32", (None,)))
    if bias:
        operands.append(operand("bias", dtype, (num_experts, n)))
    operands.append(operand("out", out_dtype, (None, n_out)))
    text = "moe.grouped_matmul %a" + ("[%row_index]" if gathered else "")
    text += ", %w, %offsets"
    text += " scale(%scale)" if scale else ""
    text += " bias(%bias)" if bias else ""
    if epilogue != _default("grouped_matmul", "epilogue"):
        text += f" epilogue = {epilogue}"
    text += " outs(%out)"
    if index_divisor != _default("grouped_matmul", "index_divisor"):
        text += f" {{index_divisor = {index_divisor} : i64}}"
    attrs = _manifest_attrs("grouped_matmul", {"epilogue": epilogue,
                                               "index_divisor": index_divisor})
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

    def operand(name: str, operand_dtype: str, shape: Shape) -> Operand:
        return _operand("rms_norm", name, operand_dtype, shape)

    operands = [operand("x", dtype, (None, hidden)),
                operand("weight", weight_dtype, weight_shape)]
    if num_types is not None:
        operands.append(operand("type_ids", "i32", (None,)))
    if residual:
        operands.append(operand("residual", dtype, (None, hidden)))
    operands.append(operand("out", dtype, (None, hidden)))
    if residual:
        operands.append(operand("residual_out", dtype, (None, hidden)))
    text = "moe.rms_norm %x, %weight"
    text += " type_ids(%type_ids)" if num_types is not None else ""
    text += " residual(%residual)" if residual else ""
    text += f" epsilon = {float_literal(epsilon)}"
    text += " outs(%out, %residual_out)" if residual else " outs(%out)"
    return OpSpec("rms_norm", tuple(operands),
                  _manifest_attrs("rms_norm", {"epsilon": float(epsilon)}), text)


def mot_linear(dtype: str, num_types: int, n: int, k: int, *,
               bias: bool = False, out_dtype: Optional[str] = None) -> OpSpec:
    """``moe.mot_linear``: x [T, K], w [G, N, K], type_ids [T] -> out [T, N]."""
    _check_dtype("x/w", dtype)
    out_dtype = out_dtype or dtype
    _check_dtype("out", out_dtype)
    def operand(name: str, operand_dtype: str, shape: Shape) -> Operand:
        return _operand("mot_linear", name, operand_dtype, shape)

    operands = [operand("x", dtype, (None, k)),
                operand("w", dtype, (num_types, n, k)),
                operand("type_ids", "i32", (None,))]
    if bias:
        operands.append(operand("bias", dtype, (num_types, n)))
    operands.append(operand("out", out_dtype, (None, n)))
    text = "moe.mot_linear %x, %w, %type_ids" + (" bias(%bias)" if bias else "")
    text += " outs(%out)"
    return OpSpec("mot_linear", tuple(operands), _manifest_attrs("mot_linear", {}),
                  text)


def fused_moe(dtype: str, hidden: int, num_experts: int, intermediate: int,
              k: int, *, logits_dtype: Optional[str] = None, bias: bool = False,
              scoring: str = "softmax",
              num_groups: int = _default("fused_moe", "num_groups"),
              topk_groups: int = _default("fused_moe", "topk_groups"),
              group_score: str = _default("fused_moe", "group_score"),
              renormalize: bool = _default("fused_moe", "renormalize"),
              scaling_factor: float = _default("fused_moe", "scaling_factor"),
              num_shared_experts: int = _default("fused_moe", "num_shared_experts"),
              shared_weight: str = _default("fused_moe", "shared_weight"),
              shared_logits: bool = False,
              router_weight_on_input: bool = False,
              activation: str = _default("fused_moe", "activation"),
              gate_up_layout: str = _default("fused_moe", "gate_up_layout"),
              clamp_limit: Optional[float] = None,
              swiglu_alpha: Optional[float] = None,
              b13: bool = False, b2: bool = False) -> OpSpec:
    """``moe.fused_moe``: x [T, H], logits [T, E], w13 [E+S, 2I, H] (gate
    rows, then up rows, or alternating with ``gate_up_layout =
    interleaved``; [E+S, I, H] for a ``*_no_mul`` activation), w2
    [E+S, H, I], optional correction bias [E] f32, shared_logits [T, S]
    (the logits' type), expert biases b13 [E+S, 2I or I] and b2 [E+S, H]
    (x's type) -> out [T, H]. ``clamp_limit`` and ``swiglu_alpha`` are
    written only when given (the op's defaults otherwise)."""
    _check_dtype("x", dtype)
    logits_dtype = logits_dtype or dtype
    _check_dtype("logits", logits_dtype)
    _check(activation in ACTIVATIONS, f"activation '{activation}': expected "
           f"one of {', '.join(ACTIVATIONS)}")
    _check(gate_up_layout in GATE_UP_LAYOUTS, f"gate_up_layout "
           f"'{gate_up_layout}': expected one of {', '.join(GATE_UP_LAYOUTS)}")
    # The gated activations take gate and up rows (MoeEnums.td).
    gated = not activation.endswith("_no_mul")
    _check(gated or gate_up_layout == "split", f"gate_up_layout = "
           f"{gate_up_layout} needs a gated activation, not {activation}")
    if clamp_limit is not None:
        _check(gated, f"clamp_limit applies to a gated activation, not to "
               f"{activation}")
        _check(_finite(clamp_limit) and clamp_limit > 0,
               f"clamp_limit = {clamp_limit}: must be positive and finite")
    if swiglu_alpha is not None:
        _check(activation == "swigluoai", f"swiglu_alpha applies only to "
               f"swigluoai, not to {activation}")
        _check(_finite(swiglu_alpha), f"swiglu_alpha = {swiglu_alpha}: must "
               "be finite")
    _check(not router_weight_on_input or k == 1,
           f"router_weight_on_input needs k = 1, not k = {k}")
    text, attrs = _gate_attrs(k, scoring, num_groups, topk_groups, group_score,
                              renormalize, scaling_factor, num_shared_experts,
                              num_experts, shared_weight, shared_logits)
    # The assembly's order (MoeOps.td), defaults elided.
    if router_weight_on_input:
        text += " router_weight_on_input"
    if activation != _default("fused_moe", "activation"):
        text += f" activation = {activation}"
    if gate_up_layout != _default("fused_moe", "gate_up_layout"):
        text += f" gate_up_layout = {gate_up_layout}"
    if clamp_limit is not None:
        text += f" clamp_limit = {float_literal(clamp_limit)}"
    if swiglu_alpha is not None:
        text += f" swiglu_alpha = {float_literal(swiglu_alpha)}"
    text += " b13(%b13)" if b13 else ""
    text += " b2(%b2)" if b2 else ""
    attrs.update(activation=activation, gate_up_layout=gate_up_layout,
                 router_weight_on_input=router_weight_on_input)
    if clamp_limit is not None:
        attrs["clamp_limit"] = float(clamp_limit)
    if swiglu_alpha is not None:
        attrs["swiglu_alpha"] = float(swiglu_alpha)
    slots = num_experts + num_shared_experts
    rows = 2 * intermediate if gated else intermediate

    def operand(name: str, operand_dtype: str, shape: Shape) -> Operand:
        return _operand("fused_moe", name, operand_dtype, shape)

    operands = [operand("x", dtype, (None, hidden)),
                operand("logits", logits_dtype, (None, num_experts)),
                operand("w13", dtype, (slots, rows, hidden)),
                operand("w2", dtype, (slots, hidden, intermediate))]
    if bias:
        operands.append(operand("bias", "f32", (num_experts,)))
    if shared_logits:
        operands.append(operand("shared_logits", logits_dtype,
                                (None, num_shared_experts)))
    if b13:
        operands.append(operand("b13", dtype, (slots, rows)))
    if b2:
        operands.append(operand("b2", dtype, (slots, hidden)))
    operands.append(operand("out", dtype, (None, hidden)))
    op_text = ("moe.fused_moe %x, %logits, %w13, %w2"
               + (" bias(%bias)" if bias else "")
               + (" shared_logits(%shared_logits)" if shared_logits else "")
               + " " + text + " outs(%out)")
    return OpSpec("fused_moe", tuple(operands), _manifest_attrs("fused_moe", attrs),
                  op_text)


def module(functions: Dict[str, OpSpec]) -> str:
    """A module of one entry point per op: {function name: op}."""
    return "\n".join(spec.function(name) for name, spec in functions.items())
