"""The stream registry: every purpose has its own stream, never a replication's of another.

``ReplicationStreams`` does numpy's SeedSequence arithmetic itself (the part shared by a
chunk once); these tests check it against numpy's own ``PCG64(SeedSequence(...))`` for
extreme seeds and indices, and for every way of cutting replications into chunks.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.montecarlo.batch import Fixed, Task, run_task
from sim.montecarlo.streams import RUN, Purpose, ReplicationStreams, Stream, replication_rng
from tests.builders import battery, scenario

SEEDS = (0, 1, 2**32, 2**63 - 1)
INDICES = (0, 1, 2, 2**32 - 1, 2**32 + 5, 2**64 - 1)
CONTEXTS = ((), (0,), (1,), (4,), (5, 1), (2**32 + 5,))


def _first(rng: np.random.Generator, n: int = 8) -> tuple[int, ...]:
    return tuple(rng.integers(0, 2**63, n).tolist())


@pytest.mark.parametrize("seed", SEEDS)
def test_fast_seeding_equals_numpy(seed: int) -> None:
    for stream in (RUN, Stream(Purpose.SWEEP_POINT, (3,)), Stream(Purpose.SWEEP_POINT, (2**40,))):
        streams = ReplicationStreams(seed, stream)
        for i in INDICES:
            key = (*stream.key(), i % 2**32, i >> 32)
            numpy_rng = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key))
            )
            assert streams.rng(i).bit_generator.state == numpy_rng.bit_generator.state
            assert _first(streams.rng(i)) == _first(numpy_rng)
            assert _first(streams.rng(i)) == _first(replication_rng(seed, i, stream))
        assert streams._exact  # not numpy's own seeding, which a mismatch falls back to


@pytest.mark.parametrize("seed", SEEDS)
def test_prepared_states_equal_numpy(seed: int) -> None:
    # a chunk's states worked out together on arrays, across the low word's wrap and up to
    # the last index; indices outside the prepared range are still worked out one by one
    stream = Stream(Purpose.SWEEP_POINT, (2**40,))
    for start, stop in ((0, 40), (2**32 - 20, 2**32 + 20), (2**64 - 33, 2**64)):
        streams = ReplicationStreams(seed, stream)
        streams.prepare(start, stop)
        assert len(streams._prepared) == stop - start  # the arrays were used
        for i in (*range(start, stop), 5, 2**63):
            assert streams.rng(i).bit_generator.state == stream.rng(seed, i).bit_generator.state
        assert streams._exact  # not numpy's own seeding, which a mismatch falls back to


def test_replications_do_not_depend_on_the_chunks() -> None:
    s = scenario(count={"poisson": 6}, batteries={"b": battery(0.6, "shoot-look-shoot")})
    whole = run_task(Task("run", Fixed(s), 2**63 - 1, RUN, 0, 60)).rows
    for size in (1, 7, 25):
        parts = [
            run_task(Task("run", Fixed(s), 2**63 - 1, RUN, a, min(60, a + size))).rows
            for a in range(0, 60, size)
        ]
        assert np.array_equal(np.vstack(parts), whole)


def test_no_purpose_shares_a_stream_with_a_replication() -> None:
    # every (purpose, context) stream's first draws, at its first indices, against the
    # first draws of every run replication stream, including indices of two 32-bit words
    for seed in (0, 7, 2**32):
        replications = {_first(replication_rng(seed, i)) for i in (*range(64), *INDICES)}
        seen = set(replications)
        for purpose, context in itertools.product(Purpose, CONTEXTS):
            if purpose is Purpose.RUN and context == ():
                continue
            stream = Stream(purpose, context)
            for rng in (stream.generator(seed), *(stream.rng(seed, i) for i in (0, 1, 4))):
                draws = _first(rng)
                assert draws not in seen, (purpose, context)
                seen.add(draws)


def test_context_words_cannot_alias() -> None:
    # SeedSequence alone would read (2**32 + 5,) and (5, 1) as the same words
    streams = [Stream(Purpose.SWEEP_POINT, c) for c in ((2**32 + 5,), (5, 1), (5,))]
    draws = {_first(s.rng(1, 0)) for s in streams} | {_first(s.generator(1)) for s in streams}
    assert len(draws) == 6
    assert _first(RUN.rng(1, 2**32 + 5)) != _first(RUN.rng(1, 5))


def test_purposes_are_numbered_once() -> None:
    assert len({int(p) for p in Purpose}) == len(Purpose)


def test_out_of_range_indices_are_refused() -> None:
    with pytest.raises(ValueError):
        replication_rng(1, -1)
    with pytest.raises(ValueError):
        replication_rng(1, 2**64)
    with pytest.raises(ValueError):
        Stream(Purpose.SWEEP_POINT, (-1,)).key()
