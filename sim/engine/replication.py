"""One replication: draw the salvo, run the engagements in SimPy, score the leakers.

The story of a threat (``_threat``): it becomes known at launch + detection delay (if it is
detected at all), then is offered to each battery that can engage its type, outer layer
first, until one kills it. A threat that no battery kills leaks and impacts at its impact
time. The alarm sounds at the first detection of any threat.

Only detected threats that some battery can engage get a SimPy process; everything else is
settled by arithmetic on the salvo arrays, which keeps the event count low.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from sim.engine.battery import Battery
from sim.engine.record import Tally, metric_row
from sim.model.effects import casualties
from sim.model.scenario import Scenario
from sim.model.threats import Salvo, draw_salvo


@dataclass
class Replication:
    """What one replication returns: its metric row and where its leakers landed."""

    row: list[int]
    impact_x: np.ndarray
    impact_y: np.ndarray
    impact_type: np.ndarray
    events: int
    log: list[tuple] | None = None


def _threat(
    env: simpy.Environment,
    i: int,
    type_index: int,
    impact: float,
    batteries: list[Battery],
    log: list[tuple] | None,
) -> Generator[simpy.Event, object, None]:
    """The story of a detected threat, from the moment it becomes known."""
    if log is not None:
        log.append((env.now, "detect", i, "", "", ""))
    for battery in batteries:
        killed = yield from battery.engage(i, type_index, impact)
        if killed:
            return


def _start(env: simpy.Environment, story: Generator[simpy.Event, object, None], at: float) -> None:
    """Run a story on SimPy's event loop from time ``at``.

    A lean stand-in for ``env.process``: it resumes the generator whenever the event it
    yielded is processed. Nothing in this model waits for a threat's story to end, so the
    bookkeeping of a full SimPy ``Process`` (itself an event, interrupts, an initial event)
    is not needed; this halves the cost of each resumption.
    """

    def resume(event: simpy.Event) -> None:
        try:  # noqa: SIM105 - a bare try is cheaper than contextlib.suppress here
            story.send(event.value).callbacks.append(resume)
        except StopIteration:
            pass

    env.timeout(at).callbacks.append(resume)


class _CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (for the benchmark)."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


def run_replication(
    s: Scenario, rng: np.random.Generator, trace: bool = False, count_events: bool = False
) -> Replication:
    """Simulate one attack with the random stream ``rng``."""
    salvo: Salvo = draw_salvo(s, rng)
    types = s.threat_types
    log: list[tuple] | None = [] if trace else None
    env = _CountingEnvironment() if count_events else simpy.Environment()
    tally = Tally(salvo.size, len(s.defense.batteries))
    batteries = [
        Battery(env, b, name, params, types, salvo, rng, tally, log)
        for b, (name, params) in enumerate(s.defense.batteries.items())
    ]
    by_type = [[bat for bat in batteries if bat.engages(t)] for t in range(len(types))]
    type_index = salvo.type_index.tolist()
    detect_time = salvo.detect_time.tolist()
    impact_time = salvo.impact_time.tolist()
    for i in range(salvo.size):
        layers = by_type[type_index[i]]
        if layers and detect_time[i] < impact_time[i]:
            story = _threat(env, i, type_index[i], impact_time[i], layers, log)
            _start(env, story, detect_time[i])
    env.run()

    detected = np.isfinite(salvo.detect_time)
    alarm = float(salvo.detect_time.min()) if salvo.size else np.inf
    leaked = np.array(tally.killed_by) < 0
    lx, ly = salvo.impact_x[leaked], salvo.impact_y[leaked]
    lt = salvo.impact_time[leaked]
    ltype = salvo.type_index[leaked]
    hurt = casualties(s, rng, lx, ly, lt, salvo.radii[ltype], alarm)
    row = metric_row(tally, type_index, detected.tolist(), len(types), hurt)
    if log is not None:
        _log_salvo(log, salvo, types, detected, leaked, alarm)
    return Replication(row, lx, ly, ltype, env.processed if count_events else 0, log)


def _log_salvo(
    log: list[tuple],
    salvo: Salvo,
    types: list[str],
    detected: np.ndarray,
    leaked: np.ndarray,
    alarm: float,
) -> None:
    """Add launches, undetected threats and impacts to a trace, then sort it by time."""
    names = {i: types[t] for i, t in enumerate(salvo.type_index.tolist())}
    for i in range(salvo.size):
        log.append((float(salvo.launch[i]), "launch", i, "", "", ""))
        if not detected[i]:
            log.append((float(salvo.launch[i]), "undetected", i, "", "", "never seen"))
        if leaked[i]:
            log.append(
                (
                    float(salvo.impact_time[i]),
                    "impact",
                    i,
                    "",
                    "",
                    f"at ({salvo.impact_x[i]:.0f}, {salvo.impact_y[i]:.0f}) m",
                )
            )
    if np.isfinite(alarm):
        log.append((alarm, "alarm", -1, "", "", "first detection"))
    for k, (time, kind, i, _, battery, detail) in enumerate(log):
        log[k] = (time, kind, i, names.get(i, ""), battery, detail)
    log.sort(key=lambda e: (e[0], e[2]))
