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
from minigrad.tensor import Tensor, cat, matmul, stack, where

float16 = half = dtypes.float16
float32 = float = dtypes.float32
float64 = double = dtypes.float64
int32 = int = dtypes.int32
int64 = long = dtypes.int64
uint8 = dtypes.uint8
bool = dtypes.bool_

# Function forms, as torch.exp(x) is x.exp().
relu = Tensor.relu
tanh = Tensor.tanh
sigmoid = Tensor.sigmoid
exp = Tensor.exp
log = Tensor.log
sqrt = Tensor.sqrt
abs = Tensor.abs
sum = Tensor.sum
mean = Tensor.mean
var = Tensor.var
std = Tensor.std
amax = Tensor.amax
amin = Tensor.amin
argmax = Tensor.argmax
argmin = Tensor.argmin
logsumexp = Tensor.logsumexp
softmax = Tensor.softmax
log_softmax = Tensor.log_softmax
norm = Tensor.norm
maximum = Tensor.maximum
minimum = Tensor.minimum
clamp = clip = Tensor.clamp
reshape = Tensor.reshape
flatten = Tensor.flatten
transpose = Tensor.transpose
permute = Tensor.permute
squeeze = Tensor.squeeze
unsqueeze = Tensor.unsqueeze
split = Tensor.split
chunk = Tensor.chunk
unbind = Tensor.unbind
pow = Tensor.pow
add = Tensor.add
sub = Tensor.sub
mul = Tensor.mul
div = Tensor.div
neg = Tensor.neg
sign = Tensor.sign
isnan = Tensor.isnan
isfinite = Tensor.isfinite

max = Tensor.max
min = Tensor.min

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
