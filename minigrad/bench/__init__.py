"""Benchmarks of training steps: minigrad, PyTorch and hand-written NumPy (`minigrad bench`).

minigrad runs on NumPy, so the fastest it could possibly be is the same training step written
by hand in NumPy, with no autograd at all: the *floor*. Each workload here is one training step
written three ways (minigrad, PyTorch, the floor); the harness checks that the three compute
the same loss, gradients and updated weights, then times them in turns and reports each one's
time as a ratio to the floor.

    workload.py     what a workload is; the training step shared by minigrad and PyTorch
    floor.py        the optimizers and clipping of the hand-written steps
    temperature.py  W1, the tutorial's linear fit
    rnn.py          W2 (a small RNN step) and W5 (1000 time steps)
    lstm.py         W6, W7 (an LSTM, short and 1000 steps), W8, W9 (a GRU, the same)
    mlp.py          W3 (dropout MLP, Adam) and W4 (full-batch MLP, SGD)
    chain.py        OP, the cost of one small elementwise op
    harness.py      the correctness check, interleaved timing, peak memory
    report.py       the machine's description and the table
    ab.py           old code against new on one workload, in turns (`python -m minigrad.bench.ab`)
"""

from minigrad.bench import chain, lstm, mlp, rnn, temperature
from minigrad.bench.workload import Workload

WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in (temperature.WORKLOAD, rnn.RNN_STEP, mlp.DROPOUT_MLP, mlp.FULLBATCH_MLP,
              rnn.LONG_RNN, lstm.LSTM_STEP, lstm.LONG_LSTM, lstm.GRU_STEP, lstm.LONG_GRU,
              chain.WORKLOAD)
}
