"""Python's cyclic garbage collector, kept out of the way of replications.

A replication makes many short-lived objects (SimPy events, generator stories, callbacks)
that refer to each other in cycles. Left alone, the collector runs every few hundred
allocations and now and then scans every object the process holds (modules, the scenario,
the rows so far): with 10,000 threats per replication that made a chunk 1.4 times slower
than it should be, and the cost grew faster than the salvo.

``collector_paused`` freezes what exists before a chunk (``gc.freeze``: those objects are
never scanned again; they are still freed by reference counting), pauses automatic
collection while the chunk's replications run, and collects only the young objects (what
the replications left behind in cycles) between replications once enough have piled up.
So each collection scans about one replication's garbage: the cost stays linear in the
work, and memory stays bounded by a few replications' worth of cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Tracked objects allocated since the last collection before the next one is due: large
# enough that a small replication rarely pays for a collection, small enough to bound the
# garbage held at once (an object is well under a kilobyte).
YOUNG_LIMIT = 200_000


@contextmanager
def collector_paused() -> Iterator[None]:
    """Freeze existing objects and pause automatic collection for the ``with`` body.

    Call ``collect_if_due`` between replications. Restores the collector's state on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def collect_if_due() -> None:
    """Collect the objects allocated since the last collection, when enough have piled up."""
    if gc.get_count()[0] > YOUNG_LIMIT:
        gc.collect(1)
