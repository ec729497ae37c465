"""Operations that move values around without changing them: reshape, permute, expand,
indexing, concatenation. Their backward moves the gradient back to where each value came from."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


class Reshape(ArrayFunction):
    """The gradient of a reshape is the gradient reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return np.reshape(grad, ctx.shape)


class Permute(ArrayFunction):
    """Reorder the dims; backward applies the inverse permutation."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = sorted(range(len(ctx.dims)), key=ctx.dims.__getitem__)  # np.argsort, faster
        return grad.transpose(inverse)


class Expand(ArrayFunction):
    """Repeat size-1 dims (a broadcast); the gradient of the copies is summed back to x's
    shape, as every broadcast's is, by the engine."""

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


def is_basic_index(index) -> bool:
    """Whether NumPy indexes with `index` by slicing (a view, each element at most once) rather
    than with integer or boolean arrays (a copy, where an element may be picked twice)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or (isinstance(i, (int, np.integer, slice))
                                              and not isinstance(i, bool)) for i in items)


def basic_view(x, index):
    """x[index] for a basic index, always as a view of x: NumPy gives a copy, a scalar, when the
    index picks one element (PyTorch gives a 0-d view), unless the index ends with `...`."""
    if type(index) is int:  # (x[i, ...] is a view whatever x's rank: one indexing, not two)
        return x[index, ...]
    view = x[index]
    if type(view) is not np.ndarray:
        view = x[(*index, Ellipsis) if type(index) is tuple else (index, Ellipsis)]
    return view


def mixes_ints_and_arrays(index) -> bool:
    """Whether an index holds both ints and index arrays, which PyTorch and NumPy order
    differently (see split_int_index)."""
    return (isinstance(index, tuple) and any(isinstance(i, np.ndarray) for i in index)
            and any(isinstance(i, (int, np.integer)) for i in index))


def split_int_index(index):
    """(the integer part of an index, the rest): x[index] == x[ints_only][rest] in PyTorch,
    which applies integer indices first (each removes its dim), then the arrays; NumPy would
    treat the ints as arrays too and move the result dims first."""
    ints_only = []
    for i in index:
        if isinstance(i, (int, np.integer)) or i is Ellipsis:
            ints_only.append(i)
        elif isinstance(i, np.ndarray) and i.dtype == np.bool_:
            ints_only.extend([slice(None)] * i.ndim)  # a mask spans one dim per mask dim
        elif i is not None:
            ints_only.append(slice(None))
    rest = tuple(i for i in index if not isinstance(i, (int, np.integer)))
    return tuple(ints_only), rest


class GetItem(ArrayFunction):
    """y = x[index]: each picked element receives its gradient; an element picked twice (integer
    array indexing with repeats) receives the sum."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.basic = x.shape, type(index) is int or is_basic_index(index)
        if ctx.basic:
            ctx.index = index  # slices and ints: nothing to free
            return basic_view(x, index)
        ctx.save_for_backward(index)  # index arrays are saved tensors, as in PyTorch
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, grad.dtype)
        if ctx.basic:
            out[ctx.index] = grad
        else:
            (index,) = ctx.saved_tensors
            np.add.at(out, index, grad)
        return out


class SetItem(ArrayFunction):
    """y = x with y[index] = value, recorded out of place. The overwritten elements of x get no
    gradient; value gets the gradient of the places it was written to. With `accumulate`
    (index_put's), value is added there instead, twice where index names a place twice, and x
    gets all of grad."""

    @staticmethod
    def forward(ctx, x, value, index, accumulate=False):
        ctx.index, ctx.accumulate = index, accumulate
        y = x.copy()
        if accumulate:
            np.add.at(y, index, value)
        else:
            y[index] = value
        return y

    @staticmethod
    def backward(ctx, grad):
        gx = np.array(grad)  # (a copy; an array even when grad is a NumPy scalar)
        if not ctx.accumulate:
            gx[ctx.index] = 0
        return gx, grad[ctx.index]  # (summed to value's shape if value was broadcast)


# ViewOf and ViewScatter write through view_fn, which is a view only of memory laid out as the
# base's is: a reshape that views a transposed (or Fortran-ordered) base copies a row-major
# array, and a write into that copy would be lost. So they write into arrays of x's layout
# (`np.empty_like` keeps it), x being the base's memory.

class ViewOf(ArrayFunction):
    """y = view_fn(x), a view of x's memory (x[1:], x.reshape(...), x.t(), ...), as made again
    after an in-place change of x: the gradient of x is zero but where the view looks, where
    it is the view's gradient (written through the same view of a zero array)."""

    @staticmethod
    def forward(ctx, x, view_fn):
        ctx.like, ctx.view_fn = x, view_fn
        return view_fn(x)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros_like(ctx.like, grad.dtype)
        ctx.view_fn(out)[...] = grad
        return out, None


class ViewScatter(ArrayFunction):
    """y = x with view_fn(y) replaced by v: the base x after an in-place change of one of its
    views to the new values v (PyTorch's CopySlices).

        dL/dx = dL/dy with the view's elements zeroed,   dL/dv = the view of dL/dy
    """

    @staticmethod
    def forward(ctx, x, v, view_fn):
        ctx.like, ctx.view_fn = x, view_fn
        y = x.copy(order="K")
        view_fn(y)[...] = v
        return y

    @staticmethod
    def backward(ctx, grad):
        gx = np.empty_like(ctx.like, grad.dtype)
        gx[...] = grad
        ctx.view_fn(gx)[...] = 0
        return gx, np.array(ctx.view_fn(grad)), None


class Cat(ArrayFunction):
    """Concatenate along `dim`; backward cuts the gradient into the same pieces."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.bounds = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None, *np.split(grad, ctx.bounds, axis=ctx.dim))


class Stack(ArrayFunction):
    """Stack along a new `dim`; backward takes each slice of the gradient back."""

    @staticmethod
    def forward(ctx, dim, *xs):
        # np.stack, without its checks and conversions (the caller checked the tensors): it is
        # several times slower for a few small arrays.
        ctx.at = [(slice(None),) * dim + (i,) for i in range(len(xs))]  # where x_i goes
        out = np.empty((*xs[0].shape[:dim], len(xs), *xs[0].shape[dim:]), xs[0].dtype)
        for x, at in zip(xs, ctx.at):
            out[at] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return (None, *[grad[at] for at in ctx.at])


class Flip(ArrayFunction):
    """Reverse the order along `dims` (a copy); the gradient is flipped back the same way."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return np.flip(grad, ctx.dims)


class Roll(ArrayFunction):
    """Shift the elements along `dims` by `shifts`, wrapping around (dims None: the flattened
    tensor); the gradient is rolled back by -shifts."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.roll(grad, tuple(-s for s in ctx.shifts), ctx.dims)


class Repeat(ArrayFunction):
    """Tile x `repeats[i]` times along dim i (x's shape is padded with leading 1s to as many
    dims): y = [x x ...], so dL/dx = the sum of the gradients of all the copies."""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.shape, ctx.repeats = x.shape, repeats
        ctx.padded = (1,) * (len(repeats) - x.ndim) + x.shape
        return np.tile(x.reshape(ctx.padded), repeats)

    @staticmethod
    def backward(ctx, grad):
        # each dim as two, (which copy, where in the copy); the copies are summed away
        split = [n for pair in zip(ctx.repeats, ctx.padded) for n in pair]
        return grad.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(ctx.shape)


def along(index, dim):
    """The coordinates x[along(index, dim)] of gather: index[i, j, k] replaces the coordinate
    of dim `dim`, each other coordinate is its own position in index."""
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    return tuple(coords)


class Gather(ArrayFunction):
    """y[i][j] = x[index[i][j]][j] for dim 0 (and so on): each picked element gets its
    gradient, an element picked twice the sum."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.coords = x.shape, along(index, dim)
        return x[ctx.coords]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, grad.dtype)
        np.add.at(out, ctx.coords, grad)
        return out


class ScatterAdd(ArrayFunction):
    """y = x, then y[index[i][j]][j] += src[i][j] for dim 0 (the reverse of gather):

        dL/dx = dL/dy,   dL/dsrc = dL/dy gathered at index

    (As in PyTorch, a src larger than index gets a gradient of index's shape, which the engine
    refuses: only a src of index's shape can require grad.)
    """

    @staticmethod
    def forward(ctx, x, src, index, dim):
        ctx.coords = along(index, dim)
        y = x.copy()
        np.add.at(y, ctx.coords, src[tuple(slice(0, n) for n in index.shape)])
        return y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad[ctx.coords], None, None


class Scatter(ArrayFunction):
    """y = x, then y[index[i][j]][j] = src[i][j] for dim 0, src a tensor or one number:

        dL/dx = dL/dy but 0 where overwritten,   dL/dsrc = dL/dy gathered at index
    """

    @staticmethod
    def forward(ctx, x, src, index, dim):
        ctx.coords = along(index, dim)
        y = x.copy()
        is_array = isinstance(src, np.ndarray)
        y[ctx.coords] = src[tuple(slice(0, n) for n in index.shape)] if is_array else src
        return y

    @staticmethod
    def backward(ctx, grad):
        gx = np.array(grad)  # (a copy)
        gx[ctx.coords] = 0
        return gx, grad[ctx.coords], None, None


def _extreme(dtype: np.dtype, lowest: bool):
    """The lowest (or highest) value of `dtype`: an infinity for floats, the integer itself for
    integers, which stay exact (in a float64, int64 values beyond 2**53 would be rounded)."""
    if dtype.kind == "f":
        return -np.inf if lowest else np.inf
    if dtype.kind == "b":
        return not lowest
    limits = np.iinfo(dtype)
    return limits.min if lowest else limits.max


class ScatterReduce(ArrayFunction):
    """y = x, then every src[i][j] reduced into y[index[i][j]][j] for dim 0 (and so on) with
    sum, prod, mean, amax or amin; without include_self, x's value at a place written to is
    left out. Each output is a reduction over a group (x's element, if kept, and the src
    elements sent there), so each member of a group gets:

        sum: dL/dy      mean: dL/dy / count      prod: dL/dy * (product of the others)
        amax, amin: dL/dy / (number of members equal to y) if it equals y, else 0

    and x's elements that were left out get 0. (scatter's reduce="add"/"multiply" is this
    with include_self, but PyTorch defines no derivative for it: `differentiable` False.)
    """

    UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
              "amin": np.minimum}

    @staticmethod
    def forward(ctx, x, src, index, dim, reduce, include_self, differentiable=True):
        coords = along(index, dim)
        src = src[tuple(slice(0, n) for n in index.shape)]
        kept = np.ones(x.shape, bool)
        kept[coords] = include_self
        if reduce in ("sum", "mean", "prod"):
            start = ScatterReduce.UFUNCS[reduce].identity
        else:
            start = _extreme(x.dtype, lowest=reduce == "amax")
        y = np.where(kept, x, x.dtype.type(start))
        ScatterReduce.UFUNCS[reduce].at(y, coords, src)
        count = kept.astype(x.dtype)
        np.add.at(count, coords, 1)
        if reduce == "mean":
            y = y / np.maximum(count, 1) if x.dtype.kind == "f" else y // np.maximum(count, 1)
        y = np.where(count == 0, x, y).astype(x.dtype)  # (nothing reduced: x, as it was)
        ctx.differentiable, ctx.reduce = differentiable, reduce
        ctx.save_for_backward(x, src, y, kept, count)
        ctx.coords = coords
        return y

    @staticmethod
    def backward(ctx, grad):
        if not ctx.differentiable:
            raise RuntimeError("derivative for aten::scatter is not implemented")
        x, src, y, kept, count = ctx.saved_tensors
        coords, reduce = ctx.coords, ctx.reduce
        if reduce in ("sum", "mean"):
            g = grad / count if reduce == "mean" else grad
            return np.where(kept, g, 0), g[coords], None, None, None, None, None
        if reduce == "prod":  # the product of the others: y / member, or, for a zero member,
            zeros = (kept & (x == 0)).astype(np.int64)  # the product of the rest if no other
            np.add.at(zeros, coords, src == 0)  # member is zero
            nonzero = np.where(kept & (x != 0), x, 1)
            np.multiply.at(nonzero, coords, np.where(src == 0, 1, src))
            rest = np.where(zeros == 1, nonzero, 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                gx = np.where(x == 0, rest, y / np.where(x == 0, 1, x)) * grad
                gsrc = np.where(src == 0, rest[coords],
                                y[coords] / np.where(src == 0, 1, src)) * grad[coords]
            return np.where(kept, gx, 0), gsrc, None, None, None, None, None
        # (PyTorch counts x's element among the ties even when include_self left it out)
        ties = (x == y).astype(grad.dtype)
        np.add.at(ties, coords, src == y[coords])
        g = grad / np.maximum(ties, 1)
        return (np.where(kept & (x == y), g, 0), np.where(src == y[coords], g[coords], 0),
                None, None, None, None, None)
