"""Random streams: replication i always uses child i of ``SeedSequence(seed)``.

``SeedSequence(seed, spawn_key=(i,))`` is exactly the i-th child that
``SeedSequence(seed).spawn`` would give, made directly, so a worker can start at any
replication without spawning the ones before it. Results therefore do not depend on how
replications are split among workers or chunks.
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
