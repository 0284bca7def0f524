"""An interrupted ``adsim run`` keeps its finished replications and resumes from them: the
rerun's files are those of a run never stopped, byte for byte, whatever the workers; a rerun
with other arguments is refused unless forced (then it starts afresh)."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.cli.run as cli_run
from sim.cli import app
from sim.io import run_chunks
from sim.io.run_chunks import CHUNKS_DIR
from tests.builders import SCENARIOS

runner = CliRunner()
TINY = SCENARIOS / "tiny-fast.yaml"
# per-attack uncertainties: the kept rows carry drawn values, and the run an importance block
UNCERTAIN = "uncertainties={threats.rocket.cep_m: {uniform: [50, 150]}}"
RUN = ["run", str(TINY), "--runs", "600", "--seed", "5", "--no-figures", "--set", UNCERTAIN]
FILES = ("summary.json", "replications.parquet", "impacts.parquet", "scenario.yaml")


@pytest.fixture(autouse=True)
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of a few hundred replications keep theirs; a fixed date, so files compare."""
    monkeypatch.setattr(cli_run, "RESUME_FROM", 100)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The files of the run, never stopped (one worker)."""
    out = tmp_path_factory.mktemp("whole")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_run, "RESUME_FROM", 100)
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        _ok(*RUN, "--workers", "1", "--out", str(out))
    assert not (out / CHUNKS_DIR).exists()  # a complete folder keeps no rows
    return _digests(out)


def _stop_after(monkeypatch: pytest.MonkeyPatch, chunks: int) -> None:
    """Make the next run stop (as Ctrl-C does) as its ``chunks``-th chunk comes back (the
    ones before it are kept)."""

    @contextlib.contextmanager
    def bar(total: int, label: str, show: bool) -> Iterator:
        done = [0]

        def advance(n: int) -> None:
            done[0] += 1
            if done[0] == chunks:
                raise KeyboardInterrupt

        yield advance

    monkeypatch.setattr(cli_run, "progress_bar", bar)


def _interrupted(monkeypatch: pytest.MonkeyPatch, out: Path, workers: int, chunks: int) -> int:
    """Run into ``out`` and stop it after some chunks; the replications it kept."""
    _stop_after(monkeypatch, chunks)
    result = runner.invoke(app, [*RUN, "--workers", str(workers), "--out", str(out)])
    monkeypatch.undo()  # the progress bar back; RESUME_FROM and the date again:
    monkeypatch.setattr(cli_run, "RESUME_FROM", 100)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert result.exit_code == 130, result.output
    kept = sorted(p.name for p in (out / CHUNKS_DIR).glob("*-*.parquet"))
    saved = int(kept[-1].split("-")[1].split(".")[0])
    assert (
        f"adsim: interrupted: {saved:,} of 600 replications are kept in {out}/; run the same "
        "command again to resume from them"
    ) in result.output
    assert [p.name for p in out.iterdir()] == [CHUNKS_DIR]  # no stage, no partial file
    return saved


@pytest.mark.parametrize(("first", "then"), [(1, 1), (2, 2), (2, 1), (1, 2)])
def test_a_resumed_run_equals_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uninterrupted: dict, first: int, then: int
) -> None:
    out = tmp_path / "res"
    saved = _interrupted(monkeypatch, out, first, chunks=4)
    assert 0 < saved < 600
    output = _ok(*RUN, "--workers", str(then), "--out", str(out))
    assert f"resuming: {saved:,} of 600 replications kept in {out}/" in output
    assert f"{saved:,} kept and {600 - saved:,} new replications" in output
    assert _digests(out) == uninterrupted
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)


def test_a_run_stopped_twice_resumes_twice_from_segments_written_as_it_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uninterrupted: dict
) -> None:
    monkeypatch.setattr(run_chunks, "SEGMENT_S", 0.0)  # a segment after every chunk
    out = tmp_path / "res"
    first = _interrupted(monkeypatch, out, 2, chunks=3)
    monkeypatch.setattr(run_chunks, "SEGMENT_S", 0.0)
    assert len(list((out / CHUNKS_DIR).glob("*-*[0-9].parquet"))) >= 2
    second = _interrupted(monkeypatch, out, 2, chunks=6)  # 3 replayed segments + 3 new chunks
    assert first < second < 600
    _ok(*RUN, "--workers", "2", "--out", str(out))
    assert _digests(out) == uninterrupted


def test_a_damaged_segment_is_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uninterrupted: dict
) -> None:
    monkeypatch.setattr(run_chunks, "SEGMENT_S", 0.0)
    out = tmp_path / "res"
    _interrupted(monkeypatch, out, 1, chunks=5)
    segments = sorted((out / CHUNKS_DIR).glob("*-*[0-9].parquet"))
    segments[-2].write_bytes(b"PAR1 cut short")
    (out / CHUNKS_DIR / ".0000000000-0000000001.parquet.tmp").write_bytes(b"half")
    _ok(*RUN, "--workers", "2", "--out", str(out))
    assert _digests(out) == uninterrupted


def test_a_precision_run_resumes_to_the_same_stopping_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["run", str(TINY), "--runs", "4000", "--seed", "3", "--no-figures"]
    args += ["--precision", "leaked=0.08"]
    whole = tmp_path / "whole"
    _ok(*args, "--workers", "2", "--out", str(whole))
    out = tmp_path / "res"
    # two workers: chunks of 250, stopped after 750 (between two checks of the target);
    # one worker goes on in chunks of 500 from there, checking at 1,000 and 1,500 as before
    _stop_after(monkeypatch, 4)  # stopped as the fourth chunk comes in: three are kept
    result = runner.invoke(app, [*args, "--workers", "2", "--out", str(out)])
    assert result.exit_code == 130, result.output
    assert "750 of 4,000 replications are kept" in result.output
    monkeypatch.undo()
    monkeypatch.setattr(cli_run, "RESUME_FROM", 100)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    output = _ok(*args, "--workers", "1", "--out", str(out))
    assert "precision: target met after 1,500 replications" in output
    assert _digests(out) == _digests(whole)


def _one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


def test_other_arguments_are_refused_and_force_starts_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "res"
    saved = _interrupted(monkeypatch, out, 2, chunks=3)
    kept = {p.name: p.read_bytes() for p in (out / CHUNKS_DIR).iterdir()}
    other = ["run", str(TINY), "--runs", "600", "--seed", "6", "--no-figures", "--set", UNCERTAIN]
    for args, words in (
        (other, "--seed 5 there, 6 here"),
        ([*RUN[:6], "--no-figures"], "--set overrides"),
        ([*other[:3], "50", *RUN[4:]], "--runs 600 there, 50 here"),
    ):
        result = runner.invoke(app, [*args, "--workers", "1", "--out", str(out)])
        assert result.exit_code == 2, result.output
        line = _one_line_error(result.output)
        assert line.startswith(f"adsim: error: --out: {out}: keeps {saved:,} replications of an")
        assert words in line and "add --force to start afresh" in line
        assert {p.name: p.read_bytes() for p in (out / CHUNKS_DIR).iterdir()} == kept
    # another kind of command is refused too: the folder holds a run's work
    result = runner.invoke(
        app, ["sweep", str(TINY), "--vary", "threats.rocket.cep_m=50", "--out", str(out)]
    )
    assert result.exit_code == 2 and "holds the results of `adsim run`" in result.output
    whole = tmp_path / "whole"
    _ok(*other, "--workers", "1", "--out", str(whole))
    _ok(*other, "--workers", "2", "--force", "--out", str(out))
    assert _digests(out) == _digests(whole)
    assert not (out / CHUNKS_DIR).exists()


def test_a_run_stopped_before_any_chunk_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uninterrupted: dict
) -> None:
    out = tmp_path / "res"
    _ok(*RUN, "--workers", "1", "--out", str(out))
    _stop_after(monkeypatch, 1)
    result = runner.invoke(app, [*RUN, "--workers", "1", "--out", str(out)])
    assert result.exit_code == 130, result.output
    assert f"nothing was saved (no results written to {out}/)" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert _digests(out) == uninterrupted
