"""Monte Carlo: many replications of a scenario, on any number of workers, streamed.

Replications are cut into chunks that run on the chosen executor; their rows come back in
replication order, are handed to an optional sink (the Parquet writer) and folded into the
running histograms. Nothing grows with the number of runs except the sink's file. A run may
keep its finished replications on disk as it goes (``sim.io.run_chunks``), so that a rerun
after an interruption replays them and runs only the rest.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.io.results import KEEP_IMPACTS
from sim.io.run_chunks import Piece

if TYPE_CHECKING:
    import pandas as pd

    from sim.io.run_chunks import RunChunks
from sim.model.scenario import Scenario
from sim.montecarlo.aggregate import Aggregate
from sim.montecarlo.batch import Fixed, Task, chunk_size, perform, tasks_for
from sim.montecarlo.executors import default_workers
from sim.montecarlo.importance import ImportanceSample, uncertainty_importance, unit_of
from sim.montecarlo.streams import RUN, Stream
from sim.outcomes import RATIO_NAMES, columns, is_ratio, metric_names, tidy_frame


@dataclass
class MonteCarloResult:
    """Distributions of every metric over the runs, and the impact points kept for maps."""

    scenario: str
    runs: int
    seed: int
    metrics: dict[str, dict]
    impacts: np.ndarray  # (k, 5): replication, type index, x, y, 1 for debris (else 0)
    threat_types: list[str]
    battery_names: list[str]
    elapsed_s: float
    workers: int
    extra: dict = field(default_factory=dict)
    rows: np.ndarray | None = None  # (runs, counts then ratios), with ``keep_rows=True``
    resumed: int = 0  # replications taken from an interrupted run's kept ones

    def to_frame(self, tidy: bool = True) -> pd.DataFrame:
        """Every replication's metrics as a pandas table (needs pandas, and a run with
        ``keep_rows=True``).

        ``tidy=True`` (the default), the long form: one row per replication and metric,
        columns ``replication, metric, base_metric, type, battery, value`` (``type`` and
        ``battery`` empty where the metric is not per type or per battery). ``tidy=False``,
        the wide form of replications.parquet: one row per replication, one column per
        metric (``leaked``, ``leaked.rocket``, ...).
        """
        if self.rows is None:
            raise ValueError(
                "this result kept no rows: run_monte_carlo(..., keep_rows=True), or read "
                "replications.parquet of `adsim run`"
            )
        cols = columns(self.threat_types, self.battery_names)
        if tidy:
            return tidy_frame(self.rows, cols)
        import pandas as pd

        wide = pd.DataFrame(self.rows, columns=[c.name for c in cols])
        for c in cols:
            if not is_ratio(c.name):
                wide[c.name] = wide[c.name].astype("int64")
        wide.insert(0, "replication", range(len(wide)))
        return wide

    def summary(self) -> dict:
        """The summary.json document."""
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            **self.extra,
            "metrics": self.metrics,
        }


# With a precision target, the stopping rule is checked every this many replications, in
# index order, so the stopping point does not depend on the workers or the chunk size.
PRECISION_STEP = 500


def _precise_chunk(size: int) -> int:
    """The largest divisor of PRECISION_STEP not above ``size`` (chunks end on its marks)."""
    return max(d for d in range(1, PRECISION_STEP + 1) if PRECISION_STEP % d == 0 and d <= size)


# sink(rows, ratios, first) for a scenario without uncertainties; with them, also the drawn
# values: sink(rows, ratios, first, drawn)
Sink = Callable[..., None]


def run_monte_carlo(
    s: Scenario,
    runs: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    sink: Sink | None = None,
    progress: Callable[[int], None] | None = None,
    stream: Stream = RUN,
    keep_impacts: int = KEEP_IMPACTS,
    precision: tuple[str, float] | None = None,
    cluster: str | None = None,
    keep_rows: bool = False,
    chunks: RunChunks | None = None,
    on_impacts: Callable[[np.ndarray], None] | None = None,
) -> MonteCarloResult:
    """Run ``runs`` replications (default: the scenario's) and summarise them.

    ``sink(rows, ratios, first_index)`` receives each chunk's rows in order; ``progress(n)``
    is called with the number of replications just finished. With ``precision =
    (metric, h)``, replications stop once the 95% CI half-width of the metric's mean is at
    most h (checked every ``PRECISION_STEP`` replications in index order, so the stopping
    point does not depend on the workers), or at ``runs``. ``cluster`` sends the chunks to a
    Dask scheduler (an address, or ``"local"``) instead of local processes; the results are
    the same. ``keep_rows`` keeps every replication's metrics in memory for
    ``MonteCarloResult.to_frame`` (memory then grows with the runs). ``on_impacts(points)``
    receives each chunk's kept impact points as they come (the what-if page's live map).

    A scenario with ``uncertainties`` draws one value per path in each replication; the
    sink then gets them too (``sink(rows, ratios, first, drawn)``), and the summary holds
    ``uncertainty_importance`` computed from the first ``importance.SAMPLE`` replications.
    """
    runs = s.runs if runs is None else runs
    seed = s.seed if seed is None else seed
    workers = default_workers() if workers is None else max(1, workers)
    size = chunk_size(runs, workers)
    if precision is not None:
        size = _precise_chunk(min(size, PRECISION_STEP))
    started = time.perf_counter()
    names = metric_names(s)
    agg = Aggregate(names, list(RATIO_NAMES))
    impacts: list[np.ndarray] = []
    kept: list[np.ndarray] = []
    units = {p: unit_of(p, d.kind) for p, d in s.uncertainties.items()}
    sample = ImportanceSample(tuple(s.uncertainties), names, units)
    done = 0

    def take(piece: Piece) -> bool:
        """Fold the next replications in; whether the precision target is met."""
        nonlocal done
        agg.add(piece.rows, piece.ratios)
        if piece.drawn is not None:
            sample.add(piece.drawn, piece.rows)
        if sink is not None:
            if piece.drawn is None:
                sink(piece.rows, piece.ratios, piece.start)
            else:
                sink(piece.rows, piece.ratios, piece.start, piece.drawn)
        if keep_rows:
            kept.append(np.hstack([piece.rows, piece.ratios]))
        if len(piece.impacts):
            impacts.append(piece.impacts)
            if on_impacts is not None:
                on_impacts(piece.impacts)
        done += len(piece.rows)
        return (
            precision is not None
            and done % PRECISION_STEP == 0
            and done >= 2 * PRECISION_STEP
            and agg.half_width(precision[0]) <= precision[1]
        )

    met = False
    resumed = 0
    if chunks is not None:
        for saved in chunks.replay():
            pieces = [saved] if precision is None else _at_marks(saved, PRECISION_STEP)
            for piece in pieces:
                if progress is not None:
                    progress(len(piece.rows))
                met = take(piece)
                if met:
                    break
            if met:
                break
        resumed = done
    if not met and done < runs:
        tasks = _tasks_from(done, Fixed(s), seed, stream, runs, size, keep_impacts)
        results = perform(tasks, workers, cluster, progress, aggregate=False)
        try:
            for res in results:
                r = res.result
                piece = Piece(r.start, res.rows, res.ratios, r.drawn, r.impacts)
                if chunks is not None:
                    chunks.add(piece)
                if take(piece):
                    break
        except BaseException:
            if chunks is not None:  # keep what is finished, whatever stopped the run
                with contextlib.suppress(Exception):
                    chunks.flush()
            raise
        finally:
            results.close()
        if chunks is not None:
            chunks.flush()
    extra: dict = {}
    if s.uncertainties:
        local = default_workers() if cluster else workers  # local processes are free now
        extra["uncertainty_importance"] = uncertainty_importance(sample, seed, local)
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
        impacts=np.vstack(impacts) if impacts else np.empty((0, 5)),
        threat_types=s.threat_types,
        battery_names=s.battery_names,
        elapsed_s=time.perf_counter() - started,
        workers=workers,
        extra=extra,
        rows=np.vstack(kept) if keep_rows and kept else None,
        resumed=resumed,
    )


def _at_marks(piece: Piece, step: int) -> Iterator[Piece]:
    """``piece`` cut where a replication index is a multiple of ``step`` (where a precision
    target is checked), so kept rows are checked at the marks fresh ones would be."""
    a = piece.start
    while a < piece.stop:
        b = min(piece.stop, (a // step + 1) * step)
        i, j = a - piece.start, b - piece.start
        kept = piece.impacts[(piece.impacts[:, 0] >= a) & (piece.impacts[:, 0] < b)]
        drawn = None if piece.drawn is None else piece.drawn[i:j]
        yield Piece(a, piece.rows[i:j], piece.ratios[i:j], drawn, kept)
        a = b


def _tasks_from(
    start: int, source: Fixed, seed: int, stream: Stream, runs: int, size: int, keep_impacts: int
) -> Iterator[Task]:
    """Replications ``start`` to ``runs - 1`` as tasks whose ends fall on multiples of
    ``size`` (a resumed run's first task is the rest of its chunk), as an uninterrupted
    run's do."""
    first = min(runs, -(-start // size) * size)
    if start < first:
        yield Task("run", source, seed, stream, start, first, first == runs, keep_impacts)
    yield from tasks_for("run", source, seed, stream, runs, size, first, keep_impacts)
