"""One seed, the same numbers: whatever the workers, chunks or executor."""

from __future__ import annotations

import numpy as np

from sim import (
    Purpose,
    Stream,
    load_scenario,
    replication_rng,
    run_monte_carlo,
    run_replication,
)
from sim.montecarlo import run as mc_run
from tests.builders import VALID


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


def test_replication_i_is_its_own_seed_sequence_of_the_run_stream() -> None:
    s = load_scenario(VALID)
    for i in range(5):
        key = (*Stream(Purpose.RUN).key(), i, 0)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(9, spawn_key=key)))
        assert run_replication(s, rng).row == run_replication(s, replication_rng(9, i)).row


def test_different_seeds_differ() -> None:
    s = load_scenario(VALID)
    a = run_monte_carlo(s, runs=200, seed=1, workers=1)
    b = run_monte_carlo(s, runs=200, seed=2, workers=1)
    assert a.metrics["fired"] != b.metrics["fired"]


def test_precision_stops_at_the_same_run_for_any_workers() -> None:
    s = load_scenario(VALID)
    one, three, seven = (
        run_monte_carlo(s, runs=50_000, seed=5, workers=w, precision=("leaked", 0.05))
        for w in (1, 3, 7)
    )
    assert one.runs == three.runs == seven.runs < 50_000
    assert one.runs % mc_run.PRECISION_STEP == 0
    assert one.metrics == three.metrics == seven.metrics
    half = (one.metrics["leaked"]["ci95"][1] - one.metrics["leaked"]["ci95"][0]) / 2
    assert half <= 0.05
