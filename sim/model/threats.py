"""The salvo: which threats are fired, when, where they aim and whether they are seen.

All of one replication's threat draws are made here, in bulk and in a fixed order, before
the event loop starts (this keeps the random stream independent of what happens in the
engagement). A group's count is drawn once per replication; everything else (launch time,
flight time, aim point, CEP, effect radii and their scale, detection probability and delay)
once per threat.
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

from sim.model.distributions import Dist
from sim.model.scenario import Detection, Scenario, ThreatGroup, Zone

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


# Columns of a replication's per-threat table, in the order their values are drawn. The
# effects' scale came later than the rest: it is drawn last, so that a scenario without it
# (a constant 1 takes no draw) keeps its random stream.
LAUNCH, FLIGHT, AIM_X, AIM_Y, CEP, KILLED_M, WOUNDED_M, TBI_M, DETECT_P, DELAY, SCALE = range(11)
N_COLUMNS = 11


@dataclass
class _Group:
    """How to fill one threat group's rows of the per-threat table.

    ``constants`` holds each column's constant value (nan where the value is drawn);
    ``draws`` lists the drawn columns in draw order, each with its distribution, or, for an
    aim point in a zone, the zone's centre and size along that axis.
    """

    count: Dist
    constants: list[float]
    draws: list[tuple[int, Dist | tuple[float, float]]]


@per_scenario
def _groups(s: Scenario) -> list[_Group]:
    """The threat groups of ``s`` in file order, ready to draw."""
    detection = s.defense.detection
    return [_group(g, detection.get(name), s.base.zones) for name, g in s.threats.items()]


def _group(group: ThreatGroup, detection: Detection | None, zones: dict[str, Zone]) -> _Group:
    """One threat group ready to draw: its constant columns and its drawn ones.

    Scenarios with uncertainties make a new group for every replication, so this is kept
    lean (plain lists; no ``isinstance`` against the ``Dist`` ABC, which is slow).
    """
    constants = [math.nan] * N_COLUMNS
    draws: list[tuple[int, Dist | tuple[float, float]]] = []
    for column, value in _column_values(group, detection, zones):
        if isinstance(value, float):
            constants[column] = value
        elif isinstance(value, tuple) or not value.is_constant:
            draws.append((column, value))
        else:
            constants[column] = value.params[0]
    return _Group(group.count, constants, draws)


def _column_values(
    group: ThreatGroup, detection: Detection | None, zones: dict[str, Zone]
) -> list[tuple[int, Dist | tuple[float, float] | float]]:
    """(column, value) of a group's columns in draw order: a distribution, a plain number,
    or an aim zone's centre and size along one axis."""
    e = group.effects
    values: list[tuple[int, Dist | tuple[float, float] | float]] = [
        (LAUNCH, group.launch_s),
        (FLIGHT, group.flight_time_s),
    ]
    if group.aim.zone is not None:
        z = zones[group.aim.zone]
        values += [(AIM_X, (z.center_m[0], z.size_m[0])), (AIM_Y, (z.center_m[1], z.size_m[1]))]
    else:  # validation makes both coordinates present when no zone is named
        assert group.aim.x_m is not None and group.aim.y_m is not None
        values += [(AIM_X, group.aim.x_m), (AIM_Y, group.aim.y_m)]
    values += [(CEP, group.cep_m), (KILLED_M, e.killed_m), (WOUNDED_M, e.wounded_m)]
    values += [(TBI_M, e.tbi_m)]
    if detection is None:
        values += [(DETECT_P, 1.0), (DELAY, 0.0)]
    else:
        values += [(DETECT_P, detection.probability), (DELAY, detection.delay_s)]
    values += [(SCALE, e.scale)]
    return values


@per_scenario
def _constants(s: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(columns, groups): the constant values of each group's table entries, column by
    column; and the groups' type indices."""
    groups = _groups(s)
    constants = np.array([g.constants for g in groups], dtype=float).reshape(-1, N_COLUMNS)
    return np.ascontiguousarray(constants.T), np.arange(len(groups))


def draw_salvo(s: Scenario, rng: np.random.Generator) -> Salvo:
    """Draw the threats of one replication.

    The threats' values are drawn group by group, column by column, into one table (a row
    per column, an entry per threat) whose constant entries are filled in advance (a
    constant takes no draw). A threat is detected when its detection draw succeeds and its
    delay ends before it lands; otherwise its detection time is inf.
    """
    groups = _groups(s)
    constants, types = _constants(s)
    counts = [int(g.count.draw(rng)) for g in groups]
    n = sum(counts)
    type_index = types.repeat(counts)
    table = constants[:, type_index]  # (columns, threats), a new array
    start = 0
    for g, k in zip(groups, counts, strict=True):
        if not g.draws:
            start += k
            continue
        entries = table[:, start : start + k]
        start += k
        for column, value in g.draws:
            if isinstance(value, Dist):
                entries[column] = value.sample(rng, k)
            else:  # uniform over the aim zone along this axis
                centre, size = value
                entries[column] = centre + size * (rng.random(k) - 0.5)
    launch = table[LAUNCH]
    impact_time = launch + table[FLIGHT]
    detect_time = launch + table[DELAY]
    seen = rng.random(n) < table[DETECT_P]
    errors = rng.standard_normal((2, n))  # x and y, in units of sigma
    errors *= SIGMA_PER_CEP * table[CEP]
    impact = table[AIM_X : AIM_Y + 1] + errors
    return Salvo(
        type_index=type_index,
        launch=launch,
        impact_time=impact_time,
        detect_time=np.where(seen & (detect_time < impact_time), detect_time, np.inf),
        impact_x=impact[0],
        impact_y=impact[1],
        radii=(table[KILLED_M : TBI_M + 1] * table[SCALE]).T,
    )
