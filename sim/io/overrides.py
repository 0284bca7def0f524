"""Dotted paths into a scenario: ``--set PATH=VALUE`` overrides, sweeps and calibration.

``threats.rocket.count`` names the same parameter everywhere. Setting a path needs every
mapping above the last key to exist; an unknown path is an error naming the keys that exist
there. The last key may be new (``defense.batteries.upper.pk.rocket``), and validation then
decides whether it is allowed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sim.io.errors import InputError
from sim.io.yaml_safe import YamlProblem, load_yaml


def parse_assignment(text: str, option: str = "--set") -> tuple[str, Any]:
    """Split ``PATH=VALUE``; the value is read as YAML (``0.8``, ``{poisson: 12}``)."""
    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise InputError(option, text, "expected PATH=VALUE, e.g. threats.rocket.count=12")
    try:
        parsed = load_yaml(value) if value.strip() else None
    except YamlProblem as exc:
        raise InputError(option, path, f"value {value!r} is not valid YAML: {exc}") from None
    if parsed is None:
        raise InputError(option, path, "expected a value after '='")
    return path, parsed


def get_path(
    raw: dict[str, Any], path: str, source: str, optional: Callable[[list[str]], bool] | None = None
) -> Any:
    """The value at a dotted path; unknown paths are errors naming the keys that exist there.

    ``optional(keys)`` says whether a missing block at ``keys`` is an optional section of the
    format with defaults (``base.warning``); such a block is created empty, so that its
    values can be set without writing the block out in the file.
    """
    node: Any = raw
    done: list[str] = []
    for key in path.split("."):
        if isinstance(node, dict) and key not in node and optional and optional([*done, key]):
            node[key] = {}
        if not isinstance(node, dict) or key not in node:
            where = ".".join(done) or "the top level"
            if isinstance(node, dict):
                keys = ", ".join(map(str, node)) or "none"
            else:
                keys = "none (not a mapping)"
            raise InputError(
                source, path, f"unknown path: no key {key!r} at {where} (keys there: {keys})"
            )
        node = node[key]
        done.append(key)
    return node


def set_path(
    raw: dict[str, Any],
    path: str,
    value: Any,
    source: str,
    optional: Callable[[list[str]], bool] | None = None,
) -> None:
    """Set the value at a dotted path in place (the last key may be new)."""
    parent_path, _, last = path.rpartition(".")
    parent = get_path(raw, parent_path, source, optional) if parent_path else raw
    if not isinstance(parent, dict) or not last:
        raise InputError(
            source, path, f"unknown path: {parent_path or 'top level'} is not a mapping"
        )
    parent[last] = value


def with_overrides(
    raw: dict[str, Any],
    assignments: Mapping[str, Any] | Iterable[tuple[str, Any]],
    source: str,
    optional: Callable[[list[str]], bool] | None = None,
) -> dict:
    """A deep copy of ``raw`` with each ``path: value`` applied, in order (a later
    assignment of a path, or of a block above it, wins)."""
    out = copy.deepcopy(raw)
    pairs = assignments.items() if isinstance(assignments, Mapping) else assignments
    for path, value in pairs:
        set_path(out, path, value, source, optional)
    return out
