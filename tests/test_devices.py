"""Devices and defaults behave as in PyTorch built without CUDA (the build installed here).

Each case is one call run on both libraries (`call(lib)`, `lib` being the module `torch` or
`minigrad`): both must return the same thing (compared by its repr, or by its dtype's name) or
raise the same exception with the same message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch

import minigrad as mg

Call = Callable[[Any], Any]


@pytest.fixture(autouse=True)
def _restore_defaults() -> Iterator[None]:
    """Every test starts and ends with the default dtype float32 and the default device cpu."""
    yield
    for lib in (torch, mg):
        lib.set_default_dtype(lib.float32)
        lib.set_default_device(None)


def outcome(call: Call, lib: Any) -> tuple[str, str]:
    """What `call(lib)` does, in words both libraries share: ('error', type and message) or
    ('value', its repr), a dtype as 'minigrad.float64' and a tensor by its values and dtype."""
    try:
        value = call(lib)
    except Exception as error:
        return "error", f"{type(error).__name__}: {error}"
    if isinstance(value, (torch.dtype, mg.dtype)):
        return "value", str(value).replace("torch.", "minigrad.")
    if isinstance(value, (torch.Tensor, mg.Tensor)):
        return "value", f"{value.tolist()} {str(value.dtype).replace('torch.', 'minigrad.')}"
    if isinstance(value, (torch.nn.Module, mg.nn.Module)):
        return "value", f"module {type(value).__name__}"
    return "value", repr(value)


def assert_same(call: Call) -> None:
    assert outcome(call, mg) == outcome(call, torch)


DEVICE_OBJECTS = {
    "repr": lambda lib: lib.device("cpu"),
    "repr with an index": lambda lib: lib.device("cpu", 0),
    "index in the string": lambda lib: lib.device("cpu:0"),
    "index keyword None": lambda lib: lib.device("cpu", index=None),
    "from a device": lambda lib: lib.device(lib.device("cuda", 1)),
    "cuda can be named": lambda lib: lib.device("cuda:1"),
    "str": lambda lib: str(lib.device("cpu")),
    "str with an index": lambda lib: str(lib.device("cpu", 0)),
    "type": lambda lib: lib.device("cpu:0").type,
    "index": lambda lib: lib.device("cpu:0").index,
    "no index": lambda lib: lib.device("cpu").index,
    "equal": lambda lib: lib.device("cpu") == lib.device("cpu"),
    "equal, index given two ways": lambda lib: lib.device("cpu", 0) == lib.device("cpu:0"),
    "index matters": lambda lib: lib.device("cpu") == lib.device("cpu", 0),
    "never equal to a string": lambda lib: lib.device("cpu") == "cpu",
    "not equal to a string": lambda lib: lib.device("cpu") != "cpu",
    "hash": lambda lib: hash(lib.device("cpu")) == hash(lib.device("cpu")),
    "a dict key": lambda lib: {lib.device("cpu"): 1}[lib.device("cpu")],
    "unknown type": lambda lib: lib.device("tpu"),
    "unknown type with an index": lambda lib: lib.device("tpu:0"),
    "upper case": lambda lib: lib.device("CPU"),
    "empty": lambda lib: lib.device(""),
    "leading space": lambda lib: lib.device(" cpu"),
    "bad index": lambda lib: lib.device("cpu:x"),
    "missing index": lambda lib: lib.device("cuda:"),
    "two indices": lambda lib: lib.device("cpu:0:1"),
    "leading zero": lambda lib: lib.device("cpu:01"),
    "negative index in the string": lambda lib: lib.device("cpu:-1"),
    "negative index": lambda lib: lib.device("cpu", -1),
    "index twice": lambda lib: lib.device("cpu:0", 0),
    "index not an int": lambda lib: lib.device("cpu", "a"),
    "index a bool": lambda lib: lib.device("cpu", True),
    "a number is an accelerator": lambda lib: lib.device(0),
    "None": lambda lib: lib.device(None),
}


@pytest.mark.parametrize("call", DEVICE_OBJECTS.values(), ids=DEVICE_OBJECTS.keys())
def test_device_objects_as_torch_device(call: Call) -> None:
    assert_same(call)


TENSORS = {
    "tensor.device": lambda lib: lib.zeros(2).device,
    "is not the string": lambda lib: lib.zeros(2).device == "cpu",
    "str of it": lambda lib: str(lib.ones(2).device),
    "cpu:0 makes a cpu tensor": lambda lib: lib.zeros(2, device="cpu:0").device,
    "cpu()": lambda lib: lib.zeros(2).cpu().device,
    "to('cpu')": lambda lib: lib.tensor([1.0, 2.0]).to("cpu"),
    "to(device, dtype)": lambda lib: lib.tensor([1.0, 2.0]).to("cpu", lib.float64),
    "to keywords": lambda lib: lib.tensor([1.0]).to(device=lib.device("cpu"), dtype=lib.float64),
    "to(None)": lambda lib: lib.tensor([1.0]).to(None),
    "to('cuda')": lambda lib: lib.zeros(2).to("cuda"),
    "to('cuda:0')": lambda lib: lib.zeros(2).to("cuda:0"),
    "to(device='cuda')": lambda lib: lib.zeros(2).to(device="cuda"),
    "to a number": lambda lib: lib.zeros(2).to(5),
    "to an unknown device": lambda lib: lib.zeros(2).to("tpu"),
    "to mps": lambda lib: lib.zeros(2).to("mps"),
    "a dtype's name is not a device": lambda lib: lib.zeros(2).to("float32"),
    "cuda()": lambda lib: lib.zeros(2).cuda(),
    "cuda(device)": lambda lib: lib.zeros(2).cuda(lib.device("cuda")),
    "cuda(0)": lambda lib: lib.zeros(2).cuda(0),
    "cuda('cpu')": lambda lib: lib.zeros(2).cuda("cpu"),
    "cuda('tpu')": lambda lib: lib.zeros(2).cuda("tpu"),
}


@pytest.mark.parametrize("call", TENSORS.values(), ids=TENSORS.keys())
def test_tensor_device_to_cpu_cuda_as_torch(call: Call) -> None:
    assert_same(call)


def test_to_and_cpu_on_the_cpu_return_the_tensor_itself() -> None:
    for lib in (torch, mg):
        x = lib.zeros(2)
        assert x.to("cpu") is x and x.cpu() is x and x.to(lib.device("cpu"), lib.float32) is x


CREATION = {
    "tensor": lambda lib, d: lib.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda lib, d: lib.as_tensor([1.0, 2.0], device=d),
    "zeros": lambda lib, d: lib.zeros(2, device=d),
    "ones": lambda lib, d: lib.ones(2, 1, device=d),
    "empty": lambda lib, d: lib.empty(0, device=d),
    "full": lambda lib, d: lib.full((2,), 3.0, device=d),
    "rand": lambda lib, d: lib.rand(0, device=d),
    "randn": lambda lib, d: lib.randn(0, device=d),
    "randint": lambda lib, d: lib.randint(0, 3, (0,), device=d),
    "randperm": lambda lib, d: lib.randperm(0, device=d),
    "arange": lambda lib, d: lib.arange(3, device=d),
    "linspace": lambda lib, d: lib.linspace(0, 1, 3, device=d),
    "zeros_like": lambda lib, d: lib.zeros_like(lib.zeros(2), device=d),
    "ones_like": lambda lib, d: lib.ones_like(lib.zeros(2), device=d),
    "full_like": lambda lib, d: lib.full_like(lib.zeros(2), 7, device=d),
}
DEVICES = {"None": lambda lib: None, "'cpu'": lambda lib: "cpu", "'cpu:0'": lambda lib: "cpu:0",
           "device('cpu')": lambda lib: lib.device("cpu"), "'cuda'": lambda lib: "cuda",
           "'cuda:1'": lambda lib: "cuda:1", "device('cuda')": lambda lib: lib.device("cuda"),
           "'tpu'": lambda lib: "tpu", "''": lambda lib: "", "a number": lambda lib: 5}


@pytest.mark.parametrize("where", DEVICES.values(), ids=DEVICES.keys())
@pytest.mark.parametrize("make", CREATION.values(), ids=CREATION.keys())
def test_creation_functions_take_device_as_torch(make: Any, where: Call) -> None:
    assert_same(lambda lib: make(lib, where(lib)))
    assert_same(lambda lib: make(lib, where(lib)).device)


def test_from_numpy_takes_no_device_as_in_torch() -> None:
    for lib in (torch, mg):
        with pytest.raises(TypeError):
            lib.from_numpy(np.zeros(2), device="cpu")


MODULES = {
    "to('cpu')": lambda lib: lib.nn.Linear(2, 2).to("cpu"),
    "cpu()": lambda lib: lib.nn.Linear(2, 2).cpu(),
    "to(device, dtype)": lambda lib: lib.nn.Linear(2, 2).to(lib.device("cpu"), lib.float64)
    .weight.dtype,
    "to('cpu', dtype=)": lambda lib: lib.nn.Linear(2, 2).to("cpu", dtype=lib.float64).bias.dtype,
    "to(None)": lambda lib: lib.nn.Linear(2, 2).to(None),
    "to('cuda')": lambda lib: lib.nn.Linear(2, 2).to("cuda"),
    "to(device='cuda')": lambda lib: lib.nn.Linear(2, 2).to(device="cuda"),
    "to('mps')": lambda lib: lib.nn.Linear(2, 2).to("mps"),
    "to('tpu')": lambda lib: lib.nn.Linear(2, 2).to("tpu"),
    "to a number": lambda lib: lib.nn.Linear(2, 2).to(0),
    "cuda()": lambda lib: lib.nn.Linear(2, 2).cuda(),
    "cuda(0)": lambda lib: lib.nn.Linear(2, 2).cuda(0),
    "cuda('cpu')": lambda lib: lib.nn.Linear(2, 2).cuda("cpu"),
    "no tensors: cuda() moves nothing": lambda lib: lib.nn.ReLU().cuda(),
    "no tensors: to('cuda') moves nothing": lambda lib: lib.nn.ReLU().to("cuda"),
    "no tensors: to('tpu') still fails": lambda lib: lib.nn.ReLU().to("tpu"),
}


@pytest.mark.parametrize("call", MODULES.values(), ids=MODULES.keys())
def test_module_to_cpu_cuda_as_torch(call: Call) -> None:
    assert_same(call)


def test_module_to_cpu_keeps_the_parameter_objects() -> None:
    model = mg.nn.Linear(2, 2)
    weight = model.weight
    assert model.to("cpu") is model and model.cpu() is model and model.weight is weight


CUDA = {
    "is_available": lambda lib: lib.cuda.is_available(),
    "device_count": lambda lib: lib.cuda.device_count(),
    "is_initialized": lambda lib: lib.cuda.is_initialized(),
    "current_device": lambda lib: lib.cuda.current_device(),
    "synchronize": lambda lib: lib.cuda.synchronize(),
    "manual_seed": lambda lib: lib.cuda.manual_seed(0),
    "manual_seed_all": lambda lib: lib.cuda.manual_seed_all(0),
}


@pytest.mark.parametrize("call", CUDA.values(), ids=CUDA.keys())
def test_cuda_module_as_torch_without_cuda(call: Call) -> None:
    assert_same(call)


DEFAULT_DEVICE = {
    "the default": lambda lib: lib.get_default_device(),
    "cpu:0": lambda lib: (lib.set_default_device("cpu:0"), lib.get_default_device()),
    "a device": lambda lib: (lib.set_default_device(lib.device("cpu")), lib.get_default_device()),
    "None restores the cpu": lambda lib: (lib.set_default_device("cpu:0"),
                                          lib.set_default_device(None), lib.get_default_device()),
    "cuda is accepted": lambda lib: lib.set_default_device("cuda"),
    "and then refused": lambda lib: (lib.set_default_device("cuda"), lib.get_default_device()),
    "by zeros": lambda lib: (lib.set_default_device("cuda"), lib.zeros(2)),
    "by tensor": lambda lib: (lib.set_default_device("cuda"), lib.tensor([1.0])),
    "by Linear": lambda lib: (lib.set_default_device("cuda"), lib.nn.Linear(2, 2)),
    "unless device='cpu'": lambda lib: (lib.set_default_device("cuda"),
                                        lib.zeros(2, device="cpu"))[1],
    "zeros_like follows its input": lambda lib: (lib.set_default_device("cuda"),
                                                 lib.zeros_like(lib.zeros(1, device="cpu")))[1],
    "unknown type": lambda lib: lib.set_default_device("tpu"),
}


@pytest.mark.parametrize("call", DEFAULT_DEVICE.values(), ids=DEFAULT_DEVICE.keys())
def test_default_device_as_torch(call: Call) -> None:
    assert_same(call)


DEFAULT_DTYPE = {
    "the default": lambda lib: lib.get_default_dtype(),
    "tensor of floats": lambda lib: lib.tensor([1.0]),
    "0-d tensor": lambda lib: lib.tensor(1.0).dtype,
    "tensor of ints stays int64": lambda lib: lib.tensor([1]),
    "zeros": lambda lib: lib.zeros(2),
    "full": lambda lib: lib.full((2,), 1.0),
    "arange of floats": lambda lib: lib.arange(3.0),
    "linspace": lambda lib: lib.linspace(0, 1, 3).dtype,
    "randn": lambda lib: lib.randn(2).dtype,
    "rand": lambda lib: lib.rand(2).dtype,
    "Tensor()": lambda lib: lib.Tensor([1]),
    "Linear's weight": lambda lib: lib.nn.Linear(2, 2).weight.dtype,
    "integer division": lambda lib: lib.tensor([1]) / 2,
    "integer times a float": lambda lib: lib.tensor([1]) * 0.5,
    "exp of an integer": lambda lib: lib.tensor([0]).exp(),
    "float() is float32": lambda lib: lib.tensor([1]).float(),
    "a float32 tensor stays": lambda lib: lib.zeros(2, dtype=lib.float32).mean(),
}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("call", DEFAULT_DTYPE.values(), ids=DEFAULT_DTYPE.keys())
def test_default_dtype_as_torch(call: Call, dtype: str) -> None:
    def after_setting(lib: Any) -> Any:
        lib.set_default_dtype(getattr(lib, dtype))
        return call(lib)

    assert_same(after_setting)


BAD_DEFAULT_DTYPES = {
    "an integer dtype": lambda lib: lib.set_default_dtype(lib.int64),
    "bool": lambda lib: lib.set_default_dtype(lib.bool),
    "a name": lambda lib: lib.set_default_dtype("float64"),
    "a Python type": lambda lib: lib.set_default_dtype(float),
}


@pytest.mark.parametrize("call", BAD_DEFAULT_DTYPES.values(), ids=BAD_DEFAULT_DTYPES.keys())
def test_default_dtype_refuses_what_torch_refuses(call: Call) -> None:
    assert_same(call)
    assert_same(lambda lib: lib.get_default_dtype())


# ---------------------------------------------------------------------- backends' switches
SWITCHES = [("cudnn", "enabled"), ("cudnn", "deterministic"), ("cudnn", "benchmark"),
            ("cudnn", "allow_tf32"), ("cudnn", "benchmark_limit"), ("cuda.matmul", "allow_tf32"),
            ("cuda.matmul", "allow_fp16_reduced_precision_reduction")]
QUERIES = ["cudnn.is_available", "cudnn.version", "mps.is_available", "mps.is_built",
           "cuda.is_built"]


def _lookup(lib: Any, path: str) -> Any:
    value = lib.backends
    for part in path.split("."):
        value = getattr(value, part)
    return value


def test_backend_switches_and_queries_read_as_in_a_cpu_build_of_torch():
    """A program sets `torch.backends.cudnn.benchmark = True` and asks
    `torch.backends.mps.is_available()`: the defaults and answers are PyTorch's (a build
    without CUDA), and a switch reads back what was set."""
    for lib in (mg, torch):
        assert [getattr(_lookup(lib, where), name) for where, name in SWITCHES] == [
            getattr(_lookup(torch, where), name) for where, name in SWITCHES]
    assert [_lookup(mg, q)() for q in QUERIES] == [_lookup(torch, q)() for q in QUERIES]
    import minigrad.backends.cudnn as cudnn
    before = cudnn.deterministic
    try:
        mg.backends.cudnn.deterministic = not before
        assert cudnn.deterministic is not before
    finally:
        cudnn.deterministic = before


def _deterministic_settings(lib: Any) -> list[Any]:
    seen = [lib.are_deterministic_algorithms_enabled(),
            lib.is_deterministic_algorithms_warn_only_enabled()]
    try:
        for args, kwargs in [((True,), {}), ((True,), {"warn_only": True}), ((False,), {}),
                             ((1,), {}), ((True,), {"warn_only": "yes"})]:
            try:
                lib.use_deterministic_algorithms(*args, **kwargs)
            except TypeError as error:
                seen.append(str(error))
            seen += [lib.are_deterministic_algorithms_enabled(),
                     lib.is_deterministic_algorithms_warn_only_enabled()]
    finally:
        lib.use_deterministic_algorithms(False)
    return seen


def test_deterministic_algorithms_switch_reads_back_as_in_torch():
    assert _deterministic_settings(mg) == _deterministic_settings(torch)
