"""Stop signals held back to safe points while a pool of workers is driven.

A Python signal handler that raises (Ctrl-C's ``KeyboardInterrupt``, the CLI's ``Stopped``)
does so between any two bytecodes of the main thread. Inside a process pool's own code,
between registering a task and queueing it or while holding one of its locks, that leaves
the pool waiting for a task that will never run: the command hangs instead of stopping.
(Seen: about one SIGTERM in fifteen, with the signal apparently swallowed and the main
thread waiting forever on a future.) And the kernel may deliver the signal to one of the
pool's threads, so a main thread blocked on a lock may not even wake up to run the handler.

So, while work is in flight, the stop signals are only recorded, and the waiting loop
(which polls, see ``POLL_S``) hands a recorded signal to the handler that was there before,
at a point where no library code is half-way through anything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

POLL_S = 0.2  # how often a waiting loop looks for a held signal
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

Deliver = Callable[[], None]


def _nothing() -> None:
    return None


@contextlib.contextmanager
def held_signals() -> Iterator[Deliver]:
    """Hold the stop signals inside the block; yield the function that delivers a held one.

    Outside the main thread (where handlers cannot be set) nothing is held. A signal still
    held when the block ends is delivered then.
    """
    if threading.current_thread() is not threading.main_thread():
        yield _nothing
        return
    held: list[int] = []
    before: dict[int, Any] = {}

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    for s in STOP_SIGNALS:
        handler = signal.getsignal(s)
        if handler not in (signal.SIG_IGN, None):
            before[s] = signal.signal(s, hold)

    def restore() -> None:
        while before:
            s, handler = before.popitem()
            signal.signal(s, handler)

    def deliver() -> None:
        if not held or not before:  # nothing held, or already delivered
            return
        signum = held[0]
        handler = before.get(signum)
        restore()
        if callable(handler):
            handler(signum, None)  # the CLI's or Python's handler: raises
        else:  # the default action (to end the process)
            os.kill(os.getpid(), signum)

    try:
        yield deliver
    finally:
        deliver()
        restore()
