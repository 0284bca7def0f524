"""Random streams: replication i always uses child i of ``SeedSequence(seed)``.

``SeedSequence(seed, spawn_key=(i,))`` is exactly the i-th child that
``SeedSequence(seed).spawn`` would give, made directly, so a worker can start at any
replication without spawning the ones before it. Results therefore do not depend on how
replications are split among workers or chunks.

Making that generator costs about as much as a small replication's own draws (numpy builds
a ``SeedSequence``, hashes it into four 64-bit words and seeds a new ``PCG64``). A chunk runs
many replications under one seed, so ``ReplicationStreams`` does the same arithmetic with
the part shared by all of them (the seed and the stream prefix) hashed once, and sets the
state of one reused ``PCG64``. It follows numpy's documented and stream-stable algorithms
(``SeedSequence`` after O'Neill's ``seed_seq`` alternative, and PCG64's ``srandom``) and checks
itself against numpy once per chunk, falling back to numpy if they ever disagree.
"""

from __future__ import annotations

import numpy as np


def replication_rng(seed: int, index: int, *stream: int) -> np.random.Generator:
    """The generator of replication ``index`` under root ``seed``.

    ``stream`` adds levels below the root (a sweep point, a calibration phase) so that
    studies get independent streams that are still fixed by one seed.
    """
    key = (*stream, index)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


# numpy.random.SeedSequence constants (numpy/random/bit_generator.pyx)
_M32 = 0xFFFFFFFF
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


class ReplicationStreams:
    """``replication_rng(seed, i, *stream)`` for many i, cheaply.

    ``rng(i)`` returns one shared Generator set to replication i's stream: it is valid
    until the next call, which is how a chunk uses it (one replication at a time).
    """

    def __init__(self, seed: int, stream: tuple[int, ...] = ()) -> None:
        self.seed = seed
        self.stream = stream
        entropy = _words(seed)
        # SeedSequence pads the seed to the pool size when there is a spawn key.
        entropy += [0] * (_POOL_SIZE - len(entropy))
        for level in stream:
            entropy += _words(level)
        self._prefix, steps = _pool(entropy)
        # the hash constants that mixing in an index of one or two words (< 2^64) takes
        self._consts = _hash_constants(_INIT_A, _MULT_A, steps + 2 * _POOL_SIZE)[steps:]
        self._bits = np.random.PCG64(0)
        self._rng = np.random.Generator(self._bits)
        self._checked = False
        self._exact = True

    def rng(self, index: int) -> np.random.Generator:
        """The generator of replication ``index`` (shared; valid until the next call)."""
        words = _words(index)
        if not self._exact or len(words) > 2:
            return replication_rng(self.seed, index, *self.stream)
        state, inc = _pcg64_state(_mix_in(self._prefix, words, self._consts))
        self._bits.state = {
            "bit_generator": "PCG64",
            "state": {"state": state, "inc": inc},
            "has_uint32": 0,
            "uinteger": 0,
        }
        if not self._checked:
            self._checked = True
            reference = replication_rng(self.seed, index, *self.stream).bit_generator.state
            if reference != self._bits.state:  # numpy changed its seeding: use it as is
                self._exact = False
                return replication_rng(self.seed, index, *self.stream)
        return self._rng
