"""Utilities around training, as torch.utils: `minigrad.utils.data` feeds batches."""

from minigrad.utils import data

__all__ = ["data"]
