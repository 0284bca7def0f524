"""Where chunks run: in this process, or in a pool of worker processes.

Every executor maps a function over tasks and yields results in task order, so the caller
sees the same stream of results whatever runs them. At most a few tasks per worker are in
flight at once, which bounds memory for very long runs.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _pool(workers: int) -> Executor:
    methods = multiprocessing.get_all_start_methods()
    # fork starts workers in milliseconds with everything already imported
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def ordered_map(
    fn: Callable[[T], R], tasks: Iterable[T], workers: int, in_flight_per_worker: int = 4
) -> Iterator[R]:
    """``map(fn, tasks)`` on ``workers`` processes (1: this process), results in order."""
    if workers <= 1:
        for task in tasks:
            yield fn(task)
        return
    pool = _pool(workers)
    pending: deque[Future[Any]] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(fn, task))
            if len(pending) >= workers * in_flight_per_worker:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
