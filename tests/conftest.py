"""Hypothesis profiles: `ci` is derandomized so CI is stable, `dev` is the everyday default,
`thorough` is for a long manual hunt (HYPOTHESIS_PROFILE=thorough pytest)."""

import os

import pytest
from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", derandomize=True, max_examples=60, print_blob=True, **_common)
settings.register_profile("dev", max_examples=100, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)

_default = "ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))


@pytest.fixture(scope="module")
def one_torch_thread():
    """PyTorch on one thread for a module's tests (restored after): for small tensors extra
    threads cost more than they save, and the float32 results do not depend on the count."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
