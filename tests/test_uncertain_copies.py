"""The scenario of one replication with per-attack uncertainties, and what is derived from it.

``draw_uncertain`` copies the blocks on the uncertain paths directly (not through pydantic's
``model_copy``) and works the paths out once per scenario; the engine's derived structures
are cached. These tests check that the copies are the copies pydantic would make, that the
untouched blocks are shared, and that no cache hands one replication's values to another.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel

from sim.io.load import from_data, load_scenario
from sim.io.paths import node_at
from sim.model import threats
from sim.model.distributions import constant
from sim.model.scenario import Scenario
from sim.model.uncertain import _model_with, draw_uncertain, with_constants
from tests.builders import battery, scenario_data

AL_ASAD = Path(__file__).parents[1] / "scenarios" / "al-asad-2024-01-20.yaml"
PK = "defense.batteries.b.pk.msl"


def _blocks(node: object) -> list[BaseModel]:
    """Every pydantic block of a scenario, outermost first."""
    found: list[BaseModel] = [node] if isinstance(node, BaseModel) else []
    values = node.__dict__ if isinstance(node, BaseModel) else node
    assert isinstance(values, dict)
    for value in values.values():
        if isinstance(value, (BaseModel, dict)):
            found += _blocks(value)
    return found


def test_a_direct_copy_is_what_model_copy_makes() -> None:
    s = load_scenario(AL_ASAD)
    blocks = _blocks(s)
    assert len(blocks) > 10
    for block in blocks:
        key = next(iter(type(block).model_fields))
        update = {key: getattr(block, key)}
        made, expected = _model_with(block, update), block.model_copy(update=update)
        assert type(made) is type(expected)
        assert made == expected
        assert made.model_fields_set == expected.model_fields_set
        assert made.__dict__ is not block.__dict__


def test_a_drawn_scenario_is_the_file_at_the_drawn_constants() -> None:
    s = load_scenario(AL_ASAD)
    for seed in (1, 2):
        drawn, values = draw_uncertain(s, np.random.default_rng(seed))
        kinds = [d.kind for d in s.uncertainties.values()]
        at = dict(zip(s.uncertainties, zip(values, kinds, strict=True), strict=True))
        assert drawn == with_constants(s, at)
        assert drawn.uncertainties == {} and s.uncertainties
        assert isinstance(drawn, Scenario)
        # blocks off the uncertain paths are shared, not copied
        assert drawn.base.zones is s.base.zones
        assert drawn.defense.detection is s.defense.detection
        assert drawn.threats["srbm"].aim is s.threats["srbm"].aim
        for (path, dist), value in zip(s.uncertainties.items(), values, strict=True):
            assert node_at(drawn, path) == constant(value, dist.kind)


def test_the_paths_of_one_scenario_are_not_used_for_another() -> None:
    one = from_data(_data({PK: {"uniform": [0, 1]}}), "test").model
    two = from_data(_data({"threats.msl.count": {"uniform_int": [1, 6]}}), "test").model
    rng = np.random.default_rng(3)
    a, _ = draw_uncertain(one, rng)
    b, values = draw_uncertain(two, rng)
    assert a.threats["msl"].count == one.threats["msl"].count
    assert b.threats["msl"].count == constant(int(values[0]), "count")
    assert b.defense.batteries["b"].pk == two.defense.batteries["b"].pk


def _data(uncertain: dict) -> dict:
    data = scenario_data(4, {"b": battery(0.5)})
    data["uncertainties"] = uncertain
    return data


def test_each_replication_draws_its_own_threat_groups() -> None:
    s = load_scenario(AL_ASAD)
    rng = np.random.default_rng(5)
    one, u1 = draw_uncertain(s, rng)
    two, u2 = draw_uncertain(s, rng)
    scale = list(s.uncertainties).index("threats.rocket.effects.scale")
    rocket = s.threat_types.index("rocket")
    for drawn, values in ((one, u1), (two, u2), (one, u1)):
        groups = threats._groups(drawn)
        assert groups[rocket].constants[threats.SCALE] == values[scale]
        columns, _ = threats._constants(drawn)
        assert columns[threats.SCALE, rocket] == values[scale]
    assert u1[scale] != u2[scale]
