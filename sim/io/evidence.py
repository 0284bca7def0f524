"""Evidence from a report, as conditions on a replication's metrics.

``wounded: {at_least: 1}`` holds in a replication whose ``wounded`` is at least 1. A
metric may carry several conditions (``{at_least: 8, at_most: 12}``); all must hold. A
condition on ``intercepted_fraction`` fails where nothing was fired (the fraction is then
undefined), since a report that "most were intercepted" implies something was fired.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.io.errors import InputError

OPERATORS = ("equals", "at_least", "at_most", "greater_than", "less_than", "between")


@dataclass(frozen=True)
class Condition:
    """One condition on one metric."""

    metric: str
    operator: str
    value: float | tuple[float, float]

    @property
    def label(self) -> str:
        """``metric operator value``, as written in the scenario."""
        v = self.value
        shown = f"[{v[0]:g}, {v[1]:g}]" if isinstance(v, tuple) else f"{v:g}"
        return f"{self.metric} {self.operator} {shown}"

    def holds(self, x: np.ndarray) -> np.ndarray:
        """Where the condition holds, for a column of metric values (NaN never holds)."""
        v = self.value
        with np.errstate(invalid="ignore"):
            if self.operator == "between":
                lo, hi = v  # type: ignore[misc]
                return (x >= lo) & (x <= hi)
            return {
                "equals": np.isclose(x, v, rtol=0, atol=1e-9),
                "at_least": x >= v,
                "at_most": x <= v,
                "greater_than": x > v,
                "less_than": x < v,
            }[self.operator]


def _number(raw: Any, source: str, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InputError(source, path, f"expected a finite number, got {raw!r}")
    return float(raw)


def parse_evidence(raw: dict[str, Any], metrics: list[str], source: str) -> list[Condition]:
    """Conditions from the ``calibration.evidence`` mapping; errors name the path."""
    if not raw:
        raise InputError(source, "calibration.evidence", "expected at least one condition")
    conditions = []
    for metric, spec in raw.items():
        where = f"calibration.evidence.{metric}"
        if metric not in metrics:
            raise InputError(
                source, where, f"unknown metric {metric!r}; expected one of: {', '.join(metrics)}"
            )
        if not isinstance(spec, dict) or not spec:
            raise InputError(
                source,
                where,
                f"expected a condition such as {{at_least: 1}} "
                f"(one of: {', '.join(OPERATORS)}), got {spec!r}",
            )
        for op, value in spec.items():
            at = f"{where}.{op}"
            if op not in OPERATORS:
                raise InputError(
                    source, at, f"unknown condition {op!r}; expected one of: {', '.join(OPERATORS)}"
                )
            if op == "between":
                if not isinstance(value, list | tuple) or len(value) != 2:
                    raise InputError(source, at, f"expected [low, high], got {value!r}")
                lo, hi = (_number(x, source, at) for x in value)
                if lo > hi:
                    raise InputError(source, at, f"range is reversed ({lo:g} > {hi:g})")
                conditions.append(Condition(metric, op, (lo, hi)))
            else:
                conditions.append(Condition(metric, op, _number(value, source, at)))
    return conditions


def evaluate(
    conditions: list[Condition], columns: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Where all conditions hold (n,), and where each one fails (conditions, n)."""
    fails = np.array([~c.holds(columns[c.metric]) for c in conditions], dtype=bool)
    return np.logical_not(fails.any(axis=0)), fails
