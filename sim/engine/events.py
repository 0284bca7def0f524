"""The event loop of one replication: SimPy's environment, trimmed for this model.

``Environment.run_all`` processes events exactly as ``simpy.Environment.run()`` does (time,
priority, then creation order) with the callbacks SimPy would call, leaving out what this
model never uses (stopping at a time or an event, failed events). ``Environment.at``
schedules an event at an absolute time, and ``start`` runs a generator story on the loop
without the bookkeeping of a full SimPy process.
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappop, heappush
from itertools import count
from types import MethodType
from typing import TYPE_CHECKING, Any

import simpy
from simpy.core import BoundClass
from simpy.events import NORMAL, Event, Timeout

Story = Generator[Event, object, object]


# Among events at the same time, those of priority LAST come after all others (SimPy's
# URGENT and NORMAL are 0 and 1). Used for give-up deadlines: a channel freed at the very
# moment a waiting threat's last feasible start comes still serves it.
LAST = 2


class _At(Event):
    """An event that happens at a given time (see ``Environment.at``)."""

    def __init__(self, env: Environment, when: float, priority: int = NORMAL) -> None:
        # Event.__init__ and Environment.schedule, inlined as SimPy's Timeout does
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        heappush(env._queue, (when, priority, next(env._eid), self))  # type: ignore[misc]


class Environment(simpy.Environment):
    """SimPy's environment with a lean ``run_all`` and absolute-time events."""

    if TYPE_CHECKING:  # what the factories below are, for type checkers (as SimPy does)

        def timeout(self, delay: float = 0, value: Any = None) -> Timeout: ...
        def event(self) -> Event: ...
        def at(self, when: float, priority: int = NORMAL) -> _At: ...

    else:
        # Event factories; ``__init__`` binds them to the instance as SimPy's own does.
        timeout = BoundClass(Timeout)
        event = BoundClass(Event)
        at = BoundClass(_At)
        """``env.at(when, priority=NORMAL)``: an event processed at time ``when`` exactly,
        which must not be earlier than now. A timeout of ``when - now`` would land on ``now +
        (when - now)``, which may differ from ``when`` in the last bit; a time computed ahead
        as ``(t + a) + b`` stays the time that waiting ``a`` and then ``b`` would reach."""

    def __init__(self) -> None:
        # simpy.Environment.__init__ at time 0, with its factories bound directly (SimPy's
        # bind_early looks them up by walking the class dictionary)
        self._now = 0
        self._queue = []
        self._eid = count()
        self._active_proc = None
        self.timeout = MethodType(Timeout, self)  # type: ignore[method-assign]
        self.event = MethodType(Event, self)  # type: ignore[method-assign]
        self.at = MethodType(_At, self)  # type: ignore[method-assign]

    def run_all(self) -> int:
        """Process every scheduled event; return how many were processed."""
        queue = self._queue
        processed = 0
        while queue:
            self._now, _, _, event = heappop(queue)
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            for callback in callbacks:
                callback(event)
            processed += 1
        return processed


def start(env: Environment, story: Story, at: float) -> None:
    """Run a story on the event loop from time ``at``.

    A lean stand-in for ``env.process``: it resumes the generator whenever the event it
    yielded is processed. Nothing in this model waits for a story to end, so the
    bookkeeping of a full SimPy ``Process`` (itself an event, interrupts, an initial event)
    is not needed; this halves the cost of each resumption. The story reads the value of
    the event it waited for itself (only channel grants have one), so it is resumed with
    ``send(None)``.
    """

    def resume(_: Event) -> None:
        nonlocal resume
        try:
            story.send(None).callbacks.append(resume)
        except StopIteration:
            # the closure refers to itself: let go of it, so that reference counting frees
            # the story now instead of leaving a cycle to the garbage collector
            del resume

    env.at(at).callbacks.append(resume)
