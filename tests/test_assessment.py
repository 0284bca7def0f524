"""Truth and belief in an engagement: the outcome is tallied, the battery acts on its belief.

Kill assessment is perfect so far: belief equals the outcome and costs no random draw. The
last two tests stand in for a future error model (``Battery.assess``) to check that the
engagement acts on belief: a miss believed a kill lets the threat leak, and a kill believed
a miss is engaged again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import load_scenario, replication_rng, run_replication
from sim.engine.battery import Battery
from sim.montecarlo.batch import replication_scenario
from sim.montecarlo.streams import RUN
from tests.builders import battery, scenario

AL_ASAD = Path(__file__).resolve().parent.parent / "scenarios" / "al-asad-2024-01-20.yaml"


def test_perfect_assessment_believes_the_outcome_and_draws_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = load_scenario(AL_ASAD)
    plain = []
    for i in range(60):
        rng = replication_rng(9, i)
        si = replication_scenario(s, 9, i, RUN)[0]  # one value per uncertain path
        plain.append((run_replication(si, rng, count_events=True), rng.random(4).tolist()))

    # ask the hook at every engagement, as an error model would, and record what it says
    seen: list[tuple[bool, bool]] = []
    assess = Battery.assess

    def recording(self: Battery, killed: bool, j: int) -> bool:
        believed = assess(self, killed, j)
        seen.append((killed, believed))
        return believed

    monkeypatch.setattr(Battery, "perfect_assessment", False)
    monkeypatch.setattr(Battery, "assess", recording)
    for i, (rep, state) in enumerate(plain):
        rng = replication_rng(9, i)
        asked = run_replication(replication_scenario(s, 9, i, RUN)[0], rng, count_events=True)
        assert asked.row == rep.row
        assert asked.events == rep.events  # the same events per replication
        assert rng.random(4).tolist() == state  # no extra draws: the stream is where it was
    assert seen and all(killed == believed for killed, believed in seen)
    assert {killed for killed, _ in seen} == {True, False}


def test_a_miss_believed_a_kill_leaks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Battery, "perfect_assessment", False)
    monkeypatch.setattr(Battery, "assess", lambda self, killed, j: True)
    outer, inner = battery(0.0, {"shots": 1, "engagements": 3}), battery(1.0)
    s = scenario(8, {"outer": outer, "inner": inner})
    m = run_replication(s, replication_rng(1, 0)).metrics
    assert m["intercepted"] == 0 and m["leaked"] == 8
    assert m["interceptors.outer"] == 8  # one engagement each, then the battery stops
    assert m["engaged.inner"] == 0  # and no other battery is asked


def test_a_kill_believed_a_miss_is_engaged_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Battery, "perfect_assessment", False)
    monkeypatch.setattr(Battery, "assess", lambda self, killed, j: False)
    s = scenario(8, {"b": battery(1.0, {"shots": 1, "engagements": 3})})
    m = run_replication(s, replication_rng(1, 0)).metrics
    assert m["intercepted"] == 8 and m["leaked"] == 0  # the first kill counts
    assert m["interceptors"] == 24  # every engagement is spent on dead threats
