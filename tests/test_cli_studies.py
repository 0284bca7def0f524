"""``adsim sweep`` and ``adsim calibrate`` end to end: documents, files, figures, study files,
bad input (exit 2, nothing written), refusal of a different sweep, and Ctrl-C then resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sim.cli import app

HERE = Path(__file__).parent
VALID = HERE / "scenarios" / "valid-small.yaml"
PK = "defense.batteries.upper.pk.srbm"
FIELDS = {"n", "mean", "sd", "ci95", "min", "p05", "p50", "p95", "max", "p_zero", "histogram"}
runner = CliRunner()


def _invoke(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_sweep_document_files_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    doc = _invoke(
        "sweep", str(VALID), "--vary", f"{PK}=0.2:0.8:3", "--vary", "threats.rocket.count=4,8",
        "--runs", "60", "--workers", "2", "--out", str(out),
    )  # fmt: skip
    head = (doc["scenario"], doc["design"], doc["runs"], doc["seed"])
    assert head == ("valid-small", "grid", 60, 7)
    assert doc["parameters"] == [PK, "threats.rocket.count"]
    assert len(doc["points"]) == 6
    first = doc["points"][0]
    assert first["values"] == {PK: 0.2, "threats.rocket.count": 4}
    assert set(first["metrics"]["leaked"]) >= FIELDS
    assert json.loads((out / "sweep.json").read_text()) == doc
    table = pq.read_table(out / "points.parquet")
    assert table.num_rows == 6 and "leaked.ci95_high" in table.column_names
    assert (out / "points.csv").read_text().count("\n") == 7
    assert list((out / "figures").glob("*.png")) and list((out / "figures").glob("*.svg"))


def test_sweep_from_a_study_file_with_lhs(tmp_path: Path) -> None:
    study = tmp_path / "study.yaml"
    study.write_text(
        f"study: sweep\nscenario: {VALID}\nvary:\n  {PK}: 0.3:0.9\n"
        "  base.warning.compliance: 0.5:1.0\ndesign: lhs\npoints: 5\nruns: 40\nseed: 2\n"
        "set: {threats.rocket.count: 5}\n"
    )
    doc = _invoke("sweep", str(study), "--out", str(tmp_path / "o"))
    assert doc["design"] == "lhs" and doc["seed"] == 2 and len(doc["points"]) == 5
    assert all(p["metrics"]["fired.rocket"]["mean"] == 5 for p in doc["points"])


def test_sobol_sweep_reports_indices(tmp_path: Path) -> None:
    doc = _invoke(
        "sweep", str(VALID), "--vary", f"{PK}=0.2:0.9", "--vary", "base.warning.compliance=0:1",
        "--design", "sobol", "--points", "4", "--runs", "20", "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert len(doc["points"]) == 4 * 6
    assert set(doc["sensitivity"]) >= {"leaked", "casualties"}
    assert set(doc["sensitivity"]["leaked"][PK]) == {"S1", "S1_conf", "ST", "ST_conf"}


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--vary", "defense.batteries.upperr.pk.srbm=0.1,0.2"], "no key 'upperr'"),
        (["--vary", f"{PK}=0.5:2:4"], "is not allowed"),
        (["--vary", f"{PK}=0.1:0.9"], "grid design needs values"),
        (["--vary", f"{PK}=0.1:0.9", "--design", "lhs"], "needs --points"),
        (["--vary", f"{PK}=0.1,0.2", "--design", "latin"], "expected one of: grid, lhs, sobol"),
        ([], "give at least one --vary"),
    ],
)
def test_bad_sweeps_exit_2_and_write_nothing(tmp_path: Path, args: list[str], fragment: str):
    out = tmp_path / "o"
    result = runner.invoke(app, ["sweep", str(VALID), *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_different_sweep_into_the_same_folder_exits_2(tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    _invoke("sweep", str(VALID), "--vary", f"{PK}=0.5", "--runs", "20", "--out", out)
    result = runner.invoke(
        app, ["sweep", str(VALID), "--vary", f"{PK}=0.5", "--runs", "30", "--out", out]
    )
    assert result.exit_code == 2
    assert "holds a different sweep (it differs in: runs)" in result.output


def _adsim(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_then_rerun_completes_with_identical_results(tmp_path: Path) -> None:
    args = ["sweep", str(VALID), "--vary", f"{PK}=0.1:0.9:8", "--runs", "1500", "--workers", "2"]
    args += ["--no-figures", "--json"]
    cut = tmp_path / "cut"
    proc = _adsim(*args, "--out", str(cut))
    deadline = time.monotonic() + 60
    while not list((cut / "points").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err
    saved = len(list((cut / "points").glob("*.json")))
    assert 1 <= saved < 8
    rerun = _adsim(*args, "--out", str(cut))
    resumed, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    full = _adsim(*args, "--out", str(tmp_path / "full"))
    uninterrupted, _ = full.communicate(timeout=120)
    assert json.loads(resumed) == json.loads(uninterrupted)


def test_calibrate_document_files_and_figures(tmp_path: Path) -> None:
    scenario = tmp_path / "cal.yaml"
    text = VALID.read_text() + (
        "calibration:\n"
        f"  unknowns:\n    {PK}: {{uniform: [0.3, 0.95]}}\n"
        "    defense.batteries.lower.pk.rocket: {uniform: [0.3, 0.95]}\n"
        "  evidence:\n    fired.rocket: {between: [4, 8]}\n"
        "    intercepted_fraction: {greater_than: 0.5}\n  samples: 150\n"
    )
    scenario.write_text(text)
    out = tmp_path / "c"
    doc = _invoke("calibrate", str(scenario), "--out", str(out), "--predictive-runs", "300")
    assert doc["accepted"] == 150 and doc["tried"] >= 150
    assert doc["acceptance_rate"] == pytest.approx(150 / doc["tried"])
    assert set(doc["posterior"][PK]) >= {"mean", "sd", "q05", "q50", "q95"}
    assert set(doc["predictive"]["leaked"]) >= FIELDS
    assert doc["predictive"]["leaked"]["n"] == 300
    assert pq.read_table(out / "posterior.parquet").num_rows == 150
    assert json.loads((out / "calibration.json").read_text()) == doc
    assert list((out / "figures").glob("calibration_*.png"))


def test_calibrate_without_a_calibration_section_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calibrate", str(VALID), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no calibration section" in result.output
    assert not (tmp_path / "o").exists()
