"""The moe ops as torch custom ops (``torch.ops.moe.<op>``), each with a fake
implementation (shapes and dtypes only) for torch.compile, and Python
wrappers with keyword defaults. docs/Semantics.md defines what they compute.

The real implementations check their tensors (the fake ones too, so a
traced program fails at compile time), allocate the outs, resolve the
kernel of the op at these sizes, element types and attributes
(moe.kernels: an artifact in $MOE_ARTIFACT_PATH or the compiler) and queue
it on torch's current stream of the tensors' device: nothing synchronizes,
and a call made while that stream is captured lands in the CUDA graph. A
kernel is loaded at its first use, which must not happen during a capture:
run each op once before capturing (the error says so)."""

import contextlib
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor

from .. import ir, kernels
from ..errors import MoeError, OpArgumentError

__all__ = [
    "gate",
    "grouped_matmul",
    "rms_norm",
    "fused_add_rms_norm",
    "mot_linear",
    "fused_moe",
    "poison_outputs",
]

_IR_TYPES = {torch.float32: "f32", torch.bfloat16: "bf16", torch.float16: "f16",
             torch.int32: "i32"}
_FLOATS = (torch.bfloat16, torch.float16, torch.float32)
_OUT_DTYPES = {"": None, "bfloat16": torch.bfloat16, "float16": torch.float16,
               "float32": torch.float32}
_poison = [False]


@contextlib.contextmanager
def poison_outputs(enabled: bool = True):
    """While set, every op fills its outs before its kernel runs (NaN for
    floats, -1 for integers), so that an element the kernel leaves unwritten
    shows. For tests; it costs a fill per out."""
    previous = _poison[0]
    _poison[0] = enabled
    try:
        yield
    finally:
        _poison[0] = previous


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


class _Check:
    """The checks of one op's tensors; every failure names the op."""

    def __init__(self, op: str):
        self.op = op
        self.device = None

    def fail(self, message: str):
        raise OpArgumentError(f"moe.{self.op}: {message}")

    def tensor(self, name: str, t, dtypes: Sequence[torch.dtype], rank: int) -> str:
        """Checks type, dtype, rank, layout and device; returns the manifest
        element type."""
        if not isinstance(t, torch.Tensor):
            self.fail(f"{name}: expected a tensor, got {type(t).__name__}")
        if t.dtype not in dtypes:
            self.fail(f"{name}: dtype {t.dtype}, expected "
                      + " or ".join(str(d) for d in dtypes))
        if t.dim() != rank:
            self.fail(f"{name}: {t.dim()}-d tensor of shape {tuple(t.shape)}, "
                      f"expected {rank}-d")
        if not t.is_contiguous():
            self.fail(f"{name}: strides {t.stride()} for shape {tuple(t.shape)} "
                      "are not row-major contiguous (the kernels take dense "
                      "row-major tensors; call .contiguous())")
        if t.device.type != "cuda":
            self.fail(f"{name}: on {t.device}, expected a CUDA device")
        if self.device is None:
            self.device = t.device
        elif t.device != self.device:
            self.fail(f"{name}: on {t.device}, the other tensors are on {self.device}")
        return _IR_TYPES[t.dtype]

    def size(self, name: str, t: Tensor, dim: int, expected, what: str) -> None:
        if t.shape[dim] != expected:
            self.fail(f"{name}: size {t.shape[dim]} in dimension {dim} (shape "
                      f"{tuple(t.shape)}), expected {expected} ({what})")

    def same_dtype(self, name: str, t: Tensor, reference: Tensor, ref_name: str) -> None:
        if t.dtype != reference.dtype:
            self.fail(f"{name}: dtype {t.dtype}, expected {reference.dtype} "
                      f"(the dtype of {ref_name})")

    def weights(self, x_name: str, x: Tensor, w_name: str, w: Tensor):
        """An activation [T, K] and per-group weights [G, N, K] of its dtype;
        returns (element type, G, N, K)."""
        dtype = self.tensor(x_name, x, _FLOATS, 2)
        self.tensor(w_name, w, _FLOATS, 3)
        self.same_dtype(w_name, w, x, x_name)
        self.size(w_name, w, 2, x.shape[1], f"K, {x_name}.shape[1]")
        return (dtype,) + tuple(w.shape)

    def group_bias(self, bias: Optional[Tensor], x: Tensor, x_name: str,
                   groups: int, n: int) -> None:
        """An optional bias [G, N] of x's dtype."""
        if bias is None:
            return
        self.tensor("bias", bias, _FLOATS, 2)
        self.same_dtype("bias", bias, x, x_name)
        self.size("bias", bias, 0, groups, "the number of groups, w.shape[0]")
        self.size("bias", bias, 1, n, "N, w.shape[1]")

    def spec(self, build, *args, **kwargs) -> ir.OpSpec:
        """An OpSpec; its attribute checks become OpArgumentErrors."""
        try:
            return build(*args, **kwargs)
        except ValueError as e:
            self.fail(str(e))


def _run(spec: ir.OpSpec, device: torch.device, inputs: Dict[str, Optional[Tensor]],
         outs: Dict[str, Tensor], rows: int) -> None:
    """Queues the kernel of ``spec`` on torch's current stream."""
    if _poison[0]:
        for out in outs.values():
            out.fill_(float("nan") if out.dtype.is_floating_point else -1)
    if rows == 0:
        return
    index = device.index if device.index is not None else torch.cuda.current_device()
    if not kernels.is_resolved(spec, index) and torch.cuda.is_current_stream_capturing():
        raise MoeError(
            f"moe.{spec.op}: its kernel for these shapes is loaded at its first "
            "call, which cannot happen while a CUDA graph is being captured: "
            "run the op once before capturing")
    kernel = kernels.resolve(spec, index)
    tensors = {name: t for name, t in inputs.items() if t is not None}
    tensors.update(outs)
    with torch.cuda.device(index):
        kernel.launch(tensors, stream=torch.cuda.current_stream(index))


# ---------------------------------------------------------------------------
# gate
# ---------------------------------------------------------------------------


def _gate_check(logits, bias, k, scoring, num_groups, topk_groups, group_score,
                renormalize, scaling_factor, num_shared_experts):
    c = _Check("gate")
    dtype = c.tensor("logits", logits, _FLOATS, 2)
    experts = logits.shape[1]
    if bias is not None:
        c.tensor("bias", bias, (torch.float32,), 1)
        c.size("bias", bias, 0, experts, "the number of experts, logits.shape[1]")
    spec = c.spec(ir.gate, dtype, experts, k, bias=bias is not None,
                  scoring=scoring, num_groups=num_groups, topk_groups=topk_groups,
                  group_score=group_score, renormalize=renormalize,
                  scaling_factor=scaling_factor,
                  num_shared_experts=num_shared_experts)
    return spec, c.device, (logits.shape[0], k + num_shared_experts)


@torch.library.custom_op("moe::gate", mutates_args=())
def _gate(logits: Tensor, bias: Optional[Tensor], k: int, scoring: str,
          num_groups: int, topk_groups: int, group_score: str, renormalize: bool,
          scaling_factor: float, num_shared_experts: int) -> Tuple[Tensor, Tensor]:
    spec, device, shape = _gate_check(logits, bias, k, scoring, num_groups,
                                      topk_groups, group_score, renormalize,
                                      scaling_factor, num_shared_experts)
    weights = logits.new_empty(shape, dtype=torch.float32)
    ids = logits.new_empty(shape, dtype=torch.int32)
    _run(spec, device, {"logits": logits, "bias": bias},
         {"weights": weights, "ids": ids}, shape[0])
    return weights, ids


@_gate.register_fake
def _(logits, bias, k, scoring, num_groups, topk_groups, group_score,
      renormalize, scaling_factor, num_shared_experts):
    _, _, shape = _gate_check(logits, bias, k, scoring, num_groups, topk_groups,
                              group_score, renormalize, scaling_factor,
                              num_shared_experts)
    return (logits.new_empty(shape, dtype=torch.float32),
            logits.new_empty(shape, dtype=torch.int32))


def gate(logits: Tensor, k: int, *, bias: Optional[Tensor] = None,
         scoring: str = "softmax", num_groups: int = 1, topk_groups: int = 1,
         group_score: str = "max", renormalize: bool = False,
         scaling_factor: float = 1.0,
         num_shared_experts: int = 0) -> Tuple[Tensor, Tensor]:
    """Top-k router: logits [T, E] -> (weights [T, k+S] f32, ids [T, k+S] i32)."""
    return _gate(logits, bias, k, scoring, num_groups, topk_groups, group_score,
                 renormalize, scaling_factor, num_shared_experts)


# ---------------------------------------------------------------------------
# grouped_matmul
# ---------------------------------------------------------------------------


def _grouped_matmul_check(a, w, offsets, row_index, scale, bias, epilogue,
                          index_divisor, out_dtype):
    c = _Check("grouped_matmul")
    dtype, experts, n, k = c.weights("a", a, "w", w)
    c.tensor("offsets", offsets, (torch.int32,), 1)
    c.size("offsets", offsets, 0, experts + 1, "the number of experts + 1")
    rows = a.shape[0]
    if row_index is not None:
        c.tensor("row_index", row_index, (torch.int32,), 1)
        rows = row_index.shape[0]
    if scale is not None:
        c.tensor("scale", scale, (torch.float32,), 1)
        c.size("scale", scale, 0, rows, "one per output row")
    c.group_bias(bias, a, "a", experts, n)
    if out_dtype not in _OUT_DTYPES:
        c.fail(f"out_dtype '{out_dtype}': expected one of "
               + ", ".join(repr(d) for d in _OUT_DTYPES))
    out_torch = _OUT_DTYPES[out_dtype] or a.dtype
    spec = c.spec(ir.grouped_matmul, dtype, experts, n, k,
                  gathered=row_index is not None, index_divisor=index_divisor,
                  scale=scale is not None, bias=bias is not None,
                  epilogue=epilogue, out_dtype=_IR_TYPES[out_torch])
    columns = n if epilogue == "none" else n // 2
    return spec, c.device, (rows, columns), out_torch


@torch.library.custom_op("moe::grouped_matmul", mutates_args=())
def _grouped_matmul(a: Tensor, w: Tensor, offsets: Tensor,
                    row_index: Optional[Tensor], scale: Optional[Tensor],
                    bias: Optional[Tensor], epilogue: str, index_divisor: int,
                    out_dtype: str) -> Tensor:
    spec, device, shape, dtype = _grouped_matmul_check(
        a, w, offsets, row_index, scale, bias, epilogue, index_divisor, out_dtype)
    out = a.new_empty(shape, dtype=dtype)
    _run(spec, device, {"a": a, "row_index": row_index, "w": w,
                        "offsets": offsets, "scale": scale, "bias": bias},
         {"out": out}, shape[0])
    return out


@_grouped_matmul.register_fake
def _(a, w, offsets, row_index, scale, bias, epilogue, index_divisor, out_dtype):
    _, _, shape, dtype = _grouped_matmul_check(
        a, w, offsets, row_index, scale, bias, epilogue, index_divisor, out_dtype)
    return a.new_empty(shape, dtype=dtype)


def grouped_matmul(a: Tensor, w: Tensor, offsets: Tensor, *,
                   row_index: Optional[Tensor] = None,
                   scale: Optional[Tensor] = None, bias: Optional[Tensor] = None,
                   epilogue: str = "none", index_divisor: int = 1,
                   out_dtype: str = "") -> Tensor:
    """Expert GEMM: rows of ``a`` (or ``a[row_index // index_divisor]``)
    grouped by ``offsets [E+1]`` times ``w [E, N, K]`` transposed, with the
    epilogue (none, silu_and_mul, gelu_and_mul), row scale and bias; out
    [R, N] (N/2 gated) in ``out_dtype`` ("" = a's; or "bfloat16", ...)."""
    return _grouped_matmul(a, w, offsets, row_index, scale, bias, epilogue,
                           index_divisor, out_dtype)


# ---------------------------------------------------------------------------
# rms_norm, fused_add_rms_norm
# ---------------------------------------------------------------------------


def _rms_norm_check(op, x, residual, weight, type_ids, epsilon):
    c = _Check(op)
    dtype = c.tensor("x", x, _FLOATS, 2)
    hidden = x.shape[1]
    if residual is not None:
        c.tensor("residual", residual, _FLOATS, 2)
        c.same_dtype("residual", residual, x, "x")
        c.size("residual", residual, 0, x.shape[0], "the tokens, x.shape[0]")
        c.size("residual", residual, 1, hidden, "H, x.shape[1]")
    num_types = None
    if type_ids is not None:
        c.tensor("type_ids", type_ids, (torch.int32,), 1)
        c.size("type_ids", type_ids, 0, x.shape[0], "one per token")
        c.tensor("weight", weight, _FLOATS, 2)
        num_types = weight.shape[0]
        c.size("weight", weight, 1, hidden, "H, x.shape[1]")
    else:
        c.tensor("weight", weight, _FLOATS, 1)
        c.size("weight", weight, 0, hidden, "H, x.shape[1]")
    c.same_dtype("weight", weight, x, "x")
    spec = c.spec(ir.rms_norm, dtype, hidden, epsilon=epsilon,
                  num_types=num_types, residual=residual is not None)
    return spec, c.device


@torch.library.custom_op("moe::rms_norm", mutates_args=())
def _rms_norm(x: Tensor, weight: Tensor, type_ids: Optional[Tensor],
              epsilon: float) -> Tensor:
    spec, device = _rms_norm_check("rms_norm", x, None, weight, type_ids, epsilon)
    out = torch.empty_like(x)
    _run(spec, device, {"x": x, "weight": weight, "type_ids": type_ids},
         {"out": out}, x.shape[0])
    return out


@_rms_norm.register_fake
def _(x, weight, type_ids, epsilon):
    _rms_norm_check("rms_norm", x, None, weight, type_ids, epsilon)
    return torch.empty_like(x)


@torch.library.custom_op("moe::fused_add_rms_norm", mutates_args=())
def _fused_add_rms_norm(x: Tensor, residual: Tensor, weight: Tensor,
                        type_ids: Optional[Tensor],
                        epsilon: float) -> Tuple[Tensor, Tensor]:
    spec, device = _rms_norm_check("fused_add_rms_norm", x, residual, weight,
                                   type_ids, epsilon)
    out, residual_out = torch.empty_like(x), torch.empty_like(x)
    _run(spec, device, {"x": x, "weight": weight, "type_ids": type_ids,
                        "residual": residual},
         {"out": out, "residual_out": residual_out}, x.shape[0])
    return out, residual_out


@_fused_add_rms_norm.register_fake
def _(x, residual, weight, type_ids, epsilon):
    _rms_norm_check("fused_add_rms_norm", x, residual, weight, type_ids, epsilon)
    return torch.empty_like(x), torch.empty_like(x)


def rms_norm(x: Tensor, weight: Tensor, *, type_ids: Optional[Tensor] = None,
             epsilon: float = 1e-6) -> Tensor:
    """RMSNorm of x [T, H] with weight [H] (or [G, H] picked by type_ids [T])."""
    return _rms_norm(x, weight, type_ids, epsilon)


def fused_add_rms_norm(x: Tensor, residual: Tensor, weight: Tensor, *,
                       type_ids: Optional[Tensor] = None,
                       epsilon: float = 1e-6) -> Tuple[Tensor, Tensor]:
    """s = x + residual; returns (rms_norm(s), s)."""
    return _fused_add_rms_norm(x, residual, weight, type_ids, epsilon)


# ---------------------------------------------------------------------------
# mot_linear
# ---------------------------------------------------------------------------


def _mot_linear_check(x, w, type_ids, bias):
    c = _Check("mot_linear")
    dtype, num_types, n, k = c.weights("x", x, "w", w)
    c.tensor("type_ids", type_ids, (torch.int32,), 1)
    c.size("type_ids", type_ids, 0, x.shape[0], "one per token")
    c.group_bias(bias, x, "x", num_types, n)
    spec = c.spec(ir.mot_linear, dtype, num_types, n, k, bias=bias is not None)
    return spec, c.device, (x.shape[0], n)


@torch.library.custom_op("moe::mot_linear", mutates_args=())
def _mot_linear(x: Tensor, w: Tensor, type_ids: Tensor,
                bias: Optional[Tensor]) -> Tensor:
    spec, device, shape = _mot_linear_check(x, w, type_ids, bias)
    out = x.new_empty(shape)
    _run(spec, device, {"x": x, "w": w, "type_ids": type_ids, "bias": bias},
         {"out": out}, shape[0])
    return out


@_mot_linear.register_fake
def _(x, w, type_ids, bias):
    _, _, shape = _mot_linear_check(x, w, type_ids, bias)
    return x.new_empty(shape)


def mot_linear(x: Tensor, w: Tensor, type_ids: Tensor, *,
               bias: Optional[Tensor] = None) -> Tensor:
    """Per-token-type linear: out[t] = x[t] @ w[type_ids[t]].T (+ bias)."""
    return _mot_linear(x, w, type_ids, bias)


# ---------------------------------------------------------------------------
# fused_moe
# ---------------------------------------------------------------------------


def _fused_moe_check(x, logits, w13, w2, bias, k, scoring, num_groups,
                     topk_groups, group_score, renormalize, scaling_factor,
                     num_shared_experts, activation):
    c = _Check("fused_moe")
    dtype = c.tensor("x", x, _FLOATS, 2)
    logits_dtype = c.tensor("logits", logits, _FLOATS, 2)
    c.size("logits", logits, 0, x.shape[0], "the tokens, x.shape[0]")
    experts = logits.shape[1]
    hidden = x.shape[1]
    c.tensor("w13", w13, _FLOATS, 3)
    c.same_dtype("w13", w13, x, "x")
    c.tensor("w2", w2, _FLOATS, 3)
    c.same_dtype("w2", w2, x, "x")
    slots = experts + num_shared_experts
    c.size("w13", w13, 0, slots, "routed + shared experts")
    c.size("w13", w13, 2, hidden, "H, x.shape[1]")
    if w13.shape[1] % 2:
        c.fail(f"w13: size {w13.shape[1]} in dimension 1 is odd, expected 2*I "
               "(gate rows, then up rows)")
    intermediate = w13.shape[1] // 2
    c.size("w2", w2, 0, slots, "routed + shared experts")
    c.size("w2", w2, 1, hidden, "H, x.shape[1]")
    c.size("w2", w2, 2, intermediate, "I, w13.shape[1] / 2")
    if bias is not None:
        c.tensor("bias", bias, (torch.float32,), 1)
        c.size("bias", bias, 0, experts, "the number of experts, logits.shape[1]")
    spec = c.spec(ir.fused_moe, dtype, hidden, experts, intermediate, k,
                  logits_dtype=logits_dtype, bias=bias is not None,
                  scoring=scoring, num_groups=num_groups,
                  topk_groups=topk_groups, group_score=group_score,
                  renormalize=renormalize, scaling_factor=scaling_factor,
                  num_shared_experts=num_shared_experts, activation=activation)
    return spec, c.device


@torch.library.custom_op("moe::fused_moe", mutates_args=())
def _fused_moe(x: Tensor, logits: Tensor, w13: Tensor, w2: Tensor,
               bias: Optional[Tensor], k: int, scoring: str, num_groups: int,
               topk_groups: int, group_score: str, renormalize: bool,
               scaling_factor: float, num_shared_experts: int,
               activation: str) -> Tensor:
    spec, device = _fused_moe_check(x, logits, w13, w2, bias, k, scoring,
                                    num_groups, topk_groups, group_score,
                                    renormalize, scaling_factor,
                                    num_shared_experts, activation)
    out = torch.empty_like(x)
    _run(spec, device, {"x": x, "logits": logits, "w13": w13, "w2": w2,
                        "bias": bias}, {"out": out}, x.shape[0])
    return out


@_fused_moe.register_fake
def _(x, logits, w13, w2, bias, k, scoring, num_groups, topk_groups,
      group_score, renormalize, scaling_factor, num_shared_experts, activation):
    _fused_moe_check(x, logits, w13, w2, bias, k, scoring, num_groups,
                     topk_groups, group_score, renormalize, scaling_factor,
                     num_shared_experts, activation)
    return torch.empty_like(x)


def fused_moe(x: Tensor, logits: Tensor, w13: Tensor, w2: Tensor, *, k: int,
              bias: Optional[Tensor] = None, scoring: str = "softmax",
              num_groups: int = 1, topk_groups: int = 1,
              group_score: str = "max", renormalize: bool = False,
              scaling_factor: float = 1.0, num_shared_experts: int = 0,
              activation: str = "silu") -> Tensor:
    """A whole MoE layer: x [T, H], logits [T, E], w13 [E+S, 2I, H] (gate
    rows, then up rows), w2 [E+S, H, I] -> [T, H]."""
    return _fused_moe(x, logits, w13, w2, bias, k, scoring, num_groups,
                      topk_groups, group_score, renormalize, scaling_factor,
                      num_shared_experts, activation)
