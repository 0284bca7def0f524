"""Joint calibration over events: the two-event binomial closed form (for m = 1 and
m = 20), weapon-catalogue paths, identical results for any worker count, resuming."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.io.events import load_events
from sim.io.load import load
from sim.studies import joint
from sim.studies.joint import joint_calibrate, plan_joint
from tests.builders import scenario_data, within
from tests.events_builders import binomial_scenario, write_event, write_scenario

PK = "defense.batteries.b.pk.msl"
N1, K1, N2, K2 = 4, 1, 5, 2  # event 1: K1 of N1 leaked; event 2: K2 of N2


def _two_events(tmp_path: Path) -> list:
    e1 = write_event(tmp_path, "one", binomial_scenario(tmp_path, N1, name="s1"), {"leaked": K1})
    e2 = write_event(tmp_path, "two", binomial_scenario(tmp_path, N2, name="s2"), {"leaked": K2})
    return load_events([e1, e2])


def _weighted_moments_and_se(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float]:
    """Self-normalised weighted mean and sd, with their delta-method standard errors
    (se^2 = sum w_i^2 (g_i - E g)^2 / (sum w)^2 for g = x and g = (x - mean)^2)."""
    s = w.sum()
    mean = float(w @ x / s)
    d2 = (x - mean) ** 2
    var = float(w @ d2 / s)
    se_mean = math.sqrt(float((w * w) @ d2)) / s
    se_var = math.sqrt(float((w * w) @ (d2 - var) ** 2)) / s
    return mean, math.sqrt(var), se_mean, se_var / (2 * math.sqrt(var))


@pytest.mark.parametrize(("per_draw", "draws"), [(1, 3000), (20, 400)])
def test_two_event_binomial_posterior_is_the_beta(
    tmp_path: Path, per_draw: int, draws: int
) -> None:
    events = _two_events(tmp_path)
    plan = plan_joint(events, {PK: {"uniform": [0, 1]}}, "u.yaml", draws, per_draw, seed=17)
    result = joint_calibrate(plan, workers=2, predictive_runs=0)
    a, b = 1 + (N1 - K1) + (N2 - K2), 1 + K1 + K2  # Beta of the intercept probability
    mean, sd, se_mean, se_sd = _weighted_moments_and_se(result.thetas[:, 0], result.weights)
    assert result.ess > 50
    assert within(mean, a / (a + b), se_mean), (mean, a / (a + b), se_mean)
    exact_sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert within(sd, exact_sd, se_sd), (sd, exact_sd, se_sd)
    post = result.document()["posterior"][PK]
    assert post["mean"] == pytest.approx(mean) and post["sd"] == pytest.approx(sd)


def test_joint_calibration_is_identical_for_one_and_two_workers_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _two_events(tmp_path)
    plan = plan_joint(events, {PK: {"uniform": [0, 1]}}, "u.yaml", 120, 3, seed=4)
    first = joint_calibrate(plan, workers=1, predictive_runs=50)
    one, one_weights = first.document(), first.weights
    out = tmp_path / "out"
    two = joint_calibrate(plan, out, workers=2, predictive_runs=50).document()
    assert one == two
    assert len(list((out / joint.BLOCKS_DIR).glob("0*.json"))) == 3
    calls = []

    def no_work(tasks, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(list(tasks))
        yield from ()

    monkeypatch.setattr(joint, "perform", no_work)
    draws = joint.sample(plan, out, workers=1)  # every block saved: nothing is run again
    assert all(c == [] for c in calls) and len(draws.hits) == 120
    assert np.allclose(draws.weights(3), one_weights)


def test_a_weapon_path_reaches_every_threat_type_of_its_class(tmp_path: Path) -> None:
    data = scenario_data(count=2, batteries={})
    data["threats"]["msl"]["weapon"] = "rocket-107mm"
    data["threats"]["other"] = {**data["threats"]["msl"], "weapon": "rocket-107mm"}
    data["defense"]["detection"]["other"] = {"probability": 1.0}
    scen = write_scenario(tmp_path, "two-types", data)
    event = write_event(tmp_path, "w", scen, {"killed": 0})
    path = "weapons.rocket-107mm.effects.scale"
    plan = plan_joint(load_events([event]), {path: {"uniform": [0.5, 1.5]}}, "u", 10, 1, 1)
    target = plan.targets[0]
    assert target.factory.paths == ["threats.msl.effects.scale", "threats.other.effects.scale"]
    s = target.build([0.7])
    assert all(float(g.effects.scale.mean) == pytest.approx(0.7) for g in s.threats.values())
    assert not s.uncertainties or not any("scale" in p for p in s.uncertainties)
    assert load(scen).model.uncertainties  # the catalogue's own uncertainty, until fixed
    assert yaml.safe_load(event.read_text())["observed"] == {"killed": 0}


def test_the_study_file_form_runs_and_reports_the_ess(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sim.cli import app

    _two_events(tmp_path)
    study = tmp_path / "study.yaml"
    study.write_text(
        yaml.safe_dump(
            {
                "study": "joint-calibration",
                "events": ["events/one.yaml", "events/two.yaml"],
                "unknowns": {PK: {"uniform": [0, 1]}},
                "draws": 100,
                "per_draw": 2,
                "seed": 3,
            }
        )
    )
    out = tmp_path / "out"
    args = ["calibrate", str(study), "--workers", "1", "--predictive-runs", "100"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["draws"] == 100 and doc["per_draw"] == 2 and 0 < doc["ess"] <= 100
    assert set(doc["predictive"]) == {"one", "two"}
    assert (out / "calibration.json").exists()
    assert list((out / "figures").glob("joint_predictive_pit.*"))
    bare = tmp_path / "bare"
    again = CliRunner().invoke(app, [*args, "--out", str(bare), "--json", "--no-figures"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["ess"] == doc["ess"]  # the same calibration, no figure
    assert not (bare / "figures").exists() or not list((bare / "figures").iterdir())
