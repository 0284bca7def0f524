"""Scenario parameters named by dotted paths, and scenarios built with new values for them.

Studies change a few numbers of a validated scenario many times (every sweep point, every
calibration try). ``ScenarioFactory`` checks each path once, up front, against the scenario
file (so a bad path or an impossible value is an error before anything runs), then builds
each new scenario by copying only the blocks along the changed paths. Values that the
format stores as distributions (nearly every number) are replaced by constants of the same
kind; a whole-number kind (a count) gets the value rounded to an integer. Paths to the few
plain fields (doctrine shots, reload times, zone geometry), and paths to values the file leaves
out (a new ``pk`` entry, an omitted ``base.warning`` block), fall back to full validation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.io.errors import InputError
from sim.io.overrides import with_overrides
from sim.io.scenario_file import optional_block, validate
from sim.model.distributions import Dist, constant
from sim.model.scenario import Scenario

NOT_STUDIED = ("name", "description", "runs", "seed", "calibration", "damage_function")


def node_at(s: Scenario, path: str) -> Any:
    """The validated value at a dotted path of a scenario (None if absent)."""
    node: Any = s
    for key in path.split("."):
        if isinstance(node, BaseModel):
            node = getattr(node, key, None) if key in type(node).model_fields else None
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            return None
    return node


def _replace(node: Any, keys: list[str], value: Any) -> Any:
    """A copy of ``node`` with the value at ``keys`` replaced, sharing everything else."""
    key, rest = keys[0], keys[1:]
    if isinstance(node, BaseModel):
        child = getattr(node, key)
        return node.model_copy(update={key: value if not rest else _replace(child, rest, value)})
    return {**node, key: value if not rest else _replace(node[key], rest, value)}


@dataclass(frozen=True)
class Parameter:
    """One studied value: its path, whether it is a whole number, and its kind."""

    path: str
    integer: bool
    kind: str | None  # the distribution kind, or None for a plain field
    fast: bool = True  # the base scenario holds a distribution there: replace it in place

    def coerce(self, value: float) -> float | int:
        """The value as the scenario stores it (rounded for whole-number parameters)."""
        return int(round(value)) if self.integer else float(value)


@dataclass(frozen=True)
class ScenarioFactory:
    """Builds scenarios that differ from a base scenario in a few parameters."""

    base: Scenario
    raw: dict
    source: str
    parameters: tuple[Parameter, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of the scenario data (with overrides): what saved study results belong to."""
        canonical = json.dumps(self.raw, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def paths(self) -> list[str]:
        """The dotted paths of the parameters, in order."""
        return [p.path for p in self.parameters]

    def build(self, values: list[float] | tuple[float, ...]) -> Scenario:
        """The base scenario with each parameter set to the matching value."""
        coerced = [p.coerce(v) for p, v in zip(self.parameters, values, strict=True)]
        if not all(p.fast for p in self.parameters):
            assignments = {p.path: v for p, v in zip(self.parameters, coerced, strict=True)}
            return self._validated(assignments, self.source)
        s: Any = self.base
        for p, v in zip(self.parameters, coerced, strict=True):
            s = _replace(s, p.path.split("."), constant(v, p.kind))
        return s

    def _validated(self, assignments: dict[str, Any], source: str) -> Scenario:
        return validate(with_overrides(self.raw, assignments, source, optional_block), source)

    def check_value(self, index: int, value: float, source: str) -> None:
        """Raise ``InputError`` (from ``source``) if the value is not allowed at the path."""
        p = self.parameters[index]
        try:
            self._validated({p.path: p.coerce(value)}, source)
        except InputError as exc:
            message = f"value {value:g} is not allowed: {exc.message}"
            raise InputError(source, p.path, message) from None


def _parameter(base: Scenario, raw: dict, path: str, probe: Any, source: str) -> Parameter:
    if path.split(".")[0] in NOT_STUDIED:
        raise InputError(
            source, path, f"cannot be varied; choose a model value, not one of {NOT_STUDIED}"
        )
    probed = validate(with_overrides(raw, {path: probe}, source, optional_block), source)
    node = node_at(probed, path)
    if isinstance(node, Dist):
        fast = isinstance(node_at(base, path), Dist)
        return Parameter(path, node.kind == "count", node.kind, fast)
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise InputError(source, path, "is not a number; only numeric values can be varied")
    return Parameter(path, isinstance(node, int), None, fast=False)


def make_factory(base: Scenario, raw: dict, source: str, probes: dict[str, Any]) -> ScenarioFactory:
    """A factory for the paths of ``probes``; each path is checked with its probe value."""
    params = tuple(_parameter(base, raw, path, probe, source) for path, probe in probes.items())
    return ScenarioFactory(base, raw, source, params)
