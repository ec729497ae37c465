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
