"""Small scenarios built in code for the closed-form tests: ample time, channels and
interceptors unless a test says otherwise."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sim import Scenario
from sim.io.scenario_file import validate

SCENARIOS = Path(__file__).parent / "scenarios"
VALID = SCENARIOS / "valid-small.yaml"  # a small scenario with every feature


def small_calibration(folder: Path) -> Path:
    """VALID with a calibration of its upper battery's Pk against the rockets fired (20
    samples): a calibration that runs in a second. Written as ``folder/cal.yaml``."""
    path = folder / "cal.yaml"
    path.write_text(
        VALID.read_text() + "calibration:\n"
        "  unknowns:\n    defense.batteries.upper.pk.srbm: {uniform: [0.3, 0.95]}\n"
        "  evidence:\n    fired.rocket: {between: [4, 8]}\n  samples: 20\n"
    )
    return path


def battery(pk: float, doctrine: Any = "shoot", **overrides: Any) -> dict:
    """A battery with ample channels, interceptors and time, engaging type 'msl'."""
    return {
        "pk": {"msl": pk},
        "doctrine": doctrine,
        "channels": 1000,
        "interceptors": 1_000_000,
        "reaction_s": 1,
        "flyout_s": 2,
        "assess_s": 1,
        **overrides,
    }


def scenario(
    count: Any = 20,
    batteries: dict | None = None,
    detect: Any = 1.0,
    zones: dict | None = None,
    detection_delay: Any = 0,
    **threat: Any,
) -> Scenario:
    """One threat type 'msl' launched at t = 0, flying 300 s at the origin."""
    data = scenario_data(count, batteries, detect, zones, detection_delay, **threat)
    return validate(data, "test")


def scenario_data(
    count: Any = 20,
    batteries: dict | None = None,
    detect: Any = 1.0,
    zones: dict | None = None,
    detection_delay: Any = 0,
    **threat: Any,
) -> dict:
    """The plain data of ``scenario`` (for studies, which need the file's contents)."""
    group = {
        "count": count,
        "launch_s": 0,
        "flight_time_s": 300,
        "aim": {"x_m": 0, "y_m": 0},
        "cep_m": 0,
        **threat,
    }
    data: dict[str, Any] = {
        "name": "closed-form",
        "threats": {"msl": group},
        "defense": {
            "detection": {"msl": {"probability": detect, "delay_s": detection_delay}},
            "batteries": batteries or {},
        },
    }
    if zones is not None:
        data["base"] = zones
    return data


def within(estimate: float, expected: float, se: float, k: float = 4.0) -> bool:
    """|estimate - expected| <= k standard errors."""
    return abs(estimate - expected) <= k * se


def proportion_se(p: float, n: int) -> float:
    """Standard error of a proportion p estimated from n independent trials."""
    return math.sqrt(p * (1 - p) / n)


def binomial_variance_se(n: int, p: float, runs: int) -> tuple[float, float]:
    """Variance of Binomial(n, p) and the standard error of its sample variance over ``runs``
    draws, sqrt((mu4 - sigma^4) / runs), with the binomial's fourth central moment
    mu4 = n p q (1 + 3 (n - 2) p q)."""
    pq = p * (1 - p)
    var = n * pq
    mu4 = n * pq * (1 + 3 * (n - 2) * pq)
    return var, math.sqrt((mu4 - var * var) / runs)
