"""Declared outcomes: every metric of a replication, declared once.

Why one place: a metric used to be spelled out in the engine's row builder, in the list of
column names (kept in step with it by hand), in the ratio computation of Monte Carlo, in the
Parquet writer and in the figures' labels. Here each metric is one ``Metric``: its name, its
scopes (in total, per threat type, per battery), whether it is a count or a ratio, how it is
computed from what a replication leaves behind (``Facts``), and its label, unit and
description. Everything else is derived: the column names and their order
(``metric_names``), the row of one replication (``metric_row``), the ratios
(``ratio_values``), the Parquet schema (``parquet_schema``), plot labels (``axis_label``)
and a tidy table (``tidy_frame``). A new metric is one more entry in ``METRICS``.

Column order (the order of a row, of replications.parquet and of summary.json): the metrics
in total, in declaration order; then each per-type metric for each threat type (metric
major); then each per-battery metric for each battery. Ratios come after all counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from sim.model.scenario import Scenario

Scope = Literal["base", "type", "battery"]
SCOPES: tuple[Scope, ...] = ("base", "type", "battery")


class Facts(NamedTuple):
    """What one replication leaves behind, per threat and per battery: every metric's input."""

    n_types: int
    type_index: list[int]  # per threat: its type's index
    detected: list[bool]  # per threat: detected before impact
    engaged: list[bool]  # per threat: some battery fired at it
    killed_by: list[int]  # per threat: index of the battery that killed it, or -1
    battery_engaged: list[int]  # per battery: threats it fired at
    battery_interceptors: list[int]  # per battery: interceptors it fired
    casualties: tuple[int, int, int]  # killed, wounded, tbi (leakers' and debris')
    ignored: list[bool] = []  # per threat: engaged by none, predicted outside some zones
    battery_ignored: list[int] = []  # per battery: threats predicted outside its zones
    battery_wasted: list[int] = []  # per battery: interceptors fired at dead threats
    debris: list[bool] = []  # per threat: it dropped debris


@dataclass(frozen=True)
class Metric:
    """One metric: what it is, where it is counted, how it is computed and how it is shown.

    A count is computed per threat (``threats``: one flag per threat, counted in total and
    per threat type), per battery (``batteries``: one value per battery) or as one number
    (``total``); its total is ``total`` if given, else the count of flagged threats, else the
    sum over batteries. A ratio is ``ratio_of = (numerator, denominator)``, two metrics in
    total, undefined (NaN) where the denominator is 0.
    """

    name: str
    scopes: tuple[Scope, ...]
    label: str  # short, for titles and legends
    unit: str  # what it counts, for axes
    description: str  # one line, for documentation
    threats: Callable[[Facts], Iterable[bool]] | None = None
    batteries: Callable[[Facts], list[int]] | None = None
    total: Callable[[Facts], int] | None = None
    ratio_of: tuple[str, str] | None = None
    axis: str = ""  # axis text, when "label (unit)" does not read well

    @property
    def integer(self) -> bool:
        """True for a count, False for a ratio."""
        return self.ratio_of is None

    @property
    def axis_label(self) -> str:
        """The metric and its unit, for an axis or a colourbar."""
        return self.axis or f"{self.label} ({self.unit})"

    def __post_init__(self) -> None:
        if self.ratio_of is not None and self.scopes != ("base",):
            raise ValueError(f"metric {self.name!r}: a ratio is declared in total only")
        computed = {
            "base": (self.total or self.threats or self.batteries or self.ratio_of) is not None,
            "type": self.threats is not None,
            "battery": self.batteries is not None,
        }
        for scope in self.scopes:
            if scope not in SCOPES or not computed[scope]:
                raise ValueError(f"metric {self.name!r}: nothing computes scope {scope!r}")


def _kills(f: Facts) -> list[int]:
    kills = [0] * len(f.battery_interceptors)
    for b in f.killed_by:
        if b >= 0:
            kills[b] += 1
    return kills


THREATS = "threats per attack"
PEOPLE = "people per attack"

METRICS: tuple[Metric, ...] = (
    Metric(
        "fired",
        ("base", "type"),
        "threats fired",
        THREATS,
        "threats launched",
        threats=lambda f: [True] * len(f.type_index),
    ),
    Metric(
        "detected",
        ("base", "type"),
        "threats detected",
        THREATS,
        "threats detected before they land (a later detection does not count)",
        threats=lambda f: f.detected,
    ),
    Metric(
        "engaged",
        ("base", "type", "battery"),
        "threats engaged",
        THREATS,
        "threats at which at least one interceptor was fired (per battery: by that battery)",
        threats=lambda f: f.engaged,
        batteries=lambda f: f.battery_engaged,
    ),
    Metric(
        "intercepted",
        ("base", "type", "battery"),
        "threats intercepted",
        THREATS,
        "threats killed (per battery: by that battery)",
        threats=lambda f: [b >= 0 for b in f.killed_by],
        batteries=_kills,
    ),
    Metric(
        "leaked",
        ("base", "type"),
        "leakers",
        THREATS,
        "threats not killed (= fired - intercepted)",
        threats=lambda f: [b < 0 for b in f.killed_by],
    ),
    Metric(
        "interceptors",
        ("base", "battery"),
        "interceptors fired",
        "interceptors per attack",
        "interceptors fired, all batteries (per battery: by that battery)",
        batteries=lambda f: f.battery_interceptors,
        axis="interceptors fired per attack",
    ),
    Metric(
        "killed",
        ("base",),
        "killed",
        PEOPLE,
        "people whose most severe outcome is death",
        total=lambda f: f.casualties[0],
    ),
    Metric(
        "wounded",
        ("base",),
        "wounded",
        PEOPLE,
        "people whose most severe outcome is a wound",
        total=lambda f: f.casualties[1],
    ),
    Metric(
        "tbi",
        ("base",),
        "TBI / concussion",
        PEOPLE,
        "people whose most severe outcome is a TBI or concussion",
        total=lambda f: f.casualties[2],
    ),
    Metric(
        "casualties",
        ("base",),
        "all casualties",
        PEOPLE,
        "killed + wounded + tbi",
        total=lambda f: sum(f.casualties),
        axis="casualties (people per attack)",
    ),
    Metric(
        "ignored",
        ("base", "type", "battery"),
        "threats ignored",
        THREATS,
        "detected threats that no battery engaged because a battery that defends zones "
        "predicted them outside (per battery: threats it let pass so)",
        threats=lambda f: f.ignored,
        batteries=lambda f: f.battery_ignored,
    ),
    Metric(
        "wasted",
        ("base", "battery"),
        "interceptors wasted",
        "interceptors per attack",
        "interceptors fired at threats already dead (a kill seen as a miss)",
        batteries=lambda f: f.battery_wasted,
        axis="interceptors wasted per attack",
    ),
    Metric(
        "debris",
        ("base", "type"),
        "debris impacts",
        "impacts per attack",
        "harmful debris of intercepted threats landing (its casualties are in the casualty "
        "metrics)",
        threats=lambda f: f.debris,
        axis="debris impacts per attack",
    ),
    Metric(
        "intercepted_fraction",
        ("base",),
        "share intercepted",
        "share of fired threats",
        "intercepted / fired; undefined (NaN, skipped) when nothing was fired",
        ratio_of=("intercepted", "fired"),
        axis="share of fired threats intercepted",
    ),
)
BY_NAME: Mapping[str, Metric] = {m.name: m for m in METRICS}
_BASE = tuple(m for m in METRICS if m.integer and "base" in m.scopes)
_TYPE = tuple(m for m in METRICS if m.integer and "type" in m.scopes)
_BATTERY = tuple(m for m in METRICS if m.integer and "battery" in m.scopes)
_RATIOS = tuple(m for m in METRICS if not m.integer)
RATIO_NAMES: tuple[str, ...] = tuple(m.name for m in _RATIOS)
# The metrics a reader asks about first: what sensitivity analyses and summaries rank.
MAIN_METRICS: tuple[str, ...] = ("leaked", "interceptors", "killed", "wounded", "tbi", "casualties")


# -- columns --------------------------------------------------------------------------------


class Column(NamedTuple):
    """One column of a replication's row: its name, its metric, and its type or battery."""

    name: str
    metric: str
    type: str = ""
    battery: str = ""


def columns(threat_types: Sequence[str], battery_names: Sequence[str]) -> list[Column]:
    """Every column of a row, counts in row order then ratios (the Parquet order)."""
    cols = [Column(m.name, m.name) for m in _BASE]
    cols += [Column(f"{m.name}.{t}", m.name, type=t) for m in _TYPE for t in threat_types]
    cols += [Column(f"{m.name}.{b}", m.name, battery=b) for m in _BATTERY for b in battery_names]
    cols += [Column(m.name, m.name) for m in _RATIOS]
    return cols


def scenario_columns(s: Scenario) -> list[Column]:
    """``columns`` of scenario ``s``."""
    return columns(s.threat_types, s.battery_names)


def metric_names(s: Scenario) -> list[str]:
    """Integer metric columns of a replication row, in order."""
    return list(_integer_names(tuple(s.threats), tuple(s.defense.batteries)))


@functools.lru_cache(maxsize=64)
def _integer_names(types: tuple[str, ...], batteries: tuple[str, ...]) -> tuple[str, ...]:
    """``metric_names`` of a scenario with these threat types and batteries (cached: every
    replication of a scenario with uncertainties is a scenario of its own)."""
    cols = columns(types, batteries)
    return tuple(c.name for c in cols if c.metric not in RATIO_NAMES)


def metric(name: str) -> Metric:
    """The declaration of a column's metric (``leaked.rocket`` -> ``leaked``)."""
    return BY_NAME.get(name) or BY_NAME[name.split(".", 1)[0]]


def is_ratio(name: str) -> bool:
    """True when the column holds a ratio (a float, NaN where undefined)."""
    return not metric(name).integer


def axis_label(name: str) -> str:
    """A declared metric and its unit, for an axis or a colourbar."""
    return BY_NAME[name].axis_label


def short_label(name: str) -> str:
    """A declared metric's short label, for titles and legends."""
    return BY_NAME[name].label


# -- values ---------------------------------------------------------------------------------


_ByName = dict[str, list[int]]  # metric name -> its values per threat type or per battery


def _base_value(m: Metric) -> Callable[[Facts, _ByName, _ByName], int]:
    """How ``metric_row`` finds a metric's total: given, or summed from its other scopes."""
    name, total, threats = m.name, m.total, m.threats
    if total is not None:
        return lambda f, per_type, per_battery: total(f)
    if "type" in m.scopes:
        return lambda f, per_type, per_battery: sum(per_type[name])
    if threats is not None:
        return lambda f, per_type, per_battery: sum(threats(f))
    return lambda f, per_type, per_battery: sum(per_battery[name])


def _threats(m: Metric) -> Callable[[Facts], Iterable[bool]]:
    assert m.threats is not None
    return m.threats


def _batteries(m: Metric) -> Callable[[Facts], list[int]]:
    assert m.batteries is not None
    return m.batteries


# What ``metric_row`` calls, worked out once (it runs once per replication).
_BASE_VALUES = tuple(_base_value(m) for m in _BASE)
_TYPE_FLAGS = tuple((m.name, _threats(m)) for m in _TYPE)
_BATTERY_VALUES = tuple((m.name, _batteries(m)) for m in _BATTERY)


def metric_row(f: Facts) -> list[int]:
    """One replication's integer metrics, in the order of ``metric_names``."""
    types = range(f.n_types)
    type_index = f.type_index
    per_type: _ByName = {}
    for name, flags in _TYPE_FLAGS:
        flagged = list(compress(type_index, flags(f)))  # the types of the flagged threats
        per_type[name] = [flagged.count(t) for t in types]
    per_battery: _ByName = {name: values(f) for name, values in _BATTERY_VALUES}
    row = [value(f, per_type, per_battery) for value in _BASE_VALUES]
    for counts in per_type.values():
        row += counts
    for values in per_battery.values():
        row += values
    return row


def ratio_values(rows: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The ratio metrics of integer rows (runs x ``names``): runs x ``RATIO_NAMES``."""
    cols = []
    for m in _RATIOS:
        numerator, denominator = m.ratio_of  # type: ignore[misc]
        den = rows[:, names.index(denominator)].astype(float)
        num = rows[:, names.index(numerator)]
        with np.errstate(invalid="ignore", divide="ignore"):
            cols.append(np.where(den > 0, num / den, np.nan))
    return np.column_stack(cols) if cols else np.empty((len(rows), 0))


def as_mapping(row: Sequence[int], names: Sequence[str]) -> dict[str, int | float]:
    """One replication's metrics by name: the integer row, then the ratios."""
    out: dict[str, int | float] = dict(zip(names, row, strict=True))
    for m in _RATIOS:
        numerator, denominator = m.ratio_of  # type: ignore[misc]
        den = out[denominator]
        out[m.name] = out[numerator] / den if den > 0 else float("nan")
    return out


# -- tables ---------------------------------------------------------------------------------


def parquet_schema(names: Sequence[str]) -> pa.Schema:
    """Schema of replications.parquet: ``replication``, then each column by its kind."""
    import pyarrow as pa  # imported here: workers never need it

    fields = [pa.field("replication", pa.int64())]
    fields += [pa.field(n, pa.float64() if is_ratio(n) else pa.int64()) for n in names]
    return pa.schema(fields)


def tidy_frame(rows: Any, cols: Sequence[Column], first: int = 0) -> pd.DataFrame:
    """One row per (replication, column): replication, metric, base_metric, type, battery,
    value.

    ``rows`` is runs x ``cols`` (counts and, if present, ratios, as from ``columns``);
    replications are numbered from ``first``. Needs pandas.
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError("tidy_frame needs pandas: pip install pandas (or adsim[test])") from exc
    values = np.asarray(rows, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(cols):
        raise ValueError(f"rows must be runs x {len(cols)} columns, got shape {values.shape}")
    runs, k = values.shape
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(first, first + runs, dtype=np.int64), k),
            "metric": np.tile([c.name for c in cols], runs),
            "base_metric": np.tile([c.metric for c in cols], runs),
            "type": np.tile([c.type for c in cols], runs),
            "battery": np.tile([c.battery for c in cols], runs),
            "value": values.reshape(-1),
        }
    )
