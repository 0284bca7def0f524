"""One seed, the same numbers: whatever the workers, chunks or executor."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import load_scenario, replication_rng, run_monte_carlo, run_replication
from sim.montecarlo import run as mc_run

VALID = Path(__file__).parent / "scenarios" / "valid-small.yaml"


def test_same_seed_same_numbers_for_any_workers() -> None:
    s = load_scenario(VALID)
    one = run_monte_carlo(s, runs=500, seed=3, workers=1)
    two = run_monte_carlo(s, runs=500, seed=3, workers=2)
    three = run_monte_carlo(s, runs=500, seed=3, workers=3)
    assert one.metrics == two.metrics == three.metrics
    assert np.array_equal(one.impacts, two.impacts)


def test_chunking_does_not_matter(monkeypatch) -> None:  # noqa: ANN001
    s = load_scenario(VALID)
    base = run_monte_carlo(s, runs=300, seed=4, workers=1)
    monkeypatch.setattr(mc_run, "chunk_size", lambda runs, workers: 7)
    small_chunks = run_monte_carlo(s, runs=300, seed=4, workers=2)
    assert small_chunks.metrics == base.metrics


def test_replication_i_is_child_stream_i() -> None:
    s = load_scenario(VALID)
    children = np.random.SeedSequence(9).spawn(5)
    for i, child in enumerate(children):
        rng = np.random.Generator(np.random.PCG64(child))
        assert run_replication(s, rng).row == run_replication(s, replication_rng(9, i)).row


def test_different_seeds_differ() -> None:
    s = load_scenario(VALID)
    a = run_monte_carlo(s, runs=200, seed=1, workers=1)
    b = run_monte_carlo(s, runs=200, seed=2, workers=1)
    assert a.metrics["fired"] != b.metrics["fired"]


def test_precision_stops_at_the_same_run_for_any_workers() -> None:
    s = load_scenario(VALID)
    one = run_monte_carlo(s, runs=50_000, seed=5, workers=1, precision=("leaked", 0.05))
    two = run_monte_carlo(s, runs=50_000, seed=5, workers=2, precision=("leaked", 0.05))
    assert one.runs == two.runs < 50_000
    assert one.metrics == two.metrics
    half = (one.metrics["leaked"]["ci95"][1] - one.metrics["leaked"]["ci95"][0]) / 2
    assert half <= 0.05
