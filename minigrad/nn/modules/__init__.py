"""The layers, containers and losses of minigrad.nn, one file per family as in PyTorch."""

from minigrad.nn.modules.activation import ReLU, Tanh
from minigrad.nn.modules.container import Sequential
from minigrad.nn.modules.dropout import Dropout
from minigrad.nn.modules.flatten import Flatten
from minigrad.nn.modules.linear import Linear
from minigrad.nn.modules.loss import CrossEntropyLoss, MSELoss
from minigrad.nn.modules.module import Module
from minigrad.nn.modules.rnn import RNN, RNNCell

__all__ = [
    "RNN",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Linear",
    "MSELoss",
    "Module",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Tanh",
]
