"""The layers, containers and losses of minigrad.nn, one file per family as in PyTorch."""

from minigrad.nn.modules.activation import ReLU
from minigrad.nn.modules.container import Sequential
from minigrad.nn.modules.dropout import Dropout
from minigrad.nn.modules.linear import Linear
from minigrad.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from minigrad.nn.modules.module import Module
from minigrad.nn.modules.rnn import RNN, RNNCell

__all__ = [
    "RNN",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "Dropout",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "Linear",
    "MSELoss",
    "MarginRankingLoss",
    "Module",
    "MultiMarginLoss",
    "NLLLoss",
    "PoissonNLLLoss",
    "RNNCell",
    "ReLU",
    "Sequential",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "TripletMarginLoss",
]
