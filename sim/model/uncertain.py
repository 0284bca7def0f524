"""Per-attack uncertainty: one value per replication for a whole path, and constants at paths.

A distribution written at a value of the scenario is *variation*: it is drawn once per
entity (threat, shot, person). What an analyst does not know about the attack as a whole
(the real warhead, this night's Pk) is *uncertainty*: the scenario's ``uncertainties`` maps
a dotted path to a distribution, and each replication draws ONE value per path and runs as
if the file said that constant. That is what ``draw_uncertain`` does, given the
replication's own generator (the stream registry, ``Purpose.UNCERTAINTIES``, picks it); the
blocks its paths pass through are worked out once per scenario, not per replication.

``with_constants`` is the one way a scenario gets constants at paths without a new
validation (studies use it for every sweep point and calibration try): it copies only the
blocks along each path, and a path it fixes is no longer uncertain (a design's value wins).
Loading (``sim.io.uncertainties``) guarantees that every uncertain path holds a ``Dist`` of
the right kind in the scenario, so the copy is always valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.model.distributions import Dist, Kind, constant
from sim.model.scenario import Scenario
from sim.model.threats import per_scenario


def with_constants(s: Scenario, values: Mapping[str, tuple[float | int, Kind]]) -> Scenario:
    """``s`` with a constant ``(value, kind)`` at each dotted path; those paths are no longer
    uncertain. Each block on the way to some path is copied once, however many paths pass
    through it."""
    at: list[Any] = [constant(v, kind) for v, kind in values.values()]
    tree = _tree(list(values))
    if any(path in s.uncertainties for path in values):
        at.append({p: d for p, d in s.uncertainties.items() if p not in values})
        tree["uncertainties"] = _Leaf(len(at) - 1)
    return _replaced(s, tree, at)


def draw_uncertain(s: Scenario, rng: np.random.Generator) -> tuple[Scenario, list[float]]:
    """The scenario of one replication: each uncertain path at one value drawn from its
    distribution (in the order of ``s.uncertainties``), and the values drawn."""
    paths = _uncertain_paths(s)
    drawn = [_value(dist, rng) for dist in paths.dists]
    at: list[Any] = [constant(v, d.kind) for v, d in zip(drawn, paths.dists, strict=True)]
    at.append({})  # every path is drawn: none is left uncertain
    return _replaced(s, paths.tree, at), [float(v) for v in drawn]


@dataclass(frozen=True)
class _Paths:
    """A scenario's uncertain paths, worked out once for all its replications: their
    distributions in draw order, and the tree of blocks to copy (leaf i takes value i, the
    last leaf is the scenario's ``uncertainties``)."""

    dists: tuple[Dist, ...]
    tree: dict[str, Any]


@per_scenario
def _uncertain_paths(s: Scenario) -> _Paths:
    """The ``_Paths`` of ``s``."""
    tree = _tree(list(s.uncertainties))
    tree["uncertainties"] = _Leaf(len(s.uncertainties))
    return _Paths(tuple(s.uncertainties.values()), tree)


def _tree(paths: list[str]) -> dict[str, Any]:
    """The dotted paths as nested dicts of keys, with path i's leaf holding i."""
    tree: dict[str, Any] = {}
    for i, path in enumerate(paths):
        *keys, last = path.split(".")
        node = tree
        for key in keys:
            node = node.setdefault(key, {})
        node[last] = _Leaf(i)
    return tree


class _Leaf:
    """Where a path ends: the index of its value (told apart from a subtree of further keys)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _replaced(node: Any, tree: dict[str, Any], values: Sequence[Any]) -> Any:
    """A copy of ``node`` with ``values[leaf.index]`` at each leaf of ``tree``, sharing the
    rest."""
    model = isinstance(node, BaseModel)
    update = {}
    for key, sub in tree.items():
        if isinstance(sub, _Leaf):
            update[key] = values[sub.index]
        else:
            update[key] = _replaced(getattr(node, key) if model else node[key], sub, values)
    return _model_with(node, update) if model else {**node, **update}


def _model_with(model: BaseModel, update: dict[str, Any]) -> BaseModel:
    """``model.model_copy(update=update)``: the same type, fields and fields set, made as
    pydantic's ``__copy__`` makes it but without its generic steps (half the cost; this runs
    about ten times per replication of a scenario with uncertainties). Scenario blocks have
    no extra fields (``extra="forbid"``) and no private attributes."""
    copy = object.__new__(type(model))
    _set(copy, "__dict__", {**model.__dict__, **update})
    _set(copy, "__pydantic_fields_set__", model.__pydantic_fields_set__ | update.keys())
    _set(copy, "__pydantic_extra__", None)
    _set(copy, "__pydantic_private__", None)
    return copy


_set = object.__setattr__  # pydantic models are frozen: their slots are set beneath that


def _value(dist: Dist, rng: np.random.Generator) -> float | int:
    value = dist.draw(rng)
    return int(value) if dist.kind == "count" else float(value)
