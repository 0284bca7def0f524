"""Per-attack uncertainties against closed forms, and their wiring.

N = 4 threats, one battery, `shoot`, ample channels and interceptors. Leaked counts misses;
each shot misses with probability 1 - pk. With pk drawn once per attack:
- pk ~ uniform(0, 1): 1 - pk ~ uniform(0, 1), so leaked ~ BetaBinomial(4, 1, 1), uniform on
  {0, ..., 4} (1/5 each);
- pk ~ beta(a, b): 1 - pk ~ beta(b, a), so leaked ~ BetaBinomial(4, b, a);
- pk constant 0.5 (or drawn per shot from uniform(0, 1), mean 0.5): Binomial(4, 0.5).
Each probability is checked within 4 standard errors sqrt(P (1 - P) / runs).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from sim import run_monte_carlo, run_replication
from sim.cli import app
from sim.io.errors import InputError
from sim.io.load import from_data
from sim.montecarlo.batch import replication_scenario
from sim.montecarlo.streams import RUN, replication_rng
from sim.studies.parameters import make_factory
from tests.builders import battery, proportion_se, scenario_data, within

RUNS = 4000
N = 4
PK = "defense.batteries.b.pk.msl"
runner = CliRunner()


def _data(pk: object = 0.5, uncertain: dict | None = None, **threat: object) -> dict:
    data = scenario_data(N, {"b": battery(pk)}, **threat)
    if uncertain is not None:
        data["uncertainties"] = uncertain
    return data


def _leaked_shares(data: dict, seed: int, workers: int = 1) -> np.ndarray:
    r = run_monte_carlo(from_data(data, "test").model, runs=RUNS, seed=seed, workers=workers)
    hist = r.metrics["leaked"]["histogram"]
    return np.array([hist.get(str(k), 0) for k in range(N + 1)]) / RUNS


def _check_pmf(shares: np.ndarray, pmf: np.ndarray) -> None:
    for k in range(N + 1):
        assert within(shares[k], pmf[k], proportion_se(pmf[k], RUNS)), (k, shares, pmf)


@pytest.mark.parametrize(
    ("pk", "uncertain", "pmf"),
    [
        (0.5, {PK: {"uniform": [0, 1]}}, np.full(N + 1, 1 / (N + 1))),
        (0.5, {PK: {"beta": [2, 3]}}, stats.betabinom(N, 3, 2).pmf(np.arange(N + 1))),
        (0.5, None, stats.binom(N, 0.5).pmf(np.arange(N + 1))),
        (0.5, {PK: {"uniform": [0.5, 0.5]}}, stats.binom(N, 0.5).pmf(np.arange(N + 1))),
        # the same distribution written in `pk:` is drawn per shot: variation, not uncertainty
        ({"uniform": [0, 1]}, None, stats.binom(N, 0.5).pmf(np.arange(N + 1))),
    ],
    ids=["uniform-per-attack", "beta-per-attack", "constant", "constant-per-attack", "per-shot"],
)
def test_leaked_matches_the_closed_form(pk: object, uncertain: dict | None, pmf) -> None:
    _check_pmf(_leaked_shares(_data(pk, uncertain), seed=5), pmf)


def _disc_data(scale: object, uncertain: dict | None = None) -> dict:
    """One threat at the origin, no defence, a 1000 m square of 400 people, killed radius
    100 m: with the scale s, killed ~ Binomial(400, pi (100 s)^2 / 1000^2)."""
    data = scenario_data(
        1,
        {},
        zones={"zones": {"z": {"center_m": [0, 0], "size_m": [1000, 1000], "personnel": 400}}},
        effects={"killed_m": 100, "scale": scale},
    )
    if uncertain is not None:
        data["uncertainties"] = uncertain
    return data


@pytest.mark.parametrize("s", [0.5, 1.0, 1.5])
def test_effects_scale_scales_the_killed_share_as_its_square(s: float) -> None:
    runs = 1000
    r = run_monte_carlo(from_data(_disc_data(s), "test").model, runs=runs, seed=7, workers=1)
    p = math.pi * (100 * s) ** 2 / 1000**2
    se = math.sqrt(400 * p * (1 - p) / runs)
    assert within(r.metrics["killed"]["mean"], 400 * p, se), (s, r.metrics["killed"]["mean"])


def test_uncertain_scale_gives_the_mixture_mean() -> None:
    """s ~ uniform(0.5, 1.5) per attack: E[killed] = 400 c E[s^2], c = pi 100^2 / 1000^2;
    Var = E[400 p (1 - p)] + 400^2 Var(p) with p = c s^2."""
    runs = 2000
    data = _disc_data(1, {"threats.msl.effects.scale": {"uniform": [0.5, 1.5]}})
    r = run_monte_carlo(from_data(data, "test").model, runs=runs, seed=8, workers=1)
    c = math.pi * 100**2 / 1000**2
    s2 = (1.5**3 - 0.5**3) / 3  # E[s^2]
    s4 = (1.5**5 - 0.5**5) / 5  # E[s^4]
    mean = 400 * c * s2
    var = 400 * (c * s2 - c * c * s4) + 400**2 * (c * c * s4 - (c * s2) ** 2)
    assert within(r.metrics["killed"]["mean"], mean, math.sqrt(var / runs))


def test_importance_ranks_the_driver_first_and_the_idle_path_near_zero() -> None:
    """pk drives leaked; the warhead's scale cannot change it (no one is hurt or saved by
    it in the count of leakers): its S1 must be within twice its 95% half-width of 0
    (about 4 standard errors)."""
    data = _data(
        0.5,
        {PK: {"uniform": [0, 1]}, "threats.msl.effects.scale": {"uniform": [0.5, 1.5]}},
    )
    r = run_monte_carlo(from_data(data, "test").model, runs=RUNS, seed=9, workers=1)
    block = r.extra["uncertainty_importance"]
    leaked = block["metrics"]["leaked"]
    assert max(leaked, key=lambda p: leaked[p]["S1"]) == PK
    idle = leaked["threats.msl.effects.scale"]
    assert abs(idle["S1"]) <= 2 * idle["S1_conf"], idle
    assert block["replications"] == RUNS


def test_importance_value_is_the_closed_form() -> None:
    """Leaked | pk ~ Binomial(4, 1 - pk), pk ~ U(0, 1): Var(E[leaked | pk]) = 16 / 12 and
    Var(leaked) = 2 (uniform on 0..4), so S1 = 2 / 3."""
    data = _data(0.5, {PK: {"uniform": [0, 1]}})
    r = run_monte_carlo(from_data(data, "test").model, runs=RUNS, seed=10, workers=1)
    s1 = r.extra["uncertainty_importance"]["metrics"]["leaked"][PK]
    assert abs(s1["S1"] - 2 / 3) <= 2 * s1["S1_conf"], s1


def test_importance_is_the_same_on_any_number_of_workers() -> None:
    """The metrics' indices are computed side by side; each on the same fixed stream."""
    data = _data(
        0.5,
        {PK: {"uniform": [0, 1]}, "threats.msl.effects.scale": {"uniform": [0.5, 1.5]}},
    )
    s = from_data(data, "test").model
    one = run_monte_carlo(s, runs=400, seed=11, workers=1).extra["uncertainty_importance"]
    two = run_monte_carlo(s, runs=400, seed=11, workers=2).extra["uncertainty_importance"]
    assert one["metrics"]["leaked"][PK]["S1"] is not None
    assert one == two


def _keep_drawn(chunks: list):  # noqa: ANN202
    return lambda *a: chunks.append(a[3].copy())


def test_one_and_two_workers_draw_the_same_values() -> None:
    data = _data(0.5, {PK: {"beta": [2, 3]}, "threats.msl.count": {"uniform_int": [1, 6]}})
    s = from_data(data, "test").model
    got = []
    for workers in (1, 2):
        chunks: list = []
        r = run_monte_carlo(s, runs=600, seed=4, workers=workers, sink=_keep_drawn(chunks))
        got.append((r.metrics, r.extra, np.vstack(chunks)))
    assert got[0][0] == got[1][0] and got[0][1] == got[1][1]
    assert np.array_equal(got[0][2], got[1][2])
    assert set(np.unique(got[0][2][:, 1])) <= set(range(1, 7))


def test_a_replication_replays_with_its_drawn_values() -> None:
    s = from_data(_data(0.5, {PK: {"uniform": [0, 1]}}), "test").model
    chunks: list = []
    r = run_monte_carlo(
        s, runs=20, seed=2, workers=1, keep_rows=True, sink=lambda *a: chunks.append(a[3])
    )
    assert r.rows is not None
    drawn = np.vstack(chunks)
    for i in (0, 7, 19):
        si, values = replication_scenario(s, 2, i, RUN)
        assert values == drawn[i].tolist()
        assert not si.uncertainties
        assert si.defense.batteries["b"].pk["msl"].params[0] == values[0]
        rep = run_replication(si, replication_rng(2, i))
        assert rep.row == r.rows[i, : len(rep.row)].astype(int).tolist()
    with pytest.raises(ValueError, match="uncertainties"):
        run_replication(s, replication_rng(2, 0))


def test_without_uncertainties_nothing_changes() -> None:
    s = from_data(_data(0.5), "test").model
    assert s.uncertainties == {}
    r = run_monte_carlo(s, runs=50, seed=1, workers=1)
    assert "uncertainty_importance" not in r.extra


def test_a_design_value_fixes_the_uncertain_path() -> None:
    loaded = from_data(_data(0.5, {PK: {"uniform": [0, 1]}, "threats.msl.count": 3}), "test")
    factory = make_factory(loaded, {PK: 0.5})
    built = factory.build([0.9])
    assert list(built.uncertainties) == ["threats.msl.count"]
    assert built.defense.batteries["b"].pk["msl"].params[0] == 0.9
    # the slow path (a path the file leaves out) fixes it too
    slow = make_factory(loaded, {PK: 0.5, "base.warning.compliance": 0.5})
    assert not slow.parameters[1].fast
    built = slow.build([0.2, 0.7])
    assert list(built.uncertainties) == ["threats.msl.count"]
    assert built.defense.batteries["b"].pk["msl"].params[0] == 0.2
    assert built.uncertainties["threats.msl.count"].kind == "count"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"defense.batteries.b.pk.msl": {"uniform": [0, 2]}}, "distribution on [0, 1]"),
        ({"threats.rocket.count": 3}, "unknown path: no key 'rocket'"),
        ({"threats.msl.count": {"uniform": [1, 3]}}, "integer"),
        ({"defense.batteries.b.doctrine.shots": {"uniform_int": [1, 2]}}, "plain number"),
        ({"seed": {"uniform_int": [1, 2]}}, "cannot be uncertain"),
        ({"threats.msl.effects.scale": {"uniform": [-1, 2]}}, "non-negative"),
        ({"threats.msl.effects.scale": "big"}, "uncertainties.threats.msl.effects.scale"),
    ],
)
def test_bad_uncertainties_are_input_errors(entry: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        from_data(_data(0.5, entry), "s.yaml")
    text = str(err.value)
    assert text.startswith("s.yaml: uncertainties."), text
    assert message in text, text


def test_plain_fields_cannot_be_uncertain() -> None:
    data = _data(0.5)
    data["defense"]["batteries"]["b"]["doctrine"] = {"shots": 1, "engagements": 1}
    data["uncertainties"] = {"defense.batteries.b.doctrine.shots": {"uniform_int": [1, 2]}}
    with pytest.raises(InputError, match="plain number"):
        from_data(data, "s.yaml")


def test_cli_set_adds_an_entry_and_records_its_draws(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_data(0.5)), encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(path), "--runs", "300", "--seed", "1", "--out", str(out), "--no-figures"]
    result = runner.invoke(app, [*args, "--set", f"uncertainties.{PK}={{uniform: [0, 1]}}"])
    assert result.exit_code == 0, result.output
    assert "what drives the answer" in result.output
    table = pq.read_table(out / "replications.parquet").to_pydict()
    u = np.asarray(table[f"u:{PK}"])
    assert len(u) == 300 and u.min() >= 0 and u.max() <= 1 and len(np.unique(u)) == 300
    saved = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    assert saved["uncertainties"] == {PK: {"uniform": [0, 1]}}
    bad = runner.invoke(app, [*args, "--set", f"uncertainties.{PK}={{uniform: [0, 3]}}"])
    assert bad.exit_code == 2
    assert f"uncertainties.{PK}" in bad.output


def test_the_optional_warning_block_may_be_uncertain() -> None:
    data = _data(0.5, {"base.warning.compliance": {"uniform": [0.2, 0.9]}})
    data["base"] = {"zones": {"z": {"center_m": [0, 0], "size_m": [100, 100], "personnel": 5}}}
    s = from_data(copy.deepcopy(data), "test").model
    assert s.base.warning is not None
    assert s.uncertainties["base.warning.compliance"].kind == "probability"


def test_run_draws_the_importance_figures_and_plot_redraws_them(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_data(0.5, {PK: {"uniform": [0, 1]}})), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--runs", "300", "--out", str(out)])
    assert result.exit_code == 0, result.output
    figures = out / "figures"
    expected = {"uncertainty_importance.png", f"driver_leaked_{PK.replace('.', '-')}.png"}
    assert expected <= {f.name for f in figures.iterdir()}
    for f in figures.glob("*"):
        f.unlink()
    result = runner.invoke(app, ["plot", str(out)])
    assert result.exit_code == 0, result.output
    assert expected <= {f.name for f in figures.iterdir()}
