"""The registry of random streams: every random number has a declared purpose.

One root seed fixes every number a command produces. Each *purpose* (the replications of
``adsim run``, the replications of sweep point k, a calibration try's prior draw, a sweep
design's own numbers, ...) gets a key of its own, and within a purpose each replication (or
try) index gets a counter block of its own:

    key(seed, purpose, context)  = SeedSequence(seed, spawn_key=(purpose, len(context),
                                   lo, hi of each context value)).generate_state(2, uint64)
    stream(seed, purpose, context, index) = Philox(key, counter=[0, index mod 2^64,
                                            index // 2^64, 0])

Philox is a counter-based generator (Salmon et al., "Parallel random numbers: as easy as 1,
2, 3", SC'11): its output is a keyed function of a 256-bit counter, so replication ``index``
starts at a counter that no other replication of the purpose reaches (a replication would
need 2^64 blocks of four draws to run into the next), and setting the counter costs no
hashing. Results therefore depend on nothing but (seed, purpose, context, index): not on
workers, chunks, the order of work or the cluster.

Why the spawn key has that shape: SeedSequence reads each spawn-key entry as 32-bit words,
dropping leading zero words, so ``(2**32 + 5,)`` and ``(5, 1)`` would hash alike. Writing
the purpose, the number of context values and each value as exactly two words makes the
word sequence, and so the key, differ for any two different (purpose, context). A
replication's index never enters the key, so no purpose can equal a replication stream of
another (``tests/test_streams.py`` checks this on the draws themselves).

Numbers that are not per replication (a design's points, a bootstrap) come from
``Stream.generator``: numpy's default generator on the stream's SeedSequence.

Purposes are numbered for good: renumbering one changes every number it gives, which
needs a new ``ENGINE_REVISION``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

_M32 = 0xFFFFFFFF
_M64 = (1 << 64) - 1


class Purpose(IntEnum):
    """Why a stream exists (its number is part of its key: never reuse or renumber)."""

    RUN = 1  # replication i of `adsim run` (and of `adsim trace --replication i`)
    SWEEP_POINT = 2  # replication i of sweep point k (context: (k,))
    CALIBRATION_PRIOR = 3  # the unknowns' values drawn for calibration try j
    CALIBRATION_TRY = 4  # the replication of calibration try j
    PREDICTIVE = 5  # posterior-predictive replication i
    DESIGN = 6  # a sweep design's own numbers (Latin hypercube, Saltelli scrambling)
    SOBOL_BOOTSTRAP = 7  # SALib's bootstrap of the Sobol indices
    PRIOR_DENSITY = 8  # draws from the priors, for drawing their densities


def _two_words(value: int) -> tuple[int, int]:
    if not 0 <= value < 1 << 64:
        raise ValueError(f"a stream context value must be in [0, 2^64), got {value}")
    return value & _M32, value >> 32


@dataclass(frozen=True)
class Stream:
    """A purpose with its context (a sweep point's number, say): a family of replications."""

    purpose: Purpose
    context: tuple[int, ...] = ()

    def seed_sequence(self, seed: int) -> np.random.SeedSequence:
        """The SeedSequence of this stream under root ``seed``."""
        words = [int(self.purpose), len(self.context)]
        for value in self.context:
            words += _two_words(value)
        return np.random.SeedSequence(seed, spawn_key=tuple(words))

    def key(self, seed: int) -> np.ndarray:
        """The Philox key of this stream under root ``seed`` (two 64-bit words)."""
        return self.seed_sequence(seed).generate_state(2, np.uint64)

    def rng(self, seed: int, index: int = 0) -> np.random.Generator:
        """A new generator for replication ``index`` of this stream under ``seed``."""
        return np.random.Generator(np.random.Philox(key=self.key(seed), counter=_counter(index)))

    def generator(self, seed: int) -> np.random.Generator:
        """The purpose's one generator, for numbers that are not per replication (a design's
        points, a bootstrap): numpy's default generator on the stream's SeedSequence, which
        libraries such as scipy.stats.qmc can spawn from (a keyed Philox has no
        SeedSequence to spawn)."""
        return np.random.default_rng(self.seed_sequence(seed))


RUN = Stream(Purpose.RUN)


def _counter(index: int) -> np.ndarray:
    if not 0 <= index < 1 << 128:
        raise ValueError(f"a replication index must be in [0, 2^128), got {index}")
    return np.array([0, index & _M64, index >> 64, 0], dtype=np.uint64)


def replication_rng(seed: int, index: int, stream: Stream = RUN) -> np.random.Generator:
    """The generator of replication ``index`` of ``stream`` (default: ``adsim run``'s)."""
    return stream.rng(seed, index)


class ReplicationStreams:
    """``replication_rng(seed, i, stream)`` for many i, cheaply.

    The key is made once; ``rng(i)`` sets the counter of one reused Philox (about a third of
    the cost of a new generator). The returned Generator is shared: it is valid until the
    next call, which is how a chunk uses it (one replication at a time).
    """

    def __init__(self, seed: int, stream: Stream = RUN) -> None:
        self.seed = seed
        self.stream = stream
        self._key = stream.key(seed)
        self._bits = np.random.Philox(key=self._key)
        self._rng = np.random.Generator(self._bits)
        self._empty = np.zeros(4, dtype=np.uint64)

    def rng(self, index: int) -> np.random.Generator:
        """The generator of replication ``index`` (shared; valid until the next call)."""
        self._bits.state = {
            "bit_generator": "Philox",
            "state": {"counter": _counter(index), "key": self._key},
            "buffer": self._empty,
            "buffer_pos": 4,  # the buffer is empty: the next draw computes a new block
            "has_uint32": 0,
            "uinteger": 0,
        }
        return self._rng
