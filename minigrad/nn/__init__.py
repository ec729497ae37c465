"""minigrad.nn: layers, losses and their functional forms, with PyTorch's names.

    from minigrad import nn
    import minigrad.nn.functional as F

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    loss = F.cross_entropy(model(x), y)
"""

from minigrad.nn import functional, init, utils
from minigrad.nn.modules import (
    RNN,
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    Dropout,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    Linear,
    MarginRankingLoss,
    Module,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    ReLU,
    RNNCell,
    Sequential,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from minigrad.nn.parameter import Parameter

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
    "Parameter",
    "PoissonNLLLoss",
    "RNNCell",
    "ReLU",
    "Sequential",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "functional",
    "init",
    "utils",
]
