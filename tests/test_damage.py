"""Damage functions on their own: probability at distance against the closed forms, reach,
the lethal area they share, and the cookie-cutter's boolean scoring against the general
scoring from probabilities (same outcome from the same draws)."""

from __future__ import annotations

import math
from typing import get_args

import numpy as np
import pytest

from sim.model.damage import (
    DAMAGE_FUNCTIONS,
    Carleton,
    CookieCutter,
    DamageFunctionName,
    _spared,
    damage_function_for,
)
from tests.builders import proportion_se, scenario, within

RADII = [0.0, 10.0, 25.0, 40.0]  # killed, wounded, tbi are taken three at a time


def probabilities(function: str, r: np.ndarray, radii: list[float]) -> np.ndarray:
    damage = damage_function_for(function)
    radius2 = damage.squared_radii(np.array([radii]))[0, :, None]
    return damage.probability(np.square(r), radius2)


def test_every_name_a_scenario_may_give_has_a_function() -> None:
    assert get_args(DamageFunctionName) == tuple(DAMAGE_FUNCTIONS)
    for name in DAMAGE_FUNCTIONS:
        s = scenario(1, {}).model_copy(update={"damage_function": name})
        assert damage_function_for(s.damage_function) is DAMAGE_FUNCTIONS[name]
    assert isinstance(damage_function_for("cookie-cutter"), CookieCutter)
    assert isinstance(damage_function_for("carleton"), Carleton)


@pytest.mark.parametrize("radii", [RADII[:3], RADII[1:], [40.0, 25.0, 0.0]])
def test_probability_at_distance_is_the_closed_form(radii: list[float]) -> None:
    r = np.array([0.0, 5.0, 10.0, 17.5, 25.0, 25.001, 40.0, 80.0, 200.0])
    big_r = np.array(radii)[:, None]
    cookie = probabilities("cookie-cutter", r, radii)
    assert np.array_equal(cookie, ((r <= big_r) & (big_r > 0)).astype(float))
    carleton = probabilities("carleton", r, radii)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(big_r > 0, np.exp(-((r / big_r) ** 2)), 0.0)
    assert carleton == pytest.approx(expected, rel=1e-12, abs=0)
    assert carleton.shape == cookie.shape == (3, len(r))


def test_reach() -> None:
    assert damage_function_for("cookie-cutter").reach == 1.0
    carleton = damage_function_for("carleton")
    assert carleton.reach == pytest.approx(3.717, abs=1e-3)
    # the cut is where the probability falls to 1e-6
    at_cut = probabilities("carleton", np.array([carleton.reach * 20.0]), [20.0, 20.0, 20.0])
    assert at_cut[0, 0] == pytest.approx(1e-6, rel=1e-9)


def test_both_functions_have_the_same_lethal_area() -> None:
    radius = 30.0
    r = np.linspace(0.0, 10 * radius, 200_001)
    for name in DAMAGE_FUNCTIONS:
        reach = damage_function_for(name).reach * radius
        p = probabilities(name, r, [radius, radius, radius])[0] * (r <= reach)
        f = p * 2 * math.pi * r
        area = float(np.sum((f[1:] + f[:-1]) * np.diff(r)) / 2)  # trapezoid rule
        assert area == pytest.approx(math.pi * radius**2, rel=1e-3), name


SHELTERS: list[np.ndarray | str | None] = [
    None,  # nobody shelters
    np.array([[0.05], [0.1], [0.5]]),  # shared and ascending: the nested shortcut applies
    np.array([[0.5], [0.1], [0.7]]),  # shared, not ascending
    "per person",
]


@pytest.mark.parametrize("shelter", range(len(SHELTERS)))
def test_cookie_cutter_scoring_equals_scoring_from_probabilities(shelter: int) -> None:
    cookie = damage_function_for("cookie-cutter")
    gen = np.random.default_rng(12 + shelter)
    n = 4000
    for radii in ([10.0, 20.0, 30.0], [30.0, 20.0, 0.0], [0.0, 0.0, 5.0], [15.0, 15.0, 40.0]):
        radius2 = cookie.squared_radii(np.array([radii]))[0, :, None]
        r2 = gen.uniform(0, 45.0, n) ** 2
        p = cookie.probability(r2, radius2)
        exposed: np.ndarray | None = None
        unprotected: np.ndarray | None = None
        nested = radii[0] <= radii[1] <= radii[2]
        column = SHELTERS[shelter]
        if column is not None:
            exposed = gen.random(n) < 0.3
            if isinstance(column, np.ndarray):
                unprotected = column
                nested = nested and bool(np.all(np.diff(column[:, 0]) >= 0))
            else:
                unprotected = gen.uniform(0.0, 1.0, (3, n))
                nested = False
            p *= np.where(exposed, 1.0, unprotected)
        boolean = cookie.spared(np.random.default_rng(3), r2, radius2, exposed, unprotected, nested)
        general = _spared(np.random.default_rng(3), p)
        assert np.array_equal(boolean, general), radii
        assert not nested or np.array_equal(
            boolean,
            cookie.spared(np.random.default_rng(3), r2, radius2, exposed, unprotected, False),
        )


def test_carleton_scores_with_its_probabilities() -> None:
    # everyone at r = R from an impact with radii R, 2R, 3R: killed with p = exp(-1), else
    # wounded with exp(-1/4) - exp(-1), else tbi with exp(-1/9) - exp(-1/4)
    carleton = damage_function_for("carleton")
    n, radius = 200_000, 10.0
    radius2 = carleton.squared_radii(np.array([[radius, 2 * radius, 3 * radius]]))[0, :, None]
    r2 = np.full(n, radius**2)
    spared = carleton.spared(np.random.default_rng(4), r2, radius2, None, None, True)
    counts = np.bincount(spared, minlength=4) / n
    expected = [
        math.exp(-1),
        math.exp(-1 / 4) - math.exp(-1),
        math.exp(-1 / 9) - math.exp(-1 / 4),
        1 - math.exp(-1 / 9),
    ]
    for got, want in zip(counts, expected, strict=True):
        assert within(got, want, proportion_se(want, n))
