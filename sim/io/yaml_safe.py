"""YAML reading that is safe against hostile or mistaken files.

PyYAML's safe loader builds only plain data, but it still expands aliases (so a few lines
can stand for billions of nodes) and silently keeps the last of two equal keys. Both are
checked on the composed node graph before anything is constructed. YAML 1.1 reads ``1e6``
(an exponent without a dot) as a string; this loader reads it as the number a user means.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_NODES = 200_000


class _Loader(yaml.SafeLoader):
    """The safe loader, also reading ``1e6`` and ``2.5E-3``-style numbers as floats."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class YamlProblem(ValueError):
    """A YAML document that cannot be accepted; ``path`` locates it when known."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


def _check(node: yaml.Node, path: str, sizes: dict[int, int]) -> int:
    """Expanded size of ``node``, rejecting duplicate keys and alias bombs on the way."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    sizes[key] = 0  # a recursive alias counts as nothing more the second time
    size = 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else "?"
            if isinstance(k, yaml.ScalarNode):
                if name in seen:
                    raise YamlProblem(f"{path}{name}", f"key {name!r} appears twice in one mapping")
                seen.add(name)
            size += _check(k, path, sizes) + _check(v, f"{path}{name}.", sizes)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            size += _check(v, f"{path}{i}.", sizes)
    if size > MAX_NODES:
        raise YamlProblem(
            path.rstrip("."), f"document expands to more than {MAX_NODES:,} nodes (an alias bomb?)"
        )
    sizes[key] = size
    return size


def load_yaml(text: str) -> Any:
    """Parse one YAML document into plain Python data, safely."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        if node is None:
            return None
        _check(node, "", {})
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise YamlProblem("", f"YAML syntax error at {where}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem("", f"YAML error: {exc}") from None
    except RecursionError:
        raise YamlProblem("", "document is nested too deeply") from None
