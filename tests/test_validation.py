"""Validation: scores of the closed forms, PIT uniformity and coverage when the events come
from the model itself, a tail event, and identical results for any worker count."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from sim.cli import app
from sim.io.events import load_events
from sim.montecarlo.batch import Fixed
from sim.montecarlo.streams import Purpose
from sim.studies.scoring import score
from sim.studies.validate import event_stream, simulate, validate
from tests.events_builders import binomial_scenario, write_event

runner = CliRunner()


def test_score_of_a_known_sample() -> None:
    x = np.array([0, 1, 1, 2, 2, 2, 3, 3, 4, 9], dtype=float)
    s = score(x, 2, 2, 0.5)
    assert (s.pit_low, s.pit_high, s.pit) == (0.3, 0.6, pytest.approx(0.45))
    assert s.probability == 0.3 and s.log_score == pytest.approx(-math.log(0.3))
    assert s.tail == 1.0 and s.in50 and s.in90
    far = score(x, 20, 30, 0.5)
    assert far.floored and far.log_score == pytest.approx(-math.log(0.05))
    assert far.pit == 1.0 and far.tail == 0.0 and not far.in90
    ranged = score(x, 3, 9, 0.0)
    assert ranged.pit_low == 0.6 and ranged.probability == 0.4


def _self_events(tmp_path: Path, k: int, n: int, pk: float) -> list:
    """k events whose 'observation' is a fresh replication of their own scenario."""
    scen = binomial_scenario(tmp_path, n, pk)
    stub = write_event(tmp_path, "stub", scen, {"leaked": 0})
    model = load_events([stub])[0].loaded.model
    fresh = simulate([(Fixed(model), event_stream(Purpose.RUN, load_events([stub])[0]))], k, 99)
    stub.unlink()
    for i, leaked in enumerate(fresh[0]["leaked"]):
        write_event(tmp_path, f"self-{i:03d}", scen, {"leaked": int(leaked)})
    return load_events([tmp_path / "events"])


def test_pit_is_uniform_and_coverage_binomial_when_events_come_from_the_model(
    tmp_path: Path,
) -> None:
    k, n, pk, runs = 60, 10, 0.5, 200
    events = _self_events(tmp_path, k, n, pk)
    result = validate(events, runs=runs, seed=5, workers=2)
    scores = result.all_scores()
    pit = np.array([s.pit for s in scores])
    counts, _ = np.histogram(pit, bins=5, range=(0, 1))
    assert stats.chisquare(counts).pvalue > 0.001, counts
    # coverage: each event's 90% (50%) hit has probability P(X in its own interval) under
    # the true Binomial(n, 1 - pk); their sum is within 4 SE of the expectation
    dist = stats.binom(n, 1 - pk)
    for key, lo, hi in (("in90", "p05", "p95"), ("in50", "p25", "p75")):
        p = np.array([dist.cdf(getattr(s, hi)) - dist.cdf(getattr(s, lo) - 1) for s in scores])
        hits = sum(getattr(s, key) for s in scores)
        assert abs(hits - p.sum()) <= 4 * math.sqrt((p * (1 - p)).sum()) + 1e-9, (
            key,
            hits,
            p.sum(),
        )


def test_an_event_far_in_the_tail_gets_a_tiny_tail_probability(tmp_path: Path) -> None:
    scen = binomial_scenario(tmp_path, 10, 0.1)  # leaked ~ Bin(10, 0.9): 0 has P = 1e-10
    event = write_event(tmp_path, "tail", scen, {"leaked": 0, "intercepted": [0, 2]})
    result = validate(load_events([event]), runs=300, seed=2, workers=1)
    by = {o.metric: s for o, s in result.scores[0]}
    tail, usual = by["leaked"], by["intercepted"]
    assert tail.tail < 0.01 and tail.floored and not tail.in90
    assert usual.tail > 0.01 and usual.in90


def test_validate_is_identical_for_one_and_two_workers_and_writes_its_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the provenance date
    scen = binomial_scenario(tmp_path, 6)
    for name, k in (("a", 2), ("b", [1, 4])):
        write_event(tmp_path, name, scen, {"leaked": k})
    docs = []
    for w in (1, 2):
        out = tmp_path / f"out{w}"
        args = ["validate", str(tmp_path / "events"), "--runs", "150", "--seed", "3"]
        result = runner.invoke(app, [*args, "--workers", str(w), "--out", str(out)])
        assert result.exit_code == 0, result.output
        docs.append((out / "validation.json").read_text())
        assert "coverage" in result.stdout
    assert docs[0] == docs[1]
    assert (tmp_path / "out2" / "figures" / "validation_pit.png").exists()
    assert (tmp_path / "out2" / "figures" / "validation_events.svg").exists()
