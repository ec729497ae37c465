"""The Tensor: a NumPy array, plus what reverse-mode autodiff needs to know about it.

* `_data`: the values (an np.ndarray).
* `grad_fn`: the Function node that computed this tensor, or None for a leaf.
* `requires_grad`: whether gradients flow back to (or through) this tensor.
* `grad`: for a leaf, the gradient accumulated by backward().
* `_storage`: shared by a tensor and its views (and `detach()`): the version counter that every
  in-place write bumps, and the views to refresh when the history of their base is rewritten.
* `_view`: for a view (`x[1:]`, `x.t()`, ...), its base and how to make it from the base.

Every method below is a thin front door: it checks arguments as PyTorch does and hands the arrays
to a Function from `minigrad.functions`, where forward and backward live side by side."""

from __future__ import annotations

import warnings
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from minigrad import checks, devices, dtypes
from minigrad.autograd.engine import RemovableHandle, run_backward, seed_gradient
from minigrad.autograd.grad_mode import _state, no_grad
from minigrad.autograd.versions import Storage
from minigrad.functions import arithmetic as A
from minigrad.functions import linalg as L
from minigrad.functions import matmul as M
from minigrad.functions import reduce as R
from minigrad.functions import shape as S
from minigrad.functions import unary as U

Scalar = int | float | bool


class Tensor:
    """A multi-dimensional array that records the operations applied to it."""

    __slots__ = ("_data", "grad_fn", "_requires_grad", "_grad", "_hooks", "_storage", "_view",
                 "__weakref__")
    __array_priority__ = 1000  # `ndarray * tensor` defers to Tensor.__rmul__

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        # torch.Tensor(data): floats by default; an ndarray is used as it is, without a copy.
        if not isinstance(data, np.ndarray):
            data = np.asarray(data, dtype=dtypes.DEFAULT_FLOAT)
        self._data = data
        self.grad_fn: Any = None
        self._requires_grad = False
        self._grad: Tensor | None = None
        self._hooks: list[Callable[[Tensor], Tensor | None]] | None = None
        self._storage: Storage | None = None
        self._view: tuple[Tensor, Callable[[np.ndarray], np.ndarray]] | None = None
        if requires_grad:
            self.requires_grad_()

    @staticmethod
    def _make(data: Any, grad_fn: Any = None) -> Tensor:
        """Wrap an operation's result (the fast path: no checks, no copy)."""
        t = object.__new__(Tensor)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t._grad = None
        t._hooks = None
        t._storage = None
        t._view = None
        return t

    # ------------------------------------------------------------------ autograd
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and (self.grad_fn._retained is None):
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed "
                "want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
                "on the non-leaf Tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            checks.check_grad(value, isinstance(value, Tensor), self.dtype, self.shape)
        self._grad = value

    @property
    def _shape(self) -> tuple[int, ...]:
        """The shape a gradient flowing into this leaf must have (as a node's `_shape`)."""
        return self._data.shape

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        checks.check_requires_grad(requires_grad, self.grad_fn is None, self.dtype)
        if self.grad_fn is not None:
            return self
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same values (shared memory, and the same version counter) as a new leaf that does
        not require grad."""
        t = Tensor._make(self._data)
        t._storage = self._shared_storage()
        return t

    def detach_(self) -> Tensor:
        self.grad_fn, self._requires_grad = None, False
        return self

    def retain_grad(self) -> None:
        """Ask backward() to fill in `.grad` of this non-leaf tensor too."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retained is not None

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` when the gradient for this tensor is computed; a returned tensor
        replaces the gradient."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self if self.grad_fn is None else self.grad_fn
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return RemovableHandle(owner._hooks, hook)

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf), times `gradient`, into every leaf's `.grad`."""
        if create_graph:
            raise NotImplementedError("minigrad does not build graphs of the backward pass")
        run_backward([self], [seed_gradient(self, gradient, 0)], bool(retain_graph))

    # ------------------------------------------------------------------ versions and views
    @property
    def _version(self) -> int:
        """How many in-place writes the memory of this tensor has seen (shared with its views)."""
        return 0 if self._storage is None else self._storage.version

    @property
    def _base(self) -> Tensor | None:
        """For a view, the tensor whose memory it shares; None otherwise."""
        return None if self._view is None else self._view[0]

    def _is_view(self) -> bool:
        return self._view is not None

    def _shared_storage(self) -> Storage:
        if self._storage is None:
            self._storage = Storage()
        return self._storage

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph: shares memory, as PyTorch's .data, but not
        the version counter, so changes through it go unnoticed by autograd."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self) -> devices.device:
        return devices.CPU

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> Any:
        if dim is not None and self.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self.shape if dim is None else self.shape[checks.check_dim(dim, self.ndim)]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def item(self) -> Scalar:
        checks.check_one_element(self._data.size)
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        """The array itself (shared memory), as torch's .numpy()."""
        checks.check_numpy(self._requires_grad)
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        # (An int index needs none of __getitem__'s checks and conversions.)
        return (S.GetItem.apply1(self, i) for i in range(len(self._data)))

    def __bool__(self) -> bool:
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def _scalar(self) -> Scalar:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.item()

    def __index__(self) -> int:
        if self.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __repr__(self) -> str:
        from minigrad.printing import tensor_repr

        return tensor_repr(self)

    # ------------------------------------------------------------------ dtype and copies
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """`to(dtype)`, `to(other_tensor)`, `to(device)` or `to(device, dtype)`, and the keywords
        `device=`, `dtype=`; differentiable. The device must be the CPU (see devices.py)."""
        if len(args) == 1 and not kwargs and isinstance(args[0], np.dtype):  # to(dtype): fast
            dtype = args[0]
        else:
            where, dtype = devices.to_arguments(args, kwargs)
            if where is not None:
                devices.check(where)
        if dtype is None or dtypes.to_dtype(dtype) == self.dtype:
            return self
        return A.Cast.apply1(self, dtypes.to_dtype(dtype))

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def clone(self) -> Tensor:
        """A copy with its own memory; differentiable (the gradient passes through)."""
        return A.Cast.apply1(self, self.dtype)  # astype copies

    def contiguous(self) -> Tensor:
        return self

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Fails, as in a PyTorch built without CUDA."""
        if device is not None and devices.device(device).type != "cuda":
            raise RuntimeError("Invalid device, must be cuda device")
        raise devices.no_cuda()

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _binary(A.Add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(A.Add, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(A.Sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(A.Sub, other, self)

    def __xor__(self, other: Any) -> Tensor:
        return self.bitwise_xor(other)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(A.Mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(A.Mul, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(A.Div, self, other, floating=True)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(A.Div, other, self, floating=True)

    def __pow__(self, exponent: Any) -> Tensor:
        if self._data.dtype.kind != "f":
            checks.check_integer_power(self.dtype, exponent)
        return _binary(A.Pow, self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _binary(A.Pow, base, self)

    def __neg__(self) -> Tensor:
        checks.check_negatable(self.dtype)
        return A.Neg.apply1(self)

    def __abs__(self) -> Tensor:
        return U.Abs.apply1(self)

    def __pos__(self) -> Tensor:
        return self

    def __matmul__(self, other: Tensor) -> Tensor:
        if not isinstance(other, Tensor):
            return NotImplemented  # Python's TypeError, as PyTorch's `x @ [[1.0]]`
        return _matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        # `[[1.0]] @ x` and `ndarray @ x` fail with Python's TypeError, as in PyTorch. (Declared,
        # so that NumPy defers to it rather than multiplying the tensor as an array.)
        return NotImplemented

    def add(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other: Any) -> Tensor:
        return self * other

    def div(self, other: Any) -> Tensor:
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def neg(self) -> Tensor:
        return -self

    def matmul(self, other: Tensor) -> Tensor:
        if not isinstance(other, Tensor):
            raise checks.argument_error("matmul", "other", 1, other)
        return _matmul(self, other)

    # --- linear algebra (the products are MatMul with PyTorch's stricter checks for each name)
    def mm(self, mat2: Tensor) -> Tensor:
        _expect(self.ndim == 2, "self must be a matrix")
        _expect(mat2.ndim == 2, "mat2 must be a matrix")
        return _matmul(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        _expect(self.ndim == 3, "batch1 must be a 3D tensor")
        _expect(mat2.ndim == 3, "batch2 must be a 3D tensor")
        expected = [self.shape[0], self.shape[2]]
        _expect(list(mat2.shape[:2]) == expected, "Expected size for first two dimensions of "
                f"batch2 tensor to be: {expected} but got: {list(mat2.shape[:2])}.")
        _expect(self.dtype == mat2.dtype, f"expected scalar type {checks.scalar_type(self.dtype)}"
                f" but found {checks.scalar_type(mat2.dtype)}")
        return _matmul(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        _expect(self.ndim == 2 and vec.ndim == 1,
                f"vector + matrix @ vector expected, got 1, {self.ndim}, {vec.ndim}")
        _expect(self.shape[1] == vec.shape[0], f"size mismatch, got input ({self.shape[0]}), mat "
                f"({self.shape[0]}x{self.shape[1]}), vec ({vec.shape[0]})")
        v, m = checks.scalar_type(vec.dtype), checks.scalar_type(self.dtype)
        _expect(v == m, f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}")
        return _matmul(self, vec)

    def dot(self, tensor: Tensor) -> Tensor:
        _expect(self.ndim == 1 and tensor.ndim == 1,
                f"1D tensors expected, but got {self.ndim}D and {tensor.ndim}D tensors")
        _expect(self.dtype == tensor.dtype, "dot : expected both vectors to have same dtype, but "
                f"found {checks.scalar_type(self.dtype)} and {checks.scalar_type(tensor.dtype)}")
        return _matmul(self, tensor)

    def outer(self, vec2: Tensor) -> Tensor:
        """Every product self[i] * vec2[j], broadcast: d/dx_i = sum_j g_ij y_j, by the engine."""
        for name, v in (("self", self), ("vec2", vec2)):
            _expect(v.ndim == 1, f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
        return self.unsqueeze(1) * vec2

    def inner(self, other: Tensor) -> Tensor:
        """Sum over the last dims: (..., k) and (..., k) as an (m, k) @ (k, n) product."""
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        _expect(self.shape[-1] == other.shape[-1], "inner() the last dimension must match on "
                f"both input tensors but got shapes {list(self.shape)} and {list(other.shape)}")
        _expect(self.dtype == other.dtype, "both inputs should have same dtype")
        return tensordot(self, other, ([-1], [-1]))

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Scalar = 1,
              alpha: Scalar = 1) -> Tensor:
        """beta * self + alpha * (mat1 @ mat2); with beta = 0 self is ignored, NaN included."""
        for name, m in (("mat1", mat1), ("mat2", mat2)):
            _expect(m.ndim == 2, f"{name} must be a matrix, got {m.ndim}-D tensor")
        for name, x in (("self", self), ("mat1", mat1)):
            _expect(x.dtype == mat2.dtype, f"{name} and mat2 must have the same dtype, but got "
                    f"{checks.scalar_type(x.dtype)} and {checks.scalar_type(mat2.dtype)}")
        product = _matmul(mat1, mat2)
        input = self.expand(product.shape)
        if beta == 0:  # (a gradient of zeros for self, as PyTorch's)
            input = where(np.zeros((), bool), input, 0)
        elif beta != 1:
            input = input * beta
        return input + (product * alpha if alpha != 1 else product)

    def trace(self) -> Tensor:
        _expect(self.ndim == 2, f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        if self.dtype == dtypes.bool_:
            raise NotImplementedError("\"trace\" not implemented for 'Bool'")
        return self.diagonal().sum()

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """A view of the elements [i, i + offset] of dims dim1 and dim2, put last."""
        d1, d2 = checks.check_dim(dim1, self.ndim), checks.check_dim(dim2, self.ndim)
        _expect(d1 != d2, f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        spec = (offset, d1, d2)
        return _as_view(L.Diagonal.apply1(self, *spec), self, lambda a: L.diagonal_view(a, *spec))

    def diag(self, diagonal: int = 0) -> Tensor:
        """A vector's square matrix, or a copy of a matrix's diagonal."""
        _expect(self.ndim in (1, 2), f"diag(): Supports 1D or 2D tensors. Got {self.ndim}D")
        if self.ndim == 1:
            return L.DiagMatrix.apply1(self, diagonal)
        return self.diagonal(diagonal).clone()

    def tril(self, diagonal: int = 0) -> Tensor:
        _expect(self.ndim >= 2, "tril: input tensor must have at least 2 dimensions")
        return L.Triangle.apply1(self, np.tril, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        _expect(self.ndim >= 2, "triu: input tensor must have at least 2 dimensions")
        return L.Triangle.apply1(self, np.triu, diagonal)

    def maximum(self, other: Tensor) -> Tensor:
        if not isinstance(other, Tensor):
            raise checks.argument_error("maximum", "other", 1, other)
        return _binary(A.Maximum, self, other)

    def minimum(self, other: Tensor) -> Tensor:
        if not isinstance(other, Tensor):
            raise checks.argument_error("minimum", "other", 1, other)
        return _binary(A.Minimum, self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        return where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return where(mask, value, self)

    # comparisons give bool tensors and no gradient
    def _compare(self, other: Any, ufunc: Callable[..., np.ndarray]) -> Tensor:
        other = other._data if isinstance(other, Tensor) else other
        return Tensor._make(ufunc(self._data, other))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    __hash__ = object.__hash__  # tensors are dict keys by identity (optimizer state)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self) -> Tensor:
        if self._data.dtype.kind == "f":
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                            "tensors")
        return self.bitwise_not()

    def __and__(self, other: Any) -> Tensor:
        return self.bitwise_and(other)

    def __or__(self, other: Any) -> Tensor:
        return self.bitwise_or(other)

    def logical_not(self) -> Tensor:
        return Tensor._make(np.logical_not(self._data))

    def isnan(self) -> Tensor:
        return Tensor._make(np.isnan(self._data))

    def isfinite(self) -> Tensor:
        return Tensor._make(np.isfinite(self._data))

    greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne

    def equal(self, other: Tensor) -> bool:
        """True if both have one shape and equal values (a float and an int tensor may)."""
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def isclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """|x - other| <= atol + rtol |other|, elementwise (equal infinities are close too)."""
        if self.dtype != other.dtype:
            raise RuntimeError(f"{checks.scalar_type(self.dtype)} did not match "
                               f"{checks.scalar_type(other.dtype)}")
        for name, value in (("rtol", rtol), ("atol", atol)):
            if value < 0:
                raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value}")
        a, b = self._data, other._data
        close = a == b
        if equal_nan:
            close |= np.isnan(a) & np.isnan(b)
        if a.dtype.kind != "f":  # (PyTorch measures integers in the default float dtype)
            a, b = a.astype(dtypes.DEFAULT_FLOAT), b.astype(dtypes.DEFAULT_FLOAT)
        with np.errstate(invalid="ignore", over="ignore"):
            error, allowed = np.abs(a - b), atol + np.abs(rtol * b)
            close |= np.isfinite(error) & (error <= allowed)
        return Tensor._make(close)

    def allclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def isinf(self) -> Tensor:
        return Tensor._make(np.isinf(self._data))

    def isposinf(self) -> Tensor:
        return Tensor._make(np.isposinf(self._data))

    def isneginf(self) -> Tensor:
        return Tensor._make(np.isneginf(self._data))

    def isreal(self) -> Tensor:
        """True everywhere: minigrad has no complex tensors."""
        return Tensor._make(np.ones(self.shape, bool))

    def logical_and(self, other: Tensor) -> Tensor:
        return self._compare(other, np.logical_and)

    def logical_or(self, other: Tensor) -> Tensor:
        return self._compare(other, np.logical_or)

    def logical_xor(self, other: Tensor) -> Tensor:
        return self._compare(other, np.logical_xor)

    # bitwise operations, on integer and bool tensors only
    def _bitwise(self, other: Any, ufunc: Callable[..., np.ndarray], kernel: str,
                 reverse: bool = False) -> Tensor:
        if not isinstance(other, (Tensor, int, np.integer, np.bool_)):
            return NotImplemented
        dtype = dtypes.result_type(self, other)
        if dtype.kind == "f" or (dtype.kind == "b" and "shift" in kernel):
            raise NotImplementedError(
                f'"{kernel}" not implemented for \'{checks.scalar_type(dtype)}\'')
        a = self._data.astype(dtype, copy=False)
        b = np.asarray(other._data if isinstance(other, Tensor) else other).astype(dtype)
        return Tensor._make(ufunc(b, a) if reverse else ufunc(a, b))

    def bitwise_and(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and_cpu")

    def bitwise_or(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or_cpu")

    def bitwise_xor(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "bitwise_xor_cpu")

    def bitwise_not(self) -> Tensor:
        if self._data.dtype.kind == "f":
            raise NotImplementedError(
                f'"bitwise_not_cpu" not implemented for \'{checks.scalar_type(self.dtype)}\'')
        return Tensor._make(np.invert(self._data))

    def bitwise_left_shift(self, other: Any) -> Tensor:
        """x * 2^other; 0 when other is negative or at least the bit width (as PyTorch)."""
        return self._bitwise(other, np.left_shift, "lshift_cpu")

    def bitwise_right_shift(self, other: Any) -> Tensor:
        """x // 2^other, the sign filling in from the left (-1 for negative x shifted out)."""
        return self._bitwise(other, np.right_shift, "rshift_cpu")

    __lshift__, __rshift__ = bitwise_left_shift, bitwise_right_shift

    def __rand__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and_cpu", reverse=True)

    def __ror__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or_cpu", reverse=True)

    def __rxor__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "bitwise_xor_cpu", reverse=True)

    def __rlshift__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.left_shift, "lshift_cpu", reverse=True)

    def __rrshift__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.right_shift, "rshift_cpu", reverse=True)

    def sign(self) -> Tensor:
        return U.Sign.apply1(self)

    def all(self) -> Tensor:
        return Tensor._make(np.all(self._data))

    def any(self) -> Tensor:
        return Tensor._make(np.any(self._data))

    # ------------------------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        return U.Exp.apply1(_floating(self))

    def log(self) -> Tensor:
        return U.Log.apply1(_floating(self))

    def sqrt(self) -> Tensor:
        return U.Sqrt.apply1(_floating(self))

    def tanh(self) -> Tensor:
        return U.Tanh.apply1(_floating(self))

    def sigmoid(self) -> Tensor:
        return U.Sigmoid.apply1(_floating(self))

    def relu(self) -> Tensor:
        return U.Relu.apply1(self)

    def abs(self) -> Tensor:
        return U.Abs.apply1(self)

    # (Integer inputs become float32, as in PyTorch, except for square and the rounding
    # functions, which keep the dtype.)
    def sin(self) -> Tensor:
        return U.Sin.apply1(_floating(self))

    def cos(self) -> Tensor:
        return U.Cos.apply1(_floating(self))

    def tan(self) -> Tensor:
        return U.Tan.apply1(_floating(self))

    def asin(self) -> Tensor:
        return U.Asin.apply1(_floating(self))

    def acos(self) -> Tensor:
        return U.Acos.apply1(_floating(self))

    def atan(self) -> Tensor:
        return U.Atan.apply1(_floating(self))

    def sinh(self) -> Tensor:
        return U.Sinh.apply1(_floating(self))

    def cosh(self) -> Tensor:
        return U.Cosh.apply1(_floating(self))

    def asinh(self) -> Tensor:
        return U.Asinh.apply1(_floating(self))

    def acosh(self) -> Tensor:
        return U.Acosh.apply1(_floating(self))

    def atanh(self) -> Tensor:
        return U.Atanh.apply1(_floating(self))

    def log1p(self) -> Tensor:
        return U.Log1p.apply1(_floating(self))

    def expm1(self) -> Tensor:
        return U.Expm1.apply1(_floating(self))

    def log2(self) -> Tensor:
        return U.Log2.apply1(_floating(self))

    def log10(self) -> Tensor:
        return U.Log10.apply1(_floating(self))

    def exp2(self) -> Tensor:
        return U.Exp2.apply1(_floating(self))

    def rsqrt(self) -> Tensor:
        return U.Rsqrt.apply1(_floating(self))

    def reciprocal(self) -> Tensor:
        return U.Reciprocal.apply1(_floating(self))

    def square(self) -> Tensor:
        # (PyTorch's square is pow(x, 2), for which bools promote to int64)
        return U.Square.apply1(self.to(dtypes.int64) if self._data.dtype.kind == "b" else self)

    def floor(self) -> Tensor:
        return U.Floor.apply1(_not_bool(self, "floor_vml_cpu"))

    def ceil(self) -> Tensor:
        return U.Ceil.apply1(_not_bool(self, "ceil_vml_cpu"))

    def trunc(self) -> Tensor:
        return U.Trunc.apply1(_not_bool(self, "trunc_vml_cpu"))

    fix = trunc

    def round(self, *, decimals: int = 0) -> Tensor:
        """Rounds to `decimals` decimal places (halves to even); integers only with 0."""
        if decimals != 0:
            checks.check_floating_kernel(self.dtype, "round_cpu")
        return U.Round.apply1(_not_bool(self, "round_vml_cpu"), decimals)

    def frac(self) -> Tensor:
        checks.check_floating_kernel(self.dtype, "frac_cpu")
        return U.Frac.apply1(self)

    # special functions: integers become float32, each is computed in float64 and rounded
    def erf(self) -> Tensor:
        return U.Erf.apply1(_floating(self))

    def erfc(self) -> Tensor:
        return U.Erfc.apply1(_floating(self))

    def erfinv(self) -> Tensor:
        return U.Erfinv.apply1(_floating(self))

    def lgamma(self) -> Tensor:
        return U.Lgamma.apply1(_floating(self))

    def digamma(self) -> Tensor:
        return U.Polygamma.apply1(_floating(self), 0)

    def polygamma(self, n: int) -> Tensor:
        """The n-th derivative of digamma (polygamma(0, x) is digamma(x))."""
        if n < 0:
            raise RuntimeError("polygamma(n, x) does not support negative n.")
        return U.Polygamma.apply1(_floating(self), n)

    def mvlgamma(self, p: int) -> Tensor:
        """log of the multivariate gamma function of dimension p:
        sum_{i<p} lgamma(x - i/2) + p (p-1)/4 log(pi), computed as PyTorch's (x + the offsets
        -(p-1)/2, ..., -1/2, 0 along a new last dim, lgamma, summed)."""
        if p < 1:
            raise RuntimeError("p has to be greater than or equal to 1")
        x = _floating(self)
        offsets = Tensor._make(np.arange(-p * 0.5 + 0.5, 0.5, 0.5).astype(x.dtype))
        return (x.unsqueeze(-1) + offsets).lgamma().sum(-1) + p * (p - 1) * float(np.log(np.pi)) / 4

    def i0(self) -> Tensor:
        return U.I0.apply1(_floating(self))

    def logit(self, eps: float | None = None) -> Tensor:
        """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given."""
        return U.Logit.apply1(_floating(self), eps)

    def sinc(self) -> Tensor:
        return U.Sinc.apply1(_floating(self))

    def sgn(self) -> Tensor:
        """sign(x) for real tensors (PyTorch's sgn differs only for complex ones)."""
        return self.clone() if self._data.dtype.kind == "b" else self.sign()

    def signbit(self) -> Tensor:
        return Tensor._make(np.signbit(self._data))

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        """nan, +inf and -inf replaced (by default with 0 and the dtype's largest and lowest)."""
        if self._data.dtype.kind != "f":
            return self.clone()
        return U.NanToNum.apply1(self, nan, posinf, neginf)

    def deg2rad(self) -> Tensor:
        return _floating(self) * (np.pi / 180)

    def rad2deg(self) -> Tensor:
        return _floating(self) * (180 / np.pi)

    def clamp(self, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        return U.Clamp.apply1(self, _number(min), _number(max))

    clip = clamp

    def softmax(self, dim: int) -> Tensor:
        return R.Softmax.apply1(self, _softmax_dim(self, dim, "softmax"))

    def log_softmax(self, dim: int) -> Tensor:
        return R.LogSoftmax.apply1(self, _softmax_dim(self, dim, "log_softmax"))

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        x = self if self._data.dtype.kind == "f" else self.to(dtypes.sum_dtype(self.dtype))
        dims = None if dim is None else checks.check_dims(dim, self.ndim)
        return R.Sum.apply1(x, dims, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind != "f":
            checks.check_mean_dtype(self.dtype)
        dims = None if dim is None else checks.check_dims(dim, self.ndim)
        return R.Mean.apply1(self, dims, keepdim)

    def var(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Var.apply1(_floating(self), checks.check_dims(dim, self.ndim), c, keepdim)

    def std(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Std.apply1(_floating(self), checks.check_dims(dim, self.ndim), c, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _extremum(self, R.Amax, "amax", dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _extremum(self, R.Amin, "amin", dim, keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """max() over everything, max(dim) -> (values, indices), or max(other) elementwise."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None:
            return _extremum(self, R.Amax, "max", (), False)
        return max_result(*_select(self, np.argmax, "max", dim, keepdim))

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            return _extremum(self, R.Amin, "min", (), False)
        return min_result(*_select(self, np.argmin, "min", dim, keepdim))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _arg(self, np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _arg(self, np.argmin, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return R.LogSumExp.apply1(_floating(self), checks.check_dims(dim, self.ndim), keepdim)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        if p in ("fro", None):
            p = 2
        if isinstance(p, str):
            raise RuntimeError(f"norm: unsupported p={p!r}; use a number, 'fro' or inf")
        dims = checks.check_dims(dim, self.ndim)
        if self._data.size == 0:
            checks.check_norm_reducible(p, self.shape, dim)
        return R.Norm.apply1(_floating(self), float(p), dims, keepdim)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        shape = checks.check_shape(shape)
        if self.shape == shape:
            return self
        checks.check_inferred(shape)
        try:
            result = S.Reshape.apply1(self, shape)
        except ValueError:
            raise checks.reshape_error(shape, self.numel()) from None
        if np.may_share_memory(result._data, self._data):  # NumPy reshaped without a copy
            _as_view(result, self, lambda a: a.reshape(shape))
        return result

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        s, e = checks.check_dim(start_dim, self.ndim), checks.check_dim(end_dim, self.ndim)
        merged = int(np.prod(self.shape[s:e + 1]))  # not -1: ambiguous for empty tensors
        return self.reshape(self.shape[:s] + (merged,) + self.shape[e + 1:])

    def squeeze(self, dim: Any = None) -> Tensor:
        if self.ndim == 0:
            return self
        dims = checks.check_dims(dim, self.ndim)
        drop = {d for d in (range(self.ndim) if dims is None else dims) if self.shape[d] == 1}
        return self.reshape(tuple(n for d, n in enumerate(self.shape) if d not in drop))

    def unsqueeze(self, dim: int) -> Tensor:
        d = checks.check_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def permute(self, *dims: Any) -> Tensor:
        return self._permuted(checks.check_permute(checks.check_shape(dims), self.ndim))

    def _permuted(self, order: tuple[int, ...]) -> Tensor:
        return _as_view(S.Permute.apply1(self, order), self, lambda a: a.transpose(order))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        a, b = checks.check_dim(dim0, self.ndim), checks.check_dim(dim1, self.ndim)
        if self.ndim == 0:
            return self
        dims = list(range(self.ndim))
        dims[a], dims[b] = dims[b], dims[a]
        return self._permuted(tuple(dims))

    def t(self) -> Tensor:
        return self.transpose(0, 1) if self.ndim == 2 else self

    def expand(self, *sizes: Any) -> Tensor:
        target = checks.check_expand(self.shape, checks.check_shape(sizes), self.dtype)
        return _as_view(S.Expand.apply1(self, target), self, lambda a: np.broadcast_to(a, target))

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of `split_size` along dim (the last may be smaller), or of the listed sizes."""
        d = checks.check_dim(dim, self.ndim)
        n = self.shape[d]
        if isinstance(split_size, int):
            checks.check_split_size(split_size, n)
            # ceil(n / split_size) pieces; an empty dim still gives one (empty) piece
            sizes = [split_size] * (-(-n // split_size) if n else 1)
        else:
            sizes = split_size
            checks.check_split_sizes(sizes, n, d)
        starts = np.cumsum([0, *sizes])
        lead = (slice(None),) * d
        return tuple(self[lead + (slice(int(s), int(min(s + k, n))),)]
                     for s, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        checks.check_chunks(chunks)
        n = self.shape[checks.check_dim(dim, self.ndim)]
        if n == 0:  # PyTorch gives `chunks` empty pieces
            return self.split([0] * chunks, dim)
        return self.split(-(-n // chunks), dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        d = checks.check_dim(dim, self.ndim)
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self.shape[d]))

    # ------------------------------------------------------------------ more shape and indexing
    def flip(self, *dims: Any) -> Tensor:
        """A copy with the order reversed along each of `dims`."""
        order = checks.check_dims(checks.check_shape(dims), self.ndim)
        return S.Flip.apply1(self, order)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """A copy with the elements shifted by `shifts` along `dims`, wrapping around; without
        dims, along the flattened tensor (its shape kept)."""
        shifts, axes = Tensor._ints(shifts), None if dims is None else Tensor._ints(dims)
        if not shifts:
            raise RuntimeError("`shifts` required")
        if axes is None and len(shifts) == 1:
            return S.Roll.apply1(self, shifts, None)
        if axes is not None and self.ndim == 0:
            raise IndexError(f"Dimension specified as {axes[0]} but tensor has no dimensions")
        if axes is None or len(shifts) != len(axes):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:{0 if axes is None else len(axes)}")
        return S.Roll.apply1(self, shifts, tuple(checks.check_dim(d, self.ndim) for d in axes))

    def repeat(self, *repeats: Any) -> Tensor:
        """A copy tiled `repeats[i]` times along dim i (new leading dims for extra repeats)."""
        repeats = checks.check_shape(repeats)
        if len(repeats) < self.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                               "number of dimensions of tensor")
        padded = (1,) * (len(repeats) - self.ndim) + self.shape
        shape = [n * r for n, r in zip(padded, repeats)]
        for n in shape:
            if n < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {shape}")
        return S.Repeat.apply1(self, repeats)

    def tile(self, *dims: Any) -> Tensor:
        """repeat, where fewer repeats than dims leave the leading dims alone."""
        repeats = checks.check_shape(dims)
        return self.repeat((1,) * (self.ndim - len(repeats)) + repeats)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        return self.transpose(axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        return self.transpose(dim0, dim1)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """A view with the dims `source` moved to the positions `destination`, the other dims
        keeping their order."""
        sources, targets = Tensor._ints(source), Tensor._ints(destination)
        if len(sources) != len(targets):
            raise RuntimeError(
                f"movedim: Invalid source or destination dims: source ({list(sources)} dims) "
                f"should contain the same number of dims as destination ({list(targets)} dims)")
        checked = []
        for name, given in (("source", sources), ("destination", targets)):
            dims = tuple(checks.check_dim(d, self.ndim) for d in given)
            if len(set(dims)) != len(dims):
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
            checked.append(dims)
        order = [-1] * self.ndim
        for s, t in zip(*checked):
            if self.ndim:  # (a 0-d tensor accepts dim 0 and -1, and moves nothing)
                order[t] = s
        rest = iter(d for d in range(self.ndim) if d not in checked[0])
        return self._permuted(tuple(d if d >= 0 else next(rest) for d in order))

    moveaxis = movedim

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """A view with dim `dim` split into dims of `sizes` (one of them may be -1)."""
        d = checks.check_dim(dim, self.ndim)
        sizes = checks.check_shape((sizes,))
        if not sizes:
            raise RuntimeError("unflatten: sizes must be non-empty")
        n, known = self.shape[d] if self.ndim else 1, int(np.prod([k for k in sizes if k != -1]))
        if -1 in sizes and known and n % known == 0:
            sizes = tuple(n // known if k == -1 else k for k in sizes)
        if int(np.prod(sizes)) != n or -1 in sizes:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to "
                               f"the size of dim {dim} ({n}) in the input tensor")
        shape = self.shape[:d] + sizes + self.shape[d + 1:]
        return _as_view(S.Reshape.apply1(self, shape), self, lambda a: a.reshape(shape))

    def broadcast_to(self, size: Any) -> Tensor:
        return self.expand(size)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """A copy of the slices of dim `dim` at the positions in the vector `index`."""
        d, idx = checks.check_dim(dim, self.ndim), index._data
        if idx.dtype not in (np.int32, np.int64):
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        if idx.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        idx, n = idx.reshape(-1), self.shape[d] if self.ndim else 1
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.size:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad[0]} axis_dim={n}")
        return S.GetItem.apply1(self, (slice(None),) * d + (idx,))

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """out[i][j] = self[index[i][j]][j] for dim 0, and so on for other dims."""
        d = checks.check_dim(dim, self.ndim)
        self._check_scatter_index(d, index, "gather")
        for k, (i, n) in enumerate(zip(index.shape, self.shape)):
            if k != d and i > n:
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index {list(index.shape)} "
                    f"to be no larger than self {list(self.shape)} apart from dimension {d}")
        return S.Gather.apply1(self, index._data, d)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy of self with src[i][j] added at [index[i][j]][j] for dim 0 (and so on)."""
        d = checks.check_dim(dim, self.ndim)
        self._check_scatter_index(d, index, "scatter", src)
        return S.ScatterAdd.apply(self, src, index._data, d)

    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
        """A copy of self with src[i][j] (or the number `value`) written at [index[i][j]][j]
        for dim 0 (and so on)."""
        d, src = checks.check_dim(dim, self.ndim), value if src is None else src
        self._check_scatter_index(d, index, "scatter", src if isinstance(src, Tensor) else None)
        return S.Scatter.apply(self, src, index._data, d)

    def masked_select(self, mask: Tensor) -> Tensor:
        """The elements where the mask (broadcast with self) is True, as a 1-d copy."""
        if mask.dtype != np.bool_:
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        error = checks.broadcast_error(mask.shape, self.shape)  # (PyTorch's order)
        if error is not None:
            raise error
        shape = np.broadcast_shapes(self.shape, mask.shape)
        return S.GetItem.apply1(self.expand(shape), np.broadcast_to(mask._data, shape))

    @staticmethod
    def _ints(x: Any) -> tuple[int, ...]:
        """An int or a sequence of ints as a tuple (the dims and shifts of roll and movedim)."""
        return (int(x),) if isinstance(x, (int, np.integer)) else tuple(x)

    def _check_scatter_index(self, dim: int, index: Tensor, name: str, src: Any = None) -> None:
        """PyTorch's checks of the index of gather and scatter (and of src, for scatter)."""
        if index.dtype not in (np.int32, np.int64):
            raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
        if src is not None and src.dtype != self.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if index.ndim != self.ndim and index.numel():
            raise RuntimeError("Index tensor must have the same number of dimensions as "
                               f"{'input' if name == 'gather' else 'self'} tensor")
        if src is not None and any(
                i > n or (i > m and k != dim)
                for k, (i, n, m) in enumerate(zip(index.shape, src.shape, self.shape))):
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self "
                f"{list(self.shape)} apart from dimension {dim} and to be no larger size than "
                f"src {list(src.shape)}")
        idx, n = index._data, self.shape[dim] if self.ndim else 1
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.size:
            raise RuntimeError(
                f"index {bad.flat[0]} is out of bounds for dimension {dim} with size {n}")

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> Tensor:
        index = _index(index)
        try:
            if S.mixes_ints_and_arrays(index):
                ints_only, rest = S.split_int_index(index)
                return S.GetItem.apply1(S.GetItem.apply1(self, ints_only), rest)
            result = S.GetItem.apply1(self, index)
        except IndexError as error:
            raise checks.index_error(error, self.ndim) from None
        if type(index) is int or S.is_basic_index(index):  # slicing: a view, as in PyTorch
            _as_view(result, self, lambda a: S.basic_view(a, index))
        return result

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _index(index)
        if not _records(self, value):
            checks.check_writable(self._data)
            self._data[index] = value._data if isinstance(value, Tensor) else value
            self._shared_storage().version += 1
        elif type(index) is int or S.is_basic_index(index):
            self[index].copy_(value)  # slicing gives a view: the write goes through it
        else:  # integer or boolean arrays pick copies: a change of self itself (index_put_)
            value = value.to(self.dtype) if isinstance(value, Tensor) else value
            self._inplace(lambda s, v: S.SetItem.apply(s, v, index), value)

    # ------------------------------------------------------------------ in-place operations
    # An in-place op writes its result into the tensor's own memory, so every view of that
    # memory sees it, and bumps the version counter the views share. Inside a graph it is also
    # recorded: the op runs out of place on a copy of the old values (which its node may save),
    # and the tensor's history is rewritten to end in that node (`_rebase`). Nodes that saved
    # the old values themselves refuse to run in backward: their saved version is out of date.
    # and the same for the special functions
    def erf_(self) -> Tensor:
        return self._inplace(lambda s, _: s.erf(), None)

    def erfc_(self) -> Tensor:
        return self._inplace(lambda s, _: s.erfc(), None)

    def erfinv_(self) -> Tensor:
        return self._inplace(lambda s, _: s.erfinv(), None)

    def lgamma_(self) -> Tensor:
        return self._inplace(lambda s, _: s.lgamma(), None)

    def digamma_(self) -> Tensor:
        return self._inplace(lambda s, _: s.digamma(), None)

    def polygamma_(self, n: int) -> Tensor:
        return self._inplace(lambda s, _: s.polygamma(n), None)

    def mvlgamma_(self, p: int) -> Tensor:
        return self._inplace(lambda s, _: s.mvlgamma(p), None)

    def i0_(self) -> Tensor:
        return self._inplace(lambda s, _: s.i0(), None)

    def logit_(self, eps: float | None = None) -> Tensor:
        return self._inplace(lambda s, _: s.logit(eps), None)

    def sinc_(self) -> Tensor:
        return self._inplace(lambda s, _: s.sinc(), None)

    def sgn_(self) -> Tensor:
        return self._inplace(lambda s, _: s.sgn(), None)

    def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None,
                    neginf: float | None = None) -> Tensor:
        return self._inplace(lambda s, _: s.nan_to_num(nan, posinf, neginf), None)

    def deg2rad_(self) -> Tensor:
        return self._inplace(lambda s, _: s.deg2rad(), None)

    def rad2deg_(self) -> Tensor:
        return self._inplace(lambda s, _: s.rad2deg(), None)

    def _inplace(self, op: Callable[[Tensor, Any], Tensor], other: Any) -> Tensor:
        checks.check_writable(self._data)
        if not _records(self, other):
            result = op(self, other)
            _check_inplace(self, result)
            np.copyto(self._data, result._data, casting="unsafe")
            self._shared_storage().version += 1
            return self
        checks.check_inplace_target(self)
        result = op(self._old_values(), other)
        _check_inplace(self, result)
        np.copyto(self._data, result._data, casting="unsafe")
        self._shared_storage().version += 1
        self._rebase(result.to(self.dtype))
        return self

    def _old_values(self) -> Tensor:
        """This tensor's history with a private copy of its values: the operand of a recorded
        in-place op, whose node may save it while the memory itself is overwritten."""
        old = Tensor._make(self._data.copy(), self.grad_fn)
        old._requires_grad = self._requires_grad
        return old

    def _rebase(self, result: Tensor) -> None:
        """Rewrite the history after an in-place op whose recorded result is `result`.

        A tensor that is not a view now ends in result's node. For a view, it is its base that
        changed: the base's new history puts `result` into the view's place (ViewScatter,
        PyTorch's CopySlices). Then every view of the base, this one too, is made again from
        the base's new history, so a gradient through any of them reaches the change.
        """
        if self._view is None:
            self.grad_fn, self._requires_grad = result.grad_fn, True
            base = self
        else:
            base, view_fn = self._view
            before = Tensor._make(base._data, base.grad_fn)  # (values unused: history only)
            before._requires_grad = base._requires_grad
            scattered = S.ViewScatter.apply(before, result, view_fn)
            base.grad_fn, base._requires_grad = scattered.grad_fn, True
        for view in base._shared_storage().live_views():
            if view._view is not None and view._view[0] is base:  # (not views of a detach())
                view.grad_fn = S.ViewOf.apply(base, view._view[1]).grad_fn
                view._requires_grad = True

    def _inplace_arith(self, op: Callable[[Tensor, Any], Tensor], ufunc: Any, other: Any) -> Tensor:
        """`self op= other` for + - * /. Outside a graph it writes straight into the array with
        the ufunc, with no temporary tensor: the optimizer's `p -= lr * p.grad` path."""
        if _records(self, other) or not isinstance(other, (Tensor, int, float)):
            return self._inplace(op, other)
        value = other._data if isinstance(other, Tensor) else other
        try:
            if self._data.dtype.kind == "f":  # a float tensor can take any result
                ufunc(self._data, value, self._data)  # (NumPy's same_kind cast, if any)
            else:
                checks.check_inplace_dtype(self.dtype, dtypes.result_type(self, other))
                ufunc(self._data, value, out=self._data, casting="unsafe")
        except ValueError:
            checks.check_writable(self._data)
            broadcast = np.broadcast_shapes(self.shape, np.shape(_raw(other)))
            checks.check_inplace_shape(self.shape, broadcast)
            raise
        self._shared_storage().version += 1
        return self

    def add_(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return self._inplace_arith(Tensor.__add__, np.add, other * alpha if alpha != 1 else other)

    def sub_(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return self._inplace_arith(Tensor.__sub__, np.subtract,
                                   other * alpha if alpha != 1 else other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace_arith(Tensor.__mul__, np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace_arith(Tensor.__truediv__, np.true_divide, other)

    def pow_(self, exponent: Any) -> Tensor:
        return self._inplace(Tensor.__pow__, exponent)

    def clamp_(self, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:
        return self._inplace(lambda s, _: s.clamp(min, max), None)

    def relu_(self) -> Tensor:
        return self._inplace(lambda s, _: s.relu(), None)

    def sin_(self) -> Tensor:
        return self._inplace(lambda s, _: s.sin(), None)

    def cos_(self) -> Tensor:
        return self._inplace(lambda s, _: s.cos(), None)

    def tan_(self) -> Tensor:
        return self._inplace(lambda s, _: s.tan(), None)

    def asin_(self) -> Tensor:
        return self._inplace(lambda s, _: s.asin(), None)

    def acos_(self) -> Tensor:
        return self._inplace(lambda s, _: s.acos(), None)

    def atan_(self) -> Tensor:
        return self._inplace(lambda s, _: s.atan(), None)

    def sinh_(self) -> Tensor:
        return self._inplace(lambda s, _: s.sinh(), None)

    def cosh_(self) -> Tensor:
        return self._inplace(lambda s, _: s.cosh(), None)

    def asinh_(self) -> Tensor:
        return self._inplace(lambda s, _: s.asinh(), None)

    def acosh_(self) -> Tensor:
        return self._inplace(lambda s, _: s.acosh(), None)

    def atanh_(self) -> Tensor:
        return self._inplace(lambda s, _: s.atanh(), None)

    def log1p_(self) -> Tensor:
        return self._inplace(lambda s, _: s.log1p(), None)

    def expm1_(self) -> Tensor:
        return self._inplace(lambda s, _: s.expm1(), None)

    def log2_(self) -> Tensor:
        return self._inplace(lambda s, _: s.log2(), None)

    def log10_(self) -> Tensor:
        return self._inplace(lambda s, _: s.log10(), None)

    def exp2_(self) -> Tensor:
        return self._inplace(lambda s, _: s.exp2(), None)

    def rsqrt_(self) -> Tensor:
        return self._inplace(lambda s, _: s.rsqrt(), None)

    def reciprocal_(self) -> Tensor:
        return self._inplace(lambda s, _: s.reciprocal(), None)

    def square_(self) -> Tensor:
        return self._inplace(lambda s, _: s.square(), None)

    def floor_(self) -> Tensor:
        return self._inplace(lambda s, _: s.floor(), None)

    def ceil_(self) -> Tensor:
        return self._inplace(lambda s, _: s.ceil(), None)

    def trunc_(self) -> Tensor:
        return self._inplace(lambda s, _: s.trunc(), None)

    fix_ = trunc_

    def round_(self, *, decimals: int = 0) -> Tensor:
        return self._inplace(lambda s, _: s.round(decimals=decimals), None)

    def frac_(self) -> Tensor:
        return self._inplace(lambda s, _: s.frac(), None)

    def copy_(self, src: Any) -> Tensor:
        return self._inplace(_overwrite, src)

    def fill_(self, value: Any) -> Tensor:
        if not _records(self, value) and not isinstance(value, Tensor) and \
                self._data.flags.writeable:
            self._data.fill(value)  # the everyday `p.grad.zero_()`: no temporary array
            self._shared_storage().version += 1
            return self
        return self._inplace(_overwrite, value)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    # ------------------------------------------------------------------ dtype conversions
    # (Last in the class: below them, `int` and `bool` in the class body would name these
    # methods rather than the types.)
    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)


def _as_view(view: Tensor, source: Tensor, view_fn: Callable[[np.ndarray], np.ndarray]) -> Tensor:
    """Mark `view`, whose array `view_fn(source's array)` is, as a view of source's base: it
    shares source's version counter, and `_view` makes its array from the base's."""
    if source._view is None:
        base = source
    else:
        base, outer = source._view
        view_fn = (lambda inner: lambda a: inner(outer(a)))(view_fn)
    view._view = (base, view_fn)
    view._storage = storage = base._shared_storage()
    if storage.views is None:
        storage.views = []
    storage.views.append(weakref.ref(view))
    return view


# ---------------------------------------------------------------------- helpers
def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _number(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


def _floating(x: Tensor) -> Tensor:
    """Integer tensors become float32 first, as in PyTorch's exp, log, mean, ..."""
    return x if x._data.dtype.kind == "f" else x.to(dtypes.floating(x.dtype))


def _not_bool(x: Tensor, kernel: str) -> Tensor:
    """x itself, unless it is a bool tensor, which PyTorch's rounding kernels refuse."""
    if x._data.dtype.kind == "b":
        checks.check_floating_kernel(x.dtype, kernel)
    return x


def _softmax_dim(x: Tensor, dim: int, name: str) -> int:
    """The checked dim of a softmax; integer inputs are refused, as in PyTorch."""
    d = checks.check_dim(dim, x.ndim)
    kernel = f"{name}_lastdim_kernel_impl" if d == x.ndim - 1 else f"{name}_kernel_impl"
    checks.check_floating_kernel(x.dtype, kernel)
    return d


def _records(x: Tensor, other: Any) -> bool:
    """Whether an in-place op on x with `other` must be recorded in the graph."""
    return _state.enabled and (
        x._requires_grad or (isinstance(other, Tensor) and other._requires_grad)
    )


def _overwrite(x: Tensor, value: Any) -> Tensor:
    """A tensor of x's shape filled with `value` (broadcast): the result of copy_/fill_/zero_."""
    value = value.to(x.dtype) if isinstance(value, Tensor) else np.asarray(value, x.dtype)
    return S.SetItem.apply(x, value, Ellipsis)


def _check_inplace(x: Tensor, result: Tensor) -> None:
    checks.check_inplace_shape(x.shape, result.shape)
    checks.check_inplace_dtype(x.dtype, result.dtype)


def _binary(fn: Any, a: Any, b: Any, floating: bool = False) -> Tensor:
    """Apply an elementwise Function after PyTorch's type promotion; both operands end up with
    one dtype (a cast is itself a recorded, differentiable op)."""
    # The common case needs no promotion: two float tensors of one dtype, or a float tensor
    # and a Python number (which NumPy, like PyTorch, applies in the tensor's dtype).
    if isinstance(a, Tensor):
        same = (a._data.dtype is b._data.dtype if isinstance(b, Tensor) else type(b) in _NUMBERS)
        same = same and a._data.dtype.kind == "f"
    else:
        same = type(a) in _NUMBERS and isinstance(b, Tensor) and b._data.dtype.kind == "f"
    if not same:
        if not isinstance(a, _OPERANDS) or not isinstance(b, _OPERANDS):
            return NotImplemented
        a, b = _promote(fn, a, b, floating)
    try:
        return fn.apply2(a, b)
    except ValueError:
        error = checks.broadcast_error(np.shape(_raw(a)), np.shape(_raw(b)))
        if error is None:
            raise
        raise error from None


_NUMBERS = (float, int)
_OPERANDS = (Tensor, int, float, bool, np.number, np.ndarray)


def _promote(fn: Any, a: Any, b: Any, floating: bool) -> tuple[Any, Any]:
    """Both operands of `fn` in their common dtype (dtypes.result_type; true division computes
    in floating point)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
        dtype = a._data.dtype
    else:
        a = a if isinstance(a, (Tensor, int, float, bool)) else _as_tensor(a)
        b = b if isinstance(b, (Tensor, int, float, bool)) else _as_tensor(b)
        dtype = dtypes.result_type(a, b)
    if floating:
        dtype = dtypes.floating(dtype)
    if fn is A.Sub:
        checks.check_subtractable(dtype)
    a = a.to(dtype) if isinstance(a, Tensor) else np.asarray(a, dtype)
    b = b.to(dtype) if isinstance(b, Tensor) else np.asarray(b, dtype)
    return a, b


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _index(index: Any) -> Any:
    """Tensors and lists inside an index become NumPy arrays (integer or boolean)."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        # A 0-d integer tensor indexes like the int it holds (NumPy would treat it as an array).
        return index.item() if index.ndim == 0 and index.dtype.kind in "iu" else index._data
    if isinstance(index, list):
        return np.asarray(index)
    return index


# (Named "max" and "min" as PyTorch's result types are.)
max_result = namedtuple("max", ["values", "indices"])  # type: ignore[name-match]
min_result = namedtuple("min", ["values", "indices"])  # type: ignore[name-match]


def _extremum(x: Tensor, fn: Any, name: str, dim: Any, keepdim: bool) -> Tensor:
    """amax/amin (and max()/min() over everything) over `dim`, () meaning every dim."""
    dims = checks.check_dims(None if dim == () else dim, x.ndim)
    if x._data.size == 0:
        checks.check_reducible(name, x.shape, dim)
    return fn.apply1(x, dims, keepdim)


def _select(x: Tensor, arg: Callable[..., np.ndarray], name: str, dim: int,
            keepdim: bool) -> Any:
    """(values, indices) of max/min along dim: arg picks one index per slice (the first on a
    tie), then a gather takes the value, so the whole gradient goes to that element."""
    d = checks.check_dim(dim, x.ndim)
    if x._data.size == 0:
        checks.check_reducible(name, x.shape, d)
    if x.ndim == 0:
        return x, Tensor._make(np.zeros((), np.int64))
    index = np.expand_dims(arg(x._data, axis=d), d)
    values = R.TakeAlongDim.apply(x, index, d)
    if not keepdim:
        values, index = values.squeeze(d), np.squeeze(index, d)
    return values, Tensor._make(index)


def _arg(x: Tensor, arg: Callable[..., np.ndarray], dim: int | None, keepdim: bool) -> Tensor:
    if x._data.size == 0:
        checks.check_reducible(arg.__name__, x.shape,
                               None if dim is None else checks.check_dim(dim, x.ndim))
    if dim is None:
        result = arg(x._data)
        return Tensor._make(np.reshape(result, (1,) * x.ndim) if keepdim else result)
    d = checks.check_dim(dim, x.ndim)
    if x.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    return Tensor._make(arg(x._data, axis=d, keepdims=keepdim))


# ---------------------------------------------------------------------- function forms
def function_form(method: Callable[..., Any], other: bool = False, numbers: bool = False,
                  name: str | None = None) -> Callable[..., Any]:
    """`minigrad.exp(x)`, the function form of the method `x.exp()` (as torch.exp is).

    PyTorch's function forms refuse an `input` that is not a tensor with a TypeError naming the
    argument and the type it got. A method needs no such check (its `self` is a tensor), so the
    check is made here, once for every function form, and the methods pay nothing for it.

    Args:
        other: the second argument must be a tensor too (`maximum(input, other)`).
        numbers: `input` may also be a number when the second argument is a tensor
            (`torch.add(2, x)`).
        name: the function's name, if not the method's (`clip` is `clamp`).
    """
    name = name or method.__name__

    def form(input: Any, /, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(input, Tensor) and not (
            numbers and isinstance(input, _SCALARS) and args and isinstance(args[0], Tensor)
        ):
            raise checks.input_error(name, input, args, kwargs)
        if other and args and not isinstance(args[0], Tensor):
            raise checks.argument_error(name, "other", 2, args[0])
        return method(input, *args, **kwargs)

    # help(minigrad.exp) shows the method's signature and docstring
    form.__name__, form.__doc__, form.__wrapped__ = name, method.__doc__, method  # type: ignore[attr-defined]
    return form


_SCALARS = (int, float, np.number)


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product, with PyTorch's errors for shapes and dtypes that do not fit."""
    checks.check_matmul(a, b)
    try:
        return M.MatMul.apply2(a, b)
    except ValueError:
        raise checks.matmul_batch_error(a.shape, b.shape) from None


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """Elementwise `input if condition else other`; gradients flow to the chosen side only."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    checks.check_condition(cond.dtype)
    dtype = dtypes.result_type(*(x for x in (input, other)))
    a = input.to(dtype) if isinstance(input, Tensor) else np.asarray(input, dtype)
    b = other.to(dtype) if isinstance(other, Tensor) else np.asarray(other, dtype)
    try:
        return A.Where.apply(cond, a, b)
    except ValueError:
        shapes = [np.shape(_raw(a)), np.shape(_raw(b)), np.shape(cond)]
        for i, j in ((0, 1), (0, 2), (1, 2)):
            error = checks.broadcast_error(shapes[i], shapes[j])
            if error is not None:
                raise error from None
        raise


def _tensor_list(tensors: Any, function: str) -> Sequence[Tensor]:
    """The first argument of cat and stack: a non-empty list or tuple of tensors."""
    if not isinstance(tensors, (list, tuple)):
        raise checks.argument_error(function, "tensors", 1, tensors, "tuple of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise checks.element_error(i, t)
    checks.check_tensor_count(function, len(tensors))
    return tensors


def _same_dtype(tensors: Sequence[Tensor]) -> list[Tensor]:
    if all(t.dtype == tensors[0].dtype for t in tensors):
        return list(tensors)  # (the common case, without promotion)
    dtype = dtypes.common_dtype(t.dtype for t in tensors)
    return [t.to(dtype) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    ts = _same_dtype(_tensor_list(tensors, "cat"))
    d = checks.check_dim(dim, ts[0].ndim)
    checks.check_cat([t.shape for t in ts], d)
    return S.Cat.apply(d, *ts)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim."""
    ts = _same_dtype(_tensor_list(tensors, "stack"))
    checks.check_stack([t.shape for t in ts])
    return S.Stack.apply(checks.check_dim(dim, ts[0].ndim + 1), *ts)


matmul = function_form(Tensor.matmul, other=True)

__all__ = ["Tensor", "function_form", "matmul", "where", "cat", "stack", "no_grad"]



def _joined(tensors: Any, name: str) -> Any:
    """The tensors of hstack/vstack: a non-empty list or tuple of tensors."""
    if isinstance(tensors, (list, tuple)) and not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return _tensor_list(tensors, name)


def hstack(tensors: Any) -> Tensor:
    """cat along dim 1, or along dim 0 for 1-d tensors (a 0-d tensor counts as 1-d)."""
    ts = [t.reshape(1) if t.ndim == 0 else t for t in _joined(tensors, "hstack")]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    """cat along dim 0 of the tensors made at least 2-d (a 1-d tensor becomes one row)."""
    return cat([t.reshape(1, t.numel()) if t.ndim < 2 else t
                for t in _joined(tensors, "vstack")], 0)


row_stack = vstack


# ---------------------------------------------------------------------- linear algebra
_expect = checks.expect  # (the linear-algebra front doors state PyTorch's condition and words)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract dims of a with dims of b (the last `dims` of a with the first of b, or two
    lists): a's free dims then b's, as one (m, k) @ (k, n) product."""
    if isinstance(dims, int):
        _expect(dims >= 0, f"tensordot expects dims >= 0, but got dims={dims}")
        dims = (list(range(-dims, 0)), list(range(dims)))
    names_a, names_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    _expect(len(names_a) == len(names_b), "both dimension lists should have same length")
    _expect(a.dtype == b.dtype, "both inputs should have same dtype")
    dims_a = [checks.check_dim(d, a.ndim) for d in names_a]
    dims_b = [checks.check_dim(d, b.ndim) for d in names_b]
    for da, db, name_a, name_b in zip(dims_a, dims_b, names_a, names_b):
        _expect(a.shape[da] == b.shape[db], "contracted dimensions need to match, but first "
                f"has size {a.shape[da]} in dim {name_a} and second has size {b.shape[db]} in "
                f"dim {name_b}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = int(np.prod([a.shape[d] for d in dims_a]))
    m = a._permuted((*free_a, *dims_a)).reshape(int(np.prod([a.shape[d] for d in free_a])), k)
    n = b._permuted((*dims_b, *free_b)).reshape(k, int(np.prod([b.shape[d] for d in free_b])))
    return _matmul(m, n).reshape(*(a.shape[d] for d in free_a), *(b.shape[d] for d in free_b))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the subscripts of `equation` ("ij,jk->ik"), with PyTorch's rules:
    "..." for any leading dims (broadcast), an implicit output without "->" (the subscripts that
    appear once, sorted, after the "..." dims), and a size-1 dim broadcast against its subscript.
    The front door rewrites all of this into an explicit equation for one Einsum node."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, c in enumerate(equation):
        _expect(c.isascii() and (c.isalpha() or c in ",->. "), f"einsum(): invalid subscript "
                f"given at index {i} in the equation string, subscripts must be in [a-zA-Z]")
    inputs, arrow, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    _expect(len(operands) >= len(terms),
            "einsum(): fewer operands were provided than specified in the equation")
    _expect(len(operands) <= len(terms),
            "einsum(): more operands were provided than specified in the equation")
    for x in operands[1:]:
        _expect(x.dtype == operands[0].dtype, "expected scalar type "
                f"{checks.scalar_type(operands[0].dtype)} but found {checks.scalar_type(x.dtype)}")
    # "..." becomes fresh subscripts, right-aligned across operands as broadcasting aligns dims
    fresh = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in inputs]
    ellipsis_dims = max([x.ndim - len(t) + 3 for t, x in zip(terms, operands) if "..." in t],
                        default=0)
    dots = "".join(fresh[:ellipsis_dims])
    for i, (t, x) in enumerate(zip(terms, operands)):
        if "..." in t:
            terms[i] = t.replace("...", dots[ellipsis_dims - (x.ndim - len(t) + 3):])
        _expect(len(terms[i]) == x.ndim, f"einsum(): the number of subscripts in the equation "
                f"({len(t)}) does not match the number of dimensions ({x.ndim}) for operand {i} "
                "and no ellipsis was given")
    if arrow:
        output = output.replace("...", dots)
        for c in output:
            _expect(c in "".join(terms), f"einsum(): output subscript {c} does not appear in "
                    "the equation for any input operand")
            _expect(output.count(c) == 1,
                    f"einsum(): output subscript {c} appears more than once in the output")
    else:
        counts = "".join(terms)
        output = dots + "".join(sorted(c for c in set(counts) - set(dots) if counts.count(c) == 1))
    sizes: dict[str, int] = {}
    for i, (t, x) in enumerate(zip(terms, operands)):
        own: dict[str, int] = {}
        for c, n in zip(t, x.shape):
            _expect(own.setdefault(c, n) == n, f"einsum(): subscript {c} is repeated for "
                    f"operand {i} but the sizes don't match, {n} != {own[c]}")
            seen = sizes.setdefault(c, n)
            _expect(n == seen or 1 in (n, seen), f"einsum(): subscript {c} has size {n} for "
                    f"operand {i} which does not broadcast with previously seen size {seen}")
            sizes[c] = n if seen == 1 else seen
    operands = tuple(x.expand(*(sizes[c] for c in t)) if any(sizes[c] != n for c, n in
                     zip(t, x.shape)) and len(set(t)) == len(t) else x
                     for t, x in zip(terms, operands))
    return L.Einsum.apply(",".join(terms) + "->" + output, *operands)
