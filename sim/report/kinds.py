"""The kinds of results folder a report can be made of, each with the builder of its page.

A kind is known by the document that marks a finished folder of it (``summary.json`` for a
run, ``sweep.json`` for a sweep, ``calibration.json`` for a calibration, ``validation.json``
for a validation, ``campaigns.parquet`` for a campaign, whose folder holds a summary.json
too: the kind registered last is tried first). A new kind of
study plugs in with ``@register("validation", "validation.json")`` on a function that
turns its folder into a ``Report``; nothing else changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.io.errors import InputError
from sim.outcomes import is_ratio, metric
from sim.report.content import Report, TableData

Builder = Callable[[Path], Report]


@dataclass(frozen=True)
class Kind:
    """A kind of results folder: its name, the document that marks it, its page builder."""

    name: str
    marker: str
    build: Builder


KINDS: dict[str, Kind] = {}


def register(name: str, marker: str) -> Callable[[Builder], Builder]:
    """Register the page builder of a kind of results folder, marked by ``marker``."""

    def add(build: Builder) -> Builder:
        KINDS[name] = Kind(name, marker, build)
        return build

    return add


def kind_of(folder: Path) -> Kind:
    """The kind of a results folder (the last registered whose marker it holds)."""
    for kind in reversed(KINDS.values()):
        if (folder / kind.marker).is_file():
            return kind
    markers = ", ".join(k.marker for k in KINDS.values())
    raise InputError(
        str(folder),
        "",
        f"holds no finished results; expected a results folder with one of {markers}",
    )


def read_document(folder: Path, name: str) -> dict[str, Any]:
    """A JSON document of the folder, as a mapping (bad input otherwise)."""
    path = folder / name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            str(path), "", f"cannot read it as JSON: {exc}; expected a document written by adsim"
        ) from None
    if not isinstance(doc, dict):
        raise InputError(str(path), "", f"is {type(doc).__name__}; expected a mapping")
    return doc


def scenario_text(folder: Path) -> str:
    """The effective scenario saved in the folder, as written (with its comments)."""
    try:
        return (folder / "scenario.yaml").read_text(encoding="utf-8")
    except OSError:
        return ""


def number(value: Any, ratio: bool = False) -> str:
    """A value for a table cell: an estimate (a float) to about three figures, in millions
    from a million on (a campaign's costs: "28.6 M", not "28,606,562", whose last digits
    are noise and would widen the table past the page)."""
    if value is None:
        return "—"
    if isinstance(value, float) and (ratio or not value.is_integer()):
        if abs(value) >= 1e6:
            return f"{value / 1e6:,.1f} M"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{int(value):,}" if isinstance(value, int | float) else str(value)


def label(name: str) -> str:
    """A metric's name with its description (the name stays: it is the column to query)."""
    base = name.split(".")[0]
    try:
        text = metric(base).label
    except KeyError:
        return name
    return name if text.lower() == base.lower() else f"{name}: {text}"


def metric_table(title: str, metrics: dict[str, dict], note: str = "") -> TableData:
    """One row per metric: mean with its 95% CI, percentiles, max and P(0)."""
    rows = []
    for name, m in metrics.items():
        if not m.get("n"):
            rows.append([label(name), "undefined", "", "", "", "", "", ""])
            continue
        ratio = is_ratio(name)
        lo, hi = m.get("ci95") or (None, None)
        ci = f"{number(lo, True)} – {number(hi, True)}" if lo is not None else ""
        rows.append(
            [label(name), number(m["mean"], True), ci]
            + [number(m.get(k), ratio) for k in ("p05", "p50", "p95", "max")]
            + [f"{m['p_zero']:.0%}" if m.get("p_zero") is not None else ""]
        )
    columns = ["metric", "mean", "95% CI of the mean", "p05", "median", "p95", "max", "P(0)"]
    return TableData(title, columns, rows, note)


def common(doc: dict[str, Any], folder: Path, kind: str, title: str, question: str) -> Report:
    """The parts every report shares: title, question, scenario text, provenance."""
    return Report(
        kind=kind,
        title=title,
        question=question,
        scenario_yaml=scenario_text(folder),
        provenance=doc.get("provenance") or {},
        notes=[]
        if doc.get("provenance")
        else [
            "These results were written by an adsim without provenance records: the "
            "version and scenario digest that made them are unknown."
        ],
    )


from sim.report import builders as _builders  # noqa: E402,F401  (registers the kinds)
from sim.report import campaign_builders as _campaigns  # noqa: E402,F401  (after run's)
from sim.report import events_builders as _events  # noqa: E402,F401
