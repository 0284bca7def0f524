"""Who stands near the threats that leak: people, alarm and shelters, with their draws.

For an impact at distance r from a person, the damage function (``sim.model.damage``:
cookie-cutter or Carleton, chosen by the scenario) gives each category c (killed, wounded,
tbi) a probability p_c(r). A sheltered person's p_c is multiplied by (1 - protection_c).
One uniform draw per person and impact decides the category (killed if u < p_killed, else
wounded if u < max(p_killed, p_wounded), else tbi if u < max of all three); a person keeps
the most severe outcome over all impacts.

People are uniform in their zone's rectangle and independent, so only those who can be
reached matter. Each zone is cut into equal cells and the cells that meet the square around
some impact's reach (the damage function's reach times the impact's largest radius) are
kept; the number of people in them is drawn as Binomial(N, kept area / zone area) and only
those people are placed (uniformly over the kept cells), given their own compliance,
shelter time and protection draws, and scored against the impacts near their zone. This has
exactly the distribution of placing everyone, at a cost that grows with the people near
impacts, not with the base's population.

A replication makes all of its draws here (``exposure``), in one fixed order: per zone its
people and how many stand in the kept cells; then, for all of them at once, in one array
the two uniforms that place each person and one uniform per person and impact near their
zone, and then the shelter draws. What those numbers mean is worked out later, for many
replications at once (``sim.model.scoring``): a replication's draws never depend on others.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from sim.model.damage import damage_function_for
from sim.model.distributions import Dist
from sim.model.scenario import Scenario

MAX_CELLS_PER_AXIS = 128


@dataclass
class Crowd:
    """The people of one zone who stand in the cells near some impact.

    ``m`` people, uniform over the kept cells of a grid of ``cw`` x ``ch`` m cells from the
    zone's corner ``x0``, ``y0``, scored against the impacts ``near`` (indices into the
    replication's impacts). The kept cells are ``cells`` of them: the ``nj`` rows from
    ``j0`` of the columns from ``i0`` when they form one rectangle (``col`` and ``row``
    None), else the columns ``col`` and rows ``row`` of each.
    """

    m: int
    x0: float
    y0: float
    cw: float
    ch: float
    cells: int
    i0: int
    j0: int
    nj: int
    col: np.ndarray | None
    row: np.ndarray | None
    near: list[int]


@dataclass
class Exposure:
    """One replication's impacts, the people near them and every draw that scores them.

    ``u`` holds two uniforms per person that place them (all the x ones, crowd by crowd,
    then all the y ones), then one per person and near impact (crowd by crowd, then impact
    by impact, then person by person). When the alarm sounded (``alarm`` finite) and people
    shelter, ``complies`` and ``shelter_s`` say who takes cover and how long it takes them;
    ``unprotected`` is 1 - protection per category, (3,) shared by everyone or (3, people).
    """

    damage: str
    x: np.ndarray  # impacts
    y: np.ndarray
    t: np.ndarray
    radii: np.ndarray  # (impacts, 3): killed, wounded, tbi
    reach: list[float]  # of each impact, in m
    crowds: list[Crowd]
    people: int
    u: np.ndarray
    alarm: float
    complies: np.ndarray | None  # None: nobody shelters
    shelter_s: np.ndarray | None
    unprotected: np.ndarray

    @property
    def pairs(self) -> int:
        """How many person-impact pairs it scores."""
        return len(self.u) - 2 * self.people


def exposure(
    s: Scenario,
    rng: np.random.Generator,
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    radii: np.ndarray,
    alarm: float,
) -> Exposure | None:
    """The people near impacts at (x, y) and times t, and their draws (None: nobody is near).

    ``radii`` is (impacts, 3): killed, wounded and tbi radius of each impact; ``alarm`` is the
    time of the first detection (inf when nothing was detected).
    """
    zones = s.base.zones
    if len(x) == 0 or not zones:
        return None
    cut = damage_function_for(s.damage_function).reach
    xs, ys = x.tolist(), y.tolist()
    rs = [max(r) * cut for r in radii.tolist()]
    crowds = []
    for zone in zones.values():
        people = int(zone.personnel.draw(rng))
        (cx, cy), (w, h) = zone.center_m, zone.size_m
        x0, y0 = cx - w / 2, cy - h / 2
        near = [
            j
            for j, (xj, yj, rj) in enumerate(zip(xs, ys, rs, strict=True))
            if rj > 0 and x0 - rj <= xj <= x0 + w + rj and y0 - rj <= yj <= y0 + h + rj
        ]
        if people == 0 or not near:
            continue
        crowd = _crowd(rng, people, x0, y0, w, h, [(xs[j], ys[j], rs[j]) for j in near], near)
        if crowd is not None:
            crowds.append(crowd)
    if not crowds:
        return None
    m = sum(c.m for c in crowds)
    u = rng.random(2 * m + sum(c.m * len(c.near) for c in crowds))
    complies = shelter_s = None
    prot = s.base.protection
    protection = (prot.killed, prot.wounded, prot.tbi)
    warning = s.base.warning if math.isfinite(alarm) else None  # no alarm: nobody shelters
    if warning is not None:
        complies = _complies(rng, warning.compliance, m)
        shelter_s = warning.shelter_time_s.sample(rng, m)
        unprotected = _unprotected_people(rng, protection, m)
    else:
        unprotected = _unprotected(1.0, 1.0, 1.0)  # not used: nobody is under cover
    return Exposure(
        s.damage_function, x, y, t, radii, rs, crowds, m, u, alarm, complies, shelter_s, unprotected
    )


def _crowd(
    rng: np.random.Generator,
    people: int,
    x0: float,
    y0: float,
    w: float,
    h: float,
    impacts: list[tuple[float, float, float]],
    near: list[int],
) -> Crowd | None:
    """How many of a zone's people stand in the cells near an impact, and those cells.

    The zone [x0, x0 + w] x [y0, y0 + h] is cut into equal cells; a cell is kept when it meets
    the square around some impact's reach. Each person is in the kept cells with probability
    kept area / zone area, independently (None when nobody is).
    """
    shortest = min(r for _, _, r in impacts)
    cell = max(shortest / 2, max(w, h) / MAX_CELLS_PER_AXIS)
    nx, ny = max(1, math.ceil(w / cell)), max(1, math.ceil(h / cell))
    cw, ch = w / nx, h / ny
    squares = []
    for xi, yi, reach in impacts:
        i0, i1 = max(0, int((xi - reach - x0) // cw)), min(nx - 1, int((xi + reach - x0) // cw))
        j0, j1 = max(0, int((yi - reach - y0) // ch)), min(ny - 1, int((yi + reach - y0) // ch))
        squares.append((i0, i1, j0, j1))
    col = row = None
    i0, i1, j0, j1 = squares[0]
    if len(squares) == 1:  # one rectangle of cells: counted, not listed
        cells = (i1 - i0 + 1) * (j1 - j0 + 1)
    else:
        kept = np.zeros((nx, ny), dtype=bool)
        for i0, i1, j0, j1 in squares:
            kept[i0 : i1 + 1, j0 : j1 + 1] = True
        listed = kept.ravel().nonzero()[0]
        cells = len(listed)
        grid_col, grid_row = _grid(nx, ny)
        col, row = grid_col[listed], grid_row[listed]
        i0 = j0 = j1 = 0  # not a rectangle
    m = int(rng.binomial(people, cells / (nx * ny)))
    if m == 0:
        return None
    return Crowd(m, x0, y0, cw, ch, cells, i0, j0, j1 - j0 + 1, col, row, near)


@functools.lru_cache(maxsize=64)
def _grid(nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    """Column and row (as floats) of each cell of an nx x ny grid, cells numbered row-major.

    The same numbers as ``np.divmod(cell, ny)``; cached because zones and reaches repeat.
    """
    col, row = np.divmod(np.arange(nx * ny), ny)
    col, row = col.astype(float), row.astype(float)
    col.flags.writeable = row.flags.writeable = False
    return col, row


def _complies(rng: np.random.Generator, compliance: Dist, m: int) -> np.ndarray:
    """Whether each of m people takes shelter, each with its own compliance draw."""
    if compliance.is_constant:
        return rng.random(m) < compliance.params[0]
    chance = compliance.sample(rng, m)
    return rng.random(m) < chance


def _unprotected_people(
    rng: np.random.Generator, protection: tuple[Dist, Dist, Dist], m: int
) -> np.ndarray:
    """1 - protection per category (killed, wounded, tbi) and person: (3, m), or (3,)
    shared by everyone when all three are constants."""
    if all(p.is_constant for p in protection):
        return _unprotected(*(p.params[0] for p in protection))
    return 1.0 - np.array([p.sample(rng, m) for p in protection])


@functools.lru_cache(maxsize=64)
def _unprotected(killed: float, wounded: float, tbi: float) -> np.ndarray:
    """1 - protection per category (killed, wounded, tbi), shared by everyone (cached)."""
    column = 1.0 - np.array([killed, wounded, tbi])
    column.flags.writeable = False
    return column
