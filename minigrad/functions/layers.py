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


class ScaleGradient(ArrayFunction):
    """y = ScaleGradient.apply(x, factor) is x itself; its gradient is scaled on the way back:

        dL/dx = factor * dL/dy

    (factor broadcast against x). Embedding's scale_grad_by_freq divides the gradient of each
    looked-up row by how often the batch picks that row, as PyTorch does.
    """

    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor


def _time_major(a, batch_first):
    """a (N, L, ...) seen as (L, N, ...) when batch_first, else a itself; its own inverse. A
    NumPy view: nn's batch_first layout costs the layer nodes no graph node of its own (two
    transposes and their backward at every call, which on a small step cost as much as the
    recurrence)."""
    return a.swapaxes(0, 1) if batch_first else a


class RNNLayer(ArrayFunction):
    """output = RNNLayer.apply(x, h_0, W_ih, W_hh, b_ih, b_hh, nonlinearity, batch_first): one
    layer of an Elman RNN over a whole sequence.

    x (L, N, in), or (N, L, in) if batch_first (the output too); h_0 (N, H), or None for
    zeros; W_ih (H, in); W_hh (H, H); b_ih and b_hh (H,), or both None; nonlinearity "tanh" or
    "relu" (act below). The forward pass is the recurrence

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
    def forward(ctx, x, h_0, w_ih, w_hh, b_ih, b_hh, nonlinearity, batch_first=False):
        x = _time_major(x, batch_first)
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
        ctx.nonlinearity, ctx.x_shape, ctx.batch_first = nonlinearity, x.shape, batch_first
        ctx.save_for_backward(x_flat, hs, w_ih, w_hh)
        return _time_major(hs[1:], batch_first)

    @staticmethod
    def backward(ctx, grad):
        x_flat, hs, w_ih, w_hh = ctx.saved_tensors
        need_x, need_h_0, need_w_ih, need_w_hh, need_b_ih, need_b_hh = ctx.needs_input_grad[:6]
        grad = _time_major(grad, ctx.batch_first)
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
        gx = _time_major((d_flat @ w_ih).reshape(ctx.x_shape), ctx.batch_first) if need_x else None
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


class FinalStates(ArrayFunction):
    """h_n = FinalStates.apply(at, *states): each layer's and direction's final state,
    states_i[at], stacked along a new first dim, for nn.RNN, LSTM and GRU. `at` picks one step
    of each sequence: the last, or in a padded batch each sequence's own last step, so no
    element is picked twice:

        dL/dstates_i = dL/dh_n[i] where `at` picks, 0 elsewhere

    Replaces states_i[at] for each i (views) and a Stack of them: one node in place of several
    on every call, and h_n is a copy, a tensor of its own as in PyTorch. Pinned to PyTorch by
    tests/test_nn_rnn.py (h_n, c_n and the gradients through them, packed batches included).
    """

    @staticmethod
    def forward(ctx, at, *states):
        ctx.at, ctx.shape = at, states[0].shape
        first = states[0][at]
        out = np.empty((len(states), *first.shape), first.dtype)
        for i, s in enumerate(states):
            out[i] = s[at]
        return out

    @staticmethod
    def backward(ctx, grad):
        grads = [np.zeros(ctx.shape, grad.dtype) for _ in grad]
        for g, g_i in zip(grads, grad):
            g[ctx.at] = g_i
        return (None, *grads)


def _sigmoid_(a):
    """a <- sigmoid(a) = 1 / (1 + exp(-a)) in place, as minigrad's Sigmoid computes it. The
    caller silences the overflow of exp(-a) for very negative a, which gives 1/inf = 0."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _blocks(a, gates):
    """The gates' blocks of `a` along its last dim (views): i, f, g, o for an LSTM."""
    size = a.shape[-1] // gates
    return [a[..., k * size:(k + 1) * size] for k in range(gates)]


# Elements of the chunks in which the recurrent layers' backward computes, ahead of its loop
# over time, what does not wait for the previous step: for a long sequence its temporaries take
# a chunk's memory rather than the whole sequence's; a short one is a single chunk.
_CHUNK = 2 ** 16


def _chunks(length, per_step):
    """The time steps 0 .. length-1 as ranges (t0, t1) of about _CHUNK elements (`per_step` a
    step), the last steps first, as backpropagation through time walks them."""
    steps = max(1, _CHUNK // max(per_step, 1))
    return [(t0, min(t0 + steps, length)) for t0 in reversed(range(0, length, steps))]


class LSTMLayer(ArrayFunction):
    """output = LSTMLayer.apply(x, h_0, c_0, W_ih, W_hh, b_ih, b_hh, W_hr, batch_first): one layer
    of an LSTM over a whole sequence, for nn.LSTM.

    x (L, N, in), or (N, L, in) if batch_first (the output too); h_0 (N, P) and c_0 (N, H),
    or None for zeros; W_ih (4H, in); W_hh (4H, P); b_ih and b_hh (4H,), or both None; W_hr
    (P, H) with proj_size P, or None (then P = H).
    The rows of W_ih, W_hh and the biases are the four gates in PyTorch's order i, f, g, o:

        a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh = [a_i, a_f, a_g, a_o]
        i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o),   g = tanh(a_g)
        c_t = f * c_{t-1} + i * g
        m_t = o * tanh(c_t),   h_t = m_t W_hr^T (or h_t = m_t without projection)

    The output is h_t and c_t side by side for t = 1 .. L, shaped (L, N, P + H): one node has
    one output, and nn.LSTM slices the outputs and c_L out of it. Backward is backpropagation
    through time. With gh_t, gc_t the upstream gradients of h_t and c_t, from t = L down to 1:

        dh_t = gh_t + da_{t+1} W_hh,       dm_t = dh_t W_hr (or dh_t)
        dc_t = gc_t + dc_{t+1} * f_{t+1} + dm_t * o * (1 - tanh(c_t)^2)
        do = dm_t * tanh(c_t),   di = dc_t * g,   dg = dc_t * i,   df = dc_t * c_{t-1}
        da_t = [di i (1 - i), df f (1 - f), dg (1 - g^2), do o (1 - o)]

    then dh_0 = da_1 W_hh and dc_0 = dc_1 * f_1, and summed over the steps:
    dx_t = da_t W_ih, dW_ih = sum_t da_t^T x_t, dW_hh = sum_t da_t^T h_{t-1},
    db_ih = db_hh = sum of da_t over t and the batch, dW_hr = sum_t dh_t^T m_t.
    Pinned equal to the recurrence unrolled in engine operations, and to PyTorch, by
    tests/test_composite.py::test_gated_layer_nodes_equal_the_unrolled_recurrences_and_torch.
    """

    @staticmethod
    def forward(ctx, x, h_0, c_0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_first=False):
        x = _time_major(x, batch_first)
        length, batch, inputs = x.shape
        hidden, out_size = w_ih.shape[0] // 4, w_hh.shape[1]
        gates = np.empty((length, batch, 4 * hidden), x.dtype)
        # The input's part of every a_t in one product, before the loop, as in RNNLayer.
        x_flat = x.reshape(length * batch, inputs)
        np.matmul(x_flat, w_ih.T, out=gates.reshape(length * batch, 4 * hidden))
        if b_ih is not None:
            gates += b_ih + b_hh
        # hs[t] = h_t and cs[t] = c_t, t = 0 .. L, each step a contiguous block: NumPy's tanh
        # and products are several times slower on strided rows (such as h_t and c_t side by
        # side, the output's layout, which is copied together after the loop).
        hs = np.empty((length + 1, batch, out_size), x.dtype)
        cs = np.empty((length + 1, batch, hidden), x.dtype)
        hs[0] = 0 if h_0 is None else h_0
        cs[0] = 0 if c_0 is None else c_0
        tanh_c = np.empty((length, batch, hidden), x.dtype)
        ms = None if w_hr is None else np.empty_like(tanh_c)  # m_t, before the projection
        w_hh_t = np.ascontiguousarray(w_hh.T)
        w_hr_t = None if w_hr is None else np.ascontiguousarray(w_hr.T)
        a, i_g = np.empty((batch, 4 * hidden), x.dtype), np.empty((batch, hidden), x.dtype)
        # Each gate's block of all steps, sliced once: slicing it out at every step would cost
        # more than a product of this size.
        i, f, g, o = _blocks(gates, 4)
        a_g = _blocks(a, 4)[2]
        with np.errstate(over="ignore"):
            for t in range(length):
                act, c = gates[t], cs[t + 1]  # the activations replace the pre-activations
                np.dot(hs[t], w_hh_t, out=a)
                a += act
                np.copyto(act, a)
                _sigmoid_(act)  # all four blocks; then g again, through tanh
                np.tanh(a_g, out=g[t])
                np.multiply(f[t], cs[t], out=c)  # f * c_{t-1}
                np.multiply(i[t], g[t], out=i_g)
                c += i_g
                np.tanh(c, out=tanh_c[t])
                if w_hr is None:
                    np.multiply(o[t], tanh_c[t], out=hs[t + 1])
                else:
                    np.multiply(o[t], tanh_c[t], out=ms[t])
                    np.dot(ms[t], w_hr_t, out=hs[t + 1])
        ctx.x_shape, ctx.batch_first = x.shape, batch_first
        ctx.save_for_backward(x_flat, gates, hs, cs, tanh_c, ms, w_ih, w_hh, w_hr)
        return _time_major(np.concatenate((hs[1:], cs[1:]), 2), batch_first)

    @staticmethod
    def backward(ctx, grad):
        x_flat, gates, hs, cs, tanh_c, ms, w_ih, w_hh, w_hr = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad = _time_major(grad, ctx.batch_first)
        length, batch, four_h = gates.shape
        hidden, out_size = four_h // 4, hs.shape[2]
        gh, gc = grad[..., :out_size], grad[..., out_size:]
        i, f, g, o = _blocks(gates, 4)
        # d_a[t] becomes da_{t+1}, kept for the products after the loop. It takes the place of
        # the gates once the loop is past them, unless a later backward reads them again.
        d_a = gates if ctx._last_backward else np.empty_like(gates)
        d = np.empty_like(gates[0])  # the gradients of the activations at one step
        d_i, d_f, d_g, d_o = _blocks(d, 4)
        dhs = np.empty_like(hs[1:]) if w_hr is not None else None  # dh_t, for dW_hr
        dh, dc = np.zeros_like(hs[0]), np.zeros_like(cs[0])
        for t0, t1 in _chunks(length, batch * four_h):
            # What does not wait for the previous step, for the chunk's steps at once: each
            # gate's derivative, and o (1 - tanh(c_t)^2), the path from m_t to c_t.
            slope = np.subtract(1, gates[t0:t1])
            slope *= gates[t0:t1]
            slope_g = slope[..., 2 * hidden:3 * hidden]
            np.multiply(g[t0:t1], g[t0:t1], out=slope_g)
            np.subtract(1, slope_g, out=slope_g)
            m_to_c = np.multiply(tanh_c[t0:t1], tanh_c[t0:t1])
            np.subtract(1, m_to_c, out=m_to_c)
            m_to_c *= o[t0:t1]
            for t in range(t1 - 1, t0 - 1, -1):
                dh += gh[t]
                if w_hr is None:
                    dm = dh
                else:
                    dhs[t] = dh
                    dm = np.dot(dh, w_hr)
                dc += gc[t]
                dc += dm * m_to_c[t - t0]
                np.multiply(dm, tanh_c[t], out=d_o)
                np.multiply(dc, g[t], out=d_i)
                np.multiply(dc, cs[t], out=d_f)
                np.multiply(dc, i[t], out=d_g)
                dc *= f[t]  # (before d_a[t] is written: it may be where f_t is)
                np.multiply(d, slope[t - t0], out=d_a[t])
                dh = np.dot(d_a[t], w_hh)
        # dh, dc are now dh_0, dc_0. Each sum over t is one product over the (t, batch) rows.
        d_flat = d_a.reshape(length * batch, four_h)
        gx = None
        if needs[0]:
            gx = _time_major((d_flat @ w_ih).reshape(ctx.x_shape), ctx.batch_first)
        gw_ih = d_flat.T @ x_flat if needs[3] else None
        gw_hh = d_flat.T @ hs[:-1].reshape(length * batch, out_size) if needs[4] else None
        gb_ih = gb_hh = None
        if needs[5] or needs[6]:
            gb = _rounded(_total(d_flat, (0,), False), d_flat.dtype)
            gb_ih = gb if needs[5] else None
            gb_hh = (gb.copy() if needs[5] else gb) if needs[6] else None  # see RNNLayer
        gw_hr = None
        if needs[7]:
            gw_hr = dhs.reshape(-1, out_size).T @ ms.reshape(-1, hidden)
        return (gx, dh if needs[1] else None, dc if needs[2] else None, gw_ih, gw_hh, gb_ih,
                gb_hh, gw_hr)


class GRULayer(ArrayFunction):
    """output = GRULayer.apply(x, h_0, W_ih, W_hh, b_ih, b_hh, batch_first): one layer of a GRU
    over a whole sequence, for nn.GRU.

    x (L, N, in), or (N, L, in) if batch_first (the output too); h_0 (N, H), or None for
    zeros; W_ih (3H, in); W_hh (3H, H); b_ih and b_hh (3H,), or both None. The rows are the
    gates in PyTorch's order r, z, n. With gi_t = x_t W_ih^T + b_ih and
    gh_t = h_{t-1} W_hh^T + b_hh, each split in [r, z, n] blocks:

        r = sigmoid(gi_r + gh_r),   z = sigmoid(gi_z + gh_z)
        n = tanh(gi_n + r * gh_n)
        h_t = (1 - z) * n + z * h_{t-1}

    The output is h_1 .. h_L, (L, N, H). Backward, with g_t the upstream gradient of h_t, from
    t = L down to 1:

        dh_t = g_t + dh_{t+1} * z_{t+1} + dgh_{t+1} W_hh   (the two paths from h_t to h_{t+1})
        dan = dh_t * (1 - z) * (1 - n^2)
        daz = dh_t * (h_{t-1} - n) * z (1 - z)
        dar = dan * gh_n * r (1 - r)
        dgi_t = [dar, daz, dan],   dgh_t = [dar, daz, dan * r]

    then dh_0 = dh_1 * z_1 + dgh_1 W_hh, dx_t = dgi_t W_ih, dW_ih = sum_t dgi_t^T x_t,
    dW_hh = sum_t dgh_t^T h_{t-1}, db_ih and db_hh the sums of dgi_t and dgh_t over t and the
    batch. Pinned equal to the recurrence unrolled, and to PyTorch, as LSTMLayer is.
    """

    @staticmethod
    def forward(ctx, x, h_0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
        x = _time_major(x, batch_first)
        length, batch, inputs = x.shape
        hidden = w_hh.shape[1]
        gates = np.empty((length, batch, 3 * hidden), x.dtype)  # gi_t, then r, z, n
        x_flat = x.reshape(length * batch, inputs)
        np.matmul(x_flat, w_ih.T, out=gates.reshape(length * batch, 3 * hidden))
        if b_ih is not None:
            gates += b_ih
        gh = np.empty((batch, 3 * hidden), x.dtype)  # gh_t, one step at a time
        gh_n = np.empty((length, batch, hidden), x.dtype)  # its n block, kept for backward
        hs = np.empty((length + 1, batch, hidden), x.dtype)
        hs[0] = 0 if h_0 is None else h_0
        w_hh_t = np.ascontiguousarray(w_hh.T)
        tmp = np.empty((batch, hidden), x.dtype)
        # The blocks of all steps, sliced once (as in LSTMLayer).
        r, z, n = _blocks(gates, 3)
        rz, gh_rz, gh_n_now = gates[..., :2 * hidden], gh[:, :2 * hidden], gh[:, 2 * hidden:]
        with np.errstate(over="ignore"):
            for t in range(length):
                n_t, rz_t = n[t], rz[t]
                np.dot(hs[t], w_hh_t, out=gh)
                if b_hh is not None:
                    gh += b_hh
                gh_n[t] = gh_n_now
                rz_t += gh_rz
                _sigmoid_(rz_t)
                np.multiply(r[t], gh_n_now, out=tmp)  # r * gh_n
                n_t += tmp
                np.tanh(n_t, out=n_t)
                np.subtract(hs[t], n_t, out=tmp)  # h_t = n + z * (h_{t-1} - n)
                tmp *= z[t]
                np.add(n_t, tmp, out=hs[t + 1])
        ctx.x_shape, ctx.batch_first = x.shape, batch_first
        ctx.save_for_backward(x_flat, gates, gh_n, hs, w_ih, w_hh)
        return _time_major(hs[1:], batch_first)

    @staticmethod
    def backward(ctx, grad):
        x_flat, gates, gh_n, hs, w_ih, w_hh = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad = _time_major(grad, ctx.batch_first)
        length, batch, hidden = grad.shape
        r, z, n = _blocks(gates, 3)
        # dgi_t and dgh_t share their r and z blocks: d_gh holds dgh_t, and dan dgi_t's n block,
        # both kept for the products after the loop. They take the places of the gates and of
        # gh_n once the loop is past them, unless a later backward reads those again.
        last = ctx._last_backward
        d_gh, dan = (gates, gh_n) if last else (np.empty_like(gates), np.empty_like(gh_n))
        d_r, d_z, d_n = _blocks(d_gh, 3)
        d_rz = d_gh[..., :2 * hidden]
        dh, dh_z = np.zeros_like(hs[0]), np.empty_like(hs[0])
        for t0, t1 in _chunks(length, batch * 3 * hidden):
            # For the chunk's steps at once: dh_t's factor to dan, the sigmoids' slopes, and
            # h_{t-1} - n.
            to_n = np.multiply(n[t0:t1], n[t0:t1])
            np.subtract(1, to_n, out=to_n)
            to_n *= 1 - z[t0:t1]
            slope_rz = np.subtract(1, gates[t0:t1, :, :2 * hidden])
            slope_rz *= gates[t0:t1, :, :2 * hidden]
            h_minus_n = hs[t0:t1] - n[t0:t1]
            # Each step reads a gate block before it writes that block's gradient there.
            for t in range(t1 - 1, t0 - 1, -1):
                s, dan_t = t - t0, to_n[t - t0]
                dh += grad[t]
                dan_t *= dh
                np.multiply(dan_t, r[t], out=d_n[t])
                np.multiply(dan_t, gh_n[t], out=d_r[t])
                np.copyto(dan[t], dan_t)
                np.multiply(dh, z[t], out=dh_z)
                np.multiply(dh, h_minus_n[s], out=d_z[t])
                d_rz[t] *= slope_rz[s]
                dh_z += np.dot(d_gh[t], w_hh)
                dh, dh_z = dh_z, dh
        # Each sum over t is one product over the (t, batch) rows, dgi_t's in two blocks.
        rows = length * batch
        gh_flat, dan_flat = d_gh.reshape(rows, 3 * hidden), dan.reshape(rows, hidden)
        rz_flat = gh_flat[:, :2 * hidden]
        gx = None
        if needs[0]:
            gx = rz_flat @ w_ih[:2 * hidden] + dan_flat @ w_ih[2 * hidden:]
            gx = _time_major(gx.reshape(ctx.x_shape), ctx.batch_first)
        gw_ih = None
        if needs[2]:
            gw_ih = np.concatenate((rz_flat.T @ x_flat, dan_flat.T @ x_flat))
        gb_ih = None
        if needs[4]:
            gb_ih = np.concatenate([_rounded(_total(d, (0,), False), d.dtype)
                                    for d in (rz_flat, dan_flat)])
        gw_hh = gh_flat.T @ hs[:-1].reshape(rows, hidden) if needs[3] else None
        gb_hh = _rounded(_total(gh_flat, (0,), False), gh_flat.dtype) if needs[5] else None
        return gx, dh if needs[1] else None, gw_ih, gw_hh, gb_ih, gb_hh


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
        # Multiplied in last, as PyTorch, whose weight may be of another dtype (the product is
        # rounded to x's).
        weight = 1 if w is None else w
        # PyTorch's EPSILON is the float32 nearest 1e-12, also in float64.
        gx = grad * (x - y) / np.maximum(x * (1 - x), x.dtype.type(np.float32(1e-12))) * weight
        gx = gx.astype(x.dtype, copy=False)
        if not ctx.needs_input_grad[1]:
            return gx, None, None
        with np.errstate(divide="ignore"):
            return gx, (-np.log(x / (1 - x)) * grad * weight).astype(x.dtype, copy=False), None


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
        return loss.astype(y.dtype, copy=False)  # PyTorch's loss is (1 - y) x, made in place

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
