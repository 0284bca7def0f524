"""Filling threat types from the weapon catalogue (``weapon: NAME``), before validation.

The file's data (with its ``--set`` overrides) is rewritten so that it says, in full, what
the catalogue added: each key the threat type leaves out is written in with the class's
value, and each class uncertainty is added to ``uncertainties`` at the threat type's path
(``effects.scale`` -> ``threats.T.effects.scale``) unless the threat type gives that key
itself or the scenario already has an uncertainty there (the scenario's words win). The
result is what runs, what results folders store and what their digest is of, so a saved
scenario never depends on the catalogue again (filling it twice changes nothing).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sim.catalogue import catalogue
from sim.io.errors import InputError


@dataclass(frozen=True)
class Filled:
    """One value the catalogue wrote into a scenario: where, what and its source."""

    path: str
    value: Any
    source: str
    weapon: str


def _has(node: dict, keys: list[str]) -> bool:
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def _put(node: dict, keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = copy.deepcopy(value)


def fill_weapons(raw: dict[str, Any], source: str) -> tuple[dict[str, Any], list[Filled]]:
    """The scenario data with every ``weapon:`` filled in, and what was filled."""
    threats = raw.get("threats")
    if not isinstance(threats, dict) or not any(
        isinstance(t, dict) and "weapon" in t for t in threats.values()
    ):
        return raw, []
    cat = catalogue()
    out = copy.deepcopy(raw)
    filled: list[Filled] = []
    added: dict[str, Any] = {}
    for name, group in out["threats"].items():
        if not isinstance(group, dict) or "weapon" not in group:
            continue
        weapon = group["weapon"]
        if weapon not in cat.classes:
            raise InputError(
                source,
                f"threats.{name}.weapon",
                f"unknown weapon class {weapon!r}; expected one of: {', '.join(cat.classes)} "
                "(adsim weapons lists them)",
            )
        given = copy.deepcopy(group)
        wc = cat.classes[weapon]
        for key, entry in wc.values.items():
            keys = key.split(".")
            if not _has(group, keys):
                _put(group, keys, entry.value)
                filled.append(Filled(f"threats.{name}.{key}", entry.value, entry.source, weapon))
        for key, entry in wc.uncertainties.items():
            path = f"threats.{name}.{key}"
            if _has(given, key.split(".")) or path in (raw.get("uncertainties") or {}):
                continue
            added[path] = copy.deepcopy(entry.value)
            filled.append(Filled(f"uncertainties.{path}", entry.value, entry.source, weapon))
    if added:
        found = out.get("uncertainties")
        out["uncertainties"] = {**(found if isinstance(found, dict) else {}), **added}
    return out, filled
