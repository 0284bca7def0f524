"""Sweeps of a campaign: the whole campaign Monte Carlo at each point of a grid.

The varied paths are campaign paths (``campaign.stock.upper.initial``,
``campaign.attacks.0.per_day``) or paths into an attack kind's scenario
(``campaign.attacks.0.scenario.defense.batteries.upper.pk.srbm``); each point's campaign is
loaded and checked like the file itself, before anything runs. Point k plays its campaign
replications on its own stream (``Purpose.CAMPAIGN_SWEEP_POINT``, context ``(k,)``), and all
points go to the one batch driver tagged by point, so they share the workers.

The question a stock sweep answers: how many interceptors must a battery start with for the
stock to last the campaign in 95% of campaigns? ``needed`` reads it off the points: the
smallest swept value whose P(no stock-out) reaches the target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from sim.io.campaign_file import LoadedCampaign, load_campaign
from sim.io.errors import InputError
from sim.montecarlo.batch import Task, chunk_size, perform, tasks_for
from sim.montecarlo.campaign import CampaignSource, run_campaign_task
from sim.montecarlo.executors import default_workers
from sim.montecarlo.streams import Purpose, Stream
from sim.studies.designs import design_points
from sim.studies.vary import Vary

TARGET = 0.95  # the share of campaigns in which the stock must last
KEPT = ("attacks", "leaked", "casualties", "interceptors")  # metrics kept per point, besides stock


def plan_points(
    path: str | Path, varies: list[Vary], seed: int
) -> tuple[np.ndarray, list[LoadedCampaign]]:
    """The grid's values and each point's campaign (checked: errors name the varied path)."""
    values = design_points(varies, "grid", None, seed)
    campaigns = []
    for row in values:
        assignments = {}
        for v, x in zip(varies, row, strict=True):
            assignments[v.path] = int(x) if float(x).is_integer() else float(x)
        try:
            campaigns.append(load_campaign(path, assignments))
        except InputError as exc:
            shown = ", ".join(f"{p}={x}" for p, x in assignments.items())
            raise InputError("vary", shown, f"{exc.path}: {exc.message}") from None
    return values, campaigns


def _tasks(campaigns: list[LoadedCampaign], seed: int, runs: int, size: int) -> Iterator[Task]:
    for k, loaded in enumerate(campaigns):
        stream = Stream(Purpose.CAMPAIGN_SWEEP_POINT, (k,))
        yield from tasks_for(k, CampaignSource(loaded.model), seed, stream, runs, size)


def sweep_campaign(
    path: str | Path,
    varies: list[Vary],
    runs: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Run the campaign at every grid point; the campaign-sweep.json document."""
    base = load_campaign(path).model
    seed = base.seed if seed is None else seed
    runs = base.runs if runs is None else runs
    values, campaigns = plan_points(path, varies, seed)
    workers = default_workers() if workers is None else max(1, workers)
    size = max(1, min(chunk_size(runs * len(campaigns), workers, per_tag=runs), 250))
    points: dict[int, dict] = {}
    results = perform(
        _tasks(campaigns, seed, runs, size), workers, cluster, progress, run=run_campaign_task
    )
    try:
        for res in results:
            if res.last and res.aggregate is not None:
                k = int(res.result.tag)
                metrics = res.aggregate.metrics()
                keep = [n for n in metrics if n in KEPT or n.startswith(("stockout", "cost"))]
                points[k] = {
                    "values": {v.path: float(x) for v, x in zip(varies, values[k], strict=True)},
                    "metrics": {n: _brief(metrics[n]) for n in keep},
                }
    finally:
        results.close()
    doc = {
        "campaign": base.name,
        "runs": runs,
        "seed": seed,
        "parameters": [v.path for v in varies],
        "vary": {v.path: v.spec for v in varies},
        "points": [points[k] for k in sorted(points)],
    }
    doc["needed"] = needed(doc, base.stocked)
    return doc


def _brief(m: dict) -> dict:
    """A metric's summary without its histogram."""
    return {k: v for k, v in m.items() if k != "histogram"}


def no_stockout(point: dict, battery: str) -> tuple[float, float]:
    """P(no stock-out) of ``battery`` at a point, and its standard error."""
    m = point["metrics"][f"stockout.{battery}"]
    p = 1.0 - m["mean"]
    return p, math.sqrt(max(p * (1 - p), 0.0) / max(1, m["n"]))


def needed(doc: dict, stocked: list[str], target: float = TARGET) -> dict:
    """Per battery whose initial stock is swept: the smallest swept value at which the stock
    lasted the campaign in at least ``target`` of the campaigns (None if none did)."""
    out = {}
    for battery in stocked:
        path = f"campaign.stock.{battery}.initial"
        if path not in doc["parameters"]:
            continue
        ok = [p["values"][path] for p in doc["points"] if no_stockout(p, battery)[0] >= target]
        out[battery] = {"target": target, "initial": min(ok) if ok else None}
    return out
