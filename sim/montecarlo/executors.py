"""Where chunks run: this process, a pool of worker processes, or a Dask cluster.

Every executor maps a function over tasks and yields the results in task order, so the
caller sees the same stream of results whatever runs them; since each task carries its own
seeds, the numbers do not depend on the executor either. At most a few tasks per worker are
in flight at once, which bounds memory for very long runs.

Dask (``pip install 'adsim[cluster]'``): ``cluster`` is a scheduler address
(``tcp://host:8786``) or ``"local"`` for a LocalCluster on this machine. A task whose worker
is lost is resubmitted by Dask (``retries``); being a pure function of its seeds, it gives
the same result.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from sim.io.errors import OptionError

T = TypeVar("T")
R = TypeVar("R")

DASK_RETRIES = 3


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class _Future(Protocol):
    def result(self) -> Any: ...
    def cancel(self) -> Any: ...


def _bounded(submit: Callable[[T], _Future], tasks: Iterable[T], window: int) -> Iterator[Any]:
    """Submit tasks keeping at most ``window`` in flight; yield results in order."""
    pending: deque[_Future] = deque()
    try:
        for task in tasks:
            pending.append(submit(task))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()


def _process_map(fn: Callable[[T], R], tasks: Iterable[T], workers: int) -> Iterator[R]:
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    # fork starts workers in milliseconds with everything already imported
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        yield from _bounded(lambda t: pool.submit(fn, t), tasks, workers * 4)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_client(cluster: str, workers: int) -> tuple[Any, Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise OptionError("cluster", cluster, "needs Dask: pip install 'adsim[cluster]'") from None
    if cluster == "local":
        local = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return Client(local), local
    try:
        return Client(cluster, timeout="10s"), None
    except OSError as exc:
        raise OptionError("cluster", cluster, f"cannot reach the scheduler: {exc}") from None


def _dask_map(fn: Callable[[T], R], tasks: Iterable[T], cluster: str, workers: int) -> Iterator[R]:
    client, local = _dask_client(cluster, workers)
    try:
        n = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        yield from _bounded(
            lambda t: client.submit(fn, t, pure=False, retries=DASK_RETRIES), tasks, n * 4
        )
    finally:
        client.close()
        if local is not None:
            local.close()


def ordered_map(
    fn: Callable[[T], R], tasks: Iterable[T], workers: int, cluster: str | None = None
) -> Iterator[R]:
    """``map(fn, tasks)`` on ``workers`` processes (1: this process) or a Dask cluster."""
    if cluster is not None:
        yield from _dask_map(fn, tasks, cluster, workers)
    elif workers <= 1:
        for task in tasks:
            yield fn(task)
    else:
        yield from _process_map(fn, tasks, workers)
