"""One run of the what-if page, in a background thread, and what it has produced so far.

A ``Job`` runs ``run_monte_carlo`` on one worker in this process (the same numbers as
``adsim run`` with the same overrides and seed, whatever its workers). As chunks of
replications come back it keeps the columns the page draws (leakers, overall and per type;
killed, wounded, TBI, casualties) and the impact points kept for the map, so the page can
draw the distributions so far while the run goes on. When the run ends, the job draws the
run's figures (those of ``adsim run``) in its own thread, so the page never waits for
matplotlib. A job told to stop (a newer request) ends at its next chunk.
"""

from __future__ import annotations

import io
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.io.results import KEEP_IMPACTS
from sim.outcomes import metric_names

CASUALTIES = ("killed", "wounded", "tbi", "casualties")
FIGURES = ("leakers", "casualties", "impact_map")

# pyplot keeps global state: one figure set is drawn at a time, whichever session asks
_DRAWING = threading.Lock()


class Stop(Exception):
    """A run overtaken by a newer request."""


@dataclass(frozen=True)
class Partial:
    """The replications received so far: per drawn column, one value per replication; and
    the impact points of the first ``KEEP_IMPACTS`` replications among them."""

    runs: int
    columns: dict[str, np.ndarray]
    impacts: np.ndarray  # (k, 5): replication, type index, x, y, 1 for debris (else 0)


class Job:
    """One run in the background: the replications so far, its result, its figures (PNG
    data) or its error."""

    def __init__(self, view: Any, loaded: Any) -> None:
        self.view, self.loaded = view, loaded
        s = loaded.model
        names = metric_names(s)
        drawn = ["leaked", *(f"leaked.{t}" for t in s.threat_types), *CASUALTIES]
        self.names = [n for n in drawn if n in names]
        self._index = [names.index(n) for n in self.names]
        self.total = view.runs
        self.chunks: list[np.ndarray] = []  # per chunk: (replications, drawn columns)
        self.impacts: list[np.ndarray] = []
        self.result: Any = None
        self.pngs: list[bytes] = []
        self.error = ""
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def finished(self) -> bool:
        """Whether the run has ended with its figures drawn (or failed)."""
        return bool(self.pngs) or bool(self.error)

    def partial(self) -> Partial:
        """The replications received so far (a snapshot: the run may go on)."""
        chunks, impacts = list(self.chunks), list(self.impacts)  # appends are atomic
        rows = np.vstack(chunks) if chunks else np.empty((0, len(self.names)), dtype=np.int64)
        return Partial(
            runs=len(rows),
            columns={n: rows[:, k] for k, n in enumerate(self.names)},
            impacts=np.vstack(impacts) if impacts else np.empty((0, 5)),
        )

    def _sink(self, rows: np.ndarray, ratios: np.ndarray, first: int, drawn: Any = None) -> None:
        if self.stopped:
            raise Stop
        self.chunks.append(rows[:, self._index].copy())

    def _impacts(self, points: np.ndarray) -> None:
        self.impacts.append(points)

    def _run(self) -> None:
        from sim.montecarlo.run import run_monte_carlo

        try:
            result = run_monte_carlo(
                self.loaded.model,
                runs=self.view.runs,
                seed=self.view.seed,
                workers=1,
                sink=self._sink,
                on_impacts=self._impacts,
            )
            self.result = result
            if not self.stopped:
                self.pngs = figures_png(result, self.loaded.model)
        except Stop:
            return
        except Exception as exc:  # shown on the page, in one line
            self.error = f"{type(exc).__name__}: {exc}"

    def start(self) -> None:
        """Start the run in its thread."""
        self.thread.start()


def figures_png(result: Any, s: Any) -> list[bytes]:
    """The run's leakers, casualties and impact-map figures (as ``adsim run`` draws them),
    as PNG data."""
    from sim.plots.run_figures import draw_casualties, draw_impact_map, draw_leakers

    summary = result.summary()
    with _DRAWING, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        draw_leakers(summary, s, out)
        draw_casualties(summary, out)
        draw_impact_map(result.impacts, s, out, min(result.runs, KEEP_IMPACTS))
        return [(out / f"{k}.png").read_bytes() for k in FIGURES]


def report_bytes(job: Job) -> io.BytesIO:
    """The HTML report of a finished run (see ``adsim report``)."""
    from sim.io.provenance import provenance, stamped
    from sim.io.results import write_json_atomic, write_yaml
    from sim.plots import draw_run_figures
    from sim.report import report_html

    if job.result is None:
        return io.BytesIO(b"")
    summary = stamped(
        job.result.summary(), provenance(job.loaded.digest, job.result.seed, job.result.runs)
    )
    with _DRAWING, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_json_atomic(folder / "summary.json", summary)
        write_yaml(folder / "scenario.yaml", job.loaded.raw)
        draw_run_figures(summary, job.result.impacts, job.loaded.model, folder / "figures")
        return io.BytesIO(report_html(folder).encode("utf-8"))
