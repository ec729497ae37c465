"""float32 and float16 reductions at least as accurate as PyTorch's, on every axis and size.

NumPy adds pairwise only along the contiguous axis; along any other it adds row after row,
and the error grows with the rows, where PyTorch's CPU kernels cascade on every axis
(minigrad issue 18). Each test here runs one reduction in both libraries on a large drawn
array (up to 10^5 rows) and measures both results against PyTorch's float64 result on the same
numbers: minigrad's mean error must not exceed PyTorch's by more than one ulp at the typical
magnitude of the result or of the inputs, whichever is larger. That ulp covers NumPy's and
PyTorch's exp or pow differing in the last bit, and the luck of two different pairwise orders
on a sum that cancels (17 terms near 1 adding up to 0.01). NumPy's row-after-row float32 sum
fails this from a few hundred rows on, by up to 60 ulps.

Hypothesis draws the shape, the dims, the dtype and a seed; the values come from NumPy's
generator with that seed (drawing 10^6 numbers one by one would take minutes), normal around
a drawn offset so that the sums grow and their errors show.
"""

from __future__ import annotations

from collections.abc import Callable

import hypothesis.strategies as st
import numpy as np
import torch
from hypothesis import given, settings

import minigrad as mg
import minigrad.nn.functional as MF
from minigrad.nn.utils import clip_grad_norm_

large = settings(max_examples=12, deadline=None)


@st.composite
def large_arrays(draw, dtypes=(np.float32, np.float16)):
    """A float array of 2 or 3 dims with up to 10^5 rows (at most ~10^6 elements), and a dims
    argument: one dim, a tuple of dims or None."""
    rows = draw(st.sampled_from([17, 100, 900, 5_000, 30_000, 100_000]))
    side = int(max(1, 1_000_000 // rows) ** 0.5)  # at most ~10^6 elements in all
    inner = draw(st.lists(st.integers(1, side), min_size=1, max_size=2))
    shape = (rows, *inner)
    dim = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1),
                         st.sets(st.integers(0, len(shape) - 1), min_size=1).map(tuple)))
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    offset = draw(st.sampled_from([0.0, 1.0, 10.0]))
    x = rng.standard_normal(shape) + offset
    if draw(st.booleans()):  # the rows along the last axis in memory: NumPy's pairwise case
        x = np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 0, -1)), -1, 0)
    return x.astype(dtype), dim


def as_torch(a: np.ndarray, dtype=None) -> torch.Tensor:
    t = torch.from_numpy(np.array(a))
    return t.to(dtype) if dtype and t.is_floating_point() else t


def assert_as_accurate_as_torch(ours, theirs, exact, inputs) -> None:
    """minigrad's mean error against the float64 `exact` result is at most PyTorch's plus one
    ulp at the typical magnitude of the result or of the inputs."""
    exact = exact.detach().double().numpy()
    ours = ours.detach().numpy() if isinstance(ours, mg.Tensor) else np.asarray(ours)
    theirs = theirs.detach().numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    finite = np.abs(exact) <= np.finfo(theirs.dtype).max  # (beyond: inf in both, checked)
    np.testing.assert_array_equal(ours[~finite], theirs[~finite])
    if not finite.any():
        return
    err_ours = np.abs(ours.astype(np.float64) - exact)[finite].mean()
    err_theirs = np.abs(theirs.astype(np.float64) - exact)[finite].mean()
    scale = max(np.abs(exact[finite]).mean(), max(np.abs(a).mean() for a in inputs))
    ulp = np.spacing(scale.astype(theirs.dtype)).astype(np.float64)
    assert err_ours <= err_theirs + ulp, (err_ours / ulp, err_theirs / ulp)


def compare(op: Callable, *arrays: np.ndarray) -> None:
    """`op(lib, *tensors)` in minigrad, in PyTorch, and in PyTorch on the float64 arrays."""
    ours = op(mg, *[mg.from_numpy(np.array(a)) for a in arrays])
    theirs = op(torch, *[as_torch(a) for a in arrays])
    exact = op(torch, *[as_torch(a, torch.float64) for a in arrays])
    try:
        assert_as_accurate_as_torch(ours, theirs, exact, arrays)
    except AssertionError as e:  # name the failing operation and shapes
        where = f"line {op.__code__.co_firstlineno}, shapes {[a.shape for a in arrays]}"
        raise AssertionError(f"{where}: {e}") from None


def grad_of(op: Callable, index: int = 0) -> Callable:
    """The gradient of sum(op(...) * w) with respect to input `index`, w a fixed pattern of
    weights (so the upstream gradient is not all ones)."""

    def grad(lib, *tensors):
        tensors[index].requires_grad_(True)
        y = op(lib, *tensors)
        w = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)) + 1
        y.backward(lib.from_numpy(np.asarray(w, str(y.dtype).split(".")[-1])))
        return tensors[index].grad

    return grad


def norm_dims(x: np.ndarray, dim):
    return dim if dim is not None else tuple(range(x.ndim))


@given(large_arrays())
@large
def test_sum_mean_and_norm_as_accurate_as_torch_on_every_axis(drawn):
    x, dim = drawn
    dims = norm_dims(x, dim)
    compare(lambda lib, t: t.sum(dims), x)
    compare(lambda lib, t: t.mean(dims), x)
    compare(lambda lib, t: t.norm(dim=dims), x)
    compare(lambda lib, t: t.norm(p=1, dim=dims), x)
    compare(lambda lib, t: t.norm(p=3, dim=dims), x)


@given(large_arrays())
@large
def test_var_std_and_their_gradients_as_accurate_as_torch(drawn):
    x, dim = drawn
    dims = norm_dims(x, dim)
    compare(lambda lib, t: t.var(dims), x)
    compare(lambda lib, t: t.std(dims), x)
    compare(grad_of(lambda lib, t: t.var(dims)), x)
    compare(grad_of(lambda lib, t: t.std(dims)), x)


@given(large_arrays())
@large
def test_logsumexp_and_softmax_normaliser_as_accurate_as_torch(drawn):
    x, dim = drawn
    d = dim if isinstance(dim, int) else 0
    compare(lambda lib, t: t.logsumexp(norm_dims(x, dim)), x)
    compare(lambda lib, t: t.softmax(d), x)
    compare(lambda lib, t: t.log_softmax(d), x)
    compare(grad_of(lambda lib, t: t.softmax(d)), x)
    compare(grad_of(lambda lib, t: t.log_softmax(d)), x)


@given(large_arrays(dtypes=(np.float32,)))
@large
def test_gradient_sums_of_broadcasting_and_linear_as_accurate_as_torch(drawn):
    x, _ = drawn
    x = x.reshape(x.shape[0], -1)
    b = x[0].copy()
    compare(grad_of(lambda lib, t, b: t * b, 1), x, b)  # unbroadcast over the rows
    compare(grad_of(lambda lib, t, b: t + b[:1], 1), x, b)  # a (1,) bias: all of it
    w = np.cos(np.arange(3 * x.shape[1])).reshape(3, -1).astype(x.dtype)
    bias = np.zeros(3, x.dtype)
    compare(grad_of(lambda lib, t, w, b: lib.nn.functional.linear(t, w, b), 2), x, w, bias)


@given(large_arrays(dtypes=(np.float32,)), st.sampled_from(["mean", "sum"]))
@large
def test_losses_as_accurate_as_torch_on_large_batches(drawn, reduction):
    x, _ = drawn
    x = x.reshape(x.shape[0], -1)
    target = np.roll(x, 1, axis=0)
    labels = np.arange(x.shape[0]) % x.shape[1]

    def mse(lib, a, b):
        f = MF if lib is mg else torch.nn.functional
        return f.mse_loss(a, b, reduction=reduction)

    def cross_entropy(lib, a, y):
        f = MF if lib is mg else torch.nn.functional
        return f.cross_entropy(a, y, reduction=reduction)

    compare(mse, x, target)
    compare(grad_of(mse), x, target)
    compare(cross_entropy, x, labels)
    compare(grad_of(cross_entropy), x, labels)


@given(large_arrays(dtypes=(np.float32, np.float16)), st.sampled_from([2.0, 1.0, 3.0]))
@large
def test_clip_grad_norm_total_as_accurate_as_torch(drawn, norm_type):
    x, _ = drawn
    grads = [x, x[: x.shape[0] // 2] * 0.5]

    def total(lib, *gs):
        params = [lib.zeros(tuple(g.shape), dtype=g.dtype, requires_grad=True) for g in gs]
        for p, g in zip(params, gs):
            p.grad = g
        clip = clip_grad_norm_ if lib is mg else torch.nn.utils.clip_grad_norm_
        return clip(params, max_norm=1.0, norm_type=norm_type)

    compare(total, *grads)


@given(large_arrays())
@large
def test_scans_and_their_gradients_are_pytorchs_bit_for_bit(drawn):
    """PyTorch's CPU scans carry a float32 prefix in float64 (float16 in float32) and round
    each one once; so do minigrad's (`dtypes.scan_dtype`), where a float32 running sum would
    be 200x less accurate over 10^5 rows. The products run over numbers near 1, so that they
    neither overflow nor vanish. logcumsumexp's gradient (exps and logs of NumPy's, which
    differ from PyTorch's in the last bit) is as accurate as PyTorch's."""
    x, dim = drawn
    d = dim if isinstance(dim, int) else 0
    near_one = (1 + (x - x.mean()) / 1000).astype(x.dtype)
    cumsum, cumprod = (lambda lib, t: t.cumsum(d)), (lambda lib, t: t.cumprod(d))
    logcumsumexp = lambda lib, t: t.logcumsumexp(d)  # noqa: E731
    for f, a in [(cumsum, x), (grad_of(cumsum), x), (cumprod, near_one),
                 (grad_of(cumprod), near_one), (logcumsumexp, x)]:
        ours = f(mg, mg.from_numpy(np.array(a))).detach().numpy()
        theirs = f(torch, as_torch(a)).detach().numpy()
        np.testing.assert_array_equal(ours, theirs)
    compare(grad_of(logcumsumexp), x)


@large
@given(rows=st.sampled_from([17, 900, 30_000, 100_000]), seed=st.integers(0, 2**32 - 1),
       offset=st.sampled_from([0.0, 1.0, 10.0]))
def test_layer_norm_weight_and_bias_gradients_at_least_as_accurate_as_torch(rows, seed, offset):
    """Sums over the rows: PyTorch adds them up in float32, row after row in one run per
    thread; minigrad in float64, rounded once."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 1 + min(64, 1_000_000 // rows)))
    x = (rng.standard_normal((rows, size)) + offset).astype(np.float32)
    w = (rng.standard_normal(size) + offset).astype(np.float32)
    b = rng.standard_normal(size).astype(np.float32)
    for index in (1, 2):
        compare(grad_of(lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (size,), w, b),
                        index), x, w, b)
