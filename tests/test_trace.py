"""The trace of a replication: typed events from one tracer, the same run with or without it."""

from __future__ import annotations

from pathlib import Path

from sim import load_scenario, replication_rng, run_replication
from sim.engine.trace import TraceEvent, Tracer
from sim.montecarlo.batch import replication_scenario
from sim.montecarlo.streams import RUN
from tests.builders import battery, scenario

AL_ASAD = Path(__file__).resolve().parent.parent / "scenarios" / "al-asad-2024-01-20.yaml"


def test_tracer_names_each_threats_type() -> None:
    tracer = Tracer(["srbm", "rocket"])
    tracer.event(2.0, "detect", 1)
    tracer.event(1.0, "reload", battery="upper", detail="4 ready")
    tracer.event(1.0, "launch", 0)
    assert tracer.events[0] == TraceEvent(2.0, "detect", 1, "rocket", "", "")
    assert tracer.events[1] == TraceEvent(1.0, "reload", -1, "", "upper", "4 ready")
    assert tracer.events[0].type == "rocket" and tracer.events[1].battery == "upper"


def test_events_in_order_of_time_then_threat_ties_as_recorded() -> None:
    tracer = Tracer(["a", "a"])
    tracer.event(5.0, "miss", 1, "b")
    tracer.event(5.0, "engage", 0, "b")
    tracer.event(5.0, "alarm")
    tracer.event(5.0, "fire", 0, "b")
    tracer.event(1.0, "launch", 1)
    kinds = [e.kind for e in tracer.in_order()]
    assert kinds == ["launch", "alarm", "engage", "fire", "miss"]


def test_tracing_changes_nothing_but_the_log() -> None:
    s = load_scenario(
        AL_ASAD, ["defense.batteries.counter_rocket.reload={interceptors: 2, time_s: 4, times: 3}"]
    )
    kinds: set[str] = set()
    for i in range(40):
        rng_plain, rng_traced = replication_rng(5, i), replication_rng(5, i)
        si, _ = replication_scenario(s, 5, i, RUN)  # one value per uncertain path
        plain = run_replication(si, rng_plain, count_events=True)
        traced = run_replication(si, rng_traced, trace=True, count_events=True)
        assert plain.log is None
        assert traced.row == plain.row and traced.events == plain.events
        assert rng_traced.random(4).tolist() == rng_plain.random(4).tolist()  # same draws
        log = traced.log
        assert log is not None and all(isinstance(e, TraceEvent) for e in log)
        assert log == sorted(log, key=lambda e: (e.time, e.threat))
        launches = [e for e in log if e.kind == "launch"]
        assert len(launches) == traced.metrics["fired"]
        for e in log:
            assert (e.type in s.threat_types) if e.threat >= 0 else e.type == ""
            assert e.battery in ("", *s.battery_names)
        kinds |= {e.kind for e in log}
    assert {"launch", "detect", "engage", "fire", "intercept", "miss", "impact"} <= kinds


def test_trace_counts_agree_with_the_metrics() -> None:
    s = scenario(6, {"b": battery(0.5, doctrine="shoot-look-shoot")})
    for i in range(20):
        rep = run_replication(s, replication_rng(2, i), trace=True)
        m = rep.metrics
        log = rep.log or []
        assert sum(e.kind == "intercept" for e in log) == m["intercepted"]
        assert sum(e.kind == "impact" for e in log) == m["leaked"]
        assert sum(e.kind == "engage" for e in log) == m["interceptors"]  # one shot each
