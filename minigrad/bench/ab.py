"""Old code against new, in turns: `python -m minigrad.bench.ab W1 OLD_TREE NEW_TREE`.

`minigrad bench` compares libraries in one run; this compares two checkouts of minigrad (the
old one in a git worktree, say) on one workload. Each tree gets a process of its own that
builds the workload once; the two then time N steps in turn, the order alternating, so that
whatever else the machine does falls on both alike. It prints the median of the per-turn
ratios new/old, and the ratio of the fastest turns. (How README's cost figures were measured.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

WORKER = r"""
import sys, time, gc
import minigrad as lib, minigrad.bench as bench
w = bench.WORKLOADS[sys.argv[1]]
trainer = w.torch_api(lib, w.make_state(0, w.config), w.config)
for _ in range(50):
    trainer.step()
gc.disable()
for line in sys.stdin:
    n = int(line)
    start = time.perf_counter()
    for _ in range(n):
        trainer.step()
    print((time.perf_counter() - start) / n * 1e6, flush=True)
"""
STEPS_PER_TURN = {"W1": 2000, "W2": 200, "W6": 100, "W8": 100, "OP": 20}


def _time(worker: subprocess.Popen[str], steps: int) -> float:
    """One turn: `worker` times `steps` steps; the microseconds per step."""
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(f"{steps}\n")
    worker.stdin.flush()
    return float(worker.stdout.readline())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m minigrad.bench.ab", description=__doc__)
    parser.add_argument("workload", help="W1 ... W9 or OP")
    parser.add_argument("old", help="the old tree (its root, holding minigrad/)")
    parser.add_argument("new", help="the new tree")
    parser.add_argument("--turns", type=int, default=30, help="turns per tree (default 30)")
    args = parser.parse_args(argv)
    workers = [subprocess.Popen(
        [sys.executable, "-c", WORKER, args.workload], cwd=tree, text=True,
        env={**os.environ, "PYTHONPATH": os.path.abspath(tree)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE) for tree in (args.old, args.new)]
    steps = STEPS_PER_TURN.get(args.workload, 5)
    times: list[list[float]] = [[], []]
    for turn in range(args.turns):
        for i in ((0, 1) if turn % 2 == 0 else (1, 0)):
            times[i].append(_time(workers[i], steps))
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()
    old, new = times
    ratios = [b / a for a, b in zip(old, new)]
    print(f"{args.workload}: old {statistics.median(old):.2f} us, new "
          f"{statistics.median(new):.2f} us (medians); new/old: median of the turns' ratios "
          f"{statistics.median(ratios):.3f}, fastest turns {min(new) / min(old):.3f}")


if __name__ == "__main__":
    main()
