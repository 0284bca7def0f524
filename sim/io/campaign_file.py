"""Loading a campaign file: YAML -> overrides -> checks -> ``Campaign``.

Everything is checked before any work, in one place: the keys and their values, that each
attack's scenario exists and is valid (scenario paths are relative to the campaign file),
and that every battery named in ``stock`` or ``costs`` and every threat type named in
``costs`` belongs to some scenario of the campaign. A failure is an ``InputError`` naming the
file and the dotted path in it, like a scenario's.

Overrides (``--set``, and the points of a campaign sweep) are dotted paths: into the campaign
file (``campaign.stock.upper.initial``), or, through ``campaign.attacks.K.scenario.``, into
the scenario of attack kind K (``campaign.attacks.0.scenario.threats.rocket.count``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.io.errors import InputError
from sim.io.load import LoadedScenario, load
from sim.io.scenario_file import read_raw
from sim.model.campaign import AttackKind, Campaign, Costs, Resupply, Stock
from sim.model.scenario import LIMITS

TOP_KEYS = ("name", "description", "runs", "seed", "campaign")
CAMPAIGN_KEYS = ("days", "start", "attacks", "stock", "costs")
ATTACK_KEYS = ("scenario", "name", "per_day", "on_days")
MAX_DAYS = 100_000.0
MAX_RATE = 1_000.0
SCENARIO_PATH = "scenario."


@dataclass(frozen=True)
class LoadedCampaign:
    """A campaign as loaded: the model, its effective data and that of its scenarios."""

    model: Campaign
    raw: dict[str, Any]
    source: str
    scenarios: tuple[LoadedScenario, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of the campaign's data and its scenarios' effective data."""
        doc = {"campaign": self.raw, "scenarios": [s.raw for s in self.scenarios]}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _fail(source: str, path: str, message: str) -> InputError:
    return InputError(source, path, message)


def _mapping(value: Any, source: str, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(source, path, f"expected a mapping with keys {', '.join(keys)}")
    for key in value:
        if key not in keys:
            raise _fail(
                source,
                f"{path}.{key}" if path else str(key),
                f"unknown key (allowed: {', '.join(keys)})",
            )
    return value


def _number(
    value: Any, source: str, path: str, low: float, high: float, whole: bool = False
) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and whole and not float(value).is_integer():
        ok = False
    if not ok or not math.isfinite(value) or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise _fail(source, path, f"expected {kind} from {low:g} to {high:g}, got {value!r}")
    return float(value)


def split_overrides(
    assignments: dict[str, Any],
) -> tuple[dict[str, Any], dict[int, list[str]]]:
    """Campaign paths, and ``--set`` strings per attack kind for paths into its scenario."""
    own: dict[str, Any] = {}
    into: dict[int, list[str]] = {}
    for path, value in assignments.items():
        keys = path.split(".")
        into_scenario = len(keys) > 4 and keys[:2] == ["campaign", "attacks"]
        if into_scenario and keys[3] == "scenario" and keys[2].isdigit():
            rest = ".".join(keys[4:])
            into.setdefault(int(keys[2]), []).append(f"{rest}={json.dumps(value)}")
            continue
        own[path] = value
    return own, into


def _set(raw: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set a dotted path in place; a number indexes a list (``campaign.attacks.0.per_day``)."""
    keys = path.split(".")
    node: Any = raw
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            index: Any = int(key)
        elif isinstance(node, dict) and (key in node or last):
            index = key
        else:
            where = ".".join(keys[:depth]) or "the top level"
            raise _fail(source, path, f"unknown path: nothing at {key!r} in {where}")
        if last:
            node[index] = value
        else:
            node = node[index]


def load_campaign(path: str | Path, overrides: dict[str, Any] | None = None) -> LoadedCampaign:
    """Read, override and check a campaign file and the scenarios it names."""
    source = str(path)
    raw = read_raw(path)
    own, into = split_overrides(overrides or {})
    if own:
        raw = copy.deepcopy(raw)
        for p, value in own.items():
            _set(raw, p, value, source)
    return _check(raw, source, Path(path).parent, into)


def _check(
    raw: dict[str, Any], source: str, here: Path, into: dict[int, list[str]]
) -> LoadedCampaign:
    top = _mapping(raw, source, "", TOP_KEYS)
    if "campaign" not in top:
        raise _fail(
            source, "campaign", "missing; expected the campaign block (days, attacks, stock)"
        )
    name = top.get("name", Path(source).stem)
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, "name", "expected a non-empty text")
    runs = int(_number(top.get("runs", 1000), source, "runs", 1, LIMITS["runs"], whole=True))
    seed = int(_number(top.get("seed", 1), source, "seed", 0, 2**53, whole=True))
    c = _mapping(top["campaign"], source, "campaign", CAMPAIGN_KEYS)
    for key in ("days", "attacks"):
        if key not in c:
            raise _fail(source, f"campaign.{key}", "missing")
    days = _number(c["days"], source, "campaign.days", 1e-9, MAX_DAYS)
    start = c.get("start")
    attacks_raw = c["attacks"]
    if not isinstance(attacks_raw, list) or not attacks_raw:
        raise _fail(source, "campaign.attacks", "expected a list of at least one attack kind")
    loaded: list[LoadedScenario] = []
    kinds: list[AttackKind] = []
    for k, entry in enumerate(attacks_raw):
        where = f"campaign.attacks.{k}"
        a = _mapping(entry, source, where, ATTACK_KEYS)
        kind, scenario = _attack(a, source, where, here, days, into.get(k, []))
        if kind.name in [x.name for x in kinds]:
            raise _fail(source, f"{where}.name", f"attack kind {kind.name!r} is named twice")
        kinds.append(kind)
        loaded.append(scenario)
    for k in into:
        if k >= len(kinds):
            raise _fail(
                source, f"campaign.attacks.{k}", f"no such attack kind ({len(kinds)} given)"
            )
    batteries = {b for kd in kinds for b in kd.scenario.battery_names}
    types = {t for kd in kinds for t in kd.scenario.threat_types}
    stock = _stock(c.get("stock", {}), source, batteries)
    costs = _costs(c.get("costs"), source, batteries, types)
    campaign = Campaign(
        name=name.strip(),
        runs=runs,
        seed=seed,
        days=days,
        attacks=tuple(kinds),
        stock=stock,
        costs=costs,
        start=None if start is None else str(start),
    )
    return LoadedCampaign(campaign, raw, source, tuple(loaded))


def _attack(
    a: dict[str, Any], source: str, where: str, here: Path, days: float, sets: list[str]
) -> tuple[AttackKind, LoadedScenario]:
    if "scenario" not in a or not isinstance(a["scenario"], str) or not a["scenario"].strip():
        raise _fail(source, f"{where}.scenario", "missing; expected a scenario file name")
    path = here / a["scenario"]
    if not path.is_file():
        raise _fail(
            source,
            f"{where}.scenario",
            f"scenario file {path} does not exist (paths are relative to the campaign file)",
        )
    scenario = load(path, sets)
    if ("per_day" in a) == ("on_days" in a):
        raise _fail(source, where, "expected exactly one of per_day (a rate) or on_days (a list)")
    per_day = 0.0
    on_days: tuple[float, ...] = ()
    if "per_day" in a:
        per_day = _number(a["per_day"], source, f"{where}.per_day", 0, MAX_RATE)
    else:
        if not isinstance(a["on_days"], list):
            raise _fail(source, f"{where}.on_days", "expected a list of days from the start")
        on_days = tuple(
            _number(d, source, f"{where}.on_days.{i}", 0, days) for i, d in enumerate(a["on_days"])
        )
        if any(d >= days for d in on_days):
            raise _fail(source, f"{where}.on_days", f"a day is not before the end ({days:g})")
    name = a.get("name", Path(a["scenario"]).stem)
    if not isinstance(name, str) or not name.strip() or "." in name:
        raise _fail(source, f"{where}.name", "expected a non-empty name without dots")
    return AttackKind(name.strip(), scenario.model, per_day, on_days), scenario


def _stock(raw: Any, source: str, batteries: set[str]) -> dict[str, Stock]:
    if not isinstance(raw, dict):
        raise _fail(source, "campaign.stock", "expected a mapping: battery name -> its stock")
    out = {}
    for name, entry in raw.items():
        where = f"campaign.stock.{name}"
        if name not in batteries:
            raise _fail(
                source,
                where,
                f"unknown battery: no scenario of the campaign has it (batteries: "
                f"{', '.join(sorted(batteries)) or 'none'})",
            )
        e = _mapping(entry, source, where, ("initial", "resupply"))
        if "initial" not in e:
            raise _fail(
                source, f"{where}.initial", "missing; expected the interceptors at the start"
            )
        top = LIMITS["interceptors"] * 1000
        initial = int(_number(e["initial"], source, f"{where}.initial", 0, top, whole=True))
        resupply = None
        if e.get("resupply") is not None:
            r = _mapping(e["resupply"], source, f"{where}.resupply", ("interceptors", "every_days"))
            for key in ("interceptors", "every_days"):
                if key not in r:
                    raise _fail(source, f"{where}.resupply.{key}", "missing")
            q = int(
                _number(r["interceptors"], source, f"{where}.resupply.interceptors", 0, top, True)
            )
            every = _number(r["every_days"], source, f"{where}.resupply.every_days", 0.01, MAX_DAYS)
            resupply = Resupply(q, every)
        out[str(name)] = Stock(initial, resupply)
    return out


def _costs(raw: Any, source: str, batteries: set[str], types: set[str]) -> Costs | None:
    if raw is None:
        return None
    c = _mapping(raw, source, "campaign.costs", ("interceptor", "threat"))
    tables: dict[str, dict[str, float]] = {}
    for key, known, what in (
        ("interceptor", batteries, "battery"),
        ("threat", types, "threat type"),
    ):
        table = c.get(key, {})
        if not isinstance(table, dict):
            raise _fail(source, f"campaign.costs.{key}", f"expected a mapping: {what} -> unit cost")
        for name, value in table.items():
            where = f"campaign.costs.{key}.{name}"
            if name not in known:
                raise _fail(source, where, f"unknown {what}: no scenario of the campaign has it")
            _number(value, source, where, 0, 1e15)
        tables[key] = {str(n): float(v) for n, v in table.items()}
    return Costs(tables["interceptor"], tables["threat"])
