"""The Tensor: a NumPy array, plus what reverse-mode autodiff needs to know about it.

* `_data`: the values (an np.ndarray).
* `grad_fn`: the Function node that computed this tensor, or None for a leaf.
* `requires_grad`: whether gradients flow back to (or through) this tensor.
* `grad`: for a leaf, the gradient accumulated by backward().
* `_storage`: shared by a tensor and its views (and `detach()`): the version counter that every
  in-place write bumps, and the views to refresh when the history of their base is rewritten.
* `_view`: for a view (`x[1:]`, `x.t()`, ...): its base, how to make it from that.

Every method below is a thin front door: it checks arguments as PyTorch does and hands the arrays
to a Function from `minigrad.functions`, where forward and backward live side by side."""

from __future__ import annotations

import copy
import math
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from minigrad import checks, devices, dtypes, return_types, size
from minigrad.autograd.engine import RemovableHandle, run_backward, seed_gradient
from minigrad.autograd.grad_mode import _state, no_grad
from minigrad.autograd.versions import Storage, note_output
from minigrad.functions import arithmetic as A
from minigrad.functions import linalg as L
from minigrad.functions import matmul as M
from minigrad.functions import reduce as R
from minigrad.functions import shape as S
from minigrad.functions import unary as U
from minigrad.functions.broadcast import broadcasts_to

Scalar = int | float | bool


class Tensor:
    """A multi-dimensional array that records the operations applied to it."""

    __slots__ = ("_data", "grad_fn", "_requires_grad", "_grad", "_hooks", "_storage", "_view",
                 "__weakref__")
    __array_priority__ = 1000  # `ndarray * tensor` defers to Tensor.__rmul__

    def __init__(self, *data: Any, requires_grad: bool = False, device: Any = None) -> None:
        # torch.Tensor(data) or torch.Tensor(*sizes): see _legacy_array.
        self._data = Tensor._legacy_array(data, device)
        self.grad_fn: Any = None
        self._requires_grad = False
        self._grad: Tensor | None = None
        self._hooks: list[Callable[[Tensor], Tensor | None]] | None = None
        self._storage: Storage | None = None
        self._view: tuple[Tensor, Callable[[np.ndarray], np.ndarray], bool] | None = None
        if requires_grad:
            self.requires_grad_()

    @staticmethod
    def _make(data: Any, grad_fn: Any = None) -> Tensor:
        """Wrap an operation's result (the fast path: no checks, no copy)."""
        t = object.__new__(Tensor)
        t._data = data if type(data) is np.ndarray else _as_array(data, grad_fn)
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
                "on the non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            checks.check_grad(value, isinstance(value, Tensor), self._data.dtype, self._data.shape)
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
        checks.check_detachable(self)  # (not a view: its base's history would still reach it)
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
            note_output(self.grad_fn, self._data, self._storage)
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
    def shape(self) -> size.Size:
        """A minigrad.Size (a tuple); internal code reads `_data.shape`, the plain tuple."""
        return tuple.__new__(size.Size, self._data.shape)  # (the ints need no checking)

    @property
    def dtype(self) -> dtypes.dtype:
        """`minigrad.float32`, ...: the object standing for the array's NumPy dtype."""
        return dtypes.PUBLIC[self._data.dtype]

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
        return self.shape if dim is None else self._data.shape[checks.check_dim(dim, self.ndim)]

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
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind())  # (as PyTorch's: views, which share the version counter)

    def __reversed__(self) -> Tensor:
        return self if self._data.ndim == 0 else self.flip(0)

    def __contains__(self, element: Any) -> bool:
        if not isinstance(element, (Tensor, int, float, complex, np.number)):
            raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you "
                               f"passed in a {type(element)}.")
        return bool((self == element).any())

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
        if len(args) == 1 and not kwargs and isinstance(args[0], (dtypes.dtype, np.dtype)):  # fast
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

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy with its own memory; differentiable (the gradient passes through)."""
        from minigrad.creation import contiguous_format

        if memory_format is not None:
            Tensor._check_memory_format(memory_format, "clone")
        order = "C" if memory_format is contiguous_format else "K"  # (else: self's layout)
        return A.Cast.apply1(self, self.dtype, order)  # (astype copies)

    def contiguous(self, *, memory_format: Any = None) -> Tensor:
        """self, or a row-major copy of it when a view left it otherwise (a transpose, a
        strided slice): as in PyTorch, changing the copy in place leaves self as it was."""
        if memory_format is not None:
            Tensor._check_memory_format(memory_format, "contiguous")
        return self if self._data.flags.c_contiguous else A.Cast.apply1(self, self.dtype, "C")

    @staticmethod
    def _check_memory_format(memory_format: Any, name: str) -> None:
        """preserve_format and contiguous_format are accepted (minigrad has no channels-last
        layouts), anything else is refused as in PyTorch."""
        from minigrad.creation import memory_format as format_type

        if not isinstance(memory_format, format_type):
            raise TypeError(f"{name}(): argument 'memory_format' must be torch.memory_format, "
                            f"not {type(memory_format).__name__}")

    @staticmethod
    def _legacy_array(args: tuple[Any, ...], device: Any) -> np.ndarray:
        """The array of Tensor(*args): PyTorch's legacy constructor, in float32 (see
        creation.legacy_array). minigrad's own code wraps its arrays with `_make` instead."""
        from minigrad.creation import legacy_array

        return legacy_array(args, dtypes.DEFAULT_FLOAT, device, "Tensor")

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """x.type(): 'minigrad.FloatTensor', the legacy name of x's type; x.type(dtype), with a
        dtype, such a name or a legacy type (minigrad.LongTensor): x in that dtype."""
        from minigrad import creation

        if dtype is None:
            return creation.legacy_name(self._data.dtype)
        return self.to(creation.legacy_dtype(dtype))

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    @property
    def is_cpu(self) -> bool:
        return True

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "if"

    def is_nonzero(self) -> bool:
        """The one element's truth (PyTorch's bool(x), without the conversion of a number)."""
        return bool(self)

    def is_same_size(self, other: Tensor) -> bool:
        return self.shape == other.shape

    # ------------------------------------------------------------------ new tensors like this
    # x.new_zeros(2, 3): a tensor of x's dtype (and device) unless told otherwise, outside any
    # graph (requires_grad False unless asked).
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return self._new_filled(size, 0, "new_zeros", dtype, device, requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return self._new_filled(size, 1, "new_ones", dtype, device, requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        """Zeros, as minigrad's `empty` (PyTorch leaves the memory as it is)."""
        return self._new_filled(size, 0, "new_empty", dtype, device, requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        from minigrad import creation

        if not isinstance(size, (tuple, list)):
            raise checks.argument_error("new_full", "size", 1, size, "tuple of ints")
        fill = creation.fill_number(fill_value, "new_full")
        return self._new_filled((tuple(size),), fill, "new_full", dtype, device, requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
        """A copy of `data` in x's dtype unless told otherwise (a tensor is copied detached,
        with PyTorch's warning that `data.detach().clone()` says so better)."""
        from minigrad.creation import tensor

        if isinstance(data, Tensor):
            warnings.warn("To copy construct from a tensor, it is recommended to use "
                          "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                          ".requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                          UserWarning, stacklevel=2)
            data = data.detach()
        return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                      requires_grad=requires_grad)

    def _new_filled(self, size: tuple[Any, ...], fill: Any, name: str, dtype: Any, device: Any,
                    requires_grad: bool) -> Tensor:
        from minigrad import creation

        return creation.filled(size, fill, self.dtype if dtype is None else dtype,
                               device, requires_grad, name)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def ndimension(self) -> int:
        return self._data.ndim

    def __format__(self, format_spec: str) -> str:
        """`f"{loss:.4f}"` formats a 0-d tensor's number; other tensors take no format."""
        if self._data.ndim == 0:
            return format(self._data.item(), format_spec)
        if format_spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    # ------------------------------------------------------------------ pickle and deepcopy
    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled as PyTorch pickles a tensor: the values, requires_grad and a subclass's own
        attributes; not the history, .grad, hooks or views. The loaded tensor is a new leaf."""
        return _rebuild, (type(self), self._data, self._requires_grad,
                          getattr(self, "__dict__", None))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """copy.deepcopy, as PyTorch's: for leaves only; the copy has the values, requires_grad
        and a copy of .grad, and shares no memory, history or version counter with self."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may "
                "be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        new = _rebuild(type(self), copy.deepcopy(self._data, memo), self._requires_grad, None)
        memo[id(self)] = new
        if hasattr(self, "__dict__"):
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        new._grad = copy.deepcopy(self._grad, memo)
        return new

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
        # PyTorch's `number / t` is `t.reciprocal() * number`: two roundings, not a division,
        # and a graph that saves the reciprocal rather than t.
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return self.reciprocal() * other

    def __pow__(self, exponent: Any) -> Tensor:
        if self._data.dtype.kind != "f":
            checks.check_integer_power(self.dtype, exponent)
            if isinstance(exponent, Tensor):
                checks.check_bool_power(self.dtype, exponent.dtype)
        return _binary(A.Pow, self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        if isinstance(base, (bool, np.bool_)):
            checks.check_bool_power(dtypes.bool_, self.dtype)
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

    # (The named forms take a tensor or a number, where the operators also take arrays.)
    def add(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return self + (_other(other, "add") * alpha if alpha != 1 else _other(other, "add"))

    def sub(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return self - (_other(other, "sub") * alpha if alpha != 1 else _other(other, "sub"))

    def mul(self, other: Any) -> Tensor:
        return self * _other(other, "mul")

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return self / _other(other, "div")
        return _rounded_div(self, other, rounding_mode)

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

    def vdot(self, other: Tensor) -> Tensor:
        """dot with the first vector conjugated (for real tensors, dot)."""
        _expect(self.ndim == 1 and other.ndim == 1,
                f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
        _expect(self.shape == other.shape, f"inconsistent tensor size, expected tensor "
                f"[{self.shape[0]}] and src [{other.shape[0]}] to have the same number of "
                f"elements, but got {self.shape[0]} and {other.shape[0]} elements respectively")
        return self.dot(other)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: Scalar = 1, alpha: Scalar = 1) -> Tensor:
        """beta * self + alpha * (mat @ vec)."""
        _expect(mat.ndim == 2 and vec.ndim == 1 and self.ndim <= 1, "vector + matrix @ vector "
                f"expected, got {self.ndim}, {mat.ndim}, {vec.ndim}")
        _expect(mat.shape[1] == vec.shape[0] and self.shape in ((), (1,), mat.shape[:1]),
                f"size mismatch, got input ({self.shape[0] if self.ndim else 1}), mat "
                f"({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
        names = [checks.scalar_type(x.dtype) for x in (self, mat, vec)]
        _expect(len(set(names)) == 1, "addmv input tensors must have the same dtype, but got "
                f"{names[0]}, {names[1]}, and {names[2]}")
        return _scaled_sum(self, _matmul(mat, vec), beta, alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Scalar = 1,
                alpha: Scalar = 1) -> Tensor:
        """beta * self + alpha * (batch1 @ batch2), matrix by matrix."""
        return _scaled_sum(self, batch1.bmm(batch2), beta, alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Scalar = 1,
               alpha: Scalar = 1) -> Tensor:
        """beta * self + alpha * the sum over the batch of batch1[i] @ batch2[i]."""
        for name, b in (("batch1", batch1), ("batch2", batch2)):
            _expect(b.ndim == 3, f"{name} must be a 3D tensor")
        _expect(batch1.shape[0] == batch2.shape[0], "batch1 and batch2 must have same number of "
                f"batches, got {batch1.shape[0]} and {batch2.shape[0]}")
        _expect(batch1.shape[2] == batch2.shape[1], "Incompatible matrix sizes for bmm "
                f"({batch1.shape[1]}x{batch1.shape[2]} and {batch2.shape[1]}x{batch2.shape[2]})")
        return _scaled_sum(self, batch1.bmm(batch2).sum(0), beta, alpha)

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: Scalar = 1, alpha: Scalar = 1) -> Tensor:
        """beta * self + alpha * outer(vec1, vec2)."""
        for name, v in (("vec1", vec1), ("vec2", vec2)):
            _expect(v.ndim == 1, f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
        return _scaled_sum(self, vec1.unsqueeze(1) * vec2, beta, alpha)

    def kron(self, other: Tensor) -> Tensor:
        """The Kronecker product: each element of self times the whole of other, the blocks
        laid out as self's elements are. A broadcast product a[i, 1, j, 1] * b[1, k, 1, l]
        reshaped, so its gradient is the engine's."""
        n = max(self.ndim, other.ndim)
        a_shape = (1,) * (n - self.ndim) + self.shape
        b_shape = (1,) * (n - other.ndim) + other.shape
        a = self.reshape(*(s for k in a_shape for s in (k, 1)))
        b = other.reshape(*(s for k in b_shape for s in (1, k)))
        return (a * b).reshape(*(i * j for i, j in zip(a_shape, b_shape)))

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """A tensor whose diagonals (dims dim1 and dim2, a new pair) hold self's last dim."""
        d1, d2 = checks.check_dim(dim1, self.ndim + 1), checks.check_dim(dim2, self.ndim + 1)
        _expect(d1 != d2, f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        return L.DiagEmbed.apply1(self, offset, d1, d2)

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        """The cross product of the 3-vectors along `dim` (without dim: the first dim of size
        3, deprecated): x[1] y[2] - x[2] y[1], x[2] y[0] - x[0] y[2], x[0] y[1] - x[1] y[0]."""
        _expect(self.ndim == other.ndim,
                "linalg.cross: inputs must have the same number of dimensions.")
        _expect(self.dtype == other.dtype, f"expected scalar type "
                f"{checks.scalar_type(self.dtype)} but found {checks.scalar_type(other.dtype)}")
        if dim is None:
            warnings.warn("Using torch.cross without specifying the dim arg is deprecated.",
                          UserWarning, stacklevel=2)
            dim = next((d for d, n in enumerate(self.shape) if n == 3), -1)
        d = checks.check_dim(dim, self.ndim)
        _expect(self.shape[d] == 3 and other.shape[d] == 3, f"linalg.cross: inputs dimension "
                f"{dim} must have length 3. Got {self.shape[d]} and {other.shape[d]}")
        if self._data.dtype == dtypes.bool_:
            raise NotImplementedError('"cross" not implemented for \'Bool\'')
        x, y = self.unbind(d), other.unbind(d)
        return stack([x[(i + 1) % 3] * y[(i + 2) % 3] - x[(i + 2) % 3] * y[(i + 1) % 3]
                      for i in range(3)], d)

    def inverse(self) -> Tensor:
        """The inverse of each square matrix (the last two dims)."""
        _square_matrices(self, "linalg.inv")
        _expect(self._data.dtype.kind == "f", "linalg.inv: Expected a floating point or complex "
                f"tensor as input. Got {checks.scalar_type(self.dtype)}")
        _expect(self._data.dtype != dtypes.float16,
                "linalg.inv: Low precision dtypes not supported. Got Half")
        try:
            return L.Inverse.apply1(self)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.inv: The input matrix is singular, the inversion could "
                               "not be completed.") from None

    def matrix_power(self, n: int) -> Tensor:
        """The product of n copies of each square matrix (n = 0: the identity; n < 0: powers
        of the inverse), by repeated squaring."""
        _square_matrices(self, "linalg.matrix_power")
        if n == 0:  # (the identity, with a gradient of zeros for self, as PyTorch's)
            return where(np.zeros((), bool), self, np.eye(self.shape[-1], dtype=self._data.dtype))
        base, n = (self.inverse(), -n) if n < 0 else (self, n)
        result: Tensor | None = None
        while n:
            if n & 1:
                result = base if result is None else _matmul(result, base)
            n >>= 1
            if n:
                base = _matmul(base, base)
        assert result is not None  # (n > 0 here)
        return self.clone() if result is self else result  # (a new tensor, as PyTorch's)

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
        """value where mask holds, else self, in self's dtype (value converted as fill_ converts
        it: checked, 2.5 written into an int tensor as 2). A 0-d tensor value that requires grad
        gets the sum of the gradient at the filled places, through `where`."""
        if isinstance(mask, Tensor) and mask.dtype != dtypes.bool_:
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with "
                               f"dtype {checks.c_name(mask.dtype)}")
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        fill = np.asarray(checks.fitted(_number(value), self._data.dtype)).astype(self.dtype)
        if isinstance(value, Tensor) and value._requires_grad:
            return where(mask, value.to(self.dtype), self)
        return where(mask, Tensor._make(fill), self)

    # comparisons give bool tensors and no gradient
    def _compare(self, other: Any, ufunc: Callable[..., np.ndarray]) -> Tensor:
        if isinstance(other, Tensor):
            other = other._data
        else:  # (a Python int beyond an integer dtype wraps around, as in PyTorch)
            other = dtypes.wrapped(other, self._data.dtype)
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
        if not isinstance(other, (Tensor, int, float, np.number, np.bool_)):
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
        return self.clone() if self._data.dtype.kind == "b" else U.Sign.apply1(self)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _logical(self, np.all, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _logical(self, np.any, dim, keepdim)

    # --- binary and ternary pointwise math
    # PyTorch's promotion through _binary; `floating` ops compute integers in float32, and the
    # kernels PyTorch defines for floating point only (or not for bool) refuse the others.
    def atan2(self, other: Tensor) -> Tensor:
        return _math2(A.Atan2, self, other, "atan2", floating=True)

    arctan2 = atan2

    def hypot(self, other: Tensor) -> Tensor:
        return _math2(A.Hypot, self, other, "hypot", kernel="hypot_cpu")

    def fmod(self, other: Any) -> Tensor:
        return _math2(A.Fmod, self, other, None, kernel="fmod_cpu", bools_only=True)

    def remainder(self, other: Any) -> Tensor:
        out = _math2(A.Remainder, self, other, None, kernel="remainder_cpu", bools_only=True)
        if not isinstance(self, Tensor) and _records(other, None):  # torch.remainder(2, x)
            return A.NotDifferentiable.apply(self, other, out._data, "remainder")
        return out

    def copysign(self, other: Any) -> Tensor:
        return _math2(A.Copysign, self, other, None, floating=True)

    def xlogy(self, other: Any) -> Tensor:
        return _math2(A.Xlogy, self, other, None, floating=True)

    def float_power(self, exponent: Any) -> Tensor:
        """pow computed in float64, whatever the inputs (gradients come back in their dtypes)."""
        return _binary(A.Pow, _as_double(self), _as_double(exponent))

    def logaddexp(self, other: Tensor) -> Tensor:
        return _math2(A.LogAddExp, self, other, "logaddexp", kernel="logaddexp_cpu")

    def logaddexp2(self, other: Tensor) -> Tensor:
        return _math2(A.LogAddExp2, self, other, "logaddexp2", kernel="logaddexp2_cpu")

    def fmax(self, other: Tensor) -> Tensor:
        return _math2(A.Fmax, self, other, "fmax")

    def fmin(self, other: Tensor) -> Tensor:
        return _math2(A.Fmin, self, other, "fmin")

    def nextafter(self, other: Tensor) -> Tensor:
        return _math2(A.Nextafter, self, other, "nextafter", kernel="nextafter_cpu")

    def ldexp(self, other: Tensor) -> Tensor:
        """self * 2^other, as PyTorch computes it (so its gradient is that of the product)."""
        if not isinstance(other, Tensor):
            raise checks.argument_error("ldexp", "other", 1, other)
        return self * _binary(A.Pow, 2.0, other)

    def floor_divide(self, other: Any) -> Tensor:
        """Rounds the quotient down; PyTorch records it without a derivative."""
        out = _math2(A.FloorDiv, self, other, None, kernel="div_floor_cpu", bools_only=True)
        if _records(self, other) if isinstance(self, Tensor) else _records(other, None):
            return A.NotDifferentiable.apply(self, other, out._data, "floor_divide")
        return out

    # (NotImplemented for what is no operand: Python then raises its TypeError, as for +.)
    def __floordiv__(self, other: Any) -> Tensor:
        return self.floor_divide(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rfloordiv__(self, other: Any) -> Tensor:  # (a number as floor_divide's self, as in
        # torch.floor_divide(2, x), which these methods accept)
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return Tensor.floor_divide(other, self)  # type: ignore[arg-type]

    def __mod__(self, other: Any) -> Tensor:
        return self.remainder(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rmod__(self, other: Any) -> Tensor:
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return Tensor.remainder(other, self)  # type: ignore[arg-type]

    def heaviside(self, values: Tensor) -> Tensor:
        """0 where self < 0, 1 where self > 0, `values` where self == 0 (no derivative)."""
        if not isinstance(values, Tensor):
            raise checks.argument_error("heaviside", "values", 1, values)
        if self.dtype != values.dtype:
            raise RuntimeError(
                "heaviside is not yet implemented for tensors with different dtypes.")
        _check_broadcast(self, values)
        x, v = np.broadcast_arrays(self._data, values._data)
        out = np.where(x == 0, v, x > 0).astype(self.dtype)
        if _records(self, values):
            return A.NotDifferentiable.apply(self, values, out, "heaviside")
        return Tensor._make(out)

    def gcd(self, other: Tensor) -> Tensor:
        return _integer_math(np.gcd, self, other, "gcd")

    def lcm(self, other: Tensor) -> Tensor:
        return _integer_math(np.lcm, self, other, "lcm")

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        """self + weight * (end - self); weight is a number or a tensor of self's dtype."""
        if not isinstance(end, Tensor):
            raise checks.argument_error("lerp", "end", 1, end)
        _check_broadcast(self, end, weight)
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        checks.check_floating_kernel(self.dtype, kernel)
        for name, t in (("end", end), ("weight", weight)):
            if isinstance(t, Tensor) and t.dtype != self.dtype:
                raise RuntimeError(f"expected dtype {dtypes.torch_name(self.dtype)} for `{name}` "
                                   f"but got dtype {dtypes.torch_name(t.dtype)}")
        w = weight if isinstance(weight, Tensor) else np.asarray(weight, self.dtype)
        return A.Lerp.apply(self, end, w)

    def addcmul(self, tensor1: Tensor, tensor2: Tensor, *, value: Scalar = 1) -> Tensor:
        """self + value * tensor1 * tensor2, in the dtype of all three."""
        return _addc(A.Addcmul, self, tensor1, tensor2, value)

    def addcdiv(self, tensor1: Tensor, tensor2: Tensor, *, value: Scalar = 1) -> Tensor:
        """self + value * tensor1 / tensor2 (integer tensor1 and tensor2 are refused)."""
        if not dtypes.is_floating(tensor1.dtype) and not dtypes.is_floating(tensor2.dtype):
            raise RuntimeError(_ADDCDIV_INTEGERS)
        return _addc(A.Addcdiv, self, tensor1, tensor2, value)

    # aliases, as PyTorch names them
    def true_divide(self, other: Any) -> Tensor:
        return self / other

    def divide(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return Tensor.div(self, other, rounding_mode=rounding_mode)  # (self may be a number)

    def multiply(self, other: Any) -> Tensor:
        return self * other

    def subtract(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return Tensor.sub(self, other, alpha)

    def negative(self) -> Tensor:
        return -self

    def positive(self) -> Tensor:
        if self._data.dtype.kind == "b":
            raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
        return self

    def absolute(self) -> Tensor:
        return self.abs()

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
        if self._data.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        return U.Relu.apply1(self)

    def abs(self) -> Tensor:
        if self._data.dtype.kind == "b":
            raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
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

    # NumPy's names, which PyTorch also has
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

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
        return self.sign()

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
        """Number bounds promote as operands do (an int tensor clamped at 0.5 is float32)."""
        _check_bounds("clamp", min=min, max=max)
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return _clamp_between_tensors(self, min, max)
        dtype = _clamp_dtype(self, min, max)
        lo, hi = (None if b is None else checks.fitted(_number(b), dtype) for b in (min, max))
        return U.Clamp.apply1(self if self._data.dtype == dtype else self.to(dtype), lo, hi)

    clip = clamp

    def clamp_min(self, min: Any) -> Tensor:
        _check_bounds("clamp_min", min=min, required=True)
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:
        _check_bounds("clamp_max", max=max, required=True)
        return self.clamp(max=max)

    def softmax(self, dim: int) -> Tensor:
        return R.Softmax.apply1(self, _softmax_dim(self, dim, "softmax"))

    def log_softmax(self, dim: int) -> Tensor:
        return R.LogSoftmax.apply1(self, _softmax_dim(self, dim, "log_softmax"))

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        x = self if dtype is None and self._data.dtype.kind == "f" else _summable(self, dtype)
        dims = None if dim is None else checks.check_dims(dim, self.ndim)
        return R.Sum.apply1(x, dims, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind != "f":
            checks.check_mean_dtype(self.dtype)
        dims = None if dim is None else checks.check_dims(dim, self.ndim)
        return R.Mean.apply1(self, dims, keepdim)

    def var(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        return _spread(R.Var, "var", self, dim, unbiased, keepdim, correction)

    def std(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        return _spread(R.Std, "std", self, dim, unbiased, keepdim, correction)

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
        return return_types.max(*_select(self, np.argmax, "max", dim, keepdim))

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            return _extremum(self, R.Amin, "min", (), False)
        return return_types.min(*_select(self, np.argmin, "min", dim, keepdim))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _arg(self, np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _arg(self, np.argmin, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return R.LogSumExp.apply1(_floating(self), checks.check_dims(dim, self.ndim), keepdim)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        if p in ("fro", None):
            p = 2
        if p == "nuc":
            pair = checks.check_matrix_dims(self._data.dtype, dim, self.ndim)
            return R.NuclearNorm.apply1(self, pair, keepdim)
        if isinstance(p, str):
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if self._data.dtype.kind != "f":
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                               f"as input. Got {checks.scalar_type(self.dtype)}")
        dims = checks.check_dims(dim, self.ndim)
        if self._data.size == 0:
            checks.check_norm_reducible(p, self.shape, dim)
        return R.Norm.apply1(self, float(p), dims, keepdim)

    def prod(self, dim: int | None = None, keepdim: bool = False, *,
             dtype: Any = None) -> Tensor:
        x = _summable(self, dtype)
        d = None if dim is None or x.ndim == 0 else checks.check_dim(dim, x.ndim)
        return R.Prod.apply1(x, d, keepdim and d is not None)

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        return _scan(_summable(self, dtype), R.CumSum, dim)

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        return _scan(_summable(self, dtype), R.CumProd, dim)

    def logcumsumexp(self, dim: int) -> Tensor:
        checks.check_floating_kernel(self.dtype, "logcumsumexp_out_cpu")
        return _scan(self, R.LogCumSumExp, dim)

    def cummax(self, dim: int) -> Any:
        """(values, indices) of the running maximum; on a tie the later index, as PyTorch."""
        return return_types.cummax(*_running(self, np.maximum, dim))

    def cummin(self, dim: int) -> Any:
        return return_types.cummin(*_running(self, np.minimum, dim))

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        """(values, indices); ties keep their order (a stable sort), nan sorts as the largest."""
        index = _argsort(self, dim, descending)
        return return_types.sort(_pick(self, index, dim), Tensor._make(index))

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        return Tensor._make(_argsort(self, dim, descending))

    def msort(self) -> Tensor:
        return self.sort(0).values

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        """The k largest (or smallest) along dim, largest first. (PyTorch's choice among ties
        is its selection algorithm's: minigrad takes the first index of a tie.)"""
        d = checks.check_dim(dim, self.ndim)
        if not 0 <= k <= (self.shape[d] if self.ndim else 1):
            raise RuntimeError("selected index k out of range")
        if self.dtype == dtypes.bool_:
            raise RuntimeError("topk does not support bool dtypes on CPU")
        if self.ndim == 0:  # (any k gives the one element)
            return return_types.topk(self.clone(), Tensor._make(np.zeros((), np.int64)))
        index = np.take(_argsort(self, d, largest), np.arange(k), axis=d)
        return return_types.topk(_pick(self, index, d), Tensor._make(index))

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        """(values, indices) of the k-th smallest along dim (k counts from 1)."""
        d = checks.check_dim(dim, self.ndim)
        if self._data.size == 0:
            checks.check_reducible("kthvalue", self.shape, d)
        n = self.shape[d] if self.ndim else 1
        if not 1 <= k <= n:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
        pick = lambda row: _quick_select(row, k - 1)  # noqa: E731
        return return_types.kthvalue(*_nth(self, d, keepdim, pick, "kthvalue",
                                                   "kthvalue_cpu"))

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """median() is the lower of the two middle values (a nan if there is one); median(dim)
        gives (values, indices), the index of that element in a stable sort."""
        if dim is None:
            if self.numel():
                _not_bool(self, "median_cpu")
            return R.FullMedian.apply1(self, False)
        return return_types.median(*_nth(self, dim, keepdim, _median_index, "median",
                                         "median_out"))

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """median, ignoring nans (nan only where a slice has nothing else)."""
        if dim is None:
            if self.numel():
                _not_bool(self, "median_cpu")
            return R.FullMedian.apply1(self, True)
        return return_types.nanmedian(*_nth(self, dim, keepdim, _nanmedian_index, "median",
                                            "median_out"))

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        """(values, indices): the most frequent value (the smallest of equally frequent ones)
        and the last index it is at, as PyTorch."""
        return return_types.mode(*_nth(self, dim, keepdim, _mode_index, "mode"))

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        return _quantile(self, q, dim, keepdim, interpolation, "quantile")

    def nanquantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        return _quantile(self, q, dim, keepdim, interpolation, "nanquantile")

    def count_nonzero(self, dim: Any = None) -> Tensor:
        dims = checks.check_dims(dim, self.ndim)
        return Tensor._make(np.asarray(np.count_nonzero(self._data, axis=dims), np.int64))

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        d = None if dim is None else checks.check_dim(dim, self.ndim)
        if self._data.size == 0:
            checks.check_reducible("aminmax", self.shape, d)
        dims = None if d is None or self.ndim == 0 else (d,)
        low, high = R.Amin.apply1(self, dims, keepdim), R.Amax.apply1(self, dims, keepdim)
        return return_types.aminmax(low, high)

    def nansum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """sum, with nans counted as 0 (and given no gradient)."""
        if self._data.dtype.kind != "f":
            return self.sum(dim, keepdim)
        dims = None if dim is None else checks.check_dims(dim, self.ndim)
        return R.NanSum.apply1(self, dims, keepdim)

    def nanmean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind != "f":
            raise RuntimeError("nanmean(): expected input to have floating point or complex "
                               f"dtype but got {checks.scalar_type(self.dtype)}")
        return self.nansum(dim, keepdim) / (~self.isnan()).sum(dim, keepdim)

    def dist(self, other: Tensor, p: Any = 2) -> Tensor:
        """The p-norm of self - other."""
        difference = self - other
        if difference._data.dtype.kind != "f":
            raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                               f"Got {checks.scalar_type(difference.dtype)} instead.")
        return difference.norm(p)

    def unique(self, sorted: bool = True, return_inverse: bool = False,
               return_counts: bool = False, dim: int | None = None) -> Any:
        """The distinct values (sorted), or distinct slices along dim. No gradient, as PyTorch."""
        d = None if dim is None else checks.check_dim(dim, self.ndim)
        values, inverse, counts = np.unique(self._data, return_inverse=True, return_counts=True,
                                            axis=d)
        inverse = inverse.reshape(self.shape if d is None else -1)
        return _unique_result(values, inverse, counts, return_inverse, return_counts)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: int | None = None) -> Any:
        """The values (or slices along dim) with each run of equal neighbours made one."""
        d = None if dim is None else checks.check_dim(dim, self.ndim)
        x = self._data.reshape(-1) if d is None else np.moveaxis(self._data, d, 0)
        new = np.ones(len(x), bool)  # where a run starts
        new[1:] = (x[1:] != x[:-1]).any(axis=tuple(range(1, x.ndim)))
        inverse = np.cumsum(new) - 1
        values = x[new] if d is None else np.moveaxis(x[new], 0, d)
        counts = np.diff(np.append(np.flatnonzero(new), len(x)))
        inverse = inverse.reshape(self.shape) if d is None else inverse
        return _unique_result(values, inverse, counts, return_inverse, return_counts)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        shape = checks.check_shape(shape)
        checks.check_inferred(shape)
        try:
            result = S.Reshape.apply1(self, shape)
        except ValueError:
            raise checks.reshape_error(shape, self.numel()) from None
        # A view when NumPy reshaped without a copy (the same shape too: a new tensor, as in
        # PyTorch, not self); an empty tensor's reshape is always one, with no memory to share.
        if np.may_share_memory(result._data, self._data) or not result._data.size:
            _as_view(result, self, lambda a: a.reshape(shape))
        return result

    def view(self, *shape: Any) -> Tensor:
        """reshape, which must not copy: PyTorch refuses a shape this memory cannot take."""
        result = self.reshape(*shape)
        if result._data.size and not np.may_share_memory(result._data, self._data):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return result

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        """The view of `length` elements along dim from `start` (a negative start counts from
        the end)."""
        checks.check_narrow_input(self.ndim, length)
        d = checks.check_dim(dim, self.ndim)
        start = checks.check_narrow(_number(start), length, self.shape[d])
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def select(self, dim: int, index: Any) -> Tensor:
        """The view at `index` along dim, which it drops (`x.select(0, i)` is `x[i]`)."""
        if self.ndim == 0:
            raise IndexError("select() cannot be applied to a 0-dim tensor.")
        d = checks.check_dim(dim, self.ndim)
        index = _number(index)
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise checks.argument_error("select", "index", 2, index, "int")
        if not -self.shape[d] <= index < self.shape[d]:
            raise IndexError(f"select(): index {index} out of range for tensor of size "
                             f"{list(self.shape)} at dimension {d}")
        return self[(slice(None),) * d + (int(index),)]

    def fliplr(self) -> Tensor:
        """Columns in reverse order: flip(1)."""
        _expect(self.ndim >= 2, "Input must be >= 2-d.")
        return self.flip(1)

    def flipud(self) -> Tensor:
        """Rows in reverse order: flip(0)."""
        _expect(self.ndim >= 1, "Input must be >= 1-d.")
        return self.flip(0)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        return bool(self._data.flags.c_contiguous)

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
        _expect(self.ndim <= 2, f"t() expects a tensor with <= 2 dimensions, but self is "
                f"{self.ndim}D")
        return self.transpose(0, 1) if self.ndim == 2 else self._permuted(tuple(range(self.ndim)))

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
        name = "Split" if isinstance(split_size, int) else "SplitWithSizes"
        return tuple(self._piece((*lead, slice(int(s), int(min(s + k, n)))), (name, i))
                     for i, (s, k) in enumerate(zip(starts, sizes)))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        checks.check_chunks(chunks)
        n = self.shape[checks.check_dim(dim, self.ndim)]
        if n == 0:  # PyTorch gives `chunks` empty pieces
            return self.split([0] * chunks, dim)
        return self.split(-(-n // chunks), dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        d = checks.check_dim(dim, self.ndim)
        if d == 0:  # (a list, not a generator: iteration's `w, b = params` runs this each step)
            return tuple([self._piece(i, ("Unbind", i)) for i in range(self._data.shape[0])])
        lead = (slice(None),) * d
        return tuple([self._piece((*lead, i), ("Unbind", i)) for i in range(self._data.shape[d])])

    def _piece(self, index: Any, output: tuple[str, int]) -> Tensor:
        """self[index] for a basic index known to be valid (no checks or conversions), as one
        of several views (see _as_view)."""
        return _as_view(S.GetItem.apply1(self, index), self,
                        lambda a: S.basic_view(a, index), output)

    # ------------------------------------------------------------------ more shape and indexing
    def flip(self, *dims: Any) -> Tensor:
        """A copy with the order reversed along each of `dims`."""
        if not dims:
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
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

    # In-place shape changes: the tensor becomes a view of its own memory in another shape.
    def t_(self) -> Tensor:
        _expect(self.ndim <= 2, f"t_() expects a tensor with <= 2 dimensions, but self is "
                f"{self.ndim}D")
        return self._reshaped_in_place(self.t(), lambda a: a.T)

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        a, b = checks.check_dim(dim0, self.ndim), checks.check_dim(dim1, self.ndim)
        return self._reshaped_in_place(self.transpose(a, b),
                                       lambda x: x if a == b else x.swapaxes(a, b))

    def swapaxes_(self, axis0: int, axis1: int) -> Tensor:
        return self.transpose_(axis0, axis1)

    def swapdims_(self, dim0: int, dim1: int) -> Tensor:
        return self.transpose_(dim0, dim1)

    def squeeze_(self, dim: Any = None) -> Tensor:
        dims = checks.check_dims(dim, self.ndim)
        dropped = [d for d in (range(self.ndim) if dims is None else dims) if self.shape[d] == 1]
        return self._reshaped_in_place(self.squeeze(dim), lambda a: np.expand_dims(a, dropped))

    def unsqueeze_(self, dim: int) -> Tensor:
        d = checks.check_dim(dim, self.ndim + 1)
        return self._reshaped_in_place(self.unsqueeze(d), lambda a: np.squeeze(a, d))

    def _reshaped_in_place(self, view: Tensor, undo: Callable[[np.ndarray], np.ndarray]) -> Tensor:
        """Make self `view`, a view of self's memory in another shape (t_, squeeze_, ...), and
        move its version on, as PyTorch does. Inside a graph the change is recorded (view's
        node); the checks are those of every in-place op. Views made of self before keep their
        elements: `undo` takes self's new array back to the old shape for them."""
        if _records(self, None):
            checks.check_inplace_target(self)
            _new_history(self, view.grad_fn)
        self._data, storage = view._data, self._shared_storage()
        if self._view is not None:  # self's place in its base, as view's
            self._view = view._view
        else:
            for other in storage.live_views():
                if other._view is not None and other._view[0] is self and other is not view:
                    base, view_fn, made = other._view
                    other._view = (base, (lambda f: lambda a: f(undo(a)))(view_fn), made)
        storage.version += 1
        return self

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

    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        """A copy of self with src[i][j] (or the number `value`) written at [index[i][j]][j]
        for dim 0 (and so on); or, with reduce="add"/"multiply", added or multiplied there
        (without a derivative, as in PyTorch)."""
        d, src = checks.check_dim(dim, self.ndim), value if src is None else src
        self._check_scatter_index(d, index, "scatter", src if isinstance(src, Tensor) else None)
        if reduce is None:
            return S.Scatter.apply(self, src, index._data, d)
        _expect(reduce in ("add", "multiply"), "reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                          "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                          "instead for more reduction options.", UserWarning, stacklevel=2)
        src = src._data if isinstance(src, Tensor) else np.full(index.shape, src, self._data.dtype)
        return S.ScatterReduce.apply(self, src, index._data, d,
                                     "sum" if reduce == "add" else "prod", True, False)

    def scatter_reduce(self, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        """A copy of self with each src[i][j] reduced (sum, prod, mean, amax, amin) into
        [index[i][j]][j] for dim 0 (and so on); without include_self, self's values at the
        places written to are left out of the reduction."""
        _expect(reduce in S.ScatterReduce.UFUNCS, "reduce argument must be either sum, prod, "
                f"mean, amax or amin, got {reduce}")
        if reduce == "mean" and self.dtype == np.bool_:
            raise NotImplementedError(
                "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
        d = checks.check_dim(dim, self.ndim)
        self._check_scatter_index(d, index, "scatter", src)
        return S.ScatterReduce.apply(self, src, index._data, d, reduce, include_self)

    def masked_select(self, mask: Tensor) -> Tensor:
        """The elements where the mask (broadcast with self) is True, as a 1-d copy."""
        if mask.dtype != np.bool_:
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        error = checks.broadcast_error(mask.shape, self.shape)  # (PyTorch's order)
        if error is not None:
            raise error
        shape = np.broadcast_shapes(self.shape, mask.shape)
        return S.GetItem.apply1(self.expand(shape), np.broadcast_to(mask._data, shape))

    def rot90(self, k: int = 1, dims: Any = (0, 1)) -> Tensor:
        """A copy turned k quarter turns from dims[0] towards dims[1]: a flip and a transpose."""
        dims = tuple(dims)
        _expect(len(dims) == 2, f"expected total rotation dims == 2, but got dims = {len(dims)}")
        _expect(self.ndim >= 2, f"expected total dims >= 2, but got total dims = {self.ndim}")
        d0, d1 = checks.check_dim(dims[0], self.ndim), checks.check_dim(dims[1], self.ndim)
        _expect(d0 != d1, "expected rotation dims to be different, but got dim0 = "
                f"{dims[0]} and dim1 = {dims[1]}")
        k %= 4
        if k == 1:
            return self.flip(d1).transpose(d0, d1).clone()  # (a copy, as PyTorch's)
        if k == 2:
            return self.flip(d0, d1)
        if k == 3:
            return self.flip(d0).transpose(d0, d1).clone()
        return self.clone()

    def repeat_interleave(self, repeats: Any = None, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """Each element (or slice along `dim`) repeated `repeats` times, in place: [a, a, b, b]
        where repeat gives [a, b, a, b]. Without dim, of the flattened tensor. With only a
        tensor of counts (torch.repeat_interleave(repeats)), the indices 0, 1, ... repeated."""
        if repeats is None:
            return Tensor._make(np.arange(self.numel())).repeat_interleave(self)
        if isinstance(repeats, Tensor):
            if repeats._data.dtype.kind not in "iu":
                raise NotImplementedError("\"repeat_interleave_cpu\" not implemented for "
                                          f"'{checks.scalar_type(repeats.dtype)}'")
            _expect(repeats.ndim <= 1, "repeats must be 0-dim or 1-dim tensor")
            counts = repeats._data.reshape(-1)
            _expect(bool((counts >= 0).all()), "repeats can not be negative")
        else:
            _expect(repeats >= 0, "Repeats must be non-negative")
            counts = np.array([repeats])
        x, d = (self.reshape(-1), 0) if dim is None else (self, checks.check_dim(dim, self.ndim))
        n = x.shape[d] if x.ndim else 1
        if counts.size == 1:
            counts = np.repeat(counts, n)
        _expect(counts.size == n, "repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {counts.size} and input.size({dim}) = {n}")
        _expect(output_size is None or output_size == counts.sum(),
                "allocated size does not match required size")
        return S.GetItem.apply1(x, (slice(None),) * d + (np.repeat(np.arange(n), counts),))

    def take(self, index: Tensor) -> Tensor:
        """The elements of the flattened tensor at `index` (negatives count from the end), in
        index's shape."""
        _expect(index.dtype == dtypes.int64, "take(): Expected a long tensor for index, but got "
                f"{checks.scalar_type(index.dtype)}")
        n, bad = self.numel(), index._data[(index._data < -self.numel()) |
                                           (index._data >= self.numel())]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor "
                             f"of {n} elements.")
        return S.GetItem.apply1(self.reshape(-1), index._data)

    def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
        """gather along `dim` with self and indices broadcast over the other dims; without
        dim, of the flattened tensors."""
        _expect(indices.dtype == dtypes.int64, "torch.take_along_dim(): dtype of indices "
                f"should be Long but got {checks.scalar_type(indices.dtype)}")
        if dim is None:
            return self.reshape(-1).gather(0, indices.reshape(-1))
        d = checks.check_dim(dim, self.ndim)
        _expect(self.ndim == indices.ndim, "torch.take_along_dim(): input and indices should "
                f"have the same number of dimensions, but got {self.ndim} dimensions for input,"
                f" and {indices.ndim} dimensions for indices")
        a, b = list(self.shape), list(indices.shape)
        a[d] = b[d] = 1
        error = checks.broadcast_error(tuple(a), tuple(b))
        if error is not None:
            raise error
        shape = np.broadcast_shapes(tuple(a), tuple(b))
        x = self.expand(*shape[:d], self.shape[d], *shape[d + 1:])
        index = indices.expand(*shape[:d], indices.shape[d], *shape[d + 1:])
        return x.gather(d, index)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the non-zero elements: a (count, ndim) tensor, or one index tensor
        per dim with as_tuple (a 0-d tensor counts as 1-d there)."""
        if as_tuple:
            return tuple(Tensor._make(i) for i in np.nonzero(np.atleast_1d(self._data)))
        return Tensor._make(np.argwhere(self._data))

    def argwhere(self) -> Tensor:
        return self.nonzero()

    def ravel(self) -> Tensor:
        return self.reshape(-1)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Views along `dim`: n sections (the first n % size one longer), or the pieces
        between the given indices."""
        _expect(self.ndim > 0, "tensor_split expected at least a 1-dimensional tensor, but got "
                f"a tensor with {self.ndim} dims")
        d = checks.check_dim(dim, self.ndim)
        given = indices_or_sections
        if isinstance(given, Tensor):
            _expect(given.dtype == dtypes.int64, "tensor_split expected "
                    "tensor_indices_or_sections to have dtype of long, but got "
                    f"{checks.scalar_type(given.dtype)}")
            given = given.item() if given.ndim == 0 else given.tolist()
        n = self.shape[d]
        if isinstance(given, (int, np.integer)):
            _expect(int(given) > 0, f"number of sections must be larger than 0, got {given}")
            size, extra = divmod(n, int(given))
            bounds = list(np.cumsum([0] + [size + (i < extra) for i in range(int(given))]))
        else:
            bounds = [0, *(max(min(int(i) if i >= 0 else int(i) + n, n), 0) for i in given), n]
        head = (slice(None),) * d
        return tuple(self[head + (slice(a, max(a, b)),)] for a, b in zip(bounds, bounds[1:]))

    def hsplit(self, sections: Any) -> tuple[Tensor, ...]:
        """tensor_split along dim 1 (dim 0 of a vector), into equal sections if an int."""
        return self._split_at("hsplit", 1, 1 if self.ndim > 1 else 0, sections)

    def vsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return self._split_at("vsplit", 2, 0, sections)

    def dsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return self._split_at("dsplit", 3, 2, sections)

    def _split_at(self, name: str, least: int, dim: int, sections: Any) -> tuple[Tensor, ...]:
        count = isinstance(sections, (int, np.integer)) and not isinstance(sections, bool)
        if not count and not (isinstance(sections, (tuple, list))
                              and all(isinstance(i, (int, np.integer)) for i in sections)):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(sections).__name__}), but expected one of: (int sections) "
                            "or (tuple of ints indices)")
        _expect(self.ndim >= least, f"torch.{name} requires a tensor with at least {least} "
                f"dimension, but got a tensor with {self.ndim} dimensions!")
        n = self.shape[dim]
        _expect(not count or (sections != 0 and n % sections == 0), f"torch.{name} attempted "
                f"to split along dimension {dim}, but the size of the dimension {n} is not "
                f"divisible by the split_size {sections}!")
        return self.tensor_split(sections, dim)

    def _index_arguments(self, dim: int, index: Tensor, source: Any = None) -> Any:
        """The checked dim of index_add/copy/fill, and their index as a scatter index: the
        vector put along dim and broadcast to source's shape (or self's, but for dim)."""
        d = checks.check_dim(dim, self.ndim)
        idx = index._data.reshape(-1)
        shape = list(self.shape if source is None else source.shape)
        if self.ndim:
            shape[d] = idx.size
        return d, np.broadcast_to(idx.reshape([-1 if k == d else 1 for k in range(len(shape))]),
                                  shape) if shape else idx.reshape(())

    def index_add(self, dim: int, index: Tensor, source: Tensor, *,
                  alpha: Scalar = 1) -> Tensor:
        """A copy of self with alpha * source[i] added to the slice index[i] along dim."""
        _expect(index.dtype in (dtypes.int32, dtypes.int64), "index_add_(): Expected dtype "
                f"int32/int64 for index but got: {checks.scalar_type(index.dtype)}")
        if index.ndim > 1:
            raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                             f"{index.ndim} with type: {checks.scalar_type(index.dtype)} and "
                             f"size: {list(index.shape)}")
        d = checks.check_dim(dim, self.ndim)
        rest = [n for k, n in enumerate(source.shape) if k != d]
        _expect(rest == [n for k, n in enumerate(self.shape) if k != d], "source tensor shape "
                "must match self tensor shape, excluding the specified dimension. Got "
                f"self.shape = {list(self.shape)} source.shape = {list(source.shape)}")
        count = source.shape[d] if source.ndim else 1
        _expect(index.numel() == count, f"index_add_(): Number of indices ({index.numel()}) "
                f"should be equal to source.size(dim): ({count}), for dim: {dim}")
        _expect(self.dtype == source.dtype, f"index_add_(): self "
                f"({checks.scalar_type(self.dtype)}) and source "
                f"({checks.scalar_type(source.dtype)}) must have the same scalar type")
        _check_index_bounds(index, self.shape[d] if self.ndim else 1, d, RuntimeError)
        d, idx = self._index_arguments(dim, index, source)
        return S.ScatterAdd.apply(self, source * alpha if alpha != 1 else source, idx, d)

    def index_copy(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        """A copy of self with the slice index[i] along dim replaced by source[i]."""
        d = checks.check_dim(dim, self.ndim)
        slices = ([n for k, n in enumerate(x.shape) if k != d] for x in (self, source))
        for k, (m, n) in enumerate(zip(*slices)):
            _expect(m == n, "index_copy_(): Source/destination tensor must have same slice "
                    f"shapes. Destination slice shape: {m} at dimension {k} and source slice "
                    f"shape: {n} at dimension {k}.")
        count = source.shape[d] if source.ndim else 1
        if index.numel() != count:
            raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be "
                             f"equal to source.size(dim) ({count})")
        _check_index_bounds(index, self.shape[d] if self.ndim else 1, d, IndexError,
                            "index_copy_(): ")
        d, idx = self._index_arguments(dim, index, source)
        return S.Scatter.apply(self, source.to(self.dtype), idx, d)

    def index_fill(self, dim: int, index: Tensor, value: Any) -> Tensor:
        """A copy of self with the slices index[i] along dim filled with `value`."""
        if index.dtype != dtypes.int64:
            raise IndexError("index_fill_(): Expected dtype int64 for index.")
        _expect(index.ndim <= 1, "Index has to be a vector/scalar")
        d = checks.check_dim(dim, self.ndim)
        _check_index_bounds(index, self.shape[d] if self.ndim else 1, d, IndexError)
        d, idx = self._index_arguments(dim, index)
        return S.Scatter.apply(self, checks.fitted(_number(value), self._data.dtype), idx, d)

    def index_put(self, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
        """A copy of self with `values` written at self[indices] (indices: a tuple or list of
        index tensors), or, with accumulate, added there (twice where a place is named twice)."""
        return self._index_put(indices, values, accumulate, "index_put")

    def index_put_(self, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
        return self._inplace(lambda x, v: x._index_put(indices, v, accumulate, "index_put_"),
                             values)

    def _index_put(self, indices: Any, values: Tensor, accumulate: bool, name: str) -> Tensor:
        if not isinstance(indices, (tuple, list)):
            raise TypeError(f"{name}(): argument 'indices' (position 1) must be tuple of "
                            f"Tensors, not {type(indices).__name__}")
        for i, index in enumerate(indices):
            if not isinstance(index, Tensor):
                raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                                f"{type(index).__name__}")
            if index.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
        if not isinstance(values, Tensor):
            raise TypeError(f"{name}(): argument 'values' (position 2) must be Tensor, not "
                            f"{type(values).__name__}")
        _expect(len(indices) > 0, f"{name}(): indices must name at least one dim")
        index = tuple(i._data for i in indices)
        try:
            self._check_put(index, values, bool(accumulate))
            return S.SetItem.apply(self, values, index, bool(accumulate))
        except IndexError as error:
            raise checks.index_error(error, self.shape, index) from None

    def _check_put(self, index: Any, value: Any, accumulate: bool = False) -> None:
        """PyTorch's checks of a tensor put at an index of arrays (x[index] = value, and
        index_put_), made before it reads the index's values: the value broadcasts to the
        shape of x[index], then it is of x's dtype. One element put by one mask is PyTorch's
        masked_fill_ (unless it accumulates): of any dtype."""
        if not isinstance(value, Tensor):
            return
        items = index if isinstance(index, tuple) else (index,)
        arrays = [i for i in items if isinstance(i, np.ndarray)]
        if not accumulate and value._data.size == 1 and len(arrays) == 1 and \
                arrays[0].dtype == bool:
            return
        try:
            shape = self._data[index].shape
        except IndexError:  # an entry of an array out of bounds: index 0 gives the same shape
            shape = self._data[tuple(np.zeros_like(i) if isinstance(i, np.ndarray)
                                     and i.dtype != bool else i for i in items)].shape
        _expect(broadcasts_to(value.shape, shape), f"shape mismatch: value tensor of shape "
                f"{list(value.shape)} cannot be broadcast to indexing result of shape "
                f"{list(shape)}")
        _expect(value.dtype == self.dtype, "Index put requires the source and destination "
                f"dtypes match, got {checks.scalar_type(self.dtype)} for the destination and "
                f"{checks.scalar_type(value.dtype)} for the source.")

    def index_add_(self, dim: int, index: Tensor, source: Tensor, *,
                   alpha: Scalar = 1) -> Tensor:
        return self._inplace(lambda x, s: x.index_add(dim, index, s, alpha=alpha), source)

    def index_copy_(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        return self._inplace(lambda x, s: x.index_copy(dim, index, s), source)

    def index_fill_(self, dim: int, index: Tensor, value: Any) -> Tensor:
        return self._inplace(lambda x, v: x.index_fill(dim, index, v), value)

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
        at = _for_numpy(index, self.ndim)
        try:
            if S.mixes_ints_and_arrays(at):
                ints_only, rest = S.split_int_index(at)
                return S.GetItem.apply1(S.GetItem.apply1(self, ints_only), rest)
            result = S.GetItem.apply1(self, at)
        except IndexError as error:
            raise checks.index_error(error, self.shape, index) from None
        if type(at) is int or S.is_basic_index(at):  # slicing: a view, as in PyTorch
            _as_view(result, self, lambda a: S.basic_view(a, at))
        return result

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value, as PyTorch's: by slicing, a copy_ into a view; by integer or
        boolean arrays, an index_put_ (`_check_put`). A number is converted as PyTorch's
        setitem converts it (`checks.put_number`); other objects are refused."""
        if not isinstance(value, Tensor):
            if not isinstance(value, (bool, int, float, complex, np.integer)):
                # (PyTorch's: a NumPy float32 or bool, an array or a list are refused too)
                raise TypeError(f"can't assign a {checks.python_type(value)} to a {self.type()}")
            value = checks.put_number(value, self._data.dtype)
        elif value.ndim and value.shape[0] == 1:  # PyTorch drops the value's leading 1s
            value = value.reshape(value.shape[next(
                (d for d, n in enumerate(value.shape) if n != 1), value.ndim):])
        index = _index(index)
        at = _for_numpy(index, self.ndim)
        try:
            if S.mixes_ints_and_arrays(at):  # PyTorch applies the ints first: into their view
                ints_only, rest = S.split_int_index(at)
                self[ints_only][rest] = value
                return
            basic = type(at) is int or S.is_basic_index(at)
            if not basic:
                self._check_put(at, value)
            if not _records(self, value):
                checks.check_writable(self._data)
                self._data[at] = value._data if isinstance(value, Tensor) else value
                self._shared_storage().version += 1
            elif basic:
                self[at].copy_(value)  # slicing gives a view: the write goes through it
            else:  # integer or boolean arrays pick copies: a change of self itself (index_put_)
                value = value.to(self.dtype) if isinstance(value, Tensor) else value
                self._inplace(lambda s, v: S.SetItem.apply(s, v, at), value)
        except IndexError as error:
            raise checks.index_error(error, self.shape, index) from None
        except ValueError:  # a tensor that does not broadcast to x[index]: copy_'s error
            checks.check_expand(value.shape, self._data[at].shape, value.dtype)
            raise

    # ------------------------------------------------------------------ in-place operations
    # An in-place op writes its result into the tensor's own memory, so every view of that
    # memory sees it, and bumps the version counter the views share. Inside a graph it is also
    # recorded: the op runs out of place on a copy of the old values (which its node may save),
    # and the tensor's history is rewritten to end in that node (`_rebase`). Nodes that saved
    # the old values themselves refuse to run in backward: their saved version is out of date.
    # It runs while the class body is built, so mutmut leaves it whole: a mutated copy would
    # run before mutmut's tables for Tensor exist, and could not be tested anyway (the methods
    # it makes are fixed at import, before a mutant is chosen).
    @staticmethod
    def _in_place(method: Any, name: str = "",
                  elementwise: bool = False) -> Callable[..., Tensor]:  # pragma: no mutate block
        """`x.f_(*args)` made from `x.f(*args)`: f's result written into x (through `_inplace`,
        recorded when x or a tensor argument requires grad), and x returned. For an
        `elementwise` f of x and one operand, PyTorch first checks that the result fits x (the
        broadcast shape, then the dtype), before it looks for f's kernel (`_check_fits`)."""

        import functools

        @functools.wraps(method)  # (so help() and inspect show f's parameters)
        def f_(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
            grad_operand = next((a for a in (*args, *kwargs.values())
                                 if isinstance(a, Tensor) and a._requires_grad), None)
            if elementwise and args:
                self._check_fits(args[0])
            return self._inplace(lambda s, _: method(s, *args, **kwargs), grad_operand)

        f_.__name__ = f"{name or method.__name__}_"
        f_.__qualname__ = f"Tensor.{f_.__name__}"
        f_.__doc__ = f"In-place version of :meth:`Tensor.{name or method.__name__}`."
        return f_

    sin_, cos_, tan_, asin_, acos_, atan_ = map(_in_place, (sin, cos, tan, asin, acos, atan))
    sinh_, cosh_, tanh_ = map(_in_place, (sinh, cosh, tanh))
    exp_, exp2_, expm1_, log_, log2_, log10_, log1p_ = map(
        _in_place, (exp, exp2, expm1, log, log2, log10, log1p))
    sqrt_, rsqrt_, reciprocal_, square_ = map(_in_place, (sqrt, rsqrt, reciprocal, square))
    abs_, absolute_, neg_, negative_ = map(_in_place, (abs, absolute, neg, negative))
    sign_, sgn_, sigmoid_, relu_ = map(_in_place, (sign, sgn, sigmoid, relu))
    floor_, ceil_, trunc_, round_, frac_ = map(_in_place, (floor, ceil, trunc, round, frac))
    fix_ = trunc_
    nan_to_num_ = _in_place(nan_to_num)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """In-place `clamp`: number bounds must not promote x (PyTorch words this check with
        C++ type names)."""
        _check_bounds("clamp_", min=min, max=max)
        if not isinstance(min, Tensor) and not isinstance(max, Tensor):
            result = dtypes.result_type(self, *(_number(b) for b in (min, max) if b is not None))
            if not dtypes.can_cast_inplace(result, self.dtype):
                raise RuntimeError(f"result type {checks.scalar_type(result)} can't be cast to "
                                   f"the desired output type {checks.c_name(self.dtype)}")
        grad_operand = next((b for b in (min, max) if isinstance(b, Tensor) and b._requires_grad),
                            None)
        return self._inplace(lambda s, _: s.clamp(min, max), grad_operand)

    clip_ = clamp_

    def clamp_min_(self, min: Any) -> Tensor:
        _check_bounds("clamp_min_", min=min, required=True)
        return self.clamp_(min=min)

    def clamp_max_(self, max: Any) -> Tensor:
        _check_bounds("clamp_max_", max=max, required=True)
        return self.clamp_(max=max)
    erf_, erfc_, erfinv_, lgamma_, digamma_, polygamma_, mvlgamma_ = map(
        _in_place, (erf, erfc, erfinv, lgamma, digamma, polygamma, mvlgamma))
    i0_, logit_, sinc_, deg2rad_, rad2deg_ = map(_in_place, (i0, logit, sinc, deg2rad, rad2deg))
    lerp_, addcmul_, addcdiv_, addmm_ = map(_in_place, (lerp, addcmul, addcdiv, addmm))
    tril_, triu_, masked_fill_, scatter_, scatter_add_ = map(
        _in_place, (tril, triu, masked_fill, scatter, scatter_add))

    @staticmethod
    def _elementwise_in_place(method: Any, make: Any = _in_place) -> Any:  # pragma: no mutate block
        return make(method, elementwise=True)

    atan2_, hypot_, fmod_, remainder_, copysign_, xlogy_, pow_ = map(
        _elementwise_in_place, (atan2, hypot, fmod, remainder, copysign, xlogy, pow))
    arctan2_ = atan2_
    nextafter_, floor_divide_, heaviside_, gcd_, lcm_ = map(
        _elementwise_in_place, (nextafter, floor_divide, heaviside, gcd, lcm))
    bitwise_and_, bitwise_or_, bitwise_xor_, bitwise_left_shift_, bitwise_right_shift_ = map(
        _elementwise_in_place,
        (bitwise_and, bitwise_or, bitwise_xor, bitwise_left_shift, bitwise_right_shift))

    def _check_fits(self, other: Any) -> None:
        if isinstance(other, _OPERANDS):
            _check_broadcast(self, other)
            checks.check_inplace_shape(self.shape, np.broadcast_shapes(
                self.shape, np.shape(_raw(other))))
            checks.check_inplace_dtype(self.dtype, dtypes.result_type(self, _as_operand(other)))

    def logical_not_(self) -> Tensor:
        """Not recorded, as in PyTorch (logical_not has no derivative node): x keeps its history
        and gradient, even a leaf that requires grad may take it."""
        with no_grad():
            return self._inplace(lambda s, _: s.logical_not(), None)

    # A comparison writes its 1s and 0s in x's own dtype. Its node gives x, and a tensor it is
    # compared with, a zero gradient, as PyTorch's EqBackward0 and the like: x - other carries
    # the edges to both, and all its values are overwritten.
    @staticmethod
    def _compared(x: Tensor, other: Any, result: Tensor) -> Tensor:
        carrier = x - other if isinstance(other, Tensor) and other._requires_grad else x
        return _overwrite(carrier, result)

    eq_ = _in_place(lambda x, other: Tensor._compared(x, other, x.eq(other)), "eq")
    ne_ = _in_place(lambda x, other: Tensor._compared(x, other, x.ne(other)), "ne")
    lt_ = _in_place(lambda x, other: Tensor._compared(x, other, x.lt(other)), "lt")
    le_ = _in_place(lambda x, other: Tensor._compared(x, other, x.le(other)), "le")
    gt_ = _in_place(lambda x, other: Tensor._compared(x, other, x.gt(other)), "gt")
    ge_ = _in_place(lambda x, other: Tensor._compared(x, other, x.ge(other)), "ge")
    greater_, less_, greater_equal_, less_equal_, not_equal_ = gt_, lt_, ge_, le_, ne_

    # PyTorch has no derivative for these three in-place forms
    def asinh_(self) -> Tensor:
        return self._inplace(lambda s, _: _no_derivative(s.asinh(), "asinh"), None)

    def acosh_(self) -> Tensor:
        return self._inplace(lambda s, _: _no_derivative(s.acosh(), "acosh"), None)

    def atanh_(self) -> Tensor:
        return self._inplace(lambda s, _: _no_derivative(s.atanh(), "atanh"), None)

    arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_ = (
        asin_, acos_, atan_, asinh_, acosh_, atanh_)

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
        storage = self._shared_storage()
        storage.version += 1
        note_output(result.grad_fn, result._data, storage)  # (if its node saved it)
        _save_memory_instead(result.grad_fn, result._data, self._data)
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
            base, history = self, result
        else:
            base, view_fn, _ = self._view
            before = Tensor._make(base._data, base.grad_fn)  # (values unused: history only)
            before._requires_grad = base._requires_grad
            history = S.ViewScatter.apply(before, result, view_fn)
        _new_history(base, history.grad_fn)
        for view in base._shared_storage().live_views():
            if view._view is not None and view._view[0] is base:  # (not views of a detach())
                _new_history(view, S.ViewOf.apply(base, view._view[1]).grad_fn)

    def _inplace_arith(self, op: Callable[[Tensor, Any], Tensor], ufunc: Any, other: Any) -> Tensor:
        """`self op= other` for + - * /. Outside a graph it writes straight into the array with
        the ufunc, with no temporary tensor: the optimizer's `p -= lr * p.grad` path."""
        if _records(self, other) or not isinstance(other, (Tensor, int, float)):
            return self._inplace(op, other)
        value = other._data if isinstance(other, Tensor) else dtypes.wrapped(
            other, self._data.dtype)
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
        (self._storage or self._shared_storage()).version += 1
        return self

    def add_(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return self._inplace_arith(Tensor.__add__, np.add, other * alpha if alpha != 1 else other)

    def sub_(self, other: Any, alpha: Scalar = 1) -> Tensor:
        if type(other) in (bool, np.bool_) or self._data.dtype.kind == "b" or (
                isinstance(other, Tensor) and other._data.dtype.kind == "b"):
            checks.check_subtractable(self, other)  # (which refuses: a bool is subtracted)
        return self._inplace_arith(Tensor.__sub__, np.subtract,
                                   other * alpha if alpha != 1 else other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace_arith(Tensor.__mul__, np.multiply, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is not None:
            return self._inplace(lambda s, o: s.div(o, rounding_mode=rounding_mode), other)
        return self._inplace_arith(Tensor.__truediv__, np.true_divide, other)

    def copy_(self, src: Any) -> Tensor:
        return self._inplace(_overwrite, src)

    def fill_(self, value: Any) -> Tensor:
        if not _records(self, value) and not isinstance(value, Tensor) and \
                self._data.flags.writeable:
            self._data.fill(checks.fitted(value, self._data.dtype))  # the everyday
            # `p.grad.zero_()`: no temporary array
            (self._storage or self._shared_storage()).version += 1
            return self
        return self._inplace(_overwrite, value)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
    # (Without these, Python would run `x **= 2` as `x = x ** 2`: a new tensor, unseen by x's
    # views and by its version counter.)
    __ipow__, __ifloordiv__, __imod__ = pow_, floor_divide_, remainder_
    __iand__, __ior__, __ixor__ = bitwise_and_, bitwise_or_, bitwise_xor_
    __ilshift__, __irshift__ = bitwise_left_shift_, bitwise_right_shift_

    # in-place forms that check the dtype first
    def float_power_(self, exponent: Any) -> Tensor:
        if self.dtype != dtypes.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype "
                               f"{checks.scalar_type(self.dtype)} but the operation's result "
                               "requires dtype Double")
        return self._inplace(Tensor.float_power, exponent)

    def ldexp_(self, other: Tensor) -> Tensor:
        if not dtypes.is_floating(self.dtype):
            raise RuntimeError(f"ldexp can't be cast to the desired output type "
                               f"{checks.scalar_type(self.dtype)}")
        return self._inplace(Tensor.ldexp, other)

    def true_divide_(self, other: Any) -> Tensor:
        return self.div_(other)

    def divide_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return self.div_(other, rounding_mode=rounding_mode)

    def multiply_(self, other: Any) -> Tensor:
        return self.mul_(other)

    def subtract_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return self.sub_(other, alpha)

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

    def short(self) -> Tensor:
        return self.to(dtypes.int16)

    def char(self) -> Tensor:
        return self.to(dtypes.int8)

    def byte(self) -> Tensor:
        return self.to(dtypes.uint8)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)


def _as_view(view: Tensor, source: Tensor, view_fn: Callable[[np.ndarray], np.ndarray],
             output: tuple[str, int] | None = None) -> Tensor:
    """Mark `view`, whose array `view_fn(source's array)` is, as a view of source's base: it
    shares source's version counter, and `_view` makes its array from the base's.

    `output` (function, output number) marks one of several views that one function returns
    (unbind, split, chunk): inside a graph, PyTorch refuses to change one in place, which
    would leave the gradients of the others undefined; so it does a view of one."""
    made: Any
    if source._view is None:
        base, made = source, output
    else:
        base, outer, made = source._view
        view_fn = (lambda inner: lambda a: inner(outer(a)))(view_fn)
        if made is not NO_GRAD_VIEW:  # a view of one of several views is forbidden too,
            made = output or (made and (None, 0))  # named by its own node (see checks)
    # A view made in no_grad mode of a base that requires grad (or a view of one) must not be
    # changed in place with grad mode on: PyTorch forbids it (checks.check_inplace_target).
    if not _state.enabled and base._requires_grad:
        made = NO_GRAD_VIEW
    view._view = (base, view_fn, made)
    view._storage = storage = base._shared_storage()
    if storage.views is None:
        storage.views = weakref.WeakSet()
    storage.views.add(view)
    return view


# `_view[2]`: how a view was made, for the in-place checks: None, NO_GRAD_VIEW (in no_grad mode,
# of a tensor requiring grad), or (function, output number) of one of several views.
NO_GRAD_VIEW = "no_grad"


# ---------------------------------------------------------------------- helpers
def _rebuild(cls: type, data: np.ndarray, requires_grad: bool, attributes: Any) -> Tensor:
    """A new leaf of class `cls` (Tensor, Parameter, ...) holding `data`: pickle's way back."""
    t: Tensor = object.__new__(cls)
    for name in ("grad_fn", "_grad", "_hooks", "_storage", "_view"):
        setattr(t, name, None)
    t._data, t._requires_grad = data, requires_grad
    if attributes:
        t.__dict__.update(attributes)
    return t


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _number(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


def _floating(x: Tensor) -> Tensor:
    """Integer tensors become float32 first, as in PyTorch's exp, log, mean, ..."""
    return x if x._data.dtype.kind == "f" else x.to(dtypes.floating(x._data.dtype))


def _spread(fn: Any, name: str, x: Tensor, dim: Any, unbiased: bool, keepdim: bool,
            correction: int | None) -> Tensor:
    """var or std (`fn`) of x; `name` is the function called, for PyTorch's warning when each
    output has no more elements than `correction` (the result is then inf or nan)."""
    if x._data.dtype.kind != "f":
        what = "std and var" if name in ("std", "var") else name
        raise RuntimeError(f"{what} only support floating point and complex dtypes")
    c = (1 if unbiased else 0) if correction is None else correction
    dims = checks.check_dims(dim, x.ndim)
    outputs = 1 if dims is None else math.prod(n for d, n in enumerate(x.shape) if d not in dims)
    if x.numel() // max(outputs, 1) - c <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return fn.apply1(x, dims, c, keepdim)


def _not_bool(x: Tensor, kernel: str) -> Tensor:
    """x itself, unless it is a bool tensor, which PyTorch's `kernel` refuses (the rounding
    kernels, median's, kthvalue's)."""
    if x._data.dtype.kind == "b":
        checks.check_floating_kernel(x.dtype, kernel)
    return x


def _softmax_dim(x: Tensor, dim: int, name: str) -> int:
    """The checked dim of a softmax; integer inputs are refused, as in PyTorch."""
    d = checks.check_dim(dim, x.ndim)
    kernel = f"{name}_lastdim_kernel_impl" if d == x.ndim - 1 else f"{name}_kernel_impl"
    checks.check_floating_kernel(x.dtype, kernel)
    return d


def _as_array(value: Any, node: Any) -> np.ndarray:
    """`value` as an array. A NumPy ufunc gives a scalar, not an array, for a 0-d input; if
    `node` saved that scalar as its output (Exp does), it keeps the tensor's array instead, so
    that an in-place write to the result is seen, by the version check and by backward, as in
    PyTorch."""
    array = np.asarray(value)
    saved = node._saved if node is not None else ()
    if saved and type(saved) is tuple and any(a is value for a in saved):
        node._saved = tuple(array if a is value else a for a in saved)
    return array


def _save_memory_instead(node: Any, result: np.ndarray, memory: np.ndarray) -> None:
    """A node that saved the result of an in-place op keeps the tensor's memory instead (which
    holds the same values): as in PyTorch, its backward then reads that memory, also after a
    write through `.data` that no version counts."""
    if node is not None and node.on_arrays and result.dtype == memory.dtype and any(
            a is result for a in node._saved):
        node._saved = tuple(memory if a is result else a for a in node._saved)


def _records(x: Tensor, other: Any) -> bool:
    """Whether an in-place op on x with `other` must be recorded in the graph."""
    return _state.enabled and (
        x._requires_grad or (isinstance(other, Tensor) and other._requires_grad)
        or (x._view is not None and x._view[2] is NO_GRAD_VIEW)  # (refused: see checks)
    )


def _no_derivative(result: Tensor, name: str) -> Tensor:
    """`result`, whose backward raises: PyTorch has no derivative for some in-place forms."""
    return U.NoDerivative.apply1(result, f"inplace version of {name}")


def _overwrite(x: Tensor, value: Any) -> Tensor:
    """A tensor of x's shape filled with `value` (broadcast): the result of copy_/fill_/zero_."""
    value = value.to(x.dtype) if isinstance(value, Tensor) else np.asarray(value, x.dtype)
    return S.SetItem.apply(x, value, Ellipsis)


def _new_history(t: Tensor, node: Any) -> None:
    """t's history now ends in `node`. A retain_grad() holds across the change, as in PyTorch:
    .grad is then the gradient of the new values. (Hooks stay with the old node.)"""
    old, t.grad_fn, t._requires_grad = t.grad_fn, node, True
    if old is not None and old._retained is not None and old._retained() is t:
        node._retained, old._retained = old._retained, None


def _check_bounds(name: str, required: bool = False, **bounds: Any) -> None:
    """clamp's bounds are tensors, numbers or None (None only where the other bound may stand
    alone: not for clamp_min / clamp_max); anything else is PyTorch's TypeError, which lists
    the overloads (and, for the one-bound forms, that the argument did not match them)."""
    def fits(b: Any) -> bool:
        return isinstance(b, (Tensor, bool, int, float, np.number)) or (b is None and not required)
    if all(fits(b) for b in bounds.values()):
        return
    got = ", ".join(checks.python_type(b) for b in bounds.values() if b is not None or required)
    lines = [f"{name}() received an invalid combination of arguments - got ({got}), but "
             "expected one of:"]
    for kind in ("Tensor", "Number"):
        lines.append(" * (" + ", ".join(f"{kind} {key}{'' if required else ' = None'}"
                                        for key in bounds) + ")")
        if required:
            lines.append(f"      didn't match because some of the arguments have invalid types: "
                         f"(!{got}!)")
    raise TypeError("\n".join(lines) + "\n")


def _clamp_dtype(x: Tensor, lo: Any, hi: Any) -> np.dtype:
    """The dtype of x clamped between numbers: x and the bounds promoted together. PyTorch has
    no bool clamp kernel (a bool tensor with int bounds is clamped as int64)."""
    dtype = dtypes.result_type(x, *(_number(b) for b in (lo, hi) if b is not None))
    if dtype == dtypes.bool_:
        kernel = "clamp_min" if hi is None else "clamp_max" if lo is None else "clamp"
        raise NotImplementedError(f'"{kernel}_scalar_cpu" not implemented for \'Bool\'')
    return dtype


def _clamp_between_tensors(x: Tensor, lo: Tensor | None, hi: Tensor | None) -> Tensor:
    """clamp with tensor bounds, all three promoted to one dtype and broadcast together (a
    number beside a tensor bound is refused, as PyTorch's overloads refuse it)."""
    if not all(b is None or isinstance(b, Tensor) for b in (lo, hi)):
        got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__
                        for a in (x, lo, hi) if a is not None)
        raise TypeError(f"clamp() received an invalid combination of arguments - got ({got}), "
                        "but expected one of: (Tensor input, Tensor min = None, Tensor max = "
                        "None) or (Tensor input, Number min = None, Number max = None)")
    present = [t for t in (x, lo, hi) if t is not None]
    _check_broadcast(*present)
    dtype = dtypes.result_type(*present)
    if dtype == dtypes.bool_ and lo is not None and hi is not None:
        raise NotImplementedError("\"clamp_cpu\" not implemented for 'Bool'")
    return A.ClampTensors.apply(*[None if t is None else t.to(dtype) for t in (x, lo, hi)])


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
        checks.check_subtractable(a, b)
    a = a.to(dtype) if isinstance(a, Tensor) else np.asarray(dtypes.wrapped(a, dtype), dtype)
    b = b.to(dtype) if isinstance(b, Tensor) else np.asarray(dtypes.wrapped(b, dtype), dtype)
    return a, b


def _other(other: Any, name: str, position: int = 1) -> Any:
    """`other` of x.add(other), ...: a tensor or a number, else PyTorch's TypeError."""
    if not isinstance(other, (Tensor, *_SCALARS, bool)):
        raise checks.argument_error(name, "other", position, other)
    return other


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


_ELLIPSIS_ID = id(Ellipsis)  # (`Ellipsis in index` would compare index arrays elementwise)


def _for_numpy(index: Any, ndim: int) -> Any:
    """An index from `_index` without a "..." that stands for no dims: NumPy counts one
    between two index arrays as a separator (their dims go first), PyTorch does not."""
    if isinstance(index, tuple) and _ELLIPSIS_ID in map(id, index) and \
            sum(map(checks.index_dims, index)) == ndim:
        return tuple(i for i in index if i is not Ellipsis)
    return index


def _index(index: Any) -> Any:
    """Tensors and lists inside an index become NumPy arrays (integer or boolean). A float, a
    NumPy bool or another object is refused, as in PyTorch (NumPy takes a bool scalar). A list
    or NumPy array of floats becomes integers, truncated toward 0 (nan and the out-of-range
    become the smallest int64, an index out of bounds), as PyTorch makes it a long tensor."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        if index._data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        # A 0-d integer tensor indexes like the int it holds (NumPy would treat it as an array).
        return index.item() if index.ndim == 0 and index.dtype.kind in "iu" else index._data
    if isinstance(index, (list, range, np.ndarray)):
        array = np.asarray(index)
        if array.dtype.kind != "f":
            return array
        return np.where(np.isfinite(array) & (np.abs(array) < 2.0**63), array,
                        np.iinfo(np.int64).min).astype(np.int64)  # (cast: no nan is left)
    if isinstance(index, slice) and index.step is not None and index.step < 0:
        raise ValueError("step must be greater than zero")
    if isinstance(index, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(index, (int, np.integer, slice, np.ndarray, type(None), type(Ellipsis))):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"Variables are valid indices (got {checks.python_type(index)})")
    return index


# (Named "max" and "min" as PyTorch's result types are.)


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
    if x._data.dtype.kind == "b":
        raise RuntimeError(f"{arg.__name__}(): does not support bool input")
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


def polygamma(n: int, input: Tensor) -> Tensor:
    """torch.polygamma(n, input): the n-th derivative of digamma."""
    if not isinstance(input, Tensor):
        raise TypeError(f"polygamma(): argument 'input' (position 2) must be Tensor, not "
                        f"{type(input).__name__}")
    return input.polygamma(n)


# --- helpers of the binary and ternary pointwise math
def _math2(fn: Any, a: Any, b: Any, tensor_only: str | None, floating: bool = False,
           kernel: str | None = None, bools_only: bool = False) -> Tensor:
    """`fn` on a and b after PyTorch's promotion. `tensor_only` names a function whose `other`
    must be a tensor; `kernel` one defined for floating point only (or, with `bools_only`, for
    everything but bool), which refuses the other promoted dtypes."""
    if tensor_only and not isinstance(b, Tensor):
        raise checks.argument_error(tensor_only, "other", 1, b)
    if kernel:
        _check_broadcast(a, b)
        dtype = dtypes.result_type(_as_operand(a), _as_operand(b))
        if dtype.kind == "b" or not bools_only:
            checks.check_floating_kernel(dtype, kernel)
    return _binary(fn, a, b, floating)


def _as_operand(x: Any) -> Any:
    return x if isinstance(x, (Tensor, int, float, bool)) else _as_tensor(x)


def _as_double(x: Any) -> Any:
    return x.to(dtypes.float64) if isinstance(x, Tensor) else np.asarray(x, np.float64)


def _integer_math(ufunc: Any, a: Tensor, b: Any, name: str) -> Tensor:
    """gcd and lcm: integer tensors only, and no gradient."""
    if not isinstance(b, Tensor):
        raise checks.argument_error(name, "other", 1, b)
    _check_broadcast(a, b)  # (PyTorch checks the shapes before the dtypes)
    dtype = dtypes.result_type(a, b)
    if dtype.kind not in "iu":
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{checks.scalar_type(dtype)}'")
    return Tensor._make(ufunc(a._data.astype(dtype), b._data.astype(dtype)))


def _check_broadcast(*operands: Any) -> None:
    """PyTorch's RuntimeError when the operands' shapes do not broadcast together."""
    shapes = [np.shape(_raw(x)) for x in operands]
    for other in shapes[1:]:
        error = checks.broadcast_error(shapes[0], other)
        if error is not None:
            raise error
        shapes[0] = np.broadcast_shapes(shapes[0], other)


def _addc(fn: Any, x: Tensor, t1: Tensor, t2: Tensor, value: Scalar) -> Tensor:
    """addcmul/addcdiv: the three tensors in their common dtype, value applied in it."""
    dtype = dtypes.result_type(x, t1, t2)
    _check_broadcast(x, t1, t2)
    return fn.apply(x.to(dtype), t1.to(dtype), t2.to(dtype), np.asarray(value).astype(dtype))


def _rounded_div(a: Any, b: Any, mode: str) -> Tensor:
    """div(rounding_mode='trunc' or 'floor'): a step function, with gradient 0 in PyTorch."""
    if mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{mode}'")
    fn = A.TruncDiv if mode == "trunc" else A.FloorDiv
    return _math2(fn, a, b, None, kernel=f"div_{mode}_cpu", bools_only=True)


def heaviside(input: Any, values: Any) -> Tensor:
    """torch.heaviside, whose second argument is named `values` (not `other`)."""
    if not isinstance(input, Tensor):
        raise checks.argument_error("heaviside", "input", 1, input)
    if not isinstance(values, Tensor):
        raise checks.argument_error("heaviside", "values", 2, values)
    return input.heaviside(values)


def _grad_operand(*operands: Any) -> Any:
    """The operand that decides whether a ternary in-place op is recorded (one needing grad)."""
    return next((t for t in operands if isinstance(t, Tensor) and t._requires_grad), operands[0])


_ADDCDIV_INTEGERS = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
    "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
    "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
    "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
    "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
    "for all dtypes."
)




def _logical(x: Tensor, fn: Callable[..., np.ndarray], dim: Any, keepdim: bool) -> Tensor:
    """all/any: bool results (uint8 for a uint8 input, as PyTorch)."""
    dims = checks.check_dims(dim, x.ndim)
    result = np.asarray(fn(x._data, axis=dims, keepdims=keepdim))
    return Tensor._make(result.astype(np.uint8) if x._data.dtype == np.uint8 else result)


def _summable(x: Tensor, dtype: Any) -> Tensor:
    """x as sum, prod and cumsum take it: in `dtype` if given, else integers as int64."""
    if dtype is not None:
        return x.to(dtype)
    return x if x._data.dtype.kind == "f" else x.to(dtypes.sum_dtype(x.dtype))


def _scan(x: Tensor, fn: Any, dim: int) -> Tensor:
    """A cumulative Function along dim (a 0-d tensor is scanned as a 1-element one)."""
    d = checks.check_dim(dim, x.ndim)
    if x.ndim == 0:
        return fn.apply1(x.reshape(1), 0).reshape(())
    return fn.apply1(x, d)


def _pick(x: Tensor, index: np.ndarray, d: int) -> Tensor:
    """x's elements at `index` along d (a gather): each picked element gets its gradient."""
    source = x if x.ndim else x.reshape(1)
    return S.Gather.apply1(source, np.atleast_1d(index), d).reshape(index.shape)


def _argsort(x: Tensor, dim: int, descending: bool) -> np.ndarray:
    """A stable argsort along dim, nan as the largest value. Descending sorts the reversed
    array and reverses the result, so that tied elements still keep their order."""
    d = checks.check_dim(dim, x.ndim)
    data = np.atleast_1d(x._data)
    if descending:
        n = data.shape[d]
        index = n - 1 - np.flip(np.argsort(np.flip(data, d), axis=d, kind="stable"), d)
    else:
        index = np.argsort(data, axis=d, kind="stable")
    return index.astype(np.int64).reshape(x.shape)


def _nth(x: Tensor, dim: int, keepdim: bool, pick: Callable[[np.ndarray], int], name: str,
         kernel: str | None = None) -> tuple[Tensor, Tensor]:
    """(values, indices) of one element per slice along dim, the one at `pick(slice)`. A
    `kernel` named is PyTorch's, which refuses bool tensors (mode's takes them)."""
    d = checks.check_dim(dim, x.ndim)
    if x._data.size == 0:
        checks.check_reducible(name, x.shape, d)
    if kernel is not None:
        _not_bool(x, kernel)
    data = np.atleast_1d(x._data)
    index = np.expand_dims(np.apply_along_axis(pick, d, data), d)
    values = _pick(x, index, d)
    if x.ndim == 0:
        return values.reshape(()), Tensor._make(index.reshape(()).astype(np.int64))
    if not keepdim:
        values, index = values.squeeze(d), np.squeeze(index, d)
    return values, Tensor._make(index.astype(np.int64))


def _nans(row: np.ndarray) -> np.ndarray:
    return np.isnan(row) if row.dtype.kind == "f" else np.zeros(row.shape, bool)


def _median_index(row: np.ndarray) -> int:
    """The index of the lower middle element in a stable sort (PyTorch breaks ties by index),
    or of the first nan (then the median is nan)."""
    nans = np.flatnonzero(_nans(row))
    return int(nans[0]) if nans.size else _stably_sorted(row, (len(row) - 1) // 2)


def _nanmedian_index(row: np.ndarray) -> int:
    """The index of the lower middle of the numbers in a stable sort (nans sort last), found as
    PyTorch finds it, because a row of only nans has no order: C++'s std::nth_element, which
    is GCC's introselect (partitions around a median of three until at most 3 elements are
    left, then an insertion sort). (GCC turns to a heap select after 2 log2(n) partitions;
    this does not, which can matter only for a row of many nans.)"""
    nans = _nans(row)
    k = max((len(row) - int(nans.sum()) - 1) // 2, 0)
    order = list(range(len(row)))

    def less(i: int, j: int) -> bool:  # PyTorch's comparison of the elements at i and j
        a, b = order[i], order[j]
        return bool(row[a] < row[b] or (row[a] == row[b] and a < b) or (nans[b] and not nans[a]))

    def swap(i: int, j: int) -> None:
        order[i], order[j] = order[j], order[i]

    first, last = 0, len(order)
    while last - first > 3:
        a, b, c = first + 1, first + (last - first) // 2, last - 1  # their median to first
        if less(a, b):
            swap(first, b if less(b, c) else c if less(a, c) else a)
        else:
            swap(first, a if less(a, c) else c if less(b, c) else b)
        low, high = first + 1, last  # partition around the element at first
        while True:
            while less(low, first):
                low += 1
            high -= 1
            while less(first, high):
                high -= 1
            if low >= high:
                break
            swap(low, high)
            low += 1
        first, last = (low, last) if low <= k else (first, low)
    for i in range(first + 1, last):  # insertion sort of what is left
        while i > first and less(i, i - 1):
            swap(i, i - 1)
            i -= 1
    return order[k]


def _stably_sorted(row: np.ndarray, k: int) -> int:
    return int(np.argsort(row, kind="stable")[k])


def _quick_select(row: np.ndarray, k: int) -> int:
    """The index of row's k-th smallest element (from 0), found as PyTorch's CPU kernel finds it
    (quick_select_template in ATen's SortingUtils.h: Hoare partitions around a median of three),
    so that among tied elements it is the one PyTorch returns. A nan is the largest value."""
    values, index = list(row), list(range(len(row)))

    def greater(a: Any, b: Any) -> bool:  # PyTorch's gt_or_nan
        return bool((a != a and b == b) or a > b)

    def swap(i: int, j: int) -> None:
        values[i], values[j] = values[j], values[i]
        index[i], index[j] = index[j], index[i]

    low, high = 0, len(row) - 1
    while high > low:
        if high == low + 1:
            if greater(values[low], values[high]):
                swap(low, high)
            break
        swap(low + (high - low) // 2, low + 1)
        if greater(values[low + 1], values[high]):
            swap(low + 1, high)
        if greater(values[low], values[high]):
            swap(low, high)
        if greater(values[low + 1], values[low]):
            swap(low + 1, low)
        i, j, pivot = low + 1, high, values[low]
        while True:
            i += 1
            while greater(pivot, values[i]):
                i += 1
            j -= 1
            while greater(values[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(low, j)
        if j <= k:
            low = i
        if j >= k:
            high = j - 1
    return index[k]


def _kept(shape: tuple[int, ...], d: int) -> tuple[int, ...]:
    return shape[:d] + (1,) + shape[d + 1:]


def _mode_index(row: np.ndarray) -> int:
    """The last index of the most frequent value of row (the smallest of equally frequent)."""
    values, counts = np.unique(row, return_counts=True)
    return int(np.flatnonzero(row == values[np.argmax(counts)])[-1])


def _running(x: Tensor, ufunc: Any, dim: int) -> tuple[Tensor, Tensor]:
    """cummax/cummin: each position's index is the last one up to it where the running extreme
    was reached (so the later of tied elements), or where the latest nan is."""
    d = checks.check_dim(dim, x.ndim)
    data = np.atleast_1d(x._data)
    reached = data == ufunc.accumulate(data, axis=d)  # (never, once the extreme is a nan)
    if data.dtype.kind == "f":
        reached |= np.isnan(data)
    positions = np.expand_dims(np.arange(data.shape[d]), [a for a in range(data.ndim) if a != d])
    index = np.maximum.accumulate(np.where(reached, positions, 0), axis=d).reshape(x.shape)
    return _pick(x, index, d), Tensor._make(index.astype(np.int64))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str,
              name: str) -> Tensor:
    """The q-th quantiles along dim, interpolated between the sorted values below and above
    rank q (n - 1): linearly (d/d below = 1 - w, d/d above = w), or the lower, the higher,
    the nearest value or the midpoint. quantile gives nan for a slice holding one;
    nanquantile ranks the numbers only. A 1-D q adds a leading dim of its own."""
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, np.float64)
    if qs.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if isinstance(q, Tensor) and q.dtype != x.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if ((qs < 0) | (qs > 1)).any():
        if isinstance(q, Tensor):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    d = checks.check_dim(dim, x.ndim) if dim is not None else None
    source = x.reshape(-1) if d is None or x.ndim == 0 else x.movedim(d, -1)
    ordered = source.sort(-1).values
    nans = np.isnan(ordered._data).sum(axis=-1, keepdims=True)
    n = ordered.shape[-1]
    if name == "nanquantile":  # rank the numbers only
        ranks = np.maximum(n - 1 - nans, 0) * np.atleast_1d(qs)  # the slice's dims, then q's
    else:  # rank the last element, a nan, in a slice holding one: its quantiles are nan
        ranks = np.where(nans > 0, n - 1, (n - 1) * np.atleast_1d(qs))
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    below, above = np.floor(ranks).astype(np.int64), np.ceil(ranks).astype(np.int64)
    weight = np.full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
    low, high = ordered.gather(-1, Tensor._make(below)), ordered.gather(-1, Tensor._make(above))
    result = low + (high - low) * Tensor._make(weight.astype(x.dtype))
    result = result.movedim(-1, 0)
    if keepdim:
        kept = (1,) * x.ndim if d is None or x.ndim == 0 else _kept(x.shape, d)
        result = result.reshape((result.shape[0],) + kept)
    return result.squeeze(0) if qs.ndim == 0 else result


def _unique_result(values: np.ndarray, inverse: np.ndarray, counts: np.ndarray,
                   return_inverse: bool, return_counts: bool) -> Any:
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------------- function forms
def var_mean(input: Tensor, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(var, mean) in one call: a function only, as in PyTorch (no Tensor.var_mean)."""
    if not isinstance(input, Tensor):
        raise checks.input_error("var_mean", input, (), {})
    var = _spread(R.Var, "var_mean", input, dim, unbiased, keepdim, correction)
    return var, input.mean(dim, keepdim)


def std_mean(input: Tensor, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) in one call: a function only, as in PyTorch."""
    if not isinstance(input, Tensor):
        raise checks.input_error("std_mean", input, (), {})
    std = _spread(R.Std, "std_mean", input, dim, unbiased, keepdim, correction)
    return std, input.mean(dim, keepdim)


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
        if numbers and args:
            _other(args[0], name, position=2)
            if name in _OF_TWO_NUMBERS and isinstance(input, _SCALARS) and \
                    not isinstance(args[0], Tensor):  # torch.add(2, 3) is tensor(5)
                input = _number_tensor(input)
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
_OF_TWO_NUMBERS = ("add", "sub", "mul", "div", "multiply", "subtract", "divide", "true_divide")


def _number_tensor(value: Any) -> Tensor:
    """A Python number as the 0-d tensor PyTorch makes of it (int64, bool or the default
    float dtype)."""
    from minigrad.creation import tensor

    return tensor(value)


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product, with PyTorch's errors for shapes and dtypes that do not fit."""
    checks.check_matmul(a, b)
    if a.ndim > 2 and b.ndim > 2:  # (a matrix or vector has no batch dims to disagree)
        checks.check_matmul_batch(a.shape, b.shape)
    checks.check_matmul_kernel(a, b)
    return M.MatMul.apply2(a, b)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """Elementwise `input if condition else other`; gradients flow to the chosen side only.
    With the condition alone, the indices where it holds (nonzero(as_tuple=True))."""
    if input is None and other is None and isinstance(condition, Tensor):
        return condition.nonzero(as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    checks.check_condition(cond.dtype)
    dtype = dtypes.result_type(*(x for x in (input, other)))
    a = input.to(dtype) if isinstance(input, Tensor) else np.asarray(
        checks.fitted_int(input, dtype), dtype)
    b = other.to(dtype) if isinstance(other, Tensor) else np.asarray(
        checks.fitted_int(other, dtype), dtype)
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
    if all(t._data.dtype == tensors[0]._data.dtype for t in tensors):
        return list(tensors)  # (the common case, without promotion)
    dtype = dtypes.common_dtype(t.dtype for t in tensors)
    return [t.to(dtype) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    ts = _same_dtype(_tensor_list(tensors, "cat"))
    d = checks.check_dim(dim, ts[0].ndim)
    checks.check_cat([t.shape for t in ts], d)
    return S.Cat.apply(d, *ts)


concat = cat


def concatenate(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """cat, with NumPy's name for dim (`axis`) also taken, as PyTorch takes it."""
    return cat(tensors, dim if axis is None else axis)


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
    operands = tuple(x.expand(*(sizes[c] for c in t))
                     if any(sizes[c] != n for c, n in zip(t, x.shape)) else x
                     for t, x in zip(terms, operands))
    return L.Einsum.apply(",".join(terms) + "->" + output, *operands)


def _scaled_sum(input: Tensor, product: Tensor, beta: Scalar, alpha: Scalar) -> Tensor:
    """beta * input + alpha * product, input broadcast to product's shape (addmv, addr, ...);
    with beta = 0 input is ignored, NaN included, as in addmm."""
    input = input.expand(product.shape)
    if beta == 0:  # (a gradient of zeros for input, as PyTorch's)
        input = where(np.zeros((), bool), input, 0)
    elif beta != 1:
        input = input * beta
    return input + (product * alpha if alpha != 1 else product)


def _square_matrices(x: Tensor, name: str) -> None:
    _expect(x.ndim >= 2, f"{name}: The input tensor A must have at least 2 dimensions.")
    _expect(x.shape[-1] == x.shape[-2], f"{name}: A must be batches of square matrices, but "
            f"they are {x.shape[-2]} by {x.shape[-1]} matrices")


def chain_matmul(*matrices: Tensor) -> Tensor:
    """matrices[0] @ matrices[1] @ ... (deprecated in PyTorch for linalg.multi_dot)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    _expect(len(matrices) > 0, "chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        return matrices[0].clone()
    result = matrices[0]
    for m in matrices[1:]:
        result = result.mm(m)
    return result


def out_form(form: Callable[..., Any], exact_dtype: bool = True) -> Callable[..., Any]:
    """A function form that also takes `out=`, as torch.mm(a, b, out=c): the result is written
    into c (resized if its shape differs, with PyTorch's warning unless c is empty) and c is
    returned. Such a write is not differentiable, so PyTorch refuses it in grad mode when an
    argument requires grad. The products want c in the result's dtype (`exact_dtype`); add and
    mul cast into it, as an in-place op does."""
    name = form.__name__

    def with_out(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Any:
        if out is None:
            return form(*args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        tensors = [*args, *kwargs.values(), out]
        _expect(not (_state.enabled and any(isinstance(t, Tensor) and t._requires_grad
                                            for t in tensors)),
                f"{name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad.")
        with no_grad():
            result = form(*args, **kwargs)
        if exact_dtype:
            _expect(result.dtype == out.dtype, "Expected out tensor to have dtype "
                    f"{dtypes.torch_name(result.dtype)}, but got "
                    f"{dtypes.torch_name(out.dtype)} instead")
        else:
            checks.check_inplace_dtype(out.dtype, result.dtype)
        if out.shape != result.shape:
            if out.numel():
                warnings.warn(
                    f"An output with one or more elements was resized since it had shape "
                    f"{list(out.shape)}, which does not match the required output shape "
                    f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                    "release outputs will not be resized unless they have zero elements. You can "
                    "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                    "with t.resize_(0).", UserWarning, stacklevel=2)
            out._data = np.empty(result.shape, out._data.dtype)
        checks.check_writable(out._data)
        np.copyto(out._data, result._data, casting="unsafe")
        out._shared_storage().version += 1
        return out

    with_out.__name__, with_out.__doc__ = name, form.__doc__
    with_out.__wrapped__ = form  # type: ignore[attr-defined]
    return with_out


# ---------------------------------------------------------------------- more shape and indexing
def _check_index_bounds(index: Tensor, n: int, dim: int, error: type[Exception],
                        prefix: str = "") -> None:
    """PyTorch's error for an index of index_add/copy/fill outside [0, n)."""
    bad = index._data[(index._data < 0) | (index._data >= n)]
    if bad.size:
        raise error(f"{prefix}index {bad.flat[0]} is out of bounds for dimension {dim} with "
                    f"size {n}")


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Grids of coordinates: the i-th result holds tensors[i] along dim i, expanded over the
    others (views). With indexing="xy" the first two dims are swapped, as in NumPy."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    _expect(indexing in ("xy", "ij"), 'torch.meshgrid: indexing must be one of "xy" or "ij", '
            f"but received: {indexing}")
    _expect(len(tensors) > 0, "meshgrid expects a non-empty TensorList")
    for t in tensors:
        _expect(t.ndim <= 1, "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                f"got: {t}")
        _expect(t.dtype == tensors[0].dtype, "meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    order = [1, 0, *range(2, len(tensors))] if swap else list(range(len(tensors)))
    shape = [tensors[i].numel() for i in order]
    grids = []
    for i, t in enumerate(tensors):
        place = order.index(i)
        along = [-1 if k == place else 1 for k in range(len(tensors))]
        grids.append(t.reshape(*along).expand(*shape))
    return tuple(grids)


def dstack(tensors: Any) -> Tensor:
    """cat along dim 2 of the tensors made at least 3-d."""
    return cat(list(atleast_3d(*_joined(tensors, "dstack"))), 2)


def column_stack(tensors: Any) -> Tensor:
    """cat along dim 1 of the tensors, 0-d and 1-d tensors made columns."""
    return cat([t.reshape(t.numel(), 1) if t.ndim < 2 else t
                for t in _joined(tensors, "column_stack")], 1)


def _at_least(tensors: Any, shape: Callable[[tuple[int, ...]], tuple[int, ...]]) -> Any:
    """atleast_nd: each tensor reshaped (a view) if it has too few dims; one result for one
    tensor, a tuple for several or for a list."""
    one = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    results = tuple(t.reshape(shape(t.shape)) for t in tensors)
    return results[0] if one else results


def atleast_1d(*tensors: Any) -> Any:
    return _at_least(tensors, lambda s: s or (1,))


def atleast_2d(*tensors: Any) -> Any:
    return _at_least(tensors, lambda s: s if len(s) >= 2 else (1, *s, *(1,) * (1 - len(s))))


def atleast_3d(*tensors: Any) -> Any:
    """(n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1), as in NumPy."""
    return _at_least(tensors, lambda s: s if len(s) >= 3 else {0: (1, 1, 1), 1: (1, *s, 1),
                                                                2: (*s, 1)}[len(s)])


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (made 2-d) as blocks on the diagonal of a matrix of zeros: each block
    padded with zeros left and right, the padded rows joined."""
    for i, t in enumerate(tensors):
        _expect(t.ndim <= 2, "torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                f"Input {i} has {t.ndim} dimensions")
    blocks = [t.reshape(1, t.numel()) if t.ndim < 2 else t for t in _same_dtype(tensors)]
    dtype = blocks[0].dtype if blocks else dtypes.get_default_dtype()
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        pad = [Tensor._make(np.zeros((b.shape[0], n), dtype)) for n in
               (left, width - left - b.shape[1])]
        rows.append(cat([pad[0], b, pad[1]], 1))
        left += b.shape[1]
    return cat(rows, 0) if rows else Tensor._make(np.zeros((1, 0), dtype))


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every tuple (a, b, ...) of elements of the vectors, in order, as rows."""
    for t in tensors:
        _expect(t.ndim == 1, f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0].clone()
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype: Any,
                      triangle: Callable[..., Any]) -> Tensor:
    dtype = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    if dtype.kind not in "iu":
        raise NotImplementedError(f"\"{name}\" not implemented for "
                                  f"'{checks.scalar_type(dtype)}'")
    _expect(row >= 0, f"row must be non-negative, got{row}")
    _expect(col >= 0, f"col must be non-negative, got{col}")
    return Tensor._make(np.array(triangle(row, offset, col), dtype).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None) -> Tensor:
    """The (row, column) indices of the lower triangle of a row x col matrix, a 2 x N tensor
    in row-major order."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, np.tril_indices)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None) -> Tensor:
    """The (row, column) indices of the upper triangle, as tril_indices."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, np.triu_indices)
