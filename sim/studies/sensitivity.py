"""Sobol sensitivity indices of a sweep's metrics, from SALib's analysis of Saltelli points.

Each point's metric mean is the model output. The indices carry two kinds of noise: the
finite base sample (SALib's bootstrap intervals, ``*_conf``, 95%) and the Monte Carlo error
of each point's mean, which more ``--runs`` per point reduce.
"""

from __future__ import annotations

import warnings

import numpy as np

from sim.montecarlo.streams import Purpose, Stream
from sim.studies.designs import salib_problem
from sim.studies.vary import Vary


def sobol_indices(varies: list[Vary], outputs: dict[str, np.ndarray], seed: int) -> dict:
    """``{metric: {path: {S1, S1_conf, ST, ST_conf}}}`` for each metric's output vector."""
    from SALib.analyze import sobol

    problem = salib_problem(varies)
    result: dict[str, dict] = {}
    for metric, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(y)):
            continue
        rng = Stream(Purpose.SOBOL_BOOTSTRAP).generator(seed)
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            si = sobol.analyze(problem, y, calc_second_order=True, seed=rng)
        result[metric] = {
            v.path: {key: _finite(si[key][j]) for key in ("S1", "S1_conf", "ST", "ST_conf")}
            for j, v in enumerate(varies)
        }
    return result


def _finite(x: float) -> float | None:
    """A plain float, or None where the index is undefined (a metric that never varies)."""
    x = float(x)
    return x if np.isfinite(x) else None
