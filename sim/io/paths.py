"""Dotted paths into a scenario and the kind of value each one names.

``--set``, sweeps, calibration unknowns and ``uncertainties`` all name scenario
values by dotted paths (``defense.batteries.upper.pk.srbm``). A path is checked by
validating the scenario with a probe value there, which also tells what kind of value it
is (a probability, a count, a duration, ...) even for values the file leaves out (a new
``pk`` entry, an omitted ``base.warning`` block).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel

from sim.io.errors import InputError
from sim.io.overrides import with_overrides
from sim.io.scenario_file import optional_block, validate
from sim.model.distributions import Dist, Kind
from sim.model.scenario import Scenario

NOT_STUDIED = (
    "name",
    "description",
    "runs",
    "seed",
    "calibration",
    "damage_function",
    "uncertainties",
)


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


@dataclass(frozen=True)
class Parameter:
    """One studied value: its path, whether it is a whole number, and its kind."""

    path: str
    integer: bool
    kind: Kind | None  # the distribution kind, or None for a plain field
    fast: bool = True  # the base scenario holds a distribution there: replace it in place

    def coerce(self, value: float) -> float | int:
        """The value as the scenario stores it (rounded for whole-number parameters)."""
        return int(round(value)) if self.integer else float(value)

    @property
    def value_kind(self) -> Kind:
        """The kind a distribution of this value must have."""
        return self.kind or ("count" if self.integer else "real")


def parameter(base: Scenario, raw: dict, path: str, probe: Any, source: str) -> Parameter:
    """The numeric value at ``path``, checked by validating the scenario with ``probe`` there."""
    if path.split(".")[0] in NOT_STUDIED:
        raise InputError(
            source, path, f"cannot be varied; choose a model value, not one of {NOT_STUDIED}"
        )
    probed = validate(with_overrides(raw, {path: probe}, source, optional_block), source)
    node = node_at(probed, path)
    if isinstance(node, Dist):
        fast = isinstance(node_at(base, path), Dist)
        return Parameter(path, node.kind == "count", cast(Kind, node.kind), fast)
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise InputError(source, path, "is not a number; only numeric values can be varied")
    return Parameter(path, isinstance(node, int), None, fast=False)
