"""Casualty scoring of many replications at once, from the draws each one made.

``sim.model.effects`` leaves each replication's people near impacts as an ``Exposure``:
crowds in kept cells, the uniforms that place them, one uniform per person and near impact,
and when each is under cover. Turning those into killed, wounded and tbi is arithmetic on
arrays, the same for every replication, so ``score`` does it for all the exposures of a
chunk in a fixed number of array operations: a replication's numbers depend only on its
own draws, never on the chunk it was scored with.

The steps, over all crowds of all replications laid end to end:
1. place each person: the first uniform picks the kept cell (integer part of u * cells) and
   the x offset in it (the fraction), the second the y offset;
2. pair each person with each impact near their crowd, and keep the pairs within the
   damage function's reach;
3. probabilities p_c of each pair, reduced for those under cover by then, and the category
   spared from the pair's uniform (``sim.model.damage.spared``);
4. each person keeps their worst outcome; counts per replication.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.damage import DamageFunction, damage_function_for, spared
from sim.model.effects import Exposure


def score(exposures: Sequence[Exposure | None]) -> np.ndarray:
    """(killed, wounded, tbi) of each exposure, (len(exposures), 3); zeros for None."""
    out = np.zeros((len(exposures), 3), dtype=np.int64)
    by_damage: dict[str, list[int]] = {}
    for i, e in enumerate(exposures):
        if e is not None:
            by_damage.setdefault(e.damage, []).append(i)
    for name, which in by_damage.items():
        chosen = [e for e in (exposures[i] for i in which) if e is not None]
        out[which] = _score(damage_function_for(name), chosen)
    return out


def _score(damage: DamageFunction, exposures: list[Exposure]) -> np.ndarray:
    """(killed, wounded, tbi) of each exposure, all scored by ``damage``."""
    crowd_job: list[int] = []
    # m, x0, y0, cw, ch, cells, i0, j0, nj, first listed cell, 1 if its cells are listed
    crowds: list[tuple[float, ...]] = []
    cols: list[np.ndarray] = []  # the kept cells of crowds that list them
    rows: list[np.ndarray] = []
    pair_crowd: list[int] = []  # (crowd, near impact) in the order of the pairs' uniforms
    pair_impact: list[int] = []
    listed = 0
    first_impact = 0
    for job, e in enumerate(exposures):
        for c in e.crowds:
            g = len(crowds)
            crowd_job.append(job)
            lists = c.col is not None and c.row is not None
            crowds.append((c.m, c.x0, c.y0, c.cw, c.ch, c.cells, c.i0, c.j0, c.nj, listed, lists))
            if c.col is not None and c.row is not None:
                cols.append(c.col)
                rows.append(c.row)
                listed += c.cells
            pair_crowd += [g] * len(c.near)
            pair_impact += [first_impact + j for j in c.near]
        first_impact += len(e.x)
    table = np.array(crowds).T
    sizes = table[0].astype(np.intp)
    crowd = np.repeat(np.arange(len(sizes)), sizes)
    x0, y0, cw, ch, cells, i0, j0, nj, offset, lists = table[1:, crowd]

    # 1. where each person stands: the cell, then the offsets in it
    ux = np.concatenate([e.u[: e.people] for e in exposures])
    uy = np.concatenate([e.u[e.people : 2 * e.people] for e in exposures])
    v = ux * cells
    which = v.astype(np.intp)
    col, row = np.divmod(which, nj.astype(np.intp))  # in a rectangle of cells
    col += i0.astype(np.intp)
    row += j0.astype(np.intp)
    px = x0 + (col + (v - which)) * cw
    py = y0 + (row + uy) * ch
    if cols:  # crowds whose kept cells are listed
        chosen = lists.nonzero()[0]
        cell = offset[chosen].astype(np.intp) + which[chosen]
        px[chosen] = x0[chosen] + (np.concatenate(cols)[cell] + (v - which)[chosen]) * cw[chosen]
        py[chosen] = y0[chosen] + (np.concatenate(rows)[cell] + uy[chosen]) * ch[chosen]

    # 2. people and the impacts near their crowd, within reach
    per_row = sizes[pair_crowd]
    pair_row = np.repeat(np.arange(len(per_row)), per_row)
    first_person = np.cumsum(sizes) - sizes
    person = (first_person[pair_crowd] - (np.cumsum(per_row) - per_row))[pair_row]
    person += np.arange(len(pair_row))
    impact = np.array(pair_impact, dtype=np.intp)[pair_row]
    ix, iy, it = (np.concatenate(a) for a in zip(*_impacts(exposures), strict=True))
    radii = np.concatenate([e.radii for e in exposures])
    reach2 = np.square(radii.max(axis=1) * damage.reach)
    r2 = np.square(px[person] - ix[impact])
    r2 += np.square(py[person] - iy[impact])
    within = (r2 <= reach2[impact]).nonzero()[0]
    person, impact, r2 = person[within], impact[within], r2[within]
    u = np.concatenate([e.u[2 * e.people :] for e in exposures])[within]

    # 3. the category each pair spares
    p = damage.probability(r2, damage.squared_radii(radii)[impact].T)
    owner = np.array(crowd_job)[crowd]  # each person's exposure
    if any(e.complies is not None for e in exposures):
        covered_at = _covered_at(exposures, owner)
        exposed = covered_at[person] > it[impact]
        p *= np.where(exposed, 1.0, _unprotected(exposures, owner)[:, person])
    escaped = spared(u, p)

    # 4. each person's worst outcome, counted per replication
    worst = np.full(len(px), 3, dtype=np.int8)
    np.minimum.at(worst, person, escaped)
    counts = np.bincount(owner * 4 + worst, minlength=4 * len(exposures))
    return counts.reshape(-1, 4)[:, :3]


def _impacts(exposures: list[Exposure]) -> list[tuple[np.ndarray, ...]]:
    """Each exposure's impact arrays (x, y, t)."""
    return [(e.x, e.y, e.t) for e in exposures]


def _covered_at(exposures: list[Exposure], job: np.ndarray) -> np.ndarray:
    """When each person is under cover: alarm + shelter time for those who comply, inf for
    the others and for everyone where nobody shelters (``job``: each person's exposure)."""
    complies = np.concatenate(
        [np.zeros(e.people, bool) if e.complies is None else e.complies for e in exposures]
    )
    shelter_s = np.concatenate(
        [np.zeros(e.people) if e.shelter_s is None else e.shelter_s for e in exposures]
    )
    alarm = np.array([e.alarm for e in exposures])[job]
    # Impact times are finite, so covered_at <= t is exactly "complies and in time".
    return np.where(complies, alarm + shelter_s, np.inf)


def _unprotected(exposures: list[Exposure], job: np.ndarray) -> np.ndarray:
    """1 - protection per category and person, (3, people) (``job``: each person's)."""
    if all(e.unprotected.ndim == 1 for e in exposures):  # one column per exposure
        return np.array([e.unprotected for e in exposures]).T[:, job]
    return np.concatenate(
        [
            np.repeat(e.unprotected[:, None], e.people, 1)
            if e.unprotected.ndim == 1
            else e.unprotected
            for e in exposures
        ],
        axis=1,
    )
