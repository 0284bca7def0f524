"""The cyclic collector is paused around a chunk's replications and left as it was found;
garbage in cycles is still collected between replications once enough has piled up."""

from __future__ import annotations

import gc

from sim.montecarlo import collector
from sim.montecarlo.batch import Fixed, Task, run_task
from sim.montecarlo.streams import RUN
from tests.builders import scenario


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_chunk_leaves_the_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    run_task(Task("run", Fixed(scenario(3, {})), 1, RUN, 0, 20))
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        with collector.collector_paused():
            pass
        assert not gc.isenabled()  # one that was off stays off
    finally:
        gc.enable()


def test_cycles_made_while_paused_are_collected_when_due(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(collector, "YOUNG_LIMIT", 1_000)
    with collector.collector_paused():
        assert not gc.isenabled()
        for _ in range(5_000):
            _Cycle()
        before = gc.get_count()[0]
        collector.collect_if_due()
        assert gc.get_count()[0] < before  # the young generation was collected


def test_stories_leave_no_cycles_behind() -> None:
    # a threat's story is freed by reference counting when it ends: the garbage in cycles a
    # replication leaves does not grow with its threats (only the event loop's few objects)
    from sim import replication_rng, run_replication
    from tests.builders import battery

    def cycles(threats: int) -> int:
        s = scenario(threats, {"b": battery(0.5, "shoot-look-shoot")})
        run_replication(s, replication_rng(2, 99))  # caches now hold s, not what came before
        gc.collect()
        gc.disable()
        try:
            for i in range(10):
                run_replication(s, replication_rng(2, i))
            return gc.collect()
        finally:
            gc.enable()

    # fewer than one per threat and replication, where each ended story used to leave five
    # (10,060 here); not an exact count, since threads of other tests may leave a few too
    assert cycles(200) < 200 * 10
