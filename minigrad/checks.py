"""PyTorch's argument checks and the words of its errors, in one place.

A PyTorch program that passes a wrong shape, dim or dtype fails with a particular exception and
message; minigrad fails the same way, so a user moving between the two sees the same error. The
Tensor's front doors (minigrad.tensor) and the layers (minigrad.nn) call these functions before
they compute anything, so a call that fails changes nothing.

Each `check_*` function raises, or returns the checked (normalised) argument.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import dtypes


# ---------------------------------------------------------------------- PyTorch's words
def type_name(dtype: dtypes.AnyDtype) -> str:
    """'float', 'double', 'long': how PyTorch names a dtype in most messages."""
    return dtypes.torch_name(dtype)


def scalar_type(dtype: dtypes.AnyDtype) -> str:
    """'Float', 'Double', 'Long': PyTorch's ScalarType names, in its kernel messages."""
    return dtypes.torch_name(dtype).capitalize()


# The C++ names of the element types, as `x.grad = g` words a dtype mismatch.
_C_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def c_name(dtype: dtypes.AnyDtype) -> str:
    """'float', 'double', 'long int': the C++ name of the element type."""
    return _C_NAMES.get(dtype.name, dtype.name)


def dtype_repr(dtype: dtypes.AnyDtype) -> str:
    """'minigrad.float32', as PyTorch writes 'torch.float32'."""
    return f"minigrad.{dtype.name}"


def torch_size(shape: tuple[int, ...]) -> str:
    """'torch.Size([2, 3])'."""
    return f"torch.Size({list(shape)})"


# The code between a user's call and a warning deep inside minigrad: minigrad's own, and
# NumPy's (np.errstate as a decorator is a frame in NumPy). For `stacklevel_outside`.
LIBRARY_DIRS = (os.path.dirname(__file__) + os.sep, os.path.dirname(np.__file__) + os.sep)


def stacklevel_outside(*places: str) -> int:
    """The stacklevel at which a warning of the caller names the first line outside `places`
    (files, or directories ending in a separator): the user's call, however many of minigrad's
    own calls lie between. (PyTorch's warnings often name a line of PyTorch's own code.)"""
    level = 1  # sys._getframe(1) is the caller, the frame that stacklevel 1 names
    while sys._getframe(level).f_code.co_filename.startswith(places):
        level += 1
    return level


_HEAP_TYPE = 1 << 9  # CPython's Py_TPFLAGS_HEAPTYPE: the class was written in Python


def python_type(value: Any) -> str:
    """'float', 'list', 'numpy.ndarray', 'MyClass': the name CPython gives the type of `value`
    (its tp_name), which PyTorch prints. Types written in C outside the builtins carry their
    module; builtins and classes written in Python do not."""
    cls = type(value)
    if cls.__module__ == "builtins" or cls.__flags__ & _HEAP_TYPE:
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


# ---------------------------------------------------------------------- argument types
# (These build the error; the front door, which knows the Tensor class, decides to raise it.)
def argument_error(function: str, argument: str, position: int, value: Any,
                   expected: str = "Tensor") -> TypeError:
    """A function of PyTorch's given a value of the wrong type where its signature says Tensor:
    "exp(): argument 'input' (position 1) must be Tensor, not float"."""
    return TypeError(f"{function}(): argument '{argument}' (position {position}) must be "
                     f"{expected}, not {python_type(value)}")


# PyTorch's signatures of the functions that have several, which it lists when a call fits none.
_VAR = ("(Tensor input, tuple of ints dim, bool unbiased = True, bool keepdim = False, *, "
        "Tensor out = None)",
        "(Tensor input, tuple of ints dim = None, *, Number correction = None, bool keepdim = "
        "False, Tensor out = None)",
        "(Tensor input, bool unbiased = True)")
_CLAMP = ("(Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)",
          "(Tensor input, Number min = None, Number max = None, *, Tensor out = None)")
_OVERLOADS = {
    "var": _VAR, "std": _VAR, "clamp": _CLAMP, "clip": _CLAMP,
    "pow": ("(Tensor input, Tensor exponent, *, Tensor out = None)",
            "(Number self, Tensor exponent, *, Tensor out = None)",
            "(Tensor input, Number exponent, *, Tensor out = None)"),
}


def input_error(function: str, input: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> TypeError:
    """A function form (`minigrad.exp(input)`) called with an `input` that is not a tensor.
    A function with several signatures lists them instead of naming the argument."""
    if function not in _OVERLOADS:
        return argument_error(function, "input", 1, input)
    got = [python_type(a) for a in (input, *args)]
    got += [f"{key}={python_type(value)}" for key, value in kwargs.items()]
    lines = [f"{function}() received an invalid combination of arguments - got "
             f"({', '.join(got)}), but expected one of:"]
    lines += [f" * {signature}" for signature in _OVERLOADS[function]]
    return TypeError("\n".join(lines) + "\n")


def element_error(index: int, value: Any) -> TypeError:
    """cat/stack given a list that holds something other than a tensor."""
    return TypeError(f"expected Tensor as element {index} in argument 0, but got "
                     f"{python_type(value)}")


# ---------------------------------------------------------------------- the tensor itself
def check_grad(grad: Any, is_tensor: bool, dtype: dtypes.AnyDtype, shape: tuple[int, ...]) -> None:
    """`x.grad = g` takes a tensor of x's dtype and shape (which an optimizer can subtract from
    x), or None."""
    if not is_tensor:
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{python_type(grad)}")
    if grad._data.dtype != dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{c_name(grad.dtype)}' to a tensor "
            f"with grad_dtype '{scalar_type(dtype)}'. The gradient must match the tensor's "
            "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype "
            "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with "
            "caution. Diverging the dtypes of a tensor and its gradient may break downstream "
            "systems that assume they match."
        )
    if grad._data.shape != shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of size "
            f"'{list(shape)}'. Please ensure that the gradient and the tensor are the same size"
        )


def check_one_element(size: int) -> None:
    """`item()` needs a tensor of one element."""
    if size != 1:
        raise RuntimeError(f"a Tensor with {size} elements cannot be converted to Scalar")


def check_numpy(requires_grad: bool) -> None:
    """`numpy()` would hand out an array that autograd cannot follow."""
    if requires_grad:
        raise RuntimeError(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
        )


def check_requires_grad(requires_grad: bool, is_leaf: bool, dtype: dtypes.AnyDtype) -> None:
    """Only a leaf's flag can change, and only floating point tensors can require grad."""
    if not is_leaf and not requires_grad:
        raise RuntimeError(
            "you can only change requires_grad flags of leaf variables. If you want to "
            "use a computed variable in a subgraph that doesn't require differentiation "
            "use var_no_grad = var.detach()."
        )
    if is_leaf and requires_grad and not dtypes.is_floating(dtype):
        raise RuntimeError("only Tensors of floating point dtype can require gradients")


def check_negatable(dtype: dtypes.AnyDtype) -> None:
    """Bools are not negated: PyTorch points to the logical operators instead."""
    if dtype == dtypes.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )


def check_subtractable(a: Any, b: Any) -> None:
    """PyTorch subtracts no bools: neither bool tensors nor Python bools."""
    bools = [isinstance(x, (bool, np.bool_))
             or getattr(getattr(x, "_data", x), "dtype", None) == dtypes.bool_ for x in (a, b)]
    if all(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if any(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def check_inplace_target(x: Any) -> None:
    """Inside a graph, a leaf that requires grad (or a view of one) cannot change in place: the
    gradient it collects is for the values it had."""
    made = x._view[2] if x._view is not None else None  # (see tensor.NO_GRAD_VIEW)
    if type(made) is tuple and x._base._requires_grad:  # one of several views (unbind, split)
        name, output = made
        name = name or x.grad_fn.name().removesuffix("Backward")
        raise RuntimeError(
            f"Output {output} of {name} is a view and is being modified inplace. This view is "
            "the output of a function that returns multiple views. Such functions do not allow "
            "the output views to be modified inplace. You should replace the inplace operation "
            "by an out-of-place one.")
    if made is not None:  # made in no_grad mode (or, as PyTorch counts it, one of several
        # views of a tensor that does not require grad)
        which = (f"Output 0 of {x.grad_fn.name().removesuffix('Backward')} is a view of a view "
                 "which" if x.grad_fn is not None else "A view")
        raise RuntimeError(
            f"{which} was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You "
            "can clarify your code by moving both the view and the inplace either both inside the "
            "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
            "want the inplace to be tracked).")
    base = x._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if x.grad_fn is None and x._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")


_HALF_MAX = 65504.0  # float16's largest: a number up to it fits every float dtype (zero_'s 0
# needs no look at np.finfo, which costs a microsecond)


def fitted(value: Any, dtype: np.dtype) -> Any:
    """`fitted_int`, and a float refused where it does not fit: beyond a float dtype's range
    (if finite), or outside an integer dtype's (nan and inf too). The checked conversion of
    fill_, full and clamp; where converts floats without it, as PyTorch's does."""
    if type(value) is float and dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not info.min <= value <= info.max:  # (False for nan)
            raise _overflow(dtype)
    elif type(value) in (int, float) and dtype.kind == "f" and abs(value) > _HALF_MAX and \
            math.isfinite(value) and abs(value) > float(np.finfo(dtype).max):
        raise _overflow(dtype)
    return fitted_int(value, dtype)


def _overflow(dtype: np.dtype) -> RuntimeError:
    name = c_name(dtype) if dtype.kind == "f" else "int" if dtype == np.int32 else \
        f"{dtype.name}_t"
    return RuntimeError(f"value cannot be converted to type {name} without overflow")


def put_number(value: Any, dtype: np.dtype) -> Any:
    """A number that x[index] = value writes into x of `dtype`, converted as PyTorch's setitem
    converts it: an int is read as a C long long first; a complex number gives its real part
    when it has no other; then `fitted`'s checks, but for bool (any number is True or False)
    and float16 (a float beyond its range becomes inf)."""
    if type(value) in (float, int) and dtype.kind == "f" and abs(value) <= _HALF_MAX:
        return value  # (the everyday x[i] = 0.5, at once: it fits every float dtype)
    if isinstance(value, (int, np.integer)) and not -(2**63) <= value < 2**63:
        raise ValueError("Overflow when unpacking long long")
    if dtype == dtypes.bool_:
        return bool(value)
    if isinstance(value, complex):
        if value.imag != 0:
            raise _overflow(np.dtype(np.float64) if dtype == dtypes.float16 else dtype)
        value = value.real
    if isinstance(value, float):
        value = float(value)  # (a NumPy float64 is checked as a float)
    return value if dtype == dtypes.float16 else fitted(value, dtype)


def fitted_int(value: Any, dtype: np.dtype) -> Any:
    """A Python int that fill_, full, where, masked_fill or clamp writes into an integer
    `dtype`: PyTorch's checked conversion refuses one out of the dtype's range (for an unsigned
    dtype, a negative one down to -max, which wraps around: -3 as uint8 is 253)."""
    if type(value) is not int or dtype.kind not in "iu":  # (fill_ of a float grad: at once)
        return value
    info = np.iinfo(dtype)
    if -(2**63) <= value < 2**64 and not (
            -info.max if dtype.kind == "u" else info.min) <= value <= info.max:
        raise _overflow(dtype)
    return dtypes.wrapped(value, dtype)


def check_narrow_input(ndim: int, length: Any) -> None:
    """What narrow checks before its dim: a tensor with dims, a length not below 0."""
    if ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")


def check_narrow(start: Any, length: Any, n: int) -> int:
    """narrow's start (an int in [-n, n], counted from the end when negative) and length
    (within the dim from start); the start counted from 0."""
    if not isinstance(start, (int, np.integer)) or isinstance(start, bool):
        raise TypeError(f"narrow(): argument 'start' must be int, not {type(start).__name__}")
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but "
                         f"got {start})")
    start = start + n if start < 0 else start
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return int(start)


def check_detachable(x: Any) -> None:
    """detach_() refuses a view."""
    if x._view is not None:
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using "
            "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
            "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
            "called on these gradients. To fix this error, please refer to the "
            "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")


def check_writable(array: np.ndarray) -> None:
    """An expanded tensor has elements that share memory: writing them in place is refused."""
    if not array.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )


def modified_error(array: np.ndarray, which: str, version: int, expected: int) -> RuntimeError:
    """A tensor saved for backward was changed in place since (its version moved on)."""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [minigrad.{scalar_type(array.dtype)}Tensor {list(array.shape)}]{which} is "
        f"at version {version}; expected version {expected} instead."
    )


# ---------------------------------------------------------------------- dims and shapes
def expect(condition: bool, message: str) -> None:
    """PyTorch's RuntimeError, with its `message`, for an argument that does not fit (the
    linear-algebra front doors state their conditions and words inline with it)."""
    if not condition:
        raise RuntimeError(message)


def check_dim(dim: int, ndim: int) -> int:
    """A dim index checked and made non-negative, with PyTorch's IndexError."""
    n = max(ndim, 1)  # a 0-d tensor accepts dim 0 and -1
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def check_dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """None (all dims) or a tuple of checked, non-negative, distinct dims."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = tuple(check_dim(d, ndim) for d in dims)
    if ndim == 0:
        return None
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def check_matrix_dims(dtype: Any, dim: Any, ndim: int) -> tuple[int, int]:
    """The two dims a matrix norm ('nuc') reduces, checked in PyTorch's order: all dims when
    `dim` is None (then the input must be a matrix)."""
    where = "linalg.matrix_norm: "
    if ndim < 2:
        raise RuntimeError(f"{where}The input tensor A must have at least 2 dimensions.")
    if dtype.kind != "f":
        raise RuntimeError(f"{where}Expected a floating point or complex tensor as input. "
                           f"Got {scalar_type(dtype)}")
    given = tuple(range(ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if len(given) != 2:
        raise RuntimeError(f"{where}dim must be a 2-tuple. Got {' '.join(map(str, given))}")
    rows, cols = (check_dim(d, ndim) for d in given)
    if rows == cols:
        raise RuntimeError(f"{where}dims must be different. Got ({rows}, {cols})")
    return rows, cols


def _as_dims(dim: Any) -> tuple[int, ...]:
    return () if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)


def check_reducible(function: str, shape: tuple[int, ...], dim: Any) -> None:
    """max, min, amax, amin, argmax and argmin have no identity (no value for "the largest of
    nothing"), so they refuse to reduce over a dim of size 0. Called for empty tensors only;
    `dim` as the caller gave it (None or () for all dims), which is how PyTorch names it."""
    dims = _as_dims(dim)
    if not dims:
        message = f"{function}(): Expected reduction dim to be specified for input.numel() == 0."
        if function.startswith("arg"):
            raise IndexError(message)
        raise RuntimeError(f"{message} Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{function}(): Expected reduction dim {d} to have non-zero size.")


def check_norm_reducible(p: float, shape: tuple[int, ...], dim: Any) -> None:
    """The inf norm is a max and a negative p divides by the sum: neither has a value over a
    dim of size 0. Called for empty tensors only; `dim` as the caller gave it."""
    if 0 <= p < math.inf:  # a sum of |x|^p, which is 0 over nothing
        return
    dims = _as_dims(dim)
    prefix = f"linalg.vector_norm cannot compute the {p:g} norm on"
    if not dims:
        raise RuntimeError(f"{prefix} an empty tensor because the operation does not have an "
                           "identity")
    for d in dims:
        if shape[d] == 0:
            raise RuntimeError(f"{prefix} the dimension {d}because this dimension is empty and "
                               "the operation does not have an identity")


def check_shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Shapes come as varargs `(2, 3)` or one sequence `((2, 3),)`, as in PyTorch."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for i, n in enumerate(shape):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(
                f"size must be tuple of ints, but found element of type {type(n).__name__} at "
                f"pos {i}"
            )
    return tuple(int(n) for n in shape)


def check_inferred(shape: tuple[int, ...]) -> None:
    """`reshape`/`view` sizes are non-negative, but for at most one -1 (the size inferred)."""
    if shape.count(-1) < 2 and min(shape, default=0) >= -1:
        return  # (the common case, without a loop)
    inferred = False
    for i, n in enumerate(shape):  # the first bad size, as PyTorch names it
        if n == -1 and inferred:
            raise RuntimeError("only one dimension can be inferred")
        if n < -1:
            raise RuntimeError(f"invalid shape dimension {n} at index {i} of shape {list(shape)}")
        inferred = inferred or n == -1


def reshape_error(shape: tuple[int, ...], numel: int) -> RuntimeError:
    return RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def check_permute(dims: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    dims = tuple(check_dim(d, ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match "
            f"the length of the desired ordering of dimensions i.e. input.dim() = {ndim}"
            f" is not equal to len(dims) = {len(dims)}"
        )
    return dims


def check_expand(shape: tuple[int, ...], sizes: tuple[int, ...],
                 dtype: dtypes.AnyDtype) -> tuple[int, ...]:
    """The shape `expand(*sizes)` gives a tensor of `shape` and `dtype` (-1 keeps a size)."""
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand(minigrad.{scalar_type(dtype)}Tensor{{{list(shape)}}}, size={list(sizes)}): "
            f"the number of sizes provided ({len(sizes)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({len(shape)})"
        )
    target = list(sizes)
    for i in reversed(range(len(sizes))):  # (PyTorch checks from the last dim backward)
        if i < lead:  # a new leading dim
            if sizes[i] == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            continue
        n = shape[i - lead]
        if sizes[i] == -1:
            target[i] = n
        elif n != 1 and n != sizes[i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({sizes[i]}) must match the existing size "
                f"({n}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor "
                f"sizes: {list(shape)}"
            )
    return tuple(target)


def check_split_size(split_size: int, n: int) -> None:
    """`split(split_size)` of a dim of size n: pieces of size 0 only cut an empty dim."""
    if split_size < 0:
        raise RuntimeError(
            f"split expects split_size be non-negative, but got split_size={split_size}"
        )
    if split_size == 0 and n != 0:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
        )


def check_chunks(chunks: int) -> None:
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")


def check_split_sizes(sizes: Sequence[int], n: int, dim: int) -> None:
    if sum(sizes) != n:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
            f"at dimension {dim}), but got split_sizes={list(sizes)}"
        )


def broadcast_error(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> RuntimeError | None:
    """PyTorch's error for two shapes that do not broadcast, or None if they do."""
    for i in range(1, min(len(shape_a), len(shape_b)) + 1):
        a, b = shape_a[-i], shape_b[-i]
        if a != b and a != 1 and b != 1:
            dim = max(len(shape_a), len(shape_b)) - i
            return RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {dim} (shapes {list(shape_a)} and {list(shape_b)})"
            )
    return None


def index_error(error: IndexError, shape: tuple[int, ...], index: Any) -> IndexError:
    """NumPy's indexing errors, in PyTorch's words. An index out of bounds is named by the
    dimension PyTorch names (`_out_of_bounds`), not by NumPy's axis."""
    message = str(error)
    if message.startswith("too many indices"):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    found = _out_of_bounds(shape, index) if "out of bounds" in message else None
    if found is not None:
        value, dim, size = found
        return IndexError(f"index {value} is out of bounds for dimension {dim} with size {size}")
    if message.startswith("boolean index did not match"):
        return IndexError(_mask_mismatch(shape, index) or message)
    if message.startswith("shape mismatch: indexing arrays"):  # "(2,) (3,1)": "[2], [3, 1]"
        listed = message.partition("shapes")[2].replace("(", "").split(")")[:-1]
        shapes = ", ".join(str([int(n) for n in s.split(",") if n.strip()]) for s in listed)
        return IndexError("shape mismatch: indexing tensors could not be broadcast together "
                          f"with shapes {shapes}")
    return IndexError(message.replace("for axis", "for dimension"))


def _mask_mismatch(shape: tuple[int, ...], index: Any) -> str | None:
    """PyTorch's words for a mask whose shape is not that of the dims it indexes. PyTorch
    compares it with the tensor the ints have selected from (and None has added dims to)."""
    entries = index if isinstance(index, tuple) else (index,)
    indexed: list[int] = []
    masks = []
    axis = 0
    for entry in entries:
        if entry is None:
            indexed.append(1)
        elif entry is Ellipsis:
            n = len(shape) - sum(map(index_dims, entries))
            indexed += shape[axis:axis + n]
            axis += n
        elif index_dims(entry) and not isinstance(entry, (int, np.integer)):
            if isinstance(entry, np.ndarray) and entry.dtype == bool:
                masks.append((entry.shape, len(indexed)))
            indexed += shape[axis:axis + index_dims(entry)]
        axis += index_dims(entry)
    indexed += shape[axis:]
    for mask, at in masks:
        for j, n in enumerate(mask):
            if indexed[at + j] != n:  # (within the dims: NumPy refused too many indices)
                return (f"The shape of the mask {list(mask)} at index {j} does not match the "
                        f"shape of the indexed tensor {indexed} at index {at + j}")
    return None


def index_dims(entry: Any) -> int:
    """The dims of x that one entry of a (NumPy-ready) index reads: none for None, "..."
    (counted apart) and a bool; a mask's own dims; one for the rest."""
    if entry is None or entry is Ellipsis or isinstance(entry, (bool, np.bool_)):
        return 0
    return entry.ndim if isinstance(entry, np.ndarray) and entry.dtype == bool else 1


def _out_of_bounds(shape: tuple[int, ...], index: Any) -> tuple[int, int, int] | None:
    """The first entry of a (NumPy-ready) index out of bounds, as PyTorch finds it: (the value,
    the dimension it names, that dimension's size). PyTorch selects with the ints first, and
    names an int by its place in the index (x[None, 7]: dimension 1); then it indexes with the
    integer arrays, broadcast together, element by element, each named by its place among them
    (x[:, [7]]: dimension 0; a mask counts one place per dim it spans)."""
    entries = index if isinstance(index, tuple) else (index,)
    spans = index_dims
    axis, place, arrays = 0, 0, []
    for i, entry in enumerate(entries):
        if entry is Ellipsis:
            axis += len(shape) - sum(map(spans, entries))
            continue
        if spans(entry) == 1:  # (within the dims: NumPy has refused too many indices)
            size = shape[axis]
            if isinstance(entry, np.ndarray) and entry.dtype != bool:
                arrays.append((place, entry, size))
            elif isinstance(entry, (int, np.integer)) and not -size <= entry < size:
                return int(entry), i, size
        if isinstance(entry, np.ndarray):
            place += spans(entry)
        axis += spans(entry)
    if not arrays:
        return None
    try:  # PyTorch goes through the broadcast indices element by element, each in place order
        picked = np.broadcast_arrays(*(array for _, array, _ in arrays))
    except ValueError:
        return None
    bad = np.array([((array < -size) | (array >= size)).ravel()
                    for (_, _, size), array in zip(arrays, picked)])  # (arrays, elements)
    if not bad.any():
        return None
    at = int(np.argmax(bad.any(axis=0)))
    which = int(np.argmax(bad[:, at]))
    return int(picked[which].flat[at]), arrays[which][0], arrays[which][2]


# ---------------------------------------------------------------------- dtypes
def check_floating_kernel(dtype: dtypes.AnyDtype, kernel: str) -> None:
    """Kernels defined for floating point only (softmax, mean) refuse integer tensors."""
    if not dtypes.is_floating(dtype):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type(dtype)}\'')


def check_mean_dtype(dtype: dtypes.AnyDtype) -> None:
    if not dtypes.is_floating(dtype):
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {scalar_type(dtype)}"
        )


def check_integer_power(dtype: dtypes.AnyDtype, exponent: Any) -> None:
    """An integer tensor to a negative Python integer power: the result is not an integer."""
    if dtype.kind in "biu" and isinstance(exponent, (int, np.integer)) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def check_bool_power(base: dtypes.AnyDtype, exponent: dtypes.AnyDtype) -> None:
    """PyTorch has no bool power kernel: only a bool tensor to a bool number (x ** 0 or x ** 1,
    which it computes without one) gives a bool."""
    if base == dtypes.bool_ and exponent == dtypes.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")


def check_inplace_dtype(dtype: dtypes.AnyDtype, result: dtypes.AnyDtype) -> None:
    """An in-place result must fit the tensor's kind: an int tensor cannot take float results."""
    if not dtypes.can_cast_inplace(result, dtype):
        raise RuntimeError(
            f"result type {scalar_type(result)} can't be cast to the desired output type "
            f"{scalar_type(dtype)}"
        )


def check_inplace_shape(shape: tuple[int, ...], result: tuple[int, ...]) -> None:
    if result != shape:
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape {list(result)}"
        )


def check_matmul(a: Any, b: Any) -> None:
    """Matrix product operands: at least 1-D, one dtype, inner sizes that agree."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and "
            f"{b.ndim}D"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {type_name(a.dtype)} != "
            f"{type_name(b.dtype)}"
        )
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != k_b:
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}]"
                f" to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} "
                "elements respectively"
            )
        rows = int(np.prod(a.shape[:-1]))
        cols = b.shape[-1] if b.ndim > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a.shape[-1]} and {k_b}x{cols})"
        )


def check_matmul_batch(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> None:
    """Batch dims (all but a matrix's two) must broadcast: PyTorch's broadcasting error, which
    names no shapes here."""
    error = broadcast_error(a_shape[:-2], b_shape[:-2])
    if error is not None:
        raise RuntimeError(str(error).split(" (shapes")[0])


def check_matmul_kernel(a: Any, b: Any) -> None:
    """PyTorch's products have no bool kernel: dot refuses any bool vectors, the matrix
    kernels (chosen by b's rank, as PyTorch's matmul does) only inputs with elements."""
    if a.dtype != np.bool_:
        return
    kernel = {1: "addmv_impl_cpu", 2: "addmm_impl_cpu_"}.get(b.ndim, "bmm")
    if a.ndim == b.ndim == 1:
        kernel = "dot"
    elif a.numel() == 0 or b.numel() == 0:
        return
    raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def check_condition(dtype: dtypes.AnyDtype) -> None:
    """`where`'s condition is a bool tensor."""
    if dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {scalar_type(dtype)}")


def check_tensor_count(function: str, count: int) -> None:
    """cat and stack join at least one tensor (each says so in its own words)."""
    if count == 0:
        if function == "cat":
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError("stack expects a non-empty TensorList")


def check_cat(shapes: Sequence[tuple[int, ...]], dim: int) -> None:
    """Tensors joined along `dim` agree in every other dim."""
    first = shapes[0]
    for i, shape in enumerate(shapes):
        if len(shape) != len(first):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(first)} and {len(shape)}"
            )
        for k, (want, got) in enumerate(zip(first, shape)):
            if k != dim and want != got:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{want} but got size {got} for tensor number {i} in the list."
                )


def check_stack(shapes: Sequence[tuple[int, ...]]) -> None:
    """Tensors stacked along a new dim all have one shape."""
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shapes[0])} at "
                f"entry 0 and {list(shape)} at entry {i}"
            )
