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

Each form is one class that knows how to read its arguments, draw, and state its support
and mean; ``FORM_CLASSES`` maps the scenario keyword to the class, so a new form is one new
class here. The checks that depend only on the support and the kind (a probability within
[0, 1], a duration not negative, the per-replication caps) are shared, in ``parse_dist``.
The classes are frozen dataclasses: values are compared, hashed and pickled (they travel to
worker processes inside the scenario) by form, parameters and kind.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np

Kind = Literal["real", "duration", "probability", "count"]

EXPECTED: dict[str, str] = {
    "real": "a number or a distribution",
    "duration": "a non-negative number or a distribution",
    "probability": "a probability in [0, 1] or a distribution on [0, 1]",
    "count": "a non-negative integer or an integer distribution (uniform_int, poisson, choice)",
}


@dataclass(frozen=True)
class Dist(ABC):
    """A constant or a distribution, with the kind of quantity it describes."""

    params: tuple
    kind: Kind = "real"

    form: ClassVar[str]
    integer: ClassVar[bool] = False  # its draws are integers, so a count may take it
    is_constant: ClassVar[bool] = False  # True for a plain number

    @classmethod
    @abstractmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Read and check the form's arguments from the scenario file (``ValueError``)."""

    @abstractmethod
    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent values."""

    def draw(self, rng: np.random.Generator) -> Any:
        """Draw one value (a Python scalar); the same value ``sample(rng, 1)[0]`` gives."""
        return self.sample(rng, 1)[0].item()

    def sample_list(self, rng: np.random.Generator, size: int) -> list:
        """``sample`` as a Python list (cheap for constants)."""
        return self.sample(rng, size).tolist()

    def fill(self, rng: np.random.Generator, out: np.ndarray) -> None:
        """Write ``len(out)`` independent draws into ``out``."""
        out[:] = self.sample(rng, len(out))

    @property
    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (infinite for unbounded forms)."""

    @property
    @abstractmethod
    def mean(self) -> float:
        """The mean of a draw (used for reports and sanity limits)."""

    def far_tail(self, low: bool = False) -> float:
        """The largest value (``low``: the smallest), or for unbounded forms a value a draw
        passes almost never."""
        lo, hi = self.support
        return lo if low else hi

    def to_yaml(self) -> object:
        """The scenario-file form of this value."""
        return {self.form: list(self.params)}


FORM_CLASSES: dict[str, type[Dist]] = {}
D = TypeVar("D", bound=type[Dist])


def _form(cls: D) -> D:
    """Register a distribution class under its scenario keyword."""
    FORM_CLASSES[cls.form] = cls
    return cls


class Constant(Dist):
    """A plain number: ``params`` is ``(value,)``."""

    form = "constant"
    is_constant = True

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """A finite number (an integer for a count)."""
        if kind == "count":
            if not _is_int(args):
                raise ValueError(f"expected {EXPECTED[kind]}, got {args!r}")
            args = int(args)
        return cls((args,), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` copies of the value (integers for a count); draws nothing."""
        return np.full(size, self.params[0], dtype=np.int64 if self.kind == "count" else float)

    def draw(self, rng: np.random.Generator) -> Any:
        """The value."""
        return self.params[0]

    def sample_list(self, rng: np.random.Generator, size: int) -> list:
        """``size`` copies of the value."""
        return [self.params[0]] * size

    def fill(self, rng: np.random.Generator, out: np.ndarray) -> None:
        """Fill ``out`` with the value."""
        out[:] = self.params[0]

    @property
    def support(self) -> tuple[float, float]:
        """The value, twice."""
        return (self.params[0], self.params[0])

    @property
    def mean(self) -> float:
        """The value."""
        return float(self.params[0])

    def to_yaml(self) -> object:
        """The number."""
        return self.params[0]


class _Interval(Dist):
    """A form whose parameters are its bounds [a, b], drawn with equal chances."""

    @property
    def support(self) -> tuple[float, float]:
        """[a, b]."""
        return (self.params[0], self.params[1])

    @property
    def mean(self) -> float:
        """(a + b) / 2."""
        return (self.params[0] + self.params[1]) / 2


@_form
class Uniform(_Interval):
    """``{uniform: [a, b]}``: continuous uniform on [a, b]."""

    form = "uniform"

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Two numbers, low <= high."""
        return cls(_range(cls.form, args), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` uniform draws."""
        return rng.uniform(self.params[0], self.params[1], size)

    def draw(self, rng: np.random.Generator) -> Any:
        """One uniform draw: ``rng.uniform(a, b)`` to the last bit (numpy computes it as
        a + (b - a) * random()), without the cost of its argument handling (a third)."""
        a, b = self.params
        return a + (b - a) * rng.random()


@_form
class Normal(Dist):
    """``{normal: [mean, sd]}``; clipped at 0 for durations and distances."""

    form = "normal"

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Mean and sd >= 0; a duration's mean not negative; a coordinate's within ``cap``."""
        m, s = _numbers(cls.form, args, 2)
        if s < 0:
            raise ValueError(f"normal sd must be >= 0, got {s}")
        if kind == "duration" and m < 0:
            raise ValueError(f"expected {EXPECTED[kind]}, got a normal with negative mean")
        _check_location(m, kind, cap)
        return cls((m, s), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` normal draws (those below 0 raised to 0 for a duration)."""
        out = rng.normal(self.params[0], self.params[1], size)
        if self.kind == "duration":
            np.maximum(out, 0.0, out=out)
        return out

    @property
    def support(self) -> tuple[float, float]:
        """Unbounded (from 0 for a duration)."""
        return (0.0 if self.kind == "duration" else -math.inf, math.inf)

    @property
    def mean(self) -> float:
        """The mean parameter (before clipping)."""
        return float(self.params[0])

    def far_tail(self, low: bool = False) -> float:
        """Eight standard deviations out, or 0 below a duration."""
        m, s = self.params
        if low:
            lo = self.support[0]
            return lo if math.isfinite(lo) else m - 8 * s
        return m + 8 * s


@_form
class Lognormal(Dist):
    """``{lognormal: [median, sigma]}``: the median times exp of a normal with sd sigma."""

    form = "lognormal"

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Median > 0 (within ``cap`` for a coordinate) and sigma >= 0."""
        m, s = _numbers(cls.form, args, 2)
        if m <= 0 or s < 0:
            raise ValueError(f"lognormal takes [median > 0, sigma >= 0], got {args!r}")
        _check_location(m, kind, cap)
        return cls((m, s), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` lognormal draws, from standard normals."""
        return self.params[0] * np.exp(self.params[1] * rng.standard_normal(size))

    @property
    def support(self) -> tuple[float, float]:
        """Positive and unbounded."""
        return (0.0, math.inf)

    @property
    def mean(self) -> float:
        """median * exp(sigma^2 / 2)."""
        return self.params[0] * math.exp(self.params[1] ** 2 / 2)

    def far_tail(self, low: bool = False) -> float:
        """0, or eight sigmas above the median."""
        if low:
            return 0.0
        try:
            return self.params[0] * math.exp(8 * self.params[1])
        except OverflowError:
            return math.inf


@_form
class Triangular(Dist):
    """``{triangular: [low, mode, high]}``."""

    form = "triangular"

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Three numbers, low <= mode <= high."""
        lo, mode, hi = _numbers(cls.form, args, 3)
        if not lo <= mode <= hi:
            raise ValueError(
                f"triangular takes [low, mode, high] with low <= mode <= high, got {args!r}"
            )
        return cls((lo, mode, hi), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` triangular draws; the low end, without drawing, when low == high."""
        lo, mode, hi = self.params
        return rng.triangular(lo, mode, hi, size) if lo < hi else np.full(size, lo)

    @property
    def support(self) -> tuple[float, float]:
        """[low, high]."""
        return (self.params[0], self.params[2])

    @property
    def mean(self) -> float:
        """(low + mode + high) / 3."""
        return sum(self.params) / 3


@_form
class UniformInt(_Interval):
    """``{uniform_int: [a, b]}``: integers a to b, both included."""

    form = "uniform_int"
    integer = True

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Two integers (``3`` or ``3.0``), low <= high."""
        a, b = _numbers(cls.form, args, 2)
        if not (_is_int(a) and _is_int(b)):
            raise ValueError(f"uniform_int takes two integers, got {args!r}")
        a, b = _range(cls.form, (a, b))
        return cls((int(a), int(b)), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` integer draws."""
        return rng.integers(self.params[0], self.params[1], size, endpoint=True)

    def draw(self, rng: np.random.Generator) -> Any:
        """One integer draw."""
        return int(rng.integers(self.params[0], self.params[1], endpoint=True))


@_form
class Poisson(Dist):
    """``{poisson: mean}``."""

    form = "poisson"
    integer = True

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """One non-negative number (kept as a float)."""
        if not _is_number(args) or args < 0:
            raise ValueError(f"poisson takes a non-negative mean, got {args!r}")
        return cls((float(args),), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` Poisson draws."""
        return rng.poisson(self.params[0], size)

    def draw(self, rng: np.random.Generator) -> Any:
        """One Poisson draw."""
        return int(rng.poisson(self.params[0]))

    @property
    def support(self) -> tuple[float, float]:
        """0 upwards, unbounded."""
        return (0, math.inf)

    @property
    def mean(self) -> float:
        """The mean parameter."""
        return float(self.params[0])

    def far_tail(self, low: bool = False) -> float:
        """0, or ten standard deviations (and 10) above the mean."""
        if low:
            return 0
        return self.params[0] + 10 * math.sqrt(self.params[0]) + 10

    def to_yaml(self) -> object:
        """``{poisson: mean}``."""
        return {"poisson": self.params[0]}


@_form
class Choice(Dist):
    """``{choice: {values: [...], weights: [...]}}``; ``params`` is (values, probabilities)."""

    form = "choice"
    integer = True

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Numbers (integers for a count) and weights >= 0, not all 0, normalised."""
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
        return cls((tuple(values), tuple(w / total for w in weights)), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws of the values by their probabilities."""
        values, probs = self.params
        return np.asarray(values)[rng.choice(len(values), size, p=probs)]

    @property
    def support(self) -> tuple[float, float]:
        """The smallest and largest value."""
        return (min(self.params[0]), max(self.params[0]))

    @property
    def mean(self) -> float:
        """The probability-weighted mean of the values."""
        values, probs = self.params
        return float(np.dot(values, probs))

    def to_yaml(self) -> object:
        """``{choice: {values, weights}}`` (the weights normalised)."""
        return {"choice": {"values": list(self.params[0]), "weights": list(self.params[1])}}


@_form
class Beta(Dist):
    """``{beta: [a, b]}``: beta with shapes a and b, on [0, 1]."""

    form = "beta"

    @classmethod
    def parse(cls, args: Any, kind: Kind, cap: float) -> Dist:
        """Two positive shapes."""
        a, b = _numbers(cls.form, args, 2)
        if a <= 0 or b <= 0:
            raise ValueError(f"beta takes two positive shape parameters, got {args!r}")
        return cls((a, b), kind)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` beta draws."""
        return rng.beta(self.params[0], self.params[1], size)

    @property
    def support(self) -> tuple[float, float]:
        """[0, 1]."""
        return (0.0, 1.0)

    @property
    def mean(self) -> float:
        """a / (a + b)."""
        return self.params[0] / (self.params[0] + self.params[1])


FORMS = tuple(FORM_CLASSES)  # the keywords, in the order error messages list them
COUNT_FORMS = tuple(f for f, c in FORM_CLASSES.items() if c.integer)


def constant(value: float | int, kind: Kind = "real") -> Dist:
    """A constant value."""
    return Constant((value,), kind)


def parse_dist(raw: object, kind: Kind = "real", cap: float = math.inf) -> Dist:
    """Parse a scenario value (number or one-key distribution mapping) into a ``Dist``.

    Raises ``ValueError`` with a message saying what was expected.
    """
    expected = EXPECTED[kind]
    if isinstance(raw, bool):
        raise ValueError(f"expected {expected}, got {raw!r}")
    if _is_number(raw):
        dist = Constant.parse(raw, kind, cap)
    elif isinstance(raw, dict):
        if len(raw) != 1:
            raise ValueError(
                f"expected {expected}: a distribution is a mapping with one key "
                f"({', '.join(FORMS)}), got keys {sorted(map(str, raw))}"
            )
        ((form, args),) = raw.items()
        dist = _parse_form(str(form), args, kind, cap)
    else:
        raise ValueError(f"expected {expected}, got {raw!r}")
    _check_support(dist, kind, cap, expected)
    return dist


def _parse_form(form: str, args: object, kind: Kind, cap: float) -> Dist:
    cls = FORM_CLASSES.get(form)
    if cls is None:
        raise ValueError(f"unknown distribution {form!r}; expected one of: {', '.join(FORMS)}")
    if kind == "count" and not cls.integer:
        raise ValueError(
            f"a count takes an integer distribution ({', '.join(COUNT_FORMS)}), not {form!r}"
        )
    return cls.parse(args, kind, cap)


def _check_support(dist: Dist, kind: Kind, cap: float, expected: str) -> None:
    lo, hi = dist.support
    if kind == "probability":
        if not math.isfinite(hi):
            raise ValueError(
                f"expected {expected}; {dist.form} is unbounded "
                "(use uniform, triangular, beta or choice)"
            )
        if lo < 0 or hi > 1:
            got = f"{lo:g}" if lo == hi else f"values in [{lo:g}, {hi:g}]"
            raise ValueError(f"expected {expected}, got {got}")
    elif kind in ("duration", "count") and lo < 0:
        got = f"{lo:g}" if dist.is_constant else f"values down to {lo:g}"
        raise ValueError(f"expected {expected}, got {got}")
    # A sanity cap keeps one replication's size bounded; for unbounded forms a far tail
    # quantile (about 8 standard deviations out) is checked instead of the infinite maximum.
    if math.isfinite(cap) and dist.far_tail() > cap:
        raise ValueError(
            f"expected at most {cap:g} (the per-replication limit), "
            f"got values up to {dist.far_tail():g}"
        )
    if kind == "real" and math.isfinite(cap) and dist.far_tail(low=True) < -cap:
        raise ValueError(
            f"expected at least {-cap:g} (the limit), got values down to "
            f"{dist.far_tail(low=True):g}"
        )


def _check_location(m: float, kind: Kind, cap: float) -> None:
    """An unbounded coordinate's centre must itself lie within the limit."""
    if kind == "real" and math.isfinite(cap) and abs(m) > cap:
        raise ValueError(f"expected values within {cap:g}, got {m:g}")


def _is_number(x: object) -> bool:
    if not isinstance(x, int | float) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # a whole number too large for a float
        return False


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


def _range(form: str, raw: object) -> tuple:
    """Two numbers, low <= high."""
    a, b = _numbers(form, raw, 2)
    if a > b:
        raise ValueError(f"{form} range is reversed: [{a}, {b}]; expected low <= high")
    return (a, b)
