"""Monte Carlo: many replications of a scenario, on any number of workers, streamed.

Replications are cut into chunks that run on the chosen executor; their rows come back in
replication order, are handed to an optional sink (the Parquet writer) and folded into the
running histograms. Nothing grows with the number of runs except the sink's file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.engine.record import RATIO, metric_names
from sim.model.scenario import Scenario
from sim.montecarlo.aggregate import Aggregate
from sim.montecarlo.chunk import ChunkResult, ChunkTask, run_chunk
from sim.montecarlo.executors import default_workers, ordered_map

KEEP_IMPACTS = 2000  # replications whose impact points are kept for the map


@dataclass
class MonteCarloResult:
    """Distributions of every metric over the runs, and the impact points kept for maps."""

    scenario: str
    runs: int
    seed: int
    metrics: dict[str, dict]
    impacts: np.ndarray  # (k, 4): replication, type index, x, y
    threat_types: list[str]
    battery_names: list[str]
    elapsed_s: float
    workers: int
    extra: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """The summary.json document."""
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            **self.extra,
            "metrics": self.metrics,
        }


def ratio_column(rows: np.ndarray, names: list[str]) -> np.ndarray:
    """intercepted / fired per replication, NaN where nothing was fired."""
    fired = rows[:, names.index("fired")].astype(float)
    intercepted = rows[:, names.index("intercepted")]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(fired > 0, intercepted / fired, np.nan)[:, None]


def chunk_size(runs: int, workers: int) -> int:
    """Replications per task: enough to amortise overhead, small enough to balance load."""
    return int(min(1000, max(25, runs // (workers * 8) or 1)))


def _tasks(
    s: Scenario, seed: int, start: int, stop: int, size: int, stream: tuple[int, ...], keep: int
) -> Iterator[ChunkTask]:
    for a in range(start, stop, size):
        yield ChunkTask(s, seed, a, min(stop, a + size), stream, keep)


Sink = Callable[[np.ndarray, np.ndarray, int], None]


def run_monte_carlo(
    s: Scenario,
    runs: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    sink: Sink | None = None,
    progress: Callable[[int], None] | None = None,
    stream: tuple[int, ...] = (),
    keep_impacts: int = KEEP_IMPACTS,
    precision: tuple[str, float] | None = None,
    cluster: str | None = None,
) -> MonteCarloResult:
    """Run ``runs`` replications (default: the scenario's) and summarise them.

    ``sink(rows, ratios, first_index)`` receives each chunk's rows in order; ``progress(n)``
    is called with the number of replications just finished. With ``precision =
    (metric, h)``, replications stop once the 95% CI half-width of the metric's mean is at
    most h (checked after each chunk, in order, so the stopping point does not depend on the
    workers), or at ``runs``. ``cluster`` sends the chunks to a Dask scheduler (an address,
    or ``"local"``) instead of local processes; the results are the same.
    """
    runs = s.runs if runs is None else runs
    seed = s.seed if seed is None else seed
    workers = default_workers() if workers is None else max(1, workers)
    names = metric_names(s)
    agg = Aggregate(names, [RATIO])
    impacts: list[np.ndarray] = []
    size = chunk_size(runs, workers)
    if precision is not None:
        size = min(size, 500)
    started = time.perf_counter()
    done = 0
    results: Iterator[ChunkResult] = ordered_map(
        run_chunk, _tasks(s, seed, 0, runs, size, stream, keep_impacts), workers, cluster
    )
    try:
        for res in results:
            ratios = ratio_column(res.rows, names)
            if sink is not None:
                sink(res.rows, ratios, res.start)
            agg.add(res.rows, ratios)
            if len(res.impacts):
                impacts.append(res.impacts)
            done += len(res.rows)
            if progress is not None:
                progress(len(res.rows))
            if (
                precision is not None
                and done >= 1000
                and agg.half_width(precision[0]) <= precision[1]
            ):
                break
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
    extra = {}
    if precision is not None:
        extra["precision"] = {
            "metric": precision[0],
            "half_width": precision[1],
            "achieved": agg.half_width(precision[0]),
            "runs_needed": done,
        }
    return MonteCarloResult(
        scenario=s.name,
        runs=done,
        seed=seed,
        metrics=agg.metrics(),
        impacts=np.vstack(impacts) if impacts else np.empty((0, 4)),
        threat_types=s.threat_types,
        battery_names=s.battery_names,
        elapsed_s=time.perf_counter() - started,
        workers=workers,
        extra=extra,
    )
