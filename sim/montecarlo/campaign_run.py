"""Many campaign replications, on any number of workers, streamed in bounded memory.

Campaign replications are cut into tasks for the one batch driver (``perform``), with the
campaign's own task runner. Their rows come back in replication order: each chunk goes to
the optional sinks (the Parquet writers) and is folded into the running distributions, of
every campaign metric (``Aggregate``) and of every per-day series (a histogram per day). The
results do not depend on the workers or on the cluster.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model.campaign import Campaign
from sim.montecarlo.aggregate import Aggregate, Histogram
from sim.montecarlo.batch import chunk_size, perform, tasks_for
from sim.montecarlo.campaign import CAMPAIGN, CampaignSource, Layout, run_campaign_task
from sim.montecarlo.executors import default_workers
from sim.montecarlo.streams import Stream

BANDS = ("p05", "p50", "p95")


class DayBands:
    """The distribution of each per-day series on each day (exact, in bounded memory)."""

    def __init__(self, series: tuple[str, ...], n_days: int) -> None:
        self.series = series
        self.histograms = [[Histogram() for _ in range(n_days)] for _ in series]

    def add(self, days: np.ndarray) -> None:
        """Add a chunk of per-day records: (runs, series, days)."""
        for j, row in enumerate(self.histograms):
            for d, h in enumerate(row):
                h.add(days[:, j, d])

    def summary(self) -> dict[str, dict[str, list]]:
        """Per series: mean and the 5%, 50% and 95% quantiles, one value per day."""
        out: dict[str, dict[str, list]] = {}
        for name, row in zip(self.series, self.histograms, strict=True):
            summaries = [h.summary(integer=True) for h in row]
            out[name] = {k: [s[k] for s in summaries] for k in ("mean", *BANDS)}
        return out


@dataclass
class CampaignResult:
    """Distributions of every campaign metric and of every per-day series."""

    campaign: Campaign
    runs: int
    seed: int
    metrics: dict[str, dict]
    days: dict[str, dict[str, list]]
    attacks: int  # attacks played in all
    elapsed_s: float
    workers: int

    def summary(self) -> dict:
        """The summary.json document of a campaign."""
        c = self.campaign
        return {
            "campaign": c.name,
            "runs": self.runs,
            "seed": self.seed,
            "days": c.days,
            "start": c.start,
            "attack_kinds": {
                a.name: {
                    "scenario": a.scenario.name,
                    "per_day": a.per_day,
                    "on_days": list(a.on_days),
                }
                for a in c.attacks
            },
            "stock": {
                b: {
                    "initial": s.initial,
                    "resupply": None
                    if s.resupply is None
                    else {
                        "interceptors": s.resupply.interceptors,
                        "every_days": s.resupply.every_days,
                    },
                }
                for b, s in c.stock.items()
            },
            "attacks_played": self.attacks,
            "metrics": self.metrics,
            "per_day": self.days,
        }


# sink(ints, reals, days, first): one chunk of campaign replications, in order
Sink = Callable[[np.ndarray, np.ndarray, np.ndarray, int], None]


def run_campaigns(
    c: Campaign,
    runs: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    sink: Sink | None = None,
    progress: Callable[[int], None] | None = None,
    stream: Stream = CAMPAIGN,
    cluster: str | None = None,
) -> CampaignResult:
    """Play ``runs`` campaign replications (default: the campaign's) and summarise them.

    ``progress(n)`` is told of every n attacks played; ``sink`` gets every chunk's records.
    """
    runs = c.runs if runs is None else runs
    seed = c.seed if seed is None else seed
    workers = default_workers() if workers is None else max(1, workers)
    layout = Layout.of(c)
    # a campaign replication is many attacks: smaller tasks than a run's balance better
    size = max(1, min(chunk_size(runs, workers), runs // (workers * 4) or 1, 250))
    started = time.perf_counter()
    bands = DayBands(layout.series, c.whole_days)
    agg: Aggregate | None = None
    attacks = 0
    tasks = tasks_for("campaign", CampaignSource(c), seed, stream, runs, size)
    results = perform(tasks, workers, cluster, progress, run=run_campaign_task)
    try:
        for res in results:
            agg = res.aggregate
            days = res.result.records
            assert isinstance(days, np.ndarray)
            bands.add(days)
            attacks += int(res.rows[:, 0].sum())
            if sink is not None:
                sink(res.rows, res.ratios, days, res.result.start)
    finally:
        results.close()
    if agg is None:
        agg = Aggregate(list(layout.ints), list(layout.reals))
    return CampaignResult(
        campaign=c,
        runs=agg.runs,
        seed=seed,
        metrics=agg.metrics(),
        days=bands.summary(),
        attacks=attacks,
        elapsed_s=time.perf_counter() - started,
        workers=workers,
    )
