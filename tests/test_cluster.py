"""The Dask backend gives exactly the numbers of the local process pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import InputError, load_scenario, run_monte_carlo
from tests.builders import VALID

pytest.importorskip("dask.distributed", reason="the cluster extra is not installed")
pytestmark = pytest.mark.slow


def test_local_cluster_equals_process_pool() -> None:
    s = load_scenario(VALID)
    local = run_monte_carlo(s, runs=600, seed=11, workers=2)
    dask = run_monte_carlo(s, runs=600, seed=11, workers=2, cluster="local")
    assert dask.metrics == local.metrics
    assert (dask.impacts == local.impacts).all()


def test_unreachable_scheduler_is_bad_input() -> None:
    s = load_scenario(VALID)
    with pytest.raises(InputError) as info:
        run_monte_carlo(s, runs=10, workers=1, cluster="tcp://127.0.0.1:1")
    assert "cannot reach" in str(info.value)


def _dies_once(task: tuple[str, int]) -> int:
    """Square a number, but kill the worker the first time task 3 runs."""
    import os

    marker, x = task
    if x == 3 and not Path(marker).exists():
        Path(marker).write_text("died once")
        os._exit(1)
    return x * x


def test_lost_worker_is_retried_without_changing_results(tmp_path: Path) -> None:
    from sim.montecarlo.executors import ordered_map

    marker = str(tmp_path / "marker")
    tasks = [(marker, x) for x in range(8)]
    results = list(ordered_map(_dies_once, tasks, workers=2, cluster="local"))
    assert Path(marker).exists()
    assert results == [x * x for x in range(8)]


def test_sweep_and_calibration_on_a_local_cluster_equal_the_process_pool(tmp_path: Path) -> None:
    from sim.io.load import load
    from sim.studies.calibrate import calibrate, plan_calibration
    from sim.studies.sweep import plan_sweep, run_points, sweep_document
    from sim.studies.vary import parse_all

    loaded = load(VALID)
    plan = plan_sweep(loaded, parse_all(["threats.rocket.count=3,6"]), runs=150)
    pool = sweep_document(plan, run_points(plan, tmp_path / "pool", workers=2))
    dask = sweep_document(plan, run_points(plan, tmp_path / "dask", workers=2, cluster="local"))
    assert dask == pool

    raw = dict(loaded.raw)
    raw["calibration"] = {
        "unknowns": {"defense.batteries.upper.pk.srbm": {"uniform": [0.3, 0.95]}},
        "evidence": {"leaked": {"at_most": 2}},
        "samples": 100,
    }
    from sim.io.load import from_data

    cal = plan_calibration(from_data(raw, "t"))
    here = calibrate(cal, workers=2, predictive_runs=300).document()
    there = calibrate(cal, workers=2, cluster="local", predictive_runs=300).document()
    assert there == here


def test_a_scheduler_without_workers_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from dask.distributed import LocalCluster

    from sim.montecarlo import executors

    monkeypatch.setattr(executors, "WORKER_WAIT_S", 2.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty:
        s = load_scenario(VALID)
        with pytest.raises(InputError, match="the scheduler has no workers"):
            run_monte_carlo(s, runs=10, workers=1, cluster=empty.scheduler_address)


SCHEDULER = """
import sys, time
from dask.distributed import LocalCluster
c = LocalCluster(
    n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
)
print(c.scheduler_address, flush=True)
time.sleep(600)
"""


def test_a_lost_scheduler_is_one_line_and_exit_1(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    scheduler = subprocess.Popen(
        [sys.executable, "-c", SCHEDULER],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert scheduler.stdout is not None
        address = scheduler.stdout.readline().strip()
        out = tmp_path / "o"
        run = subprocess.Popen(
            [sys.executable, "-m", "sim", "run", str(VALID), "--runs", "10000000", "--cluster",
             address, "--no-figures", "--out", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(8)  # connected and working
        assert run.poll() is None
        scheduler.send_signal(signal.SIGKILL)
        _, err = run.communicate(timeout=120)
    finally:
        scheduler.kill()
        scheduler.wait()
    assert run.returncode == 1, err
    assert err.startswith("adsim: error: lost the Dask scheduler at ") and err.count("\n") == 1, err
    # the replications finished before the loss are kept for a rerun to resume, and it says so
    if out.exists():
        assert [p.name for p in out.iterdir()] == [".run-chunks"], list(out.iterdir())
        assert "run the same command again to resume" in err, err
