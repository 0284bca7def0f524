"""Sweeps: --vary parsing, designs, per-point closed forms, Sobol indices of a known model,
worker independence, durability (resume after an interruption gives identical results)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim import InputError, run_monte_carlo
from sim.io.load import from_data
from sim.montecarlo.streams import Purpose, Stream
from sim.studies.designs import design_points
from sim.studies.sweep import plan_sweep, run_points, sweep_document
from sim.studies.vary import parse_all, parse_vary
from tests.builders import battery, scenario_data, within

PK = "defense.batteries.b.pk.msl"


def _plan(
    vary: list[str],
    design: str = "grid",
    points: int | None = None,
    runs: int = 400,
    seed: int = 3,
    **kw,
):
    raw = scenario_data(count=20, batteries={"b": battery(0.5)}, **kw)
    return plan_sweep(from_data(raw, "t"), parse_all(vary), design, points, runs, seed)


# --vary -------------------------------------------------------------------------------------


def test_vary_forms():
    v = parse_vary("a.b=0:1:5")
    assert v.values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert parse_vary("a.b=3,1,2").values == (3.0, 1.0, 2.0)
    r = parse_vary("a.b=0.2:0.9")
    assert r.is_range and r.bounds == (0.2, 0.9)
    assert parse_vary("a.b=7").values == (7.0,)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("a.b", "expected PATH=a:b:n"),
        ("=1:2:3", "expected PATH=a:b:n"),
        ("a.b=2:1:3", "reversed"),
        ("a.b=0:1:0", "n must be"),
        ("a.b=0:1:x", "n must be"),
        ("a.b=0:1:2:3", "expected PATH"),
        ("a.b=x,1", "not a finite number"),
        ("a.b=nan:1", "not a finite number"),
        ("a.b=1,1", "repeat"),
        ("a.b=0:1:1", "one value cannot span"),
    ],
)
def test_vary_errors(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_vary(text)


def test_vary_twice_and_none():
    with pytest.raises(InputError, match="varied twice"):
        parse_all(["a=1", "a=2"])
    with pytest.raises(InputError, match="at least one"):
        parse_all([])


def test_bad_paths_and_values_name_the_path():
    with pytest.raises(InputError, match="no key 'c'.*keys there: b"):
        _plan(["defense.batteries.c.pk.msl=0.1,0.2"])
    with pytest.raises(InputError, match=r"pk\.msl.*1\.5 is not allowed"):
        _plan([f"{PK}=0.5,1.5"])
    with pytest.raises(InputError, match="cannot be varied"):
        _plan(["runs=1,2"])
    with pytest.raises(InputError, match="grid design needs values"):
        _plan([f"{PK}=0.1:0.9"])
    with pytest.raises(InputError, match="needs a range"):
        _plan([f"{PK}=0.1:0.9:3"], design="lhs", points=4)
    with pytest.raises(InputError, match="power of 2"):
        _plan([f"{PK}=0.1:0.9", "threats.msl.cep_m=0:50"], design="sobol", points=12)
    with pytest.raises(InputError, match="repeated values once rounded"):
        _plan(["threats.msl.count=1:2:3"])


# designs ------------------------------------------------------------------------------------


def test_grid_is_the_full_factorial():
    varies = parse_all(["a=1,2,3", "b=0:1:2"])
    pts = design_points(varies, "grid", None, 1)
    assert pts.tolist() == [[1, 0], [1, 1], [2, 0], [2, 1], [3, 0], [3, 1]]


def test_lhs_has_one_point_per_stratum_in_every_dimension():
    varies = parse_all(["a=0:10", "b=-1:1", "c=5:6"])
    n = 50
    pts = design_points(varies, "lhs", n, 7)
    for j, v in enumerate(varies):
        lo, hi = v.bounds
        strata = np.floor((pts[:, j] - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n))
    assert np.array_equal(pts, design_points(varies, "lhs", n, 7))  # fixed by the seed


def test_saltelli_gives_n_times_2d_plus_2_points():
    varies = parse_all(["a=0:1", "b=0:2", "c=0:3"])
    assert design_points(varies, "sobol", 16, 1).shape == (16 * (2 * 3 + 2), 3)


def test_whole_number_parameters_are_rounded():
    plan = _plan(["threats.msl.count=5:20"], design="lhs", points=9, runs=10)
    counts = plan.values[:, 0]
    assert np.array_equal(counts, np.round(counts)) and counts.min() >= 5 and counts.max() <= 20


# numbers ------------------------------------------------------------------------------------


def test_each_point_matches_the_shoot_closed_form(tmp_path):
    """Leakers ~ Binomial(20, 1 - pk) at every pk of the grid."""
    plan = _plan([f"{PK}=0.1:0.9:5"], runs=1000)
    done = run_points(plan, tmp_path, workers=1)
    for k, point in done.items():
        p = point["values"][PK]
        m = point["metrics"]["leaked"]
        se = math.sqrt(20 * p * (1 - p) / 1000)
        assert within(m["mean"], 20 * (1 - p), se), (k, p, m["mean"])


def test_a_point_is_the_monte_carlo_of_its_scenario_on_its_own_stream(tmp_path):
    plan = _plan([f"{PK}=0.3,0.7"], runs=300)
    done = run_points(plan, tmp_path, workers=1)
    direct = run_monte_carlo(
        plan.factory.build([0.7]), 300, 3, 1, stream=Stream(Purpose.SWEEP_POINT, (1,))
    )
    assert done[1]["metrics"] == direct.metrics


def test_sobol_indices_of_a_model_driven_by_one_parameter():
    """Mean leakers = 20 (1 - pk): pk explains everything, the CEP nothing (S1 = 1, 0)."""
    plan = _plan([f"{PK}=0.1:0.9", "threats.msl.cep_m=0:50"], design="sobol", points=32, runs=100)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        doc = sweep_document(plan, run_points(plan, Path(d), workers=2))
    si = doc["sensitivity"]["leaked"]
    pk, cep = si[PK], si["threats.msl.cep_m"]
    assert within(pk["S1"], 1.0, pk["S1_conf"] / 1.96)
    assert within(pk["ST"], 1.0, pk["ST_conf"] / 1.96)
    assert abs(cep["ST"]) < 0.02  # Monte Carlo noise of the point means only
    assert len(doc["points"]) == 32 * 6


def test_results_do_not_depend_on_workers(tmp_path):
    plan = _plan([f"{PK}=0.2,0.8", "threats.msl.count=5,9"], runs=250)
    one = sweep_document(plan, run_points(plan, tmp_path / "a", workers=1))
    two = sweep_document(plan, run_points(plan, tmp_path / "b", workers=2))
    assert one == two


# durability ---------------------------------------------------------------------------------


def test_interrupted_sweep_resumes_to_identical_results(tmp_path):
    plan = _plan([f"{PK}=0.1:0.9:6"], runs=300)
    full = sweep_document(plan, run_points(plan, tmp_path / "full", workers=2))

    seen = [0]

    def interrupt(n: int) -> None:
        seen[0] += n
        if seen[0] >= 3 * 300:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_points(plan, tmp_path / "cut", workers=2, progress=interrupt)
    saved = sorted(p.name for p in (tmp_path / "cut" / "points").glob("*.json"))
    assert 1 <= len(saved) < 6
    recomputed = []
    done = run_points(plan, tmp_path / "cut", workers=1, on_point=lambda k, p: recomputed.append(k))
    assert len(recomputed) == 6 - len(saved)  # finished points are not run again
    assert sweep_document(plan, done) == full


def test_a_different_sweep_into_the_same_folder_is_refused(tmp_path):
    run_points(_plan([f"{PK}=0.2,0.4"], runs=50), tmp_path, workers=1)
    with pytest.raises(InputError, match="different sweep.*runs"):
        run_points(_plan([f"{PK}=0.2,0.4"], runs=60), tmp_path, workers=1)
    assert json.loads((tmp_path / "sweep-manifest.json").read_text())["runs"] == 50


def test_a_sweep_made_by_another_engine_revision_is_not_resumed(tmp_path):
    plan = _plan([f"{PK}=0.2,0.4"], runs=50)
    run_points(plan, tmp_path, workers=1)
    manifest = tmp_path / "sweep-manifest.json"
    old = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**old, "engine": old["engine"] - 1}))
    with pytest.raises(InputError, match="another version of adsim"):
        run_points(plan, tmp_path, workers=1)


# Concurrent writers and saved points --------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from sim.io.folders import locked
Path(sys.argv[1]).mkdir(parents=True, exist_ok=True)
with locked(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_sweep_into_a_busy_folder_is_refused(tmp_path):
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "busy")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"  # another sweep, say
        with pytest.raises(InputError, match="another adsim command is writing into this folder"):
            run_points(_plan([f"{PK}=0.2,0.4"], runs=50), tmp_path / "busy", workers=1)
        assert list((tmp_path / "busy").iterdir()) == []  # no manifest, no point
    finally:
        holder.kill()
        holder.wait()
    run_points(_plan([f"{PK}=0.2,0.4"], runs=50), tmp_path / "busy", workers=1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("runs", 60), ("seed", 4), ("engine", -1), ("scenario_sha256", "0" * 64), ("point", 1)],
)
def test_a_saved_point_is_reused_only_if_made_the_same_way(tmp_path, field, value):
    plan = _plan([f"{PK}=0.2,0.4"], runs=50)
    first = sweep_document(plan, run_points(plan, tmp_path, workers=1))
    path = tmp_path / "points" / "000000.json"
    point = json.loads(path.read_text())
    assert {"values", "runs", "seed", "engine", "scenario_sha256", "point"} <= set(point)
    foreign = {**point, field: value, "metrics": {"leaked": "from another sweep"}}
    path.write_text(json.dumps(foreign))
    again = []
    done = run_points(plan, tmp_path, workers=1, on_point=lambda k, p: again.append(k))
    assert again == [0]  # recomputed, not mixed in
    assert sweep_document(plan, done) == first
