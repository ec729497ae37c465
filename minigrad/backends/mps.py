"""`torch.backends.mps`: Apple's GPUs, which minigrad does not use."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
