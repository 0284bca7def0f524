"""Bad input: one clear message naming the file, the dotted path and what was expected.

Every class of bad input exits with status 2, prints no traceback and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim import InputError, load_scenario
from sim.cli import app

HERE = Path(__file__).parent
VALID = HERE / "scenarios" / "valid-small.yaml"
runner = CliRunner()


def base() -> dict:
    return yaml.safe_load(VALID.read_text())


def write(tmp_path: Path, data: object, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def assert_bad(tmp_path: Path, path: Path, *fragments: str, extra: tuple[str, ...] = ()) -> str:
    """Run `adsim run` on ``path``: exit 2, one line naming the file, nothing written."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--runs", "5", "--out", str(out), *extra])
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert "Traceback" not in message
    assert message.startswith("adsim: error: ")
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert not out.exists()
    assert not any(p.name.startswith(".out.partial") for p in tmp_path.iterdir())
    return message


def modified(edit) -> dict:
    data = base()
    edit(data)
    return data


CASES = {
    "wrong type": (
        lambda d: d["threats"]["srbm"].update(count="three"),
        ["threats.srbm.count", "non-negative integer"],
    ),
    "probability above 1": (
        lambda d: d["defense"]["batteries"]["upper"]["pk"].update(srbm=1.2),
        ["defense.batteries.upper.pk.srbm", "probability in [0, 1]", "1.2"],
    ),
    "probability distribution outside [0, 1]": (
        lambda d: d["base"]["warning"].update(compliance={"uniform": [0.5, 1.5]}),
        ["base.warning.compliance", "[0.5, 1.5]"],
    ),
    "unbounded probability": (
        lambda d: d["base"]["warning"].update(compliance={"normal": [0.9, 0.1]}),
        ["base.warning.compliance", "unbounded"],
    ),
    "negative count": (
        lambda d: d["threats"]["srbm"].update(count=-2),
        ["threats.srbm.count", "-2"],
    ),
    "fractional count": (
        lambda d: d["threats"]["srbm"].update(count=2.5),
        ["threats.srbm.count", "integer"],
    ),
    "absurd count": (
        lambda d: d["threats"]["rocket"].update(count=10**9),
        ["threats.rocket.count", "per-replication limit"],
    ),
    "absurd poisson count": (
        lambda d: d["threats"]["rocket"].update(count={"poisson": 1e7}),
        ["threats.rocket.count", "per-replication limit"],
    ),
    "absurd personnel": (
        lambda d: d["base"]["zones"]["housing"].update(personnel=10**8),
        ["base.zones.housing.personnel", "per-replication limit"],
    ),
    "count with a continuous distribution": (
        lambda d: d["threats"]["srbm"].update(count={"uniform": [1, 3]}),
        ["threats.srbm.count", "integer distribution"],
    ),
    "reversed range": (
        lambda d: d["threats"]["srbm"].update(launch_s={"uniform": [60, 0]}),
        ["threats.srbm.launch_s", "reversed"],
    ),
    "reversed integer range": (
        lambda d: d["threats"]["srbm"].update(count={"uniform_int": [4, 2]}),
        ["threats.srbm.count", "reversed"],
    ),
    "unknown distribution": (
        lambda d: d["threats"]["srbm"].update(flight_time_s={"gauss": [1, 2]}),
        ["threats.srbm.flight_time_s", "unknown distribution 'gauss'", "uniform"],
    ),
    "negative duration": (
        lambda d: d["defense"]["batteries"]["upper"].update(reaction_s=-5),
        ["defense.batteries.upper.reaction_s", "non-negative"],
    ),
    "battery names a missing threat type": (
        lambda d: d["defense"]["batteries"]["upper"]["pk"].update(drone=0.5),
        ["defense.batteries.upper.pk.drone", "not in threats", "srbm, rocket"],
    ),
    "detection of a missing threat type": (
        lambda d: d["defense"]["detection"].update(cruise={"probability": 0.5}),
        ["defense.detection.cruise", "not in threats"],
    ),
    "aim at a missing zone": (
        lambda d: d["threats"]["rocket"]["aim"].update(zone="hangar"),
        ["threats.rocket.aim.zone", "hangar", "airfield, housing"],
    ),
    "unknown key": (
        lambda d: d["defense"]["batteries"]["upper"].update(reaktion_s=5),
        ["defense.batteries.upper.reaktion_s", "unknown key", "reaction_s"],
    ),
    "unknown top-level key": (lambda d: d.update(treats={}), ["treats", "unknown key", "threats"]),
    "unknown doctrine": (
        lambda d: d["defense"]["batteries"]["upper"].update(doctrine="shoot-2"),
        ["defense.batteries.upper.doctrine", "shoot-look-shoot"],
    ),
    "missing required key": (
        lambda d: d["threats"]["srbm"].pop("flight_time_s"),
        ["threats.srbm.flight_time_s", "missing"],
    ),
    "zero-size zone": (
        lambda d: d["base"]["zones"]["housing"].update(size_m=[0, 100]),
        ["base.zones.housing.size_m", "positive"],
    ),
    "choice weights mismatch": (
        lambda d: d["threats"]["srbm"].update(count={"choice": {"values": [1, 2], "weights": [1]}}),
        ["threats.srbm.count", "weights"],
    ),
    "availability above 1": (
        lambda d: d["defense"]["batteries"]["upper"].update(availability=1.3),
        ["defense.batteries.upper.availability", "probability in [0, 1]", "1.3"],
    ),
    "kill assessment error above 1": (
        lambda d: d["defense"]["batteries"]["upper"].update(
            kill_assessment={"miss_seen_as_kill": 1.3}
        ),
        ["defense.batteries.upper.kill_assessment.miss_seen_as_kill", "1.3"],
    ),
    "unknown kill assessment key": (
        lambda d: d["defense"]["batteries"]["upper"].update(kill_assessment={"miss": 0.1}),
        ["defense.batteries.upper.kill_assessment.miss", "unknown key"],
    ),
    "unknown allocation": (
        lambda d: d["defense"]["batteries"]["upper"].update(allocation="even"),
        ["defense.batteries.upper.allocation", "greedy", "spread"],
    ),
    "defends a missing zone": (
        lambda d: d["defense"]["batteries"]["lower"].update(defends=["housing", "hangar"]),
        ["defense.batteries.lower.defends.1", "hangar", "airfield, housing"],
    ),
    "negative defend margin": (
        lambda d: d["defense"]["batteries"]["lower"].update(defend_margin_m=-10),
        ["defense.batteries.lower.defend_margin_m", "non-negative"],
    ),
    "negative prediction error": (
        lambda d: d["defense"]["batteries"]["lower"].update(prediction_error_m=-1),
        ["defense.batteries.lower.prediction_error_m", "non-negative"],
    ),
    "debris probability above 1": (
        lambda d: d["threats"]["rocket"].update(debris={"probability": 1.3}),
        ["threats.rocket.debris.probability", "1.3"],
    ),
    "negative debris radius": (
        lambda d: d["threats"]["rocket"].update(
            debris={"probability": 0.5, "effects": {"killed_m": -3}}
        ),
        ["threats.rocket.debris.effects.killed_m", "non-negative"],
    ),
    "no threats": (lambda d: d.update(threats={}), ["threats", "at least 1"]),
    "bad name": (lambda d: d.update(name="../etc"), ["name"]),
    "boolean as number": (
        lambda d: d["threats"]["srbm"].update(cep_m=True),
        ["threats.srbm.cep_m"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_value_is_reported_with_its_path(tmp_path: Path, case: str) -> None:
    edit, fragments = CASES[case]
    assert_bad(tmp_path, write(tmp_path, modified(edit)), *fragments)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nthreats:\n  srbm: {count: 1\n")
    assert_bad(tmp_path, path, "YAML syntax error", "line")


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert_bad(tmp_path, path, "alias bomb")


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    text = VALID.read_text().replace("runs: 200\n", "runs: 200\nruns: 300\n")
    assert_bad(tmp_path, write(tmp_path, text), "runs", "appears twice")


@pytest.mark.parametrize("document", ["- a\n- b\n", "just a string\n", "42\n", ""])
def test_non_mapping_document(tmp_path: Path, document: str) -> None:
    assert_bad(tmp_path, write(tmp_path, document), "expected a mapping")


def test_missing_file(tmp_path: Path) -> None:
    assert_bad(tmp_path, tmp_path / "nope.yaml", "does not exist")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert_bad(tmp_path, path, "UTF-8")


@pytest.mark.parametrize(
    ("assignment", "fragments"),
    [
        ("defense.batteries.uper.pk.srbm=0.5", ["uper", "upper, lower"]),
        ("threats.srbm.count=-1", ["threats.srbm.count"]),
        ("no_equals_sign", ["PATH=VALUE"]),
        ("threats.srbm.count={poisson: [", ["not valid YAML"]),
        ("defense.batteries.upper.reaktion_s=3", ["reaktion_s", "unknown key"]),
    ],
)
def test_bad_set_override(tmp_path: Path, assignment: str, fragments: list[str]) -> None:
    assert_bad(tmp_path, VALID, *fragments, extra=("--set", assignment))


@pytest.mark.parametrize(
    ("option", "value"), [("--runs", "0"), ("--workers", "0"), ("--seed", "-1")]
)
def test_bad_numeric_option(tmp_path: Path, option: str, value: str) -> None:
    result = runner.invoke(app, ["run", str(VALID), option, value, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert option in result.output
    assert not (tmp_path / "o").exists()


def test_unknown_option_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(VALID), "--bogus"])
    assert result.exit_code == 2


def test_check_reports_the_same_errors(tmp_path: Path) -> None:
    path = write(tmp_path, modified(CASES["probability above 1"][0]))
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "defense.batteries.upper.pk.srbm" in result.output


def test_api_raises_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, modified(CASES["reversed range"][0]))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.path == "threats.srbm.launch_s"
    assert info.value.source == str(path)


def test_valid_scenario_loads() -> None:
    s = load_scenario(VALID)
    assert s.threat_types == ["srbm", "rocket"]
    assert s.battery_names == ["upper", "lower"]
    assert s.defense.batteries["lower"].doctrine.engagements == 2


def test_set_reaches_values_of_optional_blocks_the_file_leaves_out(tmp_path):
    """``base.warning.compliance`` works without a warning block; a typo is still named."""
    f = tmp_path / "s.yaml"
    f.write_text("name: t\nthreats:\n  a: {count: 1, flight_time_s: 10, aim: {x_m: 0, y_m: 0}}\n")
    s = load_scenario(f, ["base.warning.compliance=0.4"])
    assert s.base.warning.compliance.params == (0.4,)
    with pytest.raises(InputError, match="no key 'warnin' at base"):
        load_scenario(f, ["base.warnin.compliance=0.4"])
    with pytest.raises(InputError, match=r"no key 'b' at threats \(keys there: a\)"):
        load_scenario(f, ["threats.b.count=3"])


def test_exponents_without_a_dot_are_numbers(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "name: t\nthreats:\n  a: {count: 2e1, flight_time_s: 1e2, aim: {x_m: 0, y_m: 0}}\n"
    )
    s = load_scenario(f)
    assert s.threats["a"].count.params == (20,) and s.threats["a"].flight_time_s.params == (100.0,)


def test_coordinates_are_capped_on_both_sides(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("name: t\nthreats:\n  a: {count: 1, flight_time_s: 9, aim: {x_m: -2e7, y_m: 0}}")
    with pytest.raises(InputError, match=r"aim\.x_m: expected at least -1e\+07"):
        load_scenario(f)
