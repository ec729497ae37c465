"""minigrad.utils.data against torch.utils.data: the same batches in the same order (without
shuffling), the same lengths, and shuffling that is a reproducible permutation."""

import collections.abc
import gc
import multiprocessing
import os
import random
import re
import sys
import time
import types
import warnings
from collections import OrderedDict, UserList, namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import arrays, shapes
from support import assert_close, torch_node_name

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


# --- default_collate and default_convert: PyTorch's batch structure and values ---------------

Point = namedtuple("Point", ["x", "y"])
LEAVES = ("int", "float", "bool", "str", "float32 array", "int64 array", "tensor",
          "float32 scalar", "int16 scalar")
MAPPINGS = {"dict": dict, "ordered dict": OrderedDict, "read-only dict": types.MappingProxyType}


class Row(collections.abc.Sequence):
    """A read-only sequence that is not a tuple: batched into a Row, as PyTorch rebuilds it."""

    def __init__(self, items):
        self.items = list(items)

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


SEQUENCES = {"list": list, "tuple": tuple, "point": lambda items: Point(*items),
             "user list": UserList, "row": Row}


@st.composite
def layouts(draw):
    """The layout of one sample: leaves (with their shape) nested in mappings (dicts, ordered
    and read-only ones) and sequences (lists, tuples, named tuples, user lists and a read-only
    sequence)."""
    leaf = st.tuples(st.sampled_from(LEAVES), shapes(max_dims=2, max_side=3))
    return draw(st.recursive(leaf, lambda inner: st.one_of(
        st.tuples(st.sampled_from(list(MAPPINGS)),
                  st.dictionaries(st.sampled_from("abc"), inner, min_size=1)),
        st.tuples(st.sampled_from(["list", "tuple", "user list", "row"]),
                  st.lists(inner, min_size=1, max_size=3)),
        st.tuples(inner, inner).map(lambda xy: ("point", xy)),
    ), max_leaves=6))


def draw_sample(draw, layout):
    """One sample of `layout`, as a (minigrad, torch) pair."""
    kind, content = layout
    if kind in MAPPINGS:
        pairs = {key: draw_sample(draw, inner) for key, inner in content.items()}
        return tuple(MAPPINGS[kind]({k: pair[i] for k, pair in pairs.items()}) for i in (0, 1))
    if kind in SEQUENCES:
        pairs = [draw_sample(draw, inner) for inner in content]
        return tuple(SEQUENCES[kind]([pair[i] for pair in pairs]) for i in (0, 1))
    if kind in ("int", "float", "bool", "str"):
        value = draw({"int": st.integers(-9, 9), "float": st.floats(-9, 9), "bool": st.booleans(),
                      "str": st.text("xyz", max_size=3)}[kind])
        return value, value
    dtype = {"int64 array": np.int64, "int16 scalar": np.int16}.get(kind, np.float32)
    array = draw(arrays(np.dtype(dtype), content))
    if kind.endswith("scalar"):
        return array.flat[0], array.flat[0]
    return (mg.tensor(array), torch.tensor(array)) if kind == "tensor" else (array, array)


def assert_same_structure(actual, expected):
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, mg.Tensor)
        assert_close(actual, expected)
        return
    assert type(actual) is type(expected)
    if isinstance(expected, collections.abc.Mapping):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same_structure(actual[key], expected[key])
    elif isinstance(expected, collections.abc.Sequence) and not isinstance(expected, str):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same_structure(a, e)
    else:
        assert actual == expected


@given(layouts(), st.integers(1, 4), st.data())
def test_default_collate_batches_every_structure_as_torch(layout, batch_size, data):
    pairs = [draw_sample(data.draw, layout) for _ in range(batch_size)]
    expected = torch.utils.data.default_collate([t for _, t in pairs])
    assert_same_structure(mg.utils.data.default_collate([m for m, _ in pairs]), expected)


@given(layouts(), st.data())
def test_default_convert_turns_arrays_into_tensors_as_torch(layout, data):
    mine, theirs = draw_sample(data.draw, layout)
    expected = torch.utils.data.default_convert(theirs)
    assert_same_structure(mg.utils.data.default_convert(mine), expected)


def raised(call):
    try:
        call()
    except Exception as error:
        return type(error), str(error)
    raise AssertionError("no exception")


@pytest.mark.parametrize("batch", [
    [None, None],
    [object(), object()],
    [[1, 2], [3]],
    [np.array(["a"]), np.array(["b"])],
    [np.array(["a"])],
    [np.zeros(2), np.zeros(3)],
], ids=["None", "object", "ragged lists", "string arrays", "one string array", "ragged arrays"])
def test_default_collate_refuses_what_torch_refuses_with_its_error(batch):
    expected = raised(lambda: torch.utils.data.default_collate(batch))
    assert raised(lambda: mg.utils.data.default_collate(batch)) == expected


class Grid(np.ndarray):
    """An ndarray subclass: default_collate finds its function by isinstance, not by type."""


def test_default_collate_batches_an_ndarray_subclass_as_torch():
    batch = [np.arange(3.0).view(Grid), np.ones(3).view(Grid)]
    assert_same_structure(mg.utils.data.default_collate(batch),
                          torch.utils.data.default_collate(batch))


def test_collate_takes_a_types_own_function_before_its_base_classes_as_torch():
    """In a collate_fn_map, the exact type's entry wins over an earlier entry of a base class
    (bool is an int); other types are found by isinstance, in the map's order."""
    def tagged(tag):
        return lambda batch, *, collate_fn_map: (tag, list(batch))

    functions = {int: tagged("int"), bool: tagged("bool")}
    for batch in ([True, False], [1, 2]):
        assert (mg.utils.data.collate.collate(batch, collate_fn_map=functions)
                == torch.utils.data._utils.collate.collate(batch, collate_fn_map=functions))


def test_default_collate_refuses_ragged_tensors_with_torch_error():
    expected = raised(lambda: torch.utils.data.default_collate([torch.zeros(2), torch.zeros(3)]))
    assert raised(lambda: mg.utils.data.default_collate([mg.zeros(2), mg.zeros(3)])) == expected


# --- DataLoader: the same batches as PyTorch, in this process and in worker processes ---------

class Records:
    """A map-style dataset of dicts: a tensor, a number and a string per sample."""

    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": self.lib.tensor([float(i), -i]), "i": i, "name": f"s{i}"}


def batches_as_numbers(loader):
    """Every batch as plain Python values, to compare minigrad's batches with PyTorch's."""
    def plain(value):
        if isinstance(value, (mg.Tensor, torch.Tensor)):
            return (str(value.dtype).split(".")[-1], value.tolist())
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(plain(v) for v in value)
        return value
    return [plain(batch) for batch in loader]


def both(make):
    return make(mg), make(torch)


@settings(max_examples=8)
@given(st.integers(1, 12), st.integers(1, 5), st.booleans(), st.sampled_from([0, 2]),
       st.sampled_from([None, 1, 3]))
def test_loader_batches_and_len_match_torch_with_and_without_workers(
        n, batch_size, drop_last, num_workers, prefetch_factor):
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        Records(lib, n), batch_size=batch_size, drop_last=drop_last, num_workers=num_workers,
        prefetch_factor=prefetch_factor if num_workers else None, timeout=20 * bool(num_workers)))
    assert len(mine) == len(theirs)
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_unbatched_loader_converts_samples_as_torch(num_workers):
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        Records(lib, 5), batch_size=None, num_workers=num_workers))
    assert len(mine) == len(theirs) == 5
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


def test_sampler_and_batch_sampler_choose_the_batches_as_torch():
    order = [4, 0, 3, 3, 1]
    for kwargs in ({"sampler": order, "batch_size": 2},
                   {"batch_sampler": [[4, 0], [2], [1, 1, 3]]},
                   {"sampler": order, "batch_size": 2, "drop_last": True}):
        mine, theirs = both(lambda lib, kw=kwargs: lib.utils.data.DataLoader(Records(lib, 5), **kw))
        assert len(mine) == len(theirs)
        assert batches_as_numbers(mine) == batches_as_numbers(theirs)


def test_in_order_false_and_pin_memory_give_the_same_batches():
    expected = batches_as_numbers(torch.utils.data.DataLoader(Records(torch, 9), batch_size=2))
    loader = mg.utils.data.DataLoader(Records(mg, 9), batch_size=2, num_workers=2,
                                      in_order=False, pin_memory=True, timeout=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = batches_as_numbers(loader)
    assert sorted(got, key=lambda b: b["i"][1]) == expected


@pytest.mark.parametrize("kwargs", [
    {"shuffle": True, "sampler": [0, 1]},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"num_workers": 2, "prefetch_factor": -1},
    {"persistent_workers": True},
    {"multiprocessing_context": "fork"},
    {"num_workers": 2, "multiprocessing_context": "thread"},
    {"num_workers": 2, "multiprocessing_context": 3},
    {"batch_size": 0},
    {"drop_last": 1},
], ids=repr)
def test_conflicting_loader_arguments_raise_torch_errors(kwargs):
    expected = raised(lambda: torch.utils.data.DataLoader(Records(torch, 3), **kwargs))
    assert raised(lambda: mg.utils.data.DataLoader(Records(mg, 3), **kwargs)) == expected


def test_shuffling_an_empty_dataset_raises_torch_error():
    expected = raised(lambda: torch.utils.data.DataLoader(Records(torch, 0), shuffle=True))
    assert raised(lambda: mg.utils.data.DataLoader(Records(mg, 0), shuffle=True)) == expected


def test_loader_attributes_cannot_be_set_after_init_as_torch():
    for name in ("batch_size", "sampler", "dataset", "drop_last"):
        expected = raised(lambda n=name: setattr(torch.utils.data.DataLoader([1]), n, None))
        assert raised(lambda n=name: setattr(mg.utils.data.DataLoader([1]), n, None)) == expected


@given(st.integers(1, 40), st.integers(1, 6), st.integers(-2**63, 2**64 - 1),
       st.booleans(), st.booleans(), st.integers(1, 80),
       st.lists(st.floats(0.01, 5), min_size=1, max_size=8))
def test_every_random_draw_is_torchs_after_the_same_seed(n, batch_size, seed, own_generator,
                                                         replacement, num_samples, weights):
    """DataLoader shuffling (from the global generator or a Generator of its own), every random
    sampler and random_split give PyTorch's indices, in order, after the same seed."""
    def run(lib):
        data = lib.utils.data
        lib.manual_seed(seed)
        gen = lib.Generator().manual_seed(seed + 1 if seed < 2**64 - 1 else 0) \
            if own_generator else None
        out = [[b.tolist() for b in data.DataLoader(list(range(n)), batch_size=batch_size,
                                                    shuffle=True, generator=gen)]
               for _ in range(2)]
        out.append(list(data.RandomSampler(range(n), replacement=replacement,
                                           num_samples=num_samples, generator=gen)))
        out.append(list(data.SubsetRandomSampler(list(range(0, 3 * n, 3)), generator=gen)))
        out.append(list(data.WeightedRandomSampler(
            weights, min(num_samples, len(weights)) if not replacement else num_samples,
            replacement=replacement, generator=gen)))
        parts = [n // 3, n - n // 3]
        out.append([list(p.indices) for p in data.random_split(range(n), parts, generator=gen)
                    ] if gen is not None else [list(p.indices) for p in
                                               data.random_split(range(n), parts)])
        return out

    assert run(mg) == run(torch)


# --- worker processes --------------------------------------------------------------------

class Failing(Records):
    def __getitem__(self, i):
        if i == 4:
            raise ValueError(f"sample {i} is broken")
        return super().__getitem__(i)


def batches_and_errors(loader):
    """The batches of a loader, an error taking the place of the batch that raised it."""
    batches, it = [], iter(loader)
    while True:
        try:
            batches.append(next(it))
        except StopIteration:  # (PyTorch's loaders go on after a worker's error)
            return batches
        except Exception as error:
            batches.append((type(error), str(error)))


def test_worker_exception_is_reraised_with_the_worker_traceback_as_torch():
    mine, theirs = both(lambda lib: batches_and_errors(lib.utils.data.DataLoader(
        Failing(lib, 8), batch_size=2, num_workers=2, timeout=20)))
    assert batches_as_numbers(mine[:2] + mine[3:]) == batches_as_numbers(theirs[:2] + theirs[3:])
    (mine, message), (theirs, expected) = mine[2], theirs[2]
    assert mine is theirs is ValueError
    assert message.splitlines()[:2] == expected.splitlines()[:2] == [
        "Caught ValueError in DataLoader worker process 0.",
        "Original Traceback (most recent call last):"]
    assert message.splitlines()[-1] == expected.splitlines()[-1] == "ValueError: sample 4 is broken"
    assert 'raise ValueError(f"sample {i} is broken")' in message


class WhichWorker(Records):
    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        return i, info.id, info.num_workers, initialised_by


initialised_by = None


def remember_worker(worker_id):
    global initialised_by
    initialised_by = worker_id


def test_workers_get_batches_round_robin_and_their_id_as_torch():
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        WhichWorker(lib, 7), batch_size=2, num_workers=2, worker_init_fn=remember_worker,
        timeout=20))
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)
    assert mg.utils.data.get_worker_info() is None


class Stream:
    """An iterable dataset of n numbers; with workers, each worker reads all of them, or its
    share when `split`."""

    def __init__(self, lib, n, split=False):
        self.lib, self.n, self.split = lib, n, split

    def __iter__(self):
        info = self.lib.utils.data.get_worker_info()
        if self.split and info is not None:
            return iter(range(info.id, self.n, info.num_workers))
        return iter(range(self.n))

    def __len__(self):
        return self.n


def stream(lib, *args):
    return type("S", (Stream, lib.utils.data.IterableDataset), {})(lib, *args)


@settings(max_examples=6)
@given(st.integers(0, 9), st.sampled_from([None, 1, 3]), st.booleans(), st.sampled_from([0, 2]),
       st.booleans())
@example(5, 3, True, 0, False)  # a short last batch dropped (and not counted by len)
@example(5, 3, False, 0, False)
@example(5, 3, True, 2, False)  # each worker's short last batch dropped
def test_iterable_dataset_batches_match_torch(n, batch_size, drop_last, num_workers, split):
    drop_last = drop_last and batch_size is not None
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        stream(lib, n, split), batch_size=batch_size, drop_last=drop_last,
        num_workers=num_workers, timeout=20 * bool(num_workers)))
    assert len(mine) == len(theirs)
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


def test_persistent_workers_serve_every_epoch_with_the_same_processes():
    class Pids(Records):
        def __getitem__(self, i):
            return os.getpid()

    loader = mg.utils.data.DataLoader(Pids(mg, 6), batch_size=2, num_workers=2,
                                      persistent_workers=True, timeout=20)
    epochs = [sorted({p for b in loader for p in b.tolist()}) for _ in range(3)]
    assert epochs[0] == epochs[1] == epochs[2] and len(epochs[0]) == 2
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        Records(lib, 7), batch_size=3, num_workers=2, persistent_workers=True, timeout=20))
    next(iter(mine))  # an unfinished epoch does not leak into the next one
    assert [batches_as_numbers(mine) for _ in range(2)] == [batches_as_numbers(theirs)] * 2


def test_a_slow_worker_times_out_with_torch_error():
    class Slow(Records):
        def __getitem__(self, i):
            time.sleep(1)

    errors = both(lambda lib: raised(lambda: next(iter(lib.utils.data.DataLoader(
        Slow(lib, 1), num_workers=1, timeout=0.3)))))
    assert errors[0] == errors[1] == (RuntimeError, "DataLoader timed out after 0.3 seconds")


# --- samplers -----------------------------------------------------------------------------

@given(st.integers(1, 20), st.integers(1, 6), st.booleans())
def test_sequential_and_batch_samplers_match_torch(n, batch_size, drop_last):
    def batches(lib):
        data = lib.utils.data
        sampler = data.BatchSampler(data.SequentialSampler(range(n)), batch_size, drop_last)
        return list(sampler), len(sampler)

    assert batches(mg) == batches(torch)


@given(st.integers(1, 20), st.booleans(), st.none() | st.integers(1, 45), st.integers(0, 2**31))
def test_random_sampler_draws_num_samples_indices_reproducibly(n, replacement, num_samples, seed):
    def draw():
        mg.manual_seed(seed)
        sampler = mg.utils.data.RandomSampler(range(n), replacement, num_samples)
        return list(sampler), len(sampler)

    (indices, length), again = draw(), draw()
    assert (indices, length) == again
    assert length == len(indices) == (num_samples or n)
    assert all(0 <= i < n for i in indices)
    if not replacement:  # whole permutations, then the start of one more
        for start in range(0, len(indices), n):
            chunk = indices[start:start + n]
            assert len(set(chunk)) == len(chunk)


@pytest.mark.parametrize("make", [
    lambda lib: lib.utils.data.RandomSampler(range(7), replacement=True, num_samples=40),
    lambda lib: lib.utils.data.RandomSampler(range(5), replacement=True, num_samples=70),
    lambda lib: lib.utils.data.WeightedRandomSampler([0.1, 0.2, 0.3, 0.4], 50),
    lambda lib: lib.utils.data.WeightedRandomSampler(np.float32([1e-8, 1, 1e8]), 40),
], ids=["40 with replacement", "70 with replacement", "weighted", "float32 weights"])
def test_samplers_draw_torchs_indices_after_the_same_seed(make):
    """Indices with replacement are drawn 32 at a time, then the rest, and weights are made
    float64, as PyTorch's: the same seed gives the same indices."""
    drawn = []
    for lib in (mg, torch):
        lib.manual_seed(3)
        sampler = make(lib)
        drawn.append((list(sampler), str(getattr(sampler, "weights", lib.zeros(0)).dtype)))
    assert drawn[0][0] == drawn[1][0]
    assert drawn[0][1].split(".")[1] == drawn[1][1].split(".")[1]


def test_subset_random_sampler_is_a_permutation_of_its_indices():
    indices = [7, 3, 11, 5]
    sampler = mg.utils.data.SubsetRandomSampler(indices)
    assert len(sampler) == 4 and sorted(sampler) == sorted(indices)


def test_weighted_random_sampler_follows_the_weights():
    mg.manual_seed(0)
    weights = [0.0, 1.0, 3.0]
    drawn = list(mg.utils.data.WeightedRandomSampler(weights, 4000))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0 and abs(counts[2] / 4000 - 0.75) < 0.03
    distinct = list(mg.utils.data.WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False))
    assert sorted(distinct) == [0, 1, 2] and distinct[-1] == 1


@pytest.mark.parametrize("make", [
    lambda lib: lib.utils.data.RandomSampler(range(3), replacement=1),
    lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=0),
    lambda lib: lib.utils.data.RandomSampler([]),
    lambda lib: lib.utils.data.WeightedRandomSampler([1.0], 0),
    lambda lib: lib.utils.data.WeightedRandomSampler([1.0], 1, replacement=None),
    lambda lib: lib.utils.data.WeightedRandomSampler([[1.0]], 1),
    lambda lib: list(lib.utils.data.WeightedRandomSampler([1.0, -1.0], 1)),
    lambda lib: list(lib.utils.data.WeightedRandomSampler([0.0, 0.0], 1)),
    lambda lib: list(lib.utils.data.WeightedRandomSampler([1.0, 1.0], 3, replacement=False)),
    lambda lib: lib.utils.data.BatchSampler(range(3), 2, drop_last=None),
    lambda lib: lib.utils.data.BatchSampler(range(3), True, drop_last=False),
    lambda lib: lib.utils.data.WeightedRandomSampler([1.0], True),
])
def test_sampler_errors_match_torch(make):
    assert raised(lambda: make(mg)) == raised(lambda: make(torch))


# --- datasets --------------------------------------------------------------------------------

def test_subset_concat_and_stack_datasets_index_as_torch():
    def items(lib):
        data = lib.utils.data
        a, b = Records(lib, 3), Records(lib, 4)
        subset = data.Subset(b, [3, 1])
        concat = data.ConcatDataset([a, subset, b])
        added = data.Subset(a, [0, 1, 2]) + b
        stacked = data.StackDataset(a, data.Subset(b, [0, 1, 2]))
        keyed = data.StackDataset(left=a, right=a)
        samples = [concat[i] for i in range(len(concat))] + [concat[-1], concat[-9], added[5]]
        samples += [stacked[2], keyed[1]]
        return batches_as_numbers(samples), len(concat), concat.cumulative_sizes, len(stacked)

    assert items(mg) == items(torch)


def test_chain_dataset_chains_iterables_as_torch():
    def items(lib):
        chained = lib.utils.data.ChainDataset([stream(lib, 3), stream(lib, 2)])
        return list(chained), len(chained), list(stream(lib, 2) + stream(lib, 1))

    assert items(mg) == items(torch)


@pytest.mark.parametrize("make", [
    lambda lib: lib.utils.data.Dataset()[0],
    lambda lib: lib.utils.data.ConcatDataset([]),
    lambda lib: lib.utils.data.ConcatDataset([stream(lib, 2)]),
    lambda lib: lib.utils.data.ConcatDataset([Records(lib, 2)])[-3],
    lambda lib: list(lib.utils.data.ChainDataset([Records(lib, 2)])),
    lambda lib: lib.utils.data.StackDataset(),
    lambda lib: lib.utils.data.StackDataset(Records(lib, 2), Records(lib, 3)),
    lambda lib: lib.utils.data.StackDataset(Records(lib, 2), b=Records(lib, 2)),
    lambda lib: lib.utils.data.TensorDataset(lib.zeros(2), lib.zeros(3)),
    lambda lib: lib.utils.data.random_split(range(5), [2, 2]),
    lambda lib: lib.utils.data.random_split(range(5), [1.5, -0.5]),
    lambda lib: lib.utils.data.random_split(range(5), [0.2, 0.3]),
    lambda lib: lib.utils.data.random_split(range(5), [0.5, 0.5 + 1e-10]),
])
def test_dataset_errors_match_torch(make):
    assert raised(lambda: make(mg)) == raised(lambda: make(torch))


def split_warnings(lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lib.utils.data.random_split(range(2), [0.5, 0.0, 0.5, 0.0])
    return caught


def test_splits_of_length_0_warn_as_torch():
    """Fractions that give a split no sample warn once for each such split."""
    mine, theirs = ([(w.category, str(w.message)) for w in split_warnings(lib)]
                    for lib in (mg, torch))
    assert mine == theirs and len(theirs) == 2


def test_the_split_of_length_0_warning_names_the_callers_line():
    mine, theirs = ([(w.filename, w.lineno) for w in split_warnings(lib)] for lib in (mg, torch))
    assert mine == theirs and theirs[0][0] == __file__


@given(st.integers(0, 30), st.lists(st.integers(1, 10), min_size=1, max_size=4), st.booleans())
def test_random_split_sizes_match_torch_and_cover_the_dataset(n, parts, as_fractions):
    lengths = [p / sum(parts) for p in parts] if as_fractions else parts
    if not as_fractions:
        n = sum(parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = [len(s) for s in torch.utils.data.random_split(range(n), lengths)]
        except ValueError:  # fractions that do not sum to 1 in floating point
            return
        splits = mg.utils.data.random_split(range(n), lengths)
    assert [len(s) for s in splits] == expected
    assert sorted(i for s in splits for i in s) == list(range(n))


class Dies(Records):
    def __getitem__(self, i):
        if i == 4:
            os._exit(3)
        return i


def test_a_dead_worker_is_reported_as_torch():
    def run(lib):
        return raised(lambda: list(lib.utils.data.DataLoader(
            Dies(lib, 6), batch_size=2, num_workers=2, timeout=20)))

    # PyTorch's workers hand batches over by passing file descriptors; on a loaded machine its
    # main process now and then reads one from the dying worker and gets ConnectionResetError
    # (its own race, not the behaviour compared): then PyTorch is asked again.
    theirs = run(torch)
    for _ in range(3):
        if theirs[0] is not ConnectionResetError:
            break
        theirs = run(torch)
    # Its SIGCHLD handler may also see the death first, with words of its own ("(pid 25853)
    # exited unexpectedly with exit code 3. Details are lost ..."): either of its two is its.
    kind, message = theirs
    assert kind is RuntimeError and re.fullmatch(
        r"DataLoader worker \(pid(\(s\))? \d+\) exited unexpectedly( with exit code 3\. Details "
        r"are lost due to multiprocessing\. Rerunning with num_workers=0 may give better error "
        r"trace\.)?", message)
    kind, message = run(mg)
    assert kind is RuntimeError
    assert re.fullmatch(r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly", message)


class MissingKey(Records):
    def __getitem__(self, i):
        return {}["absent"]


def test_a_worker_key_error_reads_as_text_as_torch():
    errors = both(lambda lib: batches_and_errors(lib.utils.data.DataLoader(
        MissingKey(lib, 1), num_workers=1, timeout=20)))
    [(mine, message)], [(theirs, expected)] = errors
    assert mine is theirs is KeyError
    assert message.splitlines()[0] == expected.splitlines()[0] == (
        "Caught KeyError in DataLoader worker process 0.")
    assert message.splitlines()[-1] == expected.splitlines()[-1] == "KeyError: 'absent'"


class Noise(Records):
    def __getitem__(self, i):
        return mg.rand(1).item(), mg.utils.data.get_worker_info().seed


def test_workers_draw_from_their_own_seeds_reproducibly():
    def run():
        mg.manual_seed(5)
        loader = mg.utils.data.DataLoader(Noise(mg, 4), batch_size=2, num_workers=2,
                                          multiprocessing_context="fork", timeout=20)
        return [(values.tolist(), seeds.tolist()) for values, seeds in loader]

    first = run()
    assert first == run()
    (values0, seeds0), (values1, seeds1) = first
    assert seeds1[0] == seeds0[0] + 1 and values0[0] != values1[0]


class Batched(Records):
    def __getitems__(self, indices):
        return [{"i": i, "batched": True} for i in indices]


def test_a_dataset_reading_whole_batches_is_used_as_torch():
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(Batched(lib, 5), batch_size=2))
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


def test_dataset_and_sampler_types_can_be_subscripted_as_torch():
    class Squares(mg.utils.data.Dataset[int]):
        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return 3

    assert mg.utils.data.Sampler[int] is not None
    assert [b.tolist() for b in mg.utils.data.DataLoader(Squares(), batch_size=2)] == [[0, 1], [4]]


@settings(max_examples=5)
@given(st.integers(1, 12), st.integers(1, 4), st.booleans(), st.integers(0, 2**31 - 1))
def test_shuffled_batches_are_the_same_with_and_without_workers(n, batch_size, drop_last, seed):
    def run(num_workers):
        mg.manual_seed(seed)
        loader = mg.utils.data.DataLoader(Records(mg, n), batch_size=batch_size, shuffle=True,
                                          drop_last=drop_last, num_workers=num_workers,
                                          timeout=20 * bool(num_workers))
        return batches_as_numbers(loader)

    assert run(0) == run(2)


def test_a_loader_that_timed_out_ends_its_pass():
    class Slow(Records):
        def __getitem__(self, i):
            time.sleep(1)

    batches = iter(mg.utils.data.DataLoader(Slow(mg, 3), num_workers=1, timeout=0.2))
    with pytest.raises(RuntimeError, match="timed out"):
        next(batches)
    with pytest.raises(StopIteration):
        next(batches)


@pytest.mark.parametrize("batch", [[], np.array([], dtype=np.int64), [0.0, 1.0], [True, False]],
                         ids=["empty list", "empty array", "floats", "bools"])
def test_a_tensor_dataset_refuses_a_batch_of_no_or_non_integer_indices_as_torch(batch):
    """A custom batch_sampler's batch is read index by index, as PyTorch's fetcher reads it:
    an empty batch fails in default_collate (no first sample), a float index fails in indexing,
    and a bool index adds a dim of size 1 or 0, which stacking refuses. (minigrad read the
    TensorDataset's batch in one indexing, and gave an empty batch, or rows 0 and 1.)"""
    errors = []
    for lib in (torch, mg):
        dataset = lib.utils.data.TensorDataset(lib.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]),
                                               lib.tensor([0, 1, 2]))
        with pytest.raises((IndexError, RuntimeError)) as caught:
            list(lib.utils.data.DataLoader(dataset, batch_sampler=[[2, 0], batch]))
        errors.append(caught.value)
    assert type(errors[1]) is type(errors[0])
    assert str(errors[1]) == str(errors[0])


class Resuming:
    """An iterator that yields again after a StopIteration: 1.0, 2.0, end, 4.0, 5.0, end, end..."""

    def __init__(self):
        self.calls = 0

    def __iter__(self):
        return self

    def __next__(self):
        self.calls += 1
        if self.calls % 3 == 0 or self.calls > 6:
            raise StopIteration
        return float(self.calls)


@pytest.mark.parametrize("num_workers", [0, 1])
def test_an_iterable_dataset_ends_at_its_first_stop_as_torch(num_workers):
    """Fetcher._read_stream 7 and 8: once the stream has stopped in the middle of a batch, that
    short batch is the last; the loader does not read the stream again (which here would go on)."""
    def load(lib):
        dataset = type("R", (lib.utils.data.IterableDataset,), {"__iter__": lambda self:
                                                                 Resuming()})()
        loader = lib.utils.data.DataLoader(dataset, batch_size=4, num_workers=num_workers,
                                           timeout=20 * num_workers)
        return batches_as_numbers(loader)

    mine, theirs = both(load)
    assert mine == theirs == [("float64", [1.0, 2.0])]


def test_a_tensor_dataset_reads_a_batch_of_mixed_numpy_integers_as_torch():
    """Fetcher.fetch 10 and 12: the indices of uint64 and int64 (which NumPy joins into float64)
    are read as integers, as PyTorch reads them one by one."""
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        datasets(lib, 4), batch_sampler=[[np.uint64(3), np.int64(0), 1]]))
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


@pytest.mark.parametrize("batch_size", [1, 2])
def test_a_batch_of_rows_that_need_a_gradient_is_stacked_as_torch(batch_size):
    """The batch of a TensorDataset whose tensors need a gradient ends in a stack, as
    PyTorch's collating ends (not in one indexing of each tensor), and passes the gradient back."""
    nodes, grads = [], []
    for lib in (torch, mg):
        x = lib.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], requires_grad=True)
        (batch,) = next(iter(lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x),
                                                       batch_size=batch_size)))
        (batch * lib.tensor([2.0, 3.0])).sum().backward()
        nodes.append(torch_node_name(batch.grad_fn) if lib is torch else batch.grad_fn.name())
        grads.append(x.grad.numpy())
    assert nodes[1] == nodes[0] == "StackBackward"
    np.testing.assert_array_equal(grads[1], grads[0])


class Short(Batched):
    """A dataset whose batch reading leaves out its last sample."""

    def __getitems__(self, indices):
        return super().__getitems__(indices)[:-1]


def test_subset_and_stack_datasets_read_their_datasets_batches_as_torch():
    """A DataLoader reads a batch of a Subset or a StackDataset by its `__getitems__`, which
    reads each dataset inside by its own `__getitems__` where it has one (else sample by
    sample), so a dataset that reads whole batches is read that way through them."""
    def batches(lib):
        data = lib.utils.data
        datasets = [data.Subset(Batched(lib, 6), [5, 3, 1]), data.Subset(Records(lib, 6), [4, 0]),
                    data.StackDataset(Batched(lib, 3), Records(lib, 3)),
                    data.StackDataset(a=Records(lib, 3), b=Batched(lib, 3))]
        return [batches_as_numbers(data.DataLoader(d, batch_size=2)) for d in datasets]

    assert batches(mg) == batches(torch)


@pytest.mark.parametrize("make", [
    lambda lib: lib.utils.data.StackDataset(Short(lib, 3), Records(lib, 3)).__getitems__([0, 1]),
    lambda lib: lib.utils.data.StackDataset(a=Short(lib, 3)).__getitems__([2]),
    lambda lib: type("OwnItems", (lib.utils.data.Subset,), {"__getitem__": lambda self, i: -i})(
        Records(lib, 3), [0]),
], ids=["tuple", "dict", "Subset subclass"])
def test_a_short_nested_batch_and_a_subset_overriding_only_getitem_are_refused_as_torch(make):
    assert raised(lambda: make(mg)) == raised(lambda: make(torch))


@pytest.mark.parametrize("device", ["", "cuda"])
def test_pin_memory_warns_as_torch_without_an_accelerator(device):
    """pin_memory=True warns at each pass that no accelerator pins memory, after a warning that
    pin_memory_device is deprecated when one is named."""
    caught = []
    for lib in (torch, mg):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            list(lib.utils.data.DataLoader(Records(lib, 2), pin_memory=True,
                                           pin_memory_device=device))
        caught.append([(w.category, str(w.message)) for w in record])
    assert caught[1] == caught[0] and len(caught[0]) == 1 + bool(device)


@pytest.mark.parametrize("kwargs", [
    {}, {"num_workers": 2}, {"num_workers": 2, "prefetch_factor": 0},
    {"num_workers": 1, "multiprocessing_context": "spawn"}, {"batch_sampler": [[0, 1], [2]]},
], ids=["no workers", "workers", "prefetch_factor 0", "spawn", "batch_sampler"])
def test_loader_defaults_and_settings_read_back_as_torch(kwargs):
    def options(lib):
        loader = lib.utils.data.DataLoader(Records(lib, 3), **kwargs)
        context = loader.multiprocessing_context
        return (loader.pin_memory, loader.pin_memory_device, loader.timeout,
                loader.prefetch_factor, loader.in_order, loader.persistent_workers,
                loader.drop_last, loader.batch_size,
                None if context is None else context.get_start_method())

    assert options(mg) == options(torch)


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0, 1]},
                                    {"batch_sampler": [[0]]}], ids=repr)
def test_an_iterable_dataset_refuses_a_sampler_or_shuffling_with_torch_errors(kwargs):
    expected = raised(lambda: torch.utils.data.DataLoader(stream(torch, 3), **kwargs))
    assert raised(lambda: mg.utils.data.DataLoader(stream(mg, 3), **kwargs)) == expected


def test_an_iterable_dataset_takes_shuffle_false_as_torch():
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(stream(lib, 3), shuffle=False))
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


# --- worker processes: what the mutation run of worker.py found ---------------------------

class Unbuildable(Exception):
    """An exception that one message cannot make (at module level: a worker sends its type)."""

    def __init__(self, code, reason):
        super().__init__(code, reason)


class RaisesUnbuildable(Records):
    def __getitem__(self, i):
        raise Unbuildable(3, "no")


def test_a_worker_exception_one_message_cannot_make_comes_back_a_runtime_error_as_torch():
    errors = both(lambda lib: batches_and_errors(lib.utils.data.DataLoader(
        RaisesUnbuildable(lib, 1), num_workers=1, timeout=20)))
    [(mine, message)], [(theirs, expected)] = errors
    assert mine is theirs is RuntimeError
    assert message.splitlines()[0] == expected.splitlines()[0] == (
        "Caught Unbuildable in DataLoader worker process 0.")
    assert message.splitlines()[-1] == expected.splitlines()[-1]


class Daemonic(Records):
    def __getitem__(self, i):
        return multiprocessing.current_process().daemon


def test_workers_are_daemon_processes_as_torch():
    """So that they never keep the main process from exiting."""
    mine, theirs = both(lambda lib: batches_as_numbers(lib.utils.data.DataLoader(
        Daemonic(lib, 2), num_workers=2, timeout=20)))
    assert mine == theirs == [("bool", [True])] * 2


class Seeds(Records):
    def __getitem__(self, i):
        return self.lib.utils.data.get_worker_info().seed


def test_worker_seeds_are_drawn_from_the_loaders_own_generator_as_torch():
    def run(lib):
        lib.manual_seed(3)
        loader = lib.utils.data.DataLoader(Seeds(lib, 4), batch_size=2, num_workers=2,
                                           generator=lib.Generator().manual_seed(11), timeout=20)
        return batches_as_numbers(loader), lib.rand(1).item()  # the global generator untouched

    assert run(mg) == run(torch)


def test_an_abandoned_pass_stops_its_workers_as_torch():
    def workers(lib):
        before = set(multiprocessing.active_children())
        batches = iter(lib.utils.data.DataLoader(Records(lib, 6), batch_size=2, num_workers=2,
                                                 timeout=20))
        next(batches)
        started = len(set(multiprocessing.active_children()) - before)
        del batches
        gc.collect()
        return started, len(set(multiprocessing.active_children()) - before)

    assert workers(mg) == workers(torch) == (2, 0)


@pytest.mark.parametrize("drop_last", [False, True])
def test_persistent_workers_read_an_iterable_dataset_anew_each_epoch_as_torch(drop_last):
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        stream(lib, 5, True), batch_size=2, drop_last=drop_last, num_workers=2,
        persistent_workers=True, timeout=10))
    assert [batches_as_numbers(mine) for _ in range(2)] == [
        batches_as_numbers(theirs) for _ in range(2)]


class Unreadable:
    def __iter__(self):
        raise ValueError("no stream today")


def test_an_iterable_dataset_that_cannot_start_fails_in_its_worker_as_torch():
    """The error of making the dataset's iterator comes back with the first batch, as an error
    in a worker's worker_init_fn does."""
    errors = both(lambda lib: raised(lambda: next(iter(lib.utils.data.DataLoader(
        type("U", (Unreadable, lib.utils.data.IterableDataset), {})(), num_workers=1,
        timeout=20)))))
    (mine, message), (theirs, expected) = errors
    assert mine is theirs is ValueError
    assert message.splitlines()[0] == expected.splitlines()[0] == (
        "Caught ValueError in DataLoader worker process 0.")
    assert message.splitlines()[-1] == expected.splitlines()[-1] == "ValueError: no stream today"


@pytest.mark.parametrize("num_workers", [3, 4])
def test_tasks_go_round_robin_to_more_than_two_workers_as_torch(num_workers):
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        WhichWorker(lib, 9), batch_size=2, num_workers=num_workers,
        worker_init_fn=remember_worker, timeout=20))
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


class Sleepy(Records):
    def __init__(self, lib, n, seconds):
        super().__init__(lib, n)
        self.seconds = seconds

    def __getitem__(self, i):
        time.sleep(self.seconds)
        return super().__getitem__(i)


def test_without_a_timeout_the_loader_waits_for_a_slow_worker_idly_as_torch():
    """Waiting on the workers polls their results every 0.2 s, it does not spin."""
    def first_batch(lib):
        batches = iter(lib.utils.data.DataLoader(Sleepy(lib, 1, 1.5), num_workers=1))
        start = time.process_time()
        batch = batches_as_numbers([next(batches)])
        return batch, time.process_time() - start < 0.3

    assert first_batch(mg) == first_batch(torch)
    assert first_batch(mg)[1]


def test_a_timeout_shorter_than_the_poll_is_kept_as_torch():
    errors = both(lambda lib: raised(lambda: next(iter(lib.utils.data.DataLoader(
        Sleepy(lib, 1, 0.6), num_workers=1, timeout=0.1)))))
    assert errors[0] == errors[1] == (RuntimeError, "DataLoader timed out after 0.1 seconds")


def die(worker_id):
    os._exit(3)


def test_workers_that_died_together_are_all_named_as_torch():
    """Both die as they start, long before the loader's first look at them (0.2 s), so the
    error names both, as PyTorch's names every worker it finds dead. (PyTorch's SIGCHLD handler
    sometimes reports the first death before that look, in words of its own: on a loaded
    machine, one CI run in three.)"""
    messages = []
    for lib in (mg, torch):
        kind, message = raised(lambda lib=lib: next(iter(lib.utils.data.DataLoader(
            Records(lib, 4), num_workers=2, worker_init_fn=die, timeout=20))))
        assert kind is RuntimeError
        messages.append(message)
    assert re.fullmatch(r"DataLoader worker \(pid\(s\) \d+, \d+\) exited unexpectedly",
                        messages[0])
    assert re.fullmatch(r"DataLoader worker \(pid\(s\) \d+(, \d+)*\) exited unexpectedly",
                        messages[1]) or re.fullmatch(
        r"DataLoader worker \(pid \d+\) exited unexpectedly with exit code 3\. Details are lost "
        r"due to multiprocessing\. Rerunning with num_workers=0 may give better error trace\.",
        messages[1])


def test_a_forked_copy_of_a_pass_leaves_the_workers_to_their_own_process():
    """A process forked in the middle of a pass holds a copy of its iterator; dropping the copy
    stops nothing (it could not: the workers are not its children), and the pass goes on."""
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        Records(lib, 6), batch_size=2, num_workers=2, timeout=20))
    batches = iter(mine)
    first = next(batches)
    pid = os.fork()
    if pid == 0:  # the copy: any error in dropping it ends this process with status 1
        sys.unraisablehook = lambda _: os._exit(1)
        del batches
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    assert batches_as_numbers([first, *batches]) == batches_as_numbers(theirs)


class Draws(Records):
    """What a worker draws from Python's, NumPy's and the library's global generators, and
    whether its worker info holds the dataset it reads."""

    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        return (random.random(), float(np.random.rand()), self.lib.rand(1).item(),
                info.dataset is self)


def test_workers_seed_python_numpy_and_their_own_generator_as_torch():
    """PyTorch seeds NumPy's global generator in each worker too (minigrad's workers all
    inherited the main process's NumPy state, and drew the same numbers)."""
    def run(lib):
        lib.manual_seed(21)
        np.random.seed(0)
        return batches_as_numbers(lib.utils.data.DataLoader(
            Draws(lib, 4), batch_size=2, num_workers=2, timeout=20))

    mine, theirs = run(mg), run(torch)
    assert mine == theirs
    assert mine[0][1] != mine[1][1]  # (the two workers' NumPy numbers differ)


class Uneven:
    """An iterable dataset whose worker i reads sizes[i] numbers (i * 10, i * 10 + 1, ...)."""

    def __init__(self, lib, sizes):
        self.lib, self.sizes = lib, sizes

    def __iter__(self):
        worker = self.lib.utils.data.get_worker_info().id
        return iter(range(worker * 10, worker * 10 + self.sizes[worker]))


@pytest.mark.parametrize("sizes", [(1, 3), (0, 2, 5), (4, 1, 2), (8, 1, 8)], ids=str)
@pytest.mark.parametrize("batch_size", [1, 2])
def test_workers_of_an_iterable_dataset_ending_at_different_times_as_torch(sizes, batch_size):
    """A worker's end leaves the others to go on reading, passed over in the round's order."""
    mine, theirs = both(lambda lib: lib.utils.data.DataLoader(
        type("U", (Uneven, lib.utils.data.IterableDataset), {})(lib, sizes),
        batch_size=batch_size, num_workers=len(sizes), timeout=20))
    assert batches_as_numbers(mine) == batches_as_numbers(theirs)


class BreaksAfterOne:
    def __iter__(self):
        yield 0
        raise ValueError("the stream broke")


def test_an_error_in_an_iterable_datasets_worker_is_not_its_end_as_torch():
    errors = both(lambda lib: batches_and_errors(lib.utils.data.DataLoader(
        type("B", (BreaksAfterOne, lib.utils.data.IterableDataset), {})(), num_workers=1,
        timeout=20)))
    mine, theirs = errors
    assert batches_as_numbers(mine[:1]) == batches_as_numbers(theirs[:1])
    assert len(mine) == len(theirs) == 2
    assert mine[1][0] is theirs[1][0] is ValueError
    assert mine[1][1].splitlines()[-1] == theirs[1][1].splitlines()[-1] == (
        "ValueError: the stream broke")
