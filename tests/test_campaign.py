"""Campaigns against their closed forms (seeded, 4 standard errors), exact arithmetic of
deterministic campaigns, reproducibility over workers, and bad campaign files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from sim.cli import app
from sim.io.campaign_file import load_campaign
from sim.montecarlo.campaign import CAMPAIGN, Layout, play
from sim.montecarlo.campaign_run import run_campaigns
from sim.montecarlo.run import run_monte_carlo
from tests.builders import VALID, battery, scenario_data, within

runner = CliRunner()


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def two_missiles(tmp_path: Path) -> str:
    """Each attack: 2 missiles, each killed by exactly one interceptor of 'upper' (pk 1)."""
    data = scenario_data(count=2, batteries={"upper": battery(1.0)})
    write(tmp_path / "two.yaml", data)
    return "two.yaml"


def campaign_file(tmp_path: Path, attacks: list[dict], stock: dict, **extra: Any) -> Path:
    block = {"days": extra.pop("days", 20), "attacks": attacks, "stock": stock, **extra}
    return write(
        tmp_path / "campaign.yaml", {"name": "test", "runs": 100, "seed": 3, "campaign": block}
    )


def test_stockout_and_leakers_match_the_poisson_closed_form(tmp_path: Path) -> None:
    """One kind at rate r over D days, k = n = 2 interceptors an attack, stock S, no resupply:
    P(stock-out) = P(A >= S/k), E[leakers] = n E[(A - S/k)+] with A ~ Poisson(rD)."""
    r, days, n, stock = 0.5, 20, 2, 20
    path = campaign_file(
        tmp_path,
        [{"scenario": two_missiles(tmp_path), "per_day": r}],
        {"upper": {"initial": stock}},
    )
    c = load_campaign(path).model
    runs = 1000
    result = run_campaigns(c, runs=runs, seed=11, workers=1)
    a = stats.poisson(r * days)
    m = stock // n
    p = a.sf(m - 1)
    got = result.metrics["stockout.upper"]["mean"]
    assert within(got, p, math.sqrt(p * (1 - p) / runs)), (got, p)
    xs = np.arange(0, 200)
    pmf = a.pmf(xs)
    excess = n * np.maximum(xs - m, 0)
    mean = float(np.dot(pmf, excess))
    sd = math.sqrt(float(np.dot(pmf, excess**2)) - mean**2)
    leaked = result.metrics["leaked"]["mean"]
    assert within(leaked, mean, sd / math.sqrt(runs)), (leaked, mean)
    # every attack fires until the stock is gone, and never more than the stock
    assert result.metrics["interceptors.upper"]["max"] <= stock
    assert result.metrics["attacks"]["mean"] == pytest.approx(
        r * days, abs=4 * math.sqrt(10 / runs)
    )


def test_deterministic_resupply_gives_the_arithmetic_stock(tmp_path: Path) -> None:
    """One attack a day using k = 2, resupply of q = 3 every d = 2 days, from 10."""
    days, k, q, every, initial = 12, 2, 3, 2, 10
    path = campaign_file(
        tmp_path,
        [{"scenario": two_missiles(tmp_path), "on_days": [d + 0.5 for d in range(days)]}],
        {"upper": {"initial": initial, "resupply": {"interceptors": q, "every_days": every}}},
        days=days,
    )
    c = load_campaign(path).model
    played = play(c, Layout.of(c), 1, CAMPAIGN, 0)
    stock = initial
    expected = []
    for d in range(days):
        if d > 0 and d % every == 0:
            stock += q
        stock -= min(k, stock)
        expected.append(stock)
    assert played.days[0].tolist() == expected
    assert played.days[1].tolist() == [0] * days  # nothing leaked while the stock lasted


def test_cost_exchange_of_a_deterministic_campaign(tmp_path: Path) -> None:
    """5 attacks of 2 missiles, each killed by one interceptor: 10 interceptors at 100 and
    10 missiles at 30: defence 1000, attack 300, ratio 10/3."""
    path = campaign_file(
        tmp_path,
        [{"scenario": two_missiles(tmp_path), "on_days": [1, 2, 3, 4, 5]}],
        {"upper": {"initial": 100}},
        costs={"interceptor": {"upper": 100}, "threat": {"msl": 30}},
    )
    c = load_campaign(path).model
    result = run_campaigns(c, runs=3, seed=1, workers=1)
    assert result.metrics["cost.defence"]["mean"] == pytest.approx(1000)
    assert result.metrics["cost.attack"]["mean"] == pytest.approx(300)
    assert result.metrics["cost_exchange"]["mean"] == pytest.approx(10 / 3)
    assert result.metrics["stock_left.upper"]["mean"] == 90


def test_one_attack_campaign_matches_a_run(tmp_path: Path) -> None:
    """A campaign of exactly one attack, with ample stock, is distributed as `adsim run`."""
    scenario = tmp_path / "valid.yaml"
    scenario.write_text(VALID.read_text(encoding="utf-8"), encoding="utf-8")
    path = campaign_file(
        tmp_path, [{"scenario": "valid.yaml", "on_days": [0]}], {"upper": {"initial": 1000}}
    )
    loaded = load_campaign(path)
    runs = 800
    campaign = run_campaigns(loaded.model, runs=runs, seed=5, workers=1)
    single = run_monte_carlo(loaded.scenarios[0].model, runs=runs, seed=6, workers=1)
    for name in ("leaked", "interceptors", "intercepted.srbm", "casualties"):
        a, b = campaign.metrics[name], single.metrics[name]
        se = math.sqrt(a["sd"] ** 2 / runs + b["sd"] ** 2 / runs)
        assert within(a["mean"], b["mean"], se), (name, a["mean"], b["mean"])


def test_identical_for_one_and_two_workers(tmp_path: Path) -> None:
    path = campaign_file(
        tmp_path,
        [{"scenario": two_missiles(tmp_path), "per_day": 0.4}],
        {"upper": {"initial": 12, "resupply": {"interceptors": 4, "every_days": 7}}},
        costs={"interceptor": {"upper": 10}, "threat": {"msl": 3}},
    )
    c = load_campaign(path).model
    rows: dict[int, list] = {1: [], 2: []}
    results = {}
    for w in (1, 2):
        results[w] = run_campaigns(
            c, runs=60, seed=9, workers=w, sink=lambda i, r, d, f, w=w: rows[w].append((f, i, r, d))
        )
    assert results[1].metrics == results[2].metrics
    assert results[1].days == results[2].days
    one = np.vstack([x[1] for x in rows[1]])
    two = np.vstack([x[1] for x in rows[2]])
    assert (one == two).all()


def test_cli_writes_summary_records_and_figures(tmp_path: Path) -> None:
    path = campaign_file(
        tmp_path,
        [{"scenario": two_missiles(tmp_path), "per_day": 0.6}],
        {"upper": {"initial": 10, "resupply": {"interceptors": 4, "every_days": 5}}},
        costs={"interceptor": {"upper": 10}, "threat": {"msl": 3}},
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["campaign", str(path), "--runs", "40", "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    import pyarrow.parquet as pq

    assert pq.read_table(out / "campaigns.parquet").num_rows == 40
    assert pq.read_table(out / "days.parquet").num_rows == 40 * 20
    names = sorted(p.name for p in (out / "figures").iterdir())
    for stem in (
        "campaign_stock",
        "campaign_cumulative",
        "campaign_stockout",
        "campaign_cost_exchange",
    ):
        assert f"{stem}.png" in names and f"{stem}.svg" in names


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"stock": {"nosuch": {"initial": 5}}}, "campaign.stock.nosuch"),
        ({"attacks": [{"scenario": "missing.yaml", "per_day": 1}]}, "campaign.attacks.0.scenario"),
        ({"attacks": [{"scenario": "two.yaml", "per_day": -1}]}, "campaign.attacks.0.per_day"),
        ({"costs": {"interceptor": {"lower": 3}}}, "campaign.costs.interceptor.lower"),
        ({"days": 0}, "campaign.days"),
        ({"attacks": [{"scenario": "two.yaml"}]}, "campaign.attacks.0"),
    ],
)
def test_bad_campaign_files_exit_2_naming_file_and_path(
    tmp_path: Path, change: dict, where: str
) -> None:
    two_missiles(tmp_path)
    block = {
        "days": 10,
        "attacks": [{"scenario": "two.yaml", "per_day": 1}],
        "stock": {"upper": {"initial": 5}},
        **change,
    }
    path = write(tmp_path / "bad.yaml", {"name": "bad", "campaign": block})
    result = runner.invoke(
        app, ["campaign", str(path), "--runs", "2", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2, result.output
    assert f"{path}: {where}" in result.output
    assert not (tmp_path / "o").exists()


def test_stock_caps_magazine_and_reloads_in_an_attack() -> None:
    """A battery with 4 ready and 2 reloads of 4 fires at most its stock (3) in an attack;
    without a cap it fires 10 at 10 threats."""
    from sim.engine.replication import run_replication
    from sim.io.scenario_file import validate

    reload = {"interceptors": 4, "time_s": 1, "times": 2}
    upper = battery(1.0, interceptors=4, reload=reload)
    # launches spread over 200 s, so that the reloads come in time
    data = scenario_data(count=10, batteries={"upper": upper}, launch_s={"uniform": [0, 200]})
    s = validate(data, "test")
    capped = run_replication(s, np.random.default_rng(1), stock=[3]).metrics
    free = run_replication(s, np.random.default_rng(1), stock=[None]).metrics
    assert capped["interceptors.upper"] == 3 and capped["leaked"] == 7
    assert free["interceptors.upper"] == 10 and free["leaked"] == 0


def test_sweep_of_the_initial_stock_finds_the_interceptors_needed(tmp_path: Path) -> None:
    """Stock S in 2, 20, 40 at rate 0.5 over 20 days, 2 an attack: P(no stock-out) =
    P(A < S/2) is about 0, 0.46 and 1.0: 40 is the smallest swept value with 95%."""
    path = campaign_file(
        tmp_path, [{"scenario": two_missiles(tmp_path), "per_day": 0.5}], {"upper": {"initial": 5}}
    )
    out = tmp_path / "sweep"
    result = runner.invoke(
        app,
        [
            "campaign",
            str(path),
            "--vary",
            "campaign.stock.upper.initial=2,20,40",
            "--runs",
            "60",
            "--workers",
            "1",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads(result.stdout)
    assert doc["needed"]["upper"]["initial"] == 40
    assert [p["values"]["campaign.stock.upper.initial"] for p in doc["points"]] == [2, 20, 40]
    assert (out / "figures" / "campaign_sweep_stock_upper.png").is_file()


@pytest.mark.slow
def test_identical_on_a_local_cluster(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed", reason="the cluster extra is not installed")
    path = campaign_file(
        tmp_path,
        [{"scenario": two_missiles(tmp_path), "per_day": 0.4}],
        {"upper": {"initial": 8, "resupply": {"interceptors": 2, "every_days": 5}}},
    )
    c = load_campaign(path).model
    local = run_campaigns(c, runs=40, seed=2, workers=1)
    dask = run_campaigns(c, runs=40, seed=2, workers=2, cluster="local")
    assert dask.metrics == local.metrics
    assert dask.days == local.days


def test_overrides_reach_campaign_and_scenario_paths(tmp_path: Path) -> None:
    path = campaign_file(
        tmp_path, [{"scenario": two_missiles(tmp_path), "per_day": 0.5}], {"upper": {"initial": 5}}
    )
    loaded = load_campaign(
        path,
        {
            "campaign.stock.upper.initial": 9,
            "campaign.attacks.0.per_day": 1.5,
            "campaign.attacks.0.scenario.threats.msl.count": 4,
        },
    )
    c = loaded.model
    assert c.stock["upper"].initial == 9
    assert c.attacks[0].per_day == 1.5
    assert c.attacks[0].scenario.threats["msl"].count.mean == 4
    bad = runner.invoke(
        app, ["campaign", str(path), "--set", "campaign.attacks.0.per_day=-2", "--runs", "2"]
    )
    assert bad.exit_code == 2 and "campaign.attacks.0.per_day" in bad.output


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by relative path: its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _refused(result: Any, *fragments: str) -> None:
    """Exit status 2 and one line of error naming each fragment."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("adsim: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_campaign_into_another_campaigns_folder_needs_force(tmp_path: Path) -> None:
    path = campaign_file(
        tmp_path, [{"scenario": two_missiles(tmp_path), "per_day": 0.5}], {"upper": {"initial": 5}},
        days=5,
    )  # fmt: skip
    out = tmp_path / "out"

    def campaign(*args: str) -> Any:
        base = ["campaign", str(path), "--runs", "10", "--workers", "1", "--out", str(out)]
        return runner.invoke(app, [*base, "--no-figures", *args])

    assert campaign().exit_code == 0
    before = _files(out)
    other = campaign("--set", "campaign.stock.upper.initial=9")  # another effective campaign
    _refused(other, str(out), "another campaign", "campaign 'test'", "--force")
    assert _files(out) == before  # untouched, nothing half-written beside it
    again = campaign("--seed", "9", "--runs", "12")  # the same campaign: replaced
    assert again.exit_code == 0, again.output
    assert json.loads((out / "summary.json").read_text())["runs"] == 12
    forced = campaign("--set", "campaign.stock.upper.initial=9", "--force")
    assert forced.exit_code == 0, forced.output
    assert (
        json.loads((out / "summary.json").read_text())["stock"]
        != json.loads(before["summary.json"])["stock"]
    )


@pytest.mark.parametrize(
    ("old", "held"),
    [
        ('{"campaign": "elsewhere", "runs": 3}', "campaign 'elsewhere'"),  # no provenance
        ('{"scenario": "a run", "provenance": {"scenario_sha256": "ab"}}', "scenario 'a run'"),
        ("{not json", "a summary.json adsim cannot read"),
    ],
)
def test_campaign_refuses_other_results_without_work(tmp_path: Path, old: str, held: str) -> None:
    path = campaign_file(
        tmp_path, [{"scenario": two_missiles(tmp_path), "per_day": 0.5}], {"upper": {"initial": 5}}
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text(old)
    result = runner.invoke(app, ["campaign", str(path), "--runs", "10", "--out", str(out)])
    _refused(result, str(out), held, "--force")
    assert _files(out) == {"summary.json": old.encode()}
    same = '{"campaign": "test", "runs": 3}'  # this campaign's name, no provenance: replaced
    (out / "summary.json").write_text(same)
    result = runner.invoke(
        app, ["campaign", str(path), "--runs", "10", "--no-figures", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output


def test_campaign_sweep_into_another_sweeps_folder_needs_force(tmp_path: Path) -> None:
    path = campaign_file(
        tmp_path, [{"scenario": two_missiles(tmp_path), "per_day": 0.5}], {"upper": {"initial": 5}},
        days=5,
    )  # fmt: skip
    out = tmp_path / "sweep"

    def sweep(*args: str) -> Any:
        base = ["campaign", str(path), "--vary", "campaign.stock.upper.initial=2,4"]
        return runner.invoke(app, [*base, "--runs", "10", "--no-figures", "--out", str(out), *args])

    assert sweep().exit_code == 0
    before = _files(out)
    data = yaml.safe_load(path.read_text())
    data["campaign"]["days"] = 6  # another campaign of the same name
    write(path, data)
    _refused(sweep(), str(out), "another campaign sweep", "--force")
    assert _files(out) == before
    assert sweep("--force").exit_code == 0
    assert sweep("--seed", "4").exit_code == 0  # the same campaign again: replaced
