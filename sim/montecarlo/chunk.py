"""The unit of work sent to a worker: a contiguous range of replications.

A chunk returns plain arrays (one row of integer metrics per replication, and the leakers'
impact points for the first replications, kept for the map), which are cheap to pickle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.replication import run_replication
from sim.model.scenario import Scenario
from sim.montecarlo.seeding import ReplicationStreams


@dataclass
class ChunkTask:
    """Replications ``start`` to ``stop - 1`` of one scenario and seed."""

    scenario: Scenario
    seed: int
    start: int
    stop: int
    stream: tuple[int, ...] = ()
    keep_impacts: int = 0  # keep impact points of replications with index below this


@dataclass
class ChunkResult:
    """Metric rows of a chunk, and impact points (replication, type, x, y) kept for maps."""

    start: int
    rows: np.ndarray  # (replications, metrics) int64
    impacts: np.ndarray  # (impacts, 4) float: replication, type index, x, y


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run the replications of one chunk."""
    rows = []
    impacts = []
    streams = ReplicationStreams(task.seed, task.stream)
    for i in range(task.start, task.stop):
        rep = run_replication(task.scenario, streams.rng(i))
        rows.append(rep.row)
        if i < task.keep_impacts and len(rep.impact_x):
            impacts.append(
                np.column_stack(
                    [np.full(len(rep.impact_x), i), rep.impact_type, rep.impact_x, rep.impact_y]
                )
            )
    return ChunkResult(
        start=task.start,
        rows=np.asarray(rows, dtype=np.int64),
        impacts=np.vstack(impacts) if impacts else np.empty((0, 4)),
    )
