"""Validation against public events: each event's predictive distribution, scored.

Each event's scenario runs ``runs`` replications, exactly as ``adsim run`` would (its
per-attack ``uncertainties`` included), on the stream ``Purpose.VALIDATE`` with the event's
key as context: an event's numbers depend on the seed and its name only, never on the
workers or on which other events are validated with it. Each observed metric is then scored
(``sim.studies.scoring``); the PIT's uniform number comes from the same stream's own
generator, one per observation in file order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine import ENGINE_REVISION
from sim.io.events import Event
from sim.montecarlo.batch import Done, Fixed, Source, Task, chunk_size, perform, tasks_for
from sim.montecarlo.executors import default_workers
from sim.montecarlo.streams import Purpose, Stream
from sim.outcomes import RATIO_NAMES
from sim.studies.scoring import Score, overall, score

RUNS = 4000
FORMAT = "adsim-validation/1"


def event_stream(purpose: Purpose, event: Event) -> Stream:
    """The stream of one event's replications for ``purpose``."""
    return Stream(purpose, (event.key,))


def columns_of(done: Done) -> dict[str, np.ndarray]:
    """A finished task's metrics by name (counts and ratios)."""
    cols = {n: done.rows[:, i].astype(float) for i, n in enumerate(done.names)}
    for j, name in enumerate(RATIO_NAMES):
        cols[name] = done.ratios[:, j]
    return cols


def simulate(
    sources: Sequence[tuple[Source, Stream]],
    runs: int,
    seed: int,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, np.ndarray]]:
    """``runs`` replications of each (source, stream); their metric columns, per source."""
    workers = default_workers() if workers is None else max(1, workers)
    size = chunk_size(runs * len(sources), workers, runs)

    def tasks() -> Iterator[Task]:
        for k, (source, stream) in enumerate(sources):
            yield from tasks_for(k, source, seed, stream, runs, size)

    parts: list[list[dict[str, np.ndarray]]] = [[] for _ in sources]
    for done in perform(tasks(), workers, cluster, progress, aggregate=False):
        parts[int(done.result.tag)].append(columns_of(done))
    return [{n: np.concatenate([p[n] for p in ps]) for n in ps[0]} for ps in parts]


def score_event(event: Event, cols: dict[str, np.ndarray], stream: Stream, seed: int) -> list:
    """Each observation of ``event`` scored against the simulated columns."""
    u = stream.generator(seed).random(len(event.observed))
    return [
        (o, score(cols[o.metric], o.low, o.high, float(u[i]))) for i, o in enumerate(event.observed)
    ]


@dataclass
class Validation:
    """Every event's scores and the simulated columns they came from."""

    events: list[Event]
    scores: list[list[tuple]]  # per event: (Observation, Score)
    columns: list[dict[str, np.ndarray]]
    runs: int
    seed: int

    def all_scores(self) -> list[Score]:
        """Every (event, metric) score, in order."""
        return [s for per in self.scores for _, s in per]

    def document(self) -> dict:
        """validation.json."""
        return {
            "format": FORMAT,
            "engine": ENGINE_REVISION,
            "runs": self.runs,
            "seed": self.seed,
            "events": [
                {
                    "name": ev.name,
                    "date": ev.date,
                    "file": str(ev.path),
                    "scenario": ev.scenario_path,
                    "scenario_sha256": ev.loaded.digest,
                    "metrics": {
                        o.metric: {"observed": [o.low, o.high], **s.as_dict()} for o, s in per
                    },
                }
                for ev, per in zip(self.events, self.scores, strict=True)
            ],
            "overall": overall(self.all_scores()),
        }


def validate(
    events: Sequence[Event],
    runs: int = RUNS,
    seed: int = 1,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Run every event's scenario and score what was observed."""
    streams = [event_stream(Purpose.VALIDATE, ev) for ev in events]
    sources = [(Fixed(ev.loaded.model), st) for ev, st in zip(events, streams, strict=True)]
    cols = simulate(sources, runs, seed, workers, cluster, progress)
    scores = [score_event(ev, c, st, seed) for ev, c, st in zip(events, cols, streams, strict=True)]
    return Validation(list(events), scores, cols, runs, seed)
