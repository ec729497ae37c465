"""`gradcheck`: does a backward pass agree with finite differences? As `torch.autograd.gradcheck`.

The derivative of f at x along one coordinate is approximated by the central difference

    df/dx_j ~ (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)

whose error is O(eps^2) for a smooth f (the one-sided difference's is O(eps)). Done for every
element x_j of every input that requires grad, this gives the *numerical* Jacobian, one column
per input element. The *analytical* Jacobian comes from the backward pass, one row per output
element: backpropagating the upstream gradient e_k (1 at output element k, 0 elsewhere) gives
row k, d out_k / d x. The two must agree within atol + rtol * |numerical| everywhere.

With eps = 1e-6 the rounding error of the difference is about 1e-16 / 1e-6 = 1e-10 in float64
but 1e-7 / 1e-6 = 0.1 in float32: check in float64, as PyTorch warns.

The cost is two evaluations of `func` per input element plus one backward pass per output
element: meant for small inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad.autograd.functional import grad
from minigrad.autograd.grad_mode import no_grad
from minigrad.tensor import Tensor


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians of a function disagree (as
    `torch.autograd.gradcheck.GradcheckError`, a RuntimeError)."""


def gradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of `func` at `inputs` against central finite differences.

        x = mg.randn(3, dtype=mg.float64, requires_grad=True)
        gradcheck(MyOp.apply, (x,))   # True, or GradcheckError naming the wrong element

    Every input that requires grad is checked, against every floating-point output. Inputs
    that are not tensors, or do not require grad, are passed to `func` unchanged. Nothing is
    accumulated into any `.grad`.

    Args:
        func: the function to check; returns a tensor or a tuple of tensors.
        inputs: one tensor or a sequence of arguments for `func`.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance, relative to the numerical value.
        raise_exception: raise GradcheckError on a mismatch (default) or return False.

    Returns:
        True when every analytical derivative is within atol + rtol * |numerical| of the
        numerical one; False on a mismatch when raise_exception is False.

    Raises:
        GradcheckError: naming the output, the input, the element of each, and both values.
        ValueError: when no input requires grad.
    """
    args = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of "
            "them have requires_grad=True."
        )
    for i in checked:
        if args[i].dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ",
                UserWarning,
                stacklevel=2,
            )
    try:
        analytical = _analytical_jacobians(func, args, checked)
        numerical = _numerical_jacobians(func, args, checked, eps)
        for (o, i), a in analytical.items():
            _compare(a, numerical[o, i], o, i, args[i].ndim, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _outputs(func: Callable[..., Any], args: Sequence[Any]) -> list[Tensor]:
    """The floating-point outputs of `func(*args)`: only those have gradients."""
    result = func(*args)
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    return [out for out in outputs if out.dtype.kind == "f"]


def _analytical_jacobians(
    func: Callable[..., Any], args: tuple[Any, ...], checked: list[int]
) -> dict[tuple[int, int], np.ndarray]:
    """J[o, i][k, j] = d output_o[k] / d input_i[j], an array of shape output_o.shape +
    input_i.shape, from one backward pass per output element k."""
    # Fresh leaves: the Jacobian is taken with respect to exactly these tensors, whatever graph
    # the caller's inputs hang from.
    leaves = list(args)
    for i in checked:
        leaves[i] = args[i].detach().requires_grad_()
    jacobians: dict[tuple[int, int], np.ndarray] = {}
    for o, out in enumerate(_outputs(func, leaves)):
        for i in checked:
            jacobians[o, i] = np.zeros(out.shape + args[i].shape)
        if not out.requires_grad:
            continue  # no path to any input: the analytical Jacobian is zero
        for k in np.ndindex(out.shape):
            upstream = np.zeros(out.shape, dtype=out.dtype)
            upstream[k] = 1
            row = grad(out, [leaves[i] for i in checked], grad_outputs=Tensor._make(upstream),
                       retain_graph=True, allow_unused=True)
            for i, g in zip(checked, row):
                if g is None:
                    continue  # the output does not depend on this input
                # (g has the input's shape: the engine refuses a backward that gives another.)
                jacobians[o, i][k] = g.numpy()
    return jacobians


def _numerical_jacobians(
    func: Callable[..., Any], args: tuple[Any, ...], checked: list[int], eps: float
) -> dict[tuple[int, int], np.ndarray]:
    """J[o, i][..., j] = (output_o(x_i + eps e_j) - output_o(x_i - eps e_j)) / (2 eps), with the
    layout of `_analytical_jacobians`."""
    with no_grad():
        output_shapes = [out.shape for out in _outputs(func, args)]
        jacobians = {(o, i): np.zeros(shape + args[i].shape)
                     for o, shape in enumerate(output_shapes) for i in checked}
        for i in checked:
            for j in np.ndindex(args[i].shape):
                plus = _outputs_at(func, args, i, j, eps)
                minus = _outputs_at(func, args, i, j, -eps)
                for o, (p, m) in enumerate(zip(plus, minus)):
                    difference = p.numpy().astype(np.float64) - m.numpy()
                    jacobians[o, i][(..., *j)] = difference / (2 * eps)
    return jacobians


def _outputs_at(
    func: Callable[..., Any], args: tuple[Any, ...], i: int, j: tuple[int, ...], step: float
) -> list[Tensor]:
    """The outputs of `func` with element j of input i moved by `step`."""
    moved = args[i].detach().numpy().copy()
    moved[j] += step
    return _outputs(func, [*args[:i], Tensor._make(moved), *args[i + 1:]])


def _compare(
    analytical: np.ndarray,
    numerical: np.ndarray,
    o: int,
    i: int,
    input_ndim: int,
    atol: float,
    rtol: float,
) -> None:
    """Raise GradcheckError at the first entry where |a - n| > atol + rtol * |n| (nan never
    agrees, as in torch.allclose)."""
    bad = ~np.isclose(analytical, numerical, rtol=rtol, atol=atol)
    if not bad.any():
        return
    where = tuple(int(k) for k in np.argwhere(bad)[0])
    a, n = float(analytical[where]), float(numerical[where])
    split = len(where) - input_ndim
    raise GradcheckError(
        f"Jacobian mismatch for output {o} with respect to input {i}, at "
        f"d {_element('output', where[:split])} / d {_element('input', where[split:])}:\n"
        f"numerical:  {n!r}\n"
        f"analytical: {a!r}\n"
        f"(|analytical - numerical| = {abs(a - n):.6g} > atol + rtol * |numerical| = "
        f"{atol + rtol * abs(n):.6g}; {int(bad.sum())} of the {bad.size} entries of this "
        "Jacobian differ)"
    )


def _element(name: str, index: tuple[int, ...]) -> str:
    """`input[1, 2]`, or `input` for a 0-d tensor."""
    return f"{name}[{', '.join(map(str, index))}]" if index else name
