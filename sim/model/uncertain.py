"""Per-attack uncertainty: one value per replication for a whole path, and constants at paths.

A distribution written at a value of the scenario is *variation*: it is drawn once per
entity (threat, shot, person). What an analyst does not know about the attack as a whole
(the real warhead, this night's Pk) is *uncertainty*: the scenario's ``uncertainties`` maps
a dotted path to a distribution, and each replication draws ONE value per path and runs as
if the file said that constant. That is what ``draw_uncertain`` does, given the
replication's own generator (the stream registry, ``Purpose.UNCERTAINTIES``, picks it).

``with_constants`` is the one way a scenario gets constants at paths without a new
validation (studies use it for every sweep point and calibration try): it copies only the
blocks along each path, and a path it fixes is no longer uncertain (a design's value wins).
Loading (``sim.io.uncertainties``) guarantees that every uncertain path holds a ``Dist`` of
the right kind in the scenario, so the copy is always valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.model.distributions import Dist, Kind, constant
from sim.model.scenario import Scenario


def with_constants(s: Scenario, values: Mapping[str, tuple[float | int, Kind]]) -> Scenario:
    """``s`` with a constant ``(value, kind)`` at each dotted path; those paths are no longer
    uncertain. Each block on the way to some path is copied once, however many paths pass
    through it (this runs for every replication of a scenario with uncertainties)."""
    tree = _tree({tuple(p.split(".")): constant(v, kind) for p, (v, kind) in values.items()})
    if any(path in s.uncertainties for path in values):
        left = {p: d for p, d in s.uncertainties.items() if p not in values}
        tree["uncertainties"] = _Leaf(left)
    return _replaced(s, tree)


def _tree(values: Mapping[tuple[str, ...], Any]) -> dict[str, Any]:
    """The paths as nested dicts of keys, with each path's value at its leaf."""
    tree: dict[str, Any] = {}
    for keys, value in values.items():
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = _Leaf(value)
    return tree


class _Leaf:
    """A value to put at a path (told apart from a subtree of further keys)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _replaced(node: Any, tree: dict[str, Any]) -> Any:
    """A copy of ``node`` with the values of ``tree`` at their keys, sharing the rest."""
    model = isinstance(node, BaseModel)
    update = {}
    for key, sub in tree.items():
        if isinstance(sub, _Leaf):
            update[key] = sub.value
        else:
            update[key] = _replaced(getattr(node, key) if model else node[key], sub)
    return node.model_copy(update=update) if model else {**node, **update}


def draw_uncertain(s: Scenario, rng: np.random.Generator) -> tuple[Scenario, list[float]]:
    """The scenario of one replication: each uncertain path at one value drawn from its
    distribution (in the order of ``s.uncertainties``), and the values drawn."""
    drawn: dict[str, tuple[float | int, Kind]] = {}
    for path, dist in s.uncertainties.items():
        drawn[path] = (_value(dist, rng), dist.kind)
    out = with_constants(s, drawn)
    return out, [float(v) for v, _ in drawn.values()]


def _value(dist: Dist, rng: np.random.Generator) -> float | int:
    value = dist.draw(rng)
    return int(value) if dist.kind == "count" else float(value)
