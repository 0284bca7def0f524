"""The command line end to end: run, check, trace, plot, --json, exit statuses, Ctrl-C."""

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

from sim import load_scenario, metric_names
from sim.cli import app

HERE = Path(__file__).parent
VALID = HERE / "scenarios" / "valid-small.yaml"
runner = CliRunner()
FIELDS = {"n", "mean", "sd", "ci95", "min", "p05", "p50", "p95", "max", "p_zero", "histogram"}


def run_json(tmp_path: Path, *args: str) -> dict:
    result = runner.invoke(app, ["run", str(VALID), "--json", "--no-figures", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_run_writes_summary_records_and_impacts(tmp_path: Path) -> None:
    out = tmp_path / "res"
    summary = run_json(tmp_path, "--runs", "300", "--out", str(out), "--workers", "1")
    assert summary["scenario"] == "valid-small"
    assert summary["runs"] == 300
    assert summary["seed"] == 7
    s = load_scenario(VALID)
    expected = {*metric_names(s), "intercepted_fraction"}
    assert set(summary["metrics"]) == expected
    for name, m in summary["metrics"].items():
        assert set(m) >= FIELDS, name
        if name != "intercepted_fraction":
            assert sum(m["histogram"].values()) == 300
            assert m["min"] <= m["p05"] <= m["p50"] <= m["p95"] <= m["max"]
            assert m["ci95"][0] <= m["mean"] <= m["ci95"][1]
    assert json.loads((out / "summary.json").read_text()) == summary
    table = pq.read_table(out / "replications.parquet")
    assert table.num_rows == 300
    assert table.column("replication").to_pylist() == list(range(300))
    leaked = table.column("leaked").to_pylist()
    assert sum(leaked) / 300 == pytest.approx(summary["metrics"]["leaked"]["mean"])
    assert (out / "impacts.parquet").exists()
    assert (out / "scenario.yaml").exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_same_result_for_any_worker_count(tmp_path: Path) -> None:
    one = run_json(tmp_path, "--runs", "400", "--workers", "1", "--out", str(tmp_path / "a"))
    two = run_json(tmp_path, "--runs", "400", "--workers", "2", "--out", str(tmp_path / "b"))
    assert one == two
    a = pq.read_table(tmp_path / "a" / "replications.parquet")
    b = pq.read_table(tmp_path / "b" / "replications.parquet")
    assert a.equals(b)


def test_set_and_seed_options_change_the_run(tmp_path: Path) -> None:
    base = run_json(tmp_path, "--runs", "200", "--out", str(tmp_path / "a"))
    reseeded = run_json(tmp_path, "--runs", "200", "--seed", "8", "--out", str(tmp_path / "b"))
    assert reseeded["seed"] == 8
    assert reseeded["metrics"] != base["metrics"]
    no_rockets = run_json(
        tmp_path, "--runs", "50", "--set", "threats.rocket.count=0", "--out", str(tmp_path / "c")
    )
    assert no_rockets["metrics"]["fired.rocket"]["max"] == 0


def test_precision_stops_early_and_says_so(tmp_path: Path) -> None:
    summary = run_json(
        tmp_path, "--runs", "20000", "--precision", "leaked=0.1", "--out", str(tmp_path / "p")
    )
    info = summary["precision"]
    assert info["metric"] == "leaked"
    assert info["achieved"] <= 0.1
    assert summary["runs"] == info["runs_needed"] < 20000


def test_table_output_and_check(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", str(VALID), "--runs", "100", "--no-figures", "--out", str(tmp_path / "t")]
    )
    assert result.exit_code == 0, result.output
    assert "leaked" in result.output and "casualties" in result.output
    result = runner.invoke(app, ["check", str(VALID)])
    assert result.exit_code == 0
    assert "ok" in result.output and "upper" in result.output


def test_trace_prints_events_and_draws_a_timeline(tmp_path: Path) -> None:
    result = runner.invoke(app, ["trace", str(VALID), "--out", str(tmp_path / "tr"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    kinds = {e["event"] for e in doc["events"]}
    assert {"launch", "detect"} <= kinds
    times = [e["time_s"] for e in doc["events"]]
    assert times == sorted(times)
    assert doc["metrics"]["fired"] == sum(e["event"] == "launch" for e in doc["events"])
    assert list((tmp_path / "tr").glob("trace-*.png"))
    assert list((tmp_path / "tr").glob("trace-*.svg"))


def test_trace_matches_the_same_replication_of_run(tmp_path: Path) -> None:
    runner.invoke(
        app,
        [
            "run",
            str(VALID),
            "--runs",
            "5",
            "--no-figures",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    rows = pq.read_table(tmp_path / "r" / "replications.parquet").to_pylist()
    result = runner.invoke(
        app, ["trace", str(VALID), "--replication", "3", "--json", "--out", str(tmp_path / "t")]
    )
    traced = json.loads(result.stdout)["metrics"]
    assert all(rows[3][k] == v for k, v in traced.items())


def test_run_draws_figures_and_plot_redraws_them(tmp_path: Path) -> None:
    out = tmp_path / "f"
    result = runner.invoke(app, ["run", str(VALID), "--runs", "200", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert pngs and all((out / "figures" / p.replace(".png", ".svg")).exists() for p in pngs)
    for p in (out / "figures").iterdir():
        p.unlink()
    result = runner.invoke(app, ["plot", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == pngs


def test_plot_on_a_folder_without_results(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plot", str(tmp_path)])
    assert result.exit_code == 2
    assert "summary.json" in result.output


def _adsim(*args: str, **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=120, **kw
    )


def test_console_module_exit_statuses(tmp_path: Path) -> None:
    ok = _adsim("check", str(VALID))
    assert ok.returncode == 0, ok.stderr
    bad = _adsim("run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o"))
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_exits_130_and_keeps_only_finished_replications(tmp_path: Path) -> None:
    out = tmp_path / "long"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(VALID),
            "--runs",
            "5000000",
            "--workers",
            "2",
            "--no-figures",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    if "nothing was saved" in err:  # no chunk had finished
        assert not out.exists()
    else:  # the finished ones are kept for a rerun, and nothing else
        assert "of 5,000,000 replications are kept" in err and "to resume" in err
        assert [p.name for p in out.iterdir()] == [".run-chunks"]
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
