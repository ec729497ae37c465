"""L-BFGS: a quasi-Newton method that steps along directions from its recent gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.autograd.grad_mode import enable_grad
from minigrad.optim._array_ops import add_
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor


class LBFGS(Optimizer):
    """L-BFGS (Nocedal, 1980; PyTorch's port of minFunc), `torch.optim.LBFGS`.

    All parameters are treated as one flat vector x with gradient g. One `step(closure)`
    runs up to max_iter iterations, each (PyTorch's algorithm):

        if first iteration ever:  d ← -g, H ← 1
        else:
            s ← t·d, y ← g - g_prev         the last step and the change of gradient it made
            if y·s > 1e-10: remember (s, y, ρ = 1/(y·s)) (the last history_size pairs),
                            H ← (y·s)/(y·y)
            d ← -(the inverse Hessian estimate, built from the remembered pairs) · g
                (the two-loop recursion: q ← -g; backwards α_i ← ρ_i·s_i·q, q ← q - α_i·y_i;
                 r ← H·q; forwards β_i ← ρ_i·y_i·r, r ← r + (α_i - β_i)·s_i; d ← r)
        t ← min(1, 1/Σ|g|)·γ at the very first iteration, else γ
        stop if g·d > -tolerance_change (not a descent direction)
        x ← x + t·d, with t from a strong Wolfe line search if line_search_fn='strong_wolfe'
        stop after max_iter iterations or max_eval closure calls, or when max|g| <=
        tolerance_grad, max|t·d| <= tolerance_change or the loss changed by less than
        tolerance_change

    The closure must clear the gradients, compute the loss, call backward() and return the
    loss: L-BFGS evaluates it several times per step. The scalars (y·s, ρ, H, α, t) are
    0-d numbers of the parameters' dtype, as PyTorch's 0-d tensors. In float32 the dot
    products add up in another order than PyTorch's, so a float32 run follows PyTorch's within
    a tolerance, not bit for bit.

    Args:
        params: the tensors to optimize (one group only, as in PyTorch).
        lr: learning rate γ, the step's length along d before any line search.
        max_iter: iterations per step().
        max_eval: closure calls per step() (default max_iter·5//4).
        tolerance_grad: stop when every |g| is at most this.
        tolerance_change: stop when the step or the change of the loss is below this.
        history_size: how many (s, y) pairs are remembered.
        line_search_fn: None (a fixed step t) or 'strong_wolfe'.

    Raises:
        ValueError: a negative lr, or more than one parameter group (PyTorch's messages).

    State (of the first parameter, for all): 'func_evals', 'n_iter', and after a step 'd',
    't', 'old_dirs', 'old_stps', 'ro', 'H_diag', 'prev_flat_grad', 'prev_loss' (and 'al').
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # ------------------------------------------------------- the parameters as one vector
    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data.ravel() for p in self._params])

    def _add_grad(self, step_size: Any, update: np.ndarray) -> None:
        """x ← x + step_size·update, each parameter's slice rounded as `Tensor.add_`."""
        offset = 0
        for p in self._params:
            size = p._data.size
            add_(p._data, update[offset:offset + size].reshape(p._data.shape),
                 alpha=step_size)
            (p._storage or p._shared_storage()).version += 1  # (PyTorch's p.add_)
            offset += size

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[np.ndarray],
                              t: Any, d: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and gradient at x + t·d; the parameters are put back to x after."""
        self._add_grad(t, d)
        with enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x, strict=True):
            p._data[...] = saved
            (p._storage or p._shared_storage()).version += 1  # (PyTorch's p.copy_)
        return loss, flat_grad

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to max_iter iterations of L-BFGS (see the class docstring).

        Returns:
            The closure's loss at the parameters the step started from.
        """
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        # The state between steps, as arrays (it is kept as tensors, PyTorch's layout).
        d, t = _array(state.get("d")), _array(state.get("t"))
        old_dirs = [_array(v) for v in state.get("old_dirs", [])]
        old_stps = [_array(v) for v in state.get("old_stps", [])]
        ro = [_array(v) for v in state.get("ro", [])]
        h_diag, prev_loss = _array(state.get("H_diag")), state.get("prev_loss")
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        al: list[Any] = [_array(v) for v in state.get("al") or [None] * history_size]
        one = flat_grad.dtype.type(1)  # a 0-d number of the parameters' dtype

        n_iter = 0
        with np.errstate(all="ignore"):
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1

                # The direction.
                if state["n_iter"] == 1:
                    d = -flat_grad
                    old_dirs, old_stps, ro, h_diag = [], [], [], 1
                else:
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys = y.dot(s)
                    if ys > 1e-10:
                        if len(old_dirs) == history_size:
                            old_dirs.pop(0)
                            old_stps.pop(0)
                            ro.pop(0)
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(one / ys)
                        h_diag = ys / y.dot(y)
                    state.setdefault("al", None)  # (its place in PyTorch's order; see below)
                    q = -flat_grad
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al[i] = old_stps[i].dot(q) * ro[i]
                        add_(q, old_dirs[i], alpha=-al[i])
                    d = r = q * h_diag
                    for i in range(len(old_dirs)):
                        be_i = old_dirs[i].dot(r) * ro[i]
                        add_(r, old_stps[i], alpha=al[i] - be_i)

                prev_flat_grad = flat_grad.copy()
                prev_loss = loss

                # The step length.
                if state["n_iter"] == 1:
                    t = min(1.0, one / np.abs(flat_grad).sum()) * lr
                else:
                    t = lr
                gtd = flat_grad.dot(d)
                if gtd > -tolerance_change:  # not a descent direction
                    break

                ls_func_evals = 0
                if line_search_fn is not None:
                    if line_search_fn != "strong_wolfe":
                        raise RuntimeError("only 'strong_wolfe' is supported")
                    x_init = [p._data.copy() for p in self._params]

                    def obj_func(x: list[np.ndarray], t: Any,
                                 d: np.ndarray) -> tuple[float, np.ndarray]:
                        return self._directional_evaluate(closure, x, t, d)

                    loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                        obj_func, x_init, t, d, loss, flat_grad, gtd,
                        max_ls=max_eval - current_evals)
                    self._add_grad(t, d)
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                else:
                    self._add_grad(t, d)
                    opt_cond = False
                    if n_iter != max_iter:  # the last iteration's loss is not needed
                        with enable_grad():
                            loss = float(closure())
                        flat_grad = self._gather_flat_grad()
                        opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                        ls_func_evals = 1

                current_evals += ls_func_evals
                state["func_evals"] += ls_func_evals

                if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                    break
                if np.abs(d * t).max() <= tolerance_change:
                    break
                if abs(loss - prev_loss) < tolerance_change:
                    break

        state["d"], state["t"] = _tensor(d), _tensor(t)
        state["old_dirs"] = [_tensor(v) for v in old_dirs]
        state["old_stps"] = [_tensor(v) for v in old_stps]
        state["ro"] = [_tensor(v) for v in ro]
        state["H_diag"] = _tensor(h_diag)
        state["prev_flat_grad"] = _tensor(prev_flat_grad)
        state["prev_loss"] = prev_loss
        if "al" in state:
            state["al"] = [_tensor(v) for v in al]
        return orig_loss


def _array(value: Any) -> Any:
    """A state value as the step computes with it: a tensor's array (a 0-d one as a NumPy
    number), anything else unchanged."""
    if isinstance(value, Tensor):
        return value._data[()] if value._data.ndim == 0 else value._data
    return value


def _tensor(value: Any) -> Any:
    """A value as the state keeps it: arrays and NumPy numbers (PyTorch's 0-d tensors) as
    tensors, Python numbers and None unchanged."""
    if isinstance(value, np.ndarray | np.generic):
        return Tensor._make(np.array(value))
    return value


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple[float, float] | None = None) -> Any:
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, kept
    within `bounds` (default: between x1 and x2); their middle if the cubic has none."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func: Callable[..., tuple[float, np.ndarray]], x: list[np.ndarray],
                  t: Any, d: np.ndarray, f: float, g: np.ndarray, gtd: Any, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, np.ndarray, Any, int]:
    """A step length t along d that satisfies the strong Wolfe conditions (sufficient decrease
    f(x + td) <= f + c1·t·g·d, and |g(x + td)·d| <= c2·|g·d|), found by bracketing and then
    zooming in with cubic interpolation (Nocedal & Wright, algorithms 3.5 and 3.6), as
    PyTorch's `_strong_wolfe`.

    Returns:
        The loss and gradient at the step found, t, and the number of closure calls.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # Bracket an interval containing a point satisfying the conditions.
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # Extrapolate.
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter == max_ls:  # reached the maximum number of evaluations
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # Zoom until the conditions hold or the bracket is too small.
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # Stay away from the bracket's ends unless the last try made no progress there.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
