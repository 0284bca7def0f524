"""Bad input that used to crash (exit 1), hang or be taken silently: each now gets exit 2 and
one line (``adsim: error: ...``) before any work, and writes nothing."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.io import yaml_safe
from sim.io.errors import InputError
from sim.io.load import load_scenario
from sim.io.yaml_safe import MAX_NODES, YamlProblem, load_yaml
from tests.builders import VALID

runner = CliRunner()
BIG = "1" * 5000


def _bad(tmp_path: Path, *args: str, fragment: str = "") -> str:
    """Exit 2, one line, nothing written into tmp_path/out."""
    out = tmp_path / "out"
    started = time.monotonic()
    writes = args[0] in ("run", "trace", "sweep", "calibrate") and "--out" not in args
    result = runner.invoke(app, [*args, "--out", str(out)] if writes else list(args))
    assert result.exit_code == 2, result.output
    assert result.output.startswith("adsim: error: "), result.output
    assert result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    assert fragment in result.output, result.output
    assert not out.exists()
    assert time.monotonic() - started < 30  # refused before the work
    return result.output


def _scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# exit 1 before: now 2 -------------------------------------------------------------------


def test_a_5000_digit_integer_anywhere(tmp_path: Path) -> None:
    text = VALID.read_text().replace("runs: 200", f"runs: {BIG}")
    path = _scenario(tmp_path, text)
    _bad(tmp_path, "run", str(path), fragment="5,000 digits")
    _bad(tmp_path, "run", str(VALID), "--set", f"threats.srbm.count={BIG}", fragment="digits")
    _bad(tmp_path, "run", str(VALID), "--runs", BIG, fragment="--runs")
    _bad(tmp_path, "run", str(VALID), "--seed", BIG, fragment="--seed")
    _bad(tmp_path, "trace", str(VALID), "--replication", BIG, fragment="--replication")
    _bad(
        tmp_path, "sweep", str(VALID), "--vary", f"threats.srbm.count=1:3:{BIG}", fragment="n must"
    )
    evidence = VALID.read_text() + (
        "calibration:\n  unknowns:\n    defense.batteries.upper.pk.srbm: {uniform: [0.1, 0.9]}\n"
        f"  evidence:\n    leaked: {{at_most: {'9' * 400}}}\n"
    )
    _bad(tmp_path, "calibrate", str(_scenario(tmp_path, evidence, "c.yaml")), fragment="digits")


def test_precision_must_be_finite(tmp_path: Path) -> None:
    for h in ("inf", "nan", "1e999", "-1", "0"):
        args = ["run", str(VALID), "--runs", "100000000", "--precision", f"leaked={h}"]
        _bad(tmp_path, *args, fragment="--precision")


@pytest.mark.parametrize("address", ["foo", "tcp://host", "host:0", "http://host:80", "::"])
def test_a_cluster_address_without_a_port(tmp_path: Path, address: str) -> None:
    _bad(tmp_path, "run", str(VALID), "--runs", "100000000", "--cluster", address,
         fragment=f"--cluster: {address}: expected a scheduler address")  # fmt: skip


def test_trace_replication_beyond_what_a_run_makes(tmp_path: Path) -> None:
    _bad(tmp_path, "trace", str(VALID), "--replication", str(10**260), fragment="--replication")
    _bad(tmp_path, "trace", str(VALID), "--replication", "-1", fragment="--replication")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    res = tmp_path_factory.mktemp("plot") / "res"
    result = runner.invoke(app, ["run", str(VALID), "--runs", "30", "--out", str(res)])
    assert result.exit_code == 0, result.output
    return res


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda d: d["metrics"]["killed"].pop("histogram"), "metrics.killed.histogram: is missing"),
        (lambda d: d["metrics"].pop("leaked"), "metrics.leaked: is missing"),
        (lambda d: d.pop("runs"), "runs: is missing"),
        (lambda d: d["metrics"]["wounded"].update(ci95=[1]), "metrics.wounded.ci95"),
        (lambda d: d["metrics"]["tbi"].update(histogram={"x": 1}), "metrics.tbi.histogram"),
        (lambda d: d["metrics"]["tbi"].update(mean="many"), "metrics.tbi.mean"),
    ],
)
def test_plot_of_a_summary_with_missing_keys(
    tmp_path: Path,
    run_folder: Path,
    edit,
    fragment: str,  # noqa: ANN001
) -> None:
    res = tmp_path / "res"
    shutil.copytree(run_folder, res)
    before = {p: p.read_bytes() for p in (res / "figures").iterdir()}
    doc = json.loads((res / "summary.json").read_text())
    edit(doc)
    (res / "summary.json").write_text(json.dumps(doc))
    result = runner.invoke(app, ["plot", str(res)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"adsim: error: {res / 'summary.json'}: {fragment}")
    assert result.output.count("\n") == 1
    assert {p: p.read_bytes() for p in (res / "figures").iterdir()} == before
    assert sorted(p.name for p in res.iterdir() if p.name.startswith(".")) == []


def test_plot_of_broken_sweep_and_calibration_documents(tmp_path: Path) -> None:
    for name in ("sweep.json", "calibration.json"):
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        (folder / name).write_text(json.dumps({"scenario": "x", "points": [{"values": {}}]}))
        result = runner.invoke(app, ["plot", str(folder)])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert f"{folder / name}: " in result.output and "is missing" in result.output


# YAML 1.1 forms, keys, files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimal"),
    [("010", "8"), ("0x10", "16"), ("1:30", "90"), ("0b101", "5"), ("-010", "-8")],
)
def test_yaml_11_number_forms_are_refused_with_the_decimal_value(
    tmp_path: Path, value: str, decimal: str
) -> None:
    text = VALID.read_text().replace("runs: 200", f"runs: {value}")
    message = _bad(tmp_path, "run", str(_scenario(tmp_path, text)), fragment="runs: ")
    assert f"write {decimal} for that number" in message
    _bad(tmp_path, "run", str(VALID), "--set", f"threats.srbm.count={value}", fragment=decimal)


def test_quoted_and_decimal_forms_still_load(tmp_path: Path) -> None:
    text = VALID.read_text().replace("runs: 200", "runs: 1_000") + "description: '010'\n"
    s = load_scenario(_scenario(tmp_path, text))
    assert s.runs == 1000 and s.description == "010"
    assert load_yaml("a: 1e3\nb: 0\nc: -7\nd: 0.5") == {"a": 1000.0, "b": 0, "c": -7, "d": 0.5}


def test_a_NO_threat_name_is_a_name_and_errors_name_its_path(tmp_path: Path) -> None:  # noqa: N802
    data = yaml.safe_load(VALID.read_text())
    text = VALID.read_text().replace("  rocket:", "  NO:").replace("rocket: ", "NO: ")
    s = load_scenario(_scenario(tmp_path, text))
    assert s.threat_types == ["srbm", "NO"]
    assert "NO" in s.defense.batteries["lower"].pk
    assert len(data["threats"]) == 2
    bad = text.replace("NO:\n    count:", "NO:\n    count: -3\n    x_count:", 1)
    with pytest.raises(InputError) as info:
        load_scenario(_scenario(tmp_path, bad, "b.yaml"))
    assert info.value.path.startswith("threats.NO."), info.value


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_device_is_not_a_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _bad(tmp_path, "run", str(fifo), fragment="is a FIFO (named pipe), not a regular file")
    if Path("/dev/zero").exists():
        _bad(tmp_path, "check", "/dev/zero", fragment="not a regular file")


def test_an_unreadable_file_gets_the_one_line_message(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    path = _scenario(tmp_path, VALID.read_text())
    real_open, real_access = pathlib.Path.open, os.access

    def no_read(self, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **k)

    def no_access(p, mode, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        return False if str(p) == str(path) else real_access(p, mode, *a, **k)

    monkeypatch.setattr(pathlib.Path, "open", no_read)
    monkeypatch.setattr(os, "access", no_access)  # what click would check
    message = _bad(tmp_path, "run", str(path), fragment=f"{path}: cannot read the file")
    assert "Permission denied" in message


def test_a_repeated_set_applies_in_order(tmp_path: Path) -> None:
    group = "{count: 2, flight_time_s: 60, aim: {x_m: 0, y_m: 0}}"
    sets = ["threats.srbm.count=1", f"threats.srbm={group}", "threats.srbm.count=3"]
    s = load_scenario(VALID, sets)
    assert s.threats["srbm"].count.params == (3,)
    s = load_scenario(VALID, sets[:2])
    assert s.threats["srbm"].count.params == (2,)


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    cases = [["run"], ["run", str(VALID), "--bogus"], ["frobnicate"]]
    cases += [["run", str(VALID), "--runs", "x"]]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.output.startswith("adsim: error: ") and result.output.count("\n") == 1


# sizes -------------------------------------------------------------------------------------


def test_too_many_workers_are_capped_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "w"
    args = ["--runs", "20", "--workers", "1000", "--no-figures", "--out", str(out)]
    result = runner.invoke(app, ["run", str(VALID), *args])
    assert result.exit_code == 0, result.output
    assert "note: --workers 1000 is more than 4 per core" in result.output


def test_a_replication_too_costly_to_score_is_refused_up_front(tmp_path: Path) -> None:
    text = (
        "name: huge\nthreats:\n  r:\n    count: 10000\n    flight_time_s: 30\n"
        "    aim: {zone: a}\n    effects: {tbi_m: 10000000}\nbase:\n  zones:\n"
        "    a: {center_m: [0, 0], size_m: [1000, 1000], personnel: 1000000}\n"
        "    b: {center_m: [5000, 0], size_m: [1000, 1000], personnel: 1000000}\n"
    )
    path = _scenario(tmp_path, text)
    _bad(tmp_path, "run", str(path), fragment="threats.r: one replication could score up to 2e+10")


def test_a_calibration_that_accepts_nothing_leaves_no_blocks(tmp_path: Path) -> None:
    text = VALID.read_text() + (
        "calibration:\n  unknowns:\n    defense.batteries.upper.pk.srbm: {uniform: [0.1, 0.9]}\n"
        "  evidence:\n    fired.rocket: {at_least: 1000}\n  samples: 10\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["calibrate", str(_scenario(tmp_path, text)), "--max-tries", "500", "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert "no simulated attack matched the evidence in 500 tries" in result.output
    assert not out.exists()


# YAML: size, aliases, depth, speed ---------------------------------------------------------


def test_the_c_parser_is_used_where_installed() -> None:
    if getattr(yaml, "__with_libyaml__", False):
        assert yaml_safe._Loader.__name__ == "_CLoader"


def test_a_huge_flow_list_is_refused_at_once(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "name: x\nflows: [" + ", ".join(["1234"] * 790_000) + "]\n")
    assert 4_000_000 < path.stat().st_size < 5_000_000
    started = time.monotonic()
    message = _bad(tmp_path, "check", str(path), fragment=f"more than {MAX_NODES:,} values")
    assert "alias" not in message
    assert time.monotonic() - started < 15


def test_a_file_of_60000_threat_types_is_refused_for_its_size_not_as_an_alias_bomb(
    tmp_path: Path,
) -> None:
    groups = "".join(
        f"  t{i}: {{count: 1, flight_time_s: 9, aim: {{x_m: 0, y_m: 0}}}}\n" for i in range(60_000)
    )
    path = _scenario(tmp_path, "name: many\nthreats:\n" + groups)
    started = time.monotonic()
    message = _bad(tmp_path, "check", str(path), fragment="the document has more than")
    assert "alias" not in message
    assert time.monotonic() - started < 15


def test_aliases_and_depth_are_named_by_cause() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(YamlProblem, match=r"aliases \(\*name\) expand .* \(an alias bomb\?\)"):
        load_yaml("\n".join(lines))
    with pytest.raises(YamlProblem, match="nested more than 50 levels"):
        load_yaml("a: " + "[" * 60 + "]" * 60)
    with pytest.raises(YamlProblem, match="could not determine a constructor"):
        load_yaml("a: !!python/object/apply:os.system [ls]")
    with pytest.raises(YamlProblem, match="appears twice"):
        load_yaml("a: {b: 1, b: 2}")
    assert load_yaml("x: &p {k: 1}\ny: *p\nz: {<<: *p, m: 2}") == {
        "x": {"k": 1},
        "y": {"k": 1},
        "z": {"k": 1, "m": 2},
    }
