"""Damage functions: how likely an impact is to kill, wound or concuss a person near it.

For an impact at distance r from a person, category c (killed, wounded, tbi) with radius
R_c has probability p_c(r): 1 if r <= R_c else 0 (cookie-cutter), or exp(-(r/R_c)^2)
(Carleton). Both have the same lethal area pi R_c^2, so a scenario can switch between them
without changing the expected casualties in a crowd; Carleton spreads them over a smooth
fall-off, which fits fragments better than a sharp edge. A radius of 0 hurts nobody.

The casualty scoring (``sim.model.effects``) asks each function three things: how far it
reaches (people beyond are never placed), its squared radii prepared once per replication,
and which categories each person within reach is spared. The cookie-cutter reaches exactly
its largest radius; Carleton is cut where it falls below 1e-6 (r > 3.72 R), which changes no
result a Monte Carlo run could resolve. The cookie-cutter's probabilities are 0 or 1, so it
scores in booleans (and in fewer steps when the categories nest); Carleton scores from the
probabilities. Both take one uniform per person and impact, so the random stream does not
depend on the function's internals.

A new function is one class here with an entry in ``DAMAGE_FUNCTIONS`` and in
``DamageFunctionName`` (the names a scenario may give); its ``kernel_rule`` is None until
``sim/model/_scoring.pyx`` scores it too.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

import numpy as np

DamageFunctionName = Literal["cookie-cutter", "carleton"]
KernelRule = Literal["cookie-cutter", "carleton"]

CARLETON_CUTOFF = math.sqrt(math.log(1e6))  # p < 1e-6 beyond this many radii


class DamageFunction(Protocol):
    """What the casualty scoring needs of a damage function."""

    reach: float  # how far it hurts, as a multiple of the largest radius
    # the compiled scoring's rule for this function (sim/model/_scoring.pyx), or None to
    # score in numpy only
    kernel_rule: KernelRule | None

    def squared_radii(self, radii: np.ndarray) -> np.ndarray:
        """Squared effect radii (impacts, 3) in the form ``probability`` and ``spared`` take."""
        ...

    def probability(self, r2: np.ndarray, radius2: np.ndarray) -> np.ndarray:
        """p_c at squared distances ``r2`` (n,) from one impact's ``radius2`` (3, 1): (3, n)."""
        ...

    def spared(
        self,
        rng: np.random.Generator,
        r2: np.ndarray,
        radius2: np.ndarray,
        exposed: np.ndarray | None,
        unprotected: np.ndarray | None,
        nested: bool,
    ) -> np.ndarray:
        """Categories each person is spared (0 killed ... 3 unhurt), one uniform draw each.

        ``exposed`` (n,) says who is not under cover, ``unprotected`` is 1 - protection per
        category, (3, 1) or (3, n); both None when nobody shelters. ``nested`` says that
        the radii and the shared protections both grow from killed to tbi.
        """
        ...


class CookieCutter:
    """p_c = 1 within radius R_c, else 0."""

    reach = 1.0
    kernel_rule: KernelRule | None = "cookie-cutter"

    def squared_radii(self, radii: np.ndarray) -> np.ndarray:
        """Squared radii, a zero radius as -inf: ``r2 <= radius2`` alone then says "hit"."""
        radius2 = np.square(radii)
        radius2[radius2 <= 0] = -np.inf
        return radius2

    def probability(self, r2: np.ndarray, radius2: np.ndarray) -> np.ndarray:
        """1.0 inside each radius, 0.0 outside."""
        return (r2 <= radius2).astype(float)

    def spared(
        self,
        rng: np.random.Generator,
        r2: np.ndarray,
        radius2: np.ndarray,
        exposed: np.ndarray | None,
        unprotected: np.ndarray | None,
        nested: bool,
    ) -> np.ndarray:
        """Scored in booleans (``_cookie_spared``)."""
        return _cookie_spared(rng, r2, radius2, exposed, unprotected, nested)


class Carleton:
    """p_c = exp(-(r / R_c)^2), cut off at ``CARLETON_CUTOFF`` radii."""

    reach = CARLETON_CUTOFF
    kernel_rule: KernelRule | None = "carleton"

    def squared_radii(self, radii: np.ndarray) -> np.ndarray:
        """Squared radii."""
        return np.square(radii)

    def probability(self, r2: np.ndarray, radius2: np.ndarray) -> np.ndarray:
        """exp(-r2 / R_c^2), and 0 for a zero radius."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(radius2 > 0, np.exp(-r2 / radius2), 0.0)

    def spared(
        self,
        rng: np.random.Generator,
        r2: np.ndarray,
        radius2: np.ndarray,
        exposed: np.ndarray | None,
        unprotected: np.ndarray | None,
        nested: bool,
    ) -> np.ndarray:
        """Scored from the probabilities, reduced for the sheltered (``_spared``)."""
        p = self.probability(r2, radius2)  # (3, n)
        if exposed is not None and unprotected is not None:
            p *= np.where(exposed, 1.0, unprotected)
        return _spared(rng, p)


DAMAGE_FUNCTIONS: dict[str, DamageFunction] = {
    "cookie-cutter": CookieCutter(),
    "carleton": Carleton(),
}


def damage_function_for(name: str) -> DamageFunction:
    """The damage function a scenario names (one shared instance per name)."""
    return DAMAGE_FUNCTIONS[name]


def _spared(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Categories each person is spared (0 killed, 1 wounded, 2 tbi, 3 unhurt), one uniform
    draw each: 3 minus the severity.

    ``p`` (3, n) holds p_killed, p_wounded, p_tbi. The severity counts the thresholds
    p_killed <= max(p_killed, p_wounded) <= max(all three) above the person's uniform; the
    categories spared are those at or below it.
    """
    np.maximum(p[0], p[1], out=p[1])
    np.maximum(p[1], p[2], out=p[2])
    return (rng.random(p.shape[1]) >= p).sum(axis=0, dtype=np.int8)


def _cookie_spared(
    rng: np.random.Generator,
    r2: np.ndarray,
    radius2: np.ndarray,
    exposed: np.ndarray | None,
    unprotected: np.ndarray | None,
    nested: bool = False,
) -> np.ndarray:
    """``_spared`` for the cookie-cutter, in booleans: the same outcome from the same draws.

    Here p_c is 1 inside radius c (times 1 - protection_c when sheltered) and 0 outside, so
    u < p_c is "inside, and exposed or u < 1 - protection_c" (a uniform is always below 1),
    and u < max(p_a, p_b) is (u < p_a) or (u < p_b). ``radius2`` is (3, 1), ``unprotected``
    (3, 1) or (3, n), or None when nobody shelters.

    ``nested`` says that radii killed <= wounded <= tbi and, for the sheltered, that
    1 - protection killed <= wounded <= tbi (shared by everyone). Then a person is spared
    the smallest few radii (those that do not contain them) and, when sheltered, the first
    few categories (those whose threshold is at or below their uniform): the categories
    spared are the larger of the two counts; fewer array steps give the same result.
    """
    u = rng.random(len(r2))  # drawn even when nobody shelters, so that the stream is the same
    if nested:
        outside = _count(radius2 < r2)  # radii with R_c^2 < r2
        if exposed is None or unprotected is None:
            return outside
        shielded = _count(unprotected <= u)  # 1 - protection <= u
        shielded[exposed] = 0
        return np.maximum(outside, shielded)
    hit = r2 <= radius2  # (3, n) inside each radius
    if exposed is not None and unprotected is not None:
        hit &= (u < unprotected) | exposed
    hit[1] |= hit[0]
    hit[2] |= hit[1]
    return 3 - _count(hit)


def _count(flags: np.ndarray) -> np.ndarray:
    """How many of the three rows of booleans (3, n) are True, per column, as int8."""
    return flags.view(np.int8).sum(axis=0, dtype=np.int8)
