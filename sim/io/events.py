"""Public events: what happened in a real attack, and the scenario that models it.

An event file (``events/*.yaml``) names its scenario (relative to the event file), lists its
sources, and gives what was observed as ``metric: value`` or ``metric: [low, high]`` where
sources disagree; metrics nobody reported are left out. Everything is checked here, before
any work: the keys, the scenario (loaded and validated as ``adsim run`` would), each metric
against the scenario's metrics, each value a finite number and each range in order. Errors
name the event file and the key (``observed.wounded``).
"""

from __future__ import annotations

import datetime
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.io.errors import InputError
from sim.io.load import LoadedScenario, load
from sim.io.scenario_file import read_raw
from sim.outcomes import RATIO_NAMES, metric_names

KEYS = {"name", "date", "scenario", "sources", "observed", "note"}
REQUIRED = ("name", "scenario", "observed")


@dataclass(frozen=True)
class Observation:
    """One observed metric: a value (low == high) or the range the sources span."""

    metric: str
    low: float
    high: float

    @property
    def shown(self) -> str:
        """``3`` or ``[12, 14]``, as an event file writes it."""
        return f"{self.low:g}" if self.low == self.high else f"[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Event:
    """An event file, checked: its scenario loaded, its observations typed."""

    name: str
    date: str
    path: Path
    loaded: LoadedScenario
    observed: tuple[Observation, ...]
    sources: tuple[str, ...]
    note: str

    @property
    def key(self) -> int:
        """A stable number for the event's random streams (from its name, so an event's
        numbers do not depend on which other events are studied with it)."""
        return zlib.crc32(self.name.encode())

    @property
    def scenario_path(self) -> str:
        """The scenario file, as loaded."""
        return self.loaded.source


def _number(raw: Any, source: str, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InputError(source, where, f"expected a finite number or [low, high], got {raw!r}")
    if raw < 0:
        raise InputError(source, where, f"expected a number >= 0 (metrics count), got {raw!r}")
    return float(raw)


def _observation(metric: str, raw: Any, metrics: list[str], source: str) -> Observation:
    where = f"observed.{metric}"
    if metric not in metrics:
        raise InputError(
            source, where, f"unknown metric {metric!r}; expected one of: {', '.join(metrics)}"
        )
    if isinstance(raw, list | tuple):
        if len(raw) != 2:
            raise InputError(source, where, f"expected [low, high], got {raw!r}")
        low, high = (_number(x, source, where) for x in raw)
        if low > high:
            raise InputError(source, where, f"range is reversed ({low:g} > {high:g})")
        return Observation(metric, low, high)
    value = _number(raw, source, where)
    return Observation(metric, value, value)


def _text(raw: dict, key: str, source: str) -> str:
    value = raw.get(key, "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if not isinstance(value, str | int):
        raise InputError(source, key, f"expected text, got {value!r}")
    return str(value).strip()


def load_event(path: str | Path) -> Event:
    """Read and check one event file (``InputError`` naming the file and key)."""
    path = Path(path)
    source = str(path)
    raw = read_raw(path)
    for key in raw:
        if key not in KEYS:
            raise InputError(source, str(key), f"unknown key; expected one of: {sorted(KEYS)}")
    for key in REQUIRED:
        if key not in raw or raw[key] in (None, "", {}):
            raise InputError(source, key, "is missing; every event needs name, scenario, observed")
    sources = raw.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise InputError(source, "sources", "expected a list of texts (outlet, date, phrase)")
    scenario = path.parent / _text(raw, "scenario", source)
    if not scenario.is_file():
        raise InputError(source, "scenario", f"{scenario} does not exist; expected a scenario file")
    loaded = load(scenario)
    observed = raw["observed"]
    if not isinstance(observed, dict):
        raise InputError(source, "observed", "expected a mapping of metric to value or range")
    metrics = [*metric_names(loaded.model), *RATIO_NAMES]
    obs = tuple(_observation(str(m), v, metrics, source) for m, v in observed.items())
    return Event(
        _text(raw, "name", source),
        _text(raw, "date", source),
        path,
        loaded,
        obs,
        tuple(sources),
        _text(raw, "note", source),
    )


def event_files(paths: list[Path] | tuple[Path, ...], option: str = "EVENT") -> list[Path]:
    """Event files from files and folders (a folder's ``*.yaml``, sorted)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
            if not found:
                raise InputError(str(p), "", "folder holds no event files (*.yaml)")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise InputError(str(p), "", "does not exist; expected an event file or a folder")
    if not files:
        raise InputError(option, "", "expected at least one event file or folder")
    return files


def load_events(paths: list[Path] | tuple[Path, ...]) -> list[Event]:
    """Every event of ``paths`` (files or folders), checked; names must differ."""
    events: list[Event] = []
    seen: dict[str, Path] = {}
    for f in event_files(paths):
        ev = load_event(f)
        if ev.name in seen:
            raise InputError(str(f), "name", f"{ev.name!r} is also the name of {seen[ev.name]}")
        seen[ev.name] = f
        events.append(ev)
    return events
