"""One replication: draw the salvo, run the engagements in SimPy, score the leakers.

The story of a threat (``_threat``): it becomes known at launch + detection delay (if it is
detected at all), then is offered to each battery that can engage its type, outer layer
first, until one kills it (as far as the battery can tell: see ``Battery.assess``). A threat
that no battery kills leaks and impacts at its impact time. The alarm sounds at the first
detection of any threat.

Only detected threats that some battery can engage get a SimPy process; everything else is
settled by arithmetic on the salvo arrays, which keeps the event count low.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
from simpy.events import Event

from sim.engine.battery import Battery, engageable_types
from sim.engine.events import Environment, start
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
        return _Plan(types, batteries, layers, metric_names(s))


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
    batteries = [
        Battery(env, b, name, params, pk_types, n_types, salvo, rng, tally, tracer)
        for b, (name, params, pk_types) in enumerate(plan.batteries)
    ]
    if stock is not None:
        for battery, cap in zip(batteries, stock, strict=True):
            if cap is not None:
                _limit(battery, cap)
    by_type = [[batteries[b] for b in layer] for layer in plan.layers]
    detect_time = salvo.detect_time.tolist()
    impact_time = salvo.impact_time.tolist()
    for i, (t, detect, impact) in enumerate(zip(type_index, detect_time, impact_time, strict=True)):
        layers = by_type[t]
        if layers and detect < impact:
            start(env, _threat(env, i, t, impact, layers, tracer), detect)
    events = env.run_all()

    alarm = min(detect_time, default=math.inf)
    leaked = [i for i, b in enumerate(tally.killed_by) if b < 0]
    lx, ly = salvo.impact_x[leaked], salvo.impact_y[leaked]
    ltype = salvo.type_index[leaked]
    if leaked:
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
        log = tracer.in_order()
    return Replication(row, lx, ly, ltype, events if count_events else 0, log, plan.names)


def _limit(battery: Battery, cap: int) -> None:
    """Let ``battery`` fire at most ``cap`` interceptors in this attack: its magazine and
    every reload come out of a campaign's stock (a reload's draw is still made)."""
    battery.magazine = min(battery.magazine, cap)
    refill = battery._refill
    fired = battery.tally.interceptors

    def refill_from_stock(event: object) -> None:
        refill(event)
        battery.magazine = max(0, min(battery.magazine, cap - fired[battery.index]))

    setattr(battery, "_refill", refill_from_stock)  # noqa: B010  (the instance's own)


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
