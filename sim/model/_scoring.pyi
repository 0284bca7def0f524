"""Type stub of the compiled casualty scoring (``_scoring.pyx``)."""

import numpy as np

def hurt_in_zone(
    rng: np.random.Generator,
    px: np.ndarray,
    py: np.ndarray,
    covered_at: np.ndarray | None,
    unprotected: np.ndarray | None,
    impacts: np.ndarray,
    carleton: bool,
) -> tuple[int, int, int]: ...
def place_people(
    rng: np.random.Generator,
    m: int,
    cells: np.ndarray,
    ny: int,
    x0: float,
    y0: float,
    cw: float,
    ch: float,
) -> tuple[np.ndarray, np.ndarray]: ...
