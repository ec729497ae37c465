"""DataLoader worker processes (num_workers > 0), run as PyTorch runs them.

The protocol, between the main process and `num_workers` worker processes:

* Each worker has its own *index queue*; all workers share one *result queue*.
* The main process sends tasks `(task_id, indices)` round robin to the workers still active,
  keeping at most `prefetch_factor * num_workers` tasks in flight; every batch it hands to the
  user frees room for the next task. So the batches are the same as without workers.
* A worker seeds its generators (`base_seed + worker_id`; NumPy's global one from a hash of
  both, as PyTorch seeds it), sets `get_worker_info()`, calls
  `worker_init_fn(worker_id)`, then answers each task with `(task_id, batch)` on the result
  queue. A failure is answered with a `WorkerError` (the exception's type and traceback text),
  the end of an IterableDataset with `WorkerEnded`. `None` stops a worker; `Resume` starts a
  new pass over the dataset (persistent_workers=True keeps the workers between epochs).
* The main process yields results in task order (in_order=True), keeping those that arrive
  early, or as they arrive (in_order=False). A `WorkerError` is raised again in the main
  process when its turn comes, with the worker's traceback in its message.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from minigrad.utils.data.fetch import Fetcher
from minigrad.utils.data.sampler import _seed

_POLL_SECONDS = 0.2  # how often a waiting main process checks that its workers are alive


@dataclass(frozen=True)
class WorkerInfo:
    """What `get_worker_info()` returns inside a worker: its id, the number of workers, its
    seed, and its own copy of the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's WorkerInfo; None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class WorkerEnded:
    """A worker's IterableDataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class Resume:
    """Start a new pass over the dataset (persistent workers)."""


class WorkerError:
    """An exception raised in a worker, carried to the main process as text."""

    def __init__(self, worker_id: int) -> None:
        kind, error, trace = sys.exc_info()
        self.type: Any = kind
        self.message = (f"Caught {type(error).__name__} in DataLoader worker process {worker_id}."
                        f"\nOriginal {''.join(traceback.format_exception(kind, error, trace))}")

    def reraise(self) -> None:
        raise self._exception()  # (made in a helper: a local would keep this frame alive)

    def _exception(self) -> BaseException:
        if self.type is KeyError:  # str(KeyError(m)) would show repr(m), quotes and all
            return KeyError(_KeyErrorMessage(self.message))
        try:
            return self.type(self.message)
        except Exception:  # an exception class that does not take one message
            return RuntimeError(self.message)


class _KeyErrorMessage(str):
    def __repr__(self) -> str:
        return str(self)


def _worker_loop(dataset: Any, index_queue: Any, result_queue: Any, batching: bool,
                 collate_fn: Any, drop_last: bool, base_seed: int, worker_id: int,
                 num_workers: int, init_fn: Any) -> None:
    """The body of one worker process: answer tasks until told to stop (None)."""
    global _worker_info
    from minigrad.random import manual_seed

    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    # Forked workers would all inherit one NumPy state; PyTorch seeds each with the state that
    # NumPy's SeedSequence makes of these four words (its `_generate_state` is that hash).
    np.random.seed(np.random.SeedSequence(
        [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4))
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = Fetcher(dataset, batching, collate_fn, drop_last)
    except Exception:
        init_error = WorkerError(worker_id)
    ended = False
    while (task := index_queue.get()) is not None:
        if isinstance(task, Resume):
            fetcher, ended = Fetcher(dataset, batching, collate_fn, drop_last), False
            continue
        if ended:  # tasks sent before the main process learnt of the end get no answer
            continue
        task_id, index = task
        result: Any
        if init_error is not None:
            result, init_error = init_error, None
        else:
            try:
                result = fetcher.fetch(index)
            except Exception as error:
                if isinstance(error, StopIteration) and fetcher.stream is not None:
                    result, ended = WorkerEnded(worker_id), True
                else:
                    result = WorkerError(worker_id)
        result_queue.put((task_id, result))


class MultiProcessIterator:
    """One pass of a DataLoader over its dataset with worker processes (see the module
    docstring); with persistent workers, `reset` starts the next pass on the same workers."""

    def __init__(self, loader: Any) -> None:
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self.num_workers, self.timeout = loader.num_workers, loader.timeout
        self.max_tasks = loader.prefetch_factor * loader.num_workers
        self.in_order, self.persistent = loader.in_order, loader.persistent_workers
        self.result_queue = context.Queue()
        self.parent = os.getpid()  # a forked process inherits this object, not its workers
        self.index_queues, self.workers = [], []
        base_seed = _seed(loader.generator)
        for worker_id in range(self.num_workers):
            index_queue = context.Queue()
            worker = context.Process(target=_worker_loop, daemon=True, args=(
                loader.dataset, index_queue, self.result_queue, loader._batching,
                loader.collate_fn, loader.drop_last, base_seed, worker_id, self.num_workers,
                loader.worker_init_fn))
            worker.start()
            self.index_queues.append(index_queue)
            self.workers.append(worker)
        self.next_task = 0
        self.reset(loader, first=True)

    def reset(self, loader: Any, first: bool = False) -> None:
        """Start a pass: results of an unfinished earlier pass are ignored when they arrive."""
        self.indices = iter(loader._index_sampler)
        self.first_task = self.wanted = self.next_task
        self.worker_of: dict[int, int] = {}  # task id -> worker, for tasks not yet yielded
        self.early: dict[int, Any] = {}  # results that arrived before their turn
        self.active = [True] * self.num_workers
        self.next_worker = 0
        if not first:
            for index_queue in self.index_queues:
                index_queue.put(Resume())
        for _ in range(self.max_tasks):
            self._send_task()

    def _send_task(self) -> None:
        """Send the sampler's next index to the next active worker, round robin."""
        if not any(self.active):
            return
        try:
            index = next(self.indices)
        except StopIteration:
            return
        while not self.active[self.next_worker]:
            self.next_worker = (self.next_worker + 1) % self.num_workers
        self.index_queues[self.next_worker].put((self.next_task, index))
        self.worker_of[self.next_task] = self.next_worker
        self.next_task += 1
        self.next_worker = (self.next_worker + 1) % self.num_workers

    def __iter__(self) -> MultiProcessIterator:
        return self

    def __next__(self) -> Any:
        while True:
            # skip tasks already handed over (in_order=False) or never to be answered
            while self.wanted < self.next_task and self.wanted not in self.early and (
                    self.wanted not in self.worker_of
                    or not self.active[self.worker_of[self.wanted]]):
                self.worker_of.pop(self.wanted, None)
                self.wanted += 1
            if self.wanted == self.next_task:
                if not self.persistent:
                    self.shutdown()
                raise StopIteration
            if self.wanted in self.early:
                result = self.early.pop(self.wanted)
                self.wanted += 1
                return self._hand_over(result)
            task_id, result = self._receive()
            if task_id < self.first_task:  # from an earlier pass
                continue
            del self.worker_of[task_id]
            if isinstance(result, WorkerEnded):
                self.active[result.worker_id] = False
                self._send_task()
            elif task_id == self.wanted:
                self.wanted += 1
                return self._hand_over(result)
            elif self.in_order:
                self.early[task_id] = result
            else:
                return self._hand_over(result)

    def _hand_over(self, result: Any) -> Any:
        self._send_task()
        if isinstance(result, WorkerError):
            result.reraise()
        return result

    def _receive(self) -> tuple[int, Any]:
        """The next result from any worker; an error if a worker died or `timeout` passed."""
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic() if self.timeout else _POLL_SECONDS
            try:
                return self.result_queue.get(timeout=max(min(left, _POLL_SECONDS), 0))
            except queue.Empty:
                pass
            dead = [w for w, active in zip(self.workers, self.active) if active
                    and not w.is_alive()]
            if dead:
                self.shutdown()
                pids = ", ".join(str(w.pid) for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
            if self.timeout and time.monotonic() >= deadline:
                self.shutdown()
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")

    def shutdown(self) -> None:
        """Stop the workers (they finish their current task first)."""
        for index_queue, worker in zip(self.index_queues, self.workers):
            if worker.is_alive():
                index_queue.put(None)
        for worker in self.workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
        self.workers, self.index_queues = [], []
        self.worker_of, self.early = {}, {}  # nothing more to wait for: the pass ends
        self.active = [False] * self.num_workers

    def __del__(self) -> None:
        if getattr(self, "workers", None) and os.getpid() == self.parent:
            self.shutdown()
