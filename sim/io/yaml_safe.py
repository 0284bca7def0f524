"""YAML reading that is safe against hostile or mistaken files, and quick to refuse them.

PyYAML's safe loader builds only plain data (no Python tags), but on its own it expands
aliases (a few lines can stand for billions of nodes), keeps the last of two equal keys,
and reads some YAML 1.1 forms in ways nobody means. This loader:

- parses with libyaml (PyYAML's C parser) where it is installed, and composes the nodes
  itself, counting them as they come: a document of more than ``MAX_NODES`` nodes, or one
  whose aliases expand to more, is refused at that node, without reading further,
  and the message says which it was; so is nesting deeper than ``MAX_DEPTH``;
- refuses a key that appears twice in one mapping, naming its dotted path;
- takes a mapping key as its text: ``NO:`` names a threat type "NO", not the boolean
  false, and ``1:30:`` is a name, not 90;
- refuses as values the YAML 1.1 integer forms that surprise (``1:30`` is 90 in base 60,
  ``010`` is 8 in octal, ``0x10`` is 16, ``0b10`` is 2), suggesting the decimal value, and
  whole numbers of more than ``MAX_DIGITS`` digits (no value of a scenario comes near);
- reads ``1e6`` and ``2.5E-3`` (an exponent without a dot, a string in YAML 1.1) as the
  numbers a user means.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, cast

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_NODES = 200_000
MAX_DEPTH = 50
MAX_DIGITS = 30


class YamlProblem(ValueError):
    """A YAML document that cannot be accepted; ``path`` locates it when known."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"


class _Resolver(Resolver):
    """YAML 1.1's implicit types, and ``1e6``-style numbers as floats."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class _CountingComposer(Composer):
    """PyYAML's composer, counting nodes (aliases by what they expand to) and depth as it
    goes, so an oversized document is refused at the node that crosses the limit."""

    def __init__(self) -> None:
        super().__init__()
        self._nodes = 0  # nodes written in the document
        self._expanded = 0  # nodes with every alias expanded
        self._depth = 0
        self._sizes: dict[int, int] = {}  # expanded size of each anchored node

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Event = cast(Any, self).peek_event()  # the parser's, mixed in beside
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            self._expanded += self._sizes.get(id(node), 1)  # 1: an alias of an ancestor
            self._check(event)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlProblem(
                "", f"{_where(event.start_mark)}: nested more than {MAX_DEPTH} levels deep"
            )
        start = self._expanded
        self._nodes += 1
        self._expanded += 1
        self._check(event)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if getattr(event, "anchor", None) is not None:
            self._sizes[id(node)] = self._expanded - start
        return node

    def _check(self, event: Event) -> None:
        if self._nodes > MAX_NODES:
            raise YamlProblem(
                "",
                f"{_where(event.start_mark)}: the document has more than {MAX_NODES:,} "
                "values; a scenario is far smaller (is this the right file?)",
            )
        if self._expanded > MAX_NODES:
            raise YamlProblem(
                "",
                f"{_where(event.start_mark)}: aliases (*name) expand the document to more "
                f"than {MAX_NODES:,} values (an alias bomb?)",
            )


_SURPRISES = (
    (re.compile(r"^0b[01]+$"), 2, "binary"),
    (re.compile(r"^0x[0-9a-fA-F]+$"), 16, "hexadecimal"),
    (re.compile(r"^0[0-7]+$"), 8, "octal"),
)


class _Constructor(SafeConstructor):
    """The safe constructor, with keys taken as text and surprising numbers refused."""

    paths: dict[int, str]  # the dotted path of each node, for messages

    def _fail(self, node: Node, message: str) -> YamlProblem:
        return YamlProblem(self.paths.get(id(node), ""), f"{_where(node.start_mark)}: {message}")

    def construct_mapping(self, node: Node, deep: bool = False) -> dict:
        """A mapping whose keys are their text (``NO``, ``010``, ``1:30`` are names)."""
        if not isinstance(node, MappingNode):
            raise self._fail(node, "expected a mapping")
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self._fail(key_node, "a key must be a name, not a list or a mapping")
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_int(self, node: ScalarNode) -> int:
        """A decimal whole number; YAML 1.1's other forms are refused with the decimal value."""
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        body = text.lstrip("+-")
        if len(body) > MAX_DIGITS:
            raise self._fail(
                node,
                f"a whole number of {len(body):,} digits is far larger than any value a "
                f"scenario takes (at most {MAX_DIGITS} digits)",
            )
        if ":" in body:
            value = sign * sum(int(p) * 60**i for i, p in enumerate(reversed(body.split(":"))))
            raise self._fail(
                node,
                f"{node.value} is read by YAML 1.1 as a base-60 number ({value}); write {value} "
                f"for that number, or quote it ('{node.value}') for text",
            )
        for pattern, base, name in _SURPRISES:
            if pattern.match(body):
                value = sign * int(body[2:] if base != 8 else body, base)
                raise self._fail(
                    node,
                    f"{node.value} is read by YAML 1.1 as {name} {value}; write {value} for "
                    f"that number, or quote it ('{node.value}') for text",
                )
        return sign * int(body)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        """A decimal number; a base-60 one (``1:30.5``) is refused."""
        if ":" in str(node.value):
            raise self._fail(
                node,
                f"{node.value} is read by YAML 1.1 as a base-60 number; write it in decimal, "
                f"or quote it ('{node.value}') for text",
            )
        return float(super().construct_yaml_float(node))


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)  # type: ignore[type-var]


class _PyLoader(Reader, Scanner, Parser, _CountingComposer, _Constructor, _Resolver):
    """The pure-Python parser (where libyaml is not installed)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _CountingComposer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


_Loader: type = _PyLoader
if getattr(yaml, "__with_libyaml__", False):
    CParser: Any = importlib.import_module("yaml._yaml").CParser

    class _CLoader(_CountingComposer, CParser, _Constructor, _Resolver):
        """libyaml's parser, with this module's composer and constructor."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _CountingComposer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

    _Loader = _CLoader


def _paths(node: Node, path: str, paths: dict[int, str]) -> None:
    """Record each node's dotted path; refuse duplicate keys on the way."""
    if id(node) in paths:
        return  # an alias: seen already
    paths[id(node)] = path.rstrip(".")
    if isinstance(node, MappingNode):
        seen = set()
        for k, v in node.value:
            name = k.value if isinstance(k, ScalarNode) else "?"
            if isinstance(k, ScalarNode):
                if name in seen:
                    raise YamlProblem(f"{path}{name}", f"key {name!r} appears twice in one mapping")
                seen.add(name)
            _paths(k, f"{path}{name}.", paths)
            _paths(v, f"{path}{name}.", paths)
    elif isinstance(node, SequenceNode):
        for i, v in enumerate(node.value):
            _paths(v, f"{path}{i}.", paths)


def load_yaml(text: str) -> Any:
    """Parse one YAML document into plain Python data, safely."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        loader.paths = {}
        _paths(node, "", loader.paths)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if isinstance(exc, yaml.constructor.ConstructorError):
            raise YamlProblem("", f"YAML error at {_where(mark)}: {exc.problem or exc}") from None
        raise YamlProblem(
            "", f"YAML syntax error at {_where(mark)}: {exc.problem or exc}"
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("", f"YAML error: {exc}") from None
    except RecursionError:
        raise YamlProblem("", "document is nested too deeply") from None
    finally:
        loader.dispose()
