"""The autograd API beside Tensor.backward: PyTorch's custom Function, autograd.grad and
autograd.backward (each run in both libraries and compared), and the backward-pass trace."""

import threading

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import arrays, broadcastable_shapes
from support import assert_close

import minigrad as mg

LIBS = (mg, torch)
vectors = hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-3, 3))


def make_scaled_exp(lib):
    """A custom op written once for both libraries: y = exp(k x), dy/dx = k y, no gradient for
    the plain number k."""

    class ScaledExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            y = (x * k).exp()
            ctx.save_for_backward(y)
            ctx.k = k
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y * ctx.k, None

    return ScaledExp


def make_weighted_product(lib):
    """Two tensor inputs; the backward only computes what needs_input_grad asks for."""

    class WeightedProduct(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b * 2

        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            need_a, need_b = ctx.needs_input_grad
            return (grad_output * b * 2 if need_a else None,
                    grad_output * a * 2 if need_b else None)

    return WeightedProduct


@given(vectors, st.floats(-2, 2))
def test_custom_function_values_and_gradients_match_torch(x, k):
    results = {}
    for lib in LIBS:
        t = lib.tensor(x, requires_grad=True)
        y = make_scaled_exp(lib).apply(t, k)
        (y * y).sum().backward()
        results[lib] = (y, t.grad)
    assert_close(results[mg][0], results[torch][0])
    assert_close(results[mg][1], results[torch][1])


@given(vectors, st.booleans())
def test_custom_function_needs_input_grad_and_gradients_match_torch(x, b_requires_grad):
    results = {}
    for lib in LIBS:
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(x[::-1].copy(), requires_grad=b_requires_grad)
        make_weighted_product(lib).apply(a, b).sum().backward()
        results[lib] = (a.grad, b.grad)
    assert_close(results[mg][0], results[torch][0])
    if b_requires_grad:
        assert_close(results[mg][1], results[torch][1])
    else:
        assert results[mg][1] is None and results[torch][1] is None


def test_custom_function_output_is_recorded_with_its_name_and_forward_records_nothing():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = {}

    class Probe(mg.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            inner = t * 3
            seen["inner_requires_grad"] = inner.requires_grad
            return inner

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 3

    y = Probe.apply(x)
    assert seen["inner_requires_grad"] is False  # forward runs with grad mode off, as torch
    assert y.requires_grad and type(y.grad_fn).__name__ == "Probe"


@given(vectors, st.floats(-2, 2))
def test_a_custom_functions_output_written_in_place_before_backward_is_refused_as_torch(x, k):
    """ScaledExp saves its output y: `y.mul_(2)` moves the version of the very tensor apply
    returned, and backward refuses as PyTorch's does."""
    messages = {}
    for lib in LIBS:
        y = make_scaled_exp(lib).apply(lib.tensor(x, requires_grad=True), k)
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
            y.sum().backward()
        messages[lib] = str(error.value).split("]", 1)[1].split(". Hint")[0].rstrip(".")
    assert messages[mg] == messages[torch]


@pytest.mark.parametrize("saved", ["a constant leaf", "a custom Function's input"])
def test_the_error_for_a_saved_tensor_written_in_place_names_its_maker_as_torch(saved):
    """A leaf has no maker: the message says none; a non-leaf written in place (a.add_(1)) is
    the output of that write, whichever node saved it."""
    messages = []
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        c = lib.tensor([3.0, 4.0], dtype=lib.float64)
        a = x * 2
        y = x * c if saved == "a constant leaf" else make_weighted_product(lib).apply(a, c)
        (c if saved == "a constant leaf" else a).add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
            y.sum().backward()
        messages.append(str(error.value).split("]", 1)[1].split(". Hint")[0].rstrip("."))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("value", [2.5, np.array([1.0, 2.0]), None], ids=["float", "array", "None"])
def test_a_custom_forward_that_returns_no_tensor_gives_it_back_unrecorded_as_torch(value):
    for lib in LIBS:

        class NotATensor(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return value

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output

        assert NotATensor.apply(lib.tensor([1.0, 2.0], requires_grad=True)) is value


def make_identity_saving_its_input(lib):
    """A forward that returns its input itself (the array, for minigrad's ArrayFunction) and
    saves it: dy/dx = 1, computed as grad * x / x so that backward reads x."""
    base = mg.autograd.ArrayFunction if lib is mg else torch.autograd.Function

    class SameInput(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x / x

    return SameInput


def test_an_input_returned_as_the_output_and_written_in_place_is_refused_in_backward_as_torch():
    for lib in LIBS:
        h = lib.tensor([1.0, 2.0], requires_grad=True) * 1
        y = make_identity_saving_its_input(lib).apply(h)
        h.add_(1)
        with pytest.raises(RuntimeError):
            y.sum().backward()


def programs(lib, x, w):
    """Three outputs of two inputs, one of them a non-leaf."""
    h = x * w
    return h, [(h.tanh() * w).sum(), (h * h).sum(), h.exp().mean()]


@given(vectors, st.integers(0, 2), st.booleans())
def test_grad_returns_torchs_gradients_without_touching_dot_grad(x, which, of_nonleaf):
    results = {}
    for lib in LIBS:
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(np.cos(x), requires_grad=True)
        h, outs = programs(lib, xt, wt)
        inputs = [h, wt] if of_nonleaf else [xt, wt]
        results[lib] = lib.autograd.grad(outs[which], inputs)
        assert xt.grad is None and wt.grad is None
    for m, t in zip(results[mg], results[torch]):
        assert_close(m, t)


@given(vectors)
def test_grad_with_grad_outputs_of_several_outputs_matches_torch(x):
    results = {}
    for lib in LIBS:
        xt = lib.tensor(x, requires_grad=True)
        a, b = xt.tanh(), xt * xt
        seeds = [lib.tensor(np.linspace(-1, 1, x.size)), lib.tensor(np.ones(x.size))]
        results[lib] = lib.autograd.grad([a, b], xt, grad_outputs=seeds)
    assert_close(results[mg][0], results[torch][0])


@pytest.mark.parametrize("order", [(0, 1, 2), (1, 2, 0)], ids=["x first", "unused first"])
def test_grad_of_an_unused_input_raises_unless_allow_unused_as_torch(order):
    """The message names the first input not used, by its index."""
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        unused = [lib.tensor([3.0], requires_grad=True), lib.tensor([4.0], requires_grad=True)]
        inputs = [[x, *unused][k] for k in order]
        message = (f"^The differentiated Tensor at index {order.index(1)} appears to not have "
                   "been used in the graph. Set allow_unused=True if this is the desired "
                   "behavior.$")
        with pytest.raises(RuntimeError, match=message):
            lib.autograd.grad((x * x).sum(), inputs)
        grads = lib.autograd.grad((x * x).sum(), inputs, allow_unused=True)
        assert [g is None for g in grads] == [k != 0 for k in order]
        assert grads[order.index(0)].tolist() == [2.0, 4.0]


def test_grad_of_several_outputs_without_grad_outputs_adds_their_gradients_as_torch():
    results = []
    for lib in LIBS:
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        results.append(lib.autograd.grad([(x * x).sum(), x.tanh().sum()], x)[0])
    assert_close(results[0], results[1])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_grad_gives_gradients_in_each_inputs_dtype_as_torch(dtype):
    results = []
    for lib in LIBS:
        x = lib.tensor(np.array([1.0, -2.0, 0.5], dtype), requires_grad=True)
        results.append(lib.autograd.grad((x * x).sum(), x)[0].numpy())
    np.testing.assert_array_equal(results[1], results[0], strict=True)


def test_grad_of_an_input_listed_twice_gives_its_gradient_at_both_places_as_torch():
    results = []
    for lib in LIBS:
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        h = x * 2
        results.append([g.tolist() for g in lib.autograd.grad((h * h).sum(), [h, x, h])])
    assert results[0] == results[1]


def test_a_gradient_passed_through_unchanged_is_the_memory_of_grad_outputs_as_torch():
    """PyTorch hands back the grad_outputs tensor itself where no node changed it: writing
    into the gradient writes into grad_outputs (and an input listed twice gets one tensor)."""
    results = []
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seed = lib.tensor([0.5, -1.0])
        (g,) = lib.autograd.grad(x + 1, x, seed)
        g.mul_(4)
        g1, g2 = lib.autograd.grad((x * x).sum(), [x, x])
        g1.add_(1)
        results.append((seed.tolist(), g2.tolist()))
    assert results[0] == results[1]


def test_a_gradient_of_a_mean_can_be_written_to_in_place_as_torch():
    """minigrad's backward of mean broadcasts the gradient (a read-only NumPy view); grad
    copies such a one, so that writing into it works, as it does on PyTorch's."""
    results = []
    for lib in LIBS:
        x = lib.ones(3, 2, requires_grad=True)
        (g,) = lib.autograd.grad(x.mean(0).sum(), x)
        g.mul_(3)
        results.append(g.tolist())
    assert results[0] == results[1]


def test_grad_refuses_an_input_that_does_not_require_grad_as_torch():
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        constant = lib.tensor([3.0, 4.0])
        with pytest.raises(RuntimeError,
                           match="^One of the differentiated Tensors does not require grad$"):
            lib.autograd.grad((x * constant).sum(), [x, constant])


def test_grad_refuses_create_graph_naming_what_minigrad_lacks():
    """PyTorch builds a graph of the backward pass (for second derivatives); minigrad says it
    does not rather than return gradients that cannot be differentiated again."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError,
                       match="^minigrad does not build graphs of the backward pass$"):
        mg.autograd.grad((x * x).sum(), x, create_graph=True)


BAD_SECOND_OUTPUTS = {  # (second output, its seed) -> PyTorch's message, which names index 1
    "not requiring grad": (lambda lib, x: lib.ones(2), lambda lib: lib.ones(2),
                           "element 1 of tensors does not require grad and does not have a "
                           "grad_fn"),
    # (PyTorch finds the index by comparing the outputs with ==: they must be 0-d and differ)
    "seed of another shape": (lambda lib, x: (x * 3).sum(), lambda lib: lib.ones(1),
                              r"Mismatch in shape: grad_output\[1\] has a shape of "
                              r"torch.Size\(\[1\]\) and output\[1\] has a shape of "
                              r"torch.Size\(\[\]\)."),
}


@pytest.mark.parametrize("call", ["autograd.backward", "autograd.grad"])
@pytest.mark.parametrize("case", list(BAD_SECOND_OUTPUTS))
def test_a_bad_second_output_is_named_by_its_index_as_torch(case, call):
    second, seed, message = BAD_SECOND_OUTPUTS[case]
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        outputs, seeds = [(x * x).sum(), second(lib, x)], [lib.tensor(2.0), seed(lib)]
        with pytest.raises(RuntimeError, match=f"^{message}$"):
            if call == "autograd.backward":
                lib.autograd.backward(outputs, seeds)
            else:
                lib.autograd.grad(outputs, x, seeds)


def test_grad_frees_the_graph_unless_retain_graph_as_torch():
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        lib.autograd.grad(y, x, retain_graph=True)
        lib.autograd.grad(y, x)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.grad(y, x)


@given(vectors)
def test_autograd_backward_of_several_outputs_accumulates_as_torch(x):
    results = {}
    for lib in LIBS:
        xt = lib.tensor(x, requires_grad=True)
        h = xt * 2
        lib.autograd.backward([(h * h).sum(), h.tanh().sum()])
        results[lib] = xt.grad
    assert_close(results[mg], results[torch])


def test_autograd_backward_keeps_the_graph_for_another_pass_with_retain_graph_as_torch():
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        lib.autograd.backward(y, retain_graph=True)
        lib.autograd.backward(y)
        assert x.grad.tolist() == [4.0, 8.0]
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.backward(y)


def test_trace_visits_every_node_once_in_a_dependency_respecting_order():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = mg.tensor([0.5, 0.25, 2.0], requires_grad=True)
    h = x * w
    loss = (h.tanh() + h).sum()
    with mg.autograd.trace() as t:
        loss.backward()
    names = [s.name for s in t]
    assert names[0] == "SumBackward"
    assert names.count("MulBackward") == 1  # h has two consumers but is visited once
    assert names.index("AddBackward") < names.index("TanhBackward") < names.index("MulBackward")
    assert sum(n.startswith("AccumulateGrad") for n in names) == 2
    text = str(t)
    assert "MulBackward" in text and "grad in" in text


def test_trace_norms_are_the_gradients_torch_computes():
    x_np = np.array([1.0, -2.0, 3.0])
    tx = torch.tensor(x_np, requires_grad=True)
    (tx * tx).tanh().sum().backward()
    x = mg.tensor(x_np, requires_grad=True)
    with mg.autograd.trace() as t:
        (x * x).tanh().sum().backward()
    leaf_row = [s for s in t if s.name.startswith("AccumulateGrad")][0]
    assert leaf_row.grad_norm == pytest.approx(float(tx.grad.norm()), rel=1e-12)
    mul_row = [s for s in t if s.name == "MulBackward"][0]
    assert mul_row.grad_shape == (3,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trace_norms_of_a_gradient_are_its_exact_norm_whatever_its_dtype(dtype):
    """The gradient of (x * c).sum() at x is c itself; its norm is summed in float64 (torch's
    `c.double().norm()`), not in c's dtype."""
    c = np.array([1.1, 2.3, 3.7, -0.9], dtype)
    x = mg.tensor(np.zeros(4, dtype), requires_grad=True)
    with mg.autograd.trace() as t:
        (x * mg.tensor(c)).sum().backward()
    (leaf_row,) = [s for s in t if s.name.startswith("AccumulateGrad")]
    assert leaf_row.grad_norm == pytest.approx(float(torch.tensor(c).double().norm()), rel=1e-12)


def make_first_gets_none(lib):
    """a * b whose backward passes no gradient (None) to a, which requires one."""

    class FirstGetsNone(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad_output):
            return None, grad_output

    return FirstGetsNone


def test_a_node_that_no_gradient_reaches_is_traced_as_torchs_hooks_see_it():
    """The trace's rows are what hooks on PyTorch's nodes see: each node's incoming gradient
    (None where none arrived: MulBackward here) and one gradient per input that takes one (None
    for a)."""
    def norm(g):
        return None if g is None else float(g.double().norm())

    seen = []

    def recorder(node):
        def hook(grad_inputs, grad_outputs):
            outs = [norm(g) for (fn, _), g in zip(node.next_functions, grad_inputs)
                    if fn is not None]
            seen.append((norm(grad_outputs[0]), outs))
        return hook

    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    loss = make_first_gets_none(torch).apply(x * 2, x).sum()
    node = loss.grad_fn
    while node is not None:
        node.register_hook(recorder(node))
        node = next((fn for fn, _ in node.next_functions if fn is not None), None)
    loss.backward()

    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with mg.autograd.trace() as t:
        make_first_gets_none(mg).apply(x * 2, x).sum().backward()
    assert [s.name for s in t][:3] == ["SumBackward", "FirstGetsNoneBackward", "MulBackward"]
    assert [(s.grad_norm, s.input_grad_norms) for s in t][:3] == seen[:3]
    assert [s.grad_shape for s in t][:3] == [(), (2,), None]
    assert str(t) == "\n".join([  # "-" where there is no gradient; 1.414 is sqrt(2)
        "#  node                   grad in: shape  norm   grads out: norms",
        "-  ---------------------  --------------  -----  ----------------",
        "0  SumBackward            []              1      1.414",
        "1  FirstGetsNoneBackward  [2]             1.414  -, 1.414",
        "2  MulBackward            -               -      -",
        "3  AccumulateGrad [2]     [2]             1.414  -",
    ])


def test_trace_records_nothing_outside_its_block_and_restores_after_an_error():
    from minigrad.autograd import engine

    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        with mg.autograd.trace():
            raise ZeroDivisionError
    assert engine._tracer.current is None
    with mg.autograd.trace() as t:
        pass
    (x * 2).sum().backward()
    assert len(t) == 0


@pytest.mark.parametrize("bad", [0, 1])
def test_a_custom_backward_returning_a_wrong_shape_raises_as_torch(bad):
    """The error names the index of the wrong gradient, also when one tensor is both inputs."""
    for lib in LIBS:

        class SumInsteadOfGrad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, grad_output):
                grads = [grad_output, grad_output]
                grads[bad] = grad_output.sum()  # a 0-d gradient for a [3] input
                return tuple(grads)

        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        message = (rf"returned an invalid gradient at index {bad} - got \[\] but expected "
                   r"shape compatible with \[3\]")
        with pytest.raises(RuntimeError, match=message):
            SumInsteadOfGrad.apply(x, x).sum().backward()


# ---------------------------------------------------------------------- gradient shapes
def make_unreduced_product(lib, array_level=False):
    """a * b whose backward returns both gradients in the broadcast shape (grad * b has grad's
    shape), leaving the sum back to each input's shape to the engine, which PyTorch's engine
    does for any node."""
    base = mg.autograd.ArrayFunction if array_level else lib.autograd.Function

    class UnreducedProduct(base):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a

    return UnreducedProduct


@given(st.data(), broadcastable_shapes(2), st.booleans())
def test_a_gradient_in_the_broadcast_shape_is_summed_to_the_inputs_shape_as_torch(
        data, shapes, array_level):
    a, b = (data.draw(arrays(np.dtype(np.float64), s)) for s in shapes)
    grads = {}
    for lib in LIBS:
        ta, tb = (lib.tensor(v, requires_grad=True) for v in (a, b))
        make_unreduced_product(lib, array_level and lib is mg).apply(ta, tb).sum().backward()
        grads[lib] = ta.grad, tb.grad
    for ours, theirs in zip(grads[mg], grads[torch]):
        assert ours.shape == tuple(theirs.shape)
        assert_close(ours, theirs)


def make_wrong_shape(lib, array_level=False):
    """x * 2 whose backward returns its gradient with the last element cut off."""
    base = mg.autograd.ArrayFunction if array_level else lib.autograd.Function

    class Truncated(base):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad[..., :-1] * 2

    return Truncated


@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), st.booleans())
def test_a_backward_returning_a_gradient_of_another_shape_raises_as_torch(shape, array_level):
    messages = {}
    for lib in LIBS:
        x = lib.ones(shape, dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError) as error:
            make_wrong_shape(lib, array_level and lib is mg).apply(x).sum().backward()
        messages[lib] = str(error.value)
        assert x.grad is None
    assert messages[mg] == messages[torch]


# ---------------------------------------------------------------------- one template
def _node(t):
    """What a recorded node is made of: its edges, needs_input_grad, output shape, saved arrays
    and the rest of its state, with trailing edges that can never take a gradient dropped
    (apply1 gives no edge to its plain options)."""
    node = t.grad_fn
    if node is None:
        return None
    edges, needs = list(node.next_functions), list(node.needs_input_grad)
    while edges and edges[-1] is None and not needs[-1]:
        edges.pop()
        needs.pop()
    state = {k: v for k, v in vars(node).items()
             if k not in ("next_functions", "needs_input_grad", "_saved", "_saved_versions")}
    versions = [(version, tensor is None) for _, version, tensor, _ in node._saved_versions]
    return (edges, needs, node._shape, [np.asarray(s).tolist() for s in node._saved],
            repr(state), versions)


@given(st.data(), st.booleans(), st.booleans(), st.booleans())
def test_every_front_door_records_the_node_that_apply_records(data, grad_a, grad_b, enabled):
    from minigrad.functions import arithmetic as A
    from minigrad.functions import reduce as R
    from minigrad.functions import unary as U

    shapes = data.draw(broadcastable_shapes(2, min_dims=1))
    a, b = (mg.tensor(data.draw(arrays(np.dtype(np.float64), s)), requires_grad=g)
            for s, g in zip(shapes, (grad_a, grad_b)))
    with mg.set_grad_enabled(enabled):
        calls = [(A.Mul, (a, b), A.Mul.apply2), (A.Mul, (a, 2.0), A.Mul.apply2),
                 (U.Tanh, (a,), U.Tanh.apply1), (R.Sum, (a, (0,), True), R.Sum.apply1)]
        for fn, args, front_door in calls:
            expected = fn.apply(*args)
            got = front_door(*args)
            assert_close(got, expected.detach())
            assert _node(got) == _node(expected), fn.__name__

        class TensorMul(mg.autograd.Function):  # the same product as a tensor-level Function
            @staticmethod
            def forward(ctx, x, y):
                need_x, need_y = ctx.needs_input_grad
                ctx.save_for_backward(x._data if need_y else None, y._data if need_x else None)
                return x * y

        tensor_level, array_level = _node(TensorMul.apply(a, b)), _node(A.Mul.apply(a, b))
        assert (tensor_level and tensor_level[:4]) == (array_level and array_level[:4])


# ---------------------------------------------------------------------- threads
def _backward_passes_from_two_threads(lib, passes=40, size=10**6):
    """`.grad` of one leaf after two threads each ran `passes` backward passes into it.

    The leaf is large because NumPy lets go of the GIL while it adds large arrays, so two
    unguarded additions into `.grad` overlap and one is lost."""
    leaf = lib.zeros(size, requires_grad=True)
    start = threading.Barrier(2)

    def run():
        start.wait()
        for _ in range(passes):
            leaf.sum().backward()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return leaf.grad.numpy()


def test_backward_passes_from_two_threads_into_one_leaf_all_add_up_as_in_torch():
    expected = _backward_passes_from_two_threads(torch)
    for _ in range(5):  # a lost update needs the two threads to overlap: give it chances
        np.testing.assert_array_equal(_backward_passes_from_two_threads(mg), expected)


def test_a_trace_records_only_the_backward_passes_of_its_own_thread():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    tracing, other_done = threading.Event(), threading.Event()

    def other_thread():
        tracing.wait(timeout=10)
        (x * 3).tanh().sum().backward()
        other_done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with mg.autograd.trace() as t:
        tracing.set()
        other_done.wait(timeout=10)
        (x * 2).sum().backward()
    thread.join()
    assert [s.name for s in t] == ["SumBackward", "MulBackward", "AccumulateGrad [2]"]
