"""Each distribution form on its own: its mean and support against seeded draws, its one-value
draw against its batch draw, and the properties the engine relies on (immutable, hashable,
picklable, equal by value, written back to the same scenario form)."""

from __future__ import annotations

import dataclasses
import math
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from sim.model.distributions import COUNT_FORMS, FORM_CLASSES, FORMS, Dist, constant, parse_dist
from tests.builders import within

DOCS = Path(__file__).parent.parent / "docs" / "scenario-format.md"

# (scenario value, kind): at least one of every form, and kinds that change a draw
EXAMPLES = [
    (2.5, "real"),
    (7, "count"),
    ({"uniform": [-2, 3]}, "real"),
    ({"normal": [-3, 2]}, "real"),
    ({"normal": [10, 2]}, "duration"),
    ({"lognormal": [2, 0.3]}, "duration"),
    ({"triangular": [0, 1, 4]}, "real"),
    ({"triangular": [2.0, 2.0, 2.0]}, "duration"),
    ({"beta": [2, 5]}, "probability"),
    ({"uniform_int": [3, 9]}, "count"),
    ({"poisson": 4.5}, "count"),
    ({"choice": {"values": [1, 5, 10], "weights": [1, 2, 1]}}, "count"),
    ({"choice": {"values": [0.1, 0.7], "weights": [3, 1]}}, "probability"),
]
IDS = [
    f"{kind}-{next(iter(raw)) if isinstance(raw, dict) else 'constant'}" for raw, kind in EXAMPLES
]


def test_the_registry_covers_every_form() -> None:
    assert FORMS == (
        "uniform",
        "normal",
        "lognormal",
        "triangular",
        "uniform_int",
        "poisson",
        "choice",
        "beta",
    )  # the order error messages list them in
    assert set(FORM_CLASSES) == set(FORMS)
    for form, cls in FORM_CLASSES.items():
        assert cls.form == form and issubclass(cls, Dist)
    assert COUNT_FORMS == ("uniform_int", "poisson", "choice")
    assert {form for form in FORMS if FORM_CLASSES[form].integer} == set(COUNT_FORMS)
    # the format's table of forms: | uniform | `{uniform: [a, b]}` | ...
    rows = re.findall(r"^\| (\w+) \| `\{(\w+):", DOCS.read_text(), flags=re.MULTILINE)
    assert all(name == key for name, key in rows)
    assert sorted(name for name, _ in rows) == sorted(FORMS)


@pytest.mark.parametrize(("raw", "kind"), EXAMPLES, ids=IDS)
def test_mean_and_support_agree_with_draws(raw: object, kind: str) -> None:
    d = parse_dist(raw, kind)  # type: ignore[arg-type]
    n = 20_000
    x = d.sample(np.random.default_rng(41), n)
    assert x.shape == (n,)
    lo, hi = d.support
    assert lo <= x.min() and x.max() <= hi
    se = float(np.std(x)) / math.sqrt(n)
    if se == 0:
        assert np.all(x == d.mean)
    else:
        assert within(float(np.mean(x)), d.mean, se)
    if kind == "count":
        assert x.dtype.kind == "i"


@pytest.mark.parametrize(("raw", "kind"), EXAMPLES, ids=IDS)
def test_one_draw_is_the_first_of_a_batch(raw: object, kind: str) -> None:
    d = parse_dist(raw, kind)  # type: ignore[arg-type]
    for seed in range(5):
        one = d.draw(np.random.default_rng(seed))
        batch = d.sample(np.random.default_rng(seed), 1)
        assert one == batch[0] and not isinstance(one, np.generic)
        listed = d.sample_list(np.random.default_rng(seed), 3)
        assert listed == d.sample(np.random.default_rng(seed), 3).tolist()
        out = np.zeros(3)
        d.fill(np.random.default_rng(seed), out)
        assert np.array_equal(out, d.sample(np.random.default_rng(seed), 3))


@pytest.mark.parametrize(("raw", "kind"), EXAMPLES, ids=IDS)
def test_values_are_immutable_hashable_picklable_and_written_back(raw: object, kind: str) -> None:
    d = parse_dist(raw, kind)  # type: ignore[arg-type]
    again = parse_dist(raw, kind)  # type: ignore[arg-type]
    assert d == again and hash(d) == hash(again) and len({d, again}) == 1
    copy = pickle.loads(pickle.dumps(d))
    assert copy == d and type(copy) is type(d)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.params = (1,)  # type: ignore[misc]
    assert parse_dist(d.to_yaml(), kind) == d  # type: ignore[arg-type]
    assert d.is_constant == (d.form == "constant")


def test_equality_needs_the_same_form_and_kind() -> None:
    assert parse_dist({"uniform": [1, 2]}) != parse_dist({"uniform_int": [1, 2]})
    assert parse_dist({"uniform": [1, 2]}) != parse_dist({"uniform": [1, 2]}, "duration")
    assert constant(3, "count") == parse_dist(3.0, "count")


def test_a_normal_duration_is_clipped_at_zero() -> None:
    d = parse_dist({"normal": [0, 1]}, "duration")
    x = d.sample(np.random.default_rng(5), 1000)
    assert x.min() == 0.0 and (x == 0).sum() > 400
    assert d.support == (0.0, math.inf)
    assert parse_dist({"normal": [0, 1]}).support == (-math.inf, math.inf)


def test_a_degenerate_triangular_draws_nothing() -> None:
    rng = np.random.default_rng(6)
    state = rng.bit_generator.state
    assert parse_dist({"triangular": [3, 3, 3]}).sample(rng, 4).tolist() == [3, 3, 3, 3]
    assert rng.bit_generator.state == state


@pytest.mark.parametrize(
    "bounds", [(0.0, 120.0), (-3.5, 1e3), (0.2, 0.95), (1e-9, 3e-9), (5.0, 5.0)]
)
def test_a_uniform_draw_is_numpys_to_the_last_bit(bounds: tuple[float, float]) -> None:
    # Uniform.draw computes a + (b - a) * random() itself: the value numpy's uniform gives,
    # so that streams recorded before (golden numbers, saved studies) stay the same
    dist = parse_dist({"uniform": list(bounds)})
    ours, numpys = np.random.default_rng(4), np.random.default_rng(4)
    for _ in range(1000):
        assert dist.draw(ours) == numpys.uniform(*bounds)
