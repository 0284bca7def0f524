"""Reports of every kind of results folder beyond a run: ``--report`` on sweep and calibrate,
and ``adsim report`` on validation, joint calibration, campaign and campaign-sweep folders.
Each page is self-contained (no URL fetched), shows every figure of the folder with its
sentence, and carries the provenance block."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.io.load import load
from sim.io.provenance import read_parquet_provenance
from sim.report import build_report
from tests.builders import VALID, battery, scenario_data, small_calibration
from tests.events_builders import binomial_scenario, write_event

runner = CliRunner()
PK = "defense.batteries.upper.pk.srbm"
B_PK = "defense.batteries.b.pk.msl"
URL_ATTR = re.compile(r"""\b(?:src|href|action|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _checked(folder: Path, document: str) -> str:
    """The folder's report.html, checked: self-contained, every figure shown with its
    sentence, the provenance of ``document`` in it."""
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert not URL_ATTR.search(html), URL_ATTR.search(html)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@import" not in html and "url(http" not in html and "<?xml" not in html
    svgs = sorted((folder / "figures").glob("*.svg"))
    assert svgs and html.count("<svg") == len(svgs)
    for svg in svgs:
        caption = re.search(rf"<strong>{re.escape(svg.name)}\.</strong> ([^<]+)", html)
        assert caption and not caption.group(1).startswith("The figure"), svg.name
    block = json.loads((folder / document).read_text())["provenance"]
    assert block["scenario_sha256"] in html and block["date"] in html and block["adsim"] in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    return html


def test_sweep_report_option_writes_the_page_with_the_results(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    output = _ok("sweep", str(VALID), "--vary", f"{PK}=0.2:0.8:2", "--runs", "20",
                 "--workers", "1", "--out", str(out), "--report")  # fmt: skip
    assert "report.html" in output
    html = _checked(out, "sweep.json")
    assert "The points" in html and PK in html
    assert load(VALID).digest in html
    # the report is part of the set: a new sweep into the folder without --report removes it
    _ok("sweep", str(VALID), "--vary", f"{PK}=0.2:0.8:2", "--runs", "20", "--workers", "1",
        "--out", str(out), "--no-figures")  # fmt: skip
    assert not (out / "report.html").exists()


def test_calibrate_report_option_writes_the_page_with_the_results(tmp_path: Path) -> None:
    cal = small_calibration(tmp_path)
    out = tmp_path / "c"
    _ok("calibrate", str(cal), "--out", str(out), "--predictive-runs", "20", "--workers", "1",
        "--report")  # fmt: skip
    html = _checked(out, "calibration.json")
    assert "The unknowns: prior and posterior" in html and "fired.rocket" in html


def _events(tmp_path: Path) -> Path:
    write_event(tmp_path, "one", binomial_scenario(tmp_path, 4, name="s1"), {"leaked": 1})
    write_event(tmp_path, "two", binomial_scenario(tmp_path, 5, name="s2"), {"leaked": [1, 3]})
    return tmp_path / "events"


def test_validation_report(tmp_path: Path) -> None:
    out = tmp_path / "v"
    _ok("validate", str(_events(tmp_path)), "--runs", "60", "--workers", "1", "--out", str(out))
    assert sorted(p.name for p in (out / "events").iterdir()) == ["one.yaml", "two.yaml"]
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == ["one.yaml", "two.yaml"]
    _ok("report", str(out))
    html = _checked(out, "validation.json")
    report = build_report(out)
    assert report.kind == "validation"
    assert [t.title for t in report.tables] == ["The scorecard", "Over every event"]
    scorecard = report.tables[0]
    assert [r[:3] for r in scorecard.rows] == [["one", "leaked", "1"], ["two", "leaked", "1–3"]]
    assert "how probable did the model find what was reported" in html
    assert "events/one.yaml" in html and "scenarios/two.yaml" in html and "a test" in html


def test_joint_calibration_report(tmp_path: Path) -> None:
    events = _events(tmp_path)
    unknowns = tmp_path / "unknowns.yaml"
    unknowns.write_text(yaml.safe_dump({"unknowns": {B_PK: {"uniform": [0, 1]}}}))
    out = tmp_path / "j"
    _ok("calibrate", "--events", str(events / "one.yaml"), str(events / "two.yaml"),
        "--unknowns", str(unknowns), "--draws", "40", "--per-draw", "2",
        "--predictive-runs", "30", "--workers", "1", "--out", str(out), "--report")  # fmt: skip
    html = _checked(out, "calibration.json")
    titles = [t.title for t in build_report(out).tables]
    assert titles[:2] == [
        "The evidence (what was reported of each event)",
        "The unknowns: prior and posterior",
    ]
    assert any(t.startswith("The posterior predictive, scored") for t in titles)
    assert B_PK in html and "Joint calibration over 2 public events" in html


def _campaign(tmp_path: Path) -> Path:
    two = tmp_path / "two.yaml"
    two.write_text(yaml.safe_dump(scenario_data(count=2, batteries={"upper": battery(1.0)})))
    block = {
        "days": 20,
        "attacks": [{"scenario": "two.yaml", "per_day": 0.5}],
        "stock": {"upper": {"initial": 12, "resupply": {"interceptors": 4, "every_days": 7}}},
        "costs": {"interceptor": {"upper": 10}, "threat": {"msl": 3}},
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(
        "# a test campaign\n"
        + yaml.safe_dump({"name": "test", "runs": 10, "seed": 3, "campaign": block})
    )
    return path


def test_campaign_report(tmp_path: Path) -> None:
    out = tmp_path / "c"
    _ok("campaign", str(_campaign(tmp_path)), "--workers", "1", "--out", str(out))
    _ok("report", str(out))
    html = _checked(out, "summary.json")
    report = build_report(out)
    assert report.kind == "campaign"  # not taken for a run by its summary.json
    assert [t.title for t in report.tables][:3] == [
        "The attacks",
        "The interceptor stock",
        "The main results, per campaign",
    ]
    assert "stockout.upper" in html and "cost_exchange" in html and "campaign.yaml" in html
    block = json.loads((out / "summary.json").read_text())["provenance"]
    for name in ("campaigns.parquet", "days.parquet"):
        assert read_parquet_provenance(out / name) == block


def test_campaign_sweep_report(tmp_path: Path) -> None:
    out = tmp_path / "cs"
    _ok("campaign", str(_campaign(tmp_path)), "--vary", "campaign.stock.upper.initial=4,40",
        "--runs", "10", "--workers", "1", "--out", str(out), "--report")  # fmt: skip
    html = _checked(out, "campaign-sweep.json")
    assert build_report(out).kind == "campaign-sweep"
    assert "P(no stock-out upper)" in html and "interceptors needed at the start" in html


@pytest.mark.parametrize("name", ["validation.json", "campaign-sweep.json"])
def test_a_damaged_document_exits_2_in_one_line(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("{not json")
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot read it as JSON" in lines[0]
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("vary", [False, True])
def test_plot_redraws_a_campaign_folder(tmp_path: Path, vary: bool) -> None:
    out = tmp_path / "c"
    extra = ["--vary", "campaign.stock.upper.initial=4,40"] if vary else []
    _ok("campaign", str(_campaign(tmp_path)), *extra, "--workers", "1", "--out", str(out))
    drawn = sorted(p.name for p in (out / "figures").iterdir())
    assert drawn
    for figure in (out / "figures").iterdir():
        figure.unlink()
    _ok("plot", str(out))
    assert sorted(p.name for p in (out / "figures").iterdir()) == drawn


def test_plot_refuses_a_validation_folder_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "v"
    _ok("validate", str(_events(tmp_path)), "--runs", "30", "--workers", "1", "--out", str(out))
    before = sorted(p.name for p in (out / "figures").iterdir())
    result = runner.invoke(app, ["plot", str(out)])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and "cannot be redrawn" in line and "adsim validate" in line, line
    assert sorted(p.name for p in (out / "figures").iterdir()) == before
