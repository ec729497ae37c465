"""The README's examples run as written, and the values its comments promise are the ones
minigrad prints (each such comment was checked against PyTorch)."""

import re
from pathlib import Path

import pytest

README = (Path(__file__).parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index):
    exec(compile(BLOCKS[index], f"README block {index}", "exec"), {})


def test_readme_comments_show_the_values_the_code_computes():
    """Lines like `print(w.grad)  # tensor([0.1407, 0.1870])` state the repr of the value."""
    checked = 0
    for block in BLOCKS:
        namespace: dict = {}
        lines = block.splitlines()
        for n, line in enumerate(lines):
            match = re.match(r"^(?:print\()?([\w.]+(?:\([^#]*\))?)\)?\s+# (tensor\(.*?\))", line)
            if not match:
                continue
            exec("\n".join(lines[:n]), namespace)
            shown = repr(eval(match.group(1), namespace))
            assert shown == match.group(2), f"README says {match.group(2)}, code gives {shown}"
            checked += 1
    assert checked >= 3


def test_the_minimal_engine_in_docs_computes_pytorchs_gradient():
    """docs/minimal_engine.py, the floor of per-operation cost that the README's Speed section
    cites, must compute what it claims: the OP chain's gradient, as PyTorch gives it."""
    import importlib.util

    import numpy as np
    import torch

    path = Path(__file__).parent.parent / "docs" / "minimal_engine.py"
    spec = importlib.util.spec_from_file_location("minimal_engine", path)
    engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(engine)

    rng = np.random.default_rng(1)
    x0, w0, b0 = (rng.uniform(-1, 1, 16) for _ in range(3))
    x = engine.Tensor(x0.copy(), requires_grad=True)
    w, b = engine.Tensor(w0), engine.Tensor(b0)
    tx = torch.tensor(x0, requires_grad=True)
    tw, tb = torch.tensor(w0), torch.tensor(b0)
    y, ty = x, tx
    for _ in range(20):
        y = (y * w + b).tanh() + x
        ty = (ty * tw + tb).tanh() + tx
    engine.backward(y, np.ones(16))
    ty.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)


def _reading_path() -> list[tuple[str, str, int]]:
    """The README's reading path: (file, what to read, lines claimed) per row."""
    section = README.split("### The reading path", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| \d+ \| `([^`]+)` \| (.+?) \| (\d+) \|$", section, re.M)
    return [(path, read, int(lines)) for path, read, lines in rows]


def _lines_to_read(path: Path, read: str) -> int:
    """How many lines a row of the reading path asks for: `all` of the file, the file `up to`
    a definition (the lines before it, less trailing blank ones), or the named definitions."""
    import ast

    source = path.read_text().splitlines()
    definitions: dict[str, ast.AST] = {}  # the first definition of each name
    for node in sorted((n for n in ast.walk(ast.parse("\n".join(source)))
                        if isinstance(n, (ast.FunctionDef, ast.ClassDef))),
                       key=lambda n: n.lineno):
        definitions.setdefault(node.name, node)

    def start(node: ast.AST) -> int:
        return min([node.lineno] + [d.lineno for d in node.decorator_list])

    names = re.findall(r"`(\w+)`", read.split(":")[0])
    if read.startswith("all"):
        return len(source)
    if read.startswith("up to"):
        end = start(definitions[names[0]]) - 1
        while not source[end - 1].strip() or source[end - 1].strip().startswith("#"):
            end -= 1
        return end
    return sum(definitions[n].end_lineno - start(definitions[n]) + 1 for n in names)


def test_the_reading_path_reads_in_one_sitting_and_its_line_counts_are_true():
    rows = _reading_path()
    assert len(rows) >= 6
    root = Path(__file__).parent.parent
    for path, read, claimed in rows:
        assert _lines_to_read(root / path, read) == claimed, f"{path}: {read}"
    total = sum(claimed for _, _, claimed in rows)
    assert total <= 900
    assert f"{total} lines" in README.split("### The reading path", 1)[1].split("\n## ", 1)[0]
