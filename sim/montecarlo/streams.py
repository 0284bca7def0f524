"""The registry of random streams: every random number has a declared purpose.

One root seed fixes every number a command produces. Each *purpose* (the replications of
``adsim run``, the replications of sweep point k, a calibration try's prior draw, a sweep
design's own numbers, ...) is a ``Purpose``; with its context (a sweep point's number) it
is a ``Stream``. Replication i of a stream uses numpy's PCG64 seeded by

    SeedSequence(seed, spawn_key=(purpose, len(context), lo, hi of each context value,
                                  lo, hi of i))

and numbers that are not per replication (a design's points, a bootstrap) use the stream's
own ``SeedSequence(seed, spawn_key=(purpose, len(context), lo, hi of each context value))``.
Results therefore depend on nothing but (seed, purpose, context, index): not on workers,
chunks, the order of work or the cluster.

Why the spawn key has that shape: SeedSequence reads each spawn-key entry as 32-bit words,
dropping leading zero words, so ``(2**32 + 5,)`` and ``(5, 1)`` would hash alike (which is
how a sweep's design stream, ``(4,)``, used to be the stream of replication 4 of ``adsim
run``). Writing the purpose, the number of context values and every value (the index
included) as exactly two words makes the word sequence differ for any two different
(purpose, context, index), and a purpose's own stream, two words shorter than any of its
replications' with the same context count, can equal none of them. The seed is below 2^63
and SeedSequence pads it to four words, so it cannot shift the key either.
``tests/test_streams.py`` checks all this on the draws themselves.

Speed: building ``SeedSequence`` and ``PCG64`` for each replication costs about as much as a
small replication's draws. ``ReplicationStreams`` hashes the part shared by a chunk's
replications (seed, purpose, context) once and mixes in each index itself (a chunk's
indices all at once, on arrays: ``prepare``), following numpy's documented and
stream-stable algorithms (``SeedSequence`` after O'Neill's ``seed_seq`` alternative,
PCG64's ``srandom``); it checks itself against numpy once per chunk and falls back to numpy
if they ever disagree. A keyed Philox (index as counter) was
measured as the alternative: its seeding is cheaper, but its draws made replications about
10% slower, so PCG64 stays.

Purposes are numbered for good: renumbering one changes every number it gives, which needs
a new ``ENGINE_REVISION``.
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
    UNCERTAINTIES = 9  # replication i's per-attack uncertainties (context: its stream's key)
    VALIDATE = 10  # replication i of an event's scenario in `adsim validate` (context: (event,))
    JOINT_PRIOR = 11  # the unknowns' values of joint-calibration draw j
    JOINT_CALIBRATION = 12  # replication i = j m + r of draw j for one event (context: (event,))
    JOINT_PREDICTIVE = 13  # an event's posterior-predictive replication i (context: (event,))
    JOINT_RESAMPLE = 14  # drawing the predictive's draws by their weights
    CAMPAIGN = 15  # campaign replication i's attack times (context: a sweep point's (k,), or ())
    CAMPAIGN_ATTACK = 16  # attack k of a campaign replication (context: its stream's key and i)
    CAMPAIGN_SWEEP_POINT = 17  # campaign replication i of campaign sweep point k (context: (k,))


def _two_words(value: int, what: str) -> tuple[int, int]:
    if not 0 <= value <= _M64:
        raise ValueError(f"a {what} must be in [0, 2^64), got {value}")
    return value & _M32, value >> 32


@dataclass(frozen=True)
class Stream:
    """A purpose with its context (a sweep point's number, say): a family of replications."""

    purpose: Purpose
    context: tuple[int, ...] = ()

    def key(self) -> tuple[int, ...]:
        """The spawn key of the stream itself: purpose, context size, two words per value."""
        words = [int(self.purpose), len(self.context)]
        for value in self.context:
            words += _two_words(value, "stream context value")
        return tuple(words)

    def seed_sequence(self, seed: int, index: int | None = None) -> np.random.SeedSequence:
        """The SeedSequence of the stream under root ``seed`` (of replication ``index``)."""
        key = self.key()
        if index is not None:
            key += _two_words(index, "replication index")
        return np.random.SeedSequence(seed, spawn_key=key)

    def rng(self, seed: int, index: int) -> np.random.Generator:
        """A new generator for replication ``index`` of this stream under ``seed``."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(seed, index)))

    def generator(self, seed: int) -> np.random.Generator:
        """The purpose's one generator, for numbers that are not per replication (a design's
        points, a bootstrap; libraries such as scipy.stats.qmc may spawn from it)."""
        return np.random.default_rng(self.seed_sequence(seed))


RUN = Stream(Purpose.RUN)


def replication_rng(seed: int, index: int, stream: Stream = RUN) -> np.random.Generator:
    """The generator of replication ``index`` of ``stream`` (default: ``adsim run``'s)."""
    return stream.rng(seed, index)


# numpy.random.SeedSequence constants (numpy/random/bit_generator.pyx)
_POOL_SIZE = 4
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_XSHIFT = 16
# PCG64's 128-bit LCG multiplier (numpy/random/src/pcg64/pcg64.h)
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_M128 = (1 << 128) - 1


def _words(n: int) -> list[int]:
    """A non-negative integer as little-endian 32-bit words, as SeedSequence reads it."""
    if n == 0:
        return [0]
    out = []
    while n > 0:
        out.append(n & _M32)
        n >>= 32
    return out


def _hash_constants(start: int, mult: int, n: int) -> list[tuple[int, int]]:
    """The (xor, multiplier) pairs of n successive SeedSequence hash steps from ``start``.

    A hash step is ``v = ((v ^ c) * (c * mult)) mod 2^32; v ^= v >> 16`` where the hash
    constant c advances to c * mult each step; the constants do not depend on the data.
    """
    out = []
    c = start
    for _ in range(n):
        nxt = (c * mult) & _M32
        out.append((c, nxt))
        c = nxt
    return out


def _hash(value: int, xor: int, mult: int) -> int:
    value = ((value ^ xor) * mult) & _M32
    return value ^ (value >> _XSHIFT)


def _mix(x: int, y: int) -> int:
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
    return result ^ (result >> _XSHIFT)


def _mix_in(pool: list[int], words: list[int], consts: list[tuple[int, int]]) -> list[int]:
    """Mix words beyond the pool size into every pool word (SeedSequence.mix_entropy).

    ``_hash`` and ``_mix`` are written out in the loop: this runs once per replication.
    """
    pool = list(pool)
    k = 0
    for word in words:
        for dst in range(_POOL_SIZE):
            xor, mult = consts[k]
            k += 1
            h = ((word ^ xor) * mult) & _M32
            h ^= h >> _XSHIFT
            r = (_MIX_MULT_L * pool[dst] - _MIX_MULT_R * h) & _M32
            pool[dst] = r ^ (r >> _XSHIFT)
    return pool


def _pool(words: list[int]) -> tuple[list[int], int]:
    """SeedSequence's pool for entropy ``words``, and the number of hash steps it took."""
    consts = _hash_constants(_INIT_A, _MULT_A, _POOL_SIZE * _POOL_SIZE + _POOL_SIZE * len(words))
    # The first pool-size words fill the pool, then each pool word is mixed with all others.
    pool = [_hash(words[i] if i < len(words) else 0, *consts[i]) for i in range(_POOL_SIZE)]
    k = _POOL_SIZE
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hash(pool[src], *consts[k]))
                k += 1
    rest = words[_POOL_SIZE:]
    return _mix_in(pool, rest, consts[k:]), k + _POOL_SIZE * len(rest)


# generate_state(4, np.uint64): eight 32-bit hash steps over the pool, from INIT_B
_STATE_CONSTANTS = _hash_constants(_INIT_B, _MULT_B, 8)


def _pcg64_state(pool: list[int]) -> tuple[int, int]:
    """PCG64(seed_sequence)'s state and increment, from the SeedSequence pool.

    ``generate_state(4, np.uint64)`` gives (s_hi, s_lo, i_hi, i_lo); PCG64 then runs
    ``pcg_setseq_128_srandom_r(s, i)``: inc = 2 i + 1, state = (inc + s) * mult + inc.
    """
    w = []
    for k, (xor, mult) in enumerate(_STATE_CONSTANTS):  # _hash, written out
        v = ((pool[k % _POOL_SIZE] ^ xor) * mult) & _M32
        w.append(v ^ (v >> _XSHIFT))
    initstate = (w[0] | w[1] << 32) << 64 | w[2] | w[3] << 32
    inc = (((w[4] | w[5] << 32) << 64 | w[6] | w[7] << 32) << 1 | 1) & _M128
    return ((inc + initstate) * _PCG_MULT + inc) & _M128, inc


def _pcg64_states(
    prefix: list[int], consts: list[tuple[int, int]], start: int, stop: int
) -> list[tuple[int, int]]:
    """``_pcg64_state(_mix_in(prefix, words of i, consts))`` for every i in [start, stop),
    computed on arrays: the same 32-bit arithmetic in uint64, where products and differences
    wrap modulo 2^64 and so are exact modulo 2^32. Only the 128-bit step is per index."""
    index = np.arange(start, stop, dtype=np.uint64)
    pool = [np.full(len(index), word, dtype=np.uint64) for word in prefix]
    k = 0
    for word in (index & np.uint64(_M32), index >> np.uint64(32)):
        for dst in range(_POOL_SIZE):
            xor, mult = consts[k]
            k += 1
            h = ((word ^ np.uint64(xor)) * np.uint64(mult)) & np.uint64(_M32)
            h ^= h >> np.uint64(_XSHIFT)
            r = (np.uint64(_MIX_MULT_L) * pool[dst] - np.uint64(_MIX_MULT_R) * h) & np.uint64(_M32)
            pool[dst] = r ^ (r >> np.uint64(_XSHIFT))
    w = []
    for k, (xor, mult) in enumerate(_STATE_CONSTANTS):
        v = ((pool[k % _POOL_SIZE] ^ np.uint64(xor)) * np.uint64(mult)) & np.uint64(_M32)
        w.append(v ^ (v >> np.uint64(_XSHIFT)))
    shift = np.uint64(32)
    halves = [(w[0] | w[1] << shift), (w[2] | w[3] << shift)]  # initstate: high, low
    halves += [(w[4] | w[5] << shift), (w[6] | w[7] << shift)]  # increment's seed: high, low
    out = []
    for s_hi, s_lo, i_hi, i_lo in zip(*(h.tolist() for h in halves), strict=True):
        inc = ((i_hi << 64 | i_lo) << 1 | 1) & _M128
        out.append((((inc + (s_hi << 64 | s_lo)) * _PCG_MULT + inc) & _M128, inc))
    return out


# Fewest replications for which ``prepare`` works on arrays (measured: 97 us for one
# index, 6 us each for 16, 0.5 us each from 1,000; one index alone takes 5 us).
_PREPARE_FROM = 32


class ReplicationStreams:
    """``replication_rng(seed, i, stream)`` for many i, cheaply.

    ``rng(i)`` returns one shared Generator set to replication i's stream: it is valid
    until the next call, which is how a chunk uses it (one replication at a time). A chunk
    that knows its replications calls ``prepare(start, stop)`` first: their states are then
    hashed together, on arrays, instead of one by one.
    """

    def __init__(self, seed: int, stream: Stream = RUN) -> None:
        self.seed = seed
        self.stream = stream
        entropy = _words(seed)
        # SeedSequence pads the seed to the pool size when there is a spawn key.
        entropy += [0] * (_POOL_SIZE - len(entropy))
        entropy += list(stream.key())  # each below 2^32: one word each
        self._prefix, steps = _pool(entropy)
        # the hash constants that mixing in the index's two words takes
        self._consts = _hash_constants(_INIT_A, _MULT_A, steps + 2 * _POOL_SIZE)[steps:]
        self._bits = np.random.PCG64(0)
        self._rng = np.random.Generator(self._bits)
        self._checked = False
        self._exact = True
        self._start = 0
        self._prepared: list[tuple[int, int]] = []

    def prepare(self, start: int, stop: int) -> None:
        """Work out the states of replications ``start`` to ``stop - 1`` at once, for the
        ``rng`` calls to come (any other index is still worked out when asked for). Arrays
        pay for themselves from a few dozen replications: fewer are left to ``rng``."""
        if start >= 0 and stop - start >= _PREPARE_FROM:
            _two_words(stop - 1, "replication index")
            self._start = start
            self._prepared = _pcg64_states(self._prefix, self._consts, start, stop)

    def rng(self, index: int) -> np.random.Generator:
        """The generator of replication ``index`` (shared; valid until the next call)."""
        words = _two_words(index, "replication index")
        if not self._exact:
            return replication_rng(self.seed, index, self.stream)
        k = index - self._start
        if 0 <= k < len(self._prepared):
            state, inc = self._prepared[k]
        else:
            state, inc = _pcg64_state(_mix_in(self._prefix, list(words), self._consts))
        self._bits.state = {
            "bit_generator": "PCG64",
            "state": {"state": state, "inc": inc},
            "has_uint32": 0,
            "uinteger": 0,
        }
        if not self._checked:
            self._checked = True
            reference = replication_rng(self.seed, index, self.stream).bit_generator.state
            if reference != self._bits.state:  # numpy changed its seeding: use it as is
                self._exact = False
                return replication_rng(self.seed, index, self.stream)
        return self._rng
