"""Behaviours of PyTorch that a mutation run found pinned by no test (issue 18).

Each test here kills mutants that the rest of the suite let survive: a changed constant (1 for
0, `<` for `<=`), a dropped branch or a dropped context manager that left every other test
green. Every expectation is PyTorch's own behaviour, run side by side.
"""

from __future__ import annotations

import operator
import warnings
from functools import partial

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given
from support import assert_close
from test_nn_layers import assert_layer_norm_is_torchs_bit_for_bit

import minigrad as mg
from minigrad.optim._multi_tensor import SMALL
from minigrad.testing.strategies import arrays, float_dtypes, shapes

STEPS = 4


# ---------------------------------------------------------------------------- clip_grad_norm_
def _with_grads(lib, grads: list[np.ndarray]) -> list:
    params = []
    for g in grads:
        p = lib.zeros(g.shape, dtype=getattr(lib, g.dtype.name), requires_grad=True)
        p.grad = lib.tensor(g)
        params.append(p)
    return params


@pytest.mark.parametrize("empty", [False, True], ids=["non-empty generator", "empty list"])
def test_clip_grad_norm_warns_only_for_an_empty_generator(empty):
    grads = [] if empty else [np.array([3.0, 4.0]), np.array([[1.0], [2.0]])]
    norms = []
    for lib in (torch, mg):
        params = _with_grads(lib, grads)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any warning fails the test
            source = params if empty else (p for p in params)
            norms.append(lib.nn.utils.clip_grad_norm_(source, max_norm=1.0))
    assert_close(norms[1], norms[0].numpy())


# ------------------------------------------------------------------------------------- Adam
def test_adam_beta2_of_one_is_refused_naming_index_1():
    messages = []
    for lib in (torch, mg):
        p = lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError) as info:
            lib.optim.Adam([p], betas=(0.9, 1.0))
        messages.append(str(info.value))
    assert messages[1] == messages[0] == "Invalid beta parameter at index 1: 1.0"


# ---------------------------------------------------------------- optimizer trajectories
@st.composite
def parameters(draw, large: bool | None = None) -> np.ndarray:
    """A parameter's starting values: a small drawn array (joined updates, `_multi_tensor`) or
    one of at least SMALL elements (updated one at a time, with reused work arrays)."""
    dtype = draw(float_dtypes())
    if large if large is not None else draw(st.booleans()):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        return rng.standard_normal(SMALL + draw(st.integers(0, 7))).astype(dtype)
    return draw(arrays(dtype, draw(shapes(max_dims=2))))


def follow(make_optimizer, start: np.ndarray, steps: int = STEPS):
    """Train loss = Σ(θ - 1)² + Σθ³/10 for `steps` steps in both libraries, over two parameters
    of one dtype (so small ones are updated together): θ from `start` and one from -start/2.
    Compare each θ and its optimizer state after every step. Returns (lib, the first parameter,
    the optimizer) of both libraries."""
    runs = []
    for lib in (torch, mg):
        params = [lib.tensor(a.copy(), requires_grad=True) for a in (start, -start / 2)]
        runs.append((lib, params, make_optimizer(lib, params)))
    for step in range(steps):
        for _, params, opt in runs:
            opt.zero_grad()
            loss = sum(((p - 1) ** 2).sum() + (p**3).sum() / 10 for p in params)
            loss.backward()
            opt.step()
        (_, tparams, topt), (_, mparams, mopt) = runs
        for tp, mp in zip(tparams, mparams):
            assert_close(mp.detach(), tp.detach().numpy(), what=f"parameter after step {step + 1}")
            for name, value in topt.state[tp].items():
                if isinstance(value, torch.Tensor) and value.ndim > 0:
                    assert_close(mopt.state[mp][name], value.numpy(),
                                 what=f"{name}, step {step + 1}")
    return [(lib, params[0], opt) for lib, params, opt in runs]


@given(start=parameters(), lr=st.floats(1e-3, 0.05), amsgrad=st.booleans(),
       decoupled=st.booleans())
def test_adam_weight_decay_of_one_follows_pytorch(start, lr, amsgrad, decoupled):
    follow(lambda lib, ps: lib.optim.Adam(ps, lr=lr, weight_decay=1.0, amsgrad=amsgrad,
                                         decoupled_weight_decay=decoupled), start)


# The weight decay of the other optimizers at λ = 1 (kills `weight_decay != 1` for `!= 0`).
WEIGHT_DECAY_OF_ONE = [
    ("RMSprop", {}), ("Adagrad", {}), ("Adamax", {}), ("NAdam", {}),
    ("NAdam", dict(decoupled_weight_decay=True)), ("RAdam", {}),
    ("RAdam", dict(decoupled_weight_decay=True)), ("Adadelta", {}), ("ASGD", {}),
]


@pytest.mark.parametrize("name, kwargs", WEIGHT_DECAY_OF_ONE,
                         ids=[f"{n}-{k}" if k else n for n, k in WEIGHT_DECAY_OF_ONE])
@given(start=parameters(), lr=st.floats(1e-3, 0.05))
def test_weight_decay_of_one_follows_pytorch(name, kwargs, start, lr):
    follow(lambda lib, ps: getattr(lib.optim, name)(ps, lr=lr, weight_decay=1.0, **kwargs),
           start)


# A β2 at which RAdam's ρ_t, computed in Python floats as PyTorch computes it, is exactly 5 at
# step 6 (found by bisection): PyTorch rectifies the step only where ρ_t > 5.
RADAM_BETA2_WITH_RHO_6_OF_5 = 0.8397685748659791


@given(start=parameters())
def test_radam_takes_the_unrectified_step_where_rho_t_is_exactly_5(start):
    beta2 = RADAM_BETA2_WITH_RHO_6_OF_5
    assert 2 / (1 - beta2) - 1 - 2 * 6.0 * beta2**6.0 / (1 - beta2**6.0) == 5.0
    follow(lambda lib, ps: lib.optim.RAdam(ps, lr=0.01, betas=(0.9, beta2)), start, steps=7)


@given(start=parameters(), lr=st.floats(1e-3, 0.05), momentum=st.sampled_from([0.0, 0.9]))
def test_sgd_weight_decay_of_one_follows_pytorch(start, lr, momentum):
    follow(lambda lib, ps: lib.optim.SGD(ps, lr=lr, momentum=momentum, weight_decay=1.0), start)


@given(start=parameters(), lr=st.floats(1e-3, 0.05), dampening=st.sampled_from([0.0, 0.5]),
       nesterov=st.booleans())
def test_sgd_momentum_of_one_follows_pytorch(start, lr, dampening, nesterov):
    dampening = 0.0 if nesterov else dampening
    follow(lambda lib, ps: lib.optim.SGD(ps, lr=lr, momentum=1.0, dampening=dampening,
                                        nesterov=nesterov), start)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@given(start=parameters())
def test_parameters_without_saved_state_step_after_load_state_dict(optimizer, start):
    def make(lib, params):
        extra = {"momentum": 0.9} if optimizer == "SGD" else {}
        opt = getattr(lib.optim, optimizer)(params, lr=0.01, **extra)
        opt.load_state_dict(opt.state_dict())  # saved before any step: no parameter has state
        return opt
    follow(make, start)


@given(start=parameters(large=True), nesterov=st.booleans())
def test_sgd_momentum_buffer_of_a_large_parameter_stays_the_same_object(start, nesterov):
    runs = follow(lambda lib, ps: lib.optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=nesterov),
                  start, steps=1)
    first = [opt.state[p]["momentum_buffer"] for _, p, opt in runs]
    for _ in range(2):
        for _, p, opt in runs:
            opt.zero_grad()
            (p**2).sum().backward()
            opt.step()
    (_, tp, topt), (_, mp, mopt) = runs
    assert topt.state[tp]["momentum_buffer"] is first[0]
    assert mopt.state[mp]["momentum_buffer"] is first[1]
    assert_close(first[1], first[0].numpy())


# ------------------------------------------------------------------------------- autograd
@given(data=st.data(), dtype=float_dtypes())
def test_backward_of_one_output_listed_twice_adds_both_gradients(data, dtype):
    shape = data.draw(shapes())
    x, g1, g2 = (data.draw(arrays(dtype, shape)) for _ in range(3))
    grads = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * leaf
        lib.autograd.backward([y, y], [lib.tensor(g1), lib.tensor(g2)])
        grads.append(leaf.grad)
    assert_close(grads[1], grads[0].numpy())


@given(data=st.data(), dtype=float_dtypes())
def test_leaves_given_one_gradient_array_accumulate_apart_counting_each_write(data, dtype):
    """An addition hands both leaves one gradient array: each .grad is its own copy, later
    backward passes add into a's alone, and each addition is one in-place write (_version)."""
    shape = data.draw(shapes())
    x, g, h = (data.draw(arrays(dtype, shape)) for _ in range(3))
    results = []
    for lib in (torch, mg):
        a, b = (lib.tensor(x, requires_grad=True) for _ in range(2))
        (a + b).backward(lib.tensor(g))
        versions = []
        for _ in range(2):
            (a * lib.tensor(h)).backward(lib.tensor(g))
            versions.append(a.grad._version)
        results.append((a.grad.numpy(), b.grad.numpy(), versions[1] - versions[0]))
    (ta, tb, tstep), (ma, mb, mstep) = results
    assert_close(ma, ta)
    assert_close(mb, tb)
    assert mstep == tstep == 1


@pytest.mark.parametrize("gradient", [2.0, [1.0, 2.0], np.ones(2)], ids=["float", "list", "array"])
@pytest.mark.parametrize("call", ["autograd.backward", "autograd.grad", "Tensor.backward"])
def test_a_gradient_that_is_not_a_tensor_is_refused_with_a_type_error(gradient, call):
    for lib in (torch, mg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        with pytest.raises(TypeError) as error:
            if call == "autograd.backward":
                lib.autograd.backward([y], [gradient])
            elif call == "autograd.grad":
                lib.autograd.grad([y], [x], [gradient])
            else:
                y.backward(gradient)
        if call != "Tensor.backward":  # (PyTorch's Tensor.backward iterates a non-tensor first)
            assert str(error.value) == ("gradients can be either Tensors or None, but got "
                                        f"{type(gradient).__name__}")


@given(data=st.data(), dtype=float_dtypes(), gradient_dtype=float_dtypes())
def test_the_gradient_given_to_backward_is_the_one_hooks_see_in_the_outputs_dtype(
        data, dtype, gradient_dtype):
    """Cast to the output's dtype when it differs; otherwise the very tensor given, so that a
    hook that writes into its gradient writes into it."""
    shape = data.draw(shapes())
    x, g = data.draw(arrays(dtype, shape)), data.draw(arrays(gradient_dtype, shape))
    results = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * 2
        seen = []
        y.register_hook(lambda grad, seen=seen: seen.append(grad.dtype) or grad.mul_(3))
        gradient = lib.tensor(g)
        y.backward(gradient)
        results.append((str(seen[0]).split(".")[-1], gradient.numpy(), leaf.grad.numpy()))
    (theirs_dtype, theirs_given, theirs_grad), (ours_dtype, ours_given, ours_grad) = results
    assert ours_dtype == theirs_dtype
    assert_close(ours_given, theirs_given)
    assert_close(ours_grad, theirs_grad)


def test_tensor_hooks_run_with_grad_mode_off_during_backward():
    seen = {}
    for lib in (torch, mg):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = x * 3
        modes = []
        x.register_hook(lambda g, lib=lib, modes=modes: modes.append(lib.is_grad_enabled()))
        y.register_hook(lambda g, lib=lib, modes=modes: modes.append(lib.is_grad_enabled()))
        y.sum().backward()
        seen[lib.__name__] = modes
        assert lib.is_grad_enabled()  # and switched back on afterwards
    assert seen["minigrad"] == seen["torch"] == [False, False]


def _square_sum_backward() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()


def test_nested_trace_outer_records_again_after_the_inner_ends():
    with mg.autograd.trace() as alone:
        _square_sum_backward()
    with mg.autograd.trace() as outer:
        with mg.autograd.trace() as inner:
            _square_sum_backward()
        assert len(outer) == 0  # the inner block records alone
        _square_sum_backward()
    assert [s.name for s in inner.steps] == [s.name for s in alone.steps]
    assert [s.name for s in outer.steps] == [s.name for s in alone.steps]
    assert len(alone) > 0


@given(data=st.data(), dtype=float_dtypes())
def test_relu_backward_of_an_infinite_gradient_is_zero_where_x_is_not_positive(data, dtype):
    shape = data.draw(shapes(min_dims=1))
    x = data.draw(arrays(dtype, shape, special=(0.0,)))
    g = data.draw(arrays(dtype, shape, special=(np.inf, -np.inf)))
    g.flat[0] = np.inf  # at least one infinite gradient
    grads = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        lib.relu(leaf).backward(lib.tensor(g))
        grads.append(leaf.grad)
    assert_close(grads[1], grads[0].numpy())
    assert not np.isnan(grads[1].numpy()).any()


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_clip_grad_norm_accepts_a_nonfinite_gradient_by_default(bad):
    """error_if_nonfinite defaults to False: an inf or nan gradient gives a nonfinite total
    norm and gradients as PyTorch's, with no error (a mutation run found this unpinned)."""
    results = []
    for lib in (mg, torch):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        p.grad = lib.tensor([bad, 1.0])
        total = lib.nn.utils.clip_grad_norm_([p], 1.0)
        results.append((total.numpy().copy(), p.grad.numpy().copy()))
    (ours_total, ours_grad), (torch_total, torch_grad) = results
    np.testing.assert_array_equal(ours_total, torch_total)
    np.testing.assert_array_equal(ours_grad, torch_grad)


# ---------------------------------------------------------------------- functions/arithmetic
# Each op at the edge of its domain, where a NumPy computation divides by 0, takes log(0) or
# overflows, and where PyTorch's conventions set the gradient: PyTorch gives its values there
# without a warning, and so must minigrad.
EDGES = {  # name: (function, keyword arguments, a, b)
    "hypot at the origin": ("hypot", {}, [0.0, 3.0], [0.0, 4.0]),
    "copysign of zeros": ("copysign", {}, [0.0, -0.0, 2.0], [-1.0, 1.0, -1.0]),
    "fmod by zero": ("fmod", {}, [1.0, -2.0, 0.0], [0.0, 0.0, 0.0]),
    "remainder by zero": ("remainder", {}, [1.0, -2.0, 0.0], [0.0, 0.0, 0.0]),
    "trunc division by zero": ("div", {"rounding_mode": "trunc"}, [1.0, -2.0, 0.0], [0.0] * 3),
    "floor division by zero": ("div", {"rounding_mode": "floor"}, [1.0, -2.0, 0.0], [0.0] * 3),
    "xlogy at x = 0": ("xlogy", {}, [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
                       [0.5, 1.0, 2.0, 0.0, float("nan"), 0.5]),
    "logaddexp far apart": ("logaddexp", {}, [0.0, 1000.0], [1000.0, 0.0]),
    "logaddexp2 far apart": ("logaddexp2", {}, [0.0, 2000.0], [2000.0, 0.0]),
}


@pytest.mark.parametrize("name", EDGES)
def test_binary_ops_at_their_edges_give_torchs_values_and_gradients_without_a_warning(name):
    function, kwargs, a, b = EDGES[name]
    results = []
    for lib in (torch, mg):
        x, y = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (a, b))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            out = getattr(lib, function)(x, y, **kwargs)
            out.backward(lib.ones_like(out))  # (a sum of inf and -inf would warn in NumPy)
        results.append([out.detach().numpy(), x.grad.numpy(), y.grad.numpy()])
    for ours, theirs in zip(results[1], results[0]):
        assert_close(ours, theirs)


# Ops whose backward builds its gradient with a constant (0, 1/2) or a ratio, of the input's dtype
TWO_INPUTS = {
    "maximum": lambda lib, y, other: lib.maximum(y, other),
    "minimum": lambda lib, y, other: lib.minimum(y, other),
    "fmax": lambda lib, y, other: lib.fmax(y, other),
    "fmin": lambda lib, y, other: lib.fmin(y, other),
    "copysign": lambda lib, y, other: lib.copysign(y, other),
    "atan2": lambda lib, y, other: lib.atan2(y, other),
    "pow": lambda lib, y, other: y ** other,
    "pow, y the exponent": lambda lib, y, other: other ** y,
    "nextafter": lambda lib, y, other: lib.nextafter(y, other),
    "where": lambda lib, y, other: lib.where(other > 0, y, other),
    "xlogy": lambda lib, y, other: lib.xlogy(y, other),
    "double": lambda lib, y, other: y.double() + other,  # the cast back to float32
}


@pytest.mark.parametrize("name", TWO_INPUTS)
def test_the_gradient_reaching_a_float32_input_is_float32(name):
    """PyTorch casts each gradient to its input's dtype; a hook on the input sees that dtype."""
    for lib in (torch, mg):
        x = lib.tensor([1.0, -2.0, 0.0], requires_grad=True)
        y = x * 1  # a non-leaf, whose hook sees the gradient that `name`'s backward returns
        seen = []
        y.register_hook(lambda g, seen=seen: seen.append(g.dtype))
        TWO_INPUTS[name](lib, y, lib.tensor([1.0, 3.0, -0.0])).sum().backward()
        assert seen == [lib.float32]


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("as_tensor", [False, True], ids=["number", "tensor"])
def test_lerp_takes_its_formula_from_the_nearer_end_bit_for_bit(weight, as_tensor):
    """a + w(b - a) for |w| < 0.5, else b - (b - a)(1 - w): exactly a at w = 0 and exactly b
    at w = 1, even where b - a rounds (ends of very different magnitudes)."""
    a, b = [0.1, -1.3, 3e-8, 1e10], [1e10, -137.7, 19498.1, 0.1]
    results = []
    for lib in (torch, mg):
        start, end = (lib.tensor(v, dtype=lib.float64) for v in (a, b))
        w = lib.full((4,), weight, dtype=lib.float64) if as_tensor else weight
        results.append(lib.lerp(start, end, w).numpy())
    np.testing.assert_array_equal(results[1], results[0])


@pytest.mark.parametrize("exponent", [2, 3, 0.5])
def test_the_result_of_pow_with_a_number_exponent_can_change_in_place_before_backward(exponent):
    """For a number exponent PyTorch saves only the base: writing to the result is allowed."""
    grads = []
    for lib in (torch, mg):
        x = lib.tensor([1.5, 2.0, 3.0], requires_grad=True)
        y = x ** exponent
        y.mul_(2)
        y.sum().backward()
        grads.append(x.grad.numpy())
    assert_close(grads[1], grads[0])


@pytest.mark.parametrize("op, written", [("mul", 0), ("mul", 1), ("truediv", 0), ("matmul", 0),
                                         ("matmul", 1)])
def test_an_operand_can_change_in_place_when_only_it_needs_a_gradient(op, written):
    """d(a*b)/da = b, d(a/b)/da = 1/b and d(a@b)/da = g b^T: PyTorch saves an operand only for
    the gradient of the other, so the one that alone needs a gradient may be written to before
    backward."""
    grads = []
    for lib in (torch, mg):
        x = lib.tensor([1.5, 2.0, 3.0], requires_grad=True)
        operands = [lib.tensor([2.0, 4.0, 8.0])] * 2
        operands[written] = x * 1
        result = getattr(operator, op)(*operands)
        operands[written].mul_(2)
        result.sum().backward()
        grads.append(x.grad.numpy())
    assert_close(grads[1], grads[0])


# ----------------------------------------------------------------------- functions/broadcast
@pytest.mark.parametrize("shape", [(), (300,), (1, 300), (300, 1)])
def test_a_float16_input_broadcast_over_many_elements_gets_their_sums_rounded_once(shape):
    """The gradient of a broadcast input is the sum of all the gradient each element was
    broadcast into, added up in float32 and rounded to float16 once, as PyTorch adds it (a sum
    kept in float16 while it grows drifts by a unit of its last place per row: 8990 for the 0-d
    input here, where PyTorch gives 9000). A hook on the input sees it in float16."""
    grads = []
    for lib in (torch, mg):
        x = lib.full(shape, 0.5, dtype=lib.float16, requires_grad=True)
        y = x * 1
        seen = []
        y.register_hook(lambda g, seen=seen: seen.append(g.dtype))
        rows = (y + lib.ones((300, 300), dtype=lib.float16)).sum(dim=0)
        (rows * 0.1).sum().backward()  # (its gradient reaches y as a broadcast view)
        assert seen == [lib.float16]
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0], strict=True)

# --------------------------------------------------------------------------- unary functions
@pytest.mark.parametrize("name, values, kwargs", [
    ("sigmoid", [-1000.0, 0.0, 1000.0], {}),  # exp(1000) overflows on the way to 0
    ("logit", [0.0, 1.0, -0.5, 2.0, 0.5, 0.0, 1.0], {}),  # +-inf at 0 and 1, nan outside
    ("logit", [0.0, 1.0, 0.5, 1.0], {"eps": 0.0}),
    ("sinc", [0.0, 1.0, -2.5, 0.0], {}),  # 0/0 at 0, where sinc is 1
])
def test_sigmoid_logit_and_sinc_match_torch_at_their_edges_without_warnings(name, values, kwargs):
    upstream = np.arange(len(values)) % 2.0  # 0 and 1: 1/0 and 0/0 in the backward
    results = []
    for lib in (torch, mg):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            y = getattr(lib, name)(x, **kwargs)
            y.backward(lib.tensor(upstream))
        results.append((y.detach().numpy(), x.grad.numpy()))
    (torch_y, torch_grad), (ours_y, ours_grad) = results
    assert_close(ours_y, torch_y)
    assert_close(ours_grad, torch_grad)


UNARY_CALLS = {
    "clamp(min)": lambda lib, x: x.clamp(min=-0.5),
    "clamp(max)": lambda lib, x: x.clamp(max=0.5),
    "clamp(min, max)": lambda lib, x: x.clamp(-0.5, 0.5),
    "nan_to_num": lambda lib, x: lib.nan_to_num(x),
    "logit": lambda lib, x: lib.logit(x),
    "logit(eps)": lambda lib, x: lib.logit(x, eps=0.25),
    "sinc": lambda lib, x: lib.sinc(x),
    "i0": lambda lib, x: lib.i0(x),
    "lgamma": lambda lib, x: lib.lgamma(x),
    "relu(x) * inf": lambda lib, x: lib.relu(x) * np.inf,  # (relu's backward for inf and nan)
    "threshold": lambda lib, x: lib.nn.functional.threshold(x, 0.1, 20.0),
    "hardsigmoid": lambda lib, x: lib.nn.functional.hardsigmoid(x),
    "hardswish": lambda lib, x: lib.nn.functional.hardswish(x),
    "hardtanh": lambda lib, x: lib.nn.functional.hardtanh(x),
    "gelu": lambda lib, x: lib.nn.functional.gelu(x),
    "gelu(tanh)": lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"),
}


# (these float16 backwards are an ulp off PyTorch's, which computes in float32: README)
FLOAT16_ULP_OFF = {("hardswish", np.float16), ("gelu", np.float16), ("gelu(tanh)", np.float16)}


@pytest.mark.parametrize(("name", "dtype"), [(name, dtype) for name in UNARY_CALLS
                                             for dtype in (np.float32, np.float16)
                                             if (name, dtype) not in FLOAT16_ULP_OFF])
def test_the_gradient_a_unary_function_passes_back_is_in_its_inputs_dtype(name, dtype):
    """A hook on the function's input sees the gradient in the input's dtype, as in PyTorch,
    not widened to float64 (which the leaf's .grad would hide by rounding it back)."""
    values = np.array([-2.0, -0.5, 0.0, 0.25, 0.5, 2.0, np.inf, np.nan], dtype)
    seen = []
    for lib in (torch, mg):
        leaf = lib.tensor(values, requires_grad=True)
        x = leaf * 1  # not a leaf: its hook sees the gradient as the function passed it back
        x.register_hook(lambda g: seen.append(g.numpy().copy()))
        UNARY_CALLS[name](lib, x).backward(lib.ones_like(x))
    assert_close(seen[1], seen[0])


def test_threshold_keeps_nan_as_torch():
    """nan is not <= the threshold: PyTorch keeps it (and passes its gradient)."""
    values = np.array([np.nan, 0.1, 0.5, -np.inf], np.float32)
    results = [lib.nn.functional.threshold(lib.tensor(values), 0.1, 20.0).numpy()
               for lib in (torch, mg)]
    assert_close(results[1], results[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_exactly_at_its_threshold_takes_the_sigmoids_gradient(dtype):
    """beta x == threshold is still the smooth branch in PyTorch's backward (only beta x above
    the threshold passes the gradient through as 1)."""
    grads = []
    for lib in (torch, mg):
        x = lib.tensor(np.array([1.5, 1.25, 1.75], dtype), requires_grad=True)
        lib.nn.functional.softplus(x, beta=2.0, threshold=3.0).sum().backward()
        grads.append(x.grad.numpy())
    assert_close(grads[1], grads[0])
    assert grads[1][0] < 1


@pytest.mark.parametrize("n", [0, 1, 2])
def test_polygamma_passes_back_a_gradient_in_its_inputs_dtype(n):
    """As the test above, on float32 values only (PyTorch's float16 kernel is off by an ulp)."""
    seen = []
    for lib in (torch, mg):
        leaf = lib.tensor(np.array([-2.5, -0.5, 0.25, 0.5, 2.0, 7.0, np.inf, -np.inf], np.float32),
                          requires_grad=True)
        x = leaf * 1
        x.register_hook(lambda g: seen.append(g.numpy().copy()))
        lib.polygamma(n, x).backward(lib.ones_like(x))
    assert_close(seen[1], seen[0])


# -------------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_nansum_over_one_dim_sends_each_slices_gradient_to_that_slice(dim):
    x = np.arange(9.0).reshape(3, 3)
    x[0, 1] = x[2, 2] = np.nan
    grads = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        leaf.nansum(dim).backward(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
        grads.append(leaf.grad)
    assert_close(grads[1], grads[0].numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_pass_back_a_gradient_in_their_inputs_dtype(name, dtype):
    seen = []
    for lib in (torch, mg):
        leaf = lib.tensor(np.array([[-2.0, 0.5, 3.0], [1.0, 1.0, -4.0]], dtype),
                          requires_grad=True)
        x = leaf * 1  # not a leaf: its hook sees the gradient as the function passed it back
        x.register_hook(lambda g: seen.append(g.numpy().copy()))
        getattr(lib, name)(x, 1).backward(lib.tensor(np.array([[1, -2, 0.5], [0, 1, 3]], dtype)))
    assert_close(seen[1], seen[0])


# ------------------------------------------------------------------------- functions/shape
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_a_view_made_again_after_its_base_changed_passes_back_a_gradient_in_its_dtype(dtype):
    """After an in-place change of the base, a view's gradient reaches the base's new history
    through a zero array the base's shape, in the base's dtype: a hook on the base sees it so."""
    seen = []
    for lib in (torch, mg):
        leaf = lib.tensor(np.array([1.0, -2.0, 3.0, 0.5], dtype), requires_grad=True)
        base = leaf * 1
        view = base[1:]
        base.mul_(2)  # the view is made again from the base's new history
        base.register_hook(lambda g: seen.append(g.numpy().copy()))
        (view * lib.tensor(np.array([1.0, 2.0, -3.0], dtype))).sum().backward()
    np.testing.assert_array_equal(seen[1], seen[0], strict=True)


PICKS = {
    "x[1:]": lambda lib, x: x[1:],
    "x[[0, 0, 2]]": lambda lib, x: x[[0, 0, 2]],
    "gather": lambda lib, x: x.gather(0, lib.tensor([3, 0, 0])),
    "scatter_reduce(amax)": lambda lib, x: x.scatter_reduce(0, lib.tensor([0, 0, 1]),
                                                            x.detach()[1:], "amax"),
    "diagonal": lambda lib, x: x.reshape(2, 2).diagonal(),
    "einsum('ii->i')": lambda lib, x: lib.einsum("ii->i", x.reshape(2, 2)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", list(PICKS))
def test_functions_that_pick_elements_pass_back_a_gradient_in_their_inputs_dtype(name, dtype):
    """Each picked element's gradient is written into zeros of the input's dtype (and amax's
    share of a tie divided by a count in that dtype)."""
    seen = []
    for lib in (torch, mg):
        leaf = lib.tensor(np.array([1.0, -2.0, 3.0, 0.5], dtype), requires_grad=True)
        x = leaf * 1  # not a leaf: its hook sees the gradient as the function passed it back
        x.register_hook(lambda g: seen.append(g.numpy().copy()))
        picked = PICKS[name](lib, x)
        picked.backward(lib.ones_like(picked))
    np.testing.assert_array_equal(seen[1], seen[0], strict=True)


# -------------------------------------------------------------------------------- nn.Embedding
@pytest.mark.parametrize("kwargs", [
    {}, {"padding_idx": 0}, {"padding_idx": -1}, {"max_norm": 1.5}, {"norm_type": 1.0},
    {"scale_grad_by_freq": True}, {"sparse": True},
    {"padding_idx": 2, "max_norm": 1.0, "norm_type": 3.0, "scale_grad_by_freq": True},
])
def test_embedding_prints_its_options_as_torch(kwargs):
    assert repr(mg.nn.Embedding(4, 3, **kwargs)) == repr(torch.nn.Embedding(4, 3, **kwargs))


@pytest.mark.parametrize(("num", "padding_idx"), [(1, 1), (3, 3), (3, -4), (2, 5)])
def test_embedding_refuses_a_padding_idx_out_of_range_as_torch(num, padding_idx):
    for lib in (torch, mg):
        with pytest.raises(AssertionError, match="^Padding_idx must be within num_embeddings$"):
            lib.nn.Embedding(num, 2, padding_idx=padding_idx)


@pytest.mark.parametrize("norm_type", [1.0, 3.0])
def test_embedding_renormalises_rows_in_its_norm_type_as_torch(norm_type):
    weight = np.arange(12.0).reshape(4, 3) - 4
    rows = []
    for lib in (torch, mg):
        layer = lib.nn.Embedding(4, 3, max_norm=2.0, norm_type=norm_type)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(weight))
        layer(lib.tensor([0, 2, 3]))
        rows.append(layer.weight.detach().numpy())
    assert_close(rows[1], rows[0])


def test_embedding_of_no_rows_with_a_padding_idx_fails_as_torch_and_sparse_is_refused():
    """padding_idx 0 of an empty table passes the range check and fails writing the row
    (IndexError, as PyTorch's); a sparse gradient, which minigrad cannot make, is refused at the
    lookup rather than replaced by a dense one."""
    for lib in (torch, mg):
        with pytest.raises(IndexError):
            lib.nn.Embedding(0, 2, padding_idx=0)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        mg.nn.Embedding(4, 3, sparse=True)(mg.tensor([0, 1]))


# ---------------------------------------------------------------------- functions/activations
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaky_relu_with_a_negative_slope_turns_the_sign_of_zero_as_torch(dtype):
    """x > 0 takes x, anything else x * slope: with a negative slope, 0 becomes -0 and -0
    becomes 0 (which 1/y tells apart)."""
    values = np.array([0.0, -0.0, 2.0, -2.0], dtype)
    results = [lib.nn.functional.leaky_relu(lib.tensor(values), -0.5).numpy()
               for lib in (torch, mg)]
    assert_close(results[1], results[0])
    np.testing.assert_array_equal(np.signbit(results[1]), np.signbit(results[0]))


@pytest.mark.parametrize("name", ["softplus", "mish", "silu"])
def test_softplus_mish_and_silu_of_large_inputs_match_torch_without_warnings(name):
    """exp(beta x) overflows for large x, whose value then comes from the linear branch."""
    values = np.array([1000.0, -1000.0, 0.5, 89.0], np.float32)
    results = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            results.append(getattr(lib.nn.functional, name)(lib.tensor(values)).numpy())
    assert_close(results[1], results[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_exactly_at_its_threshold_is_still_the_smooth_value(dtype):
    """Only beta x above the threshold returns x itself: at beta x == threshold softplus is
    log1p(exp(beta x)) / beta, as in PyTorch."""
    values = np.array([1.5, 1.25, 1.75], dtype)
    results = [lib.nn.functional.softplus(lib.tensor(values), beta=2.0, threshold=3.0).numpy()
               for lib in (torch, mg)]
    assert_close(results[1], results[0])
    assert results[1][0] > 1.5


def test_softplus_above_its_default_threshold_of_20_is_x_itself_and_passes_the_gradient():
    """In float64 the smooth branch differs from x at 20.5 (by exp(-20.5)): PyTorch's default
    threshold of 20 returns x itself there, and a gradient of exactly 1."""
    results = []
    for lib in (torch, mg):
        x = lib.tensor([20.5, 25.0], dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.softplus(x)
        y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_array_equal(ours, theirs, strict=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "alpha"), [("elu", 1.0), ("elu", -1.0), ("celu", 0.01)])
def test_elu_and_celu_keep_the_sign_of_zero_and_do_not_overflow_as_torch(name, alpha, dtype):
    """0 and -0 come back as they are, and a large x takes the linear branch without computing
    exp(x / alpha), which overflows for CELU's small alpha."""
    values = np.array([0.0, -0.0, 5.0, 100.0, -1.0], dtype)
    results = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            results.append(getattr(lib.nn.functional, name)(lib.tensor(values), alpha).numpy())
    assert_close(results[1], results[0])
    np.testing.assert_array_equal(np.signbit(results[1]), np.signbit(results[0]))


# -------------------------------------------------------------------- functions/normalization
@pytest.mark.parametrize("weight", [False, True], ids=["no weight", "weight"])
def test_layer_norm_of_rows_of_one_whole_vector_is_torchs_bit_for_bit(weight):
    """8 float32 columns fill one vector exactly: the sums of the input gradient are added up
    lane by lane, then pairwise, not left to right as a shorter row is."""
    rng = np.random.default_rng(8)
    x = rng.uniform(-50, 50, (300, 8)).astype(np.float32)
    upstream = rng.uniform(-1, 1, x.shape).astype(np.float32)
    w = rng.uniform(-2, 2, 8).astype(np.float32) if weight else None
    assert_layer_norm_is_torchs_bit_for_bit(x, w, None, upstream)


@pytest.mark.parametrize("weight", [False, True], ids=["no weight", "weight"])
def test_layer_norm_over_an_empty_dim_gives_empty_gradients_without_warnings_as_torch(weight):
    grads = []
    for lib in (torch, mg):
        x = lib.zeros((3, 0), requires_grad=True)
        w = lib.ones(0, requires_grad=True) if weight else None
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning (0/0) fails the test
            lib.nn.functional.layer_norm(x, (0,), w).sum().backward()
        grads.append([x.grad] + ([w.grad] if weight else []))
    for ours, theirs in zip(grads[1], grads[0], strict=True):
        assert_close(ours, theirs)


@pytest.mark.parametrize("bias", [False, True], ids=["no bias", "bias"])
def test_float16_layer_norm_without_weight_is_torchs_and_its_gradient_torchs_float32_one(bias):
    """As with a weight: the values are PyTorch's float16 ones (its float16 kernel reads 16
    values a vector), and the input's gradient is PyTorch's float32 one rounded once, computed
    on the float32 kernel's statistics, which the float16 kernel's miss by the last bit before
    a cancellation: rows of an offset much larger than their spread."""
    rng = np.random.default_rng(0)
    x = (90 + rng.standard_normal((20, 95))).astype(np.float16)
    b = rng.standard_normal(95).astype(np.float16) if bias else None
    g = rng.uniform(-1, 1, x.shape).astype(np.float16)
    results = []
    for lib, dtype in ((mg, np.float16), (torch, np.float16), (torch, np.float32)):
        inputs = [None if a is None else lib.tensor(a.astype(dtype), requires_grad=True)
                  for a in (x, b)]
        y = lib.nn.functional.layer_norm(inputs[0], (95,), None, inputs[1])
        y.backward(lib.tensor(g.astype(dtype)))
        results.append([t.detach().numpy().astype(np.float16) for t in (y, inputs[0].grad)])
    (y, gx), (their_y, _), (_, their_gx) = results
    np.testing.assert_array_equal(y, their_y)
    np.testing.assert_array_equal(gx, their_gx)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_layer_norm_passes_back_gradients_in_its_inputs_dtype(dtype):
    """Hooks on the input and on the weight (not leaves) see gradients of their own dtype, as
    in PyTorch, not widened to float64 (which a leaf's .grad would hide by rounding back)."""
    rng = np.random.default_rng(1)
    values = [rng.standard_normal(shape).astype(dtype) for shape in ((4, 6), (6,), (6,))]
    seen = {torch: [], mg: []}
    for lib in (torch, mg):
        leaves = [lib.tensor(v, requires_grad=True) for v in values]
        inputs = [leaf * 1 for leaf in leaves]
        for t in inputs:
            t.register_hook(lambda g, lib=lib: seen[lib].append(g.numpy().dtype))
        lib.nn.functional.layer_norm(inputs[0], (6,), *inputs[1:]).sum().backward()
    assert sorted(map(str, seen[mg])) == sorted(map(str, seen[torch])) == [np.dtype(dtype).name] * 3


def test_layer_norm_of_rows_of_eight_runs_of_vectors_is_torchs_bit_for_bit():
    """1024 float32 columns are 8 runs of 16 vectors: their cascade ends with two empty levels,
    merged as no statistics at all (weight 0, not 0/0)."""
    rng = np.random.default_rng(1024)
    x = rng.uniform(-50, 50, (3, 1024)).astype(np.float32)
    upstream = rng.uniform(-1, 1, x.shape).astype(np.float32)
    assert_layer_norm_is_torchs_bit_for_bit(x, None, None, upstream)


@pytest.mark.parametrize("runs", range(2, 12))
def test_layer_norm_of_rows_of_several_runs_of_vectors_is_torchs_bit_for_bit(runs):
    """Rows of `runs` runs of 16 float32 vectors and a few columns more, an offset far larger
    than the spread (so that the order of the runs' merges shows in the last bits)."""
    rng = np.random.default_rng(runs)
    x = (1000 + rng.standard_normal((8, 128 * runs + 5))).astype(np.float32)
    upstream = rng.uniform(-1, 1, x.shape).astype(np.float32)
    assert_layer_norm_is_torchs_bit_for_bit(x, None, None, upstream)


def test_float32_layer_norm_without_weight_or_bias_gives_0_not_minus_0_as_torch():
    """x - mean is -0 where x is -0 and the mean 0: PyTorch's float32 result there is 0."""
    x = np.array([[-0.0, 1.0, -1.0, 0.0], [-0.0, -0.0, 0.0, 0.0]], np.float32)
    results = [lib.nn.functional.layer_norm(lib.tensor(x), (4,)).numpy() for lib in (torch, mg)]
    assert_close(results[1], results[0])
    np.testing.assert_array_equal(np.signbit(results[1]), np.signbit(results[0]))


# ------------------------------------------------------------------------ number / tensor
@given(data=st.data(), dtype=float_dtypes(), number=st.sampled_from([3, 3.5, -0.7, True]))
def test_a_number_divided_by_a_tensor_is_its_reciprocal_times_the_number_as_torch(
        data, dtype, number):
    """PyTorch's `number / t` is `t.reciprocal() * number`, rounded twice (1 / 7 * 3 is not
    3 / 7 in float32), with that graph: its gradient bit for bit, and t may be written in place
    before backward, as only the reciprocal is saved."""
    shape = data.draw(shapes())
    x, g = data.draw(arrays(dtype, shape)), data.draw(arrays(dtype, shape))
    results = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        h = leaf * 1
        y = number / h
        h.add_(1)
        y.backward(lib.tensor(g))
        results.append((y.detach().numpy(), leaf.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_array_equal(ours, theirs, strict=True)


# ---------------------------------------------------------------------------- functions/layers
def test_binary_cross_entropy_at_probabilities_0_and_1_matches_torch_without_warnings():
    """log(0) is clamped at -100: PyTorch is silent, and so must NumPy's log be."""
    x, y = np.array([0.0, 1.0, 0.5, 0.0]), np.array([1.0, 0.0, 1.0, 0.0])
    losses = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            losses.append(lib.nn.functional.binary_cross_entropy(
                lib.tensor(x), lib.tensor(y), reduction="none").numpy())
    assert_close(losses[1], losses[0])


def test_binary_cross_entropy_with_logits_passes_back_gradients_in_the_inputs_dtype():
    """Hooks on the logits and on the targets (not leaves) see float32 gradients, as in
    PyTorch, not float64."""
    values = [np.array([-2.0, 0.0, 3.0], np.float32), np.array([0.0, 0.5, 1.0], np.float32)]
    seen = {torch: [], mg: []}
    for lib in (torch, mg):
        inputs = [lib.tensor(v, requires_grad=True) * 1 for v in values]
        for t in inputs:
            t.register_hook(lambda g, lib=lib: seen[lib].append(g.numpy().copy()))
        lib.nn.functional.binary_cross_entropy_with_logits(*inputs).backward()
    for ours, theirs in zip(seen[mg], seen[torch], strict=True):
        assert_close(ours, theirs)


def test_linear_passes_back_a_bias_gradient_in_the_bias_dtype():
    """A hook on the bias (not a leaf) sees a float32 gradient, as in PyTorch."""
    rng = np.random.default_rng(4)
    x, w, b = (rng.standard_normal(shape).astype(np.float32) for shape in ((5, 3), (2, 3), (2,)))
    seen = []
    for lib in (torch, mg):
        bias = lib.tensor(b, requires_grad=True) * 1
        bias.register_hook(lambda g: seen.append(g.numpy().copy()))
        lib.nn.functional.linear(lib.tensor(x), lib.tensor(w), bias).sum().backward()
    assert_close(seen[1], seen[0])


@pytest.mark.parametrize("changed", [0, 1], ids=["input", "target"])
def test_mse_loss_refuses_a_backward_after_its_input_or_target_changed_in_place(changed):
    """PyTorch saves both for the gradient, so changing either in place fails backward."""
    for lib in (torch, mg):
        leaves = [lib.tensor([1.0, 2.0], requires_grad=True) for _ in range(2)]
        inputs = [leaf * 1 for leaf in leaves]
        loss = lib.nn.functional.mse_loss(*inputs)
        inputs[changed].add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


@pytest.mark.parametrize("written", [0, 1], ids=["input", "weight"])
def test_linear_operand_can_change_in_place_when_only_it_needs_a_gradient(written):
    """Each gradient needs only the other factor: PyTorch saves an operand only for the other's
    gradient, so an operand that alone needs one may change in place before backward."""
    grads = []
    for lib in (torch, mg):
        leaf = lib.ones(*((2, 3), (4, 3))[written], requires_grad=True)
        operands = [lib.ones(2, 3), lib.ones(4, 3)]
        operands[written] = leaf * 1  # not a leaf, so that it may change in place
        y = lib.nn.functional.linear(*operands)
        operands[written].add_(1)
        y.sum().backward()
        grads.append(leaf.grad.numpy())
    assert_close(grads[1], grads[0])


# ------------------------------------------------------------------------------ functions/ctc
def test_ctc_loss_passes_back_a_float32_gradient_to_float32_log_probs():
    """A hook on log_probs (not a leaf) sees the gradient in their dtype, as in PyTorch."""
    rng = np.random.default_rng(2)
    log_probs = rng.standard_normal((5, 2, 4)).astype(np.float32)
    targets, lengths = np.array([[1, 1], [3, 2]]), (np.array([5, 4]), np.array([2, 1]))
    seen = []
    for lib in (torch, mg):
        x = lib.tensor(log_probs, requires_grad=True) * 1
        x.register_hook(lambda g: seen.append(g.numpy().copy()))
        lib.nn.functional.ctc_loss(x, lib.tensor(targets),
                                   *(lib.tensor(n) for n in lengths)).backward()
    assert_close(seen[1], seen[0])


@pytest.mark.parametrize("infinite", [False, True], ids=["finite", "an infinite log-probability"])
def test_ctc_loss_gives_torchs_losses_without_warnings(infinite):
    """States that no path reaches have log-probability -inf: log(0), where PyTorch is silent;
    so is -inf + inf where a log-probability is infinite (the loss is then nan in both)."""
    rng = np.random.default_rng(3)
    log_probs = rng.standard_normal((5, 2, 4))
    if infinite:
        log_probs[2, 0, 1] = np.inf
    targets, lengths = np.array([[1, 1], [3, 2]]), (np.array([5, 4]), np.array([2, 1]))
    losses = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            losses.append(lib.nn.functional.ctc_loss(
                lib.tensor(log_probs), lib.tensor(targets), *(lib.tensor(n) for n in lengths),
                reduction="none").numpy())
    assert_close(losses[1], losses[0])


def test_ctc_loss_of_an_empty_target_over_no_steps_is_minus_0_as_torch():
    """No steps: the empty target has likelihood 1, and PyTorch's loss -log 1 is -0."""
    results = [lib.nn.functional.ctc_loss(
        lib.tensor(np.zeros((3, 2, 4))), lib.tensor([[1, 2], [1, 1]]), lib.tensor([0, 0]),
        lib.tensor([0, 1]), reduction="none").numpy() for lib in (torch, mg)]
    assert_close(results[1], results[0])
    np.testing.assert_array_equal(np.signbit(results[1]), np.signbit(results[0]))


# ------------------------------------------------------------------ Optimizer.step's errstate
OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam",
              "Adadelta", "Rprop", "ASGD"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_step_that_overflows_or_divides_0_by_0_is_silent_as_torch(name):
    """float32 gradients of 0, 1e30 and 3e38: their squares overflow, and where the gradient is
    0 an `eps` of 0 (or an lr of 1e30 for SGD) gives 0/0 or an overflowing update; PyTorch
    computes inf and nan without a word."""
    kwargs = {"lr": 1e30} if name == "SGD" else {"eps": 0.0}
    if name in ("Rprop", "ASGD"):
        kwargs = {"lr": 1e30}
    values = []
    for lib in (torch, mg):
        p = lib.tensor([0.0, 1e30, 3e38], requires_grad=True)
        p.grad = lib.tensor([0.0, 1e30, 3e38])
        opt = getattr(lib.optim, name)([p], **kwargs)
        with warnings.catch_warnings(), np.errstate(all="warn"):
            warnings.simplefilter("error")  # any warning fails the test
            opt.step()
        values.append(p.detach().numpy())
    np.testing.assert_array_equal(values[1], values[0])


# ------------------------------------------------- functions/reduce.py: var, norm, prod, scans...
REDUCTIONS = {
    "max(dim)": lambda lib, x: x.max(1).values,
    "min(dim)": lambda lib, x: x.min(0).values,
    "take_along_dim": lambda lib, x: lib.take_along_dim(x, lib.tensor([[2], [0]]), 1),
    "amax": lambda lib, x: x.amax(1),
    "amin": lambda lib, x: x.amin(),
    "var": lambda lib, x: x.var(1),
    "std": lambda lib, x: x.std(0),
    "norm": lambda lib, x: x.norm(dim=1),
    "norm(1)": lambda lib, x: x.norm(1, dim=1),
    "norm(3)": lambda lib, x: x.norm(3, dim=1),
    "norm(inf)": lambda lib, x: x.norm(float("inf"), dim=1),
    "norm('nuc')": lambda lib, x: x.norm("nuc"),
    "prod": lambda lib, x: x.prod(1),
    "prod()": lambda lib, x: x.prod(),
    "cumsum": lambda lib, x: x.cumsum(1),
    "cumprod": lambda lib, x: x.cumprod(1),
    "logcumsumexp": lambda lib, x: x.logcumsumexp(1),
    "median": lambda lib, x: x.median(),
    "nanmedian": lambda lib, x: x.nanmedian(),
    "logsumexp": lambda lib, x: x.logsumexp(1),
    "mean": lambda lib, x: x.mean(1),
}


@pytest.mark.parametrize(("name", "dtype"), [(name, dtype) for name in REDUCTIONS
                                             for dtype in (np.float32, np.float16)
                                             if (name, dtype) != ("norm('nuc')", np.float16)])
def test_a_reduction_passes_back_a_gradient_in_its_inputs_dtype(name, dtype):
    """A hook on the reduction's input sees the gradient in the input's dtype, as in PyTorch
    (whose nuclear norm refuses float16): not float64, as a zero array made without a dtype,
    or a division by a count of ties that NumPy holds as an int64 would give."""
    seen = []
    for lib in (torch, mg):
        leaf = lib.tensor(np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.5]], dtype),
                          requires_grad=True)
        x = leaf * 1  # not a leaf: its hook sees the gradient as the function passed it back
        x.register_hook(lambda g: seen.append(g.numpy().copy()))
        y = REDUCTIONS[name](lib, x)
        y.backward(lib.ones_like(y) * 3)
    assert_close(seen[1], seen[0])


@pytest.mark.parametrize("p", [3.0, 4.0, 2.5, 1.5, 0.5, -1.0])
@given(data=st.data())
def test_the_float16_gradient_of_a_p_norm_is_torchs_bit_for_bit(data, p):
    """PyTorch computes x |x|^(p-2) (sign(x) |x|^(p-1) for p < 2) and grad / norm^(p-1) apart,
    each rounded to float16 (for p < 1, times grad times norm^(1-p)): the same steps in another
    order are an ulp off in most elements."""
    x = data.draw(arrays(np.dtype(np.float16), (3, 4), special=(0.0,)))
    grad = data.draw(arrays(np.dtype(np.float16), (3,)))
    grads = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        leaf.norm(p, dim=1).backward(lib.tensor(grad))
        grads.append(leaf.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0], strict=True)


def test_a_norm_of_negative_p_over_a_zero_is_zero_without_a_warning():
    """|0|^p is inf for p < 0, and the norm (sum |x|^p)^(1/p) is 0: PyTorch is silent."""
    x = np.array([[2.0, 0.0, -1.0], [0.5, 4.0, -2.0]])
    results = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            results.append(lib.tensor(x).norm(-1.0, dim=1).numpy())
    assert_close(results[1], results[0])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float32])
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_the_median_of_an_empty_tensor_is_nan_cast_to_its_dtype_as_torch(name, dtype):
    """PyTorch gives nan, or for integers nan cast to them (-2^63 for int64), without a warning."""
    results = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            results.append(getattr(lib.tensor(np.zeros(0, dtype)), name)().numpy())
    assert_close(results[1], results[0])


@pytest.mark.parametrize("dim", [0, 1, 2])
@given(data=st.data())
def test_float16_softmax_along_any_dim_is_torchs_bit_for_bit(data, dim):
    """Along the last dim PyTorch's kernel divides exp by the sum in float32; along another it
    stores exp in float16 first and scales it by 1/sum: an ulp apart in most elements."""
    x = data.draw(arrays(np.dtype(np.float16), (4, 5, 3), low=-12.0, high=12.0))
    grad = data.draw(arrays(np.dtype(np.float16), (4, 5, 3)))
    results = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        y = lib.softmax(leaf, dim)
        y.backward(lib.tensor(grad))
        results.append((y.detach().numpy(), leaf.grad.numpy()))
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(ours, theirs, strict=True)


@pytest.mark.filterwarnings("ignore:var\\(\\)|std\\(\\):UserWarning")
@pytest.mark.parametrize("correction", [3, 4])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_over_a_dim_of_at_most_correction_elements_give_torchs_gradient(name,
                                                                                   correction):
    """N - correction <= 0: the forward divides by max(0, N - correction), inf; PyTorch's backward
    by N - correction itself, 2/0 = inf where it is 0 (the gradient is then +-inf, or nan for
    std), a negative number below."""
    x = np.array([[1.0, 2.0, 4.0], [0.5, 0.5, -3.0]])
    results = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        y = getattr(leaf, name)(dim=1, correction=correction)
        y.backward(lib.tensor([1.0, -2.0]))
        results.append((y.detach().numpy(), leaf.grad.numpy()))
    for ours, theirs in zip(results[1], results[0], strict=True):
        assert_close(ours, theirs)


@pytest.mark.parametrize("dim", [0, 1, (0, 1)])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_with_keepdim_send_each_slices_gradient_to_that_slice(name, dim):
    x = np.array([[1.0, 2.0, 4.0, -1.0], [0.5, 3.0, -3.0, 2.0], [2.0, -2.0, 0.25, 1.0]])
    grads = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        y = getattr(leaf, name)(dim=dim, keepdim=True)
        y.backward(lib.arange(1.0, y.numel() + 1, dtype=lib.float64).reshape(y.shape))
        grads.append(leaf.grad.numpy())
    assert_close(grads[1], grads[0])


def test_std_of_equal_float32_values_passes_back_0_even_where_their_float32_mean_is_inexact():
    """PyTorch masks the gradient where std is 0. The backward's own float32 mean of 35 copies
    of 1.4858354e9 is 128 off (an ulp), so x - mean is not 0 there: the mask must not be
    1 instead of 0."""
    x = np.full((2, 35), 1.4858354e9, np.float32)
    x[1] = np.arange(35)
    grads = []
    for lib in (torch, mg):
        leaf = lib.tensor(x, requires_grad=True)
        leaf.std(dim=1).backward(lib.tensor(np.array([1.0, 2.0], np.float32)))
        grads.append(leaf.grad.numpy())
    assert_close(grads[1], grads[0])


# ------------------------------------------------------------- functions/layers: recurrent layers
def test_final_states_pass_back_gradients_in_the_states_dtype():
    """h_n picks each state's last step: a hook on a float32 state (not a leaf) sees a float32
    gradient, as through PyTorch's indexing and stack."""
    from minigrad.functions.layers import FinalStates

    values = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    seen = {torch: {}, mg: {}}
    for lib in (torch, mg):
        states = [lib.tensor(values + k, requires_grad=True) * 1 for k in range(2)]
        for k, s in enumerate(states):
            s.register_hook(lambda g, k=k, lib=lib: seen[lib].update({k: g.numpy().copy()}))
        if lib is torch:
            h_n = torch.stack([s[-1] for s in states])
        else:
            h_n = FinalStates.apply((-1,), *states)
        (h_n * lib.tensor(np.array([[[1.0, 2.0]], [[3.0, 4.0]]], np.float32))).sum().backward()
    for k in (0, 1):
        np.testing.assert_array_equal(seen[mg][k], seen[torch][k], strict=True)


_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def _one_layer(lib, kind: str, x, h_0, c_0, weights):
    """h_1 .. h_L of one layer over a time-major x: PyTorch's kernel (torch.rnn_tanh,
    torch.lstm, torch.gru, which nn.RNN, LSTM and GRU call), or minigrad's node with
    batch_first left at its default."""
    from minigrad.functions import layers

    if lib is torch:
        run = {"RNN": torch.rnn_tanh, "LSTM": torch.lstm, "GRU": torch.gru}[kind]
        hx = (h_0[None], c_0[None]) if kind == "LSTM" else h_0[None]
        return run(x, hx, weights, True, 1, 0.0, False, False, False)[0]
    if kind == "RNN":
        return layers.RNNLayer.apply(x, h_0, *weights, "tanh")
    if kind == "GRU":
        return layers.GRULayer.apply(x, h_0, *weights)
    return layers.LSTMLayer.apply(x, h_0, c_0, *weights, None)[..., :h_0.shape[-1]]


def _one_layer_values(kind: str) -> list[np.ndarray]:
    """x (3 steps, batch 2, 4 features), h_0, c_0 (hidden size 5), W_ih, W_hh, b_ih, b_hh."""
    rng = np.random.default_rng(7)
    rows = 5 * _GATES[kind]
    shapes = ((3, 2, 4), (2, 5), (2, 5), (rows, 4), (rows, 5), (rows,), (rows,))
    return [rng.uniform(-1, 1, shape).astype(np.float32) for shape in shapes]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_a_layer_node_reads_time_major_input_and_passes_back_float32_gradients(kind):
    """The layer node's batch_first defaults to False, as the kernels'; hooks on its inputs,
    weights and biases (not leaves) see float32 gradients, as in PyTorch."""
    values = _one_layer_values(kind)
    outputs, seen = [], {torch: {}, mg: {}}
    for lib in (torch, mg):
        inputs = [lib.tensor(v, requires_grad=True) * 1 for v in values]
        for i, t in enumerate(inputs):
            t.register_hook(lambda g, i=i, lib=lib: seen[lib].update({i: g.numpy().copy()}))
        out = _one_layer(lib, kind, *inputs[:3], inputs[3:])
        (out * out).sum().backward()
        outputs.append(out.detach().numpy())
    assert_close(outputs[1], outputs[0])
    assert seen[mg].keys() == seen[torch].keys()
    for i, theirs in seen[torch].items():
        assert seen[mg][i].dtype == theirs.dtype == np.float32, i
        assert_close(seen[mg][i], theirs)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_a_layer_nodes_two_bias_gradients_are_arrays_of_their_own(kind):
    """autograd.grad returns b_ih's and b_hh's gradients (equal for RNN and LSTM): changing one
    in place leaves the other as it was, as in PyTorch."""
    x, h_0, c_0, *weights = _one_layer_values(kind)
    results = []
    for lib in (torch, mg):
        leaves = [lib.tensor(w, requires_grad=True) for w in weights]
        out = _one_layer(lib, kind, lib.tensor(x), lib.tensor(h_0), lib.tensor(c_0), leaves)
        g_ih, g_hh = lib.autograd.grad((out * out).sum(), leaves[2:])
        g_ih.add_(1)
        results.append((g_ih.numpy(), g_hh.numpy()))
    for ours, theirs in zip(results[1], results[0], strict=True):
        assert_close(ours, theirs)


def test_a_gru_step_rounds_each_operation_to_float32_as_torch():
    """h_1 = n + z (h_0 - n) in float32, each operation rounded as PyTorch's kernel does (one
    rounding of the whole differs here), with z = sigmoid(a) and n = tanh(c) at values where
    PyTorch's sigmoid and tanh equal NumPy's."""
    from minigrad.functions.layers import GRULayer

    a = np.array([-1.6323363, 0.4004021, -1.399751, -0.26947683], np.float32)
    c = np.array([-0.33070275, 0.02407228, -0.29460028, 0.71551615], np.float32)
    h_0 = np.array([[0.3093861, -0.35179955, 0.7815248, -0.8407871]], np.float32)
    w_ih = np.concatenate([np.zeros(4, np.float32), a, c])[:, None]  # x_1 = 1: gi = [0, a, c]
    w_hh = np.zeros((12, 4), np.float32)  # gh = 0
    x = np.ones((1, 1, 1), np.float32)
    theirs = torch.gru(torch.tensor(x), torch.tensor(h_0)[None],
                       [torch.tensor(w_ih), torch.tensor(w_hh)], False, 1, 0.0, False, False,
                       False)[0].numpy()
    ours = GRULayer.apply(*(mg.tensor(v) for v in (x, h_0, w_ih, w_hh)), None, None).numpy()
    np.testing.assert_array_equal(ours, theirs, strict=True)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_gated_layers_saturate_without_warnings_as_torch(kind):
    """Pre-activations in the hundreds: exp(-a) overflows float32 in the sigmoids, which give 0
    (and PyTorch is silent), where NumPy would warn."""
    x, h_0, c_0, *weights = _one_layer_values(kind)
    outputs = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            out = _one_layer(lib, kind, lib.tensor(x * 1000), lib.tensor(h_0), lib.tensor(c_0),
                             [lib.tensor(w) for w in weights])
        outputs.append(out.numpy())
    assert_close(outputs[1], outputs[0])


# ----------------------------------------------------------------------------- nn/utils/rnn.py
@pytest.mark.parametrize("dtype", [np.float16, np.float64])
@pytest.mark.parametrize("total_length", [None, 3, 5])
def test_pad_packed_sequence_with_its_defaults_and_a_total_length_matches_torch(
    total_length, dtype
):
    """Time-major, padded with 0 of the data's dtype by default (as pad_sequence); total_length
    pads to that many steps, the longest sequence's length (3) included, the padding getting no
    gradient. pack_sequence enforces sorted lengths by default, and keeps no indices."""
    values = [np.arange(1.0, 7.0, dtype=dtype).reshape(3, 2),
              np.arange(7.0, 9.0, dtype=dtype).reshape(1, 2)]
    results = []
    for lib in (torch, mg):
        seqs = [lib.tensor(v, requires_grad=True) for v in values]
        packed = lib.nn.utils.rnn.pack_sequence(seqs)  # sorted: no indices, by default
        padded, lengths = lib.nn.utils.rnn.pad_packed_sequence(packed, total_length=total_length)
        (padded * lib.tensor(np.arange(padded.numel(), dtype=dtype).reshape(
            tuple(padded.shape)))).sum().backward()
        results.append([padded.detach().numpy(), lengths.numpy()] + [s.grad.numpy() for s in seqs]
                       + [np.array(packed.sorted_indices is None),
                          lib.nn.utils.rnn.pad_sequence(seqs).detach().numpy()])
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(ours, theirs, strict=True)


@pytest.mark.parametrize("call", [
    lambda u, lib: u.pad_sequence([]),
    lambda u, lib: u.pad_sequence([lib.zeros(2, 1)], padding_side="middle"),
    lambda u, lib: u.pad_packed_sequence(u.pack_sequence([lib.zeros(3, 1)]), total_length=2),
    lambda u, lib: u.pack_padded_sequence(lib.zeros(4, 3, 2), [3, 1, 2]),
    lambda u, lib: u.pack_padded_sequence(lib.zeros(4, 3, 2), [3, 2, 0]),
    lambda u, lib: u.pack_padded_sequence(lib.zeros(4, 3, 2), [3, 2]),
], ids=["no sequences", "padding side", "total_length", "unsorted after the first two",
        "a length of 0", "a length too few"])
def test_padding_utilities_refuse_bad_arguments_with_torchs_whole_message(call):
    errors = []
    for lib in (torch, mg):
        with pytest.raises((RuntimeError, ValueError)) as info:
            call(lib.nn.utils.rnn, lib)
        errors.append((type(info.value), str(info.value)))
    assert errors[1] == errors[0]


# ------------------------------------------------- var and std of too few elements: the warning
SPREADS = {
    "var over dim 1 of a (0, 3)": lambda lib: lib.ones(0, 3).var(dim=1),
    "var over dim 0 of a (0, 3)": lambda lib: lib.ones(0, 3).var(dim=0),
    "var of nothing, correction 0": lambda lib: lib.ones(0).var(correction=0),
    "var of 3, correction 3": lambda lib: lib.ones(3).var(correction=3),
    "var of 3, correction 2": lambda lib: lib.ones(3).var(correction=2),
    "var of 1, 2, 3, correction 3 (inf)": lambda lib: lib.tensor([1.0, 2.0, 3.0]).var(correction=3),
    "std of 3, correction 5": lambda lib: lib.ones(3).std(correction=5),
    "std over two dims": lambda lib: lib.ones(2, 3).std(dim=(0, 1), correction=6),
    "var_mean of 1": lambda lib: lib.var_mean(lib.ones(1))[0],
    "std_mean of 1": lambda lib: lib.std_mean(lib.ones(1))[0],
    "var with an infinity (no warning)": lambda lib: lib.tensor([np.inf, 1.0, 2.0]).var(),
}


@pytest.mark.parametrize("case", list(SPREADS))
def test_var_and_std_of_no_more_elements_than_the_correction_warn_as_torch(case):
    """PyTorch's UserWarning, named after the function called, from the caller's line (and
    none of NumPy's warnings or errors, even where NumPy raises them); the values are inf or
    nan as PyTorch's."""
    runs = []
    for lib in (torch, mg):
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="raise"):
            warnings.simplefilter("always")
            value = SPREADS[case](lib).numpy()
        runs.append((value, [(w.category, str(w.message).split(" (Triggered")[0], w.filename)
                             for w in caught]))
    np.testing.assert_array_equal(runs[1][0], runs[0][0])
    assert runs[1][1] == runs[0][1]


def test_a_tensor_datasets_batches_go_through_the_collate_fn_given():
    """Fetcher.fetch 7: a TensorDataset's batches skip collating only with default_collate."""
    rows = np.arange(10.0).reshape(5, 2)
    batches = []
    for lib in (torch, mg):
        dataset = lib.utils.data.TensorDataset(lib.tensor(rows))
        loader = lib.utils.data.DataLoader(dataset, batch_size=2, collate_fn=len)
        batches.append(list(loader))
    assert batches[1] == batches[0] == [2, 2, 1]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_of_one_zeroes_every_layers_output_but_the_last_like_torch(kind):
    """In training, dropout applies after each layer but the last: with p = 1 the layers after
    the first see zeros, and the output and final states are PyTorch's exactly, no mask drawn."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(2, 3, 3, dropout=1.0).double()
    ours = getattr(mg.nn, kind)(2, 3, 3, dropout=1.0).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.linspace(-1.0, 1.0, 4 * 2 * 2).reshape(4, 2, 2)
    results = []
    for module, lib in ((theirs, torch), (ours, mg)):
        output, states = module(lib.tensor(x))
        states = states if isinstance(states, tuple) else (states,)
        results.append([t.detach().numpy() for t in (output, *states)])
    for mine, torchs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(mine, torchs, rtol=1e-12, atol=0)
    assert np.abs(results[0][0]).min() > 0  # the last layer's output is not dropped


def test_dropout_between_two_layers_is_torchs_layers_with_minigrads_mask():
    """Training with 0 < p < 1: the first layer's output is dropped with probability p and the
    kept values scaled by 1/(1-p), the mask drawn as F.dropout draws it; PyTorch's two layers
    run one at a time with that mask give the same output."""
    torch.manual_seed(0)
    theirs = torch.nn.GRU(2, 3, 2, dropout=0.25).double()
    ours = mg.nn.GRU(2, 3, 2, dropout=0.25).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.linspace(-1.0, 1.0, 5 * 4 * 2).reshape(5, 4, 2)
    mg.manual_seed(3)
    output = ours(mg.tensor(x))[0].detach().numpy()
    mg.manual_seed(3)
    mask = mg.nn.functional.dropout(mg.ones(5, 4, 3, dtype=mg.float64), 0.25).numpy()
    assert set(np.unique(mask)) == {0.0, 4 / 3}
    layers = [torch.nn.GRU(n, 3).double() for n in (2, 3)]
    for k, layer in enumerate(layers):
        layer.load_state_dict({name: getattr(theirs, name.replace("l0", f"l{k}"))
                               for name, _ in layer.named_parameters()})
    expected = layers[1](layers[0](torch.tensor(x))[0] * torch.tensor(mask))[0]
    np.testing.assert_allclose(output, expected.detach().numpy(), rtol=1e-12, atol=0)


def test_an_rnns_input_dtype_is_checked_against_weight_ih_l0_like_torch():
    """The input's dtype is compared with the first weight's (weight_ih_l0), not another's."""
    errors = []
    for lib in (torch, mg):
        rnn = lib.nn.RNN(2, 3).double()
        rnn.weight_hh_l0.data = rnn.weight_hh_l0.data.float()
        with pytest.raises(ValueError) as info:
            rnn(lib.zeros(4, 1, 2))
        errors.append(str(info.value).replace("torch.", "").replace("minigrad.", ""))
    assert errors[1] == errors[0]


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.LSTM(2, 3).double()(
        lib.zeros(4, 1, 2, dtype=lib.float64),
        (lib.zeros(1, 1, 3, dtype=lib.float32), lib.zeros(1, 1, 3, dtype=lib.float64))),
    lambda lib: lib.nn.LSTM(2, 3).double()(
        lib.zeros(4, 1, 2, dtype=lib.float64),
        (lib.zeros(1, 1, 3, dtype=lib.float64), lib.zeros(1, 1, 3, dtype=lib.float32))),
    lambda lib: lib.nn.GRU(2, 3)(lib.zeros(0, 1, 2)),
], ids=["a float32 h_0", "a float32 c_0", "no steps"])
def test_an_lstms_h_0_dtype_and_an_empty_sequence_are_checked_like_torch(call):
    """h_0's dtype meets the weights' at the first product (c_0's, added later, is not checked),
    and a sequence of no steps is refused with PyTorch's whole message."""
    outcomes = []
    for lib in (torch, mg):
        try:
            call(lib)
            outcomes.append("ran")
        except RuntimeError as error:
            outcomes.append(str(error))
    assert outcomes[1] == outcomes[0]


def test_a_packed_float16_sequence_runs_in_float16_like_torch():
    """The zeros that pad a packed batch's ended sequences take the data's dtype, so a float16
    batch stays float16 (float32 zeros would promote it, and the weights would refuse it).
    The values are not compared: minigrad's float16 steps are 1 or 2 ulp from PyTorch's."""
    x = np.linspace(-1.0, 1.0, 3 * 2 * 2).reshape(3, 2, 2)
    torch.manual_seed(0)
    theirs = torch.nn.RNN(2, 3).half()
    ours = mg.nn.RNN(2, 3).half()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    outputs = [module(lib.nn.utils.rnn.pack_padded_sequence(lib.tensor(x, dtype=lib.float16),
                                                            [3, 2]))[0].data
               for module, lib in ((theirs, torch), (ours, mg))]
    assert (outputs[1].dtype, outputs[1].shape) == (mg.float16, (5, 3))
    assert (outputs[0].dtype, outputs[0].shape) == (torch.float16, (5, 3))


# ------------------------------------------------------- recurrent layers: a weight's dtype
@pytest.mark.parametrize("kind, options, lowered, float32_h_0", [
    ("RNN", {}, ["weight_hh_l0"], False),
    ("RNN", {}, ["bias_hh_l0"], False),
    ("GRU", {"num_layers": 2, "bidirectional": True}, ["weight_ih_l1_reverse"], False),
    ("LSTM", {"num_layers": 2}, ["weight_ih_l1", "bias_ih_l1"], False),
    ("LSTM", {"proj_size": 2}, ["weight_hr_l0"], False),
    ("GRU", {"bias": False}, ["weight_hh_l0"], False),
    ("RNN", {}, ["bias_ih_l0", "weight_hh_l0"], False),
    ("RNN", {}, ["weight_hh_l0", "bias_hh_l0"], False),
    ("LSTM", {}, ["weight_hh_l0"], True),
    ("RNN", {"bias": False}, [], True),
])
def test_a_recurrent_layer_with_a_weight_of_another_dtype_fails_at_torchs_first_product(
        kind, options, lowered, float32_h_0):
    """A float64 layer with some parameters made float32 refuses a float64 input as PyTorch's
    kernel does, at the first product whose operands differ: layer by layer, x W_ih^T + b_ih
    before h W_hh^T + b_hh, a bias against its weight before the other operand, and without a
    bias in matmul's words. (Only weight_ih_l0 is compared with the input before that.)"""
    errors = []
    for lib in (torch, mg):
        torch.manual_seed(0)
        layer = getattr(lib.nn, kind)(3, 4, **options).double()
        for name in lowered:
            setattr(layer, name, lib.nn.Parameter(getattr(layer, name).detach().float()))
        args: list = [lib.zeros(5, 2, 3, dtype=lib.float64)]
        if float32_h_0:
            h_0 = lib.zeros(1, 2, 4, dtype=lib.float32)
            args.append((h_0, lib.zeros(1, 2, 4, dtype=lib.float64)) if kind == "LSTM" else h_0)
        with pytest.raises(RuntimeError) as info:
            layer(*args)
        errors.append(str(info.value))
    assert errors[1] == errors[0]


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell", "Linear"])
def test_a_cell_or_linear_whose_weight_alone_is_float32_names_the_bias_first_like_torch(kind):
    """addmm, which PyTorch's linear and cells run, checks the bias against the weight before
    the input: a float32 weight with a float64 bias and input is "self and mat2"."""
    errors = []
    for lib in (torch, mg):
        module = getattr(lib.nn, kind)(3, 4).double()
        name = "weight" if kind == "Linear" else "weight_hh"
        setattr(module, name, lib.nn.Parameter(getattr(module, name).detach().float()))
        with pytest.raises(RuntimeError) as info:
            module(lib.zeros(2, 3, dtype=lib.float64))
        errors.append(str(info.value))
    assert errors[1] == errors[0] == (
        "self and mat2 must have the same dtype, but got Double and Float")


# ------------------------------------------------------------------- pack_padded_sequence
@pytest.mark.parametrize("as_tensor", [False, True, "requiring grad"])
def test_pack_padded_sequence_truncates_float_lengths_to_integers_like_torch(as_tensor):
    """PyTorch reads the lengths as int64 (torch.as_tensor), truncating 2.5 and 1.5 to 2 and
    1, from a list or from a tensor, even one that requires grad."""
    x = np.arange(6.0).reshape(3, 2)
    packed = []
    for lib in (torch, mg):
        lengths = [2.5, 1.5]
        if as_tensor:
            lengths = lib.tensor(lengths, requires_grad=as_tensor == "requiring grad")
        packed.append(lib.nn.utils.rnn.pack_padded_sequence(lib.tensor(x), lengths))
    assert packed[1].batch_sizes.tolist() == packed[0].batch_sizes.tolist() == [2, 1]
    assert packed[1].data.tolist() == packed[0].data.tolist()


# ------------------------------------------------------------------------------- LSTMCell
@pytest.mark.parametrize("states", [1, 2, 3, "a tensor"])
def test_lstm_cell_takes_a_pair_of_states_and_refuses_others_like_torch(states):
    """(h, c) as a pair, in a tuple or a list; a tensor alone or another count is refused with
    PyTorch's exception and whole message."""
    outcomes = []
    for lib in (torch, mg):
        cell = lib.nn.LSTMCell(3, 5)
        h = lib.zeros(2, 5)
        hx = h if states == "a tensor" else [h] * states
        try:
            cell(lib.zeros(2, 3), hx)
            outcomes.append("ran")
        except (TypeError, RuntimeError) as error:
            outcomes.append((type(error).__name__, str(error)))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_an_unknown_keyword_of_rnn_or_gru_is_refused_in_torchs_words(kind):
    """PyTorch's RNN and GRU pass their keywords on to RNNBase.__init__, which names itself."""
    messages = []
    for lib in (torch, mg):
        with pytest.raises(TypeError) as info:
            getattr(lib.nn, kind)(3, 5, foo=1, bar=2)
        messages.append(str(info.value))
    assert messages[1] == messages[0] == (
        "RNNBase.__init__() got an unexpected keyword argument 'foo'")


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_of_hidden_size_0_and_1_build_like_torch(kind):
    """hidden_size 0 gives empty parameters (no division by zero), and hidden_size 1 draws
    them from U(-1, 1), not all zero."""
    for lib in (torch, mg):
        empty = getattr(lib.nn, kind)(3, 0)
        assert [tuple(p.shape) for p in empty.parameters()] == [(0, 3), (0, 0), (0,), (0,)]
        lib.manual_seed(0)
        values = np.concatenate([p.detach().numpy().ravel()
                                 for p in getattr(lib.nn, kind)(3, 1).parameters()])
        assert np.abs(values).max() <= 1.0 and np.count_nonzero(values) == len(values)


def test_an_lstm_projected_to_one_feature_runs_like_torch():
    """proj_size=1 is a projection too: weight_hr_l0 (1, hidden_size), h_t of one feature."""
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 4, proj_size=1).double()
    ours = mg.nn.LSTM(3, 4, proj_size=1).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert [(n, p.shape) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    x = np.linspace(-1.0, 1.0, 5 * 2 * 3).reshape(5, 2, 3)
    expected, (h_n, c_n) = theirs(torch.tensor(x))
    actual, states = ours(mg.tensor(x))
    for a, e in zip((actual, *states), (expected, h_n, c_n)):
        np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("states", ["one", "three", "a 2-D h_0", "a 2-D c_0"])
def test_an_lstms_states_are_a_pair_of_3d_tensors_or_refused_like_torch(states):
    """One state is an IndexError, three PyTorch's kernel refuses, and h_0 and c_0 are each
    checked for the input's number of dims."""
    outcomes = []
    for lib in (torch, mg):
        h, flat = lib.zeros(1, 2, 5), lib.zeros(2, 5)
        hx = {"one": (h,), "three": (h, h, h), "a 2-D h_0": (flat, h),
              "a 2-D c_0": (h, flat)}[states]
        with pytest.raises((IndexError, RuntimeError)) as info:
            lib.nn.LSTM(3, 5)(lib.zeros(4, 2, 3), hx)
        outcomes.append((info.type, str(info.value)))
    assert outcomes[1] == outcomes[0]


# ---------------------------------------------------------------------------------- nn.init
def test_orthogonal_of_a_3d_weight_with_a_gain_and_a_generator_of_its_own_is_torchs():
    """orthogonal_ draws from the generator given (the global one stays where it was), views a
    (4, 3, 2) weight as 4 x 6, multiplies Q by the gain and writes the tensor twice, as
    PyTorch's copy and multiplication do. (Q to the dtype's rounding: both libraries use
    LAPACK, not the same build.)"""
    results = []
    for lib in (mg, torch):
        lib.manual_seed(0)
        generator = lib.Generator().manual_seed(7)
        t = lib.zeros(4, 3, 2, dtype=lib.float64)
        lib.nn.init.orthogonal_(t, gain=2.0, generator=generator)
        results.append((t.numpy().copy(), t._version, lib.rand(1).item(),
                        lib.rand(1, generator=generator).item()))
    (ours, *our_rest), (theirs, *their_rest) = results
    assert_close(ours, theirs, scale=4)
    assert our_rest == their_rest


def test_sparse_draws_with_a_default_std_of_one_hundredth_like_torch():
    results = []
    for lib in (mg, torch):
        lib.manual_seed(3)
        t = lib.zeros(6, 4)
        lib.nn.init.sparse_(t, 0.5)
        results.append(t.numpy().copy())
    np.testing.assert_array_equal(results[0], results[1])


def test_each_init_function_moves_the_version_on_as_torchs_writes_do():
    """Each initialiser adds its in-place writes to the version the tensor had (orthogonal_ 2:
    PyTorch copies Q in, then multiplies by the gain; trunc_normal_ 2 if it redrew a value, by
    either method: it copies the redrawn result over its first draw)."""
    versions = []
    for lib in (mg, torch):
        lib.manual_seed(0)
        t = lib.zeros(4, 3)
        seen = []
        trunc = lib.nn.init.trunc_normal_
        for init in (lib.nn.init.uniform_, lib.nn.init.orthogonal_, lib.nn.init.normal_,
                     lib.nn.init.orthogonal_, lib.nn.init.zeros_, lib.nn.init.eye_,
                     partial(trunc, a=-10.0, b=10.0),  # normal draws, none outside
                     partial(trunc, a=-1.0, b=1.0),  # normal draws, some outside
                     partial(trunc, a=2.0, b=3.0),  # uniform draws, some rejected
                     partial(trunc, mean=0.25, std=100.0, a=0.0, b=0.5)):  # none rejected
            init(t)
            seen.append(t._version)
        versions.append(seen)
    assert versions[0] == versions[1]


def test_fans_of_a_1d_tensor_are_refused_with_torchs_whole_message():
    messages = []
    for lib in (mg, torch):
        with pytest.raises(ValueError) as info:
            lib.nn.init.xavier_uniform_(lib.zeros(3))
        messages.append(str(info.value))
    assert messages[0] == messages[1] == (
        "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")


@given(start=parameters())
def test_sgd_dampening_of_minus_one_adds_twice_the_gradient_as_pytorch(start):
    """PyTorch does not bound dampening: at -1 the buffer grows by (1 - dampening)·g = 2g a
    step, an `add_` whose alpha is 2."""
    follow(lambda lib, ps: lib.optim.SGD(ps, lr=0.01, momentum=0.9, dampening=-1.0), start)


@pytest.mark.parametrize("optimizer, kwargs", [
    ("SGD", dict(lr=1e-3, momentum=0.9)), ("Adam", dict(lr=1e-3)),
], ids=["SGD", "Adam"])
def test_a_float32_parameter_of_no_elements_steps_as_in_pytorch(optimizer, kwargs):
    """An empty parameter steps without error and keeps its (empty) state, in float32 too,
    where the single-rounding emulation looks for subnormal sums among no elements."""
    states = []
    for lib in (mg, torch):
        param = lib.zeros(0, 3, requires_grad=True)
        opt = getattr(lib.optim, optimizer)([param], **kwargs)
        for _ in range(2):
            param.grad = lib.zeros(0, 3)
            opt.step()
        states.append({k: tuple(v.shape) for k, v in opt.state[param].items()})
    assert states[0] == states[1]


# ----------------------------------- functions/reduce.py: softmax helpers, norms, products, scans
@pytest.mark.parametrize("dim", [0, 1, 2])
@given(data=st.data())
def test_float16_log_softmax_along_any_dim_is_torchs_bit_for_bit(data, dim):
    """PyTorch's kernel exponentiates and adds up in float32, then along the last dim rounds
    the sum to float16 before its log, along another takes the log of the float32 sum."""
    x = data.draw(arrays(np.dtype(np.float16), (4, 5, 3), low=-12.0, high=12.0))
    results = [lib.log_softmax(lib.tensor(x), dim).numpy() for lib in (torch, mg)]
    np.testing.assert_array_equal(results[1], results[0], strict=True)


@pytest.mark.parametrize("name", ["logsumexp", "log_softmax", "softmax"])
def test_the_log_of_an_empty_dims_sum_is_silent_as_in_torch(name):
    """logsumexp over an empty dim is -inf, log(0), and PyTorch gives it without a warning."""
    results = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            results.append(getattr(lib.tensor(np.zeros((2, 0))), name)(1).numpy())
    assert_close(results[1], results[0])


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, -1.0, np.inf, -np.inf])
@pytest.mark.parametrize("dim", [None, 1, (0, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_order_of_norm_over_slices_of_several_elements_is_torchs(p, dim, dtype):
    """Each order's own formula (0: the count of nonzeros; -inf: the smallest |x|), over slices
    of several elements with a zero in some, and its gradient (none for the count)."""
    x = np.round(np.random.default_rng(0).uniform(-3, 3, (2, 3, 4)), 2).astype(dtype)
    x[0, 1, 2] = x[1, 0, 0] = x[1, 2, 3] = 0
    results = []
    for lib in (torch, mg):
        t = lib.tensor(x, requires_grad=True)
        y = t.norm(p, dim)
        y.sum().backward()
        results.append((y.detach().numpy(), t.grad))
    (ours, our_grad), (theirs, their_grad) = results[1], results[0]
    assert_close(ours, theirs)
    assert (our_grad is None) == (their_grad is None)
    if their_grad is not None:
        assert_close(our_grad.numpy(), their_grad.numpy())


@pytest.mark.parametrize("dim", [0, 1, 2, None])
@given(data=st.data())
def test_a_float16_product_rounds_each_product_in_turn_as_torch(data, dim):
    """PyTorch's kernel multiplies float16 in float16, left to right: carried in float32 and
    rounded once, the product is an ulp off in a third of the slices."""
    x = data.draw(arrays(np.dtype(np.float16), (4, 5, 3), low=-3.0, high=3.0))
    results = [(lib.tensor(x).prod() if dim is None else lib.tensor(x).prod(dim)).numpy()
               for lib in (torch, mg)]
    np.testing.assert_array_equal(results[1], results[0], strict=True)


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)])
def test_the_float16_product_of_an_empty_tensor_or_slice_is_1_as_torch(shape):
    """The product of no numbers is 1: over the whole tensor, and along an empty dim."""
    x = np.zeros(shape, np.float16)
    for dim in (None, *range(len(shape))):
        results = [(lib.tensor(x).prod() if dim is None else lib.tensor(x).prod(dim)).numpy()
                   for lib in (torch, mg)]
        np.testing.assert_array_equal(results[1], results[0], strict=True)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_product_beyond_the_dtypes_range_is_inf_without_a_warning_as_torch(dtype):
    """300 · 300 overflows float16 before the 0.001 comes: PyTorch's float16 product is inf."""
    big = float(np.finfo(dtype).max) ** 0.5 * 2
    x = np.array([[big, big, 0.001], [1.5, -2.0, 0.25]], dtype)
    results = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            results.append((lib.tensor(x).prod(1).numpy(), lib.tensor(x).prod().numpy()))
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(ours, theirs, strict=True)


# --------------------------------------------------------------------- norm of underflowing values
@pytest.mark.parametrize(("p", "tiny"), [(3.0, 1e-120), (1.5, 1e-300), (4.0, 1e-90), (2.5, 1e-150)])
def test_a_norm_whose_powers_underflow_to_0_passes_no_gradient_as_torch(p, tiny):
    """A slice whose p-th powers all underflow has norm 0, where PyTorch's gradient is 0 even
    though x |x|^(p-2) itself is not (x = 1e-120, p = 3: 1e-240); the other slice is ordinary."""
    grads = []
    for lib in (torch, mg):
        x = lib.tensor([[tiny, -2 * tiny], [1.0, 2.0]], dtype=lib.float64, requires_grad=True)
        x.norm(p, dim=1).sum().backward()
        grads.append(x.grad.numpy())
    assert np.array_equal(grads[1][0], grads[0][0])  # zeros, each with PyTorch's sign
    assert np.array_equal(np.signbit(grads[1][0]), np.signbit(grads[0][0]))
    assert_close(grads[1][1], grads[0][1])


# ------------------------------------------------------------------- nn/functional: the losses
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_with_weight_0_for_a_class_of_log_probability_minus_inf_is_silent_as_torch(
    reduction,
):
    """A class of probability 0 (log-probability -inf) weighed 0 and never the target: only
    the targets' log-probabilities are read, so nothing is -inf · 0, and PyTorch is silent."""
    logp = np.array([[-np.inf, -1.5, -0.25], [-np.inf, -0.5, -1.0]])
    results = []
    for lib in (torch, mg):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
            results.append(lib.nn.functional.nll_loss(
                lib.tensor(logp), lib.tensor([2, 1]), weight=lib.tensor(np.array([0.0, 1.0, 2.0])),
                reduction=reduction).numpy())
    assert_close(results[1], results[0])
