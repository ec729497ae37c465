"""minigrad.utils.data against torch.utils.data: the same batches in the same order (without
shuffling), the same lengths, and shuffling that is a reproducible permutation."""

import numpy as np
import torch
import torch.utils.data
from hypothesis import given
from hypothesis import strategies as st
from support import assert_close

import minigrad as mg

loader_settings = st.fixed_dictionaries(
    {"n": st.integers(1, 23), "batch_size": st.integers(1, 8), "drop_last": st.booleans()}
)


def datasets(lib, n):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 4
    return lib.utils.data.TensorDataset(lib.tensor(x), lib.tensor(y))


@given(loader_settings)
def test_unshuffled_batches_and_len_match_torch(setting):
    n, batch_size, drop_last = setting["n"], setting["batch_size"], setting["drop_last"]
    loaders = {
        lib: lib.utils.data.DataLoader(datasets(lib, n), batch_size=batch_size,
                                       shuffle=False, drop_last=drop_last)
        for lib in (mg, torch)
    }
    assert len(loaders[mg]) == len(loaders[torch])
    mg_batches, torch_batches = list(loaders[mg]), list(loaders[torch])
    assert len(mg_batches) == len(torch_batches)
    for (mx, my), (tx, ty) in zip(mg_batches, torch_batches):
        assert_close(mx, tx)
        assert_close(my, ty)


@given(loader_settings, st.integers(0, 2**31 - 1))
def test_shuffled_batches_are_a_permutation_reproducible_under_manual_seed(setting, seed):
    def run():
        mg.manual_seed(seed)
        loader = mg.utils.data.DataLoader(datasets(mg, setting["n"]), shuffle=True,
                                          batch_size=setting["batch_size"])
        return np.concatenate([y.numpy() for _, y in loader]), [x.shape for x, _ in loader]

    (first, shapes), (second, _) = run(), run()
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(np.sort(first), np.sort(np.arange(setting["n"]) % 4))
    assert all(s[0] <= setting["batch_size"] for s in shapes)


def test_tensor_dataset_item_is_a_tuple_of_rows_as_torch():
    for lib in (mg, torch):
        item = datasets(lib, 5)[2]
        assert isinstance(item, tuple) and item[0].tolist() == [6.0, 7.0, 8.0]
        assert item[1].item() == 2


def test_nonpositive_batch_size_raises_value_error_as_torch():
    for lib in (mg, torch):
        try:
            lib.utils.data.DataLoader(datasets(lib, 3), batch_size=0)
        except ValueError as error:
            assert "positive integer" in str(error)
        else:
            raise AssertionError(f"{lib.__name__} accepted batch_size=0")
