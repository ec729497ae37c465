"""`minigrad graph`: draw the graph behind a small model's loss.

    minigrad graph [EXAMPLE] [--format text|dot|svg|png] [--output FILE] [--no-backward]

EXAMPLE is `temperature` (the default: the line w * t_u + b fitted to the thermometer readings
of the temperature lesson, with the mean squared error) or `mlp` (a 1-3-1 tanh network on the
same readings). The loss is built and, unless --no-backward, backpropagated, so that every leaf
shows the norm of its gradient. The graph is printed as an indented tree (text, the default) or
as Graphviz DOT, or rendered to an SVG or PNG file when Graphviz is installed.

The examples live here and are shared with `minigrad trace`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import minigrad as mg
from minigrad import viz
from minigrad.reference import PROGRAMS

FORMATS = ("text", "dot", "svg", "png")


@dataclass(frozen=True)
class Example:
    """A loss to look at.

    Attributes:
        code: the lines that build it, shown above the graph.
        build: returns the loss and the named leaves that require grad.
    """

    code: str
    build: Callable[[], tuple[mg.Tensor, dict[str, mg.Tensor]]]


def _readings() -> tuple[mg.Tensor, mg.Tensor]:
    """The temperature lesson's data: readings t_u in an unknown unit, t_c in Celsius."""
    temperature = PROGRAMS["temperature"]
    return mg.tensor(temperature.T_U), mg.tensor(temperature.T_C)


def _temperature() -> tuple[mg.Tensor, dict[str, mg.Tensor]]:
    t_u, t_c = _readings()
    w = mg.tensor(1.0, requires_grad=True)
    b = mg.tensor(0.0, requires_grad=True)
    loss = ((w * t_u + b - t_c) ** 2).mean()
    return loss, {"w": w, "b": b}


def _mlp() -> tuple[mg.Tensor, dict[str, mg.Tensor]]:
    t_u, t_c = _readings()
    mg.manual_seed(0)
    hidden, out = mg.nn.Linear(1, 3), mg.nn.Linear(3, 1)
    x, y = (0.1 * t_u).unsqueeze(1), t_c.unsqueeze(1)
    loss = mg.nn.functional.mse_loss(out(hidden(x).tanh()), y)
    names: dict[str, mg.Tensor] = {f"hidden.{name}": p for name, p in hidden.named_parameters()}
    names.update({f"out.{name}": p for name, p in out.named_parameters()})
    return loss, names


EXAMPLES = {
    "temperature": Example(
        "t_u, t_c = the 11 thermometer readings and their temperatures in Celsius\n"
        "w = tensor(1.0, requires_grad=True)\n"
        "b = tensor(0.0, requires_grad=True)\n"
        "loss = ((w * t_u + b - t_c) ** 2).mean()",
        _temperature,
    ),
    "mlp": Example(
        "t_u, t_c = the 11 thermometer readings and their temperatures in Celsius\n"
        "manual_seed(0)\n"
        "hidden, out = nn.Linear(1, 3), nn.Linear(3, 1)\n"
        "x, y = (0.1 * t_u).unsqueeze(1), t_c.unsqueeze(1)\n"
        "loss = nn.functional.mse_loss(out(hidden(x).tanh()), y)",
        _mlp,
    ),
}


def add_example_argument(parser: argparse.ArgumentParser) -> None:
    """The EXAMPLE positional argument, shared with `minigrad trace`."""
    parser.add_argument(
        "example", nargs="?", choices=tuple(EXAMPLES), default="temperature",
        help="the loss to look at (default: temperature)",
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `graph` subcommand."""
    parser = subparsers.add_parser(
        "graph",
        help="draw the graph behind a small model's loss",
        description=(
            "Build a small model's loss, run loss.backward(), and draw the graph that the "
            "backward pass walks: operations, leaves with their shapes, dtypes and gradient "
            "norms."
        ),
        epilog="example: minigrad graph --format svg --output loss.svg",
    )
    add_example_argument(parser)
    parser.add_argument(
        "--format", choices=FORMATS, default="text",
        help="text: an indented tree (default); dot: Graphviz source; svg, png: a picture "
        "(needs Graphviz and --output)",
    )
    parser.add_argument("--output", type=Path, metavar="FILE", help="write to FILE")
    parser.add_argument(
        "--no-backward", dest="backward", action="store_false",
        help="draw the graph before loss.backward(): no gradient norms",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    example = EXAMPLES[args.example]
    loss, names = example.build()
    if args.backward:
        loss.backward()

    if args.format in ("svg", "png"):
        if args.output is None:
            print(f"minigrad graph: --format {args.format} needs --output FILE", file=sys.stderr)
            return 2
        try:
            viz.render(loss, args.output, format=args.format, params=names)
        except RuntimeError as error:
            print(f"minigrad graph: {error}", file=sys.stderr)
            return 1
        print(f"wrote {args.output}")
        return 0

    if args.format == "dot":
        text = viz.to_dot(loss, params=names)
    else:
        text = _explained(example, viz.graph_text(loss, params=names), args.backward)
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text + "\n")
        print(f"wrote {args.output}")
    return 0


def _explained(example: Example, tree: str, backward: bool) -> str:
    when = "after loss.backward()" if backward else "before loss.backward()"
    code = "\n".join(f"    {line}" for line in example.code.splitlines())
    return (
        f"{code}\n\n"
        f"The graph behind loss, {when}:\n\n"
        f"{tree}\n\n"
        "Each line is a node; below it, indented, are the nodes it sends gradient to, as the\n"
        "backward pass walks them from the loss to the leaves. Inputs that need no gradient\n"
        "(the data) are not part of the graph."
    )
