"""minigrad.viz draws PyTorch's graph: for random expressions, the nodes, edges and leaves of
`to_dot` and `print_graph` are those of the same expression's autograd graph in PyTorch (node
names without PyTorch's version digit: MulBackward0 -> MulBackward), with the leaves' shapes,
dtypes and gradient norms. The output is deterministic, shared nodes appear once, deep graphs
need no recursion, and rendering works with Graphviz and explains itself without it."""

from __future__ import annotations

import contextlib
import io
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import arrays, broadcastable_shapes, float_dtypes
from support import assert_shown, torch_graph, torch_node_name

import minigrad as mg
from minigrad import viz

# ---------------------------------------------------------------------------------------------
# Random expressions, built in both libraries

UNARY = ("neg", "exp", "tanh", "sigmoid", "relu", "abs")
BINARY = ("add", "sub", "mul")
LEAVES = ("x", "y", "c")  # c is a constant: it needs no gradient and is not in the graph


def expressions() -> st.SearchStrategy:
    """Expression trees as nested tuples: ("mul", ("tanh", "x"), "c"), ..."""
    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(UNARY), inner),
            st.tuples(st.sampled_from(BINARY), inner, inner),
        ),
        max_leaves=6,
    )


def build(expression, leaves: dict):
    if isinstance(expression, str):
        return leaves[expression]
    name, *operands = expression
    values = [build(operand, leaves) for operand in operands]
    if name in BINARY:
        a, b = values
        return {"add": a + b, "sub": a - b, "mul": a * b}[name]
    return getattr(values[0], name)()


def parse_dot(text: str) -> tuple[dict[int, list[str]], list[tuple[int, int]]]:
    nodes = {int(n): label.split("\\n")
             for n, label in re.findall(r'^\s+n(\d+) \[label="(.*?)"', text, re.M)}
    edges = [(int(a), int(b)) for a, b in re.findall(r"^\s+n(\d+) -> n(\d+);$", text, re.M)]
    return nodes, edges


def leaf_label(tensor: torch.Tensor, name: str) -> list[str]:
    """What a leaf's label must say, up to its gradient norm (checked separately)."""
    dtype = str(tensor.dtype).removeprefix("torch.")
    return [name, f"{list(tensor.shape)} {dtype}", f"requires_grad={tensor.requires_grad}"]


@st.composite
def expression_cases(draw):
    dtype = draw(float_dtypes())
    shapes = draw(broadcastable_shapes(3, max_dims=2, max_side=3))
    values = {name: draw(arrays(dtype, shape, low=-1, high=1)) for name, shape in
              zip(LEAVES, shapes)}
    return draw(expressions()), dtype, values, draw(st.booleans())


@settings(max_examples=60)
@given(case=expression_cases())
def test_to_dot_draws_torchs_graph_with_leaf_shapes_dtypes_and_grad_norms(case):
    expression, dtype, values, run_backward = case
    theirs = {n: torch.tensor(v, requires_grad=n != "c") for n, v in values.items()}
    ours = {n: mg.tensor(v, requires_grad=n != "c") for n, v in values.items()}
    expected_out = build(expression, theirs).sum()
    out = build(expression, ours).sum()
    if run_backward and expected_out.requires_grad:
        expected_out.backward()
        out.backward()

    nodes, edges = parse_dot(viz.to_dot(out, params={"x": ours["x"], "y": ours["y"]}))
    visits = torch_graph(expected_out)
    names = {id(theirs["x"]): "x", id(theirs["y"]): "y"}
    assert edges == [(number, consumer) for _, number, consumer, _ in visits
                     if consumer is not None]
    firsts = [(node, number) for node, number, _, first in visits if first]
    assert sorted(nodes) == [number for _, number in firsts]
    for node, number in firsts:
        label = nodes[number]
        if not isinstance(node, torch.Tensor):
            assert label == [torch_node_name(node)], f"node n{number}"
            continue
        is_output = number == 0
        expected = leaf_label(node, "output" if is_output else names[id(node)])
        if is_output and not node.is_leaf:
            expected = expected[:2]  # an operation's result: requires_grad is not a leaf's
        assert label[:len(expected)] == expected, f"node n{number}"
        if node.is_leaf and node.grad is not None:
            (shown,) = re.fullmatch(r"grad norm (\S+)", label[-1]).groups()
            assert_shown(shown, float(node.grad.double().norm()), dtype, f"n{number} grad norm",
                         dropped_zeros=True)
        else:
            assert len(label) == len(expected), f"node n{number} shows no gradient"


@settings(max_examples=30)
@given(case=expression_cases())
def test_print_graph_lists_the_same_nodes_as_torchs_graph_in_walk_order(case):
    expression, dtype, values, _ = case
    theirs = {n: torch.tensor(v, requires_grad=n != "c") for n, v in values.items()}
    ours = {n: mg.tensor(v, requires_grad=n != "c") for n, v in values.items()}
    names = {id(theirs["x"]): "x", id(theirs["y"]): "y"}
    expected = []
    for node, _, consumer, _ in torch_graph(build(expression, theirs).sum()):
        if consumer is None:
            expected.append("output")
        else:
            expected.append(names[id(node)] if isinstance(node, torch.Tensor)
                            else torch_node_name(node))
    printed = io.StringIO()
    viz.print_graph(build(expression, ours).sum(), params={"x": ours["x"], "y": ours["y"]},
                    file=printed)
    lines = printed.getvalue().splitlines()
    assert [re.sub(r"^[│├└─ ]*", "", line).split()[0] for line in lines] == expected


# ---------------------------------------------------------------------------------------------
# The exact text, on the smallest graph with a shared node: x * x + x


def shared_example():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x + x).sum()
    return x, loss


def test_to_dot_text_is_exact_and_stable():
    x, loss = shared_example()
    loss.backward()
    expected = (
        "digraph minigrad {\n"
        '    node [fontname="Helvetica", fontsize=11];\n'
        '    n0 [label="output\\n[] float32", shape=box, style=filled, fillcolor="#c7e9c0"];\n'
        '    n1 [label="SumBackward", shape=ellipse, style=filled, fillcolor="#e0e0e0"];\n'
        '    n2 [label="AddBackward", shape=ellipse, style=filled, fillcolor="#e0e0e0"];\n'
        '    n3 [label="MulBackward", shape=ellipse, style=filled, fillcolor="#e0e0e0"];\n'
        '    n4 [label="x\\n[2] float32\\nrequires_grad=True\\ngrad norm 5.831", shape=box, '
        'style=filled, fillcolor="#c6dbef"];\n'
        "    n1 -> n0;\n"
        "    n2 -> n1;\n"
        "    n3 -> n2;\n"
        "    n4 -> n3;\n"
        "    n4 -> n3;\n"
        "    n4 -> n2;\n"
        "}"
    )
    # d/dx sum(x*x + x) = 2x + 1 = [3, 5], norm sqrt(34) = 5.831
    assert viz.to_dot(loss, params={"x": x}) == expected
    assert viz.to_dot(loss, params={"x": x}) == expected  # the same text every time


def test_print_graph_shows_a_shared_node_once_then_refers_to_it():
    x, loss = shared_example()
    printed = io.StringIO()
    viz.print_graph(loss, params={"x": x}, file=printed)
    assert printed.getvalue() == (
        "output  [] float32\n"
        "└─ SumBackward\n"
        "   └─ AddBackward\n"
        "      ├─ MulBackward\n"
        "      │  ├─ x  [2] float32  requires_grad=True  (n4)\n"
        "      │  └─ x (n4, shown above)\n"
        "      └─ x (n4, shown above)\n"
    )


def test_unnamed_leaves_are_labelled_leaf_and_a_tensor_without_graph_is_one_node():
    x = mg.tensor(2.0, requires_grad=True)
    assert viz.graph_text(x.exp()) == (
        "output  [] float32\n└─ ExpBackward\n   └─ leaf  [] float32  requires_grad=True")
    assert viz.graph_text(mg.zeros(2, 3)) == "output  [2, 3] float32  requires_grad=False"
    nodes, edges = parse_dot(viz.to_dot(mg.zeros(2, 3)))
    assert nodes == {0: ["output", "[2, 3] float32", "requires_grad=False"]} and edges == []


def test_a_retained_gradient_of_the_output_is_shown():
    x = mg.tensor([3.0, 4.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.backward(mg.tensor([3.0, -4.0]))
    assert viz.graph_text(y).splitlines()[0] == "output  [2] float32  grad norm 5"


def test_names_with_quotes_and_backslashes_are_escaped_in_dot():
    x = mg.tensor(1.0, requires_grad=True)
    text = viz.to_dot(x * 2, params={'say "hi" \\o/': x})
    assert 'label="say \\"hi\\" \\\\o/\\n[] float32' in text


def test_deep_graphs_are_walked_without_recursion():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    nodes, edges = parse_dot(viz.to_dot(y))
    assert len(nodes) == 3002 and len(edges) == 3001
    assert viz.graph_text(y).count("MulBackward") == 3000


# ---------------------------------------------------------------------------------------------
# Rendering


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
@pytest.mark.parametrize("format, magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_render_writes_an_image_with_graphviz(tmp_path, format, magic):
    x, loss = shared_example()
    path = viz.render(loss, tmp_path / f"graph.{format}", format=format, params={"x": x})
    assert path == tmp_path / f"graph.{format}"
    content = path.read_bytes()
    assert content.startswith(magic)
    if format == "svg":
        assert b"MulBackward" in content and b"requires_grad=True" in content


def test_render_without_graphviz_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"Graphviz's `dot` program, which is not on PATH.*"
                                           r"apt-get install graphviz"):
        viz.render(shared_example()[1], tmp_path / "graph.png")
    assert not (tmp_path / "graph.png").exists()


def test_render_reports_a_failing_dot(tmp_path, monkeypatch):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(viz.shutil, "which", lambda name: str(fake))
    with pytest.raises(RuntimeError, match=r"dot failed \(exit status 3\): Error: syntax error"):
        viz.render(shared_example()[1], tmp_path / "graph.svg", format="svg")


def test_render_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format must be one of png, svg, pdf, got 'jpeg'"):
        viz.render(shared_example()[1], tmp_path / "graph.jpeg", format="jpeg")


def test_grad_norm_is_the_euclidean_norm_of_grad():
    """Checked against torch.linalg.norm on a gradient whose float32 sum of squares would lose
    digits: the norm is accumulated in float64."""
    values = np.array([3e4, 4e4, 1e-3], dtype=np.float32)
    x = mg.tensor(values, requires_grad=True)
    x.grad = mg.tensor(values)
    (shown,) = re.search(r"grad norm (\S+)", viz.graph_text(x)).groups()
    expected = float(torch.linalg.norm(torch.tensor(values, dtype=torch.float64)))
    assert math.isclose(float(shown), expected, rel_tol=5e-5)


# ---------------------------------------------------------------------------------------------
# The walk-through (docs/walkthrough.md) shows what its code prints

WALKTHROUGH = (Path(__file__).parent.parent / "docs" / "walkthrough.md").read_text()


def walkthrough_examples() -> list[tuple[str, str | None]]:
    """(code, the output shown right after it or None) for each python block, in order."""
    blocks = re.finditer(r"```python\n(.*?)```\n(?:\n```text\n(.*?)```\n)?", WALKTHROUGH, re.S)
    return [(match.group(1), match.group(2)) for match in blocks]


def test_walkthrough_code_prints_the_output_it_shows():
    namespace: dict = {}
    examples = walkthrough_examples()
    assert len(examples) >= 6
    for code, shown in examples:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "docs/walkthrough.md", "exec"), namespace)
        assert printed.getvalue() == (shown or ""), f"the block\n{code}"
