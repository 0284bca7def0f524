"""What the trimmed event loop (sim/engine/events.py) relies on in SimPy, pinned.

The engine keeps SimPy's ``Environment``, ``Event`` and ``Timeout`` but runs its own lean
loop and builds environments without SimPy's class-dictionary walk, for speed (see
docs/model.md). That reaches into SimPy's private state: the heap ``_queue`` of
``(time, priority, event id, event)`` entries, the id counter ``_eid``, ``_now``,
``_active_proc``, an event's ``callbacks``, ``_value`` and ``_ok``, and the priorities
``URGENT = 0``, ``NORMAL = 1``. A SimPy release that changes any of these fails here, by
name, instead of giving quietly different numbers; pyproject.toml also bounds SimPy below 5.
"""

from __future__ import annotations

import heapq

import simpy
from simpy.core import BoundClass
from simpy.events import NORMAL, PENDING, URGENT, Event, Timeout

from sim.engine.events import LAST, Environment, start


def test_environment_state_is_what_the_trimmed_constructor_sets() -> None:
    reference = simpy.Environment()
    ours = Environment()
    private = {"_now", "_queue", "_eid", "_active_proc"}
    assert private <= set(vars(reference)), "SimPy's Environment state has changed"
    assert private <= set(vars(ours))
    assert reference._now == ours._now == 0
    assert reference._queue == ours._queue == []
    assert isinstance(BoundClass, type)


def test_queue_entries_are_time_priority_id_event() -> None:
    env = simpy.Environment()
    timeout = env.timeout(5)
    ((when, priority, eid, event),) = env._queue
    assert (when, priority, event) == (5, NORMAL, timeout)
    assert isinstance(eid, int)
    assert (URGENT, NORMAL) == (0, 1) and LAST > NORMAL


def test_events_hold_callbacks_value_and_ok() -> None:
    env = simpy.Environment()
    event = Event(env)
    assert event.callbacks == [] and event._value is PENDING
    event.succeed("x")
    assert event._ok and event._value == "x" and event.triggered
    timeout = Timeout(env, 1, "v")
    assert timeout._ok and timeout._value == "v"


def test_the_lean_loop_processes_events_in_simpys_order() -> None:
    # the same schedule run by SimPy and by the trimmed loop: equal order of processing,
    # with ties at one time broken by priority, then by creation
    def schedule(env: simpy.Environment, seen: list) -> None:
        for k, (delay, priority) in enumerate([(3, NORMAL), (1, NORMAL), (3, URGENT), (1, 1)]):
            event = Event(env)
            event.callbacks.append(lambda _, k=k: seen.append((env.now, k)))
            event._ok, event._value = True, None
            heapq.heappush(env._queue, (env.now + delay, priority, next(env._eid), event))

    theirs: list = []
    reference = simpy.Environment()
    schedule(reference, theirs)
    reference.run()
    ours: list = []
    lean = Environment()
    schedule(lean, ours)
    assert lean.run_all() == 4
    assert ours == theirs


def test_a_story_resumes_as_a_simpy_process_would() -> None:
    def story(env: simpy.Environment, seen: list):  # noqa: ANN202
        seen.append(env.now)
        yield env.timeout(2)
        seen.append(env.now)
        yield env.timeout(0.5)
        seen.append(env.now)

    theirs: list = []
    reference = simpy.Environment()
    reference.process(story(reference, theirs))
    reference.run()
    ours: list = []
    lean = Environment()
    start(lean, story(lean, ours), 0)
    lean.run_all()
    assert ours == theirs == [0, 2, 2.5]
