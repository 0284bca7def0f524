"""One replication: draw the salvo, run the engagements in SimPy, score the leakers.

The story of a threat (``_threat``): it becomes known at launch + detection delay (if it is
detected at all), then is offered to each battery that can engage its type, outer layer
first, until one kills it (as far as the battery can tell: see ``Battery.assess``). A threat
that no battery kills leaks and impacts at its impact time. The alarm sounds at the first
detection of any threat.

Only detected threats that some battery can engage get a SimPy process; everything else is
settled by arithmetic on the salvo arrays, which keeps the event count low.

How the defence really fails (``sim.engine.realism``) is drawn from a side stream, only for
scenarios that use it: a battery out of action for the attack is offered no threat, and
after the event loop intercepted threats may drop debris, scored with the leakers.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

import numpy as np
from simpy.events import Event

from sim.engine.battery import Battery, engageable_types
from sim.engine.events import Environment, start
from sim.engine.realism import NO_DEBRIS, draw_debris, side_rng, uses_realism
from sim.engine.record import Tally, metric_row
from sim.engine.trace import TraceEvent, Tracer
from sim.model.distributions import Dist
from sim.model.effects import casualties
from sim.model.scenario import Battery as BatteryParams
from sim.model.scenario import Scenario
from sim.model.threats import Salvo, draw_salvo, per_scenario
from sim.outcomes import as_mapping, metric_names

# Raised whenever the same scenario and seed can give different numbers than before (a
# change of the model or of the order of random draws). Saved study folders record it, so
# that a resumed study never mixes results of two revisions. Revision 2: values drawn per
# threat, shot and person; detections after impact do not count. Revision 3: every stream
# comes from the registry of purposes (sim.montecarlo.streams), keyed without aliasing.
ENGINE_REVISION = 3


@dataclass
class Replication:
    """What one replication returns: its metric row and where its leakers landed."""

    row: list[int]  # integer metrics in the order of ``names`` (the fast path)
    impact_x: np.ndarray
    impact_y: np.ndarray
    impact_type: np.ndarray
    events: int
    log: list[TraceEvent] | None = None  # by time, when traced
    names: Sequence[str] = ()  # ``metric_names`` of the scenario
    # where debris of intercepted threats landed, and the type of the threat that dropped it
    debris_x: np.ndarray = field(default_factory=lambda: NO_DEBRIS.x)
    debris_y: np.ndarray = field(default_factory=lambda: NO_DEBRIS.y)
    debris_type: np.ndarray = field(default_factory=lambda: NO_DEBRIS.threat)

    @property
    def metrics(self) -> dict[str, int | float]:
        """Metric name -> value: the integer metrics of ``row``, then the ratios."""
        return as_mapping(self.row, self.names)


def _threat(
    env: Environment,
    i: int,
    type_index: int,
    impact: float,
    batteries: list[Battery],
    tracer: Tracer | None,
) -> Generator[Event, object, None]:
    """The story of a detected threat, from the moment it becomes known."""
    if tracer is not None:
        tracer.event(env.now, "detect", i)
    for battery in batteries:
        believed_killed = yield from battery.engage(i, type_index, impact)
        if believed_killed:  # no other battery is asked (a threat still alive leaks)
            return


@dataclass
class _Plan:
    """What a replication needs from the scenario beyond its distributions, worked out once."""

    types: list[str]
    batteries: list[tuple[str, BatteryParams, list[tuple[int, Dist]]]]
    layers: list[list[int]]  # per threat type: indices of the batteries that engage it
    names: list[str]  # metric names, in row order
    realism: bool  # whether some key needs side draws (``uses_realism``)

    @staticmethod
    def of(s: Scenario) -> _Plan:
        """The plan of scenario ``s``."""
        types = s.threat_types
        batteries = [
            (name, params, engageable_types(params, types))
            for name, params in s.defense.batteries.items()
        ]
        engaged = [{t for t, _ in pk_types} for _, _, pk_types in batteries]
        layers = [[b for b, ts in enumerate(engaged) if t in ts] for t in range(len(types))]
        return _Plan(types, batteries, layers, metric_names(s), uses_realism(s))


_plan = per_scenario(_Plan.of)


def run_replication(
    s: Scenario,
    rng: np.random.Generator,
    trace: bool = False,
    count_events: bool = False,
    stock: Sequence[int | None] | None = None,
) -> Replication:
    """Simulate one attack with the random stream ``rng``.

    ``stock`` (a campaign's) caps what each battery, in scenario order, may fire in this
    attack: its magazine is min(its draw, the stock), and reloads come out of the stock too
    (None: no cap). The random draws are the same with or without it.

    A scenario with per-attack ``uncertainties`` must first be set to one value per path
    (``sim.montecarlo.batch.replication_scenario``): run as it is, its distributions would be
    drawn per entity, which is not what the file says.
    """
    if s.uncertainties:
        raise ValueError(
            "this scenario has uncertainties: run replication_scenario(s, seed, i, stream) "
            "(sim.montecarlo.batch) first, or run_monte_carlo"
        )
    plan = _plan(s)
    salvo: Salvo = draw_salvo(s, rng)
    types = plan.types
    n_types = len(types)
    type_index = salvo.type_index.tolist()
    tracer = Tracer([types[t] for t in type_index]) if trace else None
    env = Environment()
    tally = Tally(salvo.size, len(plan.batteries))
    side = side_rng(rng) if plan.realism else None
    zones = s.base.zones
    batteries = [
        Battery(env, b, name, params, pk_types, n_types, salvo, rng, tally, tracer, side, zones)
        for b, (name, params, pk_types) in enumerate(plan.batteries)
    ]
    if not all(b.perfect_assessment for b in batteries):
        for battery in batteries:  # a dead threat may reach any battery: each must see it
            battery.perfect_assessment = False
    by_type = [[batteries[b] for b in layer if batteries[b].available] for layer in plan.layers]
    if stock is not None:
        for battery, cap in zip(batteries, stock, strict=True):
            if cap is not None:
                battery.limit(cap)
    detect_time = salvo.detect_time.tolist()
    impact_time = salvo.impact_time.tolist()
    engageable = plan.layers  # by type, before availability: a threat is detected all the same
    for i, (t, detect, impact) in enumerate(zip(type_index, detect_time, impact_time, strict=True)):
        if engageable[t] and detect < impact:
            start(env, _threat(env, i, t, impact, by_type[t], tracer), detect)
    events = env.run_all()

    alarm = min(detect_time, default=math.inf)
    leaked = np.array([i for i, b in enumerate(tally.killed_by) if b < 0], dtype=np.intp)
    lx, ly = salvo.impact_x[leaked], salvo.impact_y[leaked]
    ltype = salvo.type_index[leaked]
    debris = NO_DEBRIS if side is None else draw_debris(s, salvo, tally.killed_by, side)
    if debris.size:  # debris is scored with the leakers: a person keeps the worst outcome
        tally.debris = debris.threat.tolist()
        x, y = np.concatenate([lx, debris.x]), np.concatenate([ly, debris.y])
        radii = np.concatenate([salvo.radii[leaked], debris.radii])
        fell = np.array(tally.killed_at)[debris.threat]  # debris falls at the intercept
        times = np.concatenate([salvo.impact_time[leaked], fell])
        hurt = casualties(s, rng, x, y, times, radii, alarm)
    elif len(leaked):
        lt = salvo.impact_time[leaked]
        hurt = casualties(s, rng, lx, ly, lt, salvo.radii[leaked], alarm)
    else:
        hurt = (0, 0, 0)
    detected = [d != math.inf for d in detect_time]
    row = metric_row(tally, type_index, detected, n_types, hurt)
    log = None
    if tracer is not None:
        leaked_mask = np.array(tally.killed_by) < 0
        _trace_salvo(tracer, salvo, np.array(detected, dtype=bool), leaked_mask, alarm)
        for i, x_m, y_m in zip(tally.debris, debris.x.tolist(), debris.y.tolist(), strict=True):
            where = f"at ({x_m:.0f}, {y_m:.0f}) m"
            tracer.event(tally.killed_at[i], "debris", i, detail=where)
        for battery in batteries:
            if not battery.available:
                tracer.event(0.0, "unavailable", battery=battery.name, detail="out of action")
        log = tracer.in_order()
    rep = Replication(row, lx, ly, ltype, events if count_events else 0, log, plan.names)
    if debris.size:
        rep.debris_x, rep.debris_y = debris.x, debris.y
        rep.debris_type = salvo.type_index[debris.threat]
    return rep


def _trace_salvo(
    tracer: Tracer,
    salvo: Salvo,
    detected: np.ndarray,
    leaked: np.ndarray,
    alarm: float,
) -> None:
    """Add launches, undetected threats, impacts and the alarm to a trace."""
    for i in range(salvo.size):
        tracer.event(float(salvo.launch[i]), "launch", i)
        if not detected[i]:
            tracer.event(float(salvo.launch[i]), "undetected", i, detail="not seen in time")
        if leaked[i]:
            where = f"at ({salvo.impact_x[i]:.0f}, {salvo.impact_y[i]:.0f}) m"
            tracer.event(float(salvo.impact_time[i]), "impact", i, detail=where)
    if np.isfinite(alarm):
        tracer.event(alarm, "alarm", detail="first detection")
