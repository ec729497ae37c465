"""Datasets and batching, as torch.utils.data: `TensorDataset` and `DataLoader`."""

from minigrad.utils.data.dataloader import DataLoader
from minigrad.utils.data.dataset import Dataset, TensorDataset

__all__ = ["DataLoader", "Dataset", "TensorDataset"]
