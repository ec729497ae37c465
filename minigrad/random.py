"""minigrad's random number generator, reseeded by `manual_seed` (as torch.manual_seed).

Everything random in minigrad (randn, rand, randint, Dropout masks, DataLoader shuffling, weight
initialisation) draws from `generator()`, so one seed makes a whole run reproducible. The
numbers differ from PyTorch's: its generator cannot be reproduced from NumPy.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed minigrad's generator; returns it."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def seed() -> int:
    """Seed the generator from the operating system's entropy; returns the seed."""
    entropy = np.random.SeedSequence().entropy
    assert isinstance(entropy, int)  # (drawn from the operating system when none is given)
    s = entropy % (2**63)
    manual_seed(s)
    return s


def generator() -> np.random.Generator:
    """The generator in use. Call it each time: manual_seed replaces it."""
    return _generator
