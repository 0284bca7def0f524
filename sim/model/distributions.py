"""Values that may be constants or distributions.

Wherever the scenario format accepts a number it also accepts a one-key mapping naming a
distribution (``{uniform: [a, b]}``, ``{poisson: 10}``, ...). This module parses those forms
into small immutable objects that draw many values at once from a numpy ``Generator``.

Each value has a *kind* that fixes what is acceptable:

- ``real``: any real number (coordinates).
- ``duration``: a time or distance; a normal draw is clipped at 0, and the support must not
  be negative.
- ``probability``: the whole support must lie in [0, 1].
- ``count``: integer forms only (constant int, ``uniform_int``, ``poisson``, ``choice`` of
  integers), never negative, capped at a documented size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["real", "duration", "probability", "count"]

FORMS = ("uniform", "normal", "lognormal", "triangular", "uniform_int", "poisson", "choice", "beta")
COUNT_FORMS = ("uniform_int", "poisson", "choice")


@dataclass(frozen=True)
class Dist:
    """A constant or a distribution, with the kind of quantity it describes."""

    form: str
    params: tuple
    kind: Kind = "real"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent values."""
        p = self.params
        f = self.form
        if f == "constant":
            return np.full(size, p[0], dtype=np.int64 if self.kind == "count" else float)
        if f == "uniform":
            out = rng.uniform(p[0], p[1], size)
        elif f == "normal":
            out = rng.normal(p[0], p[1], size)
        elif f == "lognormal":
            out = p[0] * np.exp(p[1] * rng.standard_normal(size))
        elif f == "triangular":
            out = rng.triangular(p[0], p[1], p[2], size) if p[0] < p[2] else np.full(size, p[0])
        elif f == "beta":
            out = rng.beta(p[0], p[1], size)
        elif f == "uniform_int":
            return rng.integers(p[0], p[1], size, endpoint=True)
        elif f == "poisson":
            return rng.poisson(p[0], size)
        elif f == "choice":
            values, probs = p
            return np.asarray(values)[rng.choice(len(values), size, p=probs)]
        else:  # pragma: no cover - forms are checked at parse time
            raise AssertionError(f)
        if self.kind == "duration" and f == "normal":  # the only form that can go below 0
            np.maximum(out, 0.0, out=out)
        return out

    def draw(self, rng: np.random.Generator) -> float | int:
        """Draw one value (a Python scalar); the same value ``sample(rng, 1)[0]`` gives."""
        f = self.form
        p = self.params
        if f == "constant":
            return p[0]
        if f == "uniform":
            return rng.uniform(p[0], p[1])
        if f == "uniform_int":
            return int(rng.integers(p[0], p[1], endpoint=True))
        if f == "poisson":
            return int(rng.poisson(p[0]))
        return self.sample(rng, 1)[0].item()

    def sample_list(self, rng: np.random.Generator, size: int) -> list:
        """``sample`` as a Python list (cheap for constants)."""
        if self.form == "constant":
            return [self.params[0]] * size
        return self.sample(rng, size).tolist()

    def fill(self, rng: np.random.Generator, out: np.ndarray) -> None:
        """Write ``len(out)`` independent draws into ``out``."""
        if self.form == "constant":
            out[:] = self.params[0]
        else:
            out[:] = self.sample(rng, len(out))

    @property
    def is_constant(self) -> bool:
        """True for a plain number."""
        return self.form == "constant"

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (infinite for unbounded forms)."""
        p = self.params
        f = self.form
        if f == "constant":
            return (p[0], p[0])
        if f in ("uniform", "uniform_int"):
            return (p[0], p[1])
        if f == "triangular":
            return (p[0], p[2])
        if f == "beta":
            return (0.0, 1.0)
        if f == "choice":
            return (min(p[0]), max(p[0]))
        if f == "poisson":
            return (0, math.inf)
        if f == "lognormal":
            return (0.0, math.inf)
        lo = 0.0 if self.kind == "duration" else -math.inf
        return (lo, math.inf)

    @property
    def mean(self) -> float:
        """The mean of a draw (used for reports and sanity limits)."""
        p = self.params
        f = self.form
        if f == "constant":
            return float(p[0])
        if f in ("uniform", "uniform_int"):
            return (p[0] + p[1]) / 2
        if f == "normal":
            return float(p[0])
        if f == "lognormal":
            return p[0] * math.exp(p[1] ** 2 / 2)
        if f == "triangular":
            return sum(p) / 3
        if f == "beta":
            return p[0] / (p[0] + p[1])
        if f == "poisson":
            return float(p[0])
        values, probs = p
        return float(np.dot(values, probs))

    def to_yaml(self) -> object:
        """The scenario-file form of this value."""
        if self.form == "constant":
            return self.params[0]
        if self.form == "poisson":
            return {"poisson": self.params[0]}
        if self.form == "choice":
            return {"choice": {"values": list(self.params[0]), "weights": list(self.params[1])}}
        return {self.form: list(self.params)}


def constant(value: float | int, kind: Kind = "real") -> Dist:
    """A constant value."""
    return Dist("constant", (value,), kind)


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _is_int(x: object) -> bool:
    return (
        isinstance(x, int)
        and not isinstance(x, bool)
        or (isinstance(x, float) and math.isfinite(x) and x.is_integer())
    )


def _numbers(form: str, raw: object, n: int) -> tuple:
    if not isinstance(raw, list | tuple) or len(raw) != n or not all(_is_number(v) for v in raw):
        raise ValueError(f"{form} takes a list of {n} finite numbers, got {raw!r}")
    return tuple(raw)


def parse_dist(raw: object, kind: Kind = "real", cap: float = math.inf) -> Dist:
    """Parse a scenario value (number or one-key distribution mapping) into a ``Dist``.

    Raises ``ValueError`` with a message saying what was expected.
    """
    expected = {
        "real": "a number or a distribution",
        "duration": "a non-negative number or a distribution",
        "probability": "a probability in [0, 1] or a distribution on [0, 1]",
        "count": "a non-negative integer or an integer distribution (uniform_int, poisson, choice)",
    }[kind]
    if isinstance(raw, bool):
        raise ValueError(f"expected {expected}, got {raw!r}")
    if _is_number(raw):
        if kind == "count":
            if not _is_int(raw):
                raise ValueError(f"expected {expected}, got {raw!r}")
            raw = int(raw)
        dist = constant(raw, kind)
    elif isinstance(raw, dict):
        if len(raw) != 1:
            raise ValueError(
                f"expected {expected}: a distribution is a mapping with one key "
                f"({', '.join(FORMS)}), got keys {sorted(map(str, raw))}"
            )
        ((form, args),) = raw.items()
        dist = _parse_form(str(form), args, kind)
    else:
        raise ValueError(f"expected {expected}, got {raw!r}")
    _check_support(dist, kind, cap, expected)
    return dist


def _parse_form(form: str, args: object, kind: Kind) -> Dist:
    if form not in FORMS:
        raise ValueError(f"unknown distribution {form!r}; expected one of: {', '.join(FORMS)}")
    if kind == "count" and form not in COUNT_FORMS:
        raise ValueError(
            f"a count takes an integer distribution ({', '.join(COUNT_FORMS)}), not {form!r}"
        )
    if form in ("uniform", "uniform_int"):
        a, b = _numbers(form, args, 2)
        if form == "uniform_int" and not (_is_int(a) and _is_int(b)):
            raise ValueError(f"uniform_int takes two integers, got {args!r}")
        if a > b:
            raise ValueError(f"{form} range is reversed: [{a}, {b}]; expected low <= high")
        if form == "uniform_int":
            a, b = int(a), int(b)
        return Dist(form, (a, b), kind)
    if form == "normal":
        m, s = _numbers(form, args, 2)
        if s < 0:
            raise ValueError(f"normal sd must be >= 0, got {s}")
        return Dist(form, (m, s), kind)
    if form == "lognormal":
        m, s = _numbers(form, args, 2)
        if m <= 0 or s < 0:
            raise ValueError(f"lognormal takes [median > 0, sigma >= 0], got {args!r}")
        return Dist(form, (m, s), kind)
    if form == "triangular":
        lo, mode, hi = _numbers(form, args, 3)
        if not lo <= mode <= hi:
            raise ValueError(
                f"triangular takes [low, mode, high] with low <= mode <= high, got {args!r}"
            )
        return Dist(form, (lo, mode, hi), kind)
    if form == "beta":
        a, b = _numbers(form, args, 2)
        if a <= 0 or b <= 0:
            raise ValueError(f"beta takes two positive shape parameters, got {args!r}")
        return Dist(form, (a, b), kind)
    if form == "poisson":
        if not _is_number(args) or args < 0:
            raise ValueError(f"poisson takes a non-negative mean, got {args!r}")
        return Dist(form, (float(args),), kind)
    # choice
    if not isinstance(args, dict) or set(args) != {"values", "weights"}:
        raise ValueError("choice takes a mapping {values: [...], weights: [...]}")
    values, weights = args["values"], args["weights"]
    if not isinstance(values, list) or not values or not all(_is_number(v) for v in values):
        raise ValueError(f"choice values must be a non-empty list of numbers, got {values!r}")
    if (
        not isinstance(weights, list)
        or len(weights) != len(values)
        or not all(_is_number(w) and w >= 0 for w in weights)
        or sum(weights) <= 0
    ):
        raise ValueError(
            "choice weights must be non-negative numbers, one per value, "
            f"not all zero; got {weights!r}"
        )
    if kind == "count":
        if not all(_is_int(v) for v in values):
            raise ValueError(f"a count's choice values must be integers, got {values!r}")
        values = [int(v) for v in values]
    total = float(sum(weights))
    return Dist(form, (tuple(values), tuple(w / total for w in weights)), kind)


def _check_support(dist: Dist, kind: Kind, cap: float, expected: str) -> None:
    lo, hi = dist.support
    if kind == "probability":
        if dist.form in ("normal", "lognormal", "poisson"):
            raise ValueError(
                f"expected {expected}; {dist.form} is unbounded "
                "(use uniform, triangular, beta or choice)"
            )
        if lo < 0 or hi > 1:
            got = f"{lo:g}" if lo == hi else f"values in [{lo:g}, {hi:g}]"
            raise ValueError(f"expected {expected}, got {got}")
    elif kind in ("duration", "count"):
        if dist.form != "normal" and lo < 0:
            got = f"{lo:g}" if dist.is_constant else f"values down to {lo:g}"
            raise ValueError(f"expected {expected}, got {got}")
        if dist.form == "normal" and dist.params[0] < 0:
            raise ValueError(f"expected {expected}, got a normal with negative mean")
    real_unbounded = kind == "real" and dist.form in ("normal", "lognormal")
    if real_unbounded and math.isfinite(cap) and abs(dist.params[0]) > cap:
        raise ValueError(f"expected values within {cap:g}, got {dist.params[0]:g}")
    # A sanity cap keeps one replication's size bounded; for unbounded forms a far tail
    # quantile (about 8 standard deviations out) is checked instead of the infinite maximum.
    if math.isfinite(cap) and _far_tail(dist) > cap:
        raise ValueError(
            f"expected at most {cap:g} (the per-replication limit), "
            f"got values up to {_far_tail(dist):g}"
        )
    if kind == "real" and math.isfinite(cap) and _far_tail(dist, low=True) < -cap:
        raise ValueError(
            f"expected at least {-cap:g} (the limit), got values down to "
            f"{_far_tail(dist, low=True):g}"
        )


def _far_tail(dist: Dist, low: bool = False) -> float:
    """The largest value (``low``: the smallest), or for unbounded forms a value a draw
    passes almost never."""
    lo, hi = dist.support
    if low:
        if math.isfinite(lo):
            return lo
        return -math.inf if dist.form != "normal" else dist.params[0] - 8 * dist.params[1]
    if math.isfinite(hi):
        return hi
    p = dist.params
    try:
        if dist.form == "poisson":
            return p[0] + 10 * math.sqrt(p[0]) + 10
        if dist.form == "lognormal":
            return p[0] * math.exp(8 * p[1])
        return p[0] + 8 * p[1]  # normal
    except OverflowError:
        return math.inf
