"""How the cost of one replication grows with threats, people and batteries.

Each row is the reference scenario (``perf-reference.yaml``) with one thing scaled: the
rocket count (10 to 10,000 threats), the housing zone's people (2,300 to 500,000, on the
same area, so that the people near impacts grow with them), people in a second zone that no
threat can reach (2,300 to 500,000, 20 km away: they should cost nothing) or the number of
batteries (2 to 50: copies of the lower-tier battery, each with its own channels and
magazine). A row gives the CPU time per replication of one chunk
run in this process (``run_task``: seeding, salvo, SimPy, scoring, rows) and, for threats,
per threat; CPU time, not wall time, so that other work on a shared machine counts less.

Usage: ``python benchmarks/scaling.py`` (or ``bench_run.py --scaling``).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path

from sim.io.load import from_data
from sim.io.scenario_file import read_raw
from sim.model.scenario import Scenario
from sim.montecarlo.batch import Fixed, Task, run_task
from sim.montecarlo.streams import RUN

SCENARIO = Path(__file__).parent / "perf-reference.yaml"
THREATS = (10, 100, 1000, 10_000)
PEOPLE = (2300, 23_000, 230_000, 500_000)
BATTERIES = (2, 10, 50)


def _scenario(change: dict) -> Scenario:
    """The reference scenario with ``change`` applied to its data."""
    raw = copy.deepcopy(read_raw(SCENARIO))
    rockets = change.get("rockets")
    if rockets is not None:
        raw["threats"]["rocket"]["count"] = rockets
    people = change.get("people")
    if people is not None:
        raw["base"]["zones"]["housing"]["personnel"] = people
    far = change.get("far_people")
    if far is not None:
        raw["base"]["zones"]["far"] = {"center_m": [20_000, 0], "size_m": [600, 400]}
        raw["base"]["zones"]["far"]["personnel"] = far
    batteries = change.get("batteries")
    if batteries is not None:
        lower = raw["defense"]["batteries"]["lower"]
        for k in range(batteries - 2):
            raw["defense"]["batteries"][f"lower_{k}"] = copy.deepcopy(lower)
    return from_data(raw, f"{SCENARIO.name} with {change}").model


def cpu_per_replication(s: Scenario, budget_s: float = 2.0) -> float:
    """CPU seconds per replication of ``s`` in one chunk, run for about ``budget_s``."""
    run_task(Task("run", Fixed(s), 1, RUN, 0, 2))  # warm the per-scenario caches
    n, spent = 2, 0.0
    while spent < budget_s:
        started = time.process_time()
        run_task(Task("run", Fixed(s), 1, RUN, 2, 2 + n))
        spent = time.process_time() - started
        if spent < budget_s:
            n *= 4
    return spent / n


def rows() -> Iterator[tuple[str, float, float]]:
    """(what, CPU ms per replication, CPU µs per threat) for each scaled scenario."""
    for n in THREATS:
        s = _scenario({"rockets": n})
        per = cpu_per_replication(s)
        yield f"~{n + 3:,} threats", per * 1e3, per / (n + 3) * 1e6
    for n in PEOPLE:
        per = cpu_per_replication(_scenario({"people": n}))
        yield f"{n:,} people near impacts", per * 1e3, float("nan")
    for n in PEOPLE:
        per = cpu_per_replication(_scenario({"far_people": n}))
        yield f"+ {n:,} people out of reach", per * 1e3, float("nan")
    for n in BATTERIES:
        per = cpu_per_replication(_scenario({"batteries": n}))
        yield f"{n} batteries", per * 1e3, float("nan")


def main() -> None:
    """Print the scaling table."""
    print(f"{'scaled (reference otherwise)':<32}{'CPU ms/replication':>20}{'µs/threat':>12}")
    for what, ms, us in rows():
        per_threat = f"{us:>12.1f}" if us == us else f"{'':>12}"
        print(f"{what:<32}{ms:>20.3f}{per_threat}")


if __name__ == "__main__":
    main()
