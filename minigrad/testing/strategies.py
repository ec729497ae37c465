"""Hypothesis strategies that draw the inputs of tensor operations.

Four layers, from small to large:

* shapes and dtypes: `shapes`, `broadcastable_shapes`, `float_dtypes`;
* values: `arrays` draws an array of a given dtype and shape within bounds, can keep a band
  around zero out (a divisor), can inject exact special values (0 for relu'(0), the clamp
  bounds) and ties (repeated values, where max/min/maximum split or route their gradient);
* tensors: `tensors` and `broadcastable_tensors` wrap those arrays in minigrad tensors that
  require grad, ready for your own operation;
* arguments: `dims` and friends draw `dim=` arguments valid for a shape, `reshaped` and
  `expanded` draw target shapes, and `Call` bundles everything one invocation of an op needs
  (what `check_against_torch` consumes).

Every value is drawn as float64 and then rounded to the requested dtype, so one strategy serves
float32 and float64 alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

Shape = tuple[int, ...]


@dataclass
class Call:
    """One drawn invocation of an operation.

    Attributes:
        tensors: the arrays that become tensors, positional and in order. Float arrays become
            tensors that (may) require grad; integer and bool arrays (indices, masks,
            conditions) never do.
        kwargs: every other argument, passed unchanged to both libraries.
        requires_grad: which tensors require grad. None lets `check_against_torch` choose: all
            float tensors in about half of the examples, a random subset of them otherwise.
    """

    tensors: tuple[np.ndarray, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    requires_grad: tuple[bool, ...] | None = None


def float_dtypes() -> st.SearchStrategy[np.dtype]:
    """float32 or float64; shrinks to float32, the dtype where rounding differences show."""
    return st.sampled_from(FLOAT_DTYPES)


def shapes(
    *, min_dims: int = 0, max_dims: int = 4, max_side: int = 4, allow_empty: bool = False
) -> st.SearchStrategy[Shape]:
    """Shapes of 0-d to 4-d tensors with small sides (size-1 dims are common).

    Args:
        allow_empty: also draw sides of size 0, for operations PyTorch defines on empty tensors.
    """
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=0 if allow_empty else 1, max_side=max_side
    )


def edge_shapes(*, min_dims: int = 0) -> st.SearchStrategy[Shape]:
    """The shapes where implementations slip: 0-d (when min_dims is 0) and shapes with a size-0
    dim."""
    return shapes(min_dims=min_dims, allow_empty=True).filter(lambda s: len(s) == 0 or 0 in s)


def broadcastable_shapes(
    num_shapes: int,
    *,
    min_dims: int = 0,
    max_dims: int = 4,
    max_side: int = 4,
    allow_empty: bool = False,
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """`num_shapes` shapes that broadcast together, e.g. ((3, 1), (4,), ())."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes,
        min_dims=min_dims,
        max_dims=max_dims,
        min_side=0 if allow_empty else 1,
        max_side=max_side,
    ).map(lambda drawn: drawn.input_shapes)


@st.composite
def arrays(
    draw: st.DrawFn,
    dtype: np.dtype,
    shape: Shape,
    *,
    low: float = -5.0,
    high: float = 5.0,
    margin: float = 0.0,
    special: tuple[float, ...] = (),
    ties: bool = True,
) -> np.ndarray:
    """An array of finite values in [low, high].

    Args:
        margin: values with |v| < margin are never drawn; keeps a divisor or a log's argument
            away from 0. (An exact 0 can still be injected through `special`.)
        special: exact values mixed into the draw where PyTorch's convention at that point is
            what is being pinned: 0.0 for relu/abs/sqrt, the clamp bounds, ...
        ties: in about half of the draws every element comes from a pool of at most three
            values, so repeated values (ties of max/min/maximum, equal rows) are common.
    """
    finite = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if margin > 0:
        finite = finite.filter(lambda v: abs(v) >= margin)
    elements = st.one_of(finite, st.sampled_from(special)) if special else finite
    if ties and draw(st.booleans()):
        elements = st.sampled_from(draw(st.lists(elements, min_size=1, max_size=3)))
    # fill=nothing() draws every element, instead of Hypothesis's default of one fill value
    # with a few scattered elements (which would make *every* draw full of ties).
    values = draw(hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing()))
    return values.astype(dtype)


def index_arrays(shape: Shape, size: int) -> st.SearchStrategy[np.ndarray]:
    """int64 indices into a dim of `size`, negative ones included, repeats allowed (a repeated
    index must accumulate its gradient)."""
    return hnp.arrays(np.int64, shape, elements=st.integers(-size, size - 1), fill=st.nothing())


def masks(shape: Shape) -> st.SearchStrategy[np.ndarray]:
    """Boolean arrays: masks for indexing, conditions for where."""
    return hnp.arrays(np.bool_, shape, elements=st.booleans(), fill=st.nothing())


def _float_dtype(dtype: Any) -> st.SearchStrategy[np.dtype]:
    """`dtype` checked to be float32 or float64 (any spelling NumPy accepts), or either one."""
    if dtype is None:
        return float_dtypes()
    chosen = np.dtype(dtype)
    if chosen not in FLOAT_DTYPES:
        raise ValueError(f"tensors are drawn as float32 or float64, not {chosen}")
    return st.just(chosen)


def tensors(
    dtype: Any = None,
    shape: Shape | None = None,
    *,
    min_dims: int = 0,
    max_dims: int = 4,
    max_side: int = 4,
    allow_empty: bool = False,
    low: float = -5.0,
    high: float = 5.0,
    margin: float = 0.0,
    special: tuple[float, ...] = (),
    ties: bool = True,
    requires_grad: bool = True,
) -> st.SearchStrategy[mg.Tensor]:
    """minigrad tensors of finite float values, leaves that require grad by default.

        @given(tensors(mg.float64, low=0.1, high=10))   # a positive float64 tensor, 0-d to 4-d

    Args:
        dtype: `mg.float32`, `mg.float64` (or "float32", "float64"); None draws either.
        shape: a fixed shape; None draws a shape with `min_dims` to `max_dims` dims whose sizes
            are 1 to `max_side` (0 to `max_side` with `allow_empty`).
        low, high, margin, special, ties: the values, as in `arrays`.
        requires_grad: whether the drawn tensor requires grad.
    """
    dtypes = _float_dtype(dtype)
    drawn_shapes = (
        shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side, allow_empty=allow_empty)
        if shape is None
        else st.just(tuple(shape))
    )
    values: dict[str, Any] = dict(low=low, high=high, margin=margin, special=special, ties=ties)

    @st.composite
    def draw_tensor(draw: st.DrawFn) -> mg.Tensor:
        array = draw(arrays(draw(dtypes), draw(drawn_shapes), **values))
        return mg.tensor(array, requires_grad=requires_grad)

    return draw_tensor()


def broadcastable_tensors(
    num_tensors: int,
    dtype: Any = None,
    *,
    min_dims: int = 0,
    max_dims: int = 4,
    max_side: int = 4,
    allow_empty: bool = False,
    low: float = -5.0,
    high: float = 5.0,
    margin: float = 0.0,
    special: tuple[float, ...] = (),
    ties: bool = True,
    requires_grad: bool = True,
) -> st.SearchStrategy[tuple[mg.Tensor, ...]]:
    """`num_tensors` minigrad tensors of one dtype whose shapes broadcast together, e.g. shapes
    ((3, 1), (4,), ()): the operands of an elementwise operation.

    The arguments are those of `tensors`, applied to every tensor.
    """
    dtypes = _float_dtype(dtype)
    drawn_shapes = broadcastable_shapes(
        num_tensors, min_dims=min_dims, max_dims=max_dims, max_side=max_side,
        allow_empty=allow_empty,
    )
    values: dict[str, Any] = dict(low=low, high=high, margin=margin, special=special, ties=ties)

    @st.composite
    def draw_tensors(draw: st.DrawFn) -> tuple[mg.Tensor, ...]:
        dtype = draw(dtypes)
        return tuple(
            mg.tensor(draw(arrays(dtype, shape, **values)), requires_grad=requires_grad)
            for shape in draw(drawn_shapes)
        )

    return draw_tensors()


def _signed(dim: int, ndim: int) -> st.SearchStrategy[int]:
    """`dim` or its negative spelling `dim - ndim`."""
    return st.sampled_from((dim, dim - ndim))


def dim(ndim: int) -> st.SearchStrategy[int]:
    """One existing dim, possibly negative. A 0-d tensor accepts 0 and -1, as in PyTorch."""
    rank = max(ndim, 1)
    return st.integers(0, rank - 1).flatmap(lambda d: _signed(d, rank))


def dims(ndim: int, *, allow_none: bool = False) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """A reduction's `dim=`: one int, or a tuple of distinct dims (each possibly negative), or
    (allow_none) None for "every dim"."""
    rank = max(ndim, 1)
    several = st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True).flatmap(
        lambda ds: st.tuples(*(_signed(d, rank) for d in ds))
    )
    options: list[st.SearchStrategy[Any]] = [dim(ndim), several]
    if allow_none:
        options.append(st.none())
    return st.one_of(options)


def insertion_dim(ndim: int) -> st.SearchStrategy[int]:
    """A position for a new dim (unsqueeze, stack): [-ndim - 1, ndim]."""
    return st.integers(-ndim - 1, ndim)


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while p * p <= n:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors + ([n] if n > 1 else [])


@st.composite
def reshaped(draw: st.DrawFn, shape: Shape, *, allow_inferred: bool = True) -> Shape:
    """Another shape with the same number of elements, up to 4-d; one size may be -1."""
    numel = math.prod(shape)
    if numel == 0:
        # -1 cannot be inferred from 0 elements, so draw sizes freely with at least one 0.
        new = list(draw(shapes(min_dims=1, max_side=3)))
        new[draw(st.integers(0, len(new) - 1))] = 0
        return tuple(new)
    factors = _prime_factors(numel)
    ndim = draw(st.integers(1 if factors else 0, 4))
    new = [1] * ndim
    for factor in factors:
        new[draw(st.integers(0, ndim - 1))] *= factor
    if allow_inferred and ndim and draw(st.booleans()):
        new[draw(st.integers(0, ndim - 1))] = -1
    return tuple(new)


@st.composite
def expanded(draw: st.DrawFn, shape: Shape) -> Shape:
    """Sizes for `expand`: up to two new leading dims, size-1 dims grown (or emptied), and -1
    meaning "keep this size"."""
    leading = draw(st.lists(st.integers(1, 3), max_size=2))
    sizes = []
    for size in shape:
        grown = st.sampled_from((size, -1, 0, 2, 3)) if size == 1 else st.sampled_from((size, -1))
        sizes.append(draw(grown))
    return tuple(leading + sizes)


@st.composite
def one_tensor(
    draw: st.DrawFn,
    shape_strategy: st.SearchStrategy[Shape] | None = None,
    **kwargs_for_shape: Callable[[Shape], st.SearchStrategy[Any]],
) -> Call:
    """A Call with one float tensor (any shape, empty ones included, unless `shape_strategy`
    says otherwise), and keyword arguments drawn from strategies that depend on its shape,
    e.g. `one_tensor(dim=lambda shape: dim(len(shape)))`."""
    shape = draw(shapes(allow_empty=True) if shape_strategy is None else shape_strategy)
    x = draw(arrays(draw(float_dtypes()), shape))
    return Call((x,), {name: draw(make(shape)) for name, make in kwargs_for_shape.items()})


def unary(
    *,
    low: float = -5.0,
    high: float = 5.0,
    margin: float = 0.0,
    special: tuple[float, ...] = (),
    allow_empty: bool = True,
    **kwargs: st.SearchStrategy[Any],
) -> st.SearchStrategy[Call]:
    """A Call with one float tensor of any shape (see `arrays` for the value options) and
    keyword arguments drawn from the given strategies."""
    return elementwise(1, low=low, high=high, margin=margin, special=special, per_tensor=(),
                       allow_empty=allow_empty, **kwargs)


@st.composite
def elementwise(
    draw: st.DrawFn,
    num_tensors: int,
    *,
    low: float = -5.0,
    high: float = 5.0,
    margin: float = 0.0,
    special: tuple[float, ...] = (),
    per_tensor: tuple[dict[str, Any], ...] = (),
    allow_empty: bool = True,
    **kwargs: st.SearchStrategy[Any],
) -> Call:
    """A Call with `num_tensors` float tensors of one dtype and mutually broadcastable shapes.

    Args:
        low, high, margin, special: value options of every tensor (see `arrays`).
        per_tensor: overrides of those options for the first tensors, e.g.
            `({}, {"margin": 0.1})` keeps the second operand of a division away from 0.
        kwargs: strategies for the keyword arguments of the op.
    """
    dtype = draw(float_dtypes())
    tensor_shapes = draw(broadcastable_shapes(num_tensors, allow_empty=allow_empty))
    common = dict(low=low, high=high, margin=margin, special=special)
    overrides = list(per_tensor) + [{}] * (num_tensors - len(per_tensor))
    tensors = tuple(
        draw(arrays(dtype, shape, **{**common, **override}))
        for shape, override in zip(tensor_shapes, overrides, strict=True)
    )
    return Call(tensors, draw(st.fixed_dictionaries(kwargs)))
