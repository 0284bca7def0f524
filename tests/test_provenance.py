"""Provenance: every result says which adsim, engine, scenario, seed and libraries made it."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.engine import ENGINE_REVISION
from sim.io.load import load
from sim.io.provenance import provenance, read_parquet_provenance
from tests.builders import small_calibration

HERE = Path(__file__).parent
VALID = HERE / "scenarios" / "valid-small.yaml"
PK = "defense.batteries.upper.pk.srbm"
runner = CliRunner()
KEYS = {
    "adsim", "engine_revision", "scenario_sha256", "seed", "runs", "date",
    "python", "numpy", "simpy", "scipy",
}  # fmt: skip


def _invoke(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_block_holds_versions_and_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    block = provenance("ab" * 32, 7, 100)
    assert set(block) == KEYS
    assert block["engine_revision"] == ENGINE_REVISION
    assert block["python"] == platform.python_version()
    assert block["numpy"] == metadata.version("numpy")
    assert block["date"].endswith("Z") and block["date"][:2] == "20"


def test_fixed_date_from_source_date_epoch() -> None:
    assert provenance("x", 1, 1)["date"] == "2026-01-01T00:00:00Z"  # conftest sets it


def test_run_summary_and_parquet_files_carry_it(tmp_path: Path) -> None:
    out = tmp_path / "run"
    summary = _invoke("run", str(VALID), "--runs", "50", "--no-figures", "--out", str(out))
    block = summary["provenance"]
    assert set(block) == KEYS
    assert block["scenario_sha256"] == load(VALID).digest
    assert (block["seed"], block["runs"]) == (7, 50)
    assert block["adsim"] == metadata.version("adsim")
    for name in ("replications.parquet", "impacts.parquet"):
        assert read_parquet_provenance(out / name) == block, name
    assert list(json.loads((out / "summary.json").read_text()))[0] == "provenance"


def test_set_changes_the_digest(tmp_path: Path) -> None:
    summary = _invoke(
        "run", str(VALID), "--runs", "20", "--no-figures", "--out", str(tmp_path / "r"),
        "--set", "threats.rocket.count=3",
    )  # fmt: skip
    assert summary["provenance"]["scenario_sha256"] != load(VALID).digest


def test_sweep_and_calibration_documents_carry_it(tmp_path: Path) -> None:
    doc = _invoke(
        "sweep", str(VALID), "--vary", f"{PK}=0.2:0.8:2", "--runs", "20", "--workers", "1",
        "--no-figures", "--out", str(tmp_path / "sw"),
    )  # fmt: skip
    assert set(doc["provenance"]) == KEYS and doc["provenance"]["runs"] == 20
    assert read_parquet_provenance(tmp_path / "sw" / "points.parquet") == doc["provenance"]


def test_version_option() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"adsim {metadata.version('adsim')} (engine revision")
    assert "numpy" in result.stdout and "scipy" in result.stdout


def test_version_says_whether_the_scoring_is_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.model.effects as effects

    monkeypatch.setattr(effects, "hurt_in_zone", None)
    result = runner.invoke(app, ["--version"])
    assert "casualty scoring in numpy (the C part was not built)" in result.stdout
    monkeypatch.setattr(effects, "hurt_in_zone", lambda *a: (0, 0, 0))
    assert "casualty scoring compiled;" in runner.invoke(app, ["--version"]).stdout


def test_short_help_option() -> None:
    result = runner.invoke(app, ["run", "-h"])
    assert result.exit_code == 0 and "--runs" in result.stdout


def test_calibration_document_carries_it(tmp_path: Path) -> None:
    scenario = small_calibration(tmp_path)
    out = tmp_path / "c"
    doc = _invoke(
        "calibrate", str(scenario), "--out", str(out), "--predictive-runs", "20", "--no-figures"
    )
    block = doc["provenance"]
    assert set(block) == KEYS and block["runs"] == doc["tried"]
    assert block["scenario_sha256"] == load(scenario).digest
    assert read_parquet_provenance(out / "posterior.parquet") == block
