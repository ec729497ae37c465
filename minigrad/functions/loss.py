"""Losses fused into one node each, for the plain cases of nn.functional's losses (the
general cases are composed from other operations there). One node instead of a handful makes
a small training step markedly cheaper, and each backward reads like the derivative in its
docstring."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction
from minigrad.functions.reduce import _log_softmax


class MseLoss(ArrayFunction):
    """The mean (or sum) of l_i = (x_i - y_i)^2 over inputs of one shape:

        dL/dx_i = (2/N) (x_i - y_i) g,   dL/dy_i = -dL/dx_i      (2 instead of 2/N for the sum)

    with g the upstream gradient and N the number of elements; the factor 2/N is rounded to
    the dtype first and the products are taken in that order, as PyTorch does. (The name is
    PyTorch's: its graph shows this node as MseLossBackward.)
    """

    @staticmethod
    def forward(ctx, x, y, mean):
        diff = x - y
        total = np.add.reduce(diff * diff, axis=None)
        ctx.save_for_backward(diff)
        ctx.norm = x.dtype.type(2 / diff.size if mean else 2)
        return total / x.dtype.type(diff.size) if mean else total

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        gx = ctx.norm * diff * grad
        return (gx if need_x else None), (-gx if need_y else None), None


class CrossEntropy(ArrayFunction):
    """The mean (or sum) over a batch of l_i = -log softmax(x_i)[y_i], for logits x (N, C) and
    class indices y:   dl_i/dx_i = softmax(x_i) - onehot(y_i)

    This is LogSoftmax followed by picking -logp[i, y_i] and the reduction, fused into one node
    for nn.functional.cross_entropy's plain case (no class weights, no label smoothing, no
    ignored positions). It does the same arithmetic as those nodes, so the numbers are the same.
    """

    @staticmethod
    def forward(ctx, x, labels, mean):
        logp = _log_softmax(x, 1)
        rows = np.arange(len(labels))
        loss = np.add.reduce(-logp[rows, labels], axis=None)
        ctx.save_for_backward(logp, labels)
        ctx.divisor = x.dtype.type(len(labels)) if mean else None
        return loss / ctx.divisor if mean else loss

    @staticmethod
    def backward(ctx, grad):
        logp, labels = ctx.saved_tensors
        per_row = grad / ctx.divisor if ctx.divisor is not None else grad  # dL/dl_i
        out = np.exp(logp) * per_row
        out[np.arange(len(labels)), labels] -= per_row
        return out, None, None
