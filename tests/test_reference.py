"""The tutorials' programs (minigrad.reference) train the same on minigrad as on PyTorch, and
`minigrad parity` says so.

Every variant of every program, the Dropout one included, runs on both libraries from each
library's own seeded initialisation, in float64 (agreement to rounding noise) and float32
(agreement within PyTorch's own float32 rounding, measured against PyTorch's float64 run, the
rule `minigrad parity` uses). The temperature fit also reproduces the tutorial's numbers and
blows up at the same epoch on both libraries.
"""

from __future__ import annotations

import gzip
import os
import struct
import sys
import types

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import assert_close

import minigrad as mg
from minigrad.cli import main, parity
from minigrad.cli.parity import MKL_MASKS, agreement, first_nonfinite, same_dropout_masks
from minigrad.reference import PROGRAMS, data

# Steps (epochs) per program in the parity test: enough for the optimizers' state to matter,
# few enough for the whole file to take seconds. None: the program's own count.
TEST_STEPS = {
    "temperature": 200,
    "rnn_clipping": 30,
    "dropout_net": 8,
    "gradient_descent": 1,
    "clip_example": None,
}
EVERY_VARIANT = [
    f"{name}/{variant}" for name, program in PROGRAMS.items() for variant in program.VARIANTS
]


# The programs' tensors are small: on a shared machine threads only slow PyTorch down.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_quietly(lib, program, variant, **kwargs):
    """Run a program; NumPy's overflow warnings are expected in the blow-up variant."""
    with np.errstate(all="ignore"):
        return program.run(lib, variant, **kwargs)


def assert_agree(mine, expected, noise=None):
    ratio, reason = agreement(mine, expected, noise)
    assert ratio <= 1.0, f"{reason}: error is {ratio:.3g} times the allowed one"


def skip_where_pytorch_draws_other_masks(program, variant):
    if variant in getattr(program, "MASKED_VARIANTS", ()) and not same_dropout_masks(torch):
        pytest.skip(MKL_MASKS)


# --- every program, every variant, on both libraries ------------------------------------------

@pytest.mark.parametrize("case", EVERY_VARIANT)
def test_program_trains_the_same_on_minigrad_as_on_pytorch(case):
    name, variant = case.split("/")
    program, steps = PROGRAMS[name], TEST_STEPS[name]
    skip_where_pytorch_draws_other_masks(program, variant)
    calls = []
    results = {
        (lib, dtype): run_quietly(
            lib, program, variant, dtype=dtype, steps=steps,
            progress=(lambda *call: calls.append(call)) if lib is mg and dtype == "float64"
            else None,
        )
        for lib in (torch, mg) for dtype in ("float64", "float32")
    }
    torch64, mg64 = results[torch, "float64"], results[mg, "float64"]

    # float64: the suite's tolerance on the loss curve and the parameters, and the parity rule
    # on everything (gradient norms included).
    assert_close(np.array(mg64["losses"]), np.array(torch64["losses"]), what="losses")
    assert mg64["params"].keys() == torch64["params"].keys()
    for key, value in torch64["params"].items():
        assert_close(mg64["params"][key], value, what=key)
    assert_agree(mg64, torch64)
    if "accuracy" in torch64:
        assert mg64["accuracy"] == torch64["accuracy"]

    # float32: within PyTorch's own float32 rounding of this program.
    mg32, torch32 = results[mg, "float32"], results[torch, "float32"]
    assert all(v.dtype == np.float32 for v in mg32["params"].values())
    assert_agree(mg32, torch32, noise=torch64)

    # progress(step, total, loss) after each step.
    assert calls == [(i + 1, len(mg64["losses"]), loss) for i, loss in enumerate(mg64["losses"])]


def test_the_parity_rule_flags_a_difference_larger_than_rounding():
    program = PROGRAMS["temperature"]
    torch64 = run_quietly(torch, program, "scaled", dtype="float64", steps=50)
    mine = run_quietly(mg, program, "scaled", dtype="float64", steps=50)
    assert_agree(mine, torch64)
    mine["params"]["params"] = mine["params"]["params"] * (1 + 1e-8)
    ratio, reason = agreement(mine, torch64)
    assert ratio > 1 and reason == "params[params]"


@settings(max_examples=30)
@given(
    hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(0.1, 1e3)),
    st.floats(1e-8, 1e-2),
    st.data(),
)
def test_float32_allowance_is_four_times_pytorchs_own_rounding(curve, noise, draw):
    """A curve agrees when minigrad's distance to PyTorch's float32 curve is within
    max(1e-5, 4 x the float32 curve's distance to the float64 one)."""
    step = draw.draw(st.integers(0, len(curve) - 1))
    factor = draw.draw(st.sampled_from([0.5, 3.9, 4.1, 10.0]))
    torch64 = {"losses": list(curve), "params": {}}
    torch32 = {"losses": list(curve * (1 + noise)), "params": {}}
    off = curve * (1 + noise)
    allowed = max(1e-5, 4 * noise)
    off[step] *= 1 + factor / 4 * allowed
    ratio, _ = agreement({"losses": list(off), "params": {}}, torch32, torch64)
    assert (ratio <= 1.0) == (factor < 4)


def test_float32_allowance_takes_pytorchs_noisiest_kernel():
    """PyTorch's float32 runs on its other CPU kernels widen the allowance to the largest of
    their distances to float64, and never narrow it."""
    torch64 = {"losses": [1.0, 1.0], "params": {"w": np.array([1.0, 2.0])}}
    torch32 = {"losses": [1.0, 1.0], "params": {"w": np.array([1.0, 2.0 + 1e-6])}}
    mine = {"losses": [1.0, 1.0], "params": {"w": np.array([1.0, 2.0 + 1e-3])}}
    noisy = {"losses": [1.0, 1.0], "params": {"w": np.array([1.0, 2.0 - 1e-3])}}
    assert agreement(mine, torch32, torch64)[0] > 1
    assert agreement(mine, torch32, torch64, (noisy,))[0] <= 1
    assert agreement(mine, torch32, torch64, (torch64,))[0] > 1


def test_a_blow_up_must_happen_at_the_same_step():
    expected = {"losses": [1.0, 1e30, float("inf"), float("nan")], "params": {}}
    late = {"losses": [1.0, 1e30, 1e38, float("nan")], "params": {}}
    assert agreement(expected, expected) == (0.0, "")
    ratio, reason = agreement(late, expected)
    assert ratio == float("inf") and "inf/nan" in reason


# --- the tutorial's numbers -------------------------------------------------------------------

def test_temperature_scaled_inputs_reach_the_tutorials_fit_after_5000_epochs():
    """Loss 2.927648, w 5.3671, b -17.3012 (the tutorial prints them to these digits; PyTorch
    2.13 gives 2.9276469, its summation order differs from the tutorial's PyTorch by 1 ulp)."""
    program = PROGRAMS["temperature"]
    results = {lib: program.run(lib, "scaled") for lib in (torch, mg)}
    for result in results.values():
        w, b = result["params"]["params"]
        assert len(result["losses"]) == 5000
        assert result["losses"][-1] == pytest.approx(2.927648, abs=2e-6)
        assert w == pytest.approx(5.3671, abs=5e-5)
        assert b == pytest.approx(-17.3012, abs=5e-5)
    noise = program.run(torch, "scaled", dtype="float64")
    assert_agree(results[mg], results[torch], noise)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_temperature_raw_inputs_blow_up_at_the_same_epoch_as_pytorch(dtype):
    program = PROGRAMS["temperature"]
    torch_run, mg_run = (run_quietly(lib, program, "raw", dtype=dtype) for lib in (torch, mg))
    blow_up = first_nonfinite(torch_run["losses"])
    assert blow_up is not None and blow_up <= 100
    assert first_nonfinite(mg_run["losses"]) == blow_up
    assert np.array_equal(np.isnan(mg_run["losses"]), np.isnan(torch_run["losses"]))
    if dtype == "float32":
        assert blow_up <= 36  # "within a few dozen epochs"


def test_temperature_clipping_keeps_the_raw_inputs_finite_and_every_step_short():
    program = PROGRAMS["temperature"]
    for lib in (torch, mg):
        result = program.run(lib, "clipped", steps=300)
        assert np.isfinite(result["losses"]).all()
        assert result["losses"][-1] < result["losses"][0] / 10
        assert max(result["grad_norms"]) > 1000  # the clip did act...
        # ...and every step was at most lr * 1.0, up to float32's rounding of the scaled grads
        # (PyTorch's own clipped norms reach 1 + 8e-8).
        assert max(result["clipped_norms"]) <= 1.0 + 1e-6


def test_clip_example_returns_pytorchs_total_norm_and_clipped_gradients():
    program = PROGRAMS["clip_example"]
    expected = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    p = torch.zeros(5, requires_grad=True)
    p.grad = expected.clone()
    total = torch.nn.utils.clip_grad_norm_(p, max_norm=3.0)
    result = program.run(mg)
    assert_close(result["params"]["grad"], p.grad)
    assert result["grad_norms"] == [total.item()]
    assert result["clipped_norms"][0] == pytest.approx(3.0, abs=1e-5)


def test_dropout_variant_is_random_in_train_mode_and_deterministic_in_eval_mode():
    program = PROGRAMS["dropout_net"]
    assert program.MASKED_VARIANTS == ("dropout",)
    for lib in (torch, mg):
        lesson = program.run(lib, "dropout", steps=2)["data"]
        first, second = lesson["train_mode_losses"]
        assert first != second
        assert lesson["eval_mode_losses"][0] == lesson["eval_mode_losses"][1]
        plain = program.run(lib, "no-dropout", steps=2)["data"]
        assert len(set(plain["train_mode_losses"] + plain["eval_mode_losses"])) == 1


@pytest.mark.parametrize("name", ["rnn_clipping", "dropout_net", "gradient_descent"])
def test_programs_start_from_the_libraries_own_seeded_initialisation(name):
    """No weights are copied between the libraries: each program seeds its library and builds
    its model with the default initialisation (drawn in float32, then converted), and the two
    libraries draw the same weights, bit for bit. (Zero steps: the initial parameters.)"""
    program = PROGRAMS[name]
    start = {(lib, dtype): program.run(lib, dtype=dtype, steps=0)["params"]
             for lib in (torch, mg) for dtype in ("float32", "float64")}
    for dtype in ("float32", "float64"):
        expected, mine = start[torch, dtype], start[mg, dtype]
        assert mine.keys() == expected.keys()
        for key, value in expected.items():
            assert mine[key].dtype == value.dtype == dtype
            np.testing.assert_array_equal(mine[key], value)
            np.testing.assert_array_equal(value, start[torch, "float32"][key])


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_interface(name):
    program = PROGRAMS[name]
    assert program.NAME == name and program.TITLE and "\n" not in program.TITLE
    assert len(program.VARIANTS) >= 1
    with pytest.raises(ValueError, match=rf"{name} has no variant 'nope'; valid variants: "):
        program.run(mg, "nope")
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64', got 'int64'"):
        program.run(mg, dtype="int64")


def test_programs_are_registered_in_the_issues_order():
    assert list(PROGRAMS) == [
        "temperature", "rnn_clipping", "dropout_net", "gradient_descent", "clip_example"
    ]


# --- MNIST's IDX files ------------------------------------------------------------------------

IDX_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """The IDX encoding of `array`, written from the format's description."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(IDX_CODES[code]).tobytes()


def write_idx(path, array, code=0x08):
    raw = idx_bytes(array, code)
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as file:
            file.write(raw)
    else:
        path.write_bytes(raw)


@st.composite
def idx_arrays(draw):
    code = draw(st.sampled_from(sorted(IDX_CODES)))
    dtype = np.dtype(IDX_CODES[code]).newbyteorder("=")
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    elements = (st.floats(-1e3, 1e3, width=32) if dtype.kind == "f" else None)
    return code, draw(hnp.arrays(dtype, shape, elements=elements))


@settings(max_examples=40)
@given(idx_arrays(), st.booleans())
def test_read_idx_returns_the_array_written_raw_or_gzipped(tmp_path_factory, case, gz):
    code, array = case
    path = tmp_path_factory.mktemp("idx") / ("data.idx.gz" if gz else "data.idx")
    write_idx(path, array, code)
    read = data.read_idx(path)
    assert read.shape == array.shape and read.dtype == array.dtype
    np.testing.assert_array_equal(read, array)


def test_read_idx_rejects_a_bad_magic_number(tmp_path):
    path = tmp_path / "images.idx"
    path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(20))  # a gzip file without the .gz name
    with pytest.raises(ValueError, match=r"images\.idx is not an IDX file: bad magic number "
                                         r"1f 8b 08 00"):
        data.read_idx(path)


def test_read_idx_rejects_truncated_data(tmp_path):
    path = tmp_path / "labels.idx"
    path.write_bytes(idx_bytes(np.arange(10, dtype=np.uint8), 0x08)[:-3])
    with pytest.raises(ValueError, match=r"truncated IDX data \(shape \(10,\) needs 10 bytes, "
                                         r"the file has 7\)"):
        data.read_idx(path)


def write_mnist(directory, n_train=300, n_test=200, gz=True):
    """A small MNIST-shaped folder: images of digit-like noise and their labels."""
    rng = np.random.default_rng(7)
    suffix = ".gz" if gz else ""
    for split, n in (("train", n_train), ("test", n_test)):
        images_name, labels_name = data.MNIST_FILES[split]
        write_idx(directory / f"{images_name}{suffix}",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(directory / f"{labels_name}{suffix}",
                  rng.integers(0, 10, n, dtype=np.uint8))


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_scales_images_to_0_1_and_flattens_them(tmp_path, gz):
    write_mnist(tmp_path, n_train=4, n_test=3, gz=gz)
    images, labels = data.load_mnist(tmp_path, "test")
    raw = data.read_idx(tmp_path / f"t10k-images-idx3-ubyte{'.gz' if gz else ''}")
    assert images.shape == (3, 784) and labels.shape == (3,) and labels.dtype == np.int64
    np.testing.assert_array_equal(images, raw.reshape(3, 784) / 255.0)


def test_load_mnist_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"MNIST file not found: .*train-images-idx3-ubyte"
                                                r" or .*train-images-idx3-ubyte\.gz"):
        data.load_mnist(tmp_path)


def test_digits_are_upsampled_to_28x28_in_0_1():
    from sklearn.datasets import load_digits

    images, labels = data.load_digits_784()
    digits = load_digits()
    assert images.shape == (1797, 784) and images.min() == 0 and images.max() == 1
    square = images.reshape(-1, 28, 28)
    assert (square[:, :2] == 0).all() and (square[:, :, -2:] == 0).all()
    np.testing.assert_array_equal(square[:, 2:26:3, 2:26:3], digits.images / 16)
    np.testing.assert_array_equal(labels, digits.target)


def test_missing_scikit_learn_says_how_to_install_it(monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install -e "\.\[digits\]"'):
        data.load_digits_784()


# --- the command -------------------------------------------------------------------------------

def test_parity_command_prints_the_table_and_exits_0(capsys):
    status = main(["parity", "temperature/raw", "clip_example", "--quick"])
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["program/variant", "steps"]
    assert lines[2].startswith("temperature/raw") and "agree (inf/nan from step 11 on both)" in out
    assert lines[3].startswith("clip_example/norm") and lines[4].startswith("clip_example/value")
    assert lines[-1].startswith("3 of 3 runs agree, 0 differ")


def test_parity_command_compares_the_dropout_variant(capsys):
    if not same_dropout_masks(torch):
        pytest.skip(MKL_MASKS)
    assert main(["parity", "dropout_net/dropout", "--quick"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].startswith("dropout_net/dropout") and " agree" in out
    assert "1 of 1 runs agree, 0 differ (" in out


def test_parity_command_says_where_pytorch_draws_dropout_masks_with_mkl(capsys, monkeypatch):
    monkeypatch.setattr(parity, "same_dropout_masks", lambda torch: False)
    assert main(["parity", "dropout_net", "--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("dropout_net/no-dropout") and lines[2].endswith(" agree")
    assert lines[3].startswith("dropout_net/dropout")
    assert lines[3].endswith("not compared: PyTorch draws Dropout masks with MKL on this Intel CPU")
    assert lines[-1].startswith("1 of 1 runs agree, 0 differ, 1 not compared (")


def test_same_dropout_masks_compares_pytorchs_bernoulli_with_minigrads():
    """The check itself: True here (PyTorch draws the masks minigrad does on this machine's
    path) exactly when a seeded Dropout layer zeroes the same elements in both libraries."""
    parity.same_dropout_masks.cache_clear()
    masks = []
    for lib in (torch, mg):
        lib.manual_seed(3)
        masks.append(lib.nn.Dropout(0.5)(lib.ones(1000)).numpy() == 0)
    assert parity.same_dropout_masks(torch) == np.array_equal(*masks)
    states = torch.get_rng_state(), mg.get_rng_state()
    parity.same_dropout_masks.cache_clear()
    parity.same_dropout_masks(torch)
    assert torch.equal(torch.get_rng_state(), states[0])  # the global generators are left alone
    assert mg.get_rng_state().equal(states[1])


def test_parity_command_reads_mnist_from_the_mnist_option(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV, raising=False)
    write_mnist(tmp_path)
    assert main(["parity", "gradient_descent/batch", "--quick", "--mnist", str(tmp_path)]) == 0
    assert "gradient_descent/batch" in capsys.readouterr().out
    assert data.MNIST_ENV not in os.environ


@pytest.mark.parametrize("argument, message", [
    ("nope", "unknown program 'nope' (valid: temperature, rnn_clipping, dropout_net, "
             "gradient_descent, clip_example)"),
    ("temperature/nope", "temperature has no variant 'nope' (valid: scaled, raw, small-lr, "
                         "clipped, adam)"),
])
def test_parity_command_rejects_unknown_names_in_one_line(capsys, argument, message):
    assert main(["parity", argument]) == 2
    err = capsys.readouterr().err
    assert err == f"minigrad parity: error: {message}\n"


def test_parity_command_without_pytorch_says_so_in_one_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    assert main(["parity"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PyTorch is not installed" in err


def test_parity_command_without_scikit_learn_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert main(["parity", "gradient_descent/batch", "--quick"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install -e ".[digits]"' in err


def fake_program(mg_run):
    """A program whose minigrad run is `mg_run` and whose PyTorch run is a fixed curve."""
    def run(lib, variant=None, *, dtype="float32", steps=None, progress=None):
        if lib is mg:
            return mg_run()
        return {"losses": [2.0, 1.0], "params": {"w": np.array([0.5, -0.5])}}

    return types.SimpleNamespace(NAME="fake", TITLE="fake", VARIANTS=("only",), run=run)


@pytest.mark.parametrize("mg_run, verdict", [
    (lambda: {"losses": [2.0, 1.001], "params": {"w": np.array([0.5, -0.5])}},
     "DIFFER (losses)"),
    (lambda: {"losses": [2.0, 1.0], "params": {"w": np.array([0.5, -0.4])}},
     "DIFFER (params[w])"),
    (lambda: 1 / 0, "DIFFER: minigrad raised ZeroDivisionError: division by zero"),
])
def test_parity_command_exits_1_when_minigrad_disagrees(capsys, monkeypatch, mg_run, verdict):
    monkeypatch.setitem(PROGRAMS, "fake", fake_program(mg_run))
    assert main(["parity", "fake"]) == 1
    out = capsys.readouterr().out
    assert verdict in out and "0 of 1 runs agree, 1 differ" in out
