"""`minigrad.cuda`: the answers of a PyTorch built without CUDA (minigrad runs on the CPU)."""

from minigrad.devices import no_cuda


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def current_device() -> int:
    raise no_cuda()


def synchronize(device: object = None) -> None:
    raise no_cuda()


def manual_seed(seed: int) -> None:
    """Nothing to seed without CUDA; PyTorch, too, accepts the call and does nothing."""


manual_seed_all = manual_seed
