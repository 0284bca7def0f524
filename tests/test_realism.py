"""How the defence really fails, against the closed forms of the spec (section 3).

Availability A, N threats, pk p, ``shoot``: P(all N leak) = (1 - A) + A (1 - p)^N.
Shoot-look-shoot with kill assessment errors a (miss seen as kill), b (kill seen as miss):
P(leak) = (1 - p)(a + (1 - a)(1 - p)), interceptors 1 + p b + (1 - p)(1 - a), of which p b
are wasted on dead threats. Ten threats known at once, 15 interceptors, pk 0.8, shoot-shoot:
2.48 leakers with ``greedy``, 1.20 with ``spread``. A square defended zone of side L centred
on the aim point, CEP c: P(engaged) = P(|X| < L/2)^2, X ~ N(0, (c / 1.1774)^2); with a
prediction error, the misjudged threats (engaged but landing outside, ignored but landing
inside) appear at the rates the bivariate normal gives. Debris: p x intercepted impacts per
attack, and at the aim point a cookie-cutter of radius R kills with p (1 - 0.5^((R/s)^2)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from sim import replication_rng, run_monte_carlo, run_replication
from sim.io.load import from_data
from sim.io.results import read_impacts, write_impacts
from sim.model.threats import SIGMA_PER_CEP
from sim.plots import draw_run_figures
from sim.studies.sweep import plan_sweep, run_points
from sim.studies.vary import parse_all
from tests.builders import battery, proportion_se, scenario, scenario_data, within

RUNS = 4000


def _rows(s, runs: int, seed: int, trace: bool = False) -> list:
    return [run_replication(s, replication_rng(seed, i), trace=trace) for i in range(runs)]


def test_availability_all_leak() -> None:
    n, p, a = 3, 0.5, 0.7
    s = scenario(n, {"b": battery(p, availability=a)})
    reps = _rows(s, RUNS, 31)
    expected = (1 - a) + a * (1 - p) ** n  # 0.3875
    estimate = np.mean([r.metrics["leaked"] == n for r in reps])
    assert within(estimate, expected, proportion_se(expected, RUNS)), (estimate, expected)
    # a battery out of action engages nothing at all
    out = np.mean([r.metrics["engaged"] == 0 for r in reps])
    assert within(out, 1 - a, proportion_se(1 - a, RUNS))


def test_availability_one_draws_nothing() -> None:
    plain = scenario(5, {"b": battery(0.5)})
    explicit = scenario(5, {"b": battery(0.5, availability=1.0)})
    for i in range(50):
        assert run_replication(plain, replication_rng(3, i)).row == (
            run_replication(explicit, replication_rng(3, i)).row
        )


@pytest.mark.parametrize(("p", "a", "b"), [(0.6, 0.3, 0.2), (0.8, 0.0, 0.5), (0.5, 0.4, 0.0)])
def test_shoot_look_shoot_with_kill_assessment_errors(p: float, a: float, b: float) -> None:
    n = 20
    errors = {"miss_seen_as_kill": a, "kill_seen_as_miss": b}
    s = scenario(n, {"b": battery(p, "shoot-look-shoot", kill_assessment=errors)})
    r = run_monte_carlo(s, runs=RUNS, seed=32, workers=1).metrics
    threats = n * RUNS
    leak = (1 - p) * (a + (1 - a) * (1 - p))
    assert within(r["leaked"]["mean"] / n, leak, proportion_se(leak, threats))
    second = p * b + (1 - p) * (1 - a)  # a second interceptor is fired
    assert within(r["interceptors"]["mean"] / n, 1 + second, proportion_se(second, threats))
    assert within(r["wasted"]["mean"] / n, p * b, proportion_se(p * b, threats))


def test_a_kill_seen_as_a_miss_is_wasted_at_the_next_battery_too() -> None:
    errors = {"kill_seen_as_miss": 1.0}
    s = scenario(10, {"outer": battery(1.0, kill_assessment=errors), "inner": battery(1.0)})
    m = run_replication(s, replication_rng(1, 0), trace=True)
    assert m.metrics["intercepted.outer"] == 10 and m.metrics["wasted.inner"] == 10
    assert m.metrics["wasted"] == 10 and m.metrics["leaked"] == 0
    kinds = [e.kind for e in m.log or []]
    assert kinds.count("wasted") == 10 and kinds.count("misjudged") == 10


@pytest.mark.parametrize(
    ("allocation", "expected", "variance"),
    [
        ("greedy", 2.48, 7 * 0.04 * 0.96 + 0.2 * 0.8),  # 7 threats get 2, one 1, two none
        ("spread", 1.20, 5 * 0.04 * 0.96 + 5 * 0.2 * 0.8),  # five get 2, five get 1
    ],
)
def test_allocation_of_a_short_magazine(allocation: str, expected: float, variance: float) -> None:
    b = battery(0.8, "shoot-shoot", channels=10, interceptors=15, allocation=allocation)
    s = scenario(10, {"b": b})
    r = run_monte_carlo(s, runs=RUNS, seed=33, workers=1).metrics
    assert r["interceptors"]["min"] == r["interceptors"]["max"] == 15
    assert within(r["leaked"]["mean"], expected, math.sqrt(variance / RUNS))


def _inside(half: float, sd: float) -> float:
    """P(|X| < half), X ~ N(0, sd^2)."""
    return 1.0 if sd == 0 else 2 * stats.norm.cdf(half / sd) - 1


@pytest.mark.parametrize(("side", "cep"), [(200.0, 150.0), (400.0, 100.0)])
def test_selective_engagement_of_a_square_zone(side: float, cep: float) -> None:
    n, runs = 50, 400
    zones = {"zones": {"home": {"center_m": [0, 0], "size_m": [side, side], "personnel": 0}}}
    s = scenario(n, {"b": battery(1.0, defends=["home"])}, zones=zones, cep_m=cep)
    r = run_monte_carlo(s, runs=runs, seed=34, workers=1).metrics
    expected = _inside(side / 2, cep / 1.1774) ** 2
    se = proportion_se(expected, n * runs)
    assert within(r["engaged"]["mean"] / n, expected, se)
    assert within(r["ignored"]["mean"] / n, 1 - expected, se)
    assert r["ignored.b"]["mean"] == r["ignored"]["mean"]


def test_prediction_errors_engage_outside_and_ignore_inside() -> None:
    n, runs, side, cep, error = 100, 100, 300.0, 200.0, 80.0
    zones = {"zones": {"home": {"center_m": [0, 0], "size_m": [side, side], "personnel": 0}}}
    b = battery(0.0, defends=["home"], prediction_error_m=error)
    s = scenario(n, {"b": b}, zones=zones, cep_m=cep)
    engaged_outside = ignored_inside = 0
    for rep in _rows(s, runs, 35, trace=True):
        engaged = {e.threat for e in rep.log or [] if e.kind == "engage"}
        ignored = {e.threat for e in rep.log or [] if e.kind == "ignored"}
        assert engaged.isdisjoint(ignored) and len(engaged | ignored) == n
        inside = (np.abs(rep.impact_x) < side / 2) & (np.abs(rep.impact_y) < side / 2)
        for i in range(n):  # pk 0: every threat leaks, in threat order
            engaged_outside += i in engaged and not inside[i]
            ignored_inside += i in ignored and inside[i]
    h, sd = side / 2, cep / 1.1774
    lands = _inside(h, sd) ** 2  # both axes
    predicted = _inside(h, math.hypot(sd, error)) ** 2

    def both(x: float) -> float:  # lands inside at x along one axis, and is predicted inside
        return stats.norm.pdf(x, scale=sd) * (
            stats.norm.cdf((h - x) / error) - stats.norm.cdf((-h - x) / error)
        )

    joint = integrate.quad(both, -h, h)[0] ** 2
    for count, rate in ((engaged_outside, predicted - joint), (ignored_inside, lands - joint)):
        assert within(count / (n * runs), rate, proportion_se(rate, n * runs)), (count, rate)
    assert min(predicted, lands) - joint > 0.03  # both errors are visible


def test_margin_grows_the_zone() -> None:
    zones = {"zones": {"home": {"center_m": [0, 0], "size_m": [100, 100], "personnel": 0}}}
    b = battery(1.0, defends=["home"], defend_margin_m=50)
    s = scenario(200, {"b": b}, zones=zones, aim={"x_m": 90, "y_m": 0})
    m = run_replication(s, replication_rng(1, 0), trace=True)
    assert m.metrics["engaged"] == 200 and m.metrics["ignored"] == 0
    s = scenario(200, {"b": battery(1.0, defends=["home"])}, zones=zones, aim={"x_m": 90, "y_m": 0})
    m = run_replication(s, replication_rng(1, 0), trace=True)
    assert m.metrics["engaged"] == 0 and m.metrics["ignored"] == 200
    assert any(e.detail == "not engaged: predicted outside defended zones" for e in m.log or [])


def test_debris_impacts_per_attack() -> None:
    n, p = 20, 0.4
    debris = {"probability": p, "scatter_m": 30, "effects": {"killed_m": 5}}
    s = scenario(n, {"b": battery(1.0)}, debris=debris)
    r = run_monte_carlo(s, runs=RUNS, seed=36, workers=1, keep_impacts=0).metrics
    assert r["intercepted"]["min"] == n
    assert within(r["debris"]["mean"], p * n, math.sqrt(n * p * (1 - p) / RUNS))
    assert r["debris.msl"]["mean"] == r["debris"]["mean"]


def test_debris_casualties_against_a_cookie_cutter() -> None:
    p, scatter, radius, runs = 0.5, 50.0, 40.0, 20_000
    point = {"zones": {"spot": {"center_m": [0, 0], "size_m": [0.001, 0.001], "personnel": 1}}}
    debris = {"probability": p, "scatter_m": scatter, "effects": {"killed_m": radius}}
    s = scenario(1, {"b": battery(1.0)}, zones=point, debris=debris)
    r = run_monte_carlo(s, runs=runs, seed=37, workers=2).metrics
    expected = p * (1 - 0.5 ** ((radius / scatter) ** 2))
    assert within(r["killed"]["mean"], expected, proportion_se(expected, runs))


def test_debris_is_traced_and_returned_apart_from_leakers() -> None:
    debris = {"probability": 1.0, "scatter_m": 10, "effects": {"killed_m": 5}}
    s = scenario(5, {"b": battery(1.0)}, debris=debris)
    rep = run_replication(s, replication_rng(2, 0), trace=True)
    assert len(rep.impact_x) == 0 and len(rep.debris_x) == 5
    assert sum(e.kind == "debris" for e in rep.log or []) == 5
    assert np.hypot(rep.debris_x, rep.debris_y).max() < 10 / SIGMA_PER_CEP * 6


def test_a_sweep_over_availability_follows_the_closed_form(tmp_path) -> None:
    """Mean leakers of 3 threats, pk 0.5: 3 (1 - A 0.5) at each availability of the grid."""
    raw = scenario_data(count=3, batteries={"b": battery(0.5)})
    vary = parse_all(["defense.batteries.b.availability=0.5:1:6"])
    runs = 1000
    done = run_points(plan_sweep(from_data(raw, "t"), vary, "grid", None, runs, 3), tmp_path, 1)
    assert len(done) == 6
    for point in done.values():
        a = point["values"]["defense.batteries.b.availability"]
        per = a * 0.5  # each threat is killed with probability A p, but not independently
        var = 9 * a * (1 - a) * 0.25 + a * 3 * 0.25  # total variance over the battery's state
        assert within(point["metrics"]["leaked"]["mean"], 3 * (1 - per), math.sqrt(var / runs))


def test_impacts_keep_debris_apart_and_survive_the_file(tmp_path) -> None:
    debris = {"probability": 1.0, "scatter_m": 10, "effects": {"killed_m": 5}}
    s = scenario(4, {"b": battery(0.5)}, debris=debris)
    r = run_monte_carlo(s, runs=50, seed=5, workers=1, keep_impacts=50)
    flags = r.impacts[:, 4]
    assert r.impacts.shape[1] == 5 and set(flags.tolist()) == {0.0, 1.0}
    assert flags.sum() == r.metrics["debris"]["mean"] * 50
    assert (flags == 0).sum() == r.metrics["leaked"]["mean"] * 50
    write_impacts(tmp_path / "i.parquet", r.impacts, s.threat_types)
    assert np.array_equal(read_impacts(tmp_path / "i.parquet", s.threat_types), r.impacts)
    paths = draw_run_figures(r.summary(), r.impacts, s, tmp_path)
    assert any(p.name == "impact_map.png" for p in paths)


def test_an_unavailable_battery_is_traced_and_the_threats_are_still_detected() -> None:
    s = scenario(4, {"b": battery(1.0, availability=0.0)})
    rep = run_replication(s, replication_rng(1, 0), trace=True)
    kinds = [e.kind for e in rep.log or []]
    assert kinds.count("unavailable") == 1 and kinds.count("detect") == 4
    assert rep.metrics["engaged"] == 0 and rep.metrics["leaked"] == 4


def test_turning_availability_on_keeps_the_attacks_it_does_not_change() -> None:
    """Side draws only: when the battery is there, the attack is the one of availability 1."""
    zones = {"zones": {"z": {"center_m": [0, 0], "size_m": [500, 500], "personnel": 300}}}
    effects = {"killed_m": 20, "wounded_m": 40}
    always = scenario(6, {"b": battery(0.5)}, zones=zones, cep_m=100, effects=effects)
    sometimes = scenario(
        6, {"b": battery(0.5, availability=0.5)}, zones=zones, cep_m=100, effects=effects
    )
    seen = 0
    for i in range(40):
        there = run_replication(sometimes, replication_rng(4, i))
        if there.metrics["engaged"] > 0:
            seen += 1
            assert there.row == run_replication(always, replication_rng(4, i)).row
    assert 5 < seen < 35
