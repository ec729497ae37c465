"""The functions behind minigrad.nn's layers and losses, as in torch.nn.functional: stateless,
with every weight passed in as an argument.

Most functions are compositions of the engine's differentiable operations (matmul,
log_softmax, indexing, sum, ...), so their backward pass is theirs: relu, dropout, softmax,
log_softmax, nll_loss, most losses, and every general case of the functions below. Four record
one whole-layer node instead (minigrad/functions/layers.py, which says why), each pinned equal
to the composition it replaces by a test in tests/test_composite.py:

* `linear` records Linear when the weight is 2-D, the input's last dim and dtype fit it, and
  the bias, if any, has shape (out_features,); else it is `input @ weight.T + bias`;
* `mse_loss` records MseLoss for a non-empty input and target of one float dtype and one
  shape, with the reduction 'mean' or 'sum' (not given by the deprecated flags);
* `cross_entropy` records CrossEntropy for (N, C) logits, N > 0, with valid int64 class
  indices, no class weights, no label smoothing, an ignore_index that is no class and the
  reduction 'mean' or 'sum';
* `_rnn_layer`, private (PyTorch has no public functional RNN), always records RNNLayer: one
  layer of nn.RNN over a whole sequence.

`binary_cross_entropy` and `binary_cross_entropy_with_logits` always record one node each
(BinaryCrossEntropy, BinaryCrossEntropyWithLogits) for another reason: PyTorch's gradients at
a probability of 0 or 1, or a logit of 0, come from its own backward formulas, which no chain
rule through a clamped log reproduces; tests/test_nn_losses_more.py pins them to PyTorch.
`layer_norm` records LayerNorm (minigrad/functions/normalization.py), computed in the order of
PyTorch's kernel for its float32 rounding, and `ctc_loss` records CTCLoss
(minigrad/functions/ctc.py): recursions over every step, which as engine operations would be
thousands of nodes, and PyTorch's own gradient formula.

The docstrings state the derivative, to read next to the code.

Arguments are checked in PyTorch's order and fail with PyTorch's exception types, so a wrong
call fails the same way in both libraries.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.autograd.grad_mode import no_grad
from minigrad.checks import (
    argument_error,
    broadcast_error,
    check_dim,
    check_floating_kernel,
    check_inplace_dtype,
    check_inplace_shape,
    check_subtractable,
    scalar_type,
    stacklevel_outside,
    torch_size,
)
from minigrad.creation import from_numpy
from minigrad.functions import activations, ctc, layers, normalization
from minigrad.random import default_generator
from minigrad.tensor import Tensor, einsum, where


# ---------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b over the last dim: input (*, in_features), weight (out_features,
    in_features), bias (out_features,) give y (*, out_features).

    With g = dL/dy:  dL/dx = g W,  dL/dW = sum over the leading dims of g^T x,
    dL/db = sum over the leading dims of g.

    Raises:
        TypeError: an input, weight or bias that is not a tensor.
        RuntimeError: a 0-d input or weight, dtypes that differ (there is no promotion), or an
            input whose last dim is not in_features.
    """
    if not isinstance(input, Tensor):
        raise argument_error("linear", "input", 1, input)
    if not isinstance(weight, Tensor):
        raise argument_error("linear", "weight", 2, weight)
    if bias is not None and not isinstance(bias, Tensor):
        raise argument_error("linear", "bias", 3, bias)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.ndim}D and {weight.ndim}D"
        )
    if bias is not None:
        # PyTorch words the dtype error this way when there is a bias (addmm's checks, the
        # bias first); without one, matmul reports it in its own words.
        for name, t in (("self", bias), ("mat1", input)):
            if t._data.dtype != weight._data.dtype:
                raise RuntimeError(
                    f"{name} and mat2 must have the same dtype, but got {scalar_type(t.dtype)} "
                    f"and {scalar_type(weight.dtype)}"
                )
    out_features = weight._data.shape[0] if weight.ndim == 2 else None
    if (out_features is not None and input._data.shape[-1] == weight._data.shape[1]
            and input._data.dtype == weight._data.dtype
            and (bias is None or bias.shape == (out_features,))):
        return layers.Linear.apply(input, weight, bias)  # the usual case, as one node
    # Anything else (a 1-D weight, a bias that broadcasts, shapes that do not fit) is the
    # composition itself, with its errors.
    output = input.matmul(weight.T)
    return output if bias is None else output + bias


def _rnn_layer(
    input: Tensor, h_0: Tensor | None, weight_ih: Tensor, weight_hh: Tensor,
    bias_ih: Tensor | None, bias_hh: Tensor | None, nonlinearity: str, batch_first: bool = False,
) -> Tensor:
    """One layer of an Elman RNN over a whole sequence, as nn.RNN runs each of its layers:
    h_t = act(a_t), a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, for t = 1 .. L, with
    act = tanh or relu.

    input (L, N, in), or (N, L, in) if batch_first; h_0 (N, H), or None for zeros; the biases
    both given or both None. Returns h_1 .. h_L, (L, N, H) (or (N, L, H)), as one RNNLayer
    node. Its backward is backpropagation through time (RNNLayer's docstring has the details):
    with g_t = dL/dh_t from the output,

        dh_t = g_t + da_{t+1} W_hh,   da_t = dh_t * act'(a_t)      for t = L .. 1
        dL/dx_t = da_t W_ih,   dL/dW_ih = sum_t da_t^T x_t,   dL/dW_hh = sum_t da_t^T h_{t-1},
        dL/db_ih = dL/db_hh = sum of da_t over t and the batch,   dL/dh_0 = da_1 W_hh.

    Private: PyTorch has no public functional RNN (its nn.RNN calls an internal kernel), and
    nn.RNN has checked the arguments already.
    """
    return layers.RNNLayer.apply(input, h_0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity,
                                 batch_first)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """relu(x) = max(x, 0);  d/dx relu(x) = 1 where x > 0, else 0 (also 0 at x = 0)."""
    if not isinstance(input, Tensor):
        raise argument_error("relu_" if inplace else "relu", "input", 1, input)
    return input.relu_() if inplace else input.relu()


# ---------------------------------------------------------------------- activations
# Each takes a tensor and returns one of its shape; the in-place forms (`inplace=True`, or the
# name ending in _) overwrite the input through Tensor._inplace, which records the same node.
def _activation(name: str, input: Tensor, inplace: bool, kernel: str | None,
                op: Callable[[Tensor], Tensor]) -> Tensor:
    """`op(input)`, or written into input when `inplace`, after PyTorch's checks: a tensor, and
    a floating dtype for the kernels (named `kernel`) that have no integer version."""
    if not isinstance(input, Tensor):
        raise argument_error(name + "_" if inplace else name, "input", 1, input)
    if kernel is not None:
        check_floating_kernel(input.dtype, kernel)
    return input._inplace(lambda s, _: op(s), None) if inplace else op(input)


def relu_(input: Tensor) -> Tensor:
    """In-place `relu`."""
    return relu(input, inplace=True)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """y = x where x > threshold, else value;  dy/dx = 1 where x > threshold, else 0."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place `threshold`."""
    return _threshold(input, threshold, value, True)


def _threshold(input: Tensor, bound: float, value: float, inplace: bool) -> Tensor:
    if isinstance(input, Tensor) and input.dtype == dtypes.bool_:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return _activation("threshold", input, inplace, None,
                       lambda x: activations.Threshold.apply1(x, bound, value))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val);  dy/dx = 1 strictly inside the bounds, 0 at and outside them.

    Raises:
        ValueError: min_val > max_val.
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    _check_hardtanh_input(input, min_val, max_val)
    return _activation("hardtanh", input, inplace, None,
                       lambda x: activations.Hardtanh.apply1(x, min_val, max_val))


def _check_hardtanh_input(input: Tensor, min_val: float, max_val: float) -> None:
    """PyTorch's hardtanh has no bool kernel, and no negative limits for unsigned integers."""
    if not isinstance(input, Tensor):
        return  # (refused by _activation, naming the argument)
    if input.dtype == dtypes.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if input.dtype.kind == "u" and (int(min_val) < 0 or int(max_val) < 0):  # (as int64)
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place `hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) = hardtanh(x, 0, 6), with its gradient: 0 at 0 and at 6."""
    _check_hardtanh_input(input, 0, 6)
    return _activation("relu6", input, inplace, None,
                       lambda x: activations.Hardtanh.apply1(x, 0, 6))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x;  dy/dx = 1 where x > 0, else negative_slope."""
    return _activation("leaky_relu", input, inplace, "leaky_relu_cpu",
                       lambda x: activations.LeakyRelu.apply1(x, negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place `leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha (exp(x) - 1);  dy/dx = 1 where x > 0, else alpha exp(x)."""
    return _activation("elu", input, inplace, "elu_cpu",
                       lambda x: activations.Elu.apply1(x, alpha, 1.0, 1.0))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place `elu`."""
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants alpha = 1.6733, scale = 1.0507."""
    return _activation("selu", input, inplace, "elu_cpu",
                       lambda x: activations.Elu.apply1(x, _SELU_ALPHA, _SELU_SCALE, 1.0))


def selu_(input: Tensor) -> Tensor:
    """In-place `selu`."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha (exp(x / alpha) - 1);  dy/dx = 1, else exp(x / alpha).

    Raises:
        RuntimeError: alpha = 0.
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _activation("celu", input, inplace, "elu_cpu",
                       lambda x: activations.Elu.apply1(x, alpha, 1.0, 1.0 / alpha))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place `celu`."""
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x), Phi the standard normal CDF, or its tanh approximation (`approximate='tanh'`);
    the derivatives are in activations.Gelu.

    Raises:
        RuntimeError: approximate other than 'none' and 'tanh'.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _activation("gelu", input, False, "GeluKernelImpl",
                       lambda x: activations.Gelu.apply1(x, approximate))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x);  dy/dx = sigmoid(x) (1 + x (1 - sigmoid(x)))."""
    return _activation("silu", input, inplace, "silu_cpu", activations.Silu.apply1)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)); the derivative is in activations.Mish."""
    return _activation("mish", input, inplace, "mish_cpu", activations.Mish.apply1)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold;
    dy/dx = sigmoid(beta x), 1 where beta x > threshold."""
    return _activation("softplus", input, False, "softplus_cpu",
                       lambda x: activations.Softplus.apply1(x, beta, threshold))


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|), composed as PyTorch does (so a non-tensor fails as there, at `abs`);
    dy/dx = 1 / (1 + |x|)^2."""
    return input / (input.abs() + 1)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6;  dy/dx = 1/6 where -3 < x < 3, else 0."""
    return _activation("hardsigmoid", input, inplace, "hardsigmoid_cpu",
                       activations.Hardsigmoid.apply1)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6;  dy/dx = 0 below -3, x/3 + 1/2 on [-3, 3], 1 above 3."""
    return _activation("hardswish", input, inplace, "hardswish_cpu",
                       activations.Hardswish.apply1)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), without overflow;  dy/dx = 1 - sigmoid(x)."""
    return _activation("log_sigmoid", input, False, "log_sigmoid_cpu",
                       activations.LogSigmoid.apply1)


def tanh(input: Tensor) -> Tensor:
    """tanh(x);  dy/dx = 1 - tanh(x)^2."""
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x));  dy/dx = sigmoid(x) (1 - sigmoid(x))."""
    return input.sigmoid()


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else a x, with one learnt slope a per channel (dim 1 of the input), or a
    single one: composed as where(x > 0, x, a x), so dy/dx = 1 where x > 0, else a, and
    dy/da = x where x <= 0, else 0, summed over everything but the channel.

    Raises:
        TypeError: an input or weight that is not a tensor.
        RuntimeError: a weight that is not 0-d or 1-d, or whose size is neither 1 nor the
            number of channels, or a 0-d input with more than one slope.
    """
    if not isinstance(input, Tensor):
        raise argument_error("prelu", "input", 1, input)
    if not isinstance(weight, Tensor):
        raise argument_error("prelu", "weight", 2, weight)
    slopes = weight.numel()
    if slopes != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input._data.shape[1] if input.ndim >= 2 else 1
        if slopes != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers "
                f"= {slopes} and channel size = {channels}."
            )
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if slopes != 1:
        weight = weight.reshape(-1, *[1] * (input.ndim - 2))
    return where(input > 0, input, weight * input)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T A_k x2 + b_k over the last dims: input1 (*, in1), input2 (*, in2), weight
    (out, in1, in2), bias (out,) give y (*, out). Composed as an einsum, whose backward gives
    dL/dx1 = sum_k g_k A_k x2, dL/dx2 = sum_k g_k A_k^T x1, dL/dA_k = sum g_k x1 x2^T.

    Raises:
        RuntimeError: inputs of different ndim or leading dims, last dims that do not fit the
            weight, or a bias whose first dim is not out (checked in this order, as PyTorch).
    """
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for d, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1], strict=True)):
        if a != b:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {d}: got {a} and {b}")
    for i, (x, size) in enumerate(((input1, weight.shape[1]), (input2, weight.shape[2])), 1):
        if x.shape[-1] != size:
            raise RuntimeError(f"bilinear(): input{i} size does not match weight size: got "
                               f"{x.shape[-1]} but expected {size}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0]} but expected {weight.shape[0]}")
    output = einsum("...i,kij,...j->...k", input1, weight, input2)
    return output if bias is None else output + bias


# ---------------------------------------------------------------------- normalization, embedding
def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the last len(normalized_shape) dims: y = (x - mean) / sqrt(var + eps)
    * weight + bias, with the biased variance. One node, LayerNorm
    (minigrad/functions/normalization.py), whose docstring gives the derivative.

    Raises:
        RuntimeError: an input whose trailing dims are not normalized_shape, a weight or bias
            of another shape, or of another dtype (float16 inputs take float32 ones too).
        NotImplementedError: an integer input.
        TypeError: a normalized_shape that is not a tuple or list of ints.
    """
    if not isinstance(normalized_shape, (tuple, list)):  # (an int too: nn.LayerNorm takes one)
        raise argument_error("layer_norm", "normalized_shape", 2, normalized_shape,
                             "tuple of ints")
    bad = next((i for i, n in enumerate(normalized_shape)
                if not isinstance(n, (int, np.integer))), None)
    if bad is not None:  # (PyTorch's parser words the first element and the others apart)
        kind = type(normalized_shape[bad]).__name__
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' " + (
                f"(position 2) must be tuple of ints, but found element of type {kind} at pos 0"
                if bad == 0 else f'failed to unpack the object at pos {bad + 1} with error "type '
                f'must be tuple of ints,but got {kind}"'))
    shape = tuple(int(n) for n in normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(p.shape)} and normalized_shape = {list(shape)}")
    check_floating_kernel(input.dtype, "LayerNormKernelImpl")
    for p in (weight, bias):
        if p is not None and p.dtype != input.dtype:
            if p.dtype != dtypes.float32:
                raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of "
                                   "Float")
            if input.dtype != dtypes.float16:
                raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    size = math.prod(shape)
    rows = input.reshape(math.prod(input.shape[:input.ndim - k]), size)
    flat = [None if p is None else p.reshape(size) for p in (weight, bias)]
    return normalization.LayerNorm.apply(rows, *flat, eps).reshape(input.shape)


def _normalize(input: Tensor, dims: tuple[int, ...], eps: float, saved: dtypes.dtype) -> Tensor:
    """(x - mean) / sqrt(var + eps) over `dims`, with the biased variance. The mean and
    1/sqrt(var + eps) are rounded to the `saved` dtype, as PyTorch's kernel saves them (float16
    for a float16 input and parameters); the gradient passes through them as if unrounded."""
    mean = input.mean(dims, keepdim=True)
    invstd = (input.var(dims, unbiased=False, keepdim=True) + eps).rsqrt()
    if saved != input.dtype:
        mean, invstd = (t + (t.detach().to(saved).to(input.dtype) - t.detach())
                        for t in (mean, invstd))
    return (input - mean) * invstd


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) over the batch and any dims after the channel.

    In training, the statistics are the batch's (biased variance, differentiated through), and
    the running ones, if given, move towards them without a gradient:
    running = (1 - momentum) running + momentum batch, with the unbiased variance for
    running_var. Otherwise the running statistics are used, as constants. A float16 input is
    normalized in float32 and rounded once, as PyTorch's kernel does.

    Raises:
        ValueError: training with a single value per channel, or with one running statistic
            but not the other; an eps below 0 (or 0, in training).
        RuntimeError: a running statistic missing in evaluation, or one, a weight or a bias of
            the wrong size; parameters of another dtype than the input (float16 inputs take
            float32 ones too).
        IndexError: an input of fewer than 2 dims.
        NotImplementedError: an integer input.
    """
    if training and input.shape[0] * math.prod(input.shape[2:]) == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input "
                         f"size {input.shape}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.numel() == 0:  # PyTorch returns here, before any other check
        output = input.clone() if weight is None else input * weight.select(0, 0)
        return output if bias is None else output + bias.select(0, 0)
    channels = input.shape[1] if input.ndim > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
        if t is None and not training and name.startswith("running"):
            raise RuntimeError(f"{name} must be defined in evaluation mode")
    check_dim(1, input.ndim)
    if training and (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be "
                         "None")
    check_floating_kernel(input.dtype, "batch_norm")
    stats = (running_mean, running_var)
    _check_batch_norm_dtypes(input, weight, bias, *stats, training=training)
    # A float16 input is normalized in float32; the batch's statistics are saved in the
    # parameters' dtype (the input's when there are none).
    saved = next((p.dtype for p in (weight, bias, *stats) if p is not None), input.dtype)
    work = dtypes.float32 if input.dtype == dtypes.float16 else input.dtype
    x = input.to(work)
    dims = (0, *range(2, input.ndim))
    shape = (channels, *[1] * (input.ndim - 2))  # broadcasts a per-channel vector over dims
    if training:
        output = _normalize(x, dims, eps, saved)
        with no_grad():  # (written into their arrays, as PyTorch's kernel does: no version)
            if running_mean is not None:
                running_mean._data[...] = (running_mean.to(work) * (1 - momentum)
                                           + x.mean(dims) * momentum)._data
            if running_var is not None:
                running_var._data[...] = (running_var.to(work) * (1 - momentum)
                                          + x.var(dims) * momentum)._data
    else:
        assert running_mean is not None and running_var is not None  # (checked above)
        output = ((x - running_mean.detach().to(work).reshape(shape))
                  * (running_var.detach().to(work).reshape(shape) + eps).rsqrt())
    if weight is not None:
        output = output * weight.to(work).reshape(shape)
    if bias is not None:
        output = output + bias.to(work).reshape(shape)
    return output.to(input.dtype)


def _check_batch_norm_dtypes(input: Tensor, *params: Tensor | None, training: bool) -> None:
    """PyTorch's rule for (weight, bias, running_mean, running_var): all of the input's dtype,
    or all float32 (for a float16 input only), as the first one given decides. A stray dtype
    among the input's is named in the order the kernel reads them: in training, the running
    statistics first."""
    given = [p.dtype for p in (params[2:] + params[:2] if training else params) if p is not None]
    if not given:
        return
    if next(p.dtype for p in params if p is not None) == input.dtype:
        for dtype in given:
            if dtype != input.dtype:
                raise RuntimeError(f"expected scalar type {scalar_type(input.dtype)} but found "
                                   f"{scalar_type(dtype)}")
        return
    if any(dtype != dtypes.float32 for dtype in given):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if input.dtype != dtypes.float16:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of `weight` picked by the integer `input`: y[..., :] = weight[input[...], :].

    dL/dweight[i] is the sum of the gradients of the outputs that picked row i (with
    `scale_grad_by_freq`, each divided by the number of times `input` picks row i); the row
    `padding_idx` gets none. With `max_norm`, the picked rows whose norm exceeds it are first
    scaled down in place (without a gradient) to norm max_norm, as PyTorch's embedding_renorm_.

    Raises:
        AssertionError: a padding_idx out of range (PyTorch asserts it).
        RuntimeError: indices that are not integers.
        IndexError: an index out of range.
    """
    rows = weight._data.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx += rows
    if sparse:
        raise NotImplementedError("embedding: sparse=True makes a sparse gradient in PyTorch, "
                                  "and minigrad has no sparse tensors")
    if input._data.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)")
    if input.numel() and (input._data.min() < 0 or input._data.max() >= rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with no_grad():
            picked = np.unique(input._data)
            norms = np.linalg.norm(weight._data[picked], ord=norm_type, axis=1, keepdims=True)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1)
            weight[from_numpy(picked)] = from_numpy(
                (weight._data[picked] * scale).astype(weight._data.dtype))
    if padding_idx is not None and weight.requires_grad:
        # The padding row's values are used, but as a constant: it receives no gradient.
        is_padding = from_numpy((np.arange(rows) == padding_idx).reshape(-1, 1))
        weight = where(is_padding, weight.detach(), weight)
    looked_up = weight[input]
    if scale_grad_by_freq and looked_up.requires_grad:
        counts = np.bincount(input._data.ravel(), minlength=rows)
        share = (1 / counts[input._data])[..., None].astype(weight._data.dtype)
        looked_up = layers.ScaleGradient.apply(looked_up, share)
    return looked_up


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the kept
    ones by 1/(1-p), so the expected value is unchanged and evaluation needs no rescaling.

    y = x * m with m_i = 1/(1-p) (probability 1-p) or 0 (probability p), drawn from minigrad's
    generator (`manual_seed` makes it reproducible); dy/dx = m.

    When not training, or p = 0, the input itself is returned. With p = 1 the result is x * 0,
    so inf and nan inputs stay visible as nan.

    Raises:
        ValueError: p outside [0, 1] (checked even when not training).
        TypeError: an input that is not a tensor (also checked when not training).
        RuntimeError: p nan (also checked when not training).
        RuntimeError: an integer input in training with 0 < p < 1.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not isinstance(input, Tensor):
        raise argument_error("dropout_" if inplace else "dropout", "input", 1, input)
    if p != p:  # nan passed the range check above (checked even when not training)
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type "
            f"{scalar_type(input.dtype)}"
        )
    keep = default_generator._bernoulli(input._data.size, 1 - p).reshape(input._data.shape)
    # 1 / (1-p) computed in the input's dtype, as PyTorch does, so kept values agree bit for bit.
    scale = input.dtype.type(1) / input.dtype.type(1 - p)
    mask = from_numpy(np.where(keep, scale, input.dtype.type(0)))
    return input.mul_(mask) if inplace else input * mask


def _implicit_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: np.dtype | None = None
) -> Tensor:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along `dim`;
    vector-Jacobian product: y * (g - sum(g * y)).

    `dtype` casts the input first. Without `dim`, PyTorch's deprecated guess is used (dim 0
    for 0-, 1- and 3-d inputs, else 1) with a UserWarning.
    """
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _implicit_softmax_dim("softmax", input.ndim, _stacklevel)
    return input.softmax(dim)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: np.dtype | None = None
) -> Tensor:
    """log_softmax(x)_i = x_i - log sum_j exp(x_j) along `dim` (computed without overflow);
    vector-Jacobian product: g - softmax(x) * sum(g).

    `dim` and `dtype` behave as in `softmax`.
    """
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _implicit_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return input.log_softmax(dim)


# ---------------------------------------------------------------------- losses
# The files between a user's call of a loss and the warning of `_legacy_reduction`.
_LOSS_FILES = (__file__, os.path.join(os.path.dirname(__file__), "modules", "loss.py"))


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The reduction meant by the deprecated `size_average` and `reduce` flags."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{reduction}' instead.",
        stacklevel=stacklevel_outside(*_LOSS_FILES),
    )
    return reduction


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction a loss call asks for, checked when the loss is computed (loss modules
    accept anything at construction, as in PyTorch)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            stacklevel=3,
        )
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(losses: Tensor, reduction: str, total_weight: np.floating | None = None) -> Tensor:
    """Apply a checked reduction: 'none' keeps the per-element losses, 'sum' adds them up and
    'mean' averages them, or divides their sum by `total_weight` for a weighted average."""
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.mean() if total_weight is None else losses.sum() / total_weight


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Squared error l_i = (x_i - y_i)^2 after broadcasting x and y, then the reduction:
    'mean' (over the broadcast elements), 'sum' or 'none'.

    dl_i/dx_i = 2 (x_i - y_i) and dl_i/dy_i = -2 (x_i - y_i), summed back over broadcast dims
    and divided by the number of elements for 'mean'.

    Shapes that differ warn (broadcasting a (N, 1) prediction against a (N,) target is a
    classic bug) and then broadcast.
    """
    x, y = input._data, target._data
    if y.shape != x.shape:
        warnings.warn(
            f"Using a target size ({torch_size(target.shape)}) that is different to the input "
            f"size ({torch_size(input.shape)}). This will likely lead to incorrect results due "
            "to broadcasting. Please ensure they have the same size.",
            stacklevel=2,
        )
    if not (dtypes.is_floating(x.dtype) or dtypes.is_floating(y.dtype)):
        raise NotImplementedError(
            f"\"mse_cpu\" not implemented for '{scalar_type(input.dtype)}'"
        )
    if (y.shape == x.shape and x.dtype == y.dtype and x.dtype.kind == "f"
            and x.size and reduction in ("mean", "sum")
            and size_average is None and reduce is None):
        return layers.MseLoss.apply(input, target, reduction == "mean")  # the plain case
    squared_errors = (input - target) ** 2  # shapes that do not broadcast fail here, first
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce(squared_errors, reduction)


def _check_label_smoothing(label_smoothing: float) -> None:
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _check_class_targets(input: Tensor, target: Tensor, weight: Tensor | None) -> Tensor:
    """Validate class-index targets against log-probabilities `input`, in PyTorch's order.
    Returns the target, a (1,) target of an unbatched input made 0-d."""
    if weight is not None and weight.requires_grad:
        raise RuntimeError(
            "The function 'nll_loss_forward' is not differentiable with respect to argument "
            "'weight'. This input cannot have requires_grad True."
        )
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 1 and target.ndim == 1:
        if target.shape[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: "
                f"{target.shape[0]}"
            )
        target = target.reshape(())
    if input.ndim > 1:
        target_batch = target.shape[0] if target.ndim else 0  # how PyTorch reports a 0-d one
        if input.shape[0] != target_batch:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                f"({target_batch})."
            )
    if input.ndim <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif target.shape != (input.shape[0], *input.shape[2:]):
        raise RuntimeError(
            f"Expected target size {[input.shape[0], *input.shape[2:]]}, "
            f"got {list(target.shape)}"
        )
    if target.dtype not in (dtypes.int64, dtypes.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {scalar_type(target.dtype)}"
        )
    classes = input.shape[1 if input.ndim > 1 else 0]
    if weight is not None:
        if weight.ndim != 1 or weight.numel() != classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} classes or no "
                f"classes but got weight tensor of shape: {list(weight.shape)}"
            )
        if weight.dtype != input.dtype:
            raise RuntimeError(
                f"expected scalar type {scalar_type(input.dtype)} but found "
                f"{scalar_type(weight.dtype)}"
            )
    return target


def _class_index_losses(
    logp: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, smoothing: bool,
) -> tuple[Tensor, Tensor | None, np.floating]:
    """The per-position losses of class-index targets, l_i = -w[y_i] logp[i, y_i]; if
    `smoothing`, the per-position smoothing terms s_i = -sum_c w[c] logp[i, c] too (else None);
    and the total weight a mean divides both by, sum_i w[y_i] over the positions that are not
    ignored. Ignored positions give 0 in l and s.
    """
    target = _check_class_targets(logp, target, weight)
    if not dtypes.is_floating(logp.dtype):
        raise NotImplementedError(
            f"\"nll_loss_out_frame\" not implemented for '{scalar_type(logp.dtype)}'")
    class_dim = 1 if logp.ndim > 1 else 0
    classes = logp.shape[class_dim]
    labels = target._data
    kept = labels != ignore_index
    out_of_range = kept & ((labels < 0) | (labels >= classes))
    if out_of_range.any():
        raise IndexError(f"Target {labels[out_of_range].flat[0]} is out of bounds.")
    labels = np.where(kept, labels, 0)  # any valid class at ignored positions, masked below
    class_weight = np.ones(classes, logp.dtype) if weight is None else weight._data
    target_weight = np.where(kept, class_weight[labels], 0).astype(logp.dtype)

    # logp[i, y_i] (logp[i, y_i, d1, ...] for K-d inputs): index the class dim with the labels
    # and every other dim with its own position.
    index: list[np.ndarray] = list(np.indices(labels.shape))
    index.insert(class_dim, labels)
    # `where` rather than a multiplication by 0, so that a -inf at an ignored position does not
    # turn into nan; the weights negated first, so that an ignored position's loss is 0, not -0.
    losses = where(kept, logp[tuple(index)], 0.0) * np.where(kept, -target_weight, 0)
    smooth = None
    if smoothing:
        shape = [1] * logp.ndim
        shape[class_dim] = classes
        smooth = where(kept, -(logp * class_weight.reshape(shape)).sum(class_dim), 0.0)
    return losses, smooth, target_weight.sum()


def _class_probability_losses(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
    label_smoothing: float, class_dim: int, reduction: str,
) -> Tensor:
    """Losses l_i = -sum_c w[c] p[i, c] logp[i, c] for class-probability targets p (smoothed
    to (1-ε) p + ε/C), reduced; their mean is a plain one, over the positions.
    The target gets a gradient too: dl_i/dp[i, c] = -(1-ε) w[c] logp[i, c]."""
    if not dtypes.is_floating(target.dtype):
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{scalar_type(target.dtype)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    _check_label_smoothing(label_smoothing)
    classes = input.size(class_dim)  # (a 0-d input has no class dim 1: PyTorch's IndexError)
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {classes} classes "
            f"or no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    logp = log_softmax(input, class_dim)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = logp * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = classes
        terms = terms * weight.reshape(shape)
    if reduction == "none":
        return -terms.sum(class_dim)
    # As PyTorch: negated after the whole sum (an all-zero sum gives -0), and a mean over no
    # elements, even with positions but no classes, is nan.
    loss = -terms.sum()
    if reduction == "sum":
        return loss
    return loss / (terms.numel() // classes if terms.numel() else 0)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices, given log-probabilities.

    input (N, C), (N, C, d1, ...) or unbatched (C,); target (N,), (N, d1, ...) or () holding
    class indices (int64 or uint8). l_i = -w[y_i] input[i, y_i], and 0 where
    y_i == ignore_index. 'mean' divides the sum by sum_i w[y_i] over the positions that are not
    ignored (their count when there is no weight), so it is a weighted average.

    dl_i/d input[i, c] = -w[y_i] for c = y_i, else 0.

    Raises:
        IndexError: a target outside [0, C) that is not ignore_index.
        ValueError, RuntimeError: shapes, dtypes or a weight that do not fit, as PyTorch.
    """
    reduction = _reduction(size_average, reduce, reduction)
    losses, _, total_weight = _class_index_losses(input, target, weight, ignore_index, False)
    return _reduce(losses, reduction, total_weight)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits `input` (N, C), (N, C, d1, ...) or (C,): log_softmax over the
    class dim, then the negative log-likelihood of the target.

    Two kinds of target:

    * class indices, shaped like input without the class dim: the loss of `nll_loss`; with
      label smoothing ε > 0, l_i = (1-ε)(-w[y_i] logp[i, y_i]) + (ε/C)(-sum_c w[c] logp[i, c]).
      'mean' divides by sum_i w[y_i] over the positions that are not ignored.
    * class probabilities p, shaped like input (floating point): l_i = -sum_c w[c] p'[i, c]
      logp[i, c] with p' = (1-ε) p + ε/C; 'mean' divides by the number of positions N·d1·...,
      with or without a weight.

    Writing l_i = -sum_c q[i, c] logp[i, c], the gradient is
    dl_i/dx[i, c] = softmax(x_i)[c] · sum_k q[i, k] - q[i, c]; for plain class indices without
    weight that is softmax(x_i) - onehot(y_i).

    log_softmax subtracts the max logit before exponentiating, so huge logits do not overflow.

    Raises:
        IndexError: a class index outside [0, C) that is not ignore_index.
        ValueError: an unknown reduction, or batch sizes that differ.
        RuntimeError: target shape or dtype, weight, label_smoothing > 1, or ignore_index >= 0
            with probability targets.
    """
    reduction = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if input.shape == target.shape:
        return _class_probability_losses(
            input, target, weight, ignore_index, label_smoothing, class_dim, reduction
        )
    _check_label_smoothing(label_smoothing)
    smoothing = label_smoothing > 0  # a negative label_smoothing means none, as in PyTorch
    if (reduction != "none" and weight is None and not smoothing and input.ndim == 2
            and input.dtype.kind == "f" and target.ndim == 1 and target.dtype == dtypes.int64
            and 0 < input.shape[0] == target.shape[0]
            and not 0 <= ignore_index < input.shape[1]):
        labels = target._data
        if labels.min() >= 0 and labels.max() < input.shape[1]:
            # The plain case, as one node (the general path below gives the same numbers).
            return layers.CrossEntropy.apply(input, labels, reduction == "mean")
    losses, smooth, total_weight = _class_index_losses(
        log_softmax(input, class_dim), target, weight, ignore_index, smoothing
    )
    loss = _reduce(losses, reduction, total_weight)
    if smooth is None:
        return loss
    # Each part is reduced on its own, then mixed: a zero total weight gives nan, not inf.
    classes = input.shape[class_dim]
    return (1 - label_smoothing) * loss + (label_smoothing / classes) * _reduce(
        smooth, reduction, total_weight
    )



# ---------------------------------------------------------------------- more losses
# Each is written as PyTorch's ATen writes it, from engine operations (so the engine
# differentiates it), except binary cross-entropy: two nodes of functions/layers.py.

def _warn_if_shapes_differ(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({torch_size(target.shape)}) that is different to the input "
            f"size ({torch_size(input.shape)}). This will likely lead to incorrect results due "
            "to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


def l1_loss(
    input: Tensor, target: Tensor, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """Absolute error l_i = |x_i - y_i| after broadcasting, then the reduction.

    dl_i/dx_i = sign(x_i - y_i) (0 where they are equal) and dl_i/dy_i = -sign(x_i - y_i).
    Different shapes warn, as in `mse_loss`.
    """
    _warn_if_shapes_differ(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0,
) -> Tensor:
    """With d = x - y: l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta
    (beta = 0 is `l1_loss`).

    dl/dx = d / beta inside, sign(d) outside; the two agree at |d| = beta.

    Raises:
        RuntimeError: a negative beta, or an integer input.
    """
    _warn_if_shapes_differ(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    diff = input - target
    reduction = _reduction(None, None, reduction)
    if beta == 0.0:
        return _reduce(diff.abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if not dtypes.is_floating(diff.dtype):
        raise NotImplementedError(
            f"\"smooth_l1_cpu\" not implemented for '{scalar_type(diff.dtype)}'"
        )
    distance = diff.abs()
    losses = where(distance < beta, 0.5 * diff * diff / beta, distance - 0.5 * beta)
    return _reduce(losses, reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
) -> Tensor:
    """With d = x - y: l = 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta);
    smooth_l1_loss with beta = delta, times delta.

    dl/dx = d inside, delta sign(d) outside; the two agree at |d| = delta.

    Raises:
        RuntimeError: delta <= 0, or an integer input.
    """
    _warn_if_shapes_differ(input, target)
    diff = input - target
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if not dtypes.is_floating(diff.dtype):
        raise NotImplementedError(
            f"\"huber_cpu\" not implemented for '{scalar_type(diff.dtype)}'"
        )
    distance = diff.abs()
    losses = where(distance < delta, 0.5 * diff * diff, delta * (distance - 0.5 * delta))
    return _reduce(losses, reduction)


def _check_weight_not_requiring_grad(function: str, name: str, weight: Tensor | None) -> None:
    if weight is not None and weight.requires_grad:
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument "
            f"'{name}'. This input cannot have requires_grad True."
        )


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of probabilities x in [0, 1] against targets y:
    l_i = -w_i (y_i log x_i + (1 - y_i) log(1 - x_i)), each log clamped at -100 as in PyTorch,
    so a confident wrong answer costs 100, not inf. One BinaryCrossEntropy node:

        dl/dx = w (x - y) / max(x (1 - x), 1e-12),   dl/dy = w (log(1 - x) - log x)

    `weight` broadcasts to the target's shape. Prefer `binary_cross_entropy_with_logits` on
    logits: it is stable where sigmoid then log is not.

    Raises:
        ValueError: target and input of different shapes, or an unknown reduction.
        RuntimeError: an input outside [0, 1], or dtypes that differ.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({torch_size(target.shape)}) that is different to the input "
            f"size ({torch_size(input.shape)}) is deprecated. Please ensure they have the same "
            "size."
        )
    if weight is not None:
        weight = weight.expand(_broadcast_weight(target.shape, weight.shape))
    _check_weight_not_requiring_grad("binary_cross_entropy", "weight", weight)
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"Found dtype {scalar_type(target.dtype)} but expected {scalar_type(input.dtype)}"
        )
    if not dtypes.is_floating(input.dtype):
        raise NotImplementedError(
            f"\"binary_cross_entropy\" not implemented for '{scalar_type(input.dtype)}'"
        )
    x = input._data
    if ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:  # PyTorch's kernel multiplies the loss by the weight in place
        check_inplace_shape(input.shape, weight.shape)
    return _reduce(layers.BinaryCrossEntropy.apply(input, target, weight), reduction)


def _broadcast_weight(target: tuple[int, ...], weight: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of target and weight broadcast, with torch.broadcast_shapes' message if they
    do not (naming the shape broadcast so far)."""
    common = [1] * (len(weight) - len(target)) + list(target)
    for i in range(-1, -1 - len(weight), -1):
        if common[i] == 1:
            common[i] = weight[i]
        elif weight[i] not in (1, common[i]):
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {weight[i]} at {i}! Mismatching "
                f"argument at index 1 had {torch_size(weight)}; but expected shape should be "
                f"broadcastable to {common}"
            )
    return tuple(common)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of logits x: sigmoid and log in one stable formula,
    l = w ((1 - y) x - (1 + (p - 1) y) log sigmoid(x)), with log sigmoid(x) =
    min(x, 0) - log1p(exp(-|x|)). `pos_weight` p (broadcast along the last, class, dim) weighs
    the positive examples; `weight` w weighs each element. One BinaryCrossEntropyWithLogits node:

        dl/dx = w ((p y + 1 - y) sigmoid(x) - p y)     (w (sigmoid(x) - y) without p)
        dl/dy = w (-x - (p - 1) log sigmoid(x))

    Raises:
        ValueError: target and input of different shapes, or an unknown reduction.
        RuntimeError: weights that do not broadcast, or a weight that requires grad.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({torch_size(target.shape)}) must be the same as input size "
            f"({torch_size(input.shape)})"
        )
    _check_weight_not_requiring_grad("binary_cross_entropy_with_logits", "weight", weight)
    _check_weight_not_requiring_grad("binary_cross_entropy_with_logits", "pos_weight",
                                     pos_weight)
    # PyTorch's steps, whose errors come in this order: log σ(x), multiplied in place by
    # (p - 1) y + 1; the loss (1 - y) multiplied in place by x, so in y's dtype (its 1 - y is
    # a tensor like y filled with 1, minus y); the loss multiplied in place by w.
    check_floating_kernel(input.dtype, "log_sigmoid_cpu")
    if pos_weight is not None:
        check_subtractable(pos_weight, 1)
        _check_in_place_factor(input.shape, pos_weight.shape, target.shape)
    check_subtractable(target, target)
    check_inplace_dtype(target.dtype, input.dtype)
    if weight is not None:
        _check_in_place_factor(input.shape, input.shape, weight.shape)
    return _reduce(layers.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight),
                   reduction)


def _check_in_place_factor(shape: tuple[int, ...], a: tuple[int, ...],
                           b: tuple[int, ...]) -> None:
    """PyTorch's errors for a loss of `shape` multiplied in place by a factor that broadcasts
    operands of shapes a and b: they do not broadcast, or they broadcast past the loss."""
    error = broadcast_error(a, b)
    if error:
        raise RuntimeError(str(error).split(" (shapes")[0])  # PyTorch's names no shapes
    check_inplace_shape(shape, np.broadcast_shapes(a, b))


def kl_div(
    input: Tensor, target: Tensor, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean", log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence of the target distribution from the input, both given per
    element: input as log-probabilities x, target as probabilities y (or log-probabilities
    if `log_target`): l = y (log y - x), with 0 log 0 = 0 (l = e^y (y - x) if log_target).

    dl/dx = -y (-e^y);  dl/dy = log y + 1 - x (e^y (y + 1 - x)).

    'batchmean' divides the sum by the batch size input.size(0): the KL divergence of the math
    definition. 'mean' divides by the number of elements and warns that it will change.
    """
    # 'batchmean' divides by the batch size even what the deprecated flags reduced, as PyTorch.
    batchmean = reduction == "batchmean"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            stacklevel=2,
        )
    elif batchmean:
        reduction = "sum"
    reduction = _reduction(None, None, reduction)
    if not (dtypes.is_floating(input.dtype) and dtypes.is_floating(target.dtype)):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        losses = target.exp() * (target - input)
    else:
        losses = target.xlogy(target) - target * input
    loss = _reduce(losses, reduction)
    return loss / input.shape[0] if batchmean and input.ndim else loss


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
    size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of target counts y under a Poisson distribution of rate
    exp(x) (`log_input`, the default): l = exp(x) - y x, or of rate x: l = x - y log(x + eps).
    `full` adds Stirling's approximation of log(y!), y log y - y + 0.5 log(2 pi y), where y > 1.

    dl/dx = exp(x) - y (1 - y / (x + eps)); dl/dy = -x (-log(x + eps)), plus the Stirling
    term's log y + 1/(2y) where y > 1.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):  # not even 'elementwise_mean', as PyTorch
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        losses = input.exp() - target * input
    else:
        losses = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * np.pi * target).log()
        losses = losses + where(target > 1, stirling, 0.0)
    return _reduce(losses, reduction)


def gaussian_nll_loss(
    input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
    eps: float = 1e-6, reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of the target under a Gaussian of mean x and variance v:
    l = 0.5 (log v + (x - y)^2 / v), plus 0.5 log(2 pi) if `full`. v is clamped below at eps
    without a gradient through the clamp (as PyTorch); v may have one dim fewer than the input,
    or a 1 in one dim (one variance shared along it).

    dl/dx = (x - y) / v,  dl/dy = -(x - y) / v,  dl/dv = 0.5 (1/v - (x - y)^2 / v^2).

    Raises:
        ValueError: a negative variance, a variance of incorrect size, an unknown reduction.
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * Tensor._make(np.ones(input._data.shape, input._data.dtype))
    elif (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim
                  and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # Clamped out of the graph, as PyTorch: the gradient reaches v as if it were never
    # clamped. (Adding the clamp's difference instead would round: v + (eps - v) != eps.)
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    losses = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        losses = losses + 0.5 * float(np.log(2 * np.pi))
    return _reduce(losses, reduction)


def soft_margin_loss(
    input: Tensor, target: Tensor, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss for targets y = 1 or -1: l = log(1 + exp(-y x)).

    dl/dx = -y exp(-y x) / (1 + exp(-y x)). Not differentiable in the target (as PyTorch).
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_weight_not_requiring_grad("soft_margin_loss", "target", target)
    return _reduce((-target * input).exp().log1p(), reduction)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
    size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """Ranking of two inputs, y = 1 when x1 should rank higher, -1 when x2 should:
    l = max(0, -y (x1 - x2) + margin).

    dl/dx1 = -y where -y (x1 - x2) + margin >= 0 (at 0 too, as PyTorch's clamp_min), else 0;
    dl/dx2 = -dl/dx1; dl/dy = -(x1 - x2) there.

    Raises:
        RuntimeError: inputs and target with different numbers of dims.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {torch_size(input1.shape)}, input2: {torch_size(input2.shape)}, "
            f"target: {torch_size(target.shape)} "
        )
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """For distances x and targets y = 1 (similar) or -1 (dissimilar): l = x where y = 1,
    max(0, margin - x) where y = -1 (and their sum where y is neither, as PyTorch).

    dl/dx = 1 where y = 1; -1 where y = -1 and margin - x >= 0 (at 0 too), else 0.
    """
    reduction = _reduction(size_average, reduce, reduction)
    margin_part = where(target != 1, (margin - input).clamp(min=0), 0.0)
    return _reduce(margin_part + where(target != -1, input, 0.0), reduction)



# PyTorch's EPSILON of its loss kernels: the float32 nearest 1e-12, in every dtype.
_EPSILON = float(np.float32(1e-12))


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
    size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """For pairs of vectors (rows of (N, D) inputs, or two (D,) vectors) and targets y = 1
    (similar) or -1 (dissimilar): with cos = x1·x2 / sqrt((|x1|^2 + ε)(|x2|^2 + ε)),
    l = 1 - cos where y = 1 and max(0, cos - margin) where y = -1 (0 for any other y).

    Differentiated by the engine through cos: d cos/dx1 = x2 / (|x1||x2|) - cos x1 / |x1|^2
    (with the ε), times -1 or, where cos - margin >= 0, 1.

    Raises:
        RuntimeError: a target that is not 0-d or 1-d, or inputs not one dim above it.
    """
    reduction = _reduction(size_average, reduce, reduction)
    dim = target.ndim
    if dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != dim + 1 or input2.ndim != dim + 1:
        raise RuntimeError(
            f"{dim}D target tensor expects {dim + 1}D input tensors, but found inputs with "
            f"sizes {list(input1.shape)} and {list(input2.shape)}."
        )
    dot = (input1 * input2).sum(dim)
    squared_norms = ((input1 * input1).sum(dim) + _EPSILON) * ((input2 * input2).sum(dim)
                                                              + _EPSILON)
    cos = dot / squared_norms.sqrt()
    losses = (where(target == 1, 1 - cos, 0.0)
              + where(target == -1, (cos - margin).clamp(min=0), 0.0))
    return _reduce(losses, reduction)


def multi_margin_loss(
    input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
    weight: Tensor | None = None, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss of scores x (N, C) or (C,) against class indices y:
    l_i = sum over j != y_i of w[y_i] max(0, margin - x[i, y_i] + x[i, j])^p / C, p = 1 or 2.

    With z = margin - x[i, y_i] + x[i, j]: dl/dx[i, j] = w p z^(p-1) / C where z > 0 (not at
    z = 0: PyTorch's kernel skips it, so relu, not clamp), and dl/dx[i, y_i] is minus their sum.

    Raises:
        ValueError: p not 1 or 2, a weight that is not 1-D, or an unknown reduction.
        RuntimeError: shapes that do not fit, a target that is not int64, or out of range.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if not ((input.ndim <= 1 and input.numel() != 0)
            or (input.ndim == 2 and input.shape[1] != 0)):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    batch, classes = (1, input.numel()) if input.ndim <= 1 else input.shape
    if target.ndim > 1 or target.numel() != batch:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{batch}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(
            f"inconsistent weight size, expected {classes} but got {list(weight.shape)}"
        )
    if target.dtype != dtypes.int64:
        raise RuntimeError(f"expected scalar type Long but found {scalar_type(target.dtype)}")
    labels = target._data.reshape(batch)
    if ((labels < 0) | (labels >= classes)).any():
        raise RuntimeError("target out of range")
    scores = input.reshape(batch, classes)
    rows = np.arange(batch)
    z = margin - scores[rows, labels].unsqueeze(1) + scores
    hinge = z.relu() if p == 1 else z.relu() ** 2
    others = Tensor._make(labels[:, None] != np.arange(classes))  # j != y_i
    hinge = where(others, hinge, 0.0)
    if weight is not None:
        hinge = hinge * weight[labels].unsqueeze(1)
    losses = hinge.sum(1) / classes
    # One loss per target element: a (1, C) input with a 0-d target gives a 0-d loss.
    return _reduce(losses.reshape(target.shape), reduction)


def triplet_margin_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
    eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """l = max(0, margin + d(a, p) - d(a, n)) over the last dim, with the pairwise distance
    d(x, y) = ||x - y + eps||_p; with `swap`, d(a, n) becomes min(d(a, n), d(p, n)).

    Differentiated by the engine: d/da ||a - p + eps||_p = sign(v) |v|^(p-1) / ||v||_p^(p-1)
    for v = a - p + eps, through the hinge where its argument is >= 0 (at 0 too).

    Raises:
        ValueError: margin <= 0.
        RuntimeError: anchor, positive and negative of different numbers of dims.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )

    def distance(x: Tensor, y: Tensor) -> Tensor:
        return (x - y + eps).norm(p, dim=-1)

    negative_distance = distance(anchor, negative)
    if swap:
        negative_distance = negative_distance.minimum(distance(positive, negative))
    losses = (margin + distance(anchor, positive) - negative_distance).clamp(min=0)
    return _reduce(losses, reduction)


def _ctc_lengths(lengths: Any, name: str) -> np.ndarray:
    """Lengths given as a tensor of integers, or a tuple or list of ints, as an int64 array."""
    if isinstance(lengths, Tensor):
        if lengths.dtype.kind not in "iu":  # (bool is not integral here)
            raise RuntimeError(f"{name} must be integral")
        return lengths.numpy().reshape(-1).astype(np.int64)
    if not isinstance(lengths, (tuple, list)) or not all(map(_is_int, lengths)):
        raise TypeError(f"ctc_loss(): argument '{name}' must be a Tensor or a tuple of ints, "
                        f"not {type(lengths).__name__}")
    return np.array([int(n) for n in lengths], np.int64)


def _is_int(n: Any) -> bool:
    """An int of a tuple of ints, as PyTorch reads one: not a bool, float or str, but a tensor
    of one integral (or bool) element will do."""
    if isinstance(n, Tensor):
        return n.numel() == 1 and n.dtype.kind in "iub"
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool)


def _ctc_labels(targets: Tensor, target_lengths: np.ndarray, batch: int) -> np.ndarray:
    """The targets as an (N, S) array whose row b holds target b in its first target_lengths[b]
    entries, from PyTorch's two layouts: padded (N, S), or all targets concatenated (1-D)."""
    where_ = " (while checking arguments for ctc_loss_allocate_outputs)"
    if not 1 <= targets.ndim <= 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional "
                           f"tensor for argument #2 'targets'{where_}")
    for n in target_lengths:
        if n < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got "
                               f"value {n}{where_}")
    labels = targets.numpy().astype(np.int64)
    longest = int(target_lengths.max(initial=0))
    if targets.ndim == 2:
        if len(labels) != batch or labels.shape[1] < longest:
            expected, dim = (batch, 0) if len(labels) != batch else (f"at least {longest}", 1)
            raise RuntimeError(f"Expected tensor to have size {expected} at dimension {dim}, but "
                               f"got size {labels.shape[dim]} for argument #2 'targets'{where_}")
        return labels
    if len(labels) != target_lengths.sum():
        raise RuntimeError(f"Expected tensor to have size {target_lengths.sum()} at dimension 0, "
                           f"but got size {len(labels)} for argument #2 'targets'{where_}")
    padded = np.zeros((batch, longest), np.int64)
    starts = np.cumsum(target_lengths) - target_lengths
    for b, (start, n) in enumerate(zip(starts, target_lengths, strict=True)):
        padded[b, :n] = labels[start:start + n]
    return padded


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The connectionist temporal classification loss: for each sequence b, minus the log
    probability, under the per-step class log probabilities log_probs[:, b] (T steps), of all
    alignments that read as target b once repeats are merged and blanks removed. One node,
    CTCLoss (minigrad/functions/ctc.py), whose docstring gives the derivative.

    log_probs (T, N, C), or (T, C) for one sequence; targets padded (N, S), or concatenated
    (sum of target_lengths,); the lengths as integer tensors or tuples of ints. 'mean' divides
    each loss by its target length (at least 1), then averages.

    Raises:
        RuntimeError: sizes that do not fit (log_probs not 3-D once batched, lengths not one
            per sequence, negative lengths, an input length over T, targets shorter than their
            lengths), a blank that is no class, a label that is no class, empty log_probs.
        NotImplementedError: log_probs that are not float32 or float64.
    """
    reduction = _reduction(None, None, reduction)
    input_lengths = _ctc_lengths(input_lengths, "input_lengths")
    target_lengths = _ctc_lengths(target_lengths, "target_lengths")
    if log_probs.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            f'"ctc_loss_cpu" not implemented for \'{scalar_type(log_probs.dtype)}\'')
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    batched = log_probs.ndim == 3
    log_probs_3d = log_probs if batched else log_probs.unsqueeze(1)
    if log_probs_3d.ndim != 3:
        raise RuntimeError(
            f"Expected 3-dimensional tensor, but got {log_probs_3d.ndim}-dimensional tensor for "
            "argument #1 'log_probs' (while checking arguments for ctc_loss_allocate_outputs)")
    steps, batch, classes = log_probs_3d.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    for name, lengths in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        if len(lengths) != batch:
            raise RuntimeError(f"{name} must be of size batch_size")
    labels = _ctc_labels(targets, target_lengths, batch)
    for n in input_lengths:
        if not 0 <= n <= steps:
            bound = "at least 0" if n < 0 else f"at most {steps}"
            raise RuntimeError(f"Expected input_lengths to have value {bound}, but got value {n} "
                               "(while checking arguments for ctc_loss_allocate_outputs)")
    used = labels[np.arange(labels.shape[1]) < target_lengths[:, None]]
    if used.size and not (0 <= used.min() and used.max() < classes):
        # (PyTorch does not check, and reads past the row of log probabilities.)
        bad = used[(used < 0) | (used >= classes)][0]
        raise IndexError(f"target {bad} is out of bounds for {classes} classes")
    losses = ctc.CTCLoss.apply(log_probs_3d, labels, input_lengths, target_lengths, blank,
                               zero_infinity)
    if reduction == "mean":
        divisors = np.maximum(target_lengths, 1).astype(log_probs.dtype)
        return (losses / from_numpy(divisors)).mean()
    if reduction == "sum":
        return losses.sum()
    return losses if batched else losses.squeeze(0)


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "ctc_loss",
    "dropout",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "linear",
    "log_softmax",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "relu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "triplet_margin_loss",
]
