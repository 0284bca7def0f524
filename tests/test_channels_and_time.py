"""Deterministic checks of fire channels, the engagement window, magazines and reloads.

With c channels each held h seconds per engagement, kill probability 1 and every threat
known at t = 0 with T seconds to impact, at most c x floor(T / h) threats are intercepted;
the rest leak. Every count here is exact, in every replication.
"""

from __future__ import annotations

import math

import pytest

from sim import metric_names, replication_rng, run_replication
from sim.io.scenario_file import validate
from tests.builders import battery, scenario


def rows(s, n: int = 20, seed: int = 1) -> list[dict]:
    names = metric_names(s)
    return [
        dict(zip(names, run_replication(s, replication_rng(seed, i)).row, strict=True))
        for i in range(n)
    ]


@pytest.mark.parametrize(("channels", "flight", "n"), [(2, 32, 20), (3, 41, 30), (1, 10, 5)])
def test_channel_capacity(channels: int, flight: float, n: int) -> None:
    # hold h = reaction 1 + flyout 3 + assessment 1 = 5 s per engagement
    b = battery(1.0, channels=channels, reaction_s=1, flyout_s=3, assess_s=1)
    s = scenario(n, {"b": b}, flight_time_s=flight)
    capacity = channels * math.floor(flight / 5)
    for row in rows(s):
        assert row["intercepted"] == min(n, capacity)
        assert row["leaked"] == n - min(n, capacity)
        assert row["interceptors"] == min(n, capacity)


def test_min_time_before_impact_closes_the_window() -> None:
    # intercept at t = 4 is allowed only if 4 <= 10 - min_time_before_impact
    ok = scenario(
        3,
        {"b": battery(1.0, reaction_s=1, flyout_s=3, min_time_before_impact_s=6)},
        flight_time_s=10,
    )
    late = scenario(
        3,
        {"b": battery(1.0, reaction_s=1, flyout_s=3, min_time_before_impact_s=7)},
        flight_time_s=10,
    )
    assert all(r["intercepted"] == 3 for r in rows(ok, 5))
    assert all(r["intercepted"] == 0 and r["engaged"] == 0 for r in rows(late, 5))


def test_late_detection_leaves_no_time() -> None:
    s = validate(
        {
            "name": "late",
            "threats": {"msl": {"count": 4, "flight_time_s": 20, "aim": {"x_m": 0, "y_m": 0}}},
            "defense": {
                "detection": {"msl": {"delay_s": 18}},
                "batteries": {"b": battery(1.0, reaction_s=1, flyout_s=2)},
            },
        },
        "test",
    )
    assert all(r["detected"] == 4 and r["engaged"] == 0 and r["leaked"] == 4 for r in rows(s, 5))


def test_shoot_look_shoot_needs_time_for_the_second_look() -> None:
    # a miss at t = 3 (reaction 1 + flyout 2), assessment until 4; a second intercept would
    # come at 7 > impact 8 - 2, so only one shot fits; with pk = 0 everything leaks after 1
    s = scenario(
        5, {"b": battery(0.0, "shoot-look-shoot", min_time_before_impact_s=2)}, flight_time_s=8
    )
    assert all(r["interceptors"] == 5 and r["leaked"] == 5 for r in rows(s, 5))
    roomy = scenario(
        5, {"b": battery(0.0, "shoot-look-shoot", min_time_before_impact_s=1)}, flight_time_s=8
    )
    assert all(r["interceptors"] == 10 for r in rows(roomy, 5))


def test_empty_magazine_passes_threats_to_the_next_layer() -> None:
    layers = {"outer": battery(1.0, interceptors=3), "inner": battery(1.0)}
    s = scenario(10, layers)
    for r in rows(s, 5):
        assert r["intercepted.outer"] == 3
        assert r["intercepted.inner"] == 7
        assert r["leaked"] == 0


def test_reload_refills_after_the_magazine_empties() -> None:
    b = battery(1.0, interceptors=4, reload={"interceptors": 4, "time_s": 20, "times": 1})
    s = validate(
        {
            "name": "reload",
            "threats": {
                "early": {"count": 4, "flight_time_s": 100, "aim": {"x_m": 0, "y_m": 0}},
                "late": {
                    "count": 6,
                    "launch_s": 30,
                    "flight_time_s": 100,
                    "aim": {"x_m": 0, "y_m": 0},
                },
            },
            "defense": {"batteries": {"b": {**b, "pk": {"early": 1.0, "late": 1.0}}}},
        },
        "test",
    )
    for r in rows(s, 5):
        assert r["intercepted.early"] == 4
        assert r["intercepted.late"] == 4  # the reload's 4, then empty again (times: 1)
        assert r["leaked"] == 2
        assert r["interceptors"] == 8


def test_waiting_threats_are_served_earliest_impact_first() -> None:
    # one channel held 10 s per engagement; three threats known at t = 0 with impacts at
    # 30, 50 and 40 s (in file order a, b, c): served in impact order a, c, b, with kills at
    # 8, 18 and 28 s
    s = validate(
        {
            "name": "order",
            "threats": {
                "a": {"count": 1, "flight_time_s": 30, "aim": {"x_m": 0, "y_m": 0}},
                "b": {"count": 1, "flight_time_s": 50, "aim": {"x_m": 0, "y_m": 0}},
                "c": {"count": 1, "flight_time_s": 40, "aim": {"x_m": 0, "y_m": 0}},
            },
            "defense": {
                "batteries": {
                    "x": {
                        "pk": {"a": 1.0, "b": 1.0, "c": 1.0},
                        "channels": 1,
                        "interceptors": 10,
                        "reaction_s": 2,
                        "flyout_s": 6,
                        "assess_s": 2,
                    }
                }
            },
        },
        "test",
    )
    rep = run_replication(s, replication_rng(1, 0), trace=True)
    kills = [(round(t), ty) for t, kind, _, ty, _, _ in rep.log if kind == "intercept"]
    assert kills == [(8, "a"), (18, "c"), (28, "b")]


def test_a_queued_threat_gives_up_when_its_window_passes() -> None:
    # one channel, two threats at t = 0 with the same impact at 12 s; the first engagement
    # holds the channel 10 s, so the second could start only at 10 and intercept at 18 > 12
    s = scenario(
        2, {"b": battery(1.0, channels=1, reaction_s=2, flyout_s=6, assess_s=2)}, flight_time_s=12
    )
    rep = run_replication(s, replication_rng(1, 0), trace=True)
    kinds = [kind for _, kind, *_ in rep.log]
    assert kinds.count("intercept") == 1
    assert kinds.count("gave up") == 1
    gave_up = next(t for t, kind, *_ in rep.log if kind == "gave up")
    assert gave_up == pytest.approx(12 - 8)  # the last start that could still intercept


def _two_threats(first: dict, second: dict, battery_params: dict) -> dict:
    aim = {"x_m": 0, "y_m": 0}
    return {
        "name": "two",
        "threats": {
            "a": {"count": 1, "aim": aim, **first},
            "b": {"count": 1, "aim": aim, **second},
        },
        "defense": {"batteries": {"x": {"channels": 1, "interceptors": 10, **battery_params}}},
    }


def test_a_channel_freed_at_the_last_feasible_start_still_serves() -> None:
    # a holds the only channel from 0 to 20: two looks of reaction 1 + flyout 4, a miss and
    # assessment 5 each. b, launched at 2 and landing at 25, can start as late as 25 - 5 =
    # 20: exactly when the channel is free again, so it is engaged (and killed) in every
    # replication. Its give-up deadline was set (at 2) before a's release (at 10), so
    # only the rule "deadlines come last among simultaneous events" lets it through.
    params = {
        "pk": {"a": 0.0, "b": 1.0},
        "doctrine": "shoot-look-shoot",
        "reaction_s": 1,
        "flyout_s": 4,
        "assess_s": 5,
    }
    data = _two_threats({"flight_time_s": 100}, {"launch_s": 2, "flight_time_s": 23}, params)
    s = validate(data, "test")
    for row in rows(s, n=5):
        assert (row["intercepted.b"], row["engaged.b"], row["leaked.a"]) == (1, 1, 1)
        assert row["interceptors.x"] == 3


def test_a_deadline_rounded_below_now_gives_up_at_once() -> None:
    # b is known at 0.1 and lands at 0.7; reaction 0.1 + flyout 0.5 leave a last start of
    # 0.1 in exact arithmetic, a hair earlier in floating point, while a holds the channel
    params = {"pk": {"a": 0.5, "b": 0.5}, "reaction_s": 0.1, "flyout_s": 0.5, "assess_s": 1}
    data = _two_threats({"flight_time_s": 100}, {"flight_time_s": 0.7}, params)
    data["defense"]["detection"] = {"b": {"probability": 1.0, "delay_s": 0.1}}
    for row in rows(validate(data, "test"), n=5):
        assert row["engaged.b"] == 0
        assert row["leaked.b"] == 1
