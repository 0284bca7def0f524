"""The compiled casualty scoring gives the numpy code's positions and counts, draw for draw.

``sim/model/_scoring.pyx`` replaces the placement of people near impacts and the impact
loop of ``sim.model.effects`` where it could be built. It must not change a single number:
the same people at the same places, hurt from the same uniforms, leaving each
replication's generator in the same state. Checked on synthetic zones that cover every
branch (both damage functions; nobody sheltering, one protection shared or one per person;
radii that nest or not, zero radii; zones of any shape with impacts in and around them) and
on whole replications of every bundled scenario under both damage functions.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import sim.model.effects as effects
from sim.io.load import from_data
from sim.io.scenario_file import read_raw
from sim.model.damage import damage_function_for
from sim.montecarlo.batch import Fixed, Task, run_task
from sim.montecarlo.streams import RUN
from sim.outcomes import metric_names

compiled = pytest.mark.skipif(
    effects.hurt_in_zone is None or effects.place_people is None,
    reason="the compiled scoring was not built here (pip install -e . builds it in place)",
)

SCENARIOS = [  # the bundled attack scenarios (not the study and campaign files beside them)
    p
    for p in sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml"))
    if not {"study", "campaign"} & set(read_raw(p))
]


def test_compiled_scoring_is_built_where_required() -> None:
    # CI sets ADSIM_REQUIRE_COMPILED, so that the comparisons below cannot skip unseen
    if not os.environ.get("ADSIM_REQUIRE_COMPILED"):
        pytest.skip("ADSIM_REQUIRE_COMPILED is not set")
    assert effects.hurt_in_zone is not None and effects.place_people is not None


def _zone(case: int, damage_name: str) -> tuple:
    """People, impacts and shelter of synthetic case ``case``: everything drawn from it."""
    g = np.random.default_rng(case)
    m = int(g.integers(1, 400))
    px, py = g.uniform(-60, 60, m), g.uniform(-60, 60, m)
    n = int(g.integers(1, 5))
    x, y = g.uniform(-50, 50, n), g.uniform(-50, 50, n)
    t = g.uniform(0, 30, n)
    radii = g.uniform(0, 25, (n, 3))
    if case % 3 == 0:
        radii.sort(axis=1)  # nested radii: the cookie-cutter's shorter path
    radii[g.random((n, 3)) < 0.1] = 0.0  # a category that hurts nobody
    shelter = case % 4  # 0: nobody shelters; 1, 2: one shared protection; 3: per person
    covered_at = unprotected = None
    if shelter:
        covered_at = np.where(g.random(m) < 0.6, g.uniform(0, 30, m), np.inf)
        if shelter == 1:
            unprotected = np.sort(g.random(3))[:, None]  # ascending: nests
        elif shelter == 2:
            unprotected = g.random((3, 1))
        else:
            unprotected = g.random((3, m))
    near, table = effects._impacts(damage_function_for(damage_name), x, y, t, radii)
    return px, py, covered_at, unprotected, near, table


@compiled
@pytest.mark.parametrize("damage_name", ["cookie-cutter", "carleton"])
def test_same_counts_and_draws_as_numpy(damage_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    damage = damage_function_for(damage_name)
    assert damage.kernel_rule is not None
    hurt_any = 0
    for case in range(400):
        zone = _zone(case, damage_name)
        numpy_rng, kernel_rng = np.random.default_rng(case), np.random.default_rng(case)
        with monkeypatch.context() as m:
            m.setattr(effects, "hurt_in_zone", None)
            expected = effects._hurt(numpy_rng, damage, *zone)
        got = effects._hurt(kernel_rng, damage, *zone)
        assert got == expected, f"case {case}"
        assert kernel_rng.random() == numpy_rng.random(), f"case {case}: draws differ"
        hurt_any += sum(expected) > 0
    assert hurt_any > 300  # the cases hurt people: the comparison is not between zeros


@compiled
def test_same_positions_and_draws_as_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    # zones of every shape, impacts anywhere in or near them: the placement of the people
    # within reach is the numpy code's, to the last bit
    placed = 0
    for case in range(300):
        g = np.random.default_rng(case)
        w, h = g.uniform(5, 3000, 2)
        x0, y0 = g.uniform(-500, 500, 2)
        n = int(g.integers(1, 6))
        x, y = x0 + g.uniform(-0.2, 1.2, n) * w, y0 + g.uniform(-0.2, 1.2, n) * h
        radii = g.uniform(0, 200, (n, 3))
        near, _ = effects._impacts(damage_function_for("carleton"), x, y, np.zeros(n), radii)
        people = int(g.integers(0, 100_000))
        with monkeypatch.context() as m:
            m.setattr(effects, "place_people", None)
            numpy_rng = np.random.default_rng(case)
            expected = effects._people_within_reach(numpy_rng, people, x0, y0, w, h, near)
        kernel_rng = np.random.default_rng(case)
        got = effects._people_within_reach(kernel_rng, people, x0, y0, w, h, near)
        np.testing.assert_array_equal(got[0], expected[0], err_msg=f"case {case}")
        np.testing.assert_array_equal(got[1], expected[1], err_msg=f"case {case}")
        assert kernel_rng.random() == numpy_rng.random(), f"case {case}: draws differ"
        placed += len(got[0]) > 0
    assert placed > 200  # people were placed in most cases, not only empty arrays compared


def _rows(scenario, monkeypatch: pytest.MonkeyPatch, kernels: bool) -> np.ndarray:
    with monkeypatch.context() as m:
        if not kernels:
            m.setattr(effects, "hurt_in_zone", None)
            m.setattr(effects, "place_people", None)
        return run_task(Task("run", Fixed(scenario), 5, RUN, 0, 150)).rows


@compiled
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_replications_equal_with_and_without_compiled_scoring(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = read_raw(path)
    for damage_name in ("cookie-cutter", "carleton"):
        scenario = from_data({**raw, "damage_function": damage_name}, path.name).model
        fast = _rows(scenario, monkeypatch, True)
        reference = _rows(scenario, monkeypatch, False)
        np.testing.assert_array_equal(fast, reference, err_msg=f"{path.name} {damage_name}")
        hurt = [metric_names(scenario).index(k) for k in ("killed", "wounded", "tbi")]
        assert reference[:, hurt].sum() > 0  # people were scored, not only zeros compared
