"""Dotted paths into a scenario: ``--set PATH=VALUE`` overrides, sweeps and calibration.

``threats.rocket.count`` names the same parameter everywhere. Setting a path needs every
mapping above the last key to exist; an unknown path is an error naming the keys that exist
there. The last key may be new (``defense.batteries.upper.pk.rocket``), and validation then
decides whether it is allowed.

Two mappings of the format have dotted paths as their keys: ``uncertainties`` and
``calibration.unknowns``. In a path that goes into one of them, everything after the
mapping's own name is one key: ``uncertainties.threats.rocket.effects.scale`` sets the entry
``threats.rocket.effects.scale`` of ``uncertainties`` (created when the file has none).
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


PATH_KEYED: tuple[tuple[str, ...], ...] = (("uncertainties",), ("calibration", "unknowns"))


def split_path(path: str) -> list[str]:
    """The keys of a dotted path; the rest of a path inside a ``PATH_KEYED`` mapping is one
    key (``uncertainties.a.b`` -> ``['uncertainties', 'a.b']``)."""
    keys = path.split(".")
    for prefix in PATH_KEYED:
        n = len(prefix)
        if tuple(keys[:n]) == prefix and len(keys) > n + 1:
            return [*prefix, ".".join(keys[n:])]
    return keys


def get_path(
    raw: dict[str, Any], path: str, source: str, optional: Callable[[list[str]], bool] | None = None
) -> Any:
    """The value at a dotted path; unknown paths are errors naming the keys that exist there.

    ``optional(keys)`` says whether a missing block at ``keys`` is an optional section of the
    format with defaults (``base.warning``); such a block is created empty, so that its
    values can be set without writing the block out in the file.
    """
    return _get_keys(raw, split_path(path), path, source, optional)


def _get_keys(
    raw: dict[str, Any],
    keys: list[str],
    path: str,
    source: str,
    optional: Callable[[list[str]], bool] | None,
) -> Any:
    node: Any = raw
    done: list[str] = []
    for key in keys:
        missing = isinstance(node, dict) and key not in node
        if missing and ((optional and optional([*done, key])) or (*done, key) in PATH_KEYED):
            node[key] = {}
        if not isinstance(node, dict) or key not in node:
            where = ".".join(done) or "the top level"
            if isinstance(node, dict):
                there = ", ".join(map(str, node)) or "none"
            else:
                there = "none (not a mapping)"
            raise InputError(
                source, path, f"unknown path: no key {key!r} at {where} (keys there: {there})"
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
    keys = split_path(path)
    parent_keys, last = keys[:-1], keys[-1]
    parent_path = ".".join(parent_keys)
    parent = _get_keys(raw, parent_keys, path, source, optional) if parent_keys else raw
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
