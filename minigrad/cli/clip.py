"""`minigrad clip`: gradient clipping by norm, explained step by step on gradients you type.

    minigrad clip 1 2 3 4 5 --max-norm 3 [--norm-type 2] [--dtype float32]

The gradients become the `.grad` of one parameter and go through
`minigrad.nn.utils.clip_grad_norm_`, so every number shown is the library's own. The command
then shows PyTorch's answer beside it (when PyTorch is installed), and contrasts norm clipping
with a common wrong recipe: clip each element to [-C, C], then rescale to norm C.

Choices made here:

* `--max-norm` 0 or negative is accepted, because PyTorch accepts it, and the output says what
  it does (0 zeroes the gradients, a negative value flips their sign).
* `--norm-type` must be positive or 'inf'. PyTorch also accepts p <= 0, but those orders are
  not norms and its results for them (p = 0 counts the nonzero tensors) explain nothing about
  clipping.
* nan and inf are accepted as gradients: they show what clip_grad_norm_ does with a
  non-finite norm.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable

import numpy as np

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_

EPS = 1e-6  # the constant clip_grad_norm_ adds to the norm before dividing

# The tutorial this lesson corrects printed these numbers for gradients [1, 2, 3, 4, 5] with
# max_norm 3. They are a quotation, kept to be refuted, never computed.
TUTORIAL_GRADIENTS = (1.0, 2.0, 3.0, 4.0, 5.0)
TUTORIAL_MAX_NORM = 3.0
TUTORIAL_NORM = 3.1623
TUTORIAL_CLIPPED = (0.5388, 1.0776, 1.6164, 2.1553, 2.6941)

# Agreement with PyTorch within the test suite's tolerances (tests/support.py).
TOLERANCES = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `clip` subcommand."""
    parser = subparsers.add_parser(
        "clip",
        help="explain gradient clipping (clip_grad_norm_) step by step",
        description=(
            "Clip the gradients you give with minigrad.nn.utils.clip_grad_norm_ and explain "
            "each step: the total norm, the coefficient, the clipped gradients and their norm. "
            "Shows PyTorch's answer beside minigrad's when PyTorch is installed."
        ),
        epilog=(
            "example: minigrad clip 1 2 3 4 5 --max-norm 3. A negative value in exponent form "
            "(-1e-3) looks like an option: put the gradients last, after --, as in "
            "minigrad clip --max-norm 1 -- -1e-3 2"
        ),
    )
    parser.add_argument(
        "gradients", nargs="+", type=_number, metavar="GRADIENT",
        help="the gradient values (one parameter's .grad)",
    )
    parser.add_argument(
        "--max-norm", type=_number, required=True, metavar="C",
        help="the largest total norm allowed (0 or negative are accepted, as in PyTorch)",
    )
    parser.add_argument(
        "--norm-type", type=_norm_type, default=2.0, metavar="P",
        help="the order p of the norm: 1, 2 (default), any positive number, or inf",
    )
    parser.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32",
        help="dtype of the gradients (default: float32, PyTorch's default)",
    )
    parser.set_defaults(run=run)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _norm_type(text: str) -> float:
    p = _number(text)
    if not p > 0:
        raise argparse.ArgumentTypeError(
            f"the norm type must be a positive number or inf, got {text!r}"
        )
    return p


def run(args: argparse.Namespace) -> int:
    """Explain one call of clip_grad_norm_; 1 if PyTorch gives a different answer."""
    dtype = np.dtype(args.dtype)
    with np.errstate(over="ignore"):
        grads = np.array(args.gradients, dtype=dtype)
    overflowed = [x for x, g in zip(args.gradients, grads) if math.isfinite(x) and np.isinf(g)]
    if overflowed:
        print(f"minigrad clip: error: argument GRADIENT: {overflowed[0]:g} overflows {dtype} "
              f"(largest {np.finfo(dtype).max:g}); try --dtype float64", file=sys.stderr)
        return 2
    max_norm, p = args.max_norm, args.norm_type

    param = mg.zeros(len(grads), dtype=dtype, requires_grad=True)
    param.grad = mg.tensor(grads.copy())
    total = clip_grad_norm_(param, max_norm=max_norm, norm_type=p)
    clipped = param.grad
    norm, new_norm = total.item(), clipped.norm(p).item()
    coef = max_norm / (norm + EPS)  # as clip_grad_norm_ computes it, before min(coef, 1)

    print(f"clip_grad_norm_(parameters, max_norm={_g(max_norm)}, norm_type={_g(p)})")
    print(f"on gradients g = {_plain(grads)} ({dtype})")
    print()
    print(f"1. The total {_g(p)}-norm of the gradients")
    for line in _norm_lines(grads, p, norm):
        print(f"   {line}")
    print(f"   clip_grad_norm_ returns this value, {_f(norm)}: the norm BEFORE clipping.")
    print()
    print("2. The coefficient")
    for line in _coefficient_lines(norm, max_norm, coef):
        print(f"   {line}")
    print()
    print("3. The clipped gradients (changed in place, in .grad)")
    print(f"   g = {_vec(clipped.numpy())}")
    print(f"   their {_g(p)}-norm: {new_norm:.8g}{_bound_remark(norm, max_norm, coef)}")

    agree = _compare_with_pytorch(grads, max_norm, p, norm, clipped.numpy())

    if _is_tutorial_example(grads, max_norm, p):
        _refute_tutorial(grads, max_norm)
    elif max_norm > 0 and math.isfinite(norm):
        _contrast_with_tutorial_method(grads, max_norm, p, clipped.numpy())
    return 0 if agree else 1


# ------------------------------------------------------------------------------- explanation
def _norm_lines(g: np.ndarray, p: float, norm: float) -> list[str]:
    """The norm's definition, then the definition written out on these values."""
    a = np.abs(g.astype(np.float64))
    name = f"||g||_{_g(p)}"
    if math.isinf(p):
        definition, values = "max |g_i|", f"max({_terms(g, _magnitude)})"
    elif p == 1:
        definition, values = "sum |g_i|", _terms(g, _magnitude, " + ")
    else:
        with np.errstate(over="ignore"):
            powered = f"{np.sum(a**p):.6g}"
        if p == 2:
            definition = "sqrt(sum g_i^2)"
            values = f"sqrt({_terms(g, _square, ' + ')}) = sqrt({powered})"
        else:
            root = f"^(1/{_g(p)})"
            definition = f"(sum |g_i|^{_g(p)}){root}"
            terms = _terms(g, lambda v: f"{_magnitude(v)}^{_g(p)}", " + ")
            values = f"({terms}){root} = ({powered}){root}"
    indent = " " * len(name)
    return [f"{name} = {definition}", f"{indent} = {values} = {_f(norm)}"]


def _terms(g: np.ndarray, term: Callable[[float], str], sep: str = ", ") -> str:
    """The first and last terms of a long sum, every term of a short one."""
    shown = [term(v) for v in g]
    if len(shown) > 8:
        shown = shown[:3] + ["..."] + shown[-1:]
    return sep.join(shown)


def _magnitude(v: float) -> str:
    return f"|{_g(v)}|"


def _square(v: float) -> str:
    return f"{_g(v)}^2" if v >= 0 else f"({_g(v)})^2"  # -8^2 would read as -(8^2)


def _coefficient_lines(norm: float, max_norm: float, coef: float) -> list[str]:
    if math.isnan(norm):
        return [
            "coef = max_norm / (nan + 1e-6) = nan: every gradient becomes nan.",
            "(clip_grad_norm_(..., error_if_nonfinite=True) raises instead.)",
        ]
    shown = f"{coef:.6f}" if coef == 0 or abs(coef) >= 1e-4 else f"{coef:.6g}"
    lines = [f"coef = max_norm / (norm + 1e-6) = {_g(max_norm)} / ({_f(norm)} + 1e-6)"
             f" = {shown}"]
    if math.isinf(norm):
        lines += [
            "The norm is inf, so coef is 0: finite gradients become 0 and infinite ones nan",
            "(0 * inf). clip_grad_norm_(..., error_if_nonfinite=True) raises instead.",
        ]
    elif max_norm == 0:
        lines.append("max_norm = 0 is not rejected (nor by PyTorch): every gradient becomes 0.")
    elif max_norm < 0:
        lines += [
            "A negative max_norm is not rejected (nor by PyTorch): coef < 0 flips the sign of",
            "every gradient, so the optimizer would step uphill.",
        ]
    elif coef < 1:
        lines += [
            f"{shown} < 1: the gradients are too long, so each one is multiplied by it.",
            "One common factor: the direction stays the same, only the length shrinks.",
        ]
    else:
        lines += [
            f"{shown} >= 1: the norm is already within max_norm. clip_grad_norm_ uses",
            "min(coef, 1) = 1 and the gradients stay as they are.",
        ]
    return lines


def _bound_remark(norm: float, max_norm: float, coef: float) -> str:
    if not (math.isfinite(norm) and max_norm > 0):
        return ""
    if coef >= 1:
        return " (unchanged)"
    return f" <= max_norm = {_g(max_norm)} (just below it, because of the 1e-6)"


# ---------------------------------------------------------------------------------- PyTorch
def _compare_with_pytorch(
    grads: np.ndarray, max_norm: float, p: float, norm: float, clipped: np.ndarray
) -> bool:
    """Print PyTorch's answer and whether it agrees; True when it does or PyTorch is absent."""
    print()
    try:
        import torch
    except ImportError:
        print("(PyTorch is not installed, so there is nothing to compare with:")
        print(" pip install -e \".[test]\")")
        return True
    param = torch.zeros(len(grads), dtype=getattr(torch, str(grads.dtype)), requires_grad=True)
    param.grad = torch.from_numpy(grads.copy())
    torch_norm = torch.nn.utils.clip_grad_norm_(param, max_norm=max_norm, norm_type=p).item()
    torch_clipped = param.grad.numpy()

    print(f"PyTorch {torch.__version__}, torch.nn.utils.clip_grad_norm_:")
    print(f"   norm {_f(torch_norm)}, clipped g = {_vec(torch_clipped)}")
    same_bits = np.array_equal(
        np.array([norm, *clipped]), np.array([torch_norm, *torch_clipped]), equal_nan=True
    )
    tolerance = TOLERANCES[str(grads.dtype)]
    close = np.allclose(
        np.array([norm, *clipped]), np.array([torch_norm, *torch_clipped]),
        equal_nan=True, **tolerance,
    )
    if same_bits:
        print("   minigrad and PyTorch agree, bit for bit.")
    elif close:
        print(f"   minigrad and PyTorch agree within the {grads.dtype} tolerance "
              f"(rtol {tolerance['rtol']:g}, atol {tolerance['atol']:g}).")
    else:
        print(f"   minigrad and PyTorch DIFFER: minigrad's norm {norm!r}, PyTorch's "
              f"{torch_norm!r}.")
    return bool(close)


# ------------------------------------------------------------------------ the wrong tutorial
def _is_tutorial_example(grads: np.ndarray, max_norm: float, p: float) -> bool:
    return tuple(grads.tolist()) == TUTORIAL_GRADIENTS and max_norm == TUTORIAL_MAX_NORM and p == 2


def _tutorial_method(grads: np.ndarray, max_norm: float, p: float) -> tuple[np.ndarray, ...]:
    """The wrong recipe: clip_grad_value_ to [-C, C], then rescale to norm C.

    Returns the element-clipped gradients and the rescaled ones.
    """
    param = mg.zeros(len(grads), dtype=grads.dtype, requires_grad=True)
    param.grad = mg.tensor(grads.copy())
    clip_grad_value_(param, max_norm)
    value_clipped = param.grad
    rescaled = value_clipped * (max_norm / (value_clipped.norm(p).item() + EPS))
    return value_clipped.numpy(), rescaled.numpy()


def _refute_tutorial(grads: np.ndarray, max_norm: float) -> None:
    value_clipped, rescaled = _tutorial_method(grads, max_norm, 2.0)
    c = _g(max_norm)
    print()
    print("The tutorial's answer, and why it is wrong")
    print(f"   It prints: norm {TUTORIAL_NORM}, clipped g = {list(TUTORIAL_CLIPPED)}")
    print(f"   * The norm of {_plain(grads)} is sqrt(55) = {math.sqrt(55):.4f}, "
          f"not {TUTORIAL_NORM} (that is sqrt(10) = {math.sqrt(10):.4f}).")
    print(f"   * Its clipped gradients have norm {np.linalg.norm(TUTORIAL_CLIPPED):.4f}, "
          f"above max_norm = {c}.")
    print("     Clipping by norm never returns a norm above max_norm.")
    print(f"   * The recipe it describes, clip each element to [-{c}, {c}] and then divide")
    print("     by the norm plus eps, is not clip_grad_norm_. Its first half is clip_grad_value_:")
    for label, values in _recipe_rows(c, _plain(value_clipped), _vec(rescaled)):
        print(f"       {label} -> {values}")
    print(f"     That is {_angle(grads, rescaled):.1f} degrees away from the direction of g "
          "(clip_grad_norm_: 0), and")
    print("     it does not even give the tutorial's printed numbers.")


def _contrast_with_tutorial_method(
    grads: np.ndarray, max_norm: float, p: float, clipped: np.ndarray
) -> None:
    value_clipped, rescaled = _tutorial_method(grads, max_norm, p)
    c = _g(max_norm)
    print()
    print(f"For contrast, a common wrong recipe: clip each element to [-{c}, {c}], then rescale")
    print(f"to norm {c}. On these gradients:")
    for label, values in _recipe_rows(c, _vec(value_clipped), _vec(rescaled)):
        print(f"   {label} -> {values}")
    if np.array_equal(value_clipped, grads):
        print(f"   No element exceeds {c}, so the direction is kept.")
    else:
        print(f"   It points {_angle(grads, rescaled):.1f} degrees away from g, where "
              "clip_grad_norm_ keeps the direction:")
        print("   cutting the large elements but not the small ones turns the step.")
    new, old = _norm(rescaled, p), _norm(clipped, p)
    if new > old * (1 + 1e-3):
        print(f"   And it stretches the step: norm {new:.4f} instead of clip_grad_norm_'s "
              f"{old:.4f}.")


def _recipe_rows(c: str, value_clipped: str, rescaled: str) -> list[tuple[str, str]]:
    labels = [f"clip_grad_value_(g, {c})", f"rescaled to norm {c}"]
    width = max(map(len, labels))
    return [(labels[0].ljust(width), value_clipped), (labels[1].ljust(width), rescaled)]


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """The angle in degrees between two nonzero finite vectors."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    lengths = np.linalg.norm(a) * np.linalg.norm(b)
    cosine = np.clip(a @ b / lengths, -1.0, 1.0)
    return math.degrees(math.acos(cosine))


def _norm(a: np.ndarray, p: float) -> float:
    return float(np.linalg.norm(a.astype(np.float64), ord=p))


# ------------------------------------------------------------------------------- formatting
def _g(x: float) -> str:
    """A value as the user would type it: 3, 0.5, inf."""
    return f"{x:g}"


def _f(x: float) -> str:
    """A computed value to 4 decimals as PyTorch prints tensors, or to 5 significant digits
    when 4 decimals would hide it."""
    if x == 0 or not math.isfinite(x) or 1e-3 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


def _plain(a: np.ndarray) -> str:
    return "[" + ", ".join(_g(v) for v in a) + "]"


def _vec(a: np.ndarray) -> str:
    return "[" + ", ".join(_f(v) for v in a) + "]"
