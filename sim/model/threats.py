"""The salvo: which threats are fired, when, where they aim and whether they are seen.

All of one replication's threat draws are made here, in bulk and in a fixed order, before
the event loop starts (this keeps the random stream independent of what happens in the
engagement). Per-type parameters (count, CEP, effect radii, detection probability) are drawn
once per replication; launch time, flight time, aim point in a zone and detection delay once
per threat.

Impact point of a leaker: aim point plus a circular normal error with
sigma = CEP / sqrt(2 ln 2), so that half the impacts fall within one CEP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.scenario import Scenario

SIGMA_PER_CEP = 1.0 / math.sqrt(2.0 * math.log(2.0))


@dataclass
class Salvo:
    """One replication's threats, as parallel arrays (index = threat id)."""

    type_index: np.ndarray  # int, index into Scenario.threat_types
    launch: np.ndarray  # s
    impact_time: np.ndarray  # s, launch + flight time
    detect_time: np.ndarray  # s, launch + detection delay; inf when never detected
    impact_x: np.ndarray  # m, where the threat lands if it leaks
    impact_y: np.ndarray
    radii: np.ndarray  # (n_types, 3) killed, wounded, tbi radius in m

    @property
    def size(self) -> int:
        """Number of threats fired."""
        return len(self.type_index)


def draw_salvo(s: Scenario, rng: np.random.Generator) -> Salvo:
    """Draw the threats of one replication."""
    groups = list(s.threats.values())
    counts = [int(g.count.draw(rng)) for g in groups]
    n = sum(counts)
    type_index = np.repeat(np.arange(len(groups)), counts)
    launch = np.empty(n)
    flight = np.empty(n)
    aim_x = np.empty(n)
    aim_y = np.empty(n)
    sigma = np.empty(n)
    detect_p = np.empty(n)
    delay = np.empty(n)
    radii = np.zeros((len(groups), 3))
    start = 0
    for t, (name, group) in enumerate(s.threats.items()):
        k = counts[t]
        sl = slice(start, start + k)
        start += k
        group.launch_s.fill(rng, launch[sl])
        group.flight_time_s.fill(rng, flight[sl])
        if group.aim.zone is not None:
            zone = s.base.zones[group.aim.zone]
            (cx, cy), (w, h) = zone.center_m, zone.size_m
            aim_x[sl] = cx + w * (rng.random(k) - 0.5)
            aim_y[sl] = cy + h * (rng.random(k) - 0.5)
        else:
            group.aim.x_m.fill(rng, aim_x[sl])
            group.aim.y_m.fill(rng, aim_y[sl])
        sigma[sl] = SIGMA_PER_CEP * group.cep_m.draw(rng)
        e = group.effects
        radii[t] = (e.killed_m.draw(rng), e.wounded_m.draw(rng), e.tbi_m.draw(rng))
        det = s.defense.detection.get(name)
        if det is None:
            detect_p[sl] = 1.0
            delay[sl] = 0.0
        else:
            detect_p[sl] = det.probability.draw(rng)
            det.delay_s.fill(rng, delay[sl])
    seen = rng.random(n) < detect_p
    errors = rng.standard_normal((2, n))
    return Salvo(
        type_index=type_index,
        launch=launch,
        impact_time=launch + flight,
        detect_time=np.where(seen, launch + delay, np.inf),
        impact_x=aim_x + sigma * errors[0],
        impact_y=aim_y + sigma * errors[1],
        radii=radii,
    )
