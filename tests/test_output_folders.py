"""Results folders: staged on the folder's own filesystem, checked before any work, one
writer at a time, committed as a set (a commit cut short is rolled back)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.io import folders
from sim.io.errors import OptionError
from sim.io.folders import OutputFolder
from tests.builders import VALID

runner = CliRunner()
PK = "defense.batteries.upper.pk.srbm"
RUN_SET = ("summary.json", "replications.parquet", "impacts.parquet", "scenario.yaml", "figures")


# tmpfs mounts ------------------------------------------------------------------------------


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount a fresh tmpfs (another filesystem than tmp_path's) at tmp_path/NAME."""
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    mounted: list[Path] = []

    def make(name: str, *options: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        opts = ",".join(("size=64m", *options))
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(point)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(point)
        assert point.stat().st_dev != tmp_path.stat().st_dev
        return point

    yield make
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _no_stage_left(folder: Path) -> None:
    names = [p.name for p in folder.iterdir()] + [p.name for p in folder.parent.iterdir()]
    assert not [n for n in names if ".adsim-" in n or ".partial-" in n], names


def test_run_trace_and_plot_into_a_mount_point_and_a_symlink_to_one(
    mount: Callable[..., Path], tmp_path: Path
) -> None:
    point = mount("run")
    _ok("run", str(VALID), "--runs", "40", "--workers", "1", "--out", str(point))
    assert (point / "summary.json").is_file() and (point / "figures").is_dir()
    link = tmp_path / "link"
    link.symlink_to(point)
    _ok("run", str(VALID), "--runs", "30", "--no-figures", "--out", str(link), "--json")
    assert link.is_symlink()  # the link stays a link; the files are in the mount
    assert sorted(p.name for p in point.iterdir()) == sorted(RUN_SET[:-1])  # figures went
    _ok("trace", str(VALID), "--out", str(link))
    _ok("plot", str(link))
    assert (point / "trace-seed7-rep0.json").is_file() and (point / "figures").is_dir()
    _no_stage_left(point)


def test_sweep_and_its_resume_into_a_mount_point(mount: Callable[..., Path]) -> None:
    point = mount("sweep")
    args = ["sweep", str(VALID), "--vary", f"{PK}=0.3,0.6", "--runs", "20", "--out", str(point)]
    _ok(*args, "--no-figures")
    (point / "points" / "000001.json").unlink()  # as if cut short: resume the last point
    _ok(*args)
    assert (point / "sweep.json").is_file() and (point / "points.csv").is_file()
    assert len(list((point / "points").glob("*.json"))) == 2
    _no_stage_left(point)


def test_calibration_into_a_symlink_to_a_mount_point(
    mount: Callable[..., Path], tmp_path: Path
) -> None:
    point = mount("cal")
    link = tmp_path / "cal-link"
    link.symlink_to(point)
    scenario = tmp_path / "cal.yaml"
    scenario.write_text(
        VALID.read_text() + f"calibration:\n  unknowns:\n    {PK}: {{uniform: [0.3, 0.95]}}\n"
        "  evidence:\n    leaked: {at_most: 3}\n  samples: 30\n"
    )
    _ok("calibrate", str(scenario), "--out", str(link), "--predictive-runs", "50", "--no-figures")
    assert (point / "calibration.json").is_file() and (point / "posterior.parquet").is_file()
    _no_stage_left(point)


def test_a_read_only_folder_fails_at_once_with_exit_2(
    mount: Callable[..., Path], tmp_path: Path
) -> None:
    point = mount("ro", "ro")
    started = time.monotonic()
    for out in (point, point / "new"):  # the folder itself, or a folder to be made there
        result = runner.invoke(app, ["run", str(VALID), "--runs", "100000000", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "Read-only file system" in result.output, result.output
        assert result.output.startswith("adsim: error: --out: ") and result.output.count("\n") == 1
    for cmd in (["sweep", "--vary", f"{PK}=0.1,0.2"], ["trace"]):
        result = runner.invoke(app, [cmd[0], str(VALID), *cmd[1:], "--out", str(point)])
        assert result.exit_code == 2 and "Read-only file system" in result.output, result.output
    assert time.monotonic() - started < 30  # refused before any simulation


# bad --out paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["file/sub", "dangling link", "empty", "file"])
def test_bad_out_paths_exit_2_before_any_work(tmp_path: Path, case: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    out, fragment = {
        "file/sub": (str(a_file / "sub"), "not a folder"),
        "dangling link": (str(dangling), "symbolic link"),
        "empty": ("", "is empty"),
        "file": (str(a_file), "not a folder"),
    }[case]
    result = runner.invoke(app, ["run", str(VALID), "--runs", "100000000", "--out", out])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("adsim: error: --out: ") and fragment in result.output
    assert result.output.count("\n") == 1
    assert not (tmp_path / "nowhere").exists() and a_file.read_text() == "x"


def test_a_folder_of_another_kind_is_refused(tmp_path: Path) -> None:
    sweep = tmp_path / "sw"
    _ok(
        "sweep",
        str(VALID),
        "--vary",
        f"{PK}=0.5",
        "--runs",
        "10",
        "--no-figures",
        "--out",
        str(sweep),
    )
    before = (sweep / "scenario.yaml").read_bytes()
    args = ["--runs", "5", "--set", "threats.rocket.count=1", "--out", str(sweep)]
    result = runner.invoke(app, ["run", str(VALID), *args])
    assert result.exit_code == 2 and "holds the results of `adsim sweep`" in result.output
    assert (sweep / "scenario.yaml").read_bytes() == before
    result = runner.invoke(app, ["trace", str(VALID), "--out", str(sweep)])
    assert result.exit_code == 2 and "sweep-manifest.json" in result.output
    run = tmp_path / "run"
    _ok("run", str(VALID), "--runs", "5", "--no-figures", "--out", str(run))
    result = runner.invoke(app, ["sweep", str(VALID), "--vary", f"{PK}=0.5", "--out", str(run)])
    assert result.exit_code == 2 and "holds the results of `adsim run`" in result.output


# one writer at a time ----------------------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from sim.io.folders import OutputFolder
with OutputFolder(Path(sys.argv[1]), "run"):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        result = runner.invoke(app, ["run", str(VALID), "--runs", "5", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "another adsim command is writing into this folder" in result.output
        assert [p.name for p in out.iterdir()] == [f".adsim-stage-{holder.pid}"]
    finally:
        holder.kill()
        holder.wait()
    _ok("run", str(VALID), "--runs", "5", "--no-figures", "--out", str(out))
    _no_stage_left(out)  # the dead holder's stage was removed


def test_stale_stages_of_dead_processes_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    (out / f".adsim-stage-{dead}").mkdir()
    (out / f".adsim-stage-{dead}" / "replications.parquet").write_bytes(b"PAR1 truncated")
    legacy = tmp_path / f".res.partial-{dead}"  # where an older adsim staged
    legacy.mkdir()
    (legacy / "replications.parquet").write_bytes(b"PAR1")
    alive = tmp_path / f".res.partial-{os.getpid()}"
    alive.mkdir()
    _ok("run", str(VALID), "--runs", "5", "--no-figures", "--out", str(out))
    assert not (out / f".adsim-stage-{dead}").exists() and not legacy.exists()
    assert alive.exists()  # its process is alive: not ours to remove


# committed as a set ------------------------------------------------------------------------


def _write_set(stage: OutputFolder, tag: str, names: tuple[str, ...]) -> None:
    for name in names:
        if name == "figures":
            for f in ("a.png", "b.svg"):
                stage.path(f"figures/{f}").write_text(f"{tag} {f}")
        else:
            stage.path(name).write_text(f"{tag} {name}")


def _contents(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".adsim-") for part in p.parts)
    }


def _old_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "res"
    with OutputFolder(folder, "run", RUN_SET) as stage:
        _write_set(stage, "old", RUN_SET)
        stage.commit()
    (folder / "trace-seed1-rep0.json").write_text("someone else's")  # not in the set
    return folder, _contents(folder)


NEW = ("summary.json", "replications.parquet", "impacts.parquet", "scenario.yaml")  # no figures


def test_commit_replaces_the_set_and_only_the_set(tmp_path: Path) -> None:
    folder, old = _old_folder(tmp_path)
    with OutputFolder(folder, "run", RUN_SET) as stage:
        _write_set(stage, "new", NEW)
        stage.commit()
    now = _contents(folder)
    assert now == {**{n: f"new {n}" for n in NEW}, "trace-seed1-rep0.json": "someone else's"}
    assert old["figures/a.png"] == "old a.png" and "figures/a.png" not in now
    _no_stage_left(folder)


def _commit_steps(tmp_path: Path) -> int:
    """How many renames a commit of NEW over the old set takes."""
    folder, _ = _old_folder(tmp_path / "count")
    steps = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(folders, "_step", lambda: steps.append(1))
        with OutputFolder(folder, "run", RUN_SET) as stage:
            _write_set(stage, "new", NEW)
            stage.commit()
    return len(steps)


def test_a_commit_that_fails_between_two_renames_leaves_the_old_set(tmp_path: Path) -> None:
    n = _commit_steps(tmp_path)
    assert n == 2 * len(NEW) + 1  # the old set out (with figures/), the new one in
    for k in range(n):
        folder, old = _old_folder(tmp_path / f"k{k}")
        calls = []

        def fail_at_k(k: int = k, calls: list = calls) -> None:
            calls.append(1)
            if len(calls) > k:
                raise OSError(5, "injected failure")

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(folders, "_step", fail_at_k)
            with (
                pytest.raises(OSError, match="injected"),
                OutputFolder(folder, "run", RUN_SET) as stage,
            ):
                _write_set(stage, "new", NEW)
                stage.commit()
        assert _contents(folder) == old, k
        _no_stage_left(folder)


CRASH = """
import os, sys
from pathlib import Path
from sim.io import folders
from sim.io.folders import OutputFolder
k = int(sys.argv[2])
calls = []
def crash():
    calls.append(1)
    if len(calls) > k:
        os._exit(9)  # as if killed: no clean-up at all
folders._step = crash
with OutputFolder(Path(sys.argv[1]), "run", {RUN_SET!r}) as stage:
    for name in {NEW!r}:
        stage.path(name).write_text("new " + name)
    stage.commit()
"""


def test_a_commit_cut_by_a_crash_is_rolled_back_by_the_next_command(tmp_path: Path) -> None:
    n = _commit_steps(tmp_path)
    script = CRASH.format(RUN_SET=RUN_SET, NEW=NEW)
    for k in range(n):
        folder, old = _old_folder(tmp_path / f"k{k}")
        proc = subprocess.run([sys.executable, "-c", script, str(folder), str(k)])
        assert proc.returncode == 9
        # whoever reads the folder now sees either no summary or one with its own set
        left = _contents(folder)
        if "summary.json" in left:
            tags = {v.split()[0] for n, v in left.items() if n in RUN_SET or "/" in n}
            assert len(tags) == 1, (k, left)
        OutputFolder(folder, "run").probe()  # the next command claims the folder
        assert _contents(folder) == old, k
        _no_stage_left(folder)


def test_option_errors_name_the_argument(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a file")
    with pytest.raises(OptionError) as info, OutputFolder(tmp_path / "f" / "sub", "run"):
        pass
    assert info.value.option == "out" and "not a folder" in info.value.message
