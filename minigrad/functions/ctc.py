"""The connectionist temporal classification loss (nn.functional.ctc_loss) as one node: the
forward-backward algorithm of Graves et al. (2006), in log space, vectorized over the batch.

A target l of length L is read through its extended form l' = (blank, l_1, blank, l_2, ...,
l_L, blank) of 2L + 1 states. A path through the T time steps stays on a state, moves to the
next one, or skips a blank between two different labels; a repeated label (l_i = l_{i+1})
cannot skip the blank between its two copies. alpha_t(s) is the log probability of the paths
that reach state s at step t, beta_t(s) that of the paths from state s at step t to the end
(both including step t's own probability).
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


def _log_add(a, b, c):
    """log(e^a + e^b + e^c), as PyTorch's CPU kernel computes it: shifted by the largest, which
    counts as 0 when all three are -inf (no path), and added up in this order. With c = -inf it
    is the two-term log-add (e^-inf adds an exact 0)."""
    top = np.maximum(np.maximum(a, b), c)
    top[top == -np.inf] = 0
    return np.log(np.exp(a - top) + np.exp(b - top) + np.exp(c - top)) + top


def _shifted(x, by, allowed):
    """x[..., s - by] (x[..., s + by] for a negative `by`) where `allowed`, else -inf."""
    out = np.full_like(x, -np.inf)
    if by > 0:
        out[..., by:] = x[..., :-by]
    else:
        out[..., :by] = x[..., -by:]
    out[~np.broadcast_to(allowed, out.shape)] = -np.inf
    return out


class CTCLoss(ArrayFunction):
    """nll = CTCLoss.apply(log_probs, labels, input_lengths, target_lengths, blank,
    zero_infinity): the negative log likelihood of each sequence's target, shape (N,).

    log_probs (T, N, C); labels (N, S) int64, row b's target in its first target_lengths[b]
    entries; input_lengths and target_lengths (N,) int64. With y_t(c) = exp(log_probs[t, c]),
    the forward recursion over t (each state reached from itself, the previous state, or the
    one before when it may skip) is

        alpha_0(0) = log y_0(blank),   alpha_0(1) = log y_0(l'_1)
        alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if skip)
                     + log y_t(l'_s)
        nll = -logsumexp(alpha_{T-1}(2L), alpha_{T-1}(2L-1))

    and the backward one, beta, the same from the end. The derivative is

        dnll/dlog y_t(c) = -exp(logsumexp over s with l'_s = c of (alpha_t(s) + beta_t(s))
                                - log y_t(c) + nll)

    PyTorch returns exp(log y_t(c)) plus that: exp(log y) sums to 1 over c when log_probs are
    a log_softmax's output, and log_softmax's backward removes any multiple of the softmax, so
    the gradient reaching the logits is the true one; fed anything else, the extra term stays.
    This node returns the same. A target that no path reaches (too long for its input, say)
    has nll = inf; with zero_infinity its nll and its gradient are 0.
    """

    @staticmethod
    def forward(ctx, log_probs, labels, input_lengths, target_lengths, blank, zero_infinity):
        steps, batch, _ = log_probs.shape
        states = 2 * labels.shape[1] + 1
        extended = np.full((batch, states), blank, np.int64)
        extended[:, 1::2] = labels
        s = np.arange(states)
        valid = s < 2 * target_lengths[:, None] + 1
        extended[~valid] = blank  # padding past a target (no path reads it) may be no class
        skip = np.zeros((batch, states), bool)
        skip[:, 2:] = extended[:, 2:] != extended[:, :-2]  # (blanks never skip)
        rows = np.arange(batch)
        picked = log_probs[:, rows[:, None], extended]  # log y_t(l'_s), (T, N, 2S+1)
        alpha = np.full((steps, batch, states), -np.inf, log_probs.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha[0, :, :2] = np.where(valid[:, :2], picked[0, :, :2], -np.inf)
            for t in range(1, steps):
                prev = alpha[t - 1]
                alpha[t] = _log_add(prev, _shifted(prev, 1, True), _shifted(prev, 2, skip))
                alpha[t] += picked[t]
            alpha[:, ~valid] = -np.inf
            last = alpha[np.maximum(input_lengths - 1, 0), rows]  # (N, 2S+1)
            end = 2 * target_lengths
            blank_end = last[rows, end]
            label_end = np.where(end > 0, last[rows, np.maximum(end - 1, 0)], -np.inf)
            nll = -_log_add(blank_end, label_end, np.full_like(blank_end, -np.inf))
            # With no steps, the empty target has likelihood 1, every other 0.
            nll = np.where(input_lengths == 0, np.where(target_lengths == 0, -0.0, np.inf), nll)
        nll = nll.astype(log_probs.dtype, copy=False)
        ctx.save_for_backward(log_probs, alpha, picked, nll)
        ctx.layout = (extended, valid, skip, input_lengths, target_lengths, zero_infinity)
        return np.where(nll == np.inf, 0, nll).astype(nll.dtype) if zero_infinity else nll

    @staticmethod
    def backward(ctx, grad):
        log_probs, alpha, picked, nll = ctx.saved_tensors
        extended, valid, skip, input_lengths, target_lengths, zero_infinity = ctx.layout
        steps, batch, _ = log_probs.shape
        rows = np.arange(batch)
        end = 2 * target_lengths
        s = np.arange(alpha.shape[2])
        # beta_t(s) comes from beta_{t+1} at s, at s + 1, and at s + 2 where that state may be
        # reached by a skip from s (the skip flag of state s + 2).
        skip_from = np.zeros_like(skip)
        skip_from[:, :-2] = skip[:, 2:]
        beta = np.full_like(alpha, -np.inf)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for t in range(steps - 1, -1, -1):
                row = np.full_like(alpha[0], -np.inf)
                if t + 1 < steps:
                    after = beta[t + 1]
                    row = _log_add(after, _shifted(after, -1, s < end[:, None]),
                                   _shifted(after, -2, skip_from & (s < end[:, None] - 1)))
                    row += picked[t]
                # A sequence's last step starts from its last two states only.
                first = input_lengths - 1 == t
                row[first] = -np.inf
                row[first, end[first]] = picked[t, first, end[first]]
                label = first & (target_lengths > 0)
                row[label, end[label] - 1] = picked[t, label, end[label] - 1]
                row[~valid | (t >= input_lengths)[:, None]] = -np.inf
                beta[t] = row
            # log of the sum over the states of each class of alpha + beta, added up in
            # descending s as PyTorch does.
            both = alpha + beta
            collected = np.full_like(log_probs, -np.inf)
            never = np.full(both.shape[:2], -np.inf, both.dtype)
            for state in range(alpha.shape[2] - 1, -1, -1):
                c = extended[:, state]
                collected[:, rows, c] = _log_add(collected[:, rows, c], both[:, :, state], never)
            out = (np.exp(log_probs) - np.exp(collected + nll[:, None] - log_probs)) * \
                grad[:, None]
        out[np.arange(steps)[:, None] >= input_lengths] = 0
        if zero_infinity:
            out[:, nll == np.inf] = 0
        return out.astype(log_probs.dtype, copy=False), None, None, None, None, None
