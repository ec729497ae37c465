"""`minigrad trace`: watch the backward pass of a small model's loss, node by node.

    minigrad trace [EXAMPLE]

EXAMPLE is one of `minigrad graph`'s (`temperature`, the default, or `mlp`). The loss is built
and `loss.backward()` runs inside `minigrad.autograd.trace()`; the table shows the nodes in the
order the backward pass visits them, the shape and norm of the gradient each one receives, and
the norms of the gradients it passes on to its inputs.
"""

from __future__ import annotations

import argparse

from minigrad.autograd import trace
from minigrad.cli.graph import EXAMPLES, add_example_argument


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `trace` subcommand."""
    parser = subparsers.add_parser(
        "trace",
        help="watch the backward pass of a small model's loss, node by node",
        description=(
            "Build a small model's loss and run loss.backward() under "
            "minigrad.autograd.trace(): show each node the backward pass visits, in order, "
            "with the gradient it receives and the gradients it passes on."
        ),
        epilog="example: minigrad trace mlp",
    )
    add_example_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    example = EXAMPLES[args.example]
    loss, _ = example.build()
    with trace() as steps:
        loss.backward()
    code = "\n".join(f"    {line}" for line in example.code.splitlines())
    print(f"{code}\n\nThe backward pass of loss.backward(), node by node:\n\n{steps}\n")
    print(
        "A node runs once every gradient flowing into it has arrived: it receives d loss / d "
        "its output\n(the first node receives 1, d loss / d loss), multiplies by its local "
        "derivative (the chain\nrule) and passes one gradient to each input that requires "
        "grad. AccumulateGrad is a leaf:\nthere the gradient comes to rest in .grad."
    )
    return 0
