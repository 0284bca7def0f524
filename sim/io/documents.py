"""What a results document must hold for ``adsim plot`` to draw it again.

summary.json, sweep.json and calibration.json are written by adsim, but a results folder is
the user's: a document may have been edited, cut short or written by something else.
These checks run before any figure is drawn, so a document that lacks what the figures
read is bad input (a one-line ``InputError`` naming the file and the dotted path), not a
``KeyError`` halfway through the drawing.
"""

from __future__ import annotations

import math
from typing import Any

from sim.io.errors import InputError

# The fields of one metric's summary that the figures read.
METRIC_FIELDS = ("n", "mean", "ci95", "p05", "p50", "p95", "max", "p_zero", "histogram")


class _Check:
    def __init__(self, source: str, writer: str) -> None:
        self.source = source
        self.writer = writer

    def fail(self, path: str, what: str) -> InputError:
        return InputError(
            self.source, path, f"{what}; expected a document written by {self.writer}"
        )

    def get(self, doc: Any, key: str, path: str, kind: type | tuple[type, ...]) -> Any:
        where = f"{path}.{key}" if path else key
        if not isinstance(doc, dict) or key not in doc:
            raise self.fail(where, "is missing")
        value = doc[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(where, f"is {type(value).__name__}, not {_names(kind)}")
        return value

    def number(self, doc: Any, key: str, path: str, none: bool = False) -> None:
        kinds: tuple[type, ...] = (int, float, type(None)) if none else (int, float)
        value = self.get(doc, key, path, kinds)
        if value is not None and not math.isfinite(value):
            raise self.fail(f"{path}.{key}", f"is {value!r}, not a finite number")

    def metric(self, doc: Any, path: str) -> None:
        if not isinstance(doc, dict):
            raise self.fail(path, f"is {type(doc).__name__}, not a metric summary (a mapping)")
        n = self.get(doc, "n", path, int)
        empty = n == 0  # undefined everywhere (intercepted_fraction when nothing was fired)
        for key in ("mean", "p05", "p50", "p95", "max", "p_zero"):
            self.number(doc, key, path, none=empty)
        ci = self.get(doc, "ci95", path, list)
        if len(ci) != 2 or not all(x is None or _finite(x) for x in ci):
            raise self.fail(f"{path}.ci95", "is not a pair [low, high]")
        hist = self.get(doc, "histogram", path, dict)
        for value, count in hist.items():
            try:
                ok = math.isfinite(float(value)) and _finite(count)
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise self.fail(f"{path}.histogram", f"has an entry {value!r}: {count!r}")


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    return " or ".join(
        dict.fromkeys(names.get(k, k.__name__) for k in kinds if k is not type(None))
    )


def check_run_summary(doc: Any, source: str, metrics: list[str]) -> None:
    """A run's summary.json: scenario, runs and a summary of every metric the figures draw."""
    c = _Check(source, "`adsim run`")
    if not isinstance(doc, dict):
        raise c.fail("", f"is {type(doc).__name__}, not a mapping")
    c.get(doc, "scenario", "", str)
    if c.get(doc, "runs", "", int) < 0:
        raise c.fail("runs", "is negative")
    found = c.get(doc, "metrics", "", dict)
    for name in metrics:
        if name not in found:
            raise c.fail(f"metrics.{name}", "is missing")
        c.metric(found[name], f"metrics.{name}")


def check_sweep(doc: Any, source: str) -> None:
    """A sweep.json: its parameters, and each point's values and metric summaries."""
    c = _Check(source, "`adsim sweep`")
    if not isinstance(doc, dict):
        raise c.fail("", f"is {type(doc).__name__}, not a mapping")
    c.get(doc, "scenario", "", str)
    c.get(doc, "design", "", str)
    c.get(doc, "runs", "", int)
    params = c.get(doc, "parameters", "", list)
    if not all(isinstance(p, str) for p in params):
        raise c.fail("parameters", "is not a list of dotted paths")
    points = c.get(doc, "points", "", list)
    names: list[str] | None = None
    for k, point in enumerate(points):
        where = f"points.{k}"
        values = c.get(point, "values", where, dict)
        for p in params:
            c.number(values, p, f"{where}.values")
        metrics = c.get(point, "metrics", where, dict)
        if names is None:
            names = list(metrics)
        for name in names:
            if name not in metrics:
                raise c.fail(f"{where}.metrics.{name}", "is missing")
            c.metric(metrics[name], f"{where}.metrics.{name}")
    if doc.get("sensitivity") is not None:
        c.get(doc, "sensitivity", "", dict)


def check_calibration(doc: Any, source: str) -> None:
    """A calibration.json: its sizes, unknowns, posterior and predictive summaries."""
    c = _Check(source, "`adsim calibrate`")
    if not isinstance(doc, dict):
        raise c.fail("", f"is {type(doc).__name__}, not a mapping")
    c.get(doc, "scenario", "", str)
    for key in ("samples", "seed", "tried", "accepted", "predictive_runs"):
        if c.get(doc, key, "", int) < 0:
            raise c.fail(key, "is negative")
    c.get(doc, "unknowns", "", dict)
    c.get(doc, "evidence", "", dict)
    posterior = c.get(doc, "posterior", "", dict)
    for path, summary in posterior.items():
        for key in ("mean", "sd", "q05", "q50", "q95"):
            c.number(summary, key, f"posterior.{path}")
    for name, summary in c.get(doc, "predictive", "", dict).items():
        c.metric(summary, f"predictive.{name}")
