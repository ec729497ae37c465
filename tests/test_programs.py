"""Tutorial-style programs (tests/programs/), each run once on PyTorch and once on minigrad with
only its imports changed, and the numbers they print compared.

The programs are written as a beginner writes them against PyTorch: fitting a cubic to sin(x)
by hand, with autograd, with nn.Sequential and an optimizer; custom autograd Functions (one
with mm); a device-agnostic training loop; a classifier with cross_entropy, a DataLoader and
argmax accuracy; the first steps with tensors. Their data and initial weights are made
deterministically (linspace, sin), since the two libraries' random streams differ.

Every number printed is compared in order. Integers and the words around them must be equal;
a float agrees to the relative tolerance of minigrad.testing for the program's dtype: 1e-10
for float64, 1e-5 for float32. float32 is not bit-exact: PyTorch's own float32 kernels do not
round every sum alike (its sums are blocked, its matmul is BLAS's), so the values drift apart
by some ulps a step; after the programs' 2000 steps they are at most 1e-6 apart. A number
printed with a few digits ('{:.4f}') may also differ by one unit in its last place (0.12345
rounds either way).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"
FLOAT32_RTOL = 1e-5  # minigrad.testing's tolerances of the two dtypes
FLOAT64_RTOL = 1e-10
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")
IMPORT = re.compile(r"^(import|from) torch\b", re.MULTILINE)


def on_minigrad(source: str) -> str:
    """The program with its imports of torch made imports of minigrad, the rest unchanged:
    `import torch` -> `import minigrad as torch`, `import torch.nn as nn` -> `import
    minigrad.nn as nn`, `from torch.x import y` -> `from minigrad.x import y`."""
    source = re.sub(r"^import torch$", "import minigrad as torch", source, flags=re.MULTILINE)
    return IMPORT.sub(r"\1 minigrad", source)


def run(source: str, name: str) -> str:
    """What the program prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, name, "exec"), {"__name__": "__main__"})
    return out.getvalue()


def assert_same_numbers(ours: str, theirs: str, rtol: float) -> None:
    """The two outputs are the same text around the numbers, and the numbers agree (see the
    module docstring)."""
    assert NUMBER.sub("#", ours) == NUMBER.sub("#", theirs).replace("torch.", "minigrad."), \
        f"the printed text differs:\n{ours}\n---- PyTorch printed:\n{theirs}"
    for a, b in zip(NUMBER.findall(ours), NUMBER.findall(theirs), strict=True):
        if "." not in b and "e" not in b.lower() and b not in ("nan", "inf"):
            assert a == b, f"{a} != PyTorch's {b}"
            continue
        x, y = float(a), float(b)
        fixed = "." in b and "e" not in b.lower()  # printed with a fixed number of digits
        last_place = 10.0 ** -len(b.split(".")[1]) if fixed else 0.0
        one_unit = fixed and abs(round(x / last_place) - round(y / last_place)) <= 1
        assert math.isclose(x, y, rel_tol=rtol) or one_unit or (x != x and y != y), \
            f"{a} != PyTorch's {b}\n{ours}\n---- PyTorch printed:\n{theirs}"


@pytest.mark.parametrize("path", sorted(PROGRAMS.glob("*.py")), ids=lambda p: p.stem)
def test_program_prints_the_numbers_pytorch_prints(path):
    source = path.read_text()
    theirs = run(source, str(path))
    ours = run(on_minigrad(source), str(path))
    rtol = FLOAT64_RTOL if "float64" in source else FLOAT32_RTOL
    assert_same_numbers(ours, theirs, rtol)


def test_the_comparison_fails_on_a_changed_number_and_a_changed_word():
    assert_same_numbers("loss 0.1235 at 3", "loss 0.1234 at 3", FLOAT32_RTOL)  # last place
    with pytest.raises(AssertionError):
        assert_same_numbers("loss 0.1237 at 3", "loss 0.1234 at 3", FLOAT32_RTOL)
    with pytest.raises(AssertionError):
        assert_same_numbers("loss 0.1234 at 4", "loss 0.1234 at 3", FLOAT32_RTOL)
    with pytest.raises(AssertionError):
        assert_same_numbers("cost 0.1234", "loss 0.1234", FLOAT32_RTOL)


def test_only_the_imports_change():
    source = "import torch\nimport torch.nn as nn\nfrom torch import nn\nx = torch.ones(1)\n"
    assert on_minigrad(source) == ("import minigrad as torch\nimport minigrad.nn as nn\n"
                                   "from minigrad import nn\nx = torch.ones(1)\n")


EDGES = """\
import torch
x = torch.tensor([0.0, -1.0, 1e30, float("inf")])
print(torch.log(x), x / 0, torch.sqrt(x), x * x, x - x, torch.exp(x), x.log1p(), x.pow(-1))
print(torch.tensor([0.0]).log() * 0, torch.tensor([1e38]) * 10, torch.tensor([-1e38]).exp())
print(x.softmax(0), torch.log_softmax(x, 0), x.sum(), x.mean(), x.std(), x.norm(), x.tanh())
y = torch.tensor([0.0, -1.0, 2.0], requires_grad=True)
(y.log() + y.sqrt()).sum().backward()
print(y.grad)
"""


# The program's own NumPy call: NumPy warns, whichever library the program imports.
USERS_NUMPY = """\
import numpy as np
print(np.log(np.zeros(1)))
"""


@pytest.mark.parametrize("flags", [[], ["-W", "default"]], ids=["default filters", "-W default"])
def test_floating_point_edge_cases_print_pytorchs_values_and_no_warning(flags):
    """log(0), 0/0, sqrt(-1), overflows: inf and nan, silently, as PyTorch (NumPy would warn),
    while the program's own NumPy call still warns. Each program runs in a fresh interpreter,
    with Python's default warning filters and with `-W default` (as `python -X dev` shows
    warnings): minigrad's filter comes first, and names minigrad's modules only."""
    import subprocess
    import sys

    outputs = [subprocess.run([sys.executable, *flags, "-c", source], capture_output=True,
                              text=True, timeout=120)
               for source in (EDGES + USERS_NUMPY, on_minigrad(EDGES) + USERS_NUMPY)]
    theirs, ours = outputs
    assert theirs.returncode == ours.returncode == 0, ours.stderr
    assert theirs.stderr.count("RuntimeWarning: divide by zero encountered in log") == 1
    assert ours.stderr == theirs.stderr
    assert_same_numbers(ours.stdout, theirs.stdout, FLOAT32_RTOL)
