"""Benchmarks of training steps: minigrad, PyTorch and hand-written NumPy (`minigrad bench`)."""
