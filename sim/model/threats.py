"""The salvo: which threats are fired, when, where they aim and whether they are seen.

All of one replication's threat draws are made here, in bulk and in a fixed order, before
the event loop starts (this keeps the random stream independent of what happens in the
engagement). A group's count is drawn once per replication; everything else (launch time,
flight time, aim point, CEP, effect radii, detection probability and delay) once per threat.
A constant takes no draw, so constants leave the random stream as it is.

Impact point of a leaker: aim point plus a circular normal error with
sigma = CEP / sqrt(2 ln 2), so that half the impacts fall within one CEP.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from sim.model.scenario import Detection, Scenario, ThreatGroup

SIGMA_PER_CEP = 1.0 / math.sqrt(2.0 * math.log(2.0))

T = TypeVar("T")


def per_scenario(make: Callable[[Scenario], T]) -> Callable[[Scenario], T]:
    """``make(s)``, computed once for the scenario object last asked about.

    For constants that every replication of a scenario needs: a chunk runs one scenario
    object many times. Scenarios are immutable; the cache holds the object itself, so an
    identity check is safe (a later scenario cannot reuse its id while it is cached).
    """
    last: list[tuple] = [(None, None)]  # one (scenario, value) entry, swapped whole

    def cached(s: Scenario) -> T:
        entry = last[0]
        if entry[0] is not s:
            entry = (s, make(s))
            last[0] = entry
        return entry[1]

    return cached


@dataclass
class Salvo:
    """One replication's threats, as parallel arrays (index = threat id)."""

    type_index: np.ndarray  # int, index into Scenario.threat_types
    launch: np.ndarray  # s
    impact_time: np.ndarray  # s, launch + flight time
    detect_time: np.ndarray  # s, launch + detection delay; inf when not known before impact
    impact_x: np.ndarray  # m, where the threat lands if it leaks
    impact_y: np.ndarray
    radii: np.ndarray  # (threats, 3) killed, wounded, tbi radius in m

    @property
    def size(self) -> int:
        """Number of threats fired."""
        return len(self.type_index)


@dataclass
class _Group:
    """A threat group with what its draws need from the rest of the scenario."""

    group: ThreatGroup
    aim_zone: tuple[float, float, float, float] | None  # centre x, y and size of the aim zone
    detection: Detection | None


@per_scenario
def _groups(s: Scenario) -> list[_Group]:
    """The threat groups of ``s`` in file order, with their aim zone and detection."""
    out = []
    for name, group in s.threats.items():
        zone = None
        if group.aim.zone is not None:
            z = s.base.zones[group.aim.zone]
            zone = (*z.center_m, *z.size_m)
        out.append(_Group(group, zone, s.defense.detection.get(name)))
    return out


def draw_salvo(s: Scenario, rng: np.random.Generator) -> Salvo:
    """Draw the threats of one replication.

    A threat is detected when its detection draw succeeds and its delay ends before it
    lands; otherwise its detection time is inf.
    """
    groups = _groups(s)
    counts = [int(g.group.count.draw(rng)) for g in groups]
    n = sum(counts)
    type_index = np.repeat(np.arange(len(groups)), counts)
    launch = np.empty(n)
    flight = np.empty(n)
    aim_x = np.empty(n)
    aim_y = np.empty(n)
    cep = np.empty(n)
    radii = np.empty((n, 3))
    detect_p = np.empty(n)
    delay = np.empty(n)
    start = 0
    for g, k in zip(groups, counts, strict=True):
        group = g.group
        sl = slice(start, start + k)
        start += k
        group.launch_s.fill(rng, launch[sl])
        group.flight_time_s.fill(rng, flight[sl])
        if g.aim_zone is not None:
            cx, cy, w, h = g.aim_zone
            aim_x[sl] = cx + w * (rng.random(k) - 0.5)
            aim_y[sl] = cy + h * (rng.random(k) - 0.5)
        else:
            group.aim.x_m.fill(rng, aim_x[sl])
            group.aim.y_m.fill(rng, aim_y[sl])
        group.cep_m.fill(rng, cep[sl])
        e = group.effects
        e.killed_m.fill(rng, radii[sl, 0])
        e.wounded_m.fill(rng, radii[sl, 1])
        e.tbi_m.fill(rng, radii[sl, 2])
        if g.detection is None:
            detect_p[sl] = 1.0
            delay[sl] = 0.0
        else:
            g.detection.probability.fill(rng, detect_p[sl])
            g.detection.delay_s.fill(rng, delay[sl])
    seen = rng.random(n) < detect_p
    errors = rng.standard_normal((2, n))
    sigma = SIGMA_PER_CEP * cep
    impact_time = launch + flight
    detect_time = launch + delay
    return Salvo(
        type_index=type_index,
        launch=launch,
        impact_time=impact_time,
        detect_time=np.where(seen & (detect_time < impact_time), detect_time, np.inf),
        impact_x=aim_x + sigma * errors[0],
        impact_y=aim_y + sigma * errors[1],
        radii=radii,
    )
