"""`torch.backends.cudnn`: NVIDIA's library, which a CPU build lacks. The flags keep what a
program sets (`cudnn.benchmark = True`); minigrad reads none of them."""

enabled = True
deterministic = False
benchmark = False
benchmark_limit = None
allow_tf32 = True


def is_available() -> bool:
    return False


def version() -> None:
    """cuDNN's version: None, as in a PyTorch built without it."""
    return None
