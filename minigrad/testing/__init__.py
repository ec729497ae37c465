"""Property tests for your own operations, with the tools minigrad's own test suite uses.

    import torch
    from minigrad.testing import check_against_torch, tensors

    def test_my_op_matches_torch():
        check_against_torch(my_op, torch_version_of_my_op, tensors(low=-3, high=3))

* `tensors`, `broadcastable_tensors`: Hypothesis strategies that draw minigrad tensors by dtype,
  shape bounds and value bounds; `minigrad.testing.strategies` has the smaller pieces (shapes,
  arrays, `dim=` arguments) and `Call`, for operations with more varied arguments.
* `assert_close`: compare a result with a reference within the tolerance of its dtype.
* `check_against_torch`: draw inputs, run an operation in minigrad and in PyTorch, compare the
  outputs and the gradients.

This module needs Hypothesis, and `check_against_torch` needs PyTorch: both come with the
`test` extra (pip install 'minigrad[test]').
"""

try:
    import hypothesis  # noqa: F401  (checked here so that the message names the extra)
except ImportError as error:
    raise ImportError(
        "minigrad.testing needs Hypothesis, which is not installed: "
        "pip install 'minigrad[test]' (or pip install hypothesis)"
    ) from error

from minigrad.testing.compare import TOLERANCES, assert_close, check_against_torch
from minigrad.testing.strategies import Call, broadcastable_tensors, tensors

__all__ = [
    "TOLERANCES",
    "Call",
    "assert_close",
    "broadcastable_tensors",
    "check_against_torch",
    "tensors",
]
