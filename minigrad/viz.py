"""Drawing the graph behind a tensor: what `backward()` will walk.

    loss = ((w * x + b - y) ** 2).mean()
    print_graph(loss, params={"w": w, "b": b})   # an indented tree in the terminal
    to_dot(loss)                                  # Graphviz DOT text
    render(loss, "loss.svg", format="svg")        # a picture, if Graphviz is installed

The graph is read from the tensors themselves. A tensor made by an operation has a `grad_fn`,
the node of that operation; a node's `next_functions` lead, one per input, to the node that
made the input, to the input itself when it is a leaf that requires grad (where the gradient
comes to rest in `.grad`), or to None when the input needs no gradient (a constant such as the
data: it is not part of the graph, as in PyTorch).

A node does not keep its output, so the graph shows the shapes of the tensors at its ends: the
output, and every leaf with its dtype, requires_grad and, once `backward()` has run, the norm of
its `.grad`. Nodes are numbered n0, n1, ... in the order a depth-first walk from the output
first reaches them, so the same graph always gives the same text.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from minigrad.tensor import Tensor

FORMATS = ("png", "svg", "pdf")

_FILL = {"output": "#c7e9c0", "leaf": "#c6dbef", "constant": "#ffffff", "operation": "#e0e0e0"}


@dataclass
class _Visit:
    """One arrival at a node during the depth-first walk from the output."""

    node: Any  # a Function node, or a Tensor (the output, or a leaf)
    number: int  # n<number>, given at the first arrival
    consumer: int | None  # number of the node this one feeds, None for the output
    first: bool  # False when the node was reached before (a shared node)
    last_child: tuple[bool, ...]  # for each level of the path: was it its parent's last input?


def _inputs(node: Any) -> list[Any]:
    """The nodes that feed `node`: for an operation its inputs that require grad, for the output
    tensor the operation that made it; a leaf has none."""
    if isinstance(node, Tensor):
        return [] if node.grad_fn is None else [node.grad_fn]
    return [parent for parent in node.next_functions if parent is not None]


def _walk(output: Tensor) -> Iterator[_Visit]:
    """Every edge of the graph, depth first from `output`, inputs in order; a node's inputs are
    walked only at its first arrival. An explicit stack, not recursion: graphs can be deep."""
    numbers: dict[int, int] = {}
    stack: list[tuple[Any, int | None, tuple[bool, ...]]] = [(output, None, ())]
    while stack:
        node, consumer, last_child = stack.pop()
        first = id(node) not in numbers
        if first:
            numbers[id(node)] = len(numbers)
        yield _Visit(node, numbers[id(node)], consumer, first, last_child)
        if first:
            inputs = _inputs(node)
            for k in reversed(range(len(inputs))):
                stack.append((inputs[k], numbers[id(node)], (*last_child, k == len(inputs) - 1)))


def _reference_counts(output: Tensor) -> dict[int, int]:
    """How many edges arrive at each node: more than one means the node is shared."""
    counts: dict[int, int] = {}
    for visit in _walk(output):
        counts[visit.number] = counts.get(visit.number, 0) + 1
    return counts


def _describe(node: Any, names: dict[int, str], is_output: bool) -> tuple[str, list[str]]:
    """The kind of a node ("output", "leaf", "constant" or "operation") and its label lines."""
    if not isinstance(node, Tensor):
        return "operation", [node.name()]
    name = names.get(id(node), "output" if is_output else "leaf")
    lines = [name, f"{list(node.shape)} {node.dtype.name}"]
    if node.is_leaf:
        lines.append(f"requires_grad={node.requires_grad}")
    # A non-leaf tensor has a .grad only if it asked to keep one (and reading it otherwise warns).
    if node.is_leaf or node.retains_grad:
        grad = node.grad
        if grad is not None:
            norm = float(np.sqrt(np.sum(np.square(grad.numpy(), dtype=np.float64))))
            lines.append(f"grad norm {norm:.5g}")
    if is_output:
        return "output", lines
    return ("leaf" if node.requires_grad else "constant"), lines


def _names(params: Mapping[str, Tensor] | None) -> dict[int, str]:
    return {id(tensor): name for name, tensor in (params or {}).items()}


def to_dot(tensor: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """The graph behind `tensor` as Graphviz DOT text, drawn in the forward direction: leaves at
    the top, arrows along the data flow, the output at the bottom.

    Args:
        tensor: the output, usually a loss.
        params: names for tensors (e.g. `dict(model.named_parameters())`), as torchviz's
            `make_dot`; unnamed leaves are labelled "leaf".

    Returns:
        The DOT source; `render` turns it into a picture, and any Graphviz viewer shows it.
    """
    names = _names(params)
    lines = [
        "digraph minigrad {",
        '    node [fontname="Helvetica", fontsize=11];',
    ]
    edges = []
    for visit in _walk(tensor):
        if visit.first:
            kind, label = _describe(visit.node, names, visit.consumer is None)
            shape = "ellipse" if kind == "operation" else "box"
            text = "\\n".join(_dot_escape(line) for line in label)
            lines.append(
                f'    n{visit.number} [label="{text}", shape={shape}, style=filled, '
                f'fillcolor="{_FILL[kind]}"];'
            )
        if visit.consumer is not None:
            edges.append(f"    n{visit.number} -> n{visit.consumer};")
    return "\n".join([*lines, *edges, "}"])


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def graph_text(tensor: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """The graph behind `tensor` as an indented tree, from the output back to the leaves (the
    order of the backward pass). A node reached a second time is not expanded again: it is
    marked with its number at its first appearance and referred to by it afterwards.

    Args: as `to_dot`.
    """
    names = _names(params)
    shared = {number for number, count in _reference_counts(tensor).items() if count > 1}
    lines = []
    for visit in _walk(tensor):
        kind, label = _describe(visit.node, names, visit.consumer is None)
        branch = "".join("   " if last else "│  " for last in visit.last_child[:-1])
        if visit.last_child:
            branch += "└─ " if visit.last_child[-1] else "├─ "
        if not visit.first:
            lines.append(f"{branch}{label[0]} (n{visit.number}, shown above)")
            continue
        text = label[0] + "".join(f"  {line}" for line in label[1:])
        mark = f"  (n{visit.number})" if visit.number in shared else ""
        lines.append(f"{branch}{text}{mark}")
    return "\n".join(lines)


def print_graph(
    tensor: Tensor, params: Mapping[str, Tensor] | None = None, file: TextIO | None = None
) -> None:
    """Print `graph_text(tensor, params)` to `file` (standard output by default)."""
    print(graph_text(tensor, params), file=file if file is not None else sys.stdout)


def render(
    tensor: Tensor,
    path: str | Path,
    format: str = "png",
    params: Mapping[str, Tensor] | None = None,
) -> Path:
    """Draw the graph behind `tensor` into an image file with Graphviz's `dot` program.

    Args:
        tensor, params: as `to_dot`.
        path: the file to write.
        format: "png", "svg" or "pdf".

    Returns:
        `path`, as a Path.

    Raises:
        ValueError: for another format.
        RuntimeError: when Graphviz is not installed, or `dot` fails.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "rendering needs Graphviz's `dot` program, which is not on PATH. Install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; others: "
            "https://graphviz.org/download/), or write the text of to_dot() to a .dot file and "
            "open it in any Graphviz viewer."
        )
    path = Path(path)
    done = subprocess.run(
        [dot, f"-T{format}", "-o", str(path)],
        input=to_dot(tensor, params), capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz's dot failed (exit status {done.returncode}): "
                           f"{done.stderr.strip()}")
    return path
