"""The weapon catalogue shipped with adsim: classes of threat with sourced values.

A threat type that says ``weapon: NAME`` takes every key it leaves out (``cep_m``,
``flight_time_s``, effect radii) from the class, and the class's per-attack uncertainties
(rewritten to that threat type's paths); keys the scenario gives win. The catalogue is
plain data (``weapons.yaml`` in this package, in the wheel): every value carries its source
or an explicit assumption, and the file has a version that results record. Filling a
scenario from it is ``sim.io.weapons``; this module only reads and checks the file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Sourced:
    """A value (a number, or a distribution as the scenario format writes it) and where it
    comes from."""

    value: Any
    source: str


@dataclass(frozen=True)
class WeaponClass:
    """One class: its values and uncertainties, keyed by path within a threat type."""

    name: str
    description: str
    values: dict[str, Sourced]
    uncertainties: dict[str, Sourced]


@dataclass(frozen=True)
class Catalogue:
    """The catalogue's version and classes, by name."""

    version: str
    classes: dict[str, WeaponClass]


def _sourced(entry: dict, key: str, where: str) -> Sourced:
    if not isinstance(entry, dict) or set(entry) != {key, "source"}:
        raise ValueError(f"{where}: expected {{{key}: ..., source: ...}}, got {entry!r}")
    source = str(entry["source"]).strip()
    if not source:
        raise ValueError(f"{where}: every value needs a source or an assumption")
    return Sourced(entry[key], source)


def parse_catalogue(data: dict) -> Catalogue:
    """The catalogue from its YAML data (``ValueError`` naming the entry if malformed)."""
    classes = {}
    for name, spec in data["classes"].items():
        values = {k: _sourced(v, "value", f"{name}.values.{k}") for k, v in spec["values"].items()}
        uncertain = {
            k: _sourced(v, "distribution", f"{name}.uncertainties.{k}")
            for k, v in spec.get("uncertainties", {}).items()
        }
        classes[name] = WeaponClass(name, str(spec["description"]).strip(), values, uncertain)
    return Catalogue(str(data["version"]), classes)


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue (read once)."""
    text = resources.files(__package__).joinpath("weapons.yaml").read_text(encoding="utf-8")
    return parse_catalogue(yaml.safe_load(text))
