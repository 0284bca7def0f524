"""Which per-attack uncertainty drives each answer: given-data sensitivity on a run's draws.

A run with ``uncertainties`` draws one value per path in every replication, independently
of each other, and records them beside the metrics. That is a given-data sample of the
model (inputs drawn from their distributions, outputs observed), so first-order sensitivity
indices can be estimated from it without a single extra replication. We use SALib's
RBD-FAST (``SALib.analyze.rbd_fast``, with Tissot and Prieur's bias correction): it needs
no particular design, works on discrete outputs (counts with many zeros, where the density
based ``delta`` measure misbehaves and costs a minute per metric at 20,000 points), and
gives a bootstrap interval (95%). S1 of a path is the share of the metric's variance that
its value alone explains; a path that does not matter has S1 near 0, within its interval.

Memory stays flat: the driver keeps only the first ``SAMPLE`` replications (in index order,
so the sample does not depend on the workers). The bootstrap draws from the purpose's own
stream (``Purpose.UNCERTAINTIES``, no index).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from sim.montecarlo.executors import call_each
from sim.montecarlo.streams import Purpose, Stream
from sim.outcomes import MAIN_METRICS

SAMPLE = 20_000  # replications kept for the indices
RESAMPLES = 30  # bootstrap resamples of the interval (each costs ~3 ms per metric and path)
MIN_SAMPLE = 100  # fewer replications give no indices (RBD-FAST needs N well above 2 M = 20)
METHOD = "SALib rbd_fast: first-order index S1 with its 95% bootstrap half-width S1_conf"


def unit_of(path: str, kind: str) -> str:
    """What an uncertain path's values are in, for axes."""
    if path.endswith("_s"):
        return "s"
    if path.endswith("_m"):
        return "m"
    if path.endswith(".scale"):
        return "factor on the radii"
    return {"probability": "probability", "count": "count"}.get(kind, "")


@dataclass
class ImportanceSample:
    """The first ``limit`` replications' drawn values and main metrics, in index order."""

    paths: tuple[str, ...]
    names: Sequence[str]  # the integer metric columns of a row
    units: dict[str, str] = field(default_factory=dict)  # path -> unit, for figures
    limit: int = SAMPLE
    drawn: list[np.ndarray] = field(default_factory=list)
    metrics: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(self, drawn: np.ndarray, rows: np.ndarray) -> None:
        """Keep what is still needed of one chunk (chunks come in index order)."""
        take = min(len(drawn), self.limit - self.size)
        if take <= 0:
            return
        columns = [self.names.index(m) for m in MAIN_METRICS]
        self.drawn.append(drawn[:take])
        self.metrics.append(rows[:take, columns].astype(float))
        self.size += take


def uncertainty_importance(sample: ImportanceSample, seed: int, workers: int = 1) -> dict:
    """The summary.json block: per main metric and path, S1 and its interval.

    The metrics are analysed side by side on ``workers`` processes (SALib's bootstrap costs
    about a second per metric on 10,000 replications); each uses the same fixed stream, so
    the numbers do not depend on ``workers``.
    """
    out: dict = {
        "method": METHOD,
        "replications": sample.size,
        "paths": list(sample.paths),
        "units": {p: sample.units.get(p, "") for p in sample.paths},
        "metrics": {},
    }
    if sample.size < MIN_SAMPLE:
        out["note"] = f"too few replications for the indices (fewer than {MIN_SAMPLE})"
        return out
    from SALib.analyze import rbd_fast  # noqa: F401  (imported once, before any fork)

    x = np.vstack(sample.drawn)
    y_all = np.vstack(sample.metrics)
    problem = {
        "num_vars": len(sample.paths),
        "names": list(sample.paths),
        "bounds": [[float(c.min()), float(c.max()) + 1e-12] for c in x.T],
    }
    varies = [j for j in range(len(MAIN_METRICS)) if not np.all(y_all[:, j] == y_all[0, j])]
    jobs = [partial(_first_order, problem, x, y_all[:, j], seed) for j in varies]
    found = dict(zip(varies, call_each(jobs, workers), strict=True))
    for j, metric in enumerate(MAIN_METRICS):
        s1 = found.get(j)
        if s1 is None:  # a metric that never varies has no indices
            out["metrics"][metric] = {p: {"S1": None, "S1_conf": None} for p in sample.paths}
            continue
        out["metrics"][metric] = {
            p: {"S1": _finite(s1[0][k]), "S1_conf": _finite(s1[1][k])}
            for k, p in enumerate(sample.paths)
        }
    return out


def _first_order(
    problem: dict, x: np.ndarray, y: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """RBD-FAST S1 of ``y`` for each column of ``x``, and its bootstrap half-width."""
    from SALib.analyze import rbd_fast

    rng = Stream(Purpose.UNCERTAINTIES).generator(seed)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        si = rbd_fast.analyze(problem, x, y, num_resamples=RESAMPLES, seed=rng)
    return np.asarray(si["S1"], dtype=float), np.asarray(si["S1_conf"], dtype=float)


def top_drivers(block: dict, metric: str, n: int = 3) -> list[tuple[str, float, float]]:
    """The ``n`` paths with the largest S1 for ``metric``: (path, S1, half-width)."""
    found = [
        (path, v["S1"], v["S1_conf"] or 0.0)
        for path, v in block.get("metrics", {}).get(metric, {}).items()
        if v["S1"] is not None
    ]
    return sorted(found, key=lambda t: -t[1])[:n]


def _finite(x: float) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
