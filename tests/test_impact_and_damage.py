"""Impact points and damage against closed forms (Driels, Weaponeering).

Circular normal miss distance with CEP c: P(miss <= R) = 1 - 0.5^((R/c)^2). A person at the
aim point is hit by a cookie-cutter of radius R with that probability, and by a Carleton
function exp(-(r/R)^2) with probability 1 / (1 + 2 sigma^2 / R^2). In a large uniform zone of
density rho, one impact's expected casualties are rho pi R^2 for both functions. Shelters
give P = q p (1 - f) + (1 - q) p.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import metric_names, replication_rng, run_monte_carlo, run_replication
from sim.model.threats import SIGMA_PER_CEP
from tests.builders import proportion_se, scenario, within

POINT = {"zones": {"spot": {"center_m": [0, 0], "size_m": [0.001, 0.001], "personnel": 1}}}
RUNS = 20_000


def big_zone(people: int = 16_000, side: float = 4000.0, **base) -> dict:
    return {
        "zones": {"field": {"center_m": [0, 0], "size_m": [side, side], "personnel": people}},
        **base,
    }


def effects(killed: float = 0.0, wounded: float = 0.0, tbi: float = 0.0) -> dict:
    return {"killed_m": killed, "wounded_m": wounded, "tbi_m": tbi}


@pytest.mark.parametrize("multiple", [0.5, 1.0, 2.0])
def test_cep_containment(multiple: float) -> None:
    cep = 80.0
    s = scenario(10, {}, cep_m=cep)
    r = run_monte_carlo(s, runs=2000, seed=21, workers=1, keep_impacts=2000)
    miss = np.hypot(r.impacts[:, 2], r.impacts[:, 3])
    assert len(miss) == 20_000
    expected = 1 - 0.5 ** (multiple**2)
    assert within(np.mean(miss <= multiple * cep), expected, proportion_se(expected, len(miss)))


def test_sigma_per_cep() -> None:
    assert pytest.approx(0.8493, abs=1e-4) == SIGMA_PER_CEP


@pytest.mark.parametrize(("radius", "cep"), [(40.0, 50.0), (50.0, 50.0), (100.0, 50.0)])
def test_cookie_cutter_at_the_aim_point(radius: float, cep: float) -> None:
    s = scenario(1, {}, cep_m=cep, effects=effects(killed=radius), zones=POINT)
    r = run_monte_carlo(s, runs=RUNS, seed=22, workers=2)
    expected = 1 - 0.5 ** ((radius / cep) ** 2)
    assert within(r.metrics["killed"]["mean"], expected, proportion_se(expected, RUNS))


def test_carleton_at_the_aim_point() -> None:
    cep = radius = 50.0
    s = scenario(1, {}, cep_m=cep, effects=effects(killed=radius), zones=POINT)
    s = s.model_copy(update={"damage_function": "carleton"})
    r = run_monte_carlo(s, runs=RUNS, seed=23, workers=2)
    sigma = cep * SIGMA_PER_CEP
    expected = 1 / (1 + 2 * sigma**2 / radius**2)
    assert expected == pytest.approx(0.409, abs=1e-3)
    assert within(r.metrics["killed"]["mean"], expected, proportion_se(expected, RUNS))


@pytest.mark.parametrize("function", ["cookie-cutter", "carleton"])
@pytest.mark.parametrize("cep", [0.0, 150.0])
def test_expected_casualties_in_a_uniform_zone(function: str, cep: float) -> None:
    radius, runs = 30.0, 4000
    s = scenario(1, {}, cep_m=cep, effects=effects(killed=radius), zones=big_zone())
    s = s.model_copy(update={"damage_function": function})
    r = run_monte_carlo(s, runs=runs, seed=24, workers=2)
    rho = 16_000 / 4000.0**2
    expected = rho * math.pi * radius**2  # 2.83 people
    # the count is Binomial(N, q) with mean `expected`, so its variance is below the mean
    assert within(r.metrics["killed"]["mean"], expected, math.sqrt(expected / runs))


@pytest.mark.parametrize(
    ("compliance", "protection", "shelter_s", "factor"),
    [
        (0.7, 0.8, 0.0, 0.7 * 0.2 + 0.3),  # everyone who complies is in time
        (0.7, 0.8, 1000.0, 1.0),  # nobody reaches a shelter before the impact
        (1.0, 0.5, 0.0, 0.5),
    ],
)
def test_sheltering(compliance: float, protection: float, shelter_s: float, factor: float) -> None:
    radius, runs = 30.0, 4000
    base = big_zone(
        warning={"shelter_time_s": shelter_s, "compliance": compliance},
        protection={"killed": protection},
    )
    s = scenario(1, {}, cep_m=0, effects=effects(killed=radius), zones=base)
    r = run_monte_carlo(s, runs=runs, seed=25, workers=2)
    expected = 16_000 / 4000.0**2 * math.pi * radius**2 * factor
    assert within(r.metrics["killed"]["mean"], expected, math.sqrt(expected / runs))


def test_categories_are_exclusive_and_the_worst_wins() -> None:
    # the person stands 15 m from the aim point; radii 10 / 20 / 30: wounded, exactly
    zone = {"zones": {"spot": {"center_m": [15, 0], "size_m": [0.001, 0.001], "personnel": 1}}}
    s = scenario(3, {}, cep_m=0, effects=effects(10, 20, 30), zones=zone)
    names = metric_names(s)
    for i in range(20):
        row = dict(zip(names, run_replication(s, replication_rng(5, i)).row, strict=True))
        assert (row["killed"], row["wounded"], row["tbi"], row["casualties"]) == (0, 1, 0, 1)
    # at the aim point everything applies and killed wins
    s = scenario(3, {}, cep_m=0, effects=effects(10, 20, 30), zones=POINT)
    for i in range(20):
        row = dict(zip(names, run_replication(s, replication_rng(6, i)).row, strict=True))
        assert (row["killed"], row["wounded"], row["tbi"]) == (1, 0, 0)


def test_people_beyond_every_radius_are_unhurt() -> None:
    zone = {"zones": {"far": {"center_m": [500, 0], "size_m": [100, 100], "personnel": 300}}}
    s = scenario(5, {}, cep_m=0, effects=effects(10, 20, 100), zones=zone)
    r = run_monte_carlo(s, runs=200, seed=7, workers=1)
    assert r.metrics["casualties"]["max"] == 0


@pytest.mark.parametrize("sheltered", [False, True])
def test_nested_cookie_cutter_scoring_equals_the_general_one(sheltered: bool) -> None:
    # the shortcut for nested radii and protections gives the same outcome from the same draws
    from sim.model.damage import _cookie_spared

    gen = np.random.default_rng(8)
    for radii in ([10.0, 20.0, 30.0], [0.0, 20.0, 20.0], [15.0, 15.0, 40.0], [0.0, 0.0, 5.0]):
        radius2 = np.square(np.array(radii))[:, None]
        radius2[radius2 <= 0] = -np.inf
        r2 = gen.uniform(0, 45.0, 5000) ** 2
        exposed = gen.random(5000) < 0.3 if sheltered else None
        unprotected = np.array([[0.05], [0.1], [0.5]]) if sheltered else None
        general = _cookie_spared(np.random.default_rng(3), r2, radius2, exposed, unprotected)
        nested = _cookie_spared(
            np.random.default_rng(3), r2, radius2, exposed, unprotected, nested=True
        )
        assert np.array_equal(general, nested), radii
        assert set(np.unique(nested)) <= {0, 1, 2, 3}


def test_casualties_take_the_nested_shortcut_with_the_same_results(monkeypatch) -> None:
    # nested radii and protections: the shortcut is taken, and forcing the general scoring
    # instead changes no number
    import sim.model.damage as damage_module
    import sim.model.effects as effects_module
    from sim.montecarlo.batch import Fixed, Task, run_task
    from sim.montecarlo.streams import RUN

    base = big_zone(
        people=3000,
        side=800.0,
        warning={"shelter_time_s": {"uniform": [0, 120]}, "compliance": 0.8},
        protection={"killed": 0.9, "wounded": 0.8, "tbi": 0.5},
    )
    s = scenario(4, {}, cep_m=150, effects=effects(10, 30, 60), zones=base, detection_delay=250)
    # the numpy scoring's shortcut (the compiled one is checked against it in
    # test_scoring_kernel.py)
    monkeypatch.setattr(effects_module, "hurt_in_zone", None)
    calls = []
    scoring = damage_module._cookie_spared
    monkeypatch.setattr(
        damage_module,
        "_cookie_spared",
        lambda *a: calls.append(a[-1]) or scoring(*a),
    )
    fast = run_task(Task("run", Fixed(s), 9, RUN, 0, 300))
    assert calls and all(calls)  # every impact took the shortcut
    monkeypatch.setattr(effects_module, "_ascending", lambda _: False)
    calls.clear()
    general = run_task(Task("run", Fixed(s), 9, RUN, 0, 300))
    assert calls and not any(calls)
    assert np.array_equal(fast.rows, general.rows)
    assert fast.rows[:, 6:9].sum() > 0  # people were hurt
