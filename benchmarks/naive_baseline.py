"""A naive SimPy implementation of the performance reference scenario: the speed yardstick.

Replications per second depend on the machine, so adsim's speed target is relative: about
five times what a straightforward SimPy program of the same scenario
(``benchmarks/perf-reference.yaml``) manages on the same machine. This file is that
program, written the obvious way and kept separate from ``sim``: one SimPy process per
threat, a ``simpy.PriorityResource`` (priority = impact time) for each battery's fire
channels, scalar random draws per event, a fresh numpy Generator per replication, and all
2,300 people placed and scored against every leaker (vectorised over people, no culling).

It follows docs/model.md closely enough that its means land near adsim's, but it draws
its random numbers differently, so the two never agree replication by replication.

Usage: ``python benchmarks/naive_baseline.py [--runs N] [--seed S]``; or
``from naive_baseline import naive_rate`` from a script in this folder.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

# benchmarks/perf-reference.yaml, hard-coded (cookie-cutter damage, shoot-look-shoot).
THREATS = {
    "srbm": {"launch_s": (0, 60), "flight_s": (240, 330), "cep_m": 50, "detect": (0.99, 30)},
    "rocket": {"launch_s": (0, 60), "flight_s": (30, 90), "cep_m": 150, "detect": (0.9, 5)},
}
BATTERIES = {  # in layer order, outer first
    "upper": {"pk": {"srbm": 0.8}, "channels": 2, "interceptors": 16, "reaction_s": 5,
              "flyout_s": (10, 20), "assess_s": 3, "min_before_s": 10},
    "lower": {"pk": {"rocket": 0.7, "srbm": 0.5}, "channels": 4, "interceptors": 40,
              "reaction_s": 2, "flyout_s": (3, 6), "assess_s": 2, "min_before_s": 2},
}  # fmt: skip
ENGAGEMENTS = 2  # shoot-look-shoot: one shot per engagement, up to two engagements
ZONE = {"center": (0.0, 0.0), "size": (600.0, 400.0), "people": 2300}
RADII = {"killed": 15.0, "wounded": 40.0, "tbi": 120.0}
PROTECTION = {"killed": 0.95, "wounded": 0.9, "tbi": 0.5}
SHELTER_S, COMPLIANCE = (30.0, 180.0), 0.9


class Battery:
    """One battery's state in one replication: its channels and its magazine."""

    def __init__(self, env: simpy.Environment, params: dict[str, Any]) -> None:
        self.p = params
        self.channels = simpy.PriorityResource(env, capacity=params["channels"])
        self.magazine = params["interceptors"]


def engage(
    env: simpy.Environment,
    bat: Battery,
    kind: str,
    impact: float,
    rng: np.random.Generator,
    counts: dict[str, int],
) -> Generator[simpy.Event, Any, bool]:
    """Engage one threat at one battery; returns True if it is killed there."""
    p = bat.p
    latest = impact - p["min_before_s"]
    flyout = rng.uniform(*p["flyout_s"])
    if bat.magazine == 0 or env.now + p["reaction_s"] + flyout > latest:
        return False
    req = bat.channels.request(priority=impact)
    yield req | env.timeout(latest - p["reaction_s"] - flyout - env.now)
    if not req.triggered:  # could not start in time: give up
        req.cancel()
        return False
    killed = False
    for k in range(ENGAGEMENTS):
        if k > 0:
            flyout = rng.uniform(*p["flyout_s"])
        if bat.magazine == 0 or env.now + p["reaction_s"] + flyout > latest:
            break
        bat.magazine -= 1
        counts["interceptors"] += 1
        yield env.timeout(p["reaction_s"] + flyout)
        killed = rng.random() < p["pk"][kind]
        yield env.timeout(p["assess_s"])
        if killed:
            break
    bat.channels.release(req)
    return killed


def threat(
    env: simpy.Environment,
    kind: str,
    rng: np.random.Generator,
    batteries: list[Battery],
    state: dict[str, Any],
    counts: dict[str, int],
) -> Generator[simpy.Event, Any, None]:
    """One threat from launch to intercept or impact."""
    spec = THREATS[kind]
    launch = rng.uniform(*spec["launch_s"])
    impact = launch + rng.uniform(*spec["flight_s"])
    sigma = spec["cep_m"] / math.sqrt(2 * math.log(2))
    x, y = rng.normal(0.0, sigma), rng.normal(0.0, sigma)
    counts["fired"] += 1
    prob, delay = spec["detect"]
    if rng.random() < prob and launch + delay < impact:  # seen before it lands
        yield env.timeout(launch + delay)
        counts["detected"] += 1
        if state["alarm"] is None:
            state["alarm"] = env.now
        for bat in batteries:
            if kind in bat.p["pk"]:
                killed = yield env.process(engage(env, bat, kind, impact, rng, counts))
                if killed:
                    counts["intercepted"] += 1
                    return
    yield env.timeout(max(0.0, impact - env.now))
    counts["leaked"] += 1
    state["impacts"].append((x, y, impact))


def casualties(
    rng: np.random.Generator, alarm: float | None, impacts: list[tuple[float, float, float]]
) -> dict[str, int]:
    """Place everyone, score every person against every leaker, count the worst outcomes."""
    n = ZONE["people"]
    (cx, cy), (w, h) = ZONE["center"], ZONE["size"]
    px = rng.uniform(cx - w / 2, cx + w / 2, n)
    py = rng.uniform(cy - h / 2, cy + h / 2, n)
    complies = rng.random(n) < COMPLIANCE
    shelter_at = (math.inf if alarm is None else alarm) + rng.uniform(*SHELTER_S, n)
    worst = np.zeros(n, dtype=np.int8)  # 0 unhurt, 1 tbi, 2 wounded, 3 killed
    for x, y, t in impacts:
        r = np.hypot(px - x, py - y)
        sheltered = complies & (shelter_at <= t)
        p = {
            c: np.where(r <= RADII[c], 1.0, 0.0) * np.where(sheltered, 1 - PROTECTION[c], 1.0)
            for c in RADII
        }
        p_w = np.maximum(p["killed"], p["wounded"])
        p_t = np.maximum(p_w, p["tbi"])
        u = rng.random(n)
        outcome = np.where(u < p["killed"], 3, np.where(u < p_w, 2, np.where(u < p_t, 1, 0)))
        worst = np.maximum(worst, outcome)
    return {"killed": int((worst == 3).sum()), "wounded": int((worst == 2).sum()),
            "tbi": int((worst == 1).sum())}  # fmt: skip


def replication(rng: np.random.Generator) -> dict[str, int]:
    """One attack: the salvo, the defence, the people; returns the counts."""
    env = simpy.Environment()
    counts = dict.fromkeys(["fired", "detected", "intercepted", "leaked", "interceptors"], 0)
    state: dict[str, Any] = {"alarm": None, "impacts": []}
    batteries = [Battery(env, params) for params in BATTERIES.values()]
    n_threats = {"srbm": int(rng.integers(2, 5)), "rocket": int(rng.poisson(10))}
    for kind, n in n_threats.items():
        for _ in range(n):
            env.process(threat(env, kind, rng, batteries, state, counts))
    env.run()
    counts.update(casualties(rng, state["alarm"], state["impacts"]))
    return counts


def run_naive(runs: int, seed: int = 1) -> tuple[list[dict[str, int]], float]:
    """Run ``runs`` replications in this process; returns the rows and the seconds taken."""
    started = time.perf_counter()
    rows = [
        replication(np.random.default_rng(child))
        for child in np.random.SeedSequence(seed).spawn(runs)
    ]
    return rows, time.perf_counter() - started


def naive_rate(runs: int) -> float:
    """Replications per second of the naive baseline, one worker."""
    _, elapsed = run_naive(runs)
    return runs / elapsed


def main() -> None:
    """Run the baseline and print its speed and mean results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows, elapsed = run_naive(args.runs, args.seed)
    leaked = sum(r["leaked"] for r in rows) / len(rows)
    hurt = sum(r["killed"] + r["wounded"] + r["tbi"] for r in rows) / len(rows)
    print(
        f"naive SimPy baseline, 1 worker: {args.runs / elapsed:,.0f} reps/s "
        f"({leaked:.2f} leaked, {hurt:.1f} casualties per run)"
    )


if __name__ == "__main__":
    main()
