"""Casualty scoring of many replications at once (``sim.model.scoring``).

The batched arithmetic is checked against a person-by-person reading of the same draws
(exact counts), and a replication's numbers against being scored alone: they must not
depend on the replications scored with it, nor on how many wait to be scored.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim.engine.replication as replication
from sim import replication_rng, run_replication
from sim.model.damage import damage_function_for, spared
from sim.model.effects import Exposure, exposure
from sim.model.scoring import score
from tests.builders import battery, scenario

ZONES = {
    "zones": {
        "a": {"center_m": [0, 0], "size_m": [300, 200], "personnel": {"uniform_int": [300, 600]}},
        "b": {"center_m": [150, 150], "size_m": [100, 400], "personnel": 200},
        "far": {"center_m": [5000, 0], "size_m": [100, 100], "personnel": 50},
    },
    "warning": {"shelter_time_s": {"uniform": [0, 400]}, "compliance": 0.7},
}
PROTECTIONS = [
    {"killed": 0.9, "wounded": 0.8, "tbi": 0.5},  # shared by everyone
    {"killed": {"uniform": [0.5, 1]}, "wounded": 0.8, "tbi": {"beta": [2, 2]}},  # per person
]


def attack(function: str, protection: dict, delay: float = 200.0):
    """Ten threats at the origin, half of them shot down, with people all around."""
    s = scenario(
        10,
        {"b": battery(0.5)},
        zones={**ZONES, "protection": protection},
        detection_delay=delay,
        cep_m=120,
        effects={"killed_m": 10, "wounded_m": 30, "tbi_m": 60},
    )
    return s.model_copy(update={"damage_function": function})


def exposures(function: str, protection: dict, n: int = 40) -> list[Exposure | None]:
    """The exposures of n replications (an impact time after the alarm, or no alarm)."""
    out = []
    for i in range(n):
        s = attack(function, protection, delay=200.0 if i % 3 else 400.0)
        out.append(replication.simulate(s, replication_rng(5, i)).exposure)
    return out


def by_person(e: Exposure) -> tuple[int, int, int]:
    """The casualties of one exposure, person by person, from its draws."""
    damage = damage_function_for(e.damage)
    worst: list[int] = []
    pair = 2 * e.people  # the pairs' uniforms follow the placing ones
    for c in e.crowds:
        first = len(worst)
        if c.col is None or c.row is None:  # a rectangle of cells, column after column
            cells = [(c.i0 + k // c.nj, c.j0 + k % c.nj) for k in range(c.cells)]
        else:
            cells = list(zip(c.col.tolist(), c.row.tolist(), strict=True))
        places = []
        for who in range(first, first + c.m):
            v = e.u[who] * c.cells
            col, row = cells[int(v)]
            px = c.x0 + (col + (v - int(v))) * c.cw
            py = c.y0 + (row + e.u[e.people + who]) * c.ch
            places.append((px, py))
            worst.append(3)
        for j in c.near:
            for k, (px, py) in enumerate(places):
                u = e.u[pair]
                pair += 1
                r2 = (px - e.x[j]) ** 2 + (py - e.y[j]) ** 2
                if r2 > (max(e.radii[j]) * damage.reach) ** 2:
                    continue
                radius2 = damage.squared_radii(e.radii[j : j + 1].copy())[0]
                p = damage.probability(np.array([r2]), radius2[:, None])
                who = first + k
                sheltered = e.complies is not None and e.complies[who]
                if sheltered and e.shelter_s is not None and e.alarm + e.shelter_s[who] <= e.t[j]:
                    shield = e.unprotected if e.unprotected.ndim == 1 else e.unprotected[:, who]
                    p = p * shield[:, None]
                worst[who] = min(worst[who], int(spared(np.array([u]), p)[0]))
    assert pair == len(e.u)
    counts = np.bincount(worst, minlength=4)
    return int(counts[0]), int(counts[1]), int(counts[2])


@pytest.mark.parametrize("function", ["cookie-cutter", "carleton"])
@pytest.mark.parametrize("protection", range(len(PROTECTIONS)))
def test_batched_scoring_reads_the_draws_as_person_by_person(
    function: str, protection: int
) -> None:
    batch = exposures(function, PROTECTIONS[protection])
    got = score(batch)
    scored = [e for e in batch if e is not None]
    assert len(scored) > 20 and got.sum() > 0  # people were near, and some were hurt
    assert any(e.complies is not None for e in scored)
    assert any(c.col is None for e in scored for c in e.crowds)  # rectangles of cells
    assert any(c.col is not None for e in scored for c in e.crowds)  # and listed cells
    for e, row in zip(batch, got.tolist(), strict=True):
        assert tuple(row) == ((0, 0, 0) if e is None else by_person(e))


def test_a_replications_numbers_do_not_depend_on_what_it_is_scored_with() -> None:
    batch = exposures("carleton", PROTECTIONS[1]) + exposures("cookie-cutter", PROTECTIONS[0])
    together = score(batch)
    alone = np.vstack([score([e]) for e in batch])
    assert np.array_equal(together, alone)
    assert np.array_equal(score(batch[::-1]), together[::-1])


def test_rows_are_the_same_however_many_replications_wait(monkeypatch) -> None:
    runs = [(attack("carleton", PROTECTIONS[1]), replication_rng(9, i)) for i in range(60)]
    one_by_one = [run_replication(s, rng).row for s, rng in runs]
    runs = [(s, replication_rng(9, i)) for i, (s, _) in enumerate(runs)]
    monkeypatch.setattr(replication, "PAIRS_PER_BATCH", 5000)  # several batches
    batched = [rep.row for rep in replication.run_replications(runs)]
    assert batched == one_by_one
    assert np.sum(batched) > 0


def test_nobody_near_and_no_zones_score_nothing() -> None:
    s = attack("cookie-cutter", PROTECTIONS[0])
    rng = np.random.default_rng(1)
    far = np.array([1e5])
    none = exposure(s, rng, far, far, np.array([10.0]), np.array([[10.0, 20.0, 30.0]]), 5.0)
    assert none is None
    empty = np.empty(0)
    assert exposure(s, rng, empty, empty, empty, np.empty((0, 3)), math.inf) is None
    assert score([None, None]).tolist() == [[0, 0, 0], [0, 0, 0]]
