"""The rest of nn.Module's API against PyTorch's: hooks (forward pre-hooks, forward hooks, full
backward hooks and backward pre-hooks, with their handles), apply, requires_grad_, type,
get_submodule / get_parameter / get_buffer / set_submodule; and nn.utils' get_total_norm,
clip_grads_with_norm_, parameters_to_vector and vector_to_parameters."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from strategies import arrays, float_dtypes
from support import assert_close
from test_nn_modules import build, module_recipes

import minigrad as mg
import minigrad.nn  # noqa: F401

HOOK_KINDS = ("forward_pre", "forward_pre_kwargs", "forward", "forward_kwargs", "backward",
              "backward_pre")


def _mlp(lib: Any, sizes: tuple[int, int, int], weights: list[np.ndarray]) -> Any:
    model = lib.nn.Sequential(lib.nn.Linear(sizes[0], sizes[1]), lib.nn.ReLU(),
                              lib.nn.Linear(sizes[1], sizes[2]))
    model.to(getattr(lib, weights[0].dtype.name))
    model.load_state_dict({k: lib.tensor(w) for k, w in zip(model.state_dict(), weights)})
    return model


def _summary(tensors: Any) -> list[Any]:
    """What a hook saw: per tensor, None or its shape and sum (in float64)."""
    return [None if t is None else (tuple(t.shape), float(t.detach().double().sum()))
            for t in tensors]


@given(st.data(), float_dtypes(), st.lists(st.sampled_from(HOOK_KINDS), max_size=4),
       st.integers(0, 2), st.booleans(), st.booleans(), st.floats(0.5, 2))
def test_module_hooks_see_and_replace_what_torchs_do(data, dtype, kinds, layer, input_grad,
                                                     prepend, scale):
    """Every kind of hook on a drawn layer of a small MLP, each scaling what it may replace;
    what the hooks see (in order), the output and every gradient equal PyTorch's."""
    sizes = tuple(data.draw(st.integers(1, top)) for top in (4, 4, 3))
    n = data.draw(st.integers(1, 3))
    weights = [data.draw(arrays(dtype, shape)) for shape in
               ((sizes[1], sizes[0]), (sizes[1],), (sizes[2], sizes[1]), (sizes[2],))]
    x = data.draw(arrays(dtype, (n, sizes[0])))
    removed = data.draw(st.sampled_from((None, *range(len(kinds))))) if kinds else None

    def run(lib: Any) -> tuple[Any, ...]:
        model = _mlp(lib, sizes, weights)
        module, seen = model[layer], []

        def hook(kind: str) -> Any:
            def forward_pre(m, args):
                seen.append((kind, _summary(args)))
                return args[0] * scale

            def forward_pre_kwargs(m, args, kwargs):
                seen.append((kind, _summary(args), sorted(kwargs)))
                return (args[0] * scale,), kwargs

            def forward(m, args, output):
                seen.append((kind, _summary(args), _summary([output])))
                return output * scale

            def forward_kwargs(m, args, kwargs, output):
                seen.append((kind, _summary(args), _summary([output])))

            def backward(m, grad_input, grad_output):
                seen.append((kind, _summary(grad_input), _summary(grad_output)))
                return tuple(None if g is None else g * scale for g in grad_input)

            def backward_pre(m, grad_output):
                seen.append((kind, _summary(grad_output)))
                return tuple(g * scale for g in grad_output)

            return locals()[kind]

        handles = []
        for kind in kinds:
            f = hook(kind)
            if kind.startswith("forward_pre"):
                handles.append(module.register_forward_pre_hook(
                    f, prepend=prepend, with_kwargs=kind.endswith("kwargs")))
            elif kind.startswith("forward"):
                handles.append(module.register_forward_hook(
                    f, prepend=prepend, with_kwargs=kind.endswith("kwargs")))
            elif kind == "backward":
                handles.append(module.register_full_backward_hook(f, prepend=prepend))
            else:
                handles.append(module.register_full_backward_pre_hook(f, prepend=prepend))
        if removed is not None:
            handles[removed].remove()
        inputs = lib.tensor(x, requires_grad=input_grad)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = model(inputs)
            (out * out).sum().backward()
        messages = sorted({str(w.message)[:40] for w in caught})
        grads = [p.grad for p in model.parameters()] + [inputs.grad]
        return out.detach(), grads, seen, messages

    (out, grads, seen, messages), (t_out, t_grads, t_seen, t_messages) = run(mg), run(torch)
    assert_close(out, t_out)
    # A gradient of (out * out).sum() is a sum of terms up to about |2 out| |x| (or |w|) in
    # size, which may nearly cancel: float32's absolute error scales with them.
    terms = 2 * np.abs(t_out.double().numpy()).max(initial=1) * max(
        np.abs(a).max(initial=1) for a in (x, *weights))
    for ours, theirs in zip(grads, t_grads):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert_close(ours, theirs, scale=terms)
    assert [entry[0] for entry in seen] == [entry[0] for entry in t_seen]
    for ours_entry, theirs_entry in zip(seen, t_seen):
        for a, b in zip(ours_entry[1:], theirs_entry[1:]):
            assert len(a) == len(b)
            for u, v in zip(a, b):
                assert (u is None) == (v is None)
                if v is not None and not isinstance(v, str):
                    assert u[0] == v[0]
                    np.testing.assert_allclose(u[1], v[1], rtol=1e-5 if dtype == np.float32
                                               else 1e-10, atol=1e-6)
    assert messages == t_messages


def _three_in_three_out(lib: Any) -> Any:
    class ThreeInThreeOut(lib.nn.Module):
        """Three tensor inputs (and an integer index), three outputs; each output depends on
        two of the inputs, so that which inputs need a gradient decides which outputs do."""

        def forward(self, a: Any, b: Any, c: Any, index: Any) -> tuple[Any, Any, Any]:
            return a * b.sin(), (a + c)[index] * 2, b.exp() - c

    return ThreeInThreeOut()


@given(st.data(), float_dtypes(), st.lists(st.booleans(), min_size=3, max_size=3),
       st.sets(st.integers(0, 2), min_size=1), st.lists(st.sampled_from(
           ("backward", "backward_pre", "backward drops", "backward_pre drops")), max_size=3))
def test_backward_hooks_of_a_module_with_several_inputs_and_outputs_match_torchs(
        data, dtype, needs_grad, used, kinds):
    """PyTorch gathers a module's inputs (and its outputs) in one node, so its full backward
    hooks see every input's gradient at once: zeros for an input that needs none or that no
    gradient reached, None for an output that no gradient reached; a None a hook returns
    stops that gradient. What the hooks see, and every gradient, equal PyTorch's."""
    n = data.draw(st.integers(1, 3))
    values = [data.draw(arrays(dtype, (n,)), label=name) for name in "abc"]
    weights = [data.draw(arrays(dtype, (n,)), label=f"weight {k}") for k in range(3)]

    def run(lib: Any) -> tuple[Any, ...]:
        module, seen = _three_in_three_out(lib), []
        for kind in kinds:
            drops = kind.endswith("drops")

            def hook(m: Any, *grads: Any, kind: str = kind, drops: bool = drops) -> Any:
                seen.append((kind, *[_summary(g) for g in grads]))
                replaced = grads[0]
                return tuple(None if drops and k == 0 else g if g is None
                             or not g.is_floating_point() else g * 0.5
                             for k, g in enumerate(replaced))

            if kind.startswith("backward_pre"):
                module.register_full_backward_pre_hook(hook)
            else:
                module.register_full_backward_hook(hook)
        inputs = [lib.tensor(v, requires_grad=r) for v, r in zip(values, needs_grad)]
        outputs = module(*inputs, lib.arange(n))
        loss = sum((outputs[k] * lib.tensor(weights[k])).sum() for k in sorted(used))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if loss.requires_grad:
                loss.backward()
        return [t.grad for t in inputs], seen, sorted({str(w.message)[:40] for w in caught})

    (grads, seen, messages), (t_grads, t_seen, t_messages) = run(mg), run(torch)
    assert messages == t_messages
    for ours, theirs in zip(grads, t_grads, strict=True):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert_close(ours, theirs)
    assert len(seen) == len(t_seen)
    for ours_entry, theirs_entry in zip(seen, t_seen, strict=True):
        assert ours_entry[0] == theirs_entry[0]
        for a, b in zip(ours_entry[1:], theirs_entry[1:], strict=True):
            assert [x is None for x in a] == [x is None for x in b], (a, b)
            for u, v in zip(a, b):
                if v is not None:
                    assert u[0] == v[0]
                    np.testing.assert_allclose(u[1], v[1], rtol=1e-5 if dtype == np.float32
                                               else 1e-10, atol=1e-6)


BAD_HOOK_RESULTS = {
    "a grad_input of another dtype": ("backward", lambda gi: (gi[0].double(), gi[1])),
    "a zero grad_input of another dtype": ("backward", lambda gi: (gi[0], gi[1].double())),
    "a grad_input of another shape": ("backward", lambda gi: (gi[0].reshape(2, 1), gi[1])),
    "a zero grad_input of another shape": ("backward", lambda gi: (gi[0], gi[1][:1])),
    "a number for a grad_input": ("backward", lambda gi: (gi[0], 3.0)),
    "a grad_output of another dtype": ("backward_pre", lambda go: (go[0].double(),)),
    "a grad_output of another shape": ("backward_pre", lambda go: (go[0][:1],)),
    "a list for a grad_output": ("backward_pre", lambda go: ([1.0],)),
    "too few grad_inputs": ("backward", lambda gi: (gi[0],)),
    "too few grad_outputs": ("backward_pre", lambda go: ()),
    "None, then a grad_input of another shape": ("backward", lambda gi: (None, gi[1][:1])),
    "a tensor for all the grad_inputs": ("backward_whole", lambda gi: gi[0]),
    "a number for all the grad_inputs": ("backward_whole", lambda gi: 3.0),
}


@pytest.mark.parametrize("case", list(BAD_HOOK_RESULTS))
def test_what_a_backward_hook_returns_is_checked_like_pytorch(case):
    """Each entry a hook returns must be None or a tensor of the dtype and shape it replaces
    (PyTorch's RuntimeError or TypeError, and its words; the type names are the library's)."""
    kind, replace = BAD_HOOK_RESULTS[case]
    errors = []
    for lib in (torch, mg):
        module = _three_in_three_out(lib)
        if kind == "backward":
            module.register_full_backward_hook(lambda m, gi, go: replace(gi[:2]) + gi[2:])
        elif kind == "backward_whole":
            module.register_full_backward_hook(lambda m, gi, go: replace(gi))
        else:
            module.register_full_backward_pre_hook(lambda m, go: replace(go[:1]) + go[1:])
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises((RuntimeError, TypeError)) as caught:
            module(a, lib.tensor([3.0, 4.0]), a, lib.arange(2))[0].sum().backward()
        errors.append((caught.type, str(caught.value).replace("torch.", "minigrad.")))
    assert errors[0] == errors[1]


def _two_by_two(lib):
    """A module of two inputs and two outputs, x * 2 and y * 3, in `lib`."""
    class TwoByTwo(lib.nn.Module):
        def forward(self, x, y):
            return x * 2, y * 3
    return TwoByTwo()


def test_every_kind_of_hook_is_given_the_module_itself():
    for lib in (mg, torch):
        module, seen = _two_by_two(lib), []
        module.register_forward_pre_hook(lambda m, args, kwargs, seen=seen: seen.append(m),
                                         with_kwargs=True)
        module.register_forward_hook(lambda m, args, kwargs, out, seen=seen: seen.append(m),
                                     with_kwargs=True)
        module.register_full_backward_pre_hook(lambda m, go, seen=seen: seen.append(m))
        module.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append(m))
        module.register_forward_pre_hook(lambda m, args, seen=seen: seen.append(m))
        module.register_forward_hook(lambda m, args, out, seen=seen: seen.append(m))
        x = lib.ones(2, requires_grad=True)
        module(x, lib.ones(2, requires_grad=True))[0].sum().backward()
        assert len(seen) == 6 and all(m is module for m in seen)


@pytest.mark.parametrize("replacement", ["a tuple", "a tensor"])
def test_pre_hooks_replace_the_arguments_and_keywords_reach_forward_as_in_torch(replacement):
    """A pre-hook's tuple replaces the positional arguments, a tensor becomes the only one;
    keyword arguments go on to forward and to the forward hooks that take them."""
    runs = []
    for lib in (mg, torch):
        module, seen = _two_by_two(lib), []
        module.register_forward_pre_hook(
            lambda m, args: (args[0] * 10,) if replacement == "a tuple" else args[0] * 10)
        module.register_forward_hook(
            lambda m, args, kwargs, out, seen=seen: seen.append(sorted(kwargs)), with_kwargs=True)
        out = module(lib.ones(2), y=lib.full((2,), 2.0))
        runs.append(([o.tolist() for o in out], seen))
    assert runs[0] == runs[1] == ([[20.0, 20.0], [6.0, 6.0]], [["y"]])


def test_a_gradient_that_bypasses_the_outputs_runs_no_full_backward_hook():
    """A tensor the module made from its input and kept: its gradient reaches the input
    without passing through the outputs, and PyTorch runs no full backward hook for it (then
    runs it once for the output's backward)."""
    runs = []
    for lib in (mg, torch):
        class Keeping(lib.nn.Module):
            def forward(self, x):
                self.kept = x * 2
                return x * 3

        module, seen = Keeping(), []
        module.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append(
            ([g.tolist() for g in gi], [g.tolist() for g in go])))
        x = lib.ones(2, requires_grad=True)
        out = module(x)
        module.kept.sum().backward(retain_graph=True)
        first = list(seen)
        out.sum().backward()
        module.kept.sum().backward()  # (after a pass through the outputs: still no hook)
        runs.append((first, seen, x.grad.tolist()))
    assert runs[0] == runs[1] == ([], [([[3.0, 3.0]], [[1.0, 1.0]])], [7.0, 7.0])


@pytest.mark.parametrize("result", [None, (None,), "a tensor", 5])
def test_a_full_hook_of_a_module_whose_inputs_need_no_gradient_may_return_only_none(result):
    outcomes = []
    for lib in (mg, torch):
        module = lib.nn.Linear(2, 2)
        returned = (lib.ones(2),) if result == "a tensor" else result
        module.register_full_backward_hook(  # (given another module, it would return a list)
            lambda m, gi, go, returned=returned, module=module: returned if m is module else [])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the warning that the hook fires at the outputs)
            try:
                module(lib.ones(2)).sum().backward()
                outcomes.append(None)
            except RuntimeError as error:
                outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] is None) == (result in (None, (None,)))


def test_an_output_no_gradient_reaches_sends_zeros_into_the_module_as_torch():
    """Only the first output is used: the input behind the second gets zeros, not nothing,
    and the hooks see None for that output's gradient and zeros for that input's."""
    runs = []
    for lib in (mg, torch):
        module, seen = _two_by_two(lib), []
        module.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append(
            ([g.tolist() for g in gi], [None if g is None else g.tolist() for g in go])))
        x, y = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        module(x, y)[0].sum().backward()
        runs.append((x.grad.tolist(), None if y.grad is None else y.grad.tolist(), seen))
    assert runs[0] == runs[1] == ([2.0, 2.0], [0.0, 0.0],
                                  [([[2.0, 2.0], [0.0, 0.0]], [[1.0, 1.0], None])])


def test_the_hook_at_the_outputs_warning_names_the_callers_line_as_torch():
    """With no input requiring a gradient, a full backward hook fires at the outputs with a
    warning: PyTorch's names the line that called backward(), however deep the engine."""
    places = {}
    for lib in (mg, torch):
        module = lib.nn.Linear(2, 2)
        module.register_full_backward_hook(lambda m, gi, go: None)
        loss = module(lib.ones(1, 2)).sum()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss.backward(); line = sys._getframe().f_lineno  # noqa: E702
        places[lib] = [(w.filename, w.lineno, str(w.message)[:40]) for w in caught]
    expected = [(__file__, line, "Full backward hook is firing when gradie")]
    assert places[mg] == places[torch] == expected
    # A caller's file whose path only begins as minigrad's directory does is the caller's.
    beside = os.path.dirname(mg.__file__) + "_program.py"
    module = mg.nn.Linear(2, 2)
    module.register_full_backward_hook(lambda m, gi, go: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile("\n(module(mg.ones(1, 2)).sum()).backward()", beside, "exec"))
    assert [(w.filename, w.lineno) for w in caught] == [(beside, 2)]


def test_the_hooked_outputs_node_is_named_as_torchs():
    out = {}
    for lib in (mg, torch):
        module = _two_by_two(lib)
        module.register_full_backward_hook(lambda m, gi, go: None)
        out[lib] = module(lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True))[0]
    assert out[mg].grad_fn.name() == out[torch].grad_fn.name() == "BackwardHookFunctionBackward"
    # minigrad's slot node leads to the node that gathers the outputs: named the same
    gather = out[mg].grad_fn.next_functions[0]
    assert gather.name() == "BackwardHookFunctionBackward"


@pytest.mark.parametrize("result", ["a triple", "a list of two"])
def test_a_pre_hook_with_kwargs_must_return_a_pair_as_in_torch(result):
    errors = []
    for lib in (mg, torch):
        module = _two_by_two(lib)
        module.register_forward_pre_hook(
            lambda m, args, kwargs: (args, kwargs, 1) if result == "a triple" else [args, kwargs],
            with_kwargs=True)
        with pytest.raises(RuntimeError) as caught:
            module(lib.ones(2), lib.ones(2))
        errors.append(str(caught.value).replace("torch.", "minigrad."))
    assert errors[0] == errors[1] and "must return None or a tuple" in errors[0]


def test_a_removed_hook_leaves_no_flag_and_removing_again_is_harmless():
    for lib in (mg, torch):
        module, calls = _two_by_two(lib), []
        flags = []
        for _ in range(2):
            hook = module.register_forward_hook(
                lambda m, args, kwargs, out, calls=calls: calls.append(1),
                with_kwargs=True, always_call=True)
            pre = module.register_forward_pre_hook(
                lambda m, args, kwargs, calls=calls: calls.append(2), with_kwargs=True)
            flags.append([list(d.values()) for d in (
                module._forward_hooks_with_kwargs, module._forward_hooks_always_called,
                module._forward_pre_hooks_with_kwargs)])
            module(lib.ones(2), lib.ones(2))
            for handle in (hook, pre, hook):  # a second remove() does nothing
                handle.remove()
            module(lib.ones(2), lib.ones(2))
        assert calls == [2, 1, 2, 1]
        assert flags == [[[True], [True], [True]]] * 2
        assert not (module._forward_hooks_with_kwargs or module._forward_hooks_always_called
                    or module._forward_pre_hooks_with_kwargs)


@pytest.mark.parametrize("where", ["forward", "a forward hook"])
def test_always_call_forward_hooks_run_when_the_call_fails_as_in_torch(where):
    """The forward hooks registered with always_call that have not run yet run when forward
    (or anything in the call) raises, with the output so far (None if forward raised); one
    that raises then only warns; the first error goes on up."""
    runs = []
    for lib in (mg, torch):
        class Failing(lib.nn.Module):
            def forward(self, x):
                if where == "forward":
                    raise ValueError("forward failed")
                return x * 2

        def failing_hook(m, args, out):
            raise KeyError("the hook failed")

        module, seen = Failing(), []
        module.register_forward_hook(
            lambda m, args, out, seen=seen: seen.append(("always", len(args), out)),
            always_call=True)
        if where == "a forward hook":
            module.register_forward_hook(lambda m, args, out: 1 / 0)
        module.register_forward_hook(lambda m, args, out, seen=seen: seen.append(("plain", out)))
        module.register_forward_hook(failing_hook, always_call=True)
        module.register_forward_hook(
            lambda m, args, kwargs, out, seen=seen: seen.append(("kwargs", kwargs, out)),
            always_call=True, with_kwargs=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises((ValueError, ZeroDivisionError)) as error:
                module(lib.ones(2))
        runs.append((error.type, [(e[0], *[None if v is None else v.tolist() if
                                          hasattr(v, "tolist") else v for v in e[1:]])
                                  for e in seen], [(str(w.message), w.filename.split(os.sep)[-2:])
                                                   for w in caught]))
    assert runs[0] == runs[1]
    # the warning names a line of the library's nn/modules/module.py (Module.__call__), as
    # PyTorch's names one of its own
    assert runs[0][2] == [("module forward hook with ``always_call=True`` raised an exception "
                           "that was silenced as another error was raised in forward: "
                           "'the hook failed'", ["modules", "module.py"])]


def test_a_handle_removes_its_hook_on_leaving_a_with_block():
    for lib in (mg, torch):
        module, calls = lib.nn.Linear(2, 2), []
        with module.register_forward_hook(lambda m, args, out, calls=calls: calls.append(1)):
            module(lib.ones(1, 2))
        module(lib.ones(1, 2))
        assert calls == [1] and not module._forward_hooks


@given(module_recipes())
def test_apply_visits_children_before_their_parent_as_torch(recipe):
    orders = []
    for lib in (mg, torch):
        order: list[str] = []
        model = build(lib.nn, recipe)
        assert model.apply(lambda m, order=order: order.append(type(m).__name__)) is model
        orders.append(order)
    assert orders[0] == orders[1]


@given(module_recipes(), st.booleans())
def test_requires_grad_sets_every_parameter_and_returns_self(recipe, flag):
    model = build(mg.nn, recipe)
    assert model.requires_grad_(flag) is model
    assert all(p.requires_grad is flag for p in model.parameters())
    assert model.requires_grad_() is model  # the default: True
    assert all(p.requires_grad for p in model.parameters())


@given(float_dtypes(), st.sampled_from(["float64", "float32", "float16", "int64"]))
def test_type_casts_parameters_buffers_and_gradients_as_torch(dtype, target):
    results = []
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        model.to(getattr(lib, np.dtype(dtype).name))
        model[0].weight.grad = lib.ones(3, 2, dtype=model[0].weight.dtype)
        try:
            assert model.type(getattr(lib, target)) is model
        except RuntimeError as error:
            results.append(str(error))
            continue
        results.append([str(t.dtype).split(".")[1] for t in
                        [*model.parameters(), *model.buffers(), model[0].weight.grad]])
    assert results[0] == results[1]


PATHS = ["", "0", "1", "1.0", "1.1", "1.1.weight", "1.1.bias", "0.weight", "b", "1.5", "x.y",
         "1.1.zz", "1.0.weight"]


@pytest.mark.parametrize("method", ["get_submodule", "get_parameter", "get_buffer"])
@pytest.mark.parametrize("path", PATHS)
def test_dotted_paths_find_what_torchs_find_or_fail_as_torch(method, path):
    outcomes = []
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3),
                                  lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 1)))
        model.register_buffer("b", lib.ones(1))
        try:
            outcomes.append(type(getattr(model, method)(path)).__name__)
        except AttributeError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("path, replacement, strict", [
    ("1.0", "Tanh", False), ("1.7", "Tanh", False), ("1.7", "Tanh", True), ("1.0", 5, False),
    ("0.weight", "Tanh", False), ("2", "Tanh", False), ("1.7", "Tanh", None),
    ("1.0", "Tanh", True), ("1.1.extra", "Tanh", False), ("1.1.weight", "Tanh", False)])
def test_set_submodule_puts_a_module_at_a_path_as_torch(path, replacement, strict):
    """strict None: the default (a new name is added, as with strict=False)."""
    outcomes = []
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3),
                                  lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 1)))
        new = getattr(lib.nn, replacement)() if isinstance(replacement, str) else replacement
        try:
            model.set_submodule(path, new, **({} if strict is None else {"strict": strict}))
            outcomes.append(repr(model))
        except (AttributeError, ValueError) as error:
            outcomes.append(f"{type(error).__name__}: {error}".replace("torch.", "minigrad."))
    assert outcomes[0] == outcomes[1]


@given(st.data(), float_dtypes(), st.sampled_from([2.0, 1.0, 3.0, float("inf"), 0.5]),
       st.floats(0.01, 10))
def test_get_total_norm_and_clip_grads_with_norm_are_clip_grad_norm_in_two_steps(
        data, dtype, norm_type, max_norm):
    shapes = data.draw(st.lists(st.sampled_from([(3,), (2, 2), (1,), (4, 1)]), min_size=1,
                                max_size=3))
    grads = [data.draw(arrays(dtype, shape)) for shape in shapes]
    results = []
    for lib in (mg, torch):
        params = [lib.nn.Parameter(lib.zeros(g.shape, dtype=getattr(lib, np.dtype(dtype).name)))
                  for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        total = lib.nn.utils.get_total_norm([p.grad for p in params], norm_type, foreach=None)
        lib.nn.utils.clip_grads_with_norm_(params, max_norm, total, foreach=None)
        results.append((total, [p.grad for p in params]))
    (total, clipped), (t_total, t_clipped) = results
    assert_close(total, t_total)
    for ours, theirs in zip(clipped, t_clipped):
        assert_close(ours, theirs)


@given(st.data(), float_dtypes())
def test_parameters_to_vector_and_back_as_torch(data, dtype):
    shapes = data.draw(st.lists(st.sampled_from([(3,), (2, 2), (1,), (4, 1)]), min_size=1,
                                max_size=3))
    values = [data.draw(arrays(dtype, shape)) for shape in shapes]
    vec = data.draw(arrays(dtype, (sum(int(np.prod(s)) for s in shapes),)))
    results = []
    for lib in (mg, torch):
        params = [lib.nn.Parameter(lib.tensor(v)) for v in values]
        flat = lib.nn.utils.parameters_to_vector(params)
        flat.sum().backward()
        lib.nn.utils.vector_to_parameters(lib.tensor(vec), params)
        results.append((flat.detach(), [p.grad for p in params], [p.detach() for p in params]))
    for ours, theirs in zip(*results):
        for a, b in zip(ours if isinstance(ours, list) else [ours],
                        theirs if isinstance(theirs, list) else [theirs]):
            assert_close(a, b)
    with pytest.raises(TypeError, match="^expected torch.Tensor, but got: list$"):
        mg.nn.utils.vector_to_parameters([1.0], [])


@pytest.mark.parametrize("input_grad", [False, True])
@pytest.mark.parametrize("prepend", [False, True])
def test_hooks_of_one_kind_run_in_order_prepended_first_as_torch(prepend, input_grad):
    """Two hooks of each kind, the second maybe prepended; a full backward hook fires (with a
    warning) even when the module's input needs no gradient."""
    logs = []
    for lib in (mg, torch):
        module, log = lib.nn.Linear(2, 2), []
        for name in ("a", "b"):
            first = {"prepend": True} if name == "b" and prepend else {}  # else the default
            module.register_forward_pre_hook(lambda m, a, n=name, log=log: log.append("pre" + n),
                                             **first)
            module.register_forward_hook(lambda m, a, o, n=name, log=log: log.append("fwd" + n),
                                         **first)
            module.register_full_backward_hook(lambda m, gi, go, n=name, log=log: log.append(
                f"bwd{n}{[g is None for g in gi]}"), **first)
            module.register_full_backward_pre_hook(
                lambda m, go, n=name, log=log: log.append("bpre" + n), **first)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module(lib.ones(1, 2, requires_grad=input_grad)).sum().backward()
        logs.append((log, [str(w.message) for w in caught]))
    assert logs[0] == logs[1]


def _shared(lib: Any) -> Any:
    """A Parameter shares its data's memory: a later write to the data shows in it."""
    data = lib.ones(2)
    parameter = lib.nn.Parameter(data)
    data.add_(1)
    return parameter


PARAMETERS = {
    "no data": lambda lib: lib.nn.Parameter(),
    "a tensor, shared": _shared,
    "float64, no grad": lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.float64), False),
    "int64, no grad": lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.int64), False),
    "int64": lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.int64)),
    "an ndarray": lambda lib: lib.nn.Parameter(np.ones(2)),
    "a list": lambda lib: lib.nn.Parameter([1.0, 2.0]),
    "a float": lambda lib: lib.nn.Parameter(3.0),
}


@pytest.mark.parametrize("make", list(PARAMETERS))
def test_a_parameter_is_made_or_refused_as_torch(make):
    """The same repr, dtype and requires_grad, or the same exception and message (PyTorch's
    Parameter detaches its data, so what is not a tensor has no attribute 'detach')."""
    outcomes = []
    for lib in (torch, mg):
        try:
            p = PARAMETERS[make](lib)
            outcomes.append(tuple(text.replace(f"{lib.__name__}.", "") for text in (
                repr(p), str(p.dtype))) + (p.requires_grad, type(p).__name__))
        except Exception as error:  # noqa: BLE001 (the exception is what is compared)
            outcomes.append((type(error), str(error)))
    assert outcomes[1] == outcomes[0]
