"""`python -m minigrad`: a short tour, with PyTorch's numbers beside minigrad's when installed."""

from __future__ import annotations

import numpy as np

import minigrad as mg


def main() -> int:
    w = mg.tensor([2.0, -1.0], requires_grad=True)
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    loss = ((x @ w).tanh() ** 2).mean()
    loss.backward()
    print("minigrad: loss =", loss)
    print("minigrad: d loss / d w =", w.grad)
    try:
        import torch
    except ImportError:
        print("(install PyTorch to compare: pip install -e '.[test]')")
        return 0
    tw = torch.tensor([2.0, -1.0], requires_grad=True)
    tloss = ((torch.tensor(x.numpy()) @ tw).tanh() ** 2).mean()
    tloss.backward()
    print("PyTorch:  loss =", tloss)
    print("PyTorch:  d loss / d w =", tw.grad)
    same = np.allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)
    print("same gradient:", same)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
