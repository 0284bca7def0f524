"""Loading a scenario file: YAML -> overrides -> validated ``Scenario``.

Every failure becomes an ``InputError`` naming the file, the dotted path and what was
expected, so the command line can print one line and exit with status 2.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.io.errors import InputError
from sim.io.yaml_safe import YamlProblem, load_yaml
from sim.model.scenario import Scenario, cross_reference_errors

MAX_FILE_BYTES = 5_000_000


def read_raw(path: str | Path) -> dict[str, Any]:
    """The scenario file as plain data (a mapping), read safely."""
    source = str(path)
    p = Path(path)
    if not p.is_file():
        what = "is a directory" if p.is_dir() else "does not exist"
        raise InputError(source, "", f"scenario file {what}; expected a YAML file")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise InputError(source, "", f"file is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
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


def validate(raw: dict[str, Any], source: str) -> Scenario:
    """Validate plain scenario data; raise ``InputError`` for the first problem found."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        # a misspelt key is reported as itself, not as the required key it should have been
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        path, msg = _describe(errors[0])
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise InputError(source, path, msg + more) from None
    refs = cross_reference_errors(scenario)
    if refs:
        path, msg = refs[0]
        raise InputError(source, path, msg)
    return scenario
