"""The layers, containers and losses of minigrad.nn, one file per family as in PyTorch."""

from minigrad.nn.modules.activation import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
    Threshold,
)
from minigrad.nn.modules.container import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from minigrad.nn.modules.dropout import Dropout
from minigrad.nn.modules.flatten import (
    Flatten,
    Unflatten,
)
from minigrad.nn.modules.linear import (
    Bilinear,
    Identity,
    Linear,
)
from minigrad.nn.modules.loss import CrossEntropyLoss, MSELoss
from minigrad.nn.modules.module import Module
from minigrad.nn.modules.normalization import (
    BatchNorm1d,
    LayerNorm,
)
from minigrad.nn.modules.rnn import RNN, RNNCell
from minigrad.nn.modules.sparse import Embedding

__all__ = [
    "BatchNorm1d",
    "Bilinear",
    "CELU",
    "CrossEntropyLoss",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Identity",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "Mish",
    "Module",
    "ModuleDict",
    "ModuleList",
    "PReLU",
    "ParameterDict",
    "ParameterList",
    "RNN",
    "RNNCell",
    "ReLU",
    "ReLU6",
    "SELU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
    "Threshold",
    "Unflatten",
]
