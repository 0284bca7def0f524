"""How the defence really fails: the random draws of availability, kill assessment errors,
selective engagement and debris, apart from the engine's other draws.

Why a stream of their own: a scenario that uses none of these keys must give the numbers it
gave before, and one that uses them should keep the same salvo and the same time and kill
draws of its batteries, so that a battery's availability of 0.9 and of 1 are compared on
the same attacks. All these draws come from ``side_rng(rng)``, a generator a long jump ahead of
the replication's own (PCG64's ``jumped``: the two sequences never meet in practice); it is
made only when the scenario uses a key (``uses_realism``) and never advances ``rng``.

Order of the side draws, per replication: for each battery in engagement order, its
availability (its value when a distribution, then one uniform; nothing when a constant 1),
its kill assessment errors (their values when distributions, then one uniform per possible
engagement; nothing when both are 0), its defend margin (when a distribution) and its
prediction errors (two normals per threat, then the standard deviations when a
distribution; nothing when 0); then, after the event loop, the debris of each threat type
that has some (a uniform per intercepted threat of the type, then per debris impact two
normals and its radii when distributions).

Selective engagement: a battery that ``defends`` zones engages a threat only when the
threat's predicted impact point (its impact point plus a circular normal error of standard
deviation ``prediction_error_m`` per axis, drawn per threat and battery) lies in one of the
zones, each side moved out by ``defend_margin_m``.

Debris: an intercepted threat whose type has ``debris`` drops debris with its probability,
at the threat's would-be impact point plus a circular normal error of CEP ``scatter_m``, at
the time of the intercept (its fall is not timed: the people who are in shelter by then are
protected).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.scenario import Battery as BatteryParams
from sim.model.scenario import Scenario, Zone
from sim.model.threats import SIGMA_PER_CEP, Salvo


def uses_realism(s: Scenario) -> bool:
    """True when some battery or threat type uses a key that needs side draws."""
    for b in s.defense.batteries.values():
        if not b.always_available or not b.kill_assessment.perfect or b.defends is not None:
            return True
    return any(g.debris is not None for g in s.threats.values())


def side_rng(rng: np.random.Generator) -> np.random.Generator:
    """The generator of the side draws of the replication whose generator is ``rng``."""
    return np.random.Generator(rng.bit_generator.jumped())  # type: ignore[attr-defined]


def available(params: BatteryParams, side: np.random.Generator | None) -> bool:
    """Whether the battery works in this attack (one draw, unless it always does)."""
    if params.always_available or side is None:
        return True
    return bool(side.random() < float(params.availability.draw(side)))


def assessment_errors(
    params: BatteryParams, side: np.random.Generator, n: int
) -> tuple[float, float, list[float]]:
    """(miss seen as kill, kill seen as miss, one uniform per engagement entry)."""
    ka = params.kill_assessment
    a = float(ka.miss_seen_as_kill.draw(side))
    b = float(ka.kill_seen_as_miss.draw(side))
    return a, b, side.random(n).tolist()


def defended(
    params: BatteryParams, zones: dict[str, Zone], salvo: Salvo, side: np.random.Generator
) -> list[bool]:
    """Per threat: whether its predicted impact point lies in a zone the battery defends."""
    margin = float(params.defend_margin_m.draw(side))
    x, y = salvo.impact_x, salvo.impact_y
    sd = params.prediction_error_m
    if not (sd.is_constant and sd.params[0] == 0):
        error = side.standard_normal((2, salvo.size)) * sd.sample(side, salvo.size)
        x, y = x + error[0], y + error[1]
    inside = np.zeros(salvo.size, dtype=bool)
    for name in params.defends or []:
        z = zones[name]
        (cx, cy), (w, h) = z.center_m, z.size_m
        inside |= (np.abs(x - cx) <= w / 2 + margin) & (np.abs(y - cy) <= h / 2 + margin)
    return inside.tolist()


@dataclass
class Debris:
    """The debris impacts of one replication: which threat dropped each, where, its radii."""

    threat: np.ndarray  # int: the intercepted threat that dropped it
    x: np.ndarray
    y: np.ndarray
    radii: np.ndarray  # (impacts, 3) killed, wounded, tbi radius in m

    @property
    def size(self) -> int:
        """Number of debris impacts."""
        return len(self.threat)


NO_DEBRIS = Debris(np.empty(0, dtype=np.intp), np.empty(0), np.empty(0), np.empty((0, 3)))


def draw_debris(
    s: Scenario, salvo: Salvo, killed_by: list[int], side: np.random.Generator
) -> Debris:
    """Debris of the intercepted threats, type by type in file order."""
    intercepted = np.array(killed_by) >= 0
    parts = []
    for t, group in enumerate(s.threats.values()):
        d = group.debris
        if d is None:
            continue
        ids = np.flatnonzero(intercepted & (salvo.type_index == t))
        if len(ids) == 0:
            continue
        p = d.probability.sample(side, len(ids))
        ids = ids[side.random(len(ids)) < p]
        k = len(ids)
        if k == 0:
            continue
        sigma = SIGMA_PER_CEP * d.scatter_m.sample(side, k)
        error = side.standard_normal((2, k)) * sigma
        e = d.effects
        radii = np.column_stack([e.killed_m.sample(side, k), e.wounded_m.sample(side, k)])
        radii = np.column_stack([radii, e.tbi_m.sample(side, k)]) * e.scale.sample(side, k)[:, None]
        parts.append((ids, salvo.impact_x[ids] + error[0], salvo.impact_y[ids] + error[1], radii))
    if not parts:
        return NO_DEBRIS
    return Debris(*(np.concatenate([p[i] for p in parts]) for i in range(4)))
