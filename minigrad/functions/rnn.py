"""One layer of an Elman RNN over a whole sequence, as a single differentiable operation.

With x_t the input at step t (N, in), h_0 the initial hidden state (N, H) and act = tanh or
relu, the forward pass is the recurrence

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    h_t = act(a_t)                                            for t = 1 .. L

and the output is h_1 .. h_L, shaped (L, N, H). Its backward pass is backpropagation through
time. With g_t the upstream gradient of h_t (the output's gradient, row t-1), walk back from
t = L to 1:

    dh_t = g_t + da_{t+1} W_hh       (just g_L at t = L: no later step uses h_L)
    da_t = dh_t * act'(a_t)          tanh'(a_t) = 1 - h_t^2,   relu'(a_t) = [h_t > 0]

Then the initial state's gradient is dh_0 = da_1 W_hh, and every other gradient is a sum over
the steps of what each contributes:

    dx_t = da_t W_ih,   dW_ih = sum_t da_t^T x_t,   dW_hh = sum_t da_t^T h_{t-1},
    db_ih = db_hh = the sum over t and over the batch of da_t.

Why one node for a whole layer, when the engine could record every step's products, sums and
activation and backpropagate through them by itself (as it does for an RNNCell called in a
loop)? Speed and memory. Every engine node costs microseconds of bookkeeping, and a
1000-step sequence spent most of its time recording and walking 5000 nodes; here a step is
three NumPy calls forward and three backward. The unrolled graph also held thousands of node
objects, one array per step and a stacked copy of the outputs until backward; this node saves
only the input, the hidden states (its output) and the weights. And what does not depend on
the previous step is batched into single matrix products: the input's part of every a_t before
the loop, dx and the weight gradients after it.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


class RNNLayer(ArrayFunction):
    """output = RNNLayer.apply(x, h_0, W_ih, W_hh, b_ih, b_hh, nonlinearity)

    x (L, N, in); h_0 (N, H), or None for zeros; W_ih (H, in); W_hh (H, H); b_ih and b_hh
    (H,), or both None; nonlinearity "tanh" or "relu". Returns h_1 .. h_L, (L, N, H). The
    derivatives are in the module docstring.
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
        gb = d_flat.sum(axis=0) if need_b_ih or need_b_hh else None
        gb_ih = gb if need_b_ih else None
        # Two arrays, not one shared: a hook, or whoever autograd.grad returns them to, may
        # change one in place.
        gb_hh = (gb.copy() if need_b_ih else gb) if need_b_hh else None
        return gx, gh_0, gw_ih, gw_hh, gb_ih, gb_hh
