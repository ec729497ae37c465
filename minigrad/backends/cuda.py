"""`torch.backends.cuda`: CUDA's settings, which a CPU build keeps and does not use
(`torch.backends.cuda.matmul.allow_tf32 = True`)."""


class _MatmulSettings:
    """The switches of CUDA's matrix products."""

    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True


matmul = _MatmulSettings()


def is_built() -> bool:
    return False
