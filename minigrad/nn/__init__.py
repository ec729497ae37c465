"""minigrad.nn: layers, losses and their functional forms, with PyTorch's names.

    from minigrad import nn
    import minigrad.nn.functional as F

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    loss = F.cross_entropy(model(x), y)
"""

from minigrad.nn import functional, init, utils
from minigrad.nn.modules import (
    RNN,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    Linear,
    Module,
    MSELoss,
    ReLU,
    RNNCell,
    Sequential,
    Tanh,
)
from minigrad.nn.parameter import Parameter

__all__ = [
    "RNN",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Tanh",
    "functional",
    "init",
    "utils",
]
