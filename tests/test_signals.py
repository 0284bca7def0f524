"""SIGTERM (``kill``, ``timeout``) and SIGHUP (a closed terminal) are handled as Ctrl-C is:
the workers stop, the stage goes, and one line says what was kept (exit 143 / 129)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.builders import SCENARIOS, VALID

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs POSIX signals and /proc"
)
PK = "defense.batteries.upper.pk.srbm"
TINY = SCENARIOS / "tiny-fast.yaml"


def _children(pid: int) -> set[int]:
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.add(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _start(*args: str) -> tuple[subprocess.Popen, set[int]]:
    """Start adsim; wait until its two workers run (and have begun writing)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.1)
        workers = _children(proc.pid) - {proc.pid}
        assert proc.poll() is None, proc.communicate()[1]
    time.sleep(1.5)  # a few chunks done: the stage holds a Parquet file being written
    return proc, _children(proc.pid)


def _stop(proc: subprocess.Popen, sig: int) -> str:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return err


@pytest.mark.parametrize(
    ("sig", "status", "words"),
    [(signal.SIGTERM, 143, "terminated (SIGTERM)"), (signal.SIGHUP, 129, "hung up (SIGHUP)")],
)
def test_a_run_stopped_by_a_signal_cleans_up(
    tmp_path: Path, sig: int, status: int, words: str
) -> None:
    out = tmp_path / "long"
    proc, workers = _start(
        "run", str(VALID), "--runs", "5000000", "--workers", "2", "--no-figures", "--out", str(out)
    )
    assert workers and (out / f".adsim-stage-{proc.pid}" / "replications.parquet").exists()
    err = _stop(proc, sig)
    assert proc.returncode == status, err
    if "nothing was saved" in err:  # no chunk had finished yet
        assert err == f"adsim: {words}: nothing was saved (no results written to {out}/)\n"
        assert not out.exists()  # made by the run, removed with its stage
        assert not list(tmp_path.iterdir())
    else:  # the finished chunks are kept for a rerun, and nothing else is left
        kept = _kept(out)
        assert err == (
            f"adsim: {words}: {kept:,} of 5,000,000 replications are kept in {out}/; run the "
            "same command again to resume from them\n"
        )
        assert [p.name for p in out.iterdir()] == [".run-chunks"]
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "worker processes were left behind"


def test_earlier_results_survive_a_terminated_run(tmp_path: Path) -> None:
    out = tmp_path / "res"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(VALID), "--runs", "50", "--no-figures",
         "--out", str(out)], capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc, _ = _start(
        "run", str(VALID), "--runs", "5000000", "--workers", "2", "--no-figures", "--out", str(out)
    )
    err = _stop(proc, signal.SIGTERM)
    assert proc.returncode == 143, err
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".run-chunks"}
    assert files == before  # beside them, at most the kept replications of the new run


def _kept(out: Path) -> int:
    """The replications an interrupted run keeps in ``out`` (its segments' last end)."""
    ends = [int(p.name[11:21]) for p in (out / ".run-chunks").glob("*-*[0-9].parquet")]
    return max(ends, default=0)


# a segment written after every chunk, so the test can see that some are kept
EAGER = (
    "import sys; import sim.io.run_chunks as rc; rc.SEGMENT_S = 0.0; from sim.cli import main; "
    "main()"
)


def test_an_interrupted_run_resumes_when_run_again(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    args = ["run", str(TINY), "--runs", "6000", "--workers", "2", "--no-figures"]
    whole = tmp_path / "whole"
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args, "--out", str(whole)], env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "res"
    proc = subprocess.Popen(
        [sys.executable, "-c", EAGER, *args, "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _kept(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    err = _stop(proc, signal.SIGINT)
    assert proc.returncode == 130, err
    kept = _kept(out)
    assert 0 < kept < 6000
    assert err == (
        f"adsim: interrupted: {kept:,} of 6,000 replications are kept in {out}/; run the same "
        "command again to resume from them\n"
    )
    again = subprocess.run(
        [sys.executable, "-m", "sim", *args, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert f"{kept:,} kept and {6000 - kept:,} new replications" in again.stderr
    for name in ("summary.json", "replications.parquet", "impacts.parquet"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert not (out / ".run-chunks").exists()


def test_a_terminated_sweep_keeps_its_points(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    args = ["sweep", str(VALID), "--vary", f"{PK}=0.1:0.9:20", "--runs", "4000"]
    args += ["--workers", "2", "--no-figures", "--out", str(out)]
    proc, workers = _start(*args)
    deadline = time.monotonic() + 60
    while not list(out.glob("points/*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    err = _stop(proc, signal.SIGTERM)
    assert proc.returncode == 143, err
    assert err.startswith("adsim: terminated (SIGTERM): ") and err.count("\n") == 1
    assert "run the same command again to resume" in err
    assert sorted(p.name for p in out.iterdir()) == ["points", "sweep-manifest.json"]
    assert 1 <= len(list(out.glob("points/*.json"))) < 20
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)]


def test_a_killed_parent_takes_its_workers_with_it(tmp_path: Path) -> None:
    proc, workers = _start(
        "run", str(VALID), "--runs", "5000000", "--workers", "2", "--no-figures",
        "--out", str(tmp_path / "k"),
    )  # fmt: skip
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]


def test_a_signal_during_the_commit_waits_for_it(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from sim.cli import app
    from sim.io import folders

    sent = []

    def term_once() -> None:
        if not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGTERM)  # half-way through the renames

    monkeypatch.setattr(folders, "_step", term_once)
    out = tmp_path / "res"
    args = ["run", str(VALID), "--runs", "30", "--workers", "1", "--no-figures", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert sent and result.exit_code == 143, result.output
    assert f"terminated (SIGTERM): the results were complete and are saved in {out}/" in (
        result.output
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == ["impacts.parquet", "replications.parquet", "scenario.yaml", "summary.json"]


def test_a_stop_signal_is_held_until_the_waiting_loop_delivers_it() -> None:
    from sim.montecarlo.signals import held_signals

    seen: list[int] = []

    def handler(signum: int, frame: object) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(KeyboardInterrupt), held_signals() as deliver:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # the handler would have run by now
            assert seen == []  # held: library code in the block is never interrupted
            assert signal.getsignal(signal.SIGTERM) is not handler
            deliver()
        assert seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is handler
        with held_signals():  # nothing held: nothing delivered
            pass
        assert seen == [signal.SIGTERM]
        with pytest.raises(KeyboardInterrupt), held_signals():  # held to the block's end
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
        assert seen == [signal.SIGTERM, signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, before)
