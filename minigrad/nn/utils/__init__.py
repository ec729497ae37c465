"""Utilities used around the training step, as torch.nn.utils: gradient clipping
(`clip_grad_norm_`, split into `get_total_norm` and `clip_grads_with_norm_`; `clip_grad_value_`),
the parameters as one vector, and padded and packed sequences (`nn.utils.rnn`)."""

from minigrad.nn.utils import rnn
from minigrad.nn.utils.clip_grad import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from minigrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "rnn", "vector_to_parameters"]
