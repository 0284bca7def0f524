"""The finish of the command line: --quiet, -h, completion, --precision messages, a study
file given to run, short names in study tables, and a run folder that holds another run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.cli.common import RateColumn
from sim.cli.run import _precision_line
from sim.cli.studies import _short_names

HERE = Path(__file__).parent
VALID = HERE / "scenarios" / "valid-small.yaml"
STUDY = HERE.parent / "scenarios" / "study-al-asad-pk-channels.yaml"
runner = CliRunner()


def _run(*args: str) -> object:
    return runner.invoke(app, ["run", str(VALID), "--workers", "1", "--runs", "30", *args])


def _one_line_error(result: object, *fragments: str) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.output.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("adsim: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0]


def test_quiet_prints_nothing_but_writes(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--quiet", "run", str(VALID), "--runs", "30", "--no-figures", "--out",
              str(tmp_path / "q")]
    )  # fmt: skip
    assert result.exit_code == 0 and result.output == ""
    assert (tmp_path / "q" / "summary.json").is_file()
    loud = _run("--no-figures", "--out", str(tmp_path / "l"))
    assert "replications in" in loud.output  # --quiet does not stick to later commands


def test_help_flags_and_completion() -> None:
    top = runner.invoke(app, ["-h"])
    assert top.exit_code == 0
    assert "--install-completion" in top.output and "--quiet" in top.output
    assert "report" in top.output
    assert runner.invoke(app, ["report", "-h"]).exit_code == 0


def test_precision_typo_lists_the_metrics(tmp_path: Path) -> None:
    result = _run("--precision", "leakd=0.1", "--out", str(tmp_path / "p"))
    _one_line_error(result, "--precision", "did you mean leaked?", "casualties")
    assert not (tmp_path / "p").exists()


def test_precision_says_whether_the_target_was_met() -> None:
    met = _precision_line({"metric": "leaked", "half_width": 0.1, "achieved": 0.08}, 500, 9000)
    assert "target met after 500 replications" in met and "0.08" in met
    missed = _precision_line({"metric": "leaked", "half_width": 0.01, "achieved": 0.2}, 900, 900)
    assert "not met within --runs 900" in missed and "0.2" in missed


def test_progress_rate_column() -> None:
    class Task:
        finished_speed = None
        speed = 1234.4

    assert str(RateColumn().render(Task())) == "1,234/s"  # type: ignore[arg-type]


def test_study_file_given_to_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(STUDY), "--out", str(tmp_path / "s")])
    _one_line_error(result, str(STUDY), "this is a study file", "use adsim sweep")


def test_study_file_given_to_check_names_the_command_that_takes_it() -> None:
    result = runner.invoke(app, ["check", str(STUDY)])
    _one_line_error(result, str(STUDY), "this is a study file", "use adsim sweep")
    joint = STUDY.parent / "study-joint-drone.yaml"
    result = runner.invoke(app, ["check", str(joint)])
    _one_line_error(result, str(joint), "study: joint-calibration", "use adsim calibrate")


@pytest.mark.parametrize(
    ("paths", "short"),
    [
        (
            ["defense.batteries.upper.pk.srbm", "defense.batteries.lower.pk.srbm", "a.count"],
            ["upper.pk.srbm", "lower.pk.srbm", "count"],
        ),
        (["a.b.c", "b.c", "x.y"], ["a.b.c", "b.c", "y"]),
        (["threats.rocket.count", "threats.srbm.count"], ["rocket.count", "srbm.count"]),
    ],
)
def test_short_names_are_shortest_unique_suffixes(paths: list[str], short: list[str]) -> None:
    assert _short_names(paths) == short


def test_run_into_another_runs_folder_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert _run("--out", str(out)).exit_code == 0
    assert (out / "figures").is_dir()
    before = (out / "summary.json").read_text()
    other = _run("--out", str(out), "--set", "threats.rocket.count=2", "--no-figures")
    _one_line_error(other, "--out", "another run", "--force")
    assert (out / "summary.json").read_text() == before
    again = _run("--out", str(out), "--seed", "9", "--no-figures")  # same scenario: replaced
    assert again.exit_code == 0, again.output
    assert not (out / "figures").exists()  # no old figures beside new numbers
    forced = _run("--out", str(out), "--set", "threats.rocket.count=2", "--force")
    assert forced.exit_code == 0, forced.output
    summary = json.loads((out / "summary.json").read_text())
    assert (
        summary["provenance"]["scenario_sha256"]
        != json.loads(before)["provenance"]["scenario_sha256"]
    )
    assert (out / "figures").is_dir()
