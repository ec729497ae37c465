"""A model's parameters as one flat vector and back, as torch.nn.utils.

    vec = parameters_to_vector(model.parameters())    # differentiable, like cat of views
    vector_to_parameters(vec, model.parameters())     # each parameter's .data from its slice
"""

from __future__ import annotations

from collections.abc import Iterable

from minigrad.checks import python_type
from minigrad.tensor import Tensor, cat


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined end to end, in order (a new tensor, in the graph)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter, in order, the next `numel()` values of `vec` as its `.data` (the
    parameter objects stay; their memory is now a view of `vec`, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {python_type(vec)}")
    start = 0
    for param in parameters:
        count = param.numel()
        param.data = vec[start:start + count].view_as(param).data
        start += count
