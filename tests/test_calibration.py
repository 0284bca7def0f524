"""Calibration: the binomial closed form of analytic-models.md, the posterior predictive,
evidence parsing and its errors, determinism, resuming, and hopeless evidence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from sim import InputError, metric_names
from sim.io.evidence import Condition, evaluate, parse_evidence
from sim.io.load import from_data
from sim.studies.calibrate import BLOCK, calibrate, plan_calibration
from tests.builders import battery, scenario_data, within

PK = "defense.batteries.b.pk.msl"
A, B = 0.2, 0.9


def _plan(evidence: dict, samples: int = 500, unknowns: dict | None = None, seed: int = 11):
    raw = scenario_data(count=10, batteries={"b": battery(0.5)})
    raw["calibration"] = {
        "unknowns": unknowns or {PK: {"uniform": [A, B]}},
        "evidence": evidence,
        "samples": samples,
    }
    return plan_calibration(from_data(raw, "t.yaml"), seed=seed)


def _posterior_moments() -> tuple[float, float, float]:
    """P(E), posterior mean and sd of pk for E = 'intercepted > 5' of 10, pk ~ U(A, B)."""

    def like(p: float) -> float:
        return stats.binom.sf(5, 10, p)  # P(Binomial(10, p) >= 6)

    z = integrate.quad(like, A, B)[0]
    m1 = integrate.quad(lambda p: p * like(p), A, B)[0] / z
    m2 = integrate.quad(lambda p: p * p * like(p), A, B)[0] / z
    return z / (B - A), m1, math.sqrt(m2 - m1 * m1)


def test_binomial_posterior_and_acceptance_rate_match_the_integral():
    n = 4000
    plan = _plan({"intercepted": {"greater_than": 5}}, samples=n)
    result = calibrate(plan, workers=2, predictive_runs=100)
    doc = result.document()
    p_e, mean, sd = _posterior_moments()
    x = result.thetas[:, 0]
    assert doc["accepted"] == n and len(x) == n
    # the posterior mean: standard error sd / sqrt(n) of independent accepted draws
    assert within(doc["posterior"][PK]["mean"], mean, sd / math.sqrt(n))
    # the posterior sd: standard error of a sample sd, from the fourth central moment
    m4 = float(np.mean((x - x.mean()) ** 4))
    se_sd = math.sqrt(max(m4 - sd**4, 0.0) / (4 * sd * sd * n))
    assert within(doc["posterior"][PK]["sd"], sd, se_sd)
    # the acceptance rate estimates P(E)
    tried = doc["tried"]
    assert within(doc["acceptance_rate"], p_e, math.sqrt(p_e * (1 - p_e) / tried))
    # every accepted replication meets the evidence
    assert all(r[metric_names(plan.scenario).index("intercepted")] > 5 for r in result.tries.rows)


def test_predictive_leakers_match_the_draws_they_were_run_at():
    """Replication i of the predictive runs at draw i mod n: leaked ~ Binomial(10, 1 - p_i)."""
    runs = 6000
    plan = _plan({"intercepted": {"at_least": 3}}, samples=300)
    result = calibrate(plan, workers=1, predictive_runs=runs)
    p = result.thetas[np.arange(runs) % len(result.thetas), 0]
    expected = float(np.mean(10 * (1 - p)))
    se = math.sqrt(float(np.sum(10 * p * (1 - p)))) / runs
    assert within(result.predictive["leaked"]["mean"], expected, se)
    assert result.predictive["leaked"]["n"] == runs


def test_results_do_not_depend_on_workers():
    plan = _plan({"intercepted": {"between": [4, 8]}, "leaked": {"at_most": 5}}, samples=300)
    one = calibrate(plan, workers=1, predictive_runs=500).document()
    two = calibrate(plan, workers=2, predictive_runs=500).document()
    assert one == two


def test_resumed_and_extended_calibrations_equal_fresh_ones(tmp_path):
    evidence = {"intercepted": {"at_least": 6}}
    fresh = calibrate(_plan(evidence, samples=400), workers=2, predictive_runs=200).document()

    blocks = [0]

    def interrupt(n: int) -> None:
        blocks[0] += 1
        if blocks[0] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate(_plan(evidence, samples=400), tmp_path, 2, progress=interrupt)
    saved = list((tmp_path / ".calibration-blocks").glob("0*.json"))
    assert len(saved) >= 2
    resumed = calibrate(_plan(evidence, samples=400), tmp_path, 1, predictive_runs=200)
    assert resumed.document() == fresh
    # fewer samples first, then more: the blocks already run are reused
    calibrate(_plan(evidence, samples=100), tmp_path / "grow", 1, predictive_runs=200)
    grown = calibrate(_plan(evidence, samples=400), tmp_path / "grow", 2, predictive_runs=200)
    assert grown.document() == fresh


def test_hopeless_evidence_stops_naming_the_condition():
    plan = _plan({"fired": {"equals": 11}, "leaked": {"at_most": 10}})
    with pytest.raises(InputError, match=r"calibration\.evidence\.fired.*fired equals 11"):
        calibrate(plan, workers=2)


def test_tries_stop_at_the_wanted_acceptance():
    plan = _plan({"intercepted": {"at_least": 1}}, samples=BLOCK + 7)
    doc = calibrate(plan, workers=1, predictive_runs=50).document()
    assert doc["accepted"] == BLOCK + 7 and doc["complete"]
    assert doc["tried"] >= doc["accepted"]
    assert sum(c["failed"] for c in doc["conditions"].values()) == doc["tried"] - doc["accepted"]


# evidence -----------------------------------------------------------------------------------


def test_conditions_are_events_on_metrics():
    x = np.array([0, 1, 2, 3, np.nan])
    holds = {
        "equals": [0, 1, 0, 0, 0],
        "at_least": [0, 1, 1, 1, 0],
        "at_most": [1, 1, 0, 0, 0],
        "greater_than": [0, 0, 1, 1, 0],
        "less_than": [1, 0, 0, 0, 0],
    }
    for op, expected in holds.items():
        assert Condition("m", op, 1.0).holds(x).astype(int).tolist() == expected, op
    assert Condition("m", "between", (1.0, 2.0)).holds(x).astype(int).tolist() == [0, 1, 1, 0, 0]
    ok, fails = evaluate(
        [Condition("a", "at_least", 1), Condition("b", "equals", 0)],
        {"a": np.array([0, 1, 2]), "b": np.array([0, 0, 1])},
    )
    assert ok.tolist() == [False, True, False]
    assert fails.sum(axis=1).tolist() == [1, 1]


@pytest.mark.parametrize(
    "evidence, fragment",
    [
        ({}, "at least one condition"),
        ({"wounded_people": {"at_least": 1}}, r"evidence\.wounded_people: unknown metric"),
        ({"wounded": {"at_leest": 1}}, r"wounded\.at_leest: unknown condition"),
        ({"wounded": 1}, r"evidence\.wounded: expected a condition"),
        ({"wounded": {"at_least": "one"}}, "expected a finite number"),
        ({"wounded": {"at_least": True}}, "expected a finite number"),
        ({"fired": {"between": [12, 8]}}, "reversed"),
        ({"fired": {"between": [8]}}, r"expected \[low, high\]"),
    ],
)
def test_bad_evidence_names_the_path(evidence, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_evidence(evidence, ["fired", "wounded"], "t.yaml")


@pytest.mark.parametrize(
    "unknowns, fragment",
    [
        ({"defense.batteries.x.pk.msl": {"uniform": [0, 1]}}, "no key 'x'"),
        ({PK: {"uniform": [0.5, 1.5]}}, r"unknowns\.defense\.batteries\.b\.pk\.msl"),
        ({PK: {"normal": [0.5, 0.1]}}, "not a valid prior"),
        ({"seed": {"uniform": [0, 1]}}, "cannot be varied"),
    ],
)
def test_bad_priors_name_the_path(unknowns, fragment):
    with pytest.raises(InputError, match=fragment):
        _plan({"fired": {"at_least": 1}}, unknowns=unknowns)


def test_a_scenario_without_a_calibration_section_is_refused():
    raw = scenario_data(count=10, batteries={"b": battery(0.5)})
    with pytest.raises(InputError, match="no calibration section"):
        plan_calibration(from_data(raw, "t.yaml"))


def test_count_priors_draw_whole_numbers():
    plan = _plan(
        {"fired": {"at_least": 4}},
        samples=50,
        unknowns={"threats.msl.count": {"uniform_int": [2, 12]}},
    )
    result = calibrate(plan, workers=1, predictive_runs=50)
    x = result.thetas[:, 0]
    assert np.array_equal(x, np.round(x)) and x.min() >= 4 and x.max() <= 12
