"""The tutorials' programs, written once against the PyTorch API and run on either library.

`PROGRAMS` maps each program's name to its module. Every module has `NAME`, `TITLE` (one
line), `VARIANTS` (the first is the default) and

    run(lib, variant=None, *, dtype="float32", steps=None, progress=None) -> dict

where `lib` is the `torch` module or the `minigrad` module, `steps` overrides the number of
steps or epochs, and `progress(step, total, loss)` is called after each one. The returned dict
holds "losses" (one float per step or epoch, inf and nan kept), "params" (name -> final NumPy
array) and, where they mean something, "grad_norms" (total gradient norm per step, before
clipping), "clipped_norms" (after clipping), "accuracy" and "data" (see each module).

Each program seeds the library's generator (``lib.manual_seed``) before building its model, so
both libraries start from the same default initial weights and draw the same random numbers.
A module may also have `MASKED_VARIANTS`: variants that train with Dropout on. Their masks
are PyTorch's too, except where PyTorch draws them with MKL's generator (on Intel CPUs), which
`minigrad parity` detects and reports instead of comparing.
"""

from __future__ import annotations

from types import ModuleType

from . import clip_example, dropout_net, gradient_descent, rnn_clipping, temperature

PROGRAMS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (temperature, rnn_clipping, dropout_net, gradient_descent, clip_example)
}
