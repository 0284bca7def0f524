"""The weapon catalogue: complete and sourced, filled into threat types exactly as if the
values were written out, with the scenario's own keys winning."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim import run_monte_carlo
from sim.catalogue import catalogue
from sim.cli import app
from sim.io.errors import InputError
from sim.io.load import from_data

REQUIRED = ("rocket-107mm", "rocket-122mm", "srbm-500kg", "drone-owa-40kg", "mortar-120mm")
VALUES = ("cep_m", "flight_time_s", "effects.killed_m", "effects.wounded_m", "effects.tbi_m")
runner = CliRunner()


def test_the_catalogue_has_every_required_class_with_sources() -> None:
    cat = catalogue()
    assert cat.version
    assert set(REQUIRED) <= set(cat.classes)
    for name in REQUIRED:
        wc = cat.classes[name]
        assert set(VALUES) <= set(wc.values), name
        assert {"effects.scale", "cep_m"} <= set(wc.uncertainties), name
        for key, entry in [*wc.values.items(), *wc.uncertainties.items()]:
            # a public source (with its year) or an explicit assumption with its reasoning
            said = entry.source
            assert said.startswith("assumption:") or re.search(r"\b(19|20)\d\d\b", said), (
                name,
                key,
            )
            assert len(said) > len("assumption: ") + 10, (name, key)


def _data(**rocket: object) -> dict:
    return {
        "name": "w",
        "threats": {"rocket": {"count": 6, "aim": {"x_m": 0, "y_m": 0}, **rocket}},
        "base": {"zones": {"z": {"center_m": [0, 0], "size_m": [600, 600], "personnel": 300}}},
    }


def test_a_class_filled_in_equals_the_same_values_written_out() -> None:
    cat = catalogue().classes["rocket-122mm"]
    written = _data(
        cep_m=cat.values["cep_m"].value,
        flight_time_s=cat.values["flight_time_s"].value,
        effects={k.split(".")[1]: v.value for k, v in cat.values.items() if "effects." in k},
    )
    written["uncertainties"] = {
        f"threats.rocket.{k}": v.value for k, v in cat.uncertainties.items()
    }
    by_class = from_data(_data(weapon="rocket-122mm"), "test")
    by_hand = from_data(written, "test")
    assert len(by_class.from_catalogue) == len(cat.values) + len(cat.uncertainties)
    unnamed = by_class.model.threats["rocket"].model_copy(update={"weapon": None})
    assert by_class.model.model_copy(update={"threats": {"rocket": unnamed}}) == by_hand.model
    a = run_monte_carlo(by_class.model, runs=300, seed=3, workers=1)
    b = run_monte_carlo(by_hand.model, runs=300, seed=3, workers=1)
    assert a.metrics == b.metrics and a.extra == b.extra
    # filling is idempotent: the saved (filled) data loads to the same scenario
    again = from_data(copy.deepcopy(by_class.raw), "test")
    assert again.model == by_class.model and again.from_catalogue == ()


def test_keys_the_scenario_gives_win() -> None:
    loaded = from_data(
        {
            **_data(weapon="srbm-500kg", cep_m=20, effects={"killed_m": 5}),
            "uncertainties": {"threats.rocket.effects.scale": {"uniform": [0.9, 1.1]}},
        },
        "test",
    )
    g = loaded.model.threats["rocket"]
    assert g.cep_m.params == (20,) and g.effects.killed_m.params == (5,)
    assert g.effects.wounded_m.params == (107,)  # the rest from the class
    # no class uncertainty on the given cep_m; the scenario's own scale uncertainty kept
    assert list(loaded.model.uncertainties) == ["threats.rocket.effects.scale"]
    assert loaded.model.uncertainties["threats.rocket.effects.scale"].params == (0.9, 1.1)


def test_an_unknown_weapon_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"threats\.rocket\.weapon: unknown weapon class"):
        from_data(_data(weapon="rocket-240mm"), "s.yaml")


def test_weapons_command_check_and_summary(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["weapons"])
    assert listed.exit_code == 0, listed.output
    for name in REQUIRED:
        assert name in listed.output
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_data(weapon="mortar-120mm")), encoding="utf-8")
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "from the weapon catalogue" in checked.output
    assert "threats.rocket.cep_m = 60" in checked.output
    out = tmp_path / "out"
    ran = runner.invoke(
        app, ["run", str(path), "--runs", "120", "--out", str(out), "--json", "--no-figures"]
    )
    assert ran.exit_code == 0, ran.output
    summary = yaml.safe_load((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["weapon_catalogue"] == catalogue().version
    assert "uncertainty_importance" in summary
