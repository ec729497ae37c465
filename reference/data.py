"""Handwritten digits as 784-wide rows in [0, 1], for the programs that need 28x28 images.

Two sources:

* scikit-learn's bundled 8x8 digits (`sklearn.datasets.load_digits`, 1797 images, no download;
  install with ``pip install -e ".[digits]"``). Each image is upsampled to 24x24 by repeating every
  pixel in a 3x3 block (`np.kron`) and padded with a 2-pixel zero border to 28x28, the size of
  MNIST, so the tutorials' ``Linear(784, ...)`` layers fit unchanged.
* MNIST itself, if you have its IDX files: point the environment variable ``MINIGRAD_MNIST``
  (or ``minigrad parity --mnist DIR``) at the folder holding ``train-images-idx3-ubyte`` and
  friends, raw or ``.gz``. Nothing is downloaded.

IDX is MNIST's file format: a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the values, big-endian, row-major.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

MNIST_ENV = "MINIGRAD_MNIST"

# IDX type code -> the big-endian dtype of the values.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzip-compressed if its name ends in .gz) into a NumPy array.

    Raises:
        ValueError: if the file does not start with an IDX magic number, or holds fewer values
            than its header promises.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as file:
        raw = file.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise ValueError(
            f"{path} is not an IDX file: bad magic number {raw[:4].hex(' ') or '(empty)'} "
            f"(expected 00 00, a type code in {{{', '.join(f'{c:02x}' for c in IDX_TYPES)}}}, "
            "and the number of dimensions)"
        )
    dtype, ndim = IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({ndim} dimensions need {header} bytes, "
                         f"the file has {len(raw)})")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape))
    if len(raw) - header < count * dtype.itemsize:
        raise ValueError(f"{path}: truncated IDX data (shape {shape} needs "
                         f"{count * dtype.itemsize} bytes, the file has {len(raw) - header})")
    values = np.frombuffer(raw, dtype=dtype, count=count, offset=header)
    return values.reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(directory: str | os.PathLike[str], split: str = "train") -> tuple[np.ndarray, ...]:
    """MNIST's `split` ("train" or "test") from `directory`: (images (N, 784) in [0, 1], labels).

    Each file may be raw or gzip-compressed (``name`` or ``name.gz``).

    Raises:
        FileNotFoundError: naming the files looked for, if one is missing.
    """
    arrays = []
    for name in MNIST_FILES[split]:
        candidates = [Path(directory) / name, Path(directory) / f"{name}.gz"]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            raise FileNotFoundError(f"MNIST file not found: {candidates[0]} or {candidates[1]}")
        arrays.append(read_idx(found))
    images, labels = arrays
    return images.reshape(len(images), -1) / 255.0, labels.astype(np.int64)


def load_digits_784() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as (images (1797, 784) in [0, 1], labels (1797,) int64).

    Raises:
        ModuleNotFoundError: with the install command, if scikit-learn is missing.
    """
    try:
        from sklearn.datasets import load_digits
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "the digits data needs scikit-learn: pip install -e \".[digits]\" "
            f"(or set {MNIST_ENV} to a folder with MNIST's IDX files)",
            name=error.name,
        ) from error
    digits = load_digits()
    blocks = np.kron(digits.images, np.ones((1, 3, 3)))  # (N, 24, 24)
    images = np.pad(blocks, ((0, 0), (2, 2), (2, 2)))  # (N, 28, 28)
    return images.reshape(len(images), -1) / 16.0, digits.target.astype(np.int64)


def load_images(n_train: int, n_test: int) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test): the first `n_train` and the next `n_test` examples.

    MNIST (train and test splits) when ``MINIGRAD_MNIST`` names a folder, the digits otherwise.
    The order is the data set's own, so every run sees the same examples.
    """
    directory = os.environ.get(MNIST_ENV)
    if directory:
        x_train, y_train = load_mnist(directory, "train")
        x_test, y_test = load_mnist(directory, "test")
        return x_train[:n_train], y_train[:n_train], x_test[:n_test], y_test[:n_test]
    x, y = load_digits_784()
    test = slice(n_train, n_train + n_test)
    return x[:n_train], y[:n_train], x[test], y[test]
