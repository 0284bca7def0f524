"""What a sweep varies: ``--vary PATH=SPEC`` parsed into values or ranges.

``PATH=a:b:n`` gives n values evenly from a to b (ends included), ``PATH=v1,v2,...`` a list,
``PATH=a:b`` a range for the ``lhs`` and ``sobol`` designs. A single number is a list of
one value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.io.errors import InputError

MAX_VALUES = 10_000


@dataclass(frozen=True)
class Vary:
    """One varied parameter: either listed values (grid) or a range (lhs, sobol)."""

    path: str
    spec: str
    values: tuple[float, ...] | None = None
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        """Whether this is an ``a:b`` range rather than listed values."""
        return self.values is None

    @property
    def bounds(self) -> tuple[float, float]:
        """Smallest and largest value the parameter can take."""
        if self.values is None:
            return float(self.low), float(self.high)  # type: ignore[arg-type]
        return min(self.values), max(self.values)


def _number(text: str, source: str, path: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise InputError(source, path, f"{text.strip()!r} is not a finite number")
    return v


def parse_vary(text: str, source: str = "vary") -> Vary:
    """Parse ``PATH=a:b:n``, ``PATH=v1,v2,...`` or ``PATH=a:b``."""
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    expected = "expected PATH=a:b:n, PATH=v1,v2,... or PATH=a:b (e.g. threats.rocket.count=5:20:4)"
    if not sep or not path or not spec:
        raise InputError(source, text, expected)
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise InputError(source, path, f"{spec!r}: {expected}")
        a, b = (_number(x, source, path) for x in parts[:2])
        if b < a:
            raise InputError(source, path, f"{spec!r}: range is reversed ({a:g} > {b:g})")
        if len(parts) == 2:
            return Vary(path, spec, low=a, high=b)
        n_text = parts[2].strip()
        if not n_text.isdigit() or len(n_text) > 6 or not 1 <= int(n_text) <= MAX_VALUES:
            raise InputError(
                source, path, f"{spec!r}: n must be a whole number from 1 to {MAX_VALUES}"
            )
        n = int(n_text)
        if n == 1 and a != b:
            raise InputError(source, path, f"{spec!r}: one value cannot span {a:g} to {b:g}")
        values = tuple(float(f"{x:.12g}") for x in np.linspace(a, b, n))  # 0.45, not 0.4499..
        return Vary(path, spec, values=values)
    values = tuple(_number(x, source, path) for x in spec.split(","))
    if len(values) > MAX_VALUES:
        raise InputError(source, path, f"at most {MAX_VALUES} values")
    if len(set(values)) != len(values):
        raise InputError(source, path, f"{spec!r}: values repeat")
    return Vary(path, spec, values=values)


def parse_all(texts: list[str], source: str = "vary") -> list[Vary]:
    """Parse every ``--vary``; a path may appear only once."""
    if not texts:
        raise InputError(source, "", "give at least one `vary` PATH=SPEC")
    varies = [parse_vary(t, source) for t in texts]
    seen: set[str] = set()
    for v in varies:
        if v.path in seen:
            raise InputError(source, v.path, "is varied twice")
        seen.add(v.path)
    return varies
