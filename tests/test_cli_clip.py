"""`minigrad clip`: every number it prints is PyTorch's clip_grad_norm_ answer (up to the digits
shown), it refutes the tutorial's wrong answer, and bad arguments fail in one line."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import assume, given
from support import assert_shown, assert_usage_error, run_minigrad

TUTORIAL = ["1", "2", "3", "4", "5", "--max-norm", "3"]


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `minigrad clip ARGV`."""
    return run_minigrad("clip", *argv)


def assert_vector_shown(text: str, expected: np.ndarray, dtype: np.dtype, what: str) -> None:
    shown = [item.strip() for item in text.strip("[]").split(",")]
    assert len(shown) == len(expected), f"{what}: shows {text}, PyTorch gives {expected}"
    for item, value in zip(shown, expected):
        assert_shown(item, float(value), dtype, what)


def arg(value: float) -> str:
    """A number as a command-line word: positional notation, because argparse takes '-1e-3'
    for an option (see test_clip_takes_exponent_form_negatives_after_a_double_dash)."""
    return np.format_float_positional(value, trim="-")


def field(pattern: str, output: str) -> str:
    match = re.search(pattern, output, re.M)
    assert match, f"no line matching {pattern!r} in:\n{output}"
    return match.group(1)


def torch_clip(values: list[float], max_norm: float, p: float, dtype: np.dtype):
    """PyTorch's clip_grad_norm_ on one parameter: (norm returned, clipped gradient)."""
    param = torch.zeros(len(values), dtype=getattr(torch, str(dtype)), requires_grad=True)
    param.grad = torch.tensor(np.array(values, dtype=dtype))
    norm = torch.nn.utils.clip_grad_norm_(param, max_norm=max_norm, norm_type=p)
    return norm.item(), param.grad


def torch_wrong_recipe(values: list[float], c: float, p: float, dtype: np.dtype):
    """The tutorial's recipe in PyTorch: clamp each element to [-c, c], rescale to norm c."""
    cut = torch.tensor(np.array(values, dtype=dtype)).clamp(-c, c)
    return cut, cut * (c / (torch.linalg.vector_norm(cut, p).item() + 1e-6))


# ---------------------------------------------------------------------------------- strategies
VALUES = st.one_of(st.floats(-100, 100), st.sampled_from([0.0, 1.0, -3.0, 1e-3]))
NORM_TYPES = st.one_of(
    st.sampled_from(["1", "2", "3", "0.5", "inf", "2.5"]),
    st.floats(0.5, 6.0).map(repr),
)
DTYPES = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])


# ------------------------------------------------------------------------- the numbers shown
@given(
    values=st.lists(VALUES, min_size=1, max_size=8),
    max_norm=st.floats(0.01, 50.0),
    norm_type=NORM_TYPES,
    dtype=DTYPES,
)
def test_clip_shows_pytorchs_norm_coefficient_and_clipped_gradients(
    values, max_norm, norm_type, dtype
):
    """Each step's number is PyTorch's: the norm clip_grad_norm_ returns, max_norm/(norm+1e-6),
    the clipped gradients, their new norm; and the command says the two libraries agree."""
    assume(values != [1.0, 2.0, 3.0, 4.0, 5.0])  # the tutorial's example has its own test
    p = float(norm_type)
    status, out, _ = run_cli(*map(arg, values), "--max-norm", arg(max_norm),
                             "--norm-type", norm_type, "--dtype", str(dtype))
    norm, clipped = torch_clip(values, max_norm, p, dtype)

    assert status == 0
    assert_shown(field(r"returns this value, (\S+):", out), norm, dtype, "norm")
    coef = max_norm / (norm + 1e-6)
    assert_shown(field(r"^   coef = .* = (\S+)$", out), coef, dtype, "coefficient")
    if coef < 1 - 1e-4:
        assert "< 1: the gradients are too long" in out
    elif coef > 1 + 1e-4:
        assert ">= 1: the norm is already within max_norm" in out
    assert_vector_shown(field(r"^   g = (\[.*\])$", out), clipped.numpy(), dtype, "clipped")
    new_norm = torch.linalg.vector_norm(clipped, p).item()
    assert_shown(field(r"their \S+-norm: (\S+)", out), new_norm, dtype, "new norm")
    assert re.search(r"minigrad and PyTorch agree", out)


@given(
    values=st.lists(VALUES, min_size=1, max_size=6),
    max_norm=st.floats(0.5, 20.0),
    norm_type=NORM_TYPES,
)
def test_clip_contrasts_the_wrong_recipe_computed_on_the_given_gradients(
    values, max_norm, norm_type
):
    """For gradients other than the tutorial's, the recipe (clamp each element, rescale to
    max_norm) is applied to them and compared, and the tutorial's printed numbers are not shown."""
    assume(values != [1.0, 2.0, 3.0, 4.0, 5.0])
    dtype, p = np.dtype(np.float32), float(norm_type)
    _, out, _ = run_cli(*map(arg, values), "--max-norm", arg(max_norm),
                        "--norm-type", norm_type)
    cut, rescaled = torch_wrong_recipe(values, max_norm, p, dtype)
    _, clipped = torch_clip(values, max_norm, p, dtype)

    assert "For contrast, a common wrong recipe" in out
    assert "The tutorial's answer" not in out and "It prints:" not in out
    assert_vector_shown(field(r"clip_grad_value_\(g, \S+\) -> (\[.*\])", out), cut.numpy(),
                        dtype, "element-clipped")
    assert_vector_shown(field(r"rescaled to norm \S+\s+-> (\[.*\])", out), rescaled.numpy(),
                        dtype, "rescaled")
    g = np.array(values, dtype=dtype).astype(np.float64)
    if not np.array_equal(cut.double().numpy(), g):
        r = rescaled.double().numpy()
        cosine = np.clip(g @ r / (np.linalg.norm(g) * np.linalg.norm(r)), -1, 1)
        shown = float(field(r"It points (\S+) degrees away from g", out))
        assert shown == pytest.approx(math.degrees(math.acos(cosine)), abs=0.05 + 1e-3)
    else:
        assert "No element exceeds" in out
    stretched = torch.linalg.vector_norm(rescaled, p) / torch.linalg.vector_norm(clipped, p)
    if stretched > 1.01:
        assert "it stretches the step" in out
    elif stretched < 1:
        assert "stretches" not in out


def test_clip_tutorial_example_shows_pytorchs_answer_and_refutes_the_tutorial():
    """[1, 2, 3, 4, 5] with max_norm 3: norm √55 and g·3/√55, as PyTorch computes; the
    tutorial's 3.1623 and its vector of norm 3.996 are quoted and refuted, and its recipe is
    worked out: clip_grad_value_ gives [1, 2, 3, 3, 3], rescaled [0.5303, ...]."""
    dtype = np.dtype(np.float32)
    status, out, _ = run_cli(*TUTORIAL)
    norm, clipped = torch_clip([1, 2, 3, 4, 5], 3.0, 2.0, dtype)
    cut, rescaled = torch_wrong_recipe([1, 2, 3, 4, 5], 3.0, 2.0, dtype)
    tutorial_vector = torch.tensor([0.5388, 1.0776, 1.6164, 2.1553, 2.6941], dtype=torch.float64)

    assert status == 0
    assert "= sqrt(1^2 + 2^2 + 3^2 + 4^2 + 5^2) = sqrt(55) = 7.4162" in out
    assert_shown(field(r"returns this value, (\S+):", out), norm, dtype)
    assert_vector_shown(field(r"^   g = (\[.*\])$", out), clipped.numpy(), dtype, "clipped")
    assert "minigrad and PyTorch agree, bit for bit" in out
    assert "It prints: norm 3.1623, clipped g = [0.5388, 1.0776, 1.6164, 2.1553, 2.6941]" in out
    assert f"not 3.1623 (that is sqrt(10) = {math.sqrt(10):.4f})" in out
    assert (f"have norm {torch.linalg.vector_norm(tutorial_vector).item():.4f}, above "
            "max_norm = 3") in out
    assert "is not clip_grad_norm_. Its first half is clip_grad_value_" in out
    assert_vector_shown(field(r"clip_grad_value_\(g, 3\) -> (\[.*\])", out), cut.numpy(),
                        dtype, "element-clipped")
    assert_vector_shown(field(r"rescaled to norm 3\s+-> (\[.*\])", out), rescaled.numpy(),
                        dtype, "rescaled")
    assert "does not even give the tutorial's printed numbers" in out


@pytest.mark.parametrize("norm_type, definition", [
    ("1", "||g||_1 = sum |g_i|"),
    ("2", "||g||_2 = sqrt(sum g_i^2)"),
    ("3", "||g||_3 = (sum |g_i|^3)^(1/3)"),
    ("inf", "||g||_inf = max |g_i|"),
])
def test_clip_writes_out_the_definition_of_each_norm_type(norm_type, definition):
    _, out, _ = run_cli(*TUTORIAL, "--norm-type", norm_type)
    norm, _ = torch_clip([1, 2, 3, 4, 5], 3.0, float(norm_type), np.dtype(np.float32))
    assert definition in out
    assert_shown(field(r"returns this value, (\S+):", out), norm, np.dtype(np.float32))


@pytest.mark.parametrize("values, terms", [
    (["0.5", "-8", "1"], "0.5^2 + (-8)^2 + 1^2"),  # -8^2 would read as -(8^2)
    ([str(v) for v in range(1, 11)], "1^2 + 2^2 + 3^2 + ... + 10^2"),
])
def test_clip_writes_out_the_sum_of_squares_on_the_given_values(values, terms):
    g = torch.tensor([float(v) for v in values])
    _, out, _ = run_cli(*values, "--max-norm", "1")
    assert f"= sqrt({terms}) = sqrt({torch.sum(g**2).item():.6g}) = " in out


@pytest.mark.parametrize("max_norm, effect", [
    ("0", "every gradient becomes 0"),
    ("-2", "flips the sign of\n   every gradient"),
])
def test_clip_accepts_a_nonpositive_max_norm_as_pytorch_does_and_says_what_it_does(
    max_norm, effect
):
    """PyTorch does not validate max_norm: 0 zeroes the gradients, a negative value flips them.
    The command accepts it too (it explains PyTorch's function) and says so."""
    dtype = np.dtype(np.float32)
    status, out, _ = run_cli("3", "-4", "--max-norm", max_norm)
    _, clipped = torch_clip([3, -4], float(max_norm), 2.0, dtype)
    assert status == 0
    assert effect in out
    assert_vector_shown(field(r"^   g = (\[.*\])$", out), clipped.numpy(), dtype, "clipped")
    assert "minigrad and PyTorch agree" in out


@pytest.mark.parametrize("values, explanation", [
    (["inf", "1"], "The norm is inf, so coef is 0"),
    (["1e20", "1e20"], "The norm is inf, so coef is 0"),  # the float32 square overflows
    (["nan", "1"], "every gradient becomes nan"),
])
def test_clip_explains_a_nonfinite_norm_like_pytorchs_default(values, explanation):
    """error_if_nonfinite=False: an inf norm gives coef 0 (finite gradients 0, inf ones nan),
    a nan norm makes every gradient nan."""
    dtype = np.dtype(np.float32)
    status, out, _ = run_cli(*values, "--max-norm", "1")
    norm, clipped = torch_clip([float(v) for v in values], 1.0, 2.0, dtype)
    assert status == 0
    assert explanation in out
    assert_shown(field(r"returns this value, (\S+):", out), norm, dtype)
    assert_vector_shown(field(r"^   g = (\[.*\])$", out), clipped.numpy(), dtype, "clipped")
    assert "For contrast" not in out


def test_clip_says_when_the_norm_is_already_within_max_norm():
    status, out, _ = run_cli("0.1", "-0.2", "--max-norm", "1")
    assert status == 0
    assert "min(coef, 1) = 1 and the gradients stay as they are" in out
    assert field(r"^   g = (\[.*\])$", out) == "[0.1000, -0.2000]"


# ------------------------------------------------------------------------ PyTorch, or not
def test_clip_without_pytorch_still_explains_and_says_how_to_compare(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    status, out, _ = run_cli(*TUTORIAL)
    assert status == 0
    assert "returns this value, 7.4162" in out
    assert "PyTorch is not installed" in out and 'pip install -e ".[test]"' in out
    assert "The tutorial's answer, and why it is wrong" in out


def test_clip_reports_a_disagreement_with_pytorch_and_exits_1(monkeypatch):
    """The comparison is real: a PyTorch that scales too little is caught."""
    real = torch.nn.utils.clip_grad_norm_

    def scales_too_little(parameters, max_norm, norm_type=2.0):
        return real(parameters, 1.01 * max_norm, norm_type)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", scales_too_little)
    status, out, _ = run_cli(*TUTORIAL)
    assert status == 1
    assert "minigrad and PyTorch DIFFER" in out


# ----------------------------------------------------------------------------- the arguments
def test_clip_takes_negative_gradients_as_values_not_options():
    dtype = np.dtype(np.float32)
    status, out, _ = run_cli("-1", "-2", "2", "--max-norm", "1")
    norm, _ = torch_clip([-1, -2, 2], 1.0, 2.0, dtype)
    assert status == 0
    assert "on gradients g = [-1, -2, 2]" in out
    assert_shown(field(r"returns this value, (\S+):", out), norm, dtype)


def test_clip_takes_exponent_form_negatives_after_a_double_dash():
    """argparse reads '-1e-3' as an option (only -1 and -0.5 look like numbers to it); the
    help says to put such gradients last, after --."""
    dtype = np.dtype(np.float32)
    status, out, _ = run_cli("--max-norm", "1", "--", "-1e-3", "2")
    norm, _ = torch_clip([-1e-3, 2], 1.0, 2.0, dtype)
    assert status == 0
    assert_shown(field(r"returns this value, (\S+):", out), norm, dtype)
    assert "after --" in run_cli("--help")[1]


@pytest.mark.parametrize("argv, message", [
    (["1", "abc", "--max-norm", "3"], "argument GRADIENT: not a number: 'abc'"),
    (["1", "2", "--max-norm", "x"], "argument --max-norm: not a number: 'x'"),
    (["1", "2"], "the following arguments are required: --max-norm"),
    (["--max-norm", "3"], "the following arguments are required: GRADIENT"),
    (TUTORIAL + ["--norm-type", "0"], "the norm type must be a positive number or inf, got '0'"),
    (TUTORIAL + ["--norm-type", "-2"], "the norm type must be a positive number or inf"),
    (TUTORIAL + ["--norm-type", "fro"], "argument --norm-type: not a number: 'fro'"),
    (TUTORIAL + ["--dtype", "int64"], "argument --dtype: invalid choice: 'int64'"),
    (["1e39", "1", "--max-norm", "1"],
     f"argument GRADIENT: 1e+39 overflows float32 (largest {np.finfo(np.float32).max:g}); "
     "try --dtype float64"),
], ids=["gradient", "max-norm", "no max-norm", "no gradient", "p=0", "p<0", "fro", "dtype",
        "float32 overflow"])
def test_clip_bad_arguments_fail_in_one_line_with_status_2(argv, message):
    assert_usage_error("clip", argv, message)


def test_clip_help_lists_its_options():
    status, out, _ = run_cli("--help")
    assert status == 0
    for option in ("GRADIENT", "--max-norm", "--norm-type", "--dtype"):
        assert option in out


def test_clip_runs_as_python_m_minigrad_cli():
    command = [sys.executable, "-m", "minigrad.cli", "clip"]
    done = subprocess.run(command + TUTORIAL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "returns this value, 7.4162" in done.stdout
    bad = subprocess.run(command + ["1", "x", "--max-norm", "1"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr == "minigrad clip: error: argument GRADIENT: not a number: 'x'\n"
