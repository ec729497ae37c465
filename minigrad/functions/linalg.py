"""Linear algebra on the last two dims: the diagonal as a strided view, diagonal matrices and
triangles. The products (mm, bmm, dot, inner, tensordot, ...) are MatMul after a reshape, in
tensor.py."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


def diagonal_view(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The elements a[..., i, i + offset, ...] of dims dim1 and dim2, as a writable view put
    last (PyTorch's diagonal): one stride that steps a row and a column at once."""
    m = np.moveaxis(a, (dim1, dim2), (-2, -1))
    m = m[..., :, offset:] if offset >= 0 else m[..., -offset:, :]
    n = max(min(m.shape[-2], m.shape[-1]), 0)
    return np.lib.stride_tricks.as_strided(
        m, m.shape[:-2] + (n,), m.strides[:-2] + (m.strides[-2] + m.strides[-1],)
    )


class Diagonal(ArrayFunction):
    """y = diagonal(x):  dL/dx = dL/dy written on the same diagonal of zeros."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.where = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, grad.dtype)
        diagonal_view(out, *ctx.where)[...] = grad
        return out


class DiagMatrix(ArrayFunction):
    """Y = diag(v, k), the square matrix with v on its k-th diagonal:  dL/dv = diag(dL/dY, k)."""

    @staticmethod
    def forward(ctx, v, offset):
        ctx.offset = offset
        n = v.shape[0] + abs(offset)
        out = np.zeros((n, n), v.dtype)
        diagonal_view(out, offset, 0, 1)[...] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        return diagonal_view(grad, ctx.offset, 0, 1).copy()


class Triangle(ArrayFunction):
    """Y = tril(X, k) or triu(X, k), X with the other triangle zeroed:  dL/dX = the same
    triangle of dL/dY."""

    @staticmethod
    def forward(ctx, x, triangle, offset):
        ctx.triangle, ctx.offset = triangle, offset
        return triangle(x, offset)

    @staticmethod
    def backward(ctx, grad):
        return ctx.triangle(grad, ctx.offset)


class Einsum(ArrayFunction):
    """Y = einsum("s_1,...,s_n->out", A_1, ..., A_n):

        dL/dA_i = einsum("out,(s_j for j != i)->s_i", dL/dY, (A_j for j != i))

    the same sum with A_i's place taken by the gradient. A subscript that only A_i has was
    summed alone, so its gradient is dL/dY copied along it; a subscript repeated in s_i (a
    diagonal, "ii->i") gets its gradient on that diagonal of zeros. The equation is explicit
    ("->" given) and free of "...", and each operand has its subscripts' full sizes (a size-1
    dim broadcast against its subscript is expanded), as the front door writes them.
    """

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return np.einsum(equation, *operands, optimize=len(operands) > 2)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        inputs, output = ctx.equation.split("->")
        terms = inputs.split(",")
        grads = [None]  # (the equation)
        for i, (term, a) in enumerate(zip(terms, operands)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [j for j in range(len(terms)) if j != i]
            unique = "".join(dict.fromkeys(term))
            seen = set(output).union(*(terms[j] for j in others))
            kept = "".join(c for c in unique if c in seen)
            subscripts = ",".join([output] + [terms[j] for j in others]) + "->" + kept
            g = np.einsum(subscripts, grad, *(operands[j] for j in others))
            if kept != unique:  # copied along the subscripts only A_i has
                for c in unique:
                    if c not in kept:
                        g = np.expand_dims(g, unique.index(c))
                g = np.array(np.broadcast_to(g, [a.shape[term.index(c)] for c in unique]))
            if unique != term:  # onto the diagonal of the repeated subscripts
                out = np.zeros(a.shape, g.dtype)
                grid = np.indices(g.shape, sparse=True)
                out[tuple(grid[unique.index(c)] for c in term)] = g
                g = out
            grads.append(g)
        return tuple(grads)


class DiagEmbed(ArrayFunction):
    """Y = diag_embed(x, k, d1, d2), the last dim of x put on the k-th diagonal of new dims d1
    and d2 of zeros:  dL/dx = diagonal(dL/dY, k, d1, d2)."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.where = (offset, dim1, dim2)
        n = x.shape[-1] + abs(offset) if x.ndim else 1
        shape = list(x.shape[:-1])
        for d in sorted((dim1, dim2)):
            shape.insert(d, n)
        out = np.zeros(shape, x.dtype)
        diagonal_view(out, offset, dim1, dim2)[...] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return diagonal_view(grad, *ctx.where).copy()


class Inverse(ArrayFunction):
    """Y = A^-1 (of each matrix of a batch):  dL/dA = -Y^T dL/dY Y^T."""

    @staticmethod
    def forward(ctx, a):
        y = np.linalg.inv(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        yt = np.swapaxes(y, -1, -2)
        return -(yt @ grad @ yt)


class SingularValues(ArrayFunction):
    """s = the singular values of each matrix (the last two dims), largest first, from its
    reduced SVD A = U diag(s) V^T.

    Each s_i = u_i^T A v_i has the derivative u_i v_i^T, so dL/dA = U diag(dL/ds) V^T (for
    distinct singular values; where two are equal the SVD routine's choice of U and V decides,
    as in PyTorch, whose LAPACK may choose otherwise).
    """

    @staticmethod
    def forward(ctx, a):
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        ctx.u, ctx.vt = u, vt
        return s

    @staticmethod
    def backward(ctx, grad):
        return ctx.u @ (grad[..., :, None] * ctx.vt)
