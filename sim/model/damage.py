"""Damage functions: how likely an impact is to kill, wound or concuss a person near it.

For an impact at distance r from a person, category c (killed, wounded, tbi) with radius
R_c has probability p_c(r): 1 if r <= R_c else 0 (cookie-cutter), or exp(-(r/R_c)^2)
(Carleton). Both have the same lethal area pi R_c^2, so a scenario can switch between them
without changing the expected casualties in a crowd; Carleton spreads them over a smooth
fall-off, which fits fragments better than a sharp edge. A radius of 0 hurts nobody.

The casualty scoring (``sim.model.scoring``) asks each function two things: how far it
reaches (people beyond are never placed) and its probabilities at squared distances, from
squared radii prepared once per replication; ``spared`` then turns probabilities and one
uniform per person and impact into the categories the person is spared. The cookie-cutter
reaches exactly its largest radius; Carleton is cut where it falls below 1e-6
(r > 3.72 R), which changes no result a Monte Carlo run could resolve.

A new function is one class here with an entry in ``DAMAGE_FUNCTIONS`` and in
``DamageFunctionName`` (the names a scenario may give).
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

import numpy as np

DamageFunctionName = Literal["cookie-cutter", "carleton"]

CARLETON_CUTOFF = math.sqrt(math.log(1e6))  # p < 1e-6 beyond this many radii


class DamageFunction(Protocol):
    """What the casualty scoring needs of a damage function."""

    reach: float  # how far it hurts, as a multiple of the largest radius

    def squared_radii(self, radii: np.ndarray) -> np.ndarray:
        """Squared effect radii (impacts, 3) in the form ``probability`` takes."""
        ...

    def probability(self, r2: np.ndarray, radius2: np.ndarray) -> np.ndarray:
        """p_c at squared distances ``r2`` (n,) from impacts' ``radius2``: (3, 1) for one
        impact or (3, n), one column per distance; gives (3, n)."""
        ...


class CookieCutter:
    """p_c = 1 within radius R_c, else 0."""

    reach = 1.0

    def squared_radii(self, radii: np.ndarray) -> np.ndarray:
        """Squared radii, a zero radius as -inf: ``r2 <= radius2`` alone then says "hit"."""
        radius2 = np.square(radii)
        radius2[radius2 <= 0] = -np.inf
        return radius2

    def probability(self, r2: np.ndarray, radius2: np.ndarray) -> np.ndarray:
        """1.0 inside each radius, 0.0 outside."""
        return (r2 <= radius2).astype(float)


class Carleton:
    """p_c = exp(-(r / R_c)^2), cut off at ``CARLETON_CUTOFF`` radii."""

    reach = CARLETON_CUTOFF

    def squared_radii(self, radii: np.ndarray) -> np.ndarray:
        """Squared radii."""
        return np.square(radii)

    def probability(self, r2: np.ndarray, radius2: np.ndarray) -> np.ndarray:
        """exp(-r2 / R_c^2), and 0 for a zero radius."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(radius2 > 0, np.exp(-r2 / radius2), 0.0)


DAMAGE_FUNCTIONS: dict[str, DamageFunction] = {
    "cookie-cutter": CookieCutter(),
    "carleton": Carleton(),
}


def damage_function_for(name: str) -> DamageFunction:
    """The damage function a scenario names (one shared instance per name)."""
    return DAMAGE_FUNCTIONS[name]


def spared(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Categories each person is spared (0 killed, 1 wounded, 2 tbi, 3 unhurt): 3 minus the
    severity, given each person's uniform draw ``u`` (n,).

    ``p`` (3, n) holds p_killed, p_wounded, p_tbi (overwritten). The severity counts the
    thresholds p_killed <= max(p_killed, p_wounded) <= max(all three) above the person's
    uniform; the categories spared are those at or below it.
    """
    np.maximum(p[0], p[1], out=p[1])
    np.maximum(p[1], p[2], out=p[2])
    return (u >= p).sum(axis=0, dtype=np.int8)
