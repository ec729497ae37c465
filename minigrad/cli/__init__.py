"""The `minigrad` command (also `python -m minigrad`).

Each subcommand is a module here with `add_parser(subparsers)` and `run(args) -> int`:

    minigrad parity [PROGRAM ...]   run the tutorials' programs on minigrad and PyTorch, compare
    minigrad clip 1 2 3 --max-norm 3
                                    explain gradient clipping step by step
    minigrad demo LESSON            replay a lesson on minigrad, with an optional plot
    minigrad graph / trace          draw a loss's graph, watch the backward pass walk it
    minigrad bench                  time training steps: minigrad, PyTorch, hand-written NumPy
    minigrad coverage               which of PyTorch's public names minigrad has
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("parity", "clip", "demo", "graph", "trace", "bench", "coverage")


class _Parser(argparse.ArgumentParser):
    """Bad arguments give a one-line error and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="minigrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"minigrad.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"minigrad.cli.{name}":
                raise
            continue  # a command not written yet
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except BrokenPipeError:  # `minigrad clip ... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
