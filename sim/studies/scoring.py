"""Scoring a predictive distribution against what was observed.

The predictive distribution of a metric is a sample ``x`` of simulated attacks; the
observation is a value or a range ``[low, high]`` (where sources disagree). Per observation:

- **PIT** (probability integral transform), randomised: the observation sits anywhere in
  ``[P(X < low), P(X <= high)]`` (an interval, since counts are discrete and a range spans
  values); the PIT is drawn uniformly within it with a given uniform number ``u``. Over many
  events, a calibrated model gives PIT values uniform on [0, 1].
- **tail probability**, two-sided: ``min(1, 2 min(P(X <= high), P(X >= low)))``, the
  chance of an outcome at least as far from the median as the observation, on its side.
- **interval hits**: whether the observed range overlaps the central 50% interval
  ``[q25, q75]`` and the central 90% interval ``[q05, q95]`` of the sample.
- **log score**: ``-ln P(low <= X <= high)`` (lower is better). When no simulated attack
  falls in the range the estimate would be infinite; it is then taken as ``-ln(0.5 / n)``
  (half of the smallest probability ``n`` runs can see) and flagged ``floored``.

Overall: the share of 50% and 90% interval hits (coverage; calibrated gives 0.5 and 0.9),
the mean log score, and the PIT histogram.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

PIT_BINS = 5


@dataclass(frozen=True)
class Score:
    """How one observation scores against one predictive sample."""

    mean: float
    p05: float
    p25: float
    p50: float
    p75: float
    p95: float
    pit: float
    pit_low: float
    pit_high: float
    tail: float
    in50: bool
    in90: bool
    probability: float  # P(low <= X <= high), estimated
    log_score: float
    floored: bool
    runs: int

    def as_dict(self) -> dict:
        """The score as plain data."""
        return asdict(self)


def score(x: np.ndarray, low: float, high: float, u: float) -> Score:
    """Score the observation ``[low, high]`` against the sample ``x`` (NaN dropped); ``u``
    is the uniform number that randomises the PIT within its interval."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        raise ValueError("no simulated value to score against")
    below = float(np.count_nonzero(x < low)) / n
    at_most = float(np.count_nonzero(x <= high)) / n
    at_least = float(np.count_nonzero(x >= low)) / n
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], method="inverted_cdf")
    hits = int(np.count_nonzero((x >= low) & (x <= high)))
    floored = hits == 0
    prob = hits / n if hits else 0.5 / n
    return Score(
        mean=float(x.mean()),
        p05=float(q[0]),
        p25=float(q[1]),
        p50=float(q[2]),
        p75=float(q[3]),
        p95=float(q[4]),
        pit=below + u * (at_most - below),
        pit_low=below,
        pit_high=at_most,
        tail=min(1.0, 2 * min(at_most, at_least)),
        in50=bool(high >= q[1] and low <= q[3]),
        in90=bool(high >= q[0] and low <= q[4]),
        probability=hits / n,
        log_score=max(0.0, -math.log(prob)),  # never -0.0
        floored=floored,
        runs=n,
    )


def overall(scores: list[Score]) -> dict:
    """Coverage of the 50% and 90% intervals, mean log score and PIT histogram."""
    if not scores:
        return {"pairs": 0}
    pit = np.array([s.pit for s in scores])
    counts, edges = np.histogram(pit, bins=PIT_BINS, range=(0.0, 1.0))
    return {
        "pairs": len(scores),
        "coverage50": float(np.mean([s.in50 for s in scores])),
        "coverage90": float(np.mean([s.in90 for s in scores])),
        "mean_log_score": float(np.mean([s.log_score for s in scores])),
        "floored": int(sum(s.floored for s in scores)),
        "tail_below_0.01": int(sum(s.tail < 0.01 for s in scores)),
        "pit_histogram": {"edges": edges.round(6).tolist(), "counts": counts.tolist()},
    }
