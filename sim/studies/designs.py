"""Where a sweep evaluates the scenario: full factorial, Latin hypercube or Saltelli points.

Every design returns a (points, parameters) array of values, fixed by the sweep seed.
``grid`` takes listed values; ``lhs`` (scipy.stats.qmc) and ``sobol`` (SALib's Saltelli
scheme, N (2D + 2) points for D parameters) take ranges.
"""

from __future__ import annotations

import itertools
from typing import Literal

import numpy as np

from sim.io.errors import OptionError
from sim.montecarlo.streams import Purpose, Stream
from sim.studies.vary import Vary

Design = Literal["grid", "lhs", "sobol"]
DESIGNS = ("grid", "lhs", "sobol")
MAX_POINTS = 1_000_000


def salib_problem(varies: list[Vary]) -> dict:
    """The problem description SALib expects."""
    return {
        "num_vars": len(varies),
        "names": [v.path for v in varies],
        "bounds": [list(v.bounds) for v in varies],
    }


def _check_ranges(varies: list[Vary], design: str) -> None:
    for v in varies:
        if not v.is_range:
            raise OptionError(
                "vary", v.path, f"the {design} design needs a range a:b, got {v.spec!r}"
            )
        if v.low == v.high:
            raise OptionError("vary", v.path, f"range {v.spec!r} is empty")


def design_points(varies: list[Vary], design: str, points: int | None, seed: int) -> np.ndarray:
    """The (points, parameters) values of the design."""
    if design not in DESIGNS:
        raise OptionError("design", design, f"expected one of: {', '.join(DESIGNS)}")
    if design == "grid":
        if points is not None:
            raise OptionError("points", str(points), "the grid design takes no `points`")
        for v in varies:
            if v.is_range:
                raise OptionError(
                    "vary",
                    v.path,
                    f"the grid design needs values (a:b:n or v1,v2,...), got the range {v.spec!r}",
                )
        total = int(np.prod([len(v.values or ()) for v in varies]))
        if total > MAX_POINTS:
            raise OptionError("vary", "", f"the grid has {total:,} points, at most {MAX_POINTS:,}")
        return np.array(list(itertools.product(*(v.values or () for v in varies))), dtype=float)
    _check_ranges(varies, design)
    if points is None or points < 1:
        raise OptionError("points", str(points), f"the {design} design needs `points` N >= 1")
    rng = Stream(Purpose.DESIGN).generator(seed)
    lo = np.array([v.low for v in varies], dtype=float)
    hi = np.array([v.high for v in varies], dtype=float)
    if design == "lhs":
        if points > MAX_POINTS:
            raise OptionError("points", str(points), f"at most {MAX_POINTS:,}")
        from scipy.stats import qmc  # imported here: scipy.stats takes a second to load

        unit = qmc.LatinHypercube(d=len(varies), rng=rng).random(points)
        return qmc.scale(unit, lo, hi)
    from SALib.sample import sobol as saltelli

    if len(varies) < 2:
        raise OptionError("vary", "", "the sobol design needs at least two varied parameters")
    if points & (points - 1):
        raise OptionError(
            "points", str(points), "the sobol design needs a power of 2 (e.g. 64, 256)"
        )
    total = points * (2 * len(varies) + 2)
    if total > MAX_POINTS:
        raise OptionError("points", str(points), f"gives {total:,} points, at most {MAX_POINTS:,}")
    return saltelli.sample(
        salib_problem(varies), points, calc_second_order=True, scramble=True, seed=rng
    )
