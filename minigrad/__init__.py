"""minigrad: a small reverse-mode autograd engine on NumPy with PyTorch's API.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""

import warnings as _warnings

from minigrad import dtypes
from minigrad.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_complex,
    is_floating_point,
    is_tensor,
    linspace,
    logspace,
    normal,
    numel,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from minigrad.printing import set_printoptions
from minigrad.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from minigrad.random_ops import bernoulli, multinomial
from minigrad.size import Size
from minigrad.tensor import (
    Tensor,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    cartesian_prod,
    cat,
    chain_matmul,
    column_stack,
    concat,
    concatenate,
    dstack,
    einsum,
    function_form,
    hstack,
    matmul,
    meshgrid,
    out_form,
    row_stack,
    stack,
    std_mean,
    tensordot,
    tril_indices,
    triu_indices,
    var_mean,
    vstack,
    where,
)

# NumPy warns of floating-point edge cases (log(0), 0/0, an overflow) where PyTorch computes
# inf and nan silently: the NumPy calls on minigrad's own lines stay silent too (the user's
# own NumPy calls still warn).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad\.")

# dtypes, with PyTorch's aliases (no bfloat16: NumPy has no such type)
dtype, finfo, iinfo = dtypes.dtype, dtypes.finfo, dtypes.iinfo
float16 = half = dtypes.from_numpy(dtypes.float16)
float32 = float = dtypes.from_numpy(dtypes.float32)
float64 = double = dtypes.from_numpy(dtypes.float64)
int8 = dtypes.from_numpy(dtypes.int8)
int16 = short = dtypes.from_numpy(dtypes.int16)
int32 = int = dtypes.from_numpy(dtypes.int32)
int64 = long = dtypes.from_numpy(dtypes.int64)
uint8 = dtypes.from_numpy(dtypes.uint8)
bool = dtypes.from_numpy(dtypes.bool_)
get_default_dtype, set_default_dtype = dtypes.get_default_dtype, dtypes.set_default_dtype
promote_types, can_cast = dtypes.public_promote_types, dtypes.public_can_cast
result_type = dtypes.public_result_type

# Constants, as in PyTorch (which takes them from math)
from math import e, inf, nan, pi  # noqa: E402

newaxis = None

from minigrad import cuda  # noqa: E402

# Legacy tensor types: `minigrad.LongTensor([1, 2])`, `isinstance(x, minigrad.FloatTensor)`,
# `x.type(minigrad.DoubleTensor)`; and the memory formats `clone(memory_format=)` accepts.
from minigrad.creation import (  # noqa: E402
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    contiguous_format,
    preserve_format,
)
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
clamp_min, clamp_max = function_form(Tensor.clamp_min), function_form(Tensor.clamp_max)
clamp_, clip_ = function_form(Tensor.clamp_), function_form(Tensor.clamp_, name="clip_")
clamp_min_, clamp_max_ = function_form(Tensor.clamp_min_), function_form(Tensor.clamp_max_)
reshape = function_form(Tensor.reshape)
flatten = function_form(Tensor.flatten)
transpose = function_form(Tensor.transpose)
t = function_form(Tensor.t)
permute = function_form(Tensor.permute)
squeeze = function_form(Tensor.squeeze)
unsqueeze = function_form(Tensor.unsqueeze)
split = Tensor.split
chunk = function_form(Tensor.chunk)
unbind = function_form(Tensor.unbind)
narrow = function_form(Tensor.narrow)
pow = function_form(Tensor.pow, numbers=True)
add = out_form(function_form(Tensor.add, numbers=True), exact_dtype=False)
sub = function_form(Tensor.sub, numbers=True)
mul = out_form(function_form(Tensor.mul, numbers=True), exact_dtype=False)
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
arcsin = function_form(Tensor.asin, name="arcsin")
arccos = function_form(Tensor.acos, name="arccos")
arctan = function_form(Tensor.atan, name="arctan")
arcsinh = function_form(Tensor.asinh, name="arcsinh")
arccosh = function_form(Tensor.acosh, name="arccosh")
arctanh = function_form(Tensor.atanh, name="arctanh")

# Special functions, comparisons, logical and bitwise ops
from minigrad.tensor import polygamma  # noqa: E402  (its order of arguments is (n, input))

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

# Binary and ternary pointwise math
from minigrad.tensor import heaviside  # noqa: E402

atan2 = function_form(Tensor.atan2, other=True)
arctan2 = function_form(Tensor.atan2, other=True, name="arctan2")
hypot = function_form(Tensor.hypot, other=True)
fmod = function_form(Tensor.fmod)
remainder = function_form(Tensor.remainder, numbers=True)
copysign = function_form(Tensor.copysign)
xlogy = function_form(Tensor.xlogy, numbers=True)
float_power = function_form(Tensor.float_power, numbers=True)
logaddexp = function_form(Tensor.logaddexp, other=True)
logaddexp2 = function_form(Tensor.logaddexp2, other=True)
fmax = function_form(Tensor.fmax, other=True)
fmin = function_form(Tensor.fmin, other=True)
nextafter = function_form(Tensor.nextafter, other=True)
ldexp = function_form(Tensor.ldexp, other=True)
floor_divide = function_form(Tensor.floor_divide, numbers=True)
gcd = function_form(Tensor.gcd, other=True)
lcm = function_form(Tensor.lcm, other=True)
lerp = function_form(Tensor.lerp)
addcmul = function_form(Tensor.addcmul)
addcdiv = function_form(Tensor.addcdiv)
true_divide = function_form(Tensor.true_divide, numbers=True)
divide = function_form(Tensor.divide, numbers=True)
multiply = function_form(Tensor.multiply, numbers=True)
subtract = function_form(Tensor.subtract, numbers=True)
negative = function_form(Tensor.negative)
positive = function_form(Tensor.positive)
absolute = function_form(Tensor.absolute)

# Reductions, scans and sorting
prod = function_form(Tensor.prod)
cumsum = function_form(Tensor.cumsum)
cumprod = function_form(Tensor.cumprod)
logcumsumexp = function_form(Tensor.logcumsumexp)
cummax = function_form(Tensor.cummax)
cummin = function_form(Tensor.cummin)
sort = function_form(Tensor.sort)
argsort = function_form(Tensor.argsort)
msort = function_form(Tensor.msort)
topk = function_form(Tensor.topk)
kthvalue = function_form(Tensor.kthvalue)
median = function_form(Tensor.median)
nanmedian = function_form(Tensor.nanmedian)
mode = function_form(Tensor.mode)
quantile = function_form(Tensor.quantile)
nanquantile = function_form(Tensor.nanquantile)
all = function_form(Tensor.all)
any = function_form(Tensor.any)
count_nonzero = function_form(Tensor.count_nonzero)
aminmax = function_form(Tensor.aminmax)
nansum = function_form(Tensor.nansum)
nanmean = function_form(Tensor.nanmean)
dist = function_form(Tensor.dist, other=True)
unique = function_form(Tensor.unique)
unique_consecutive = function_form(Tensor.unique_consecutive)

# Linear algebra
mm = out_form(function_form(Tensor.mm))
bmm = out_form(function_form(Tensor.bmm))
mv = function_form(Tensor.mv)
dot = function_form(Tensor.dot)
outer = function_form(Tensor.outer)
inner = function_form(Tensor.inner)
addmm = out_form(function_form(Tensor.addmm))
trace = function_form(Tensor.trace)
diagonal = function_form(Tensor.diagonal)
diag = function_form(Tensor.diag)
tril = function_form(Tensor.tril)
triu = function_form(Tensor.triu)
matmul = out_form(matmul)
vdot = function_form(Tensor.vdot)
addmv = function_form(Tensor.addmv)
baddbmm = function_form(Tensor.baddbmm)
addbmm = function_form(Tensor.addbmm)
addr = function_form(Tensor.addr)
kron = function_form(Tensor.kron)
diag_embed = function_form(Tensor.diag_embed)
cross = function_form(Tensor.cross)
inverse = function_form(Tensor.inverse)
matrix_power = function_form(Tensor.matrix_power)

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
scatter_reduce = function_form(Tensor.scatter_reduce)
masked_select = function_form(Tensor.masked_select)
rot90 = function_form(Tensor.rot90)
repeat_interleave = function_form(Tensor.repeat_interleave)
take = function_form(Tensor.take)
take_along_dim = function_form(Tensor.take_along_dim)
nonzero = function_form(Tensor.nonzero)
argwhere = function_form(Tensor.argwhere)
ravel = function_form(Tensor.ravel)
tensor_split = function_form(Tensor.tensor_split)
hsplit = function_form(Tensor.hsplit)
vsplit = function_form(Tensor.vsplit)
dsplit = function_form(Tensor.dsplit)
index_put = function_form(Tensor.index_put)
index_put_ = function_form(Tensor.index_put_)
index_add = function_form(Tensor.index_add)
index_copy = function_form(Tensor.index_copy)
index_fill = function_form(Tensor.index_fill)
select = function_form(Tensor.select)
fliplr = function_form(Tensor.fliplr)
flipud = function_form(Tensor.flipud)
masked_fill = function_form(Tensor.masked_fill)
clone = function_form(Tensor.clone)
detach = function_form(Tensor.detach)
is_nonzero = function_form(Tensor.is_nonzero)
is_same_size = function_form(Tensor.is_same_size, other=True)
is_signed = function_form(Tensor.is_signed)


# Subpackages, reachable after `import minigrad` as in PyTorch (they build on the names above).
from minigrad import autograd, backends, linalg, nn, optim, utils, viz  # noqa: E402
from minigrad.backends import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    is_deterministic_algorithms_warn_only_enabled,
    use_deterministic_algorithms,
)
from minigrad.serialization import load, save  # noqa: E402

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """`minigrad.testing` is imported on first use, as it needs Hypothesis (the test extra):
    minigrad itself needs only NumPy."""
    if name == "testing":
        import minigrad.testing

        return minigrad.testing
    raise AttributeError(f"module 'minigrad' has no attribute '{name}'")
