"""Event files: the bundled library loads; bad event files and unknowns exit 2 naming the
file and key, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim import InputError
from sim.cli import app
from sim.io.events import load_event, load_events
from tests.events_builders import binomial_scenario, write_event

EVENTS = Path(__file__).parent.parent / "events"
runner = CliRunner()


def test_the_bundled_events_load_with_sources() -> None:
    events = load_events([EVENTS])
    assert len(events) >= 5
    for ev in events:
        assert ev.sources and ev.observed and ev.note
        assert ev.loaded.model.name == ev.name


@pytest.mark.parametrize(
    ("observed", "extra", "key", "said"),
    [
        ({"nonsense": 1}, {}, "observed.nonsense", "unknown metric"),
        ({"leaked": [3, 1]}, {}, "observed.leaked", "reversed"),
        ({"leaked": "many"}, {}, "observed.leaked", "finite number"),
        ({"leaked": [1, 2, 3]}, {}, "observed.leaked", "[low, high]"),
        ({"leaked": 1}, {"scenario": "../missing.yaml"}, "scenario", "does not exist"),
        ({"leaked": 1}, {"colour": "red"}, "colour", "unknown key"),
    ],
)
def test_a_bad_event_file_names_the_file_and_key(
    tmp_path: Path, observed: dict, extra: dict, key: str, said: str
) -> None:
    scen = binomial_scenario(tmp_path, 3)
    path = write_event(tmp_path, "bad", scen, observed)
    if extra:
        doc = yaml.safe_load(path.read_text())
        path.write_text(yaml.safe_dump({**doc, **extra}))
    with pytest.raises(InputError) as err:
        load_event(path)
    assert err.value.source == str(path) and err.value.path == key and said in err.value.message
    result = runner.invoke(
        app, ["validate", str(path), "--runs", "10", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert f"{path}: {key}:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_a_missing_event_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "nope.yaml" in result.stderr


def test_a_weapon_path_no_event_uses_exits_2_with_the_path(tmp_path: Path) -> None:
    scen = binomial_scenario(tmp_path, 3)
    event = write_event(tmp_path, "e", scen, {"leaked": 1})
    unknowns = tmp_path / "unknowns.yaml"
    path = "weapons.rocket-107mm.effects.scale"
    unknowns.write_text(yaml.safe_dump({"unknowns": {path: {"uniform": [0.5, 1.5]}}}))
    args = ["calibrate", "--events", str(event), "--unknowns", str(unknowns)]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{unknowns}: unknowns.{path}:" in result.stderr
    assert "Traceback" not in result.output


def test_a_base_path_that_is_not_a_number_exits_2(tmp_path: Path) -> None:
    scen = binomial_scenario(tmp_path, 3)
    event = write_event(tmp_path, "e", scen, {"leaked": 1})
    unknowns = tmp_path / "unknowns.yaml"
    unknowns.write_text(yaml.safe_dump({"unknowns": {"base.nothing": {"uniform": [0, 1]}}}))
    result = runner.invoke(app, ["calibrate", "--events", str(event), "--unknowns", str(unknowns)])
    assert result.exit_code == 2 and "unknowns.base.nothing" in result.stderr
