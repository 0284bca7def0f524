"""The one batch driver: tagged tasks in, ordered rows and per-tag distributions out.

Every study is made of the same work: replications of some scenario on some random stream,
grouped by what they belong to (a run, a sweep point, a block of calibration tries). A
``Task`` says which replications to run (a range of indices), of what (a ``Source``: one
scenario, or a scenario per replication built from drawn or given values), on which stream
(``sim.montecarlo.streams``), and under which *tag*. A scenario with per-attack
``uncertainties`` gets one value per uncertain path for each replication here, from the
stream ``Purpose.UNCERTAINTIES`` (``uncertainty_stream``) at the replication's index, so
every study (run, sweep, calibration, predictive) treats them alike. ``perform`` runs tasks
on the chosen executor and yields their results in task order, each with its share of the
tag's running distribution (``Aggregate``), complete when the tag's last task has come back.

A study is then its algorithm alone: which tasks to ask for, what to do with each result
(write a point, judge evidence, stop when precise enough), and its folder handling. Parallel
machinery, ordering, executor cleanup and the ratio metrics live here, once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.engine.replication import run_replication
from sim.model.scenario import Scenario
from sim.model.uncertain import draw_uncertain
from sim.montecarlo.aggregate import Aggregate
from sim.montecarlo.collector import collect_if_due, collector_paused
from sim.montecarlo.executors import default_workers, ordered_map
from sim.montecarlo.streams import RUN, Purpose, ReplicationStreams, Stream
from sim.outcomes import RATIO_NAMES, metric_names, ratio_values

Tag = int | str  # what a task's replications belong to: "run", sweep point k, block b


class Source(Protocol):
    """What replication ``index`` simulates, and the values (if any) that made it."""

    @property
    def base(self) -> Scenario:
        """The scenario whose threat types and batteries name the metrics."""
        ...

    def scenario(self, seed: int, index: int) -> tuple[Scenario, Sequence[float] | None]:
        """The scenario of replication ``index`` under root ``seed``, and its input values."""
        ...


@dataclass(frozen=True)
class Fixed:
    """Every replication simulates the same scenario."""

    base: Scenario

    def scenario(self, seed: int, index: int) -> tuple[Scenario, None]:
        """The scenario itself."""
        return self.base, None


@dataclass(frozen=True)
class Task:
    """Replications ``start`` to ``stop - 1`` of ``source`` on ``stream``, under ``tag``."""

    tag: Tag
    source: Source
    seed: int
    stream: Stream
    start: int
    stop: int
    last: bool = True  # the tag's last task: its distribution is complete after it
    keep_impacts: int = 0  # keep impact points of replications with index below this


def uncertainty_stream(stream: Stream) -> Stream:
    """The stream of the per-attack uncertainties of ``stream``'s replications: replication
    i of the one is replication i of the other."""
    return Stream(Purpose.UNCERTAINTIES, (int(stream.purpose), *stream.context))


def replication_scenario(
    s: Scenario, seed: int, index: int, stream: Stream = RUN
) -> tuple[Scenario, list[float]]:
    """What replication ``index`` of ``stream`` simulates when ``s`` has uncertainties: ``s``
    at one value per uncertain path, and those values (none when it has no uncertainties)."""
    if not s.uncertainties:
        return s, []
    return draw_uncertain(s, uncertainty_stream(stream).rng(seed, index))


@dataclass
class TaskResult:
    """A task's metric rows, input values and impact points, as plain picklable arrays."""

    tag: Tag
    start: int
    last: bool
    rows: np.ndarray  # (replications, metrics) int64
    inputs: np.ndarray | None  # (replications, values) float, for sources that draw values
    impacts: np.ndarray  # (impacts, 5) float: replication, type index, x, y, 1 for debris
    # the per-attack uncertainties each replication drew: their paths, and (replications,
    # paths) values; no paths when the scenario has none (or a study fixed them all)
    uncertain: tuple[str, ...] = ()
    drawn: np.ndarray | None = None
    # for tasks that are not replications of one scenario (a campaign's): the names of
    # ``rows``' columns, the real-valued columns that stand for the ratios, the units of
    # work done (attacks) and records of the task's own
    names: tuple[str, ...] = ()
    real_names: tuple[str, ...] = ()
    reals: np.ndarray | None = None
    units: int = 0
    records: object = None


def run_task(task: Task) -> TaskResult:
    """Run the replications of one task (in a worker)."""
    rows = []
    inputs = []
    impacts = []
    drawn: list[list[float]] = []
    uncertain: tuple[str, ...] = ()
    streams = ReplicationStreams(task.seed, task.stream)
    streams.prepare(task.start, task.stop)
    draws: ReplicationStreams | None = None
    with collector_paused():  # linear cost in large salvos (sim.montecarlo.collector)
        for i in range(task.start, task.stop):
            s, values = task.source.scenario(task.seed, i)
            if s.uncertainties:
                if draws is None:
                    draws = ReplicationStreams(task.seed, uncertainty_stream(task.stream))
                    draws.prepare(i, task.stop)
                    uncertain = tuple(s.uncertainties)
                s, u = draw_uncertain(s, draws.rng(i))
                drawn.append(u)
            rep = run_replication(s, streams.rng(i))
            rows.append(rep.row)
            if values is not None:
                inputs.append(values)
            if i < task.keep_impacts and len(rep.impact_x):
                impacts.append(_impact_rows(i, rep.impact_type, rep.impact_x, rep.impact_y, 0.0))
            if i < task.keep_impacts and len(rep.debris_x):
                impacts.append(_impact_rows(i, rep.debris_type, rep.debris_x, rep.debris_y, 1.0))
            collect_if_due()
    return TaskResult(
        tag=task.tag,
        start=task.start,
        last=task.last,
        rows=np.asarray(rows, dtype=np.int64),
        inputs=np.asarray(inputs, dtype=float) if inputs else None,
        impacts=np.vstack(impacts) if impacts else np.empty((0, 5)),
        uncertain=uncertain,
        drawn=np.asarray(drawn, dtype=float) if drawn else None,
    )


def _impact_rows(
    i: int, types: np.ndarray, x: np.ndarray, y: np.ndarray, debris: float
) -> np.ndarray:
    """Rows (replication, type index, x, y, debris flag) of the impacts kept for maps."""
    n = len(x)
    return np.column_stack([np.full(n, i), types, x, y, np.full(n, debris)])


def chunk_size(runs: int, workers: int, per_tag: int | None = None) -> int:
    """Replications per task: enough to amortise overhead, small enough to balance load.

    ``runs`` is the whole batch; ``per_tag`` the replications of one tag (a sweep point),
    which are then spread over the workers too. Results never depend on it.
    """
    size = int(min(1000, max(25, runs // (workers * 8) or 1)))
    return size if per_tag is None else min(size, max(25, per_tag // workers))


def tasks_for(
    tag: Tag,
    source: Source,
    seed: int,
    stream: Stream,
    stop: int,
    size: int,
    start: int = 0,
    keep_impacts: int = 0,
) -> Iterator[Task]:
    """Replications ``start`` to ``stop - 1`` as tasks of ``size``, the last one marked."""
    for a in range(start, stop, size):
        b = min(stop, a + size)
        yield Task(tag, source, seed, stream, a, b, b == stop, keep_impacts)


@dataclass
class Done:
    """One task's result as the driver hands it on, in task order."""

    result: TaskResult
    names: list[str]  # the integer metric columns of ``rows``
    ratios: np.ndarray  # (replications, ratio metrics: ``RATIO_NAMES``)
    aggregate: Aggregate | None  # the tag's distribution so far (complete when ``last``)

    @property
    def rows(self) -> np.ndarray:
        """The task's integer metric rows."""
        return self.result.rows

    @property
    def last(self) -> bool:
        """Whether this was the tag's last task."""
        return self.result.last


def perform(
    tasks: Iterable[Task],
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
    aggregate: bool = True,
    run: Callable[[Task], TaskResult] | None = None,
) -> Generator[Done, None, None]:
    """Run ``tasks`` on ``workers`` processes (or a Dask ``cluster``); yield them in order.

    Closing the iterator early (a study that has what it needs) cancels the tasks still
    queued and stops the workers. ``progress(n)`` is told of every n replications done (or
    of the units of work a result reports). ``run`` runs one task (in a worker; default
    ``run_task``): a campaign passes its own, whose results name their columns.
    """
    workers = default_workers() if workers is None else max(1, workers)
    pending: dict[Tag, Aggregate] = {}  # distributions of the tags not yet complete
    queued: deque[Task] = deque()  # tasks handed to the executor, oldest first

    def feed() -> Iterator[Task]:
        for task in tasks:
            queued.append(task)
            yield task

    # looked up now, not at definition: run_task may be replaced (tests replay chunks)
    results = ordered_map(run or run_task, feed(), workers, cluster)
    try:
        for res in results:
            task = queued.popleft()
            cols = list(res.names) or metric_names(task.source.base)
            real_names = list(res.real_names) or list(RATIO_NAMES)
            ratios = res.reals if res.reals is not None else ratio_values(res.rows, cols)
            agg = None
            if aggregate:
                agg = pending.get(res.tag)
                if agg is None:
                    agg = pending[res.tag] = Aggregate(cols, real_names)
                agg.add(res.rows, ratios)
                if res.last:
                    del pending[res.tag]
            if progress is not None:
                progress(res.units or len(res.rows))
            yield Done(res, cols, ratios, agg)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
