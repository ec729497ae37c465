"""`minigrad graph` and `minigrad trace`: the graph they draw is PyTorch's graph of the same
loss, every gradient norm they print is PyTorch's (up to the digits shown), the backward pass
visits the nodes in an order PyTorch's could take, and bad arguments fail in one line."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from support import assert_shown, torch_graph, torch_node_name

from minigrad import viz
from minigrad.cli import _Parser, main
from minigrad.cli import graph as graph_command
from minigrad.cli import trace as trace_command
from minigrad.reference import PROGRAMS

TEMPERATURE = PROGRAMS["temperature"]


def run_cli(command: str, *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `minigrad COMMAND ARGV`, as the shell would see them.

    The parser is built from the command's own module, so that these tests do not depend on
    the command's registration in minigrad.cli (tested on its own below)."""
    parser = _Parser(prog="minigrad")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    {"graph": graph_command, "trace": trace_command}[command].add_parser(subparsers)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = parser.parse_args([command, *argv])
            status = args.run(args)
        except SystemExit as exit_:
            status = exit_.code
    return status, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------
# The examples in PyTorch


def torch_temperature() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    t_u, t_c = torch.tensor(TEMPERATURE.T_U), torch.tensor(TEMPERATURE.T_C)
    w = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    return ((w * t_u + b - t_c) ** 2).mean(), {"w": w, "b": b}


def torch_mlp() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The mlp example with minigrad's initial weights (each library has its own generator)."""
    _, ours = graph_command.EXAMPLES["mlp"].build()
    params = {name: torch.tensor(p.detach().numpy(), requires_grad=True)
              for name, p in ours.items()}
    t_u, t_c = torch.tensor(TEMPERATURE.T_U), torch.tensor(TEMPERATURE.T_C)
    x, y = (0.1 * t_u).unsqueeze(1), t_c.unsqueeze(1)
    hidden = torch.tanh(x @ params["hidden.weight"].T + params["hidden.bias"])
    prediction = hidden @ params["out.weight"].T + params["out.bias"]
    return torch.nn.functional.mse_loss(prediction, y), params


TORCH_EXAMPLES = {"temperature": torch_temperature, "mlp": torch_mlp}


def shown_grad_norms(text: str) -> dict[str, str]:
    """name -> the grad norm printed on its line of the tree."""
    return dict(re.findall(r"([\w.]+)  \[[\d, ]*\] float32  requires_grad=True  grad norm (\S+)",
                           text))


# ---------------------------------------------------------------------------------------------
# minigrad graph


def test_graph_of_the_temperature_loss_is_torchs_graph():
    status, out, _ = run_cli("graph")
    assert status == 0
    tree = out[out.index("output  [] float32"):out.index("\n\n", out.index("output  "))]
    loss, params = torch_temperature()
    names = {id(p): name for name, p in params.items()}
    expected = ["output" if consumer is None else
                names[id(node)] if isinstance(node, torch.Tensor) else torch_node_name(node)
                for node, _, consumer, _ in torch_graph(loss)]
    assert [re.sub(r"^[│├└─ ]*", "", line).split()[0] for line in tree.splitlines()] == expected
    assert "loss = ((w * t_u + b - t_c) ** 2).mean()" in out


@pytest.mark.parametrize("example", ["temperature", "mlp"])
def test_graph_shows_torchs_gradient_norm_for_every_parameter(example):
    status, out, _ = run_cli("graph", example)
    assert status == 0
    loss, params = TORCH_EXAMPLES[example]()
    loss.backward()
    shown = shown_grad_norms(out)
    assert sorted(shown) == sorted(params)
    for name, p in params.items():
        assert_shown(shown[name], float(p.grad.double().norm()), np.float32, name,
                     dropped_zeros=True)


def test_graph_of_the_tutorials_first_loss_shows_its_known_gradients():
    """The tutorial's first backward pass: w.grad 4517.2969, b.grad 82.6000."""
    _, out, _ = run_cli("graph")
    assert shown_grad_norms(out) == {"w": "4517.3", "b": "82.6"}


def test_graph_without_backward_shows_no_gradients():
    status, out, _ = run_cli("graph", "--no-backward")
    assert status == 0
    assert "before loss.backward()" in out and "grad norm" not in out
    assert "w  [] float32  requires_grad=True" in out


@pytest.mark.parametrize("example", ["temperature", "mlp"])
def test_graph_as_dot_is_to_dot_of_the_example(example):
    status, out, _ = run_cli("graph", example, "--format", "dot")
    assert status == 0
    loss, names = graph_command.EXAMPLES[example].build()
    loss.backward()
    assert out == viz.to_dot(loss, params=names) + "\n"


@pytest.mark.parametrize("format", ["text", "dot"])
def test_graph_output_file_holds_what_would_be_printed(tmp_path, format):
    _, printed, _ = run_cli("graph", "--format", format)
    path = tmp_path / "graph.txt"
    status, out, _ = run_cli("graph", "--format", format, "--output", str(path))
    assert status == 0
    assert out == f"wrote {path}\n"
    assert path.read_text() == printed


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graph_renders_svg_with_graphviz(tmp_path):
    path = tmp_path / "loss.svg"
    status, out, _ = run_cli("graph", "--format", "svg", "--output", str(path))
    assert status == 0 and out == f"wrote {path}\n"
    assert path.read_bytes().startswith(b"<?xml") and b"MulBackward" in path.read_bytes()


def test_graph_without_graphviz_fails_in_one_line_saying_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    status, out, err = run_cli("graph", "--format", "png", "--output", str(tmp_path / "g.png"))
    assert status == 1 and out == ""
    assert err.startswith("minigrad graph: rendering needs Graphviz's `dot` program")
    assert "apt-get install graphviz" in err and err.count("\n") == 1


def test_graph_picture_needs_an_output_file():
    status, out, err = run_cli("graph", "--format", "svg")
    assert (status, out, err) == (2, "", "minigrad graph: --format svg needs --output FILE\n")


@pytest.mark.parametrize("argv, message", [
    (["nonsense"], "argument example: invalid choice: 'nonsense'"),
    (["--format", "jpeg"], "argument --format: invalid choice: 'jpeg'"),
])
def test_graph_bad_arguments_fail_in_one_line(argv, message):
    status, out, err = run_cli("graph", *argv)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1


# ---------------------------------------------------------------------------------------------
# minigrad trace


def trace_rows(out: str) -> list[tuple[str, str, str, list[str]]]:
    """(node, grad in shape, grad in norm, grads out norms) per row of the printed table."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#  "))
    rows = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        _, node, shape, norm, outs = re.split(r"\s{2,}", line)
        rows.append((node, shape, norm, [] if outs == "-" else outs.split(", ")))
    return rows


def torch_backward_steps(loss: torch.Tensor) -> list[tuple[str, str, float, list[float]]]:
    """Run PyTorch's backward pass with a hook on every node (AccumulateGrad included) that
    records what minigrad's trace shows: (node, shape of the gradient it receives, its norm,
    norms of the gradients it passes to the inputs that take one)."""
    steps: list[tuple[str, str, float, list[float]]] = []

    def recorder(node):
        def hook(grad_inputs, grad_outputs):
            if type(node).__name__ == "AccumulateGrad":
                name, outs = f"AccumulateGrad {list(node.variable.shape)}", []
            else:
                name = torch_node_name(node)
                outs = [float(g.double().norm()) for (fn, _), g
                        in zip(node.next_functions, grad_inputs) if fn is not None]
            (grad,) = grad_outputs
            steps.append((name, str(list(grad.shape)), float(grad.double().norm()), outs))
        return hook

    seen, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            node.register_hook(recorder(node))
            stack.extend(fn for fn, _ in node.next_functions)
    loss.backward()
    return steps


def _shows(text: str, expected: float) -> bool:
    try:
        assert_shown(text, expected, np.float32, dropped_zeros=True)
    except AssertionError:
        return False
    return True


def test_trace_of_the_temperature_loss_shows_torchs_backward_steps():
    status, out, _ = run_cli("trace")
    assert status == 0
    rows = trace_rows(out)
    steps = torch_backward_steps(torch_temperature()[0])
    assert sorted(row[0] for row in rows) == sorted(step[0] for step in steps)
    for node, shape, norm, outs in rows:
        assert any(
            step[:2] == (node, shape) and _shows(norm, step[2]) and len(step[3]) == len(outs)
            and all(_shows(o, e) for o, e in zip(outs, step[3]))
            for step in steps
        ), f"row {node} {shape} {norm} {outs} is none of PyTorch's steps {steps}"
    assert rows[0][:3] == ("MeanBackward", "[]", "1")  # d loss / d loss = 1


def test_trace_of_the_mlp_brings_torchs_gradient_to_every_parameter():
    status, out, _ = run_cli("trace", "mlp")
    assert status == 0
    rows = trace_rows(out)
    loss, params = torch_mlp()
    loss.backward()
    # The parameters' shapes differ, so a leaf's row is found by its shape.
    leaves = {shape: norm for node, shape, norm, _ in rows if node.startswith("AccumulateGrad")}
    assert sorted(leaves) == sorted(str(list(p.shape)) for p in params.values())
    for name, p in params.items():
        assert_shown(leaves[str(list(p.shape))], float(p.grad.double().norm()), np.float32, name,
                     dropped_zeros=True)
    assert rows[0][:3] == ("MseLossBackward", "[]", "1")  # PyTorch's MseLossBackward0


def test_trace_rows_come_in_an_order_the_backward_pass_allows():
    """A node's row comes after the row of every node it receives gradient from, in PyTorch's
    graph of the temperature loss (whose operation names are unique; the two leaves are told
    apart by their gradients)."""
    _, out, _ = run_cli("trace")
    rows = trace_rows(out)
    loss, params = torch_temperature()
    loss.backward()
    position = {}
    for i, (node, _, norm, _) in enumerate(rows):
        if node.startswith("AccumulateGrad"):
            (node,) = [name for name, p in params.items() if _shows(norm, float(p.grad.norm()))]
        position[node] = i
    names = {id(p): name for name, p in params.items()} | {id(loss): "output"}
    graph = {number: names[id(node)] if isinstance(node, torch.Tensor) else torch_node_name(node)
             for node, number, _, first in torch_graph(loss) if first}
    edges = [(graph[number], graph[consumer]) for _, number, consumer, _ in torch_graph(loss)
             if consumer not in (None, 0)]
    assert sorted(position) == sorted(name for n, name in graph.items() if n != 0)
    for node, consumer in edges:
        assert position[consumer] < position[node], f"{node} runs before {consumer}"


# ---------------------------------------------------------------------------------------------
# Registration


def test_graph_and_trace_are_commands_of_minigrad():
    for command in ("graph", "trace"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main([command]) == 0
        assert "MeanBackward" in out.getvalue()


def test_walkthrough_shows_what_the_commands_print():
    walkthrough = (Path(__file__).parent.parent / "docs" / "walkthrough.md").read_text()
    sessions = re.findall(r"```console\n\$ minigrad (\w+)\n(.*?)```", walkthrough, re.S)
    assert [command for command, _ in sessions] == ["graph", "trace"]
    for command, shown in sessions:
        status, out, _ = run_cli(command)
        assert status == 0 and out == shown, f"minigrad {command}"
