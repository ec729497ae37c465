"""Whole-layer nodes: a layer or a loss recorded as one graph node, where nn.functional could
record the several engine operations it is made of.

    node           the composition it replaces                  recorded by
    Linear         x @ W.T + b                                  F.linear
    MseLoss        ((x - y) ** 2).mean(), or .sum()             F.mse_loss
    CrossEntropy   -x.log_softmax(1)[range(N), y].mean(),       F.cross_entropy
                   or .sum()
    RNNLayer       h_t = act(x_t @ W_ih.T + b_ih                F._rnn_layer, for nn.RNN
                             + h_{t-1} @ W_hh.T + b_hh)
                   for t = 1 .. L, the h_t stacked

nn.functional records Linear, MseLoss and CrossEntropy only in the plain case (a bias of the
weight's shape, no class weights, ...) and composes every other case from engine operations.
nn.RNN always records RNNLayer; an nn.RNNCell called in a loop records the recurrence step by
step.

Why not always record the composition and let backward() walk it? Speed, first: every engine
node costs microseconds of bookkeeping to record and to walk, and a small training step is
mostly bookkeeping; one node in place of three (Linear, MseLoss), four (CrossEntropy) or
several per time step (RNNLayer) makes it markedly cheaper. Then layout: Linear computes dL/dW
as g^T x, which comes out in W's own (out_features, in_features) layout, as PyTorch computes
it, where the composition computes dL/dW^T and copies its transpose. And memory, for RNNLayer:
one node saves the hidden states, not thousands of node objects.

The price is a second implementation of the same mathematics. So each node is pinned equal to
its composition by one Hypothesis test in tests/test_composite.py (named in its docstring),
which runs the node, the composition in minigrad and PyTorch on the same float64 inputs and
requires the same values and the same gradients from all three, within minigrad.testing's
float64 tolerance (1e-10 relative).
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction
from minigrad.functions.reduce import _log_softmax, _rounded, _total


class Linear(ArrayFunction):
    """y = x W^T + b (nn.Linear) as one node:

        dL/dx = g W,   dL/dW = g^T x,   dL/db = sum of g over the batch

    where g = dL/dy, and x and g are first flattened to matrices (batch, features) when they
    have several leading dims.

    Replaces `x @ W.T + b` (a transpose, a MatMul and an Add). The MatMul of x with W^T would
    give dL/dW^T = x^T g, whose transpose must then be copied; g^T x is W's own layout, as
    PyTorch computes it. Pinned equal to the composition, and to PyTorch, by
    tests/test_composite.py::test_linear_node_equals_x_matmul_w_t_plus_b_and_torch.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        need_x, need_w, _ = ctx.needs_input_grad  # (each gradient needs the other factor only)
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        y = np.matmul(x, weight.T)
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        g = grad.reshape(-1, grad.shape[-1])  # (batch, out_features), batch dims flattened
        gx = np.matmul(grad, weight) if need_x else None
        gw = np.matmul(g.T, x.reshape(-1, x.shape[-1])) if need_w else None
        gb = _rounded(_total(g, (0,), False), g.dtype) if need_b else None
        return gx, gw, gb


class MseLoss(ArrayFunction):
    """The mean (or sum) of l_i = (x_i - y_i)^2 over inputs of one shape:

        dL/dx_i = (2/N) (x_i - y_i) g,   dL/dy_i = -dL/dx_i      (2 instead of 2/N for the sum)

    with g the upstream gradient and N the number of elements; the factor 2/N is rounded to
    the dtype first and the products are taken in that order, as PyTorch does. (The name is
    PyTorch's: its graph shows this node as MseLossBackward.)

    Replaces `((x - y) ** 2).mean()` (or `.sum()`): a Sub, a Pow and a Mean. Pinned equal to
    the composition, and to PyTorch, by
    tests/test_composite.py::test_mse_loss_node_equals_squared_difference_then_mean_or_sum_and_torch.
    """

    @staticmethod
    def forward(ctx, x, y, mean):
        diff = x - y
        total = _total(diff * diff, None, False)  # float16 squares, added up in float32
        ctx.save_for_backward(diff, x, y)  # (x and y only so that changing them is refused)
        ctx.norm = x.dtype.type(2 / diff.size if mean else 2)
        loss = total / total.dtype.type(diff.size) if mean else total
        return _rounded(loss, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        diff, _, _ = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        gx = ctx.norm * diff * grad
        return (gx if need_x else None), (-gx if need_y else None), None


class CrossEntropy(ArrayFunction):
    """The mean (or sum) over a batch of l_i = -log softmax(x_i)[y_i], for logits x (N, C) and
    class indices y:   dl_i/dx_i = softmax(x_i) - onehot(y_i)

    Replaces `-x.log_softmax(1)[range(N), y]` then `.mean()` (or `.sum()`): a LogSoftmax, an
    Index, a Neg and the reduction, for nn.functional.cross_entropy's plain case (no class
    weights, no label smoothing, no ignored positions). It does the same arithmetic as those
    nodes, so the numbers are the same. Pinned equal to the composition, and to PyTorch, by
    tests/test_composite.py::test_cross_entropy_node_equals_picked_negative_log_softmax_and_torch.
    """

    @staticmethod
    def forward(ctx, x, labels, mean):
        logp = _log_softmax(x, 1)
        rows = np.arange(len(labels))
        loss = _total(-logp[rows, labels], None, False)
        ctx.save_for_backward(logp, labels)
        ctx.divisor = x.dtype.type(len(labels)) if mean else None
        loss = loss / loss.dtype.type(len(labels)) if mean else loss
        return _rounded(loss, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        logp, labels = ctx.saved_tensors
        per_row = grad / ctx.divisor if ctx.divisor is not None else grad  # dL/dl_i
        out = np.exp(logp) * per_row
        out[np.arange(len(labels)), labels] -= per_row
        return out, None, None


class RNNLayer(ArrayFunction):
    """output = RNNLayer.apply(x, h_0, W_ih, W_hh, b_ih, b_hh, nonlinearity): one layer of an
    Elman RNN over a whole sequence.

    x (L, N, in); h_0 (N, H), or None for zeros; W_ih (H, in); W_hh (H, H); b_ih and b_hh
    (H,), or both None; nonlinearity "tanh" or "relu" (act below). The forward pass is the
    recurrence

        a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        h_t = act(a_t)                                            for t = 1 .. L

    and the output is h_1 .. h_L, shaped (L, N, H). Its backward pass is backpropagation
    through time. With g_t the upstream gradient of h_t (the output's gradient, row t-1), walk
    back from t = L to 1:

        dh_t = g_t + da_{t+1} W_hh       (just g_L at t = L: no later step uses h_L)
        da_t = dh_t * act'(a_t)          tanh'(a_t) = 1 - h_t^2,   relu'(a_t) = [h_t > 0]

    Then the initial state's gradient is dh_0 = da_1 W_hh, and every other gradient is a sum
    over the steps of what each contributes:

        dx_t = da_t W_ih,   dW_ih = sum_t da_t^T x_t,   dW_hh = sum_t da_t^T h_{t-1},
        db_ih = db_hh = the sum over t and over the batch of da_t.

    Replaces the unrolled recurrence: the formula for a_t and the activation, step after step
    in engine operations, then a Stack of the L hidden states. An RNNCell called in a loop
    records five nodes a step (an Index, two Linears, an Add, the activation), and a 1000-step
    sequence spent most of its time recording and walking those 5000 nodes; here a step is
    three NumPy calls forward and three backward, and what does not depend on the previous step
    is batched into single matrix products: the input's part of every a_t before the loop, dx
    and the weight gradients after it. The unrolled graph also held thousands of node objects,
    one array per step and a stacked copy of the outputs until backward; this node saves only
    the input, the hidden states (its output) and the weights. Pinned equal to the composition,
    and to PyTorch, by
    tests/test_composite.py::test_rnn_layer_node_equals_the_unrolled_recurrence_and_torch.
    """

    @staticmethod
    def forward(ctx, x, h_0, w_ih, w_hh, b_ih, b_hh, nonlinearity):
        length, batch, inputs = x.shape
        hidden = w_hh.shape[0]
        hs = np.empty((length + 1, batch, hidden), x.dtype)  # hs[t] = h_t, t = 0 .. L
        hs[0] = 0 if h_0 is None else h_0
        # First x_t W_ih^T + b_ih + b_hh into every hs[t], t >= 1, in one matrix product (no
        # step waits for another there). The reshapes are views; x_flat is a copy only when x
        # is not contiguous, as when it is transposed from batch_first.
        x_flat = x.reshape(length * batch, inputs)
        np.matmul(x_flat, w_ih.T, out=hs[1:].reshape(length * batch, hidden))
        if b_ih is not None:
            hs[1:] += b_ih + b_hh
        # Then the recurrence, in place. np.dot rather than @: for 2-D arrays both call the
        # same BLAS product, but np.dot's call costs about half a microsecond less, at every
        # step. W_hh^T is copied once into a contiguous array, which BLAS reads a little faster.
        w_hh_t = np.ascontiguousarray(w_hh.T)
        for t in range(1, length + 1):
            a = hs[t]
            a += np.dot(hs[t - 1], w_hh_t)
            if nonlinearity == "tanh":
                np.tanh(a, out=a)
            else:
                np.maximum(a, 0, out=a)
        ctx.nonlinearity, ctx.x_shape = nonlinearity, x.shape
        ctx.save_for_backward(x_flat, hs, w_ih, w_hh)
        return hs[1:]

    @staticmethod
    def backward(ctx, grad):
        x_flat, hs, w_ih, w_hh = ctx.saved_tensors
        need_x, need_h_0, need_w_ih, need_w_hh, need_b_ih, need_b_hh = ctx.needs_input_grad[:6]
        length, batch, hidden = grad.shape
        # d_a[t - 1] becomes da_t. For tanh it starts as act'(a_t) for every t at once, and the
        # loop multiplies dh_t in. For relu it starts at 0 and the loop copies dh_t where
        # h_t > 0: multiplying by a 0/1 mask would turn an inf in dh_t into nan (inf * 0). A
        # nan h_t passes its gradient on, as in PyTorch.
        h = hs[1:]
        if ctx.nonlinearity == "tanh":
            d_a = np.multiply(h, h)
            np.subtract(1, d_a, out=d_a)
        else:
            d_a = np.zeros_like(h)
            alive = ~(h <= 0)
        dh = np.zeros_like(hs[0])  # da_{t+1} W_hh: the gradient reaching h_t through step t+1
        for t in range(length, 0, -1):
            dh += grad[t - 1]  # dh_t; dh is this backward's own array, so in place is safe
            if ctx.nonlinearity == "tanh":
                d_a[t - 1] *= dh
            else:
                np.copyto(d_a[t - 1], dh, where=alive[t - 1])
            dh = np.dot(d_a[t - 1], w_hh)  # np.dot: see forward

        # dh is now dh_0. Each sum over t is one matrix product over the (t, batch) rows.
        d_flat = d_a.reshape(length * batch, hidden)
        gx = (d_flat @ w_ih).reshape(ctx.x_shape) if need_x else None
        gh_0 = dh if need_h_0 else None
        gw_ih = d_flat.T @ x_flat if need_w_ih else None
        gw_hh = d_flat.T @ hs[:-1].reshape(length * batch, hidden) if need_w_hh else None
        need_b = need_b_ih or need_b_hh
        gb = _rounded(_total(d_flat, (0,), False), d_flat.dtype) if need_b else None
        gb_ih = gb if need_b_ih else None
        # Two arrays, not one shared: a hook, or whoever autograd.grad returns them to, may
        # change one in place.
        gb_hh = (gb.copy() if need_b_ih else gb) if need_b_hh else None
        return gx, gh_0, gw_ih, gw_hh, gb_ih, gb_hh


# Binary cross-entropy is one node, not a composition: PyTorch's gradients at probabilities of
# exactly 0 or 1 (and at logits of exactly 0) come from its own backward formulas, not from the
# chain rule through a clamped log or a kinked log-sigmoid. Each is pinned to PyTorch by
# tests/test_nn_losses_more.py.

class BinaryCrossEntropy(ArrayFunction):
    """Per-element l = -w (y max(log x, -100) + (1 - y) max(log(1 - x), -100)), the logs
    clamped at -100 so that x = 0 or 1 gives a finite loss, as in PyTorch:

        dl/dx = w (x - y) / max(x (1 - x), 1e-12)
        dl/dy = -w logit(x) = -w log(x / (1 - x))

    PyTorch's target gradient does not clamp: it is inf at x = 0 and -inf at x = 1.
    """

    @staticmethod
    def forward(ctx, x, y, w):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        ctx.save_for_backward(x, y, w)
        loss = (y - 1) * log_1mx - y * log_x
        return (loss if w is None else loss * w).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, y, w = ctx.saved_tensors
        weight = 1 if w is None else w  # multiplied in last, as PyTorch
        # PyTorch's EPSILON is the float32 nearest 1e-12, also in float64.
        gx = grad * (x - y) / np.maximum(x * (1 - x), x.dtype.type(np.float32(1e-12))) * weight
        if not ctx.needs_input_grad[1]:
            return gx, None, None
        with np.errstate(divide="ignore"):
            return gx, -np.log(x / (1 - x)) * grad * weight, None


class BinaryCrossEntropyWithLogits(ArrayFunction):
    """Per-element l = w ((1 - y) x - (1 + (p - 1) y) log σ(x)) for logits x, targets y,
    weight w and pos_weight p (1 when absent), with log σ(x) = min(x, 0) - log1p(exp(-|x|)),
    which never overflows:

        dl/dx = w ((p y + 1 - y) σ(x) - p y)        (w (σ(x) - y) without pos_weight)
        dl/dy = w (-x - (p - 1) log σ(x))
    """

    @staticmethod
    def forward(ctx, x, y, w, p):
        log_sigmoid = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
        log_weight = 1 if p is None else (p - 1) * y + 1
        loss = (1 - y) * x - log_weight * log_sigmoid
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, y, w, p, log_sigmoid)
        return loss

    @staticmethod
    def backward(ctx, grad):
        x, y, w, p, log_sigmoid = ctx.saved_tensors
        grad = grad if w is None else grad * w
        if p is None:
            gx = grad * (np.exp(log_sigmoid) - y)
            gy = grad * -x
        else:
            gx = grad * ((p * y + 1 - y) * np.exp(log_sigmoid) - p * y)
            gy = grad * (-x - (p - 1) * log_sigmoid)
        need_x, need_y = ctx.needs_input_grad[:2]
        return ((gx.astype(x.dtype, copy=False) if need_x else None),
                (gy.astype(y.dtype, copy=False) if need_y else None), None, None)
