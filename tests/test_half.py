"""float16 against PyTorch: its names and promotion, and its reductions, losses and clipping,
which add up in float32 and round to float16 once, as PyTorch's CPU kernels do.

Tolerance. Where minigrad and PyTorch add up the same float32 numbers exactly, both round one
exact result to float16, and the results agree bit for bit: the values drawn here (`grid16`)
make every sum exact. Where a float32 rounding comes before the float16 one (a sqrt, an exp,
a division), the float32 results can differ in their last bit (PyTorch's float32 sqrt and exp
are not NumPy's), and when that lands by a halfway point between two float16 numbers, the two
round to neighbours: those results are allowed 1 float16 ulp.
"""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given

import minigrad as mg
import minigrad.nn.functional as MF
from minigrad.nn.utils import clip_grad_norm_

f16 = np.dtype(np.float16)


@st.composite
def grid16(draw, min_dims: int = 1) -> np.ndarray:
    """A float16 array of m * 2^e, integers |m| <= 2048 on one exponent e: sums of up to 8192
    of them are exact in float32. With e up to 5 the values reach 65504 and their squares and
    sums overflow float16, which an accumulation in float16 would turn into inf."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=12))
    m = draw(hnp.arrays(np.int64, shape, elements=st.integers(-2047, 2047)))
    return (m * 2.0 ** draw(st.integers(-8, 5))).astype(f16)


def assert_f16(ours: mg.Tensor, theirs: torch.Tensor, ulps: int = 0) -> None:
    """Equal to PyTorch's float16 result, or within `ulps` float16 ulps of it."""
    a, b = ours.detach().numpy(), theirs.detach().numpy()
    assert a.dtype == b.dtype == f16
    assert a.shape == b.shape
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    gap = np.abs(a.astype(np.float64) - b.astype(np.float64))
    assert np.all(same | (gap <= ulps * np.spacing(np.abs(b)).astype(np.float64))), (a, b)


# ------------------------------------------------------------------------ names and dtype rules
def test_float16_and_half_name_numpys_float16_as_torch_float16_and_half() -> None:
    assert mg.float16 is mg.half and np.dtype(mg.half) is f16
    assert torch.float16 is torch.half


def test_half_casts_and_prints_as_torch() -> None:
    x = mg.tensor([1.5, 2.0, 1e-3])
    t = torch.tensor([1.5, 2.0, 1e-3])
    assert x.half().dtype == mg.float16
    assert repr(x.half()) == repr(t.half()).replace("torch", "minigrad")
    assert repr(mg.ones(2, dtype=mg.half)) == repr(torch.ones(2, dtype=torch.half)).replace(
        "torch", "minigrad")


@pytest.mark.parametrize("other", ["float32", "float64", "int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("scalar", [None, 2.5, 3, True])
def test_float16_promotes_as_torch(other: str, scalar: object) -> None:
    a, b = mg.ones(2, dtype=mg.half), mg.ones(2, dtype=getattr(mg, other.rstrip("_")))
    ta, tb = torch.ones(2, dtype=torch.half), torch.ones(2, dtype=getattr(torch, other))
    assert str((a + b).dtype) == str((ta + tb).dtype).replace("torch", "minigrad")
    if scalar is not None:
        assert str((a * scalar).dtype) == str((ta * scalar).dtype).replace("torch", "minigrad")


# ------------------------------------------------------------------------ reductions and losses
EXACT = {
    "sum": lambda x: x.sum(),
    "sum(-1)": lambda x: x.sum(-1),
    "sum(0)": lambda x: x.sum(0),
    "mean": lambda x: x.mean(),
    "mean(0)": lambda x: x.mean(0),
    "var": lambda x: x.var(),
    "var(-1)": lambda x: x.var(-1),
    "norm(1)": lambda x: x.norm(1),
    "norm(inf, -1)": lambda x: x.norm(float("inf"), dim=-1),
    "logsumexp(-1)": lambda x: x.logsumexp(-1),
    "log_softmax(-1)": lambda x: x.log_softmax(-1),
    "mse_loss": lambda x: (MF if isinstance(x, mg.Tensor) else F).mse_loss(x, x * 0.5 - 1),
    "mse_loss(sum)": lambda x: (MF if isinstance(x, mg.Tensor) else F).mse_loss(
        x, x * 0.5 - 1, reduction="sum"),
}
ONE_ULP = {
    "std": lambda x: x.std(),
    "std(0)": lambda x: x.std(0),
    "norm": lambda x: x.norm(),
    "norm(dim=-1)": lambda x: x.norm(dim=-1),
    "norm(3)": lambda x: x.norm(3),
    "softmax(-1)": lambda x: x.softmax(-1),
    "softmax(0)": lambda x: x.softmax(0),
}


@pytest.mark.parametrize("name", list(EXACT) + list(ONE_ULP))
@given(x=grid16())
def test_float16_reductions_add_up_in_float32_as_torch(name: str, x: np.ndarray) -> None:
    op = EXACT.get(name) or ONE_ULP[name]
    ulps = 0 if name in EXACT else 1
    with np.errstate(all="ignore"):
        ours = op(mg.tensor(x))
    assert_f16(ours, op(torch.tensor(x)), ulps)


def test_mean_of_float16_whose_sum_overflows_is_finite_as_torch() -> None:
    x = np.full(100, 1000.0, f16)
    assert mg.tensor(x).mean().item() == torch.tensor(x).mean().item() == 1000.0
    assert_f16(mg.tensor(x).norm(), torch.tensor(x).norm())


@pytest.mark.parametrize("name", ["sum", "sum(0)", "mean", "mean(0)", "norm(1)", "norm",
                                  "norm(inf, -1)", "logsumexp(-1)", "mse_loss",
                                  "mse_loss(sum)"])
@given(x=grid16(), seed=st.integers(0, 2**32 - 1))
def test_float16_gradients_of_reductions_as_torch(name: str, x: np.ndarray, seed: int) -> None:
    op = EXACT.get(name) or ONE_ULP[name]
    ours, theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):
        y = op(ours)
    ty = op(theirs)
    g = np.random.default_rng(seed).standard_normal(ty.shape).astype(f16)
    with np.errstate(all="ignore"):
        y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    assert_f16(ours.grad, theirs.grad)


# ------------------------------------------------------------------------ clip_grad_norm_
def test_clip_grad_norm_of_float16_300_400_0_gives_0_6_0_8_0_as_torch() -> None:
    """The issue's example: added up in float16, 300^2 + 400^2 overflows, the norm is inf and
    every gradient becomes 0."""
    ours = mg.zeros(3, dtype=mg.float16, requires_grad=True)
    theirs = torch.zeros(3, dtype=torch.float16, requires_grad=True)
    ours.grad = mg.tensor([300.0, 400.0, 0.0], dtype=mg.float16)
    theirs.grad = torch.tensor([300.0, 400.0, 0.0], dtype=torch.float16)
    assert_f16(clip_grad_norm_([ours], 1.0), torch.nn.utils.clip_grad_norm_([theirs], 1.0))
    assert_f16(ours.grad, theirs.grad)
    assert np.allclose(ours.grad.numpy(), [0.6, 0.8, 0.0], atol=1e-3)


@given(grads=st.lists(grid16(), min_size=1, max_size=3),
       max_norm=st.floats(0.01, 1e4), norm_type=st.sampled_from([2.0, 1.0, float("inf")]))
def test_clip_grad_norm_of_float16_gradients_as_torch(grads: list[np.ndarray], max_norm: float,
                                                      norm_type: float) -> None:
    ours = [mg.zeros(g.shape, dtype=mg.half, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.half, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = mg.tensor(g), torch.tensor(g)
    ulps = 1 if norm_type == 2 else 0  # a sqrt (see the module's docstring)
    with np.errstate(all="ignore"):
        total = clip_grad_norm_(ours, max_norm, norm_type)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_f16(total, their_total, ulps)
    if total.item() == their_total.item():  # then the same factor scales the same gradients
        for p, t in zip(ours, theirs):
            assert_f16(p.grad, t.grad)


# ------------------------------------------------------------------------ layer_norm
@given(x=grid16(min_dims=2), seed=st.integers(0, 2**32 - 1))
def test_float16_layer_norm_is_the_float32_one_rounded_once_as_torch(
    x: np.ndarray, seed: int
) -> None:
    """The values are PyTorch's float16 ones (within the ulp of a float32 sqrt before the
    rounding); the input's gradient is PyTorch's float32 one rounded once (its statistics
    recomputed as the float32 kernel reads the rows), where PyTorch's own float16 kernel adds
    up the weight's and bias's gradients in float16, row after row. Those two are sums over
    the rows, added up in float64 here, so within an ulp of PyTorch's float32 ones rounded."""
    rng = np.random.default_rng(seed)
    size = x.shape[-1]
    w, b = (rng.standard_normal(size).astype(f16) for _ in range(2))
    g = rng.standard_normal(x.shape).astype(f16)
    results = []
    for lib, dtype in ((mg, f16), (torch, f16), (torch, np.float32)):
        inputs = [lib.tensor(a.astype(dtype), requires_grad=True) for a in (x, w, b)]
        y = lib.nn.functional.layer_norm(inputs[0], (size,), *inputs[1:])
        y.backward(lib.tensor(g.astype(dtype)))
        results.append([y, *(t.grad for t in inputs)])
    (y, gx, gw, gb), (their_y, *_), (_, their_gx, their_gw, their_gb) = results
    assert_f16(y, their_y, ulps=1)
    assert_f16(gx, their_gx.half())
    assert_f16(gw, their_gw.half(), ulps=1)
    assert_f16(gb, their_gb.half(), ulps=1)


@given(rows=st.integers(1, 8), size=st.integers(16, 300), seed=st.integers(0, 2**32 - 1))
def test_float16_layer_norm_of_long_rows_reads_16_values_a_vector_as_torch(
    rows: int, size: int, seed: int
) -> None:
    """Rows of whole float16 vectors (16 values, two halves of 8 float32 lanes) and the rest:
    PyTorch's values, or an ulp apart where a float32 statistic lands on a float16 halfway
    point."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, size)) * 10 + rng.uniform(-50, 50)).astype(f16)
    w, b = (rng.standard_normal(size).astype(f16) for _ in range(2))
    ours, theirs = (lib.nn.functional.layer_norm(lib.tensor(x), (size,), lib.tensor(w),
                                                 lib.tensor(b)) for lib in (mg, torch))
    assert_f16(ours, theirs, ulps=1)
