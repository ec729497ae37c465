"""minigrad: a small reverse-mode autograd engine on NumPy with PyTorch's API.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""

from minigrad import dtypes
from minigrad.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.creation import (
    arange,
    as_tensor,
    empty,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from minigrad.printing import set_printoptions
from minigrad.random import manual_seed, seed
from minigrad.tensor import (
    Tensor,
    cat,
    einsum,
    function_form,
    hstack,
    matmul,
    row_stack,
    stack,
    tensordot,
    vstack,
    where,
)

float16 = half = dtypes.float16
float32 = float = dtypes.float32
float64 = double = dtypes.float64
int32 = int = dtypes.int32
int64 = long = dtypes.int64
uint8 = dtypes.uint8
bool = dtypes.bool_
get_default_dtype, set_default_dtype = dtypes.get_default_dtype, dtypes.set_default_dtype
from minigrad import cuda  # noqa: E402
from minigrad.devices import device, get_default_device, set_default_device  # noqa: E402

# Function forms, as torch.exp(x) is x.exp(), which refuse a non-tensor `input` as PyTorch's do.
relu = function_form(Tensor.relu)
tanh = function_form(Tensor.tanh)
sigmoid = function_form(Tensor.sigmoid)
exp = function_form(Tensor.exp)
log = function_form(Tensor.log)
sqrt = function_form(Tensor.sqrt)
abs = function_form(Tensor.abs)
sum = function_form(Tensor.sum)
mean = function_form(Tensor.mean)
var = function_form(Tensor.var)
std = function_form(Tensor.std)
amax = function_form(Tensor.amax)
amin = function_form(Tensor.amin)
argmax = function_form(Tensor.argmax)
argmin = function_form(Tensor.argmin)
logsumexp = function_form(Tensor.logsumexp)
softmax = function_form(Tensor.softmax)
log_softmax = function_form(Tensor.log_softmax)
norm = Tensor.norm  # (PyTorch's norm and split are Python functions: AttributeError)
maximum = function_form(Tensor.maximum, other=True)
minimum = function_form(Tensor.minimum, other=True)
clamp = function_form(Tensor.clamp)
clip = function_form(Tensor.clamp, name="clip")
reshape = function_form(Tensor.reshape)
flatten = function_form(Tensor.flatten)
transpose = function_form(Tensor.transpose)
permute = function_form(Tensor.permute)
squeeze = function_form(Tensor.squeeze)
unsqueeze = function_form(Tensor.unsqueeze)
split = Tensor.split
chunk = function_form(Tensor.chunk)
unbind = function_form(Tensor.unbind)
pow = function_form(Tensor.pow, numbers=True)
add = function_form(Tensor.add, numbers=True)
sub = function_form(Tensor.sub, numbers=True)
mul = function_form(Tensor.mul, numbers=True)
div = function_form(Tensor.div, numbers=True)
neg = function_form(Tensor.neg)
sign = function_form(Tensor.sign)
isnan = function_form(Tensor.isnan)
isfinite = function_form(Tensor.isfinite)
sin = function_form(Tensor.sin)
cos = function_form(Tensor.cos)
tan = function_form(Tensor.tan)
asin = function_form(Tensor.asin)
acos = function_form(Tensor.acos)
atan = function_form(Tensor.atan)
sinh = function_form(Tensor.sinh)
cosh = function_form(Tensor.cosh)
asinh = function_form(Tensor.asinh)
acosh = function_form(Tensor.acosh)
atanh = function_form(Tensor.atanh)
log1p = function_form(Tensor.log1p)
expm1 = function_form(Tensor.expm1)
log2 = function_form(Tensor.log2)
log10 = function_form(Tensor.log10)
exp2 = function_form(Tensor.exp2)
rsqrt = function_form(Tensor.rsqrt)
reciprocal = function_form(Tensor.reciprocal)
square = function_form(Tensor.square)
floor = function_form(Tensor.floor)
ceil = function_form(Tensor.ceil)
trunc = function_form(Tensor.trunc)
round = function_form(Tensor.round)
frac = function_form(Tensor.frac)
fix = function_form(Tensor.trunc, name="fix")

# Special functions, comparisons, logical and bitwise ops
import builtins  # noqa: E402  (the name `int` is minigrad.int here)

erf = function_form(Tensor.erf)
erfc = function_form(Tensor.erfc)
erfinv = function_form(Tensor.erfinv)
lgamma = function_form(Tensor.lgamma)
digamma = function_form(Tensor.digamma)
mvlgamma = function_form(Tensor.mvlgamma)
i0 = function_form(Tensor.i0)
logit = function_form(Tensor.logit)
sinc = function_form(Tensor.sinc)
sgn = function_form(Tensor.sgn)
signbit = function_form(Tensor.signbit)
nan_to_num = function_form(Tensor.nan_to_num)
deg2rad = function_form(Tensor.deg2rad)
rad2deg = function_form(Tensor.rad2deg)


def polygamma(n: builtins.int, input: Tensor) -> Tensor:
    """torch.polygamma(n, input): the n-th derivative of digamma."""
    if not isinstance(input, Tensor):
        raise TypeError(f"polygamma(): argument 'input' (position 2) must be Tensor, not "
                        f"{type(input).__name__}")
    return input.polygamma(n)


eq = function_form(Tensor.eq, name="eq")
ne = function_form(Tensor.ne, name="ne")
lt = function_form(Tensor.lt, name="lt")
le = function_form(Tensor.le, name="le")
gt = function_form(Tensor.gt, name="gt")
ge = function_form(Tensor.ge, name="ge")
greater = function_form(Tensor.gt, name="greater")
less = function_form(Tensor.lt, name="less")
greater_equal = function_form(Tensor.ge, name="greater_equal")
less_equal = function_form(Tensor.le, name="less_equal")
not_equal = function_form(Tensor.ne, name="not_equal")
equal = function_form(Tensor.equal, other=True)
isclose = function_form(Tensor.isclose, other=True)
allclose = function_form(Tensor.allclose, other=True)
isinf = function_form(Tensor.isinf)
isposinf = function_form(Tensor.isposinf)
isneginf = function_form(Tensor.isneginf)
isreal = function_form(Tensor.isreal)
logical_and = function_form(Tensor.logical_and, other=True)
logical_or = function_form(Tensor.logical_or, other=True)
logical_xor = function_form(Tensor.logical_xor, other=True)
logical_not = function_form(Tensor.logical_not)
bitwise_and = function_form(Tensor.bitwise_and, numbers=True)
bitwise_or = function_form(Tensor.bitwise_or, numbers=True)
bitwise_xor = function_form(Tensor.bitwise_xor, numbers=True)
bitwise_not = function_form(Tensor.bitwise_not)
bitwise_left_shift = function_form(Tensor.bitwise_left_shift, numbers=True)
bitwise_right_shift = function_form(Tensor.bitwise_right_shift, numbers=True)

# Linear algebra
mm = function_form(Tensor.mm)
bmm = function_form(Tensor.bmm)
mv = function_form(Tensor.mv)
dot = function_form(Tensor.dot)
outer = function_form(Tensor.outer)
inner = function_form(Tensor.inner)
addmm = function_form(Tensor.addmm)
trace = function_form(Tensor.trace)
diagonal = function_form(Tensor.diagonal)
diag = function_form(Tensor.diag)
tril = function_form(Tensor.tril)
triu = function_form(Tensor.triu)

# max and min: over everything, along a dim (values and indices), or elementwise
max = function_form(Tensor.max)
min = function_form(Tensor.min)

# Shape and indexing
flip = function_form(Tensor.flip)
roll = function_form(Tensor.roll)
tile = function_form(Tensor.tile)
swapaxes = function_form(Tensor.swapaxes)
swapdims = function_form(Tensor.swapdims)
movedim = function_form(Tensor.movedim)
moveaxis = function_form(Tensor.movedim, name="moveaxis")
unflatten = function_form(Tensor.unflatten)
broadcast_to = function_form(Tensor.broadcast_to)
index_select = function_form(Tensor.index_select)
gather = function_form(Tensor.gather)
scatter = function_form(Tensor.scatter)
scatter_add = function_form(Tensor.scatter_add)
masked_select = function_form(Tensor.masked_select)


# Subpackages, reachable after `import minigrad` as in PyTorch (they build on the names above).
from minigrad import autograd, nn, optim, utils, viz  # noqa: E402
from minigrad.serialization import load, save  # noqa: E402

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """`minigrad.testing` is imported on first use, as it needs Hypothesis (the test extra):
    minigrad itself needs only NumPy."""
    if name == "testing":
        import minigrad.testing

        return minigrad.testing
    raise AttributeError(f"module 'minigrad' has no attribute '{name}'")
