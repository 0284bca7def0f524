"""The JSON Schema of the scenario format, from the validated model (``adsim schema``).

The schema comes from the pydantic models of ``sim.model.scenario`` (so it cannot drift
from what is checked), with each value that may be a distribution described by its forms
(``sim.model.dist_schema``) and defaults written as a scenario file would write them. A
copy is committed as docs/scenario.schema.json; point a YAML editor at it with a first line
``# yaml-language-server: $schema=<path or URL>/scenario.schema.json``.

The schema checks the shape of a file; ``adsim check`` checks the rest (cross-references,
caps, a threat type's catalogue weapon, calibration paths).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from sim.model.dist_schema import shared_values
from sim.model.distributions import Dist

SCHEMA_ID = "https://adsim.invalid/scenario.schema.json"  # a name, not a place to fetch


def _plain(value: Any) -> Any:
    """A default as a scenario file writes it (distributions in their file form)."""
    if isinstance(value, Dist):
        return value.to_yaml()
    if isinstance(value, BaseModel):
        return {k: _plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class _Scenario(GenerateJsonSchema):
    """pydantic's generator, with defaults in their scenario-file form."""

    def encode_default(self, dft: Any) -> Any:
        """The default as plain JSON data."""
        return _plain(dft)


def _weapons_may_fill(threat_group: dict[str, Any]) -> None:
    """A threat type that names a catalogue ``weapon`` may leave out what the catalogue
    fills in (``sim.io.weapons``); one that names none must give it."""
    from sim.catalogue import catalogue

    fillable = {key.split(".")[0] for wc in catalogue().classes.values() for key in wc.values}
    required = threat_group.get("required", [])
    lifted = [k for k in required if k in fillable]
    if lifted:
        threat_group["required"] = [k for k in required if k not in fillable]
        threat_group["if"] = {"not": {"required": ["weapon"]}}
        threat_group["then"] = {"required": lifted}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    from sim.model.scenario import Scenario

    defs: dict[str, Any] = {}
    body = shared_values(Scenario.model_json_schema(schema_generator=_Scenario), defs)
    body["$defs"] = {**body.get("$defs", {}), **dict(sorted(defs.items()))}
    _weapons_may_fill(body["$defs"]["ThreatGroup"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **body,
        "title": "adsim scenario",
        "description": "A salvo against a defended base, for adsim (see docs/scenario-format.md"
        "). Every number may also be a distribution: a one-key mapping such as {uniform: "
        "[a, b]}.",
    }


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(scenario_schema(), indent=2, sort_keys=False) + "\n"
