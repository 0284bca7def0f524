"""Casualties from the threats that leak: people, alarm, shelters and their scoring.

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
shelter time and protection draws, and scored against the impacts that reach them. This has
exactly the distribution of placing everyone, at a cost that grows with the people near
impacts, not with the base's population.

The placement and the impact loop run compiled (``sim/model/_scoring.pyx``) where the
package was built with a C compiler, from the same draws and with the same results as the
numpy code here, which is their reference (``tests/test_scoring_kernel.py``) and the
fallback.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from sim.model.damage import DamageFunction, damage_function_for
from sim.model.distributions import Dist
from sim.model.scenario import Scenario

try:  # the compiled scoring, built at install where a C compiler is found
    from sim.model._scoring import hurt_in_zone, place_people
except ImportError:  # pragma: no cover - numpy gives the same positions and counts
    hurt_in_zone = place_people = None  # type: ignore[assignment]

MAX_CELLS_PER_AXIS = 128


def casualties(
    s: Scenario,
    rng: np.random.Generator,
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    radii: np.ndarray,
    alarm: float,
) -> tuple[int, int, int]:
    """(killed, wounded, tbi) among the base's people from impacts at (x, y) and times t.

    ``radii`` is (impacts, 3): killed, wounded and tbi radius of each impact; ``alarm`` is the
    time of the first detection (inf when nothing was detected).
    """
    zones = s.base.zones
    if len(x) == 0 or not zones:
        return (0, 0, 0)
    damage = damage_function_for(s.damage_function)
    impacts, table = _impacts(damage, x, y, t, radii)
    prot = (s.base.protection.killed, s.base.protection.wounded, s.base.protection.tbi)
    warning = s.base.warning if math.isfinite(alarm) else None  # no alarm: nobody shelters
    killed = wounded = tbi = 0
    for zone in zones.values():
        people = int(zone.personnel.draw(rng))
        (cx, cy), (w, h) = zone.center_m, zone.size_m
        x0, y0 = cx - w / 2, cy - h / 2
        near = [
            imp
            for imp in impacts
            if imp[3] > 0
            and x0 - imp[3] <= imp[0] <= x0 + w + imp[3]
            and y0 - imp[3] <= imp[1] <= y0 + h + imp[3]
        ]
        if people == 0 or not near:
            continue
        px, py = _people_within_reach(rng, people, x0, y0, w, h, near)
        m = len(px)
        if m == 0:
            continue
        covered_at = None
        unprotected = None
        if warning is not None:
            complies = _complies(rng, warning.compliance, m)
            in_time = alarm + warning.shelter_time_s.sample(rng, m)
            # When each person is under cover: never (inf) for those who do not comply. Impact
            # times are finite, so covered_at <= t is exactly "complies and in time".
            covered_at = np.where(complies, in_time, np.inf)
            unprotected = _unprotected_people(rng, prot, m)
        k, w, t_ = _hurt(rng, damage, px, py, covered_at, unprotected, near, table)
        killed, wounded, tbi = killed + k, wounded + w, tbi + t_
    return (killed, wounded, tbi)


def _impacts(
    damage: DamageFunction, x: np.ndarray, y: np.ndarray, t: np.ndarray, radii: np.ndarray
) -> tuple[list[tuple], np.ndarray]:
    """The impacts as the scoring takes them: a row each of (x, y, t, reach, the three
    squared radii), and for each impact (x, y, t, reach, whether its radii nest, its row)."""
    reach = radii.max(axis=1) * damage.reach  # reach: in largest radii
    table = np.column_stack([x, y, t, reach, damage.squared_radii(radii)])
    impacts = [
        (xi, yi, ti, cut, r[0] <= r[1] <= r[2], i)
        for i, (xi, yi, ti, cut, r) in enumerate(
            zip(x.tolist(), y.tolist(), t.tolist(), reach.tolist(), radii.tolist(), strict=True)
        )
    ]
    return impacts, table


def _hurt(
    rng: np.random.Generator,
    damage: DamageFunction,
    px: np.ndarray,
    py: np.ndarray,
    covered_at: np.ndarray | None,
    unprotected: np.ndarray | None,
    near: list[tuple],
    table: np.ndarray,
) -> tuple[int, int, int]:
    """(killed, wounded, tbi) among the people at (px, py) from the impacts in ``near``
    (their rows of ``table``): compiled where it was built, else in numpy."""
    if hurt_in_zone is None or damage.kernel_rule is None:
        return _score_in_numpy(rng, damage, px, py, covered_at, unprotected, near, table)
    rows = table[[imp[5] for imp in near]]
    carleton = damage.kernel_rule == "carleton"
    return hurt_in_zone(rng, px, py, covered_at, unprotected, rows, carleton)


def _score_in_numpy(
    rng: np.random.Generator,
    damage: DamageFunction,
    px: np.ndarray,
    py: np.ndarray,
    covered_at: np.ndarray | None,
    unprotected: np.ndarray | None,
    near: list[tuple],
    table: np.ndarray,
) -> tuple[int, int, int]:
    """``_hurt`` in numpy: the reference the compiled scoring (``sim/model/_scoring.pyx``) is
    tested against, draw for draw."""
    m = len(px)
    shelter_nests = unprotected is None or _ascending(unprotected)
    # categories each person is spared over all impacts so far: 3 - worst severity
    spared = np.full(m, 3, dtype=np.int8)
    for xi, yi, ti, reach, nested, row in near:
        radius2 = table[row, 4:, None]  # squared radii as a (3, 1) column
        # only the people within reach of this impact can be hurt by it
        dx = px - xi
        dx *= dx
        dy = py - yi
        dy *= dy
        dx += dy  # squared distance
        idx = (dx <= reach * reach).nonzero()[0]
        if len(idx) == 0:
            continue
        exposed = shield = None
        if covered_at is not None and unprotected is not None:
            exposed = covered_at[idx] > ti
            shield = unprotected if unprotected.shape[1] == 1 else unprotected[:, idx]
        nests = nested and shelter_nests
        escaped = damage.spared(rng, dx[idx], radius2, exposed, shield, nests)
        np.minimum.at(spared, idx, escaped)
    killed, wounded, tbi, _ = np.bincount(spared, minlength=4).tolist()
    return killed, wounded, tbi


def _ascending(unprotected: np.ndarray) -> bool:
    """True for a shared (3, 1) column of 1 - protection that does not decrease."""
    if unprotected.shape[1] != 1:
        return False
    killed, wounded, tbi = unprotected[:, 0].tolist()
    return killed <= wounded <= tbi


def _people_within_reach(
    rng: np.random.Generator,
    people: int,
    x0: float,
    y0: float,
    w: float,
    h: float,
    impacts: list[tuple],
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the zone's people who stand in cells near an impact.

    The zone [x0, x0 + w] x [y0, y0 + h] is cut into equal cells; a cell is kept when it meets
    the square around some impact's reach. Each person is in the kept cells with probability
    kept area / zone area, independently, and then uniform over them.
    """
    shortest = min(imp[3] for imp in impacts)
    cell = max(shortest / 2, max(w, h) / MAX_CELLS_PER_AXIS)
    nx, ny = max(1, math.ceil(w / cell)), max(1, math.ceil(h / cell))
    cw, ch = w / nx, h / ny
    kept = np.zeros((nx, ny), dtype=bool)
    for xi, yi, _, reach, _, _ in impacts:
        i0, i1 = max(0, int((xi - reach - x0) // cw)), min(nx - 1, int((xi + reach - x0) // cw))
        j0, j1 = max(0, int((yi - reach - y0) // ch)), min(ny - 1, int((yi + reach - y0) // ch))
        kept[i0 : i1 + 1, j0 : j1 + 1] = True
    cells = kept.ravel().nonzero()[0]
    k = len(cells)
    m = int(rng.binomial(people, k / (nx * ny)))
    if m == 0:
        return np.empty(0), np.empty(0)
    if place_people is not None:
        return place_people(rng, m, cells, ny, x0, y0, cw, ch)
    # One uniform on [0, k) picks the cell (integer part) and the x offset in it (fraction).
    u = rng.random((2, m))
    v = u[0] * k
    which = v.astype(np.intp)
    grid_col, grid_row = _grid(nx, ny)
    col, row = grid_col[cells], grid_row[cells]
    px = x0 + (col[which] + (v - which)) * cw
    py = y0 + (row[which] + u[1]) * ch
    return px, py


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
    """1 - protection per category (killed, wounded, tbi) and person: (3, m), or (3, 1)
    shared by everyone when all three are constants."""
    if all(p.is_constant for p in protection):
        return _unprotected(*(p.params[0] for p in protection))
    return 1.0 - np.array([p.sample(rng, m) for p in protection])


@functools.lru_cache(maxsize=64)
def _unprotected(killed: float, wounded: float, tbi: float) -> np.ndarray:
    """1 - protection per category (killed, wounded, tbi) as a (3, 1) column (cached)."""
    column = 1.0 - np.array([killed, wounded, tbi])[:, None]
    column.flags.writeable = False
    return column
