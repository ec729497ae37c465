"""Optimizers: `optim.SGD` and `optim.Adam` on top of the shared `optim.Optimizer` base.

    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in data:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
"""

from minigrad.optim import lr_scheduler
from minigrad.optim.adam import Adam
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD

__all__ = ["Adam", "Optimizer", "SGD", "lr_scheduler"]
