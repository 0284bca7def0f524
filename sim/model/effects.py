"""Casualties from the threats that leak: damage functions, people, alarm and shelters.

For an impact at distance r from a person, category c (killed, wounded, tbi) with radius
R_c has probability p_c(r): 1 if r <= R_c else 0 (cookie-cutter), or exp(-(r/R_c)^2)
(Carleton, same lethal area). A sheltered person's p_c is multiplied by (1 - protection_c).
One uniform draw per person and impact decides the category (killed if u < p_killed, else
wounded if u < max(p_killed, p_wounded), else tbi if u < max of all three); a person keeps
the most severe outcome over all impacts.

People are uniform in their zone's rectangle and independent, so only those who can be
reached matter. Each zone is cut into equal cells; the cells within reach of an impact are
kept, the number of people in them is drawn as Binomial(N, kept area / zone area), and only
those people are placed (uniformly in the kept cells), given a shelter time and a compliance
draw, and scored. This has exactly the distribution of placing everyone, at a cost that grows
with the people near impacts, not with the base's population. The Carleton function is cut
where it falls below 1e-6 (r > 3.72 R).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.scenario import Scenario

CARLETON_CUTOFF = math.sqrt(math.log(1e6))  # p < 1e-6 beyond this many radii
MAX_CELLS_PER_AXIS = 128


def damage_probability(r2: np.ndarray, radius: np.ndarray | float, function: str) -> np.ndarray:
    """p_c at squared distances ``r2`` for effect radius ``radius`` (broadcast together)."""
    radius2 = np.square(radius)
    positive = radius2 > 0
    if function == "cookie-cutter":
        return ((r2 <= radius2) & positive).astype(float)
    return np.where(positive, np.exp(-r2 / np.where(positive, radius2, 1.0)), 0.0)


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
    function = s.damage_function
    cut = 1.0 if function == "cookie-cutter" else CARLETON_CUTOFF
    reach = radii.max(axis=1) * cut
    prot = s.base.protection
    protection = np.array([prot.killed.draw(rng), prot.wounded.draw(rng), prot.tbi.draw(rng)])
    warning = s.base.warning
    shelters = warning is not None and math.isfinite(alarm)
    compliance = warning.compliance.draw(rng) if shelters else 0.0
    totals = np.zeros(4, dtype=np.int64)
    for zone in zones.values():
        people = int(zone.personnel.draw(rng))
        (cx, cy), (w, h) = zone.center_m, zone.size_m
        x0, y0 = cx - w / 2, cy - h / 2
        near = ((x + reach >= x0) & (x - reach <= x0 + w)
                & (y + reach >= y0) & (y - reach <= y0 + h) & (reach > 0))
        if people == 0 or not near.any():
            continue
        xi, yi, ti, ri, reach_i = x[near], y[near], t[near], radii[near], reach[near]
        # Cells about half the shortest reach wide keep the kept area close to the disks.
        cell = max(reach_i.min() / 2, max(w, h) / MAX_CELLS_PER_AXIS)
        nx, ny = max(1, math.ceil(w / cell)), max(1, math.ceil(h / cell))
        cw, ch = w / nx, h / ny
        gx = x0 + (np.arange(nx) + 0.5) * cw
        gy = y0 + (np.arange(ny) + 0.5) * ch
        dx = np.maximum(np.abs(gx[None, :] - xi[:, None]) - cw / 2, 0.0)
        dy = np.maximum(np.abs(gy[None, :] - yi[:, None]) - ch / 2, 0.0)
        within = (dx[:, :, None] ** 2 + dy[:, None, :] ** 2 <= reach_i[:, None, None] ** 2)
        cells = np.flatnonzero(within.any(axis=0))
        m = int(rng.binomial(people, len(cells) / (nx * ny)))
        if m == 0:
            continue
        c = cells[rng.integers(0, len(cells), m)]
        px = x0 + (c // ny + rng.random(m)) * cw
        py = y0 + (c % ny + rng.random(m)) * ch
        r2 = (px[:, None] - xi[None, :]) ** 2 + (py[:, None] - yi[None, :]) ** 2
        p = damage_probability(r2[:, :, None], ri[None, :, :], function)  # (m, impacts, 3)
        if shelters:
            complies = rng.random(m) < compliance
            in_time = alarm + warning.shelter_time_s.sample(rng, m)
            sheltered = complies[:, None] & (in_time[:, None] <= ti[None, :])
            p *= 1.0 - protection[None, None, :] * sheltered[:, :, None]
        u = rng.random(r2.shape)
        p_wounded = np.maximum(p[..., 0], p[..., 1])
        p_any = np.maximum(p_wounded, p[..., 2])
        severity = np.where(u < p[..., 0], 3, np.where(u < p_wounded, 2, np.where(u < p_any, 1, 0)))
        totals += np.bincount(severity.max(axis=1), minlength=4)
    return (int(totals[3]), int(totals[2]), int(totals[1]))
