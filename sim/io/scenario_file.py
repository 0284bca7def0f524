"""Loading a scenario file: YAML -> overrides -> validated ``Scenario``.

Every failure becomes an ``InputError`` naming the file, the dotted path and what was
expected, so the command line can print one line and exit with status 2.
"""

from __future__ import annotations

import math
import stat
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.io.errors import InputError
from sim.io.yaml_safe import YamlProblem, load_yaml
from sim.model.scenario import Scenario, cross_reference_errors, work_errors

MAX_FILE_BYTES = 5_000_000


def read_raw(path: str | Path) -> dict[str, Any]:
    """The scenario file as plain data (a mapping), read safely."""
    source = str(path)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(source, "", "scenario file does not exist; expected a YAML file") from None
    except OSError as exc:
        raise InputError(source, "", f"cannot reach the file: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(source, "", "is a directory; expected a YAML file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            source, "", f"is {_file_kind(st.st_mode)}, not a regular file; expected a YAML file"
        )
    if st.st_size > MAX_FILE_BYTES:
        raise InputError(source, "", f"file is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # the size may have changed since the stat
    except OSError as exc:
        raise InputError(source, "", f"cannot read the file: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(source, "", f"file is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, "", f"cannot read the file as UTF-8 text: {exc}") from None
    try:
        raw = load_yaml(text)
    except YamlProblem as exc:
        raise InputError(source, exc.path, str(exc)) from None
    if not isinstance(raw, dict):
        raise InputError(
            source,
            "",
            "expected a mapping of scenario keys (name, threats, "
            f"defense, base, ...), got {type(raw).__name__}",
        )
    return raw


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a special file"


def _allowed_keys(loc: tuple) -> list[str] | None:
    """Field names of the model found at ``loc`` (for 'unknown key' messages)."""
    cls: Any = Scenario
    for part in loc:
        origin = typing.get_origin(cls)
        if origin is typing.Annotated:
            cls = typing.get_args(cls)[0]
            origin = typing.get_origin(cls)
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            cls = next(a for a in typing.get_args(cls) if a is not type(None))
            origin = typing.get_origin(cls)
        if origin is dict:
            cls = typing.get_args(cls)[1]
        elif isinstance(cls, type) and issubclass(cls, BaseModel) and part in cls.model_fields:
            cls = cls.model_fields[part].annotation
        else:
            return None
    if typing.get_origin(cls) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        cls = next(a for a in typing.get_args(cls) if a is not type(None))
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return None


def optional_block(keys: list[str]) -> bool:
    """Whether ``keys`` names an optional block of the format, one with defaults for all
    (``base.warning``, ``threats.T.effects``); the blocks above it exist already."""
    cls: Any = Scenario
    for i, part in enumerate(keys):
        cls = _unwrap(cls)
        if typing.get_origin(cls) is dict:  # a named entry (a threat type, a battery)
            if i == len(keys) - 1:  # a new one is not a block with defaults
                return False
            cls = typing.get_args(cls)[1]
            continue
        is_model = isinstance(cls, type) and issubclass(cls, BaseModel)
        field = cls.model_fields.get(part) if is_model else None
        if field is None or (i == len(keys) - 1 and field.is_required()):
            return False
        cls = field.annotation
    cls = _unwrap(cls)
    return isinstance(cls, type) and issubclass(cls, BaseModel)


def _unwrap(cls: Any) -> Any:
    """The type inside ``Annotated[...]`` and ``X | None``."""
    if typing.get_origin(cls) is typing.Annotated:
        cls = typing.get_args(cls)[0]
    if typing.get_origin(cls) in (typing.Union, types.UnionType):
        cls = next(a for a in typing.get_args(cls) if a is not type(None))
    return cls


def _describe(err: Any) -> tuple[str, str]:
    """The dotted path and the message of one pydantic error (an ``ErrorDetails``)."""
    loc = tuple(str(p) for p in err["loc"])
    path = ".".join(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return path, f"unknown key {loc[-1]!r}{hint}"
    if kind == "missing":
        return path, "required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    if "input" in err and kind not in ("value_error",) and not isinstance(err["input"], dict):
        shown = repr(err["input"])
        msg = f"{msg}, got {shown[:80]}"
    return path, msg


HUGE = 10**30  # no value of a scenario comes near; larger whole numbers do not fit a float


def _huge_number(raw: Any) -> tuple[str, int] | None:
    """The dotted path and bit length of the first whole number of ``HUGE`` or more."""
    stack: list[tuple[str, Any]] = [("", raw)]
    seen: set[int] = set()
    while stack:
        path, node = stack.pop()
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) >= HUGE:
            return path, node.bit_length()
        if isinstance(node, dict | list | tuple) and id(node) not in seen:
            seen.add(id(node))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack += [(f"{path}.{k}" if path else str(k), v) for k, v in reversed(list(items))]
    return None


def validate(raw: dict[str, Any], source: str) -> Scenario:
    """Validate plain scenario data; raise ``InputError`` for the first problem found."""
    huge = _huge_number(raw)
    if huge is not None:
        path, bits = huge
        raise InputError(
            source,
            path,
            f"a whole number of about {int(bits * math.log10(2)) + 1:,} digits is far larger "
            "than any value a scenario takes",
        )
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        # a misspelt key is reported as itself, not as the required key it should have been
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        path, msg = _describe(errors[0])
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise InputError(source, path, msg + more) from None
    refs = cross_reference_errors(scenario) or work_errors(scenario)
    if refs:
        path, msg = refs[0]
        raise InputError(source, path, msg)
    return scenario
