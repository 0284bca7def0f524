"""Where chunks run: this process, a pool of worker processes, or a Dask cluster.

Every executor maps a function over tasks and yields the results in task order, so the
caller sees the same stream of results whatever runs them; since each task carries its own
seeds, the numbers do not depend on the executor either. At most a few tasks per worker are
in flight at once, which bounds memory for very long runs.

Dask (``pip install 'adsim[cluster]'``): ``cluster`` is a scheduler address
(``tcp://host:8786``) or ``"local"`` for a LocalCluster on this machine. A task whose worker
is lost is resubmitted by Dask (``retries``); being a pure function of its seeds, it gives
the same result.

Local worker processes leave Ctrl-C, SIGTERM and SIGHUP to the parent (a terminal sends
them to the whole process group), which stops them when it stops; and they die with the
parent (Linux), so a killed parent leaves no worker behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import logging
import multiprocessing
import os
import re
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from sim.io.errors import OptionError, RunFailure
from sim.montecarlo.signals import POLL_S, Deliver, held_signals

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
    def result(self, timeout: float | None = None) -> Any: ...
    def done(self) -> bool: ...
    def cancel(self) -> Any: ...


def _result(future: _Future, deliver: Deliver, check: Callable[[], None] | None) -> Any:
    """The future's result; a stop signal that arrives meanwhile is delivered here (one
    held since the last result first: results that keep coming must not delay it), and
    ``check`` (if any) is called while waiting, to raise if the result can never come."""
    deliver()
    while True:
        try:
            return future.result(timeout=POLL_S)
        except TimeoutError:
            if future.done():  # finished just now, or the task itself raised TimeoutError
                return future.result()
        deliver()
        if check is not None:
            check()


def _bounded(
    submit: Callable[[T], _Future],
    tasks: Iterable[T],
    window: int,
    check: Callable[[], None] | None = None,
) -> Iterator[Any]:
    """Submit tasks keeping at most ``window`` in flight; yield results in order.

    Stop signals are held while a pool's code runs and delivered while waiting (see
    ``sim.montecarlo.signals``); ``check`` is called while waiting (``_result``). Closed
    early, the tasks not yet started are cancelled; on an error or a stop they are left to
    the caller, which ends the pool.
    """
    pending: deque[_Future] = deque()
    with held_signals() as deliver:
        try:
            for task in tasks:
                pending.append(submit(task))
                if len(pending) >= window:
                    yield _result(pending.popleft(), deliver, check)
            while pending:
                yield _result(pending.popleft(), deliver, check)
        except GeneratorExit:
            for f in pending:
                f.cancel()
            raise


PR_SET_PDEATHSIG = 1


def _worker_init(parent: int) -> None:
    """A worker ignores the stop signals its process group gets (the parent stops it), takes
    SIGTERM's default action (how a pool is torn down), and dies with its parent."""
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


STOP_WAIT_S = 5.0  # how long a stopped pool may take to wind down before it is left behind


def _workers(pool: Any) -> list[Any]:
    """A pool's worker processes (a private part of ``ProcessPoolExecutor``: none if absent)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def _stop_workers(pool: Any) -> None:
    """End a pool's workers now, without waiting for the tasks they are running, and the
    pool with them in bounded time.

    A result (a few hundred kB) is more than a pipe holds, so a worker is often killed
    half-way through writing one. The pool's management thread, reading that message,
    then waits for the rest; and since this process holds a write end of the result pipe
    too, neither the rest nor an end-of-file ever comes. ``shutdown(wait=True)``, and the
    interpreter's exit (``concurrent.futures`` joins every management thread then), would
    wait for that thread forever. Closing this process's write end lets the thread read
    an end-of-file as soon as the workers are gone: it finds the pool broken, fails the
    tasks still pending and ends.
    """
    procs = _workers(pool)
    manager = getattr(pool, "_executor_manager_thread", None)
    results = getattr(pool, "_result_queue", None)
    for p in procs:  # SIGKILL: a worker forked before its _worker_init ran would catch SIGTERM
        with contextlib.suppress(Exception):
            p.kill()
    if results is not None:
        with contextlib.suppress(Exception):  # a private part of the pool: absent, no harm
            results._writer.close()
    pool.shutdown(wait=False)
    # The thread reaps the workers before it ends (joining them here too would race it for
    # their exit status); normally in milliseconds. Past the bound (only a worker the kernel
    # cannot end yet keeps it), the caller's clean-up goes on; the interpreter's exit would
    # still wait for the thread.
    if manager is not None:
        manager.join(STOP_WAIT_S)


def _died(code: int) -> str:
    """How a worker process that ended with exit code ``code`` died, in words."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = " (the system may have run out of memory)" if -code == signal.SIGKILL else ""
        return f"a worker process was killed by {name}{why}"
    return f"a worker process ended with exit status {code}"


def _workers_alive(pool: Any) -> None:
    """Raise ``RunFailure`` if a worker of ``pool`` has died.

    Workers live as long as the pool, so one that has ended was killed (by the system when
    memory runs out, say). The pool notices by itself only when it is not reading that
    worker's result at the time: killed half-way through writing one, it would leave the
    pool waiting forever for the rest (see ``_stop_workers``).
    """
    for p in _workers(pool):
        code = p.exitcode
        if code is not None:
            raise RunFailure(f"{_died(code)}; the run cannot go on")


def _process_map(fn: Callable[[T], R], tasks: Iterable[T], workers: int) -> Iterator[R]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    methods = multiprocessing.get_all_start_methods()
    # fork starts workers in milliseconds with everything already imported
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    try:
        try:
            yield from _bounded(
                lambda t: pool.submit(fn, t), tasks, workers * 4, lambda: _workers_alive(pool)
            )
        except BrokenProcessPool:  # the pool saw a worker die (between results)
            _workers_alive(pool)
            raise RunFailure("a worker process died; the run cannot go on") from None
        except GeneratorExit:
            # closed early by a caller that has what it needs: the few tasks in flight
            # finish (a stop signal meanwhile ends them, below)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    except GeneratorExit:
        raise
    except BaseException:  # interrupted or failed: the results are not wanted
        # The pool finds its workers gone and fails every task still pending. (Cancelling
        # them first would make it fail on them instead, in Python 3.11.)
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)


ADDRESS = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})/?$"
)
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def _address_ok(cluster: str) -> bool:
    if cluster == "local" or re.match(r"^inproc://\S+$", cluster):  # inproc: this process
        return True
    m = ADDRESS.match(cluster)
    return (
        m is not None
        and 1 <= int(m["port"]) <= 65535
        and (m["scheme"] is None or m["scheme"].lower() in SCHEMES)
    )


def check_cluster(cluster: str) -> None:
    """Refuse a ``cluster`` that is neither "local" nor a scheduler address with a port, or
    that needs Dask when it is not installed (before any work)."""
    if not _address_ok(cluster):
        raise OptionError(
            "cluster",
            cluster,
            "expected a scheduler address with its port (tcp://host:8786, host:8786) or "
            "'local' for a cluster on this machine",
        )
    if importlib.util.find_spec("distributed") is None:
        raise OptionError("cluster", cluster, "needs Dask: pip install 'adsim[cluster]'")


WORKER_WAIT_S = 30.0  # how long a scheduler may take to have a worker


def _dask_client(cluster: str, workers: int) -> tuple[Any, Any]:
    check_cluster(cluster)
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
        client = Client(cluster, timeout="10s")
    except OSError as exc:
        raise OptionError("cluster", cluster, f"cannot reach the scheduler: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except (TimeoutError, OSError):
        with contextlib.suppress(Exception):
            client.close()
        raise OptionError(
            "cluster",
            cluster,
            f"the scheduler has no workers (waited {WORKER_WAIT_S:g} s); start some "
            f"(dask worker {cluster}) or use `cluster` local",
        ) from None
    return client, None


@contextlib.contextmanager
def _dask_quiet() -> Iterator[None]:
    """Keep Dask's and its servers' log lines (and their tracebacks) off stderr, unless
    ADSIM_DEBUG is set: a failure is reported once, in one line."""
    if os.environ.get("ADSIM_DEBUG"):
        yield
        return
    with contextlib.suppress(ImportError):
        import distributed  # noqa: F401  (it sets its loggers' levels when imported)
    names = ["distributed", "tornado", "asyncio"]
    names += [n for n in logging.root.manager.loggerDict if n.split(".")[0] in names]
    saved = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


def _dask_map(fn: Callable[[T], R], tasks: Iterable[T], cluster: str, workers: int) -> Iterator[R]:
    from concurrent.futures import CancelledError

    with _dask_quiet():
        client, local = _dask_client(cluster, workers)
        try:
            n = max(1, len(client.scheduler_info().get("workers", {})) or workers)
            yield from _bounded(
                lambda t: client.submit(fn, t, pure=False, retries=DASK_RETRIES), tasks, n * 4
            )
        except (OSError, CancelledError, TimeoutError) as exc:
            raise RunFailure(
                f"lost the Dask scheduler at {cluster} ({type(exc).__name__}: the work "
                "stopped; set ADSIM_DEBUG=1 for Dask's log)"
            ) from None
        finally:
            with contextlib.suppress(Exception):
                client.close()
            if local is not None:
                with contextlib.suppress(Exception):
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


def _call(job: Callable[[], R]) -> R:
    return job()


def call_each(jobs: Sequence[Callable[[], R]], workers: int) -> list[R]:
    """Call each of ``jobs`` (picklable callables, such as partials of module functions) on
    up to ``workers`` processes, started in list order; their results in that order. For
    independent work at the end of a command (figures), when the workers are free."""
    return list(ordered_map(_call, jobs, max(1, min(workers, len(jobs)))))
