"""What ships: the JSON Schema of the scenario format (and its committed copy), the example
scenarios and catalogue (``adsim examples``), py.typed and the licence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.cli.shipped import shipped_files
from sim.io.schema import schema_text

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "docs" / "scenario.schema.json"
runner = CliRunner()


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "docs/scenario.schema.json is out of date: run `adsim schema --out "
        "docs/scenario.schema.json`"
    )


def test_schema_command_prints_it() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(schema_text())


def test_schema_describes_every_distribution_form() -> None:
    from sim.model.distributions import FORM_CLASSES

    defs = json.loads(schema_text())["$defs"]
    forms = {f["title"] for f in defs["real-value"]["anyOf"] if f.get("type") == "object"}
    assert forms == set(FORM_CLASSES) - {"constant"}
    count_forms = {f["title"] for f in defs["count-value"]["anyOf"] if f.get("type") == "object"}
    assert count_forms == {"uniform_int", "poisson", "choice"}


def _validator():  # noqa: ANN202
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _scenario_files() -> list[Path]:
    """The bundled and test scenarios (not the study and campaign files beside them)."""
    files = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
        (ROOT / "tests" / "scenarios").glob("*.yaml")
    )
    return [
        p
        for p in files
        if not {"study", "campaign"} & set(yaml.safe_load(p.read_text()) or {})
        and not p.name.startswith("study")
    ]


@pytest.mark.parametrize("path", _scenario_files(), ids=lambda p: p.name)
def test_scenarios_are_valid_under_the_schema(path: Path) -> None:
    errors = list(_validator().iter_errors(yaml.safe_load(path.read_text())))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d["defense"]["batteries"]["upper"]["pk"].update(srbm=1.5), "pk"),
        (lambda d: d["threats"]["srbm"].update(count={"uniform": [1, 3]}), "count"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["threats"]["srbm"].update(cep_m={"normal": [50]}), "cep_m"),
        (lambda d: d["threats"]["srbm"].pop("flight_time_s"), "flight_time_s"),  # no weapon
    ],
)
def test_schema_rejects_what_check_rejects(edit, where: str) -> None:  # noqa: ANN001
    data = yaml.safe_load((ROOT / "tests" / "scenarios" / "valid-small.yaml").read_text())
    edit(data)
    errors = list(_validator().iter_errors(data))
    assert errors
    assert any(where in json.dumps(list(e.absolute_path)) or where in e.message for e in errors)


def test_examples_copies_scenarios_and_catalogue(tmp_path: Path) -> None:
    out = tmp_path / "ex"
    result = runner.invoke(app, ["examples", str(out)])
    assert result.exit_code == 0, result.output
    names = {str(p.relative_to(out)) for p in out.rglob("*.yaml")}
    assert {"scenarios/al-asad-2024-01-20.yaml", "events/taji-2020-03-11.yaml"} <= names
    assert "weapons.yaml" in names
    for folder in ("scenarios", "events"):
        for p in (ROOT / folder).glob("*.yaml"):
            assert (out / folder / p.name).read_bytes() == p.read_bytes()
    again = runner.invoke(app, ["examples", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert len(again.output.strip().splitlines()) == 1
    assert runner.invoke(app, ["examples", str(out), "--force"]).exit_code == 0
    check = runner.invoke(app, ["check", str(out / "scenarios" / "al-asad-2024-01-20.yaml")])
    assert check.exit_code == 0, check.output
    from sim.io.events import load_event  # an event finds its scenario where it was copied

    assert load_event(out / "events" / "taji-2020-03-11.yaml")


def test_shipped_files_match_the_repository() -> None:
    files = shipped_files()
    for folder in ("scenarios", "events"):
        for p in (ROOT / folder).glob("*.yaml"):
            assert files[f"{folder}/{p.name}"] == p.read_bytes()


def test_typed_and_licensed() -> None:
    assert (ROOT / "sim" / "py.typed").is_file()
    assert "MIT License" in (ROOT / "LICENSE").read_text()
