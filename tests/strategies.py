"""The Hypothesis strategies of the test suite, which are minigrad's public ones
(minigrad/testing/strategies.py): the suite uses exactly what users get, so every strategy is
exercised on every operation. Test modules import them from here by their short names."""

from minigrad.testing.strategies import (
    FLOAT_DTYPES,
    Call,
    Shape,
    arrays,
    broadcastable_shapes,
    broadcastable_tensors,
    dim,
    dims,
    edge_shapes,
    elementwise,
    expanded,
    float_dtypes,
    index_arrays,
    insertion_dim,
    masks,
    one_tensor,
    reshaped,
    shapes,
    tensors,
    unary,
)

__all__ = [
    "FLOAT_DTYPES", "Call", "Shape", "arrays", "broadcastable_shapes", "broadcastable_tensors",
    "dim", "dims", "edge_shapes", "elementwise", "expanded", "float_dtypes", "index_arrays",
    "insertion_dim", "masks", "one_tensor", "reshaped", "shapes", "tensors", "unary",
]
