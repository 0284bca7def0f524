"""Parameter sweeps: many scenarios, each run as a Monte Carlo, durable point by point.

A sweep is fixed by its scenario, varied parameters, design, points, runs and seed (the
*manifest*). Point k runs its replications on its own stream (``Purpose.SWEEP_POINT`` with
context ``(k,)``), so a point's results depend on nothing else: not on the workers, the order,
nor on which points ran before an interruption. Each finished point is written to
``points/NNNNNN.json`` at once (atomically), with what made its numbers (values, runs, seed,
engine revision, scenario); a rerun with the same manifest and folder skips the points
already there that match, and a rerun with a different manifest is refused. The folder is
locked while a sweep writes into it, so a second sweep into it is refused at once.

The tasks of all points go to the batch driver tagged by point, so points run in parallel
and a point with many runs is itself spread over the workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.engine import ENGINE_REVISION
from sim.io.errors import OptionError
from sim.io.folders import locked
from sim.io.load import LoadedScenario
from sim.io.results import write_json_atomic
from sim.model.scenario import Scenario
from sim.montecarlo.batch import Fixed, Task, chunk_size, perform, tasks_for
from sim.montecarlo.executors import default_workers
from sim.montecarlo.streams import Purpose, Stream
from sim.outcomes import MAIN_METRICS
from sim.studies.designs import design_points
from sim.studies.parameters import ScenarioFactory, make_factory
from sim.studies.sensitivity import sobol_indices
from sim.studies.vary import Vary

MANIFEST = "sweep-manifest.json"
POINTS_DIR = "points"
FORMAT = "adsim-sweep/1"


@dataclass(frozen=True)
class SweepPlan:
    """Everything that fixes a sweep's numbers, and the points it will evaluate."""

    factory: ScenarioFactory
    varies: tuple[Vary, ...]
    design: str
    points: int | None
    runs: int
    seed: int
    values: np.ndarray  # (points, parameters), as the scenario stores them

    @property
    def scenario(self) -> Scenario:
        """The base scenario."""
        return self.factory.base

    def manifest(self) -> dict:
        """What a resumed sweep must share with the one that started the folder."""
        return {
            "format": FORMAT,
            "engine": ENGINE_REVISION,
            "scenario": self.scenario.name,
            "scenario_sha256": self.factory.digest,
            "design": self.design,
            "vary": {v.path: v.spec for v in self.varies},
            "points": self.points,
            "runs": self.runs,
            "seed": self.seed,
            "n_points": len(self.values),
        }

    def point_values(self, k: int) -> dict[str, float | int]:
        """Point k's values by path."""
        return {
            p.path: p.coerce(x)
            for p, x in zip(self.factory.parameters, self.values[k], strict=True)
        }


def plan_sweep(
    loaded: LoadedScenario,
    varies: list[Vary],
    design: str = "grid",
    points: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
) -> SweepPlan:
    """Check the varied paths and their values against the scenario; lay out the design."""
    seed = loaded.model.seed if seed is None else seed
    runs = loaded.model.runs if runs is None else runs
    values = design_points(varies, design, points, seed)
    probes = {v.path: v.bounds[0] for v in varies}
    factory = make_factory(loaded, probes, "vary")
    for j, v in enumerate(varies):
        for x in v.values if v.values is not None else v.bounds:
            factory.check_value(j, x, "vary")
        if v.values is not None and factory.parameters[j].integer:
            rounded = [factory.parameters[j].coerce(x) for x in v.values]
            if len(set(rounded)) != len(rounded):
                raise OptionError(
                    "vary",
                    v.path,
                    f"is a whole number; {v.spec!r} gives repeated values once rounded ({rounded})",
                )
    coerced = np.array(
        [[p.coerce(x) for p, x in zip(factory.parameters, row, strict=True)] for row in values],
        dtype=float,
    ).reshape(len(values), len(varies))
    return SweepPlan(factory, tuple(varies), design, points, runs, seed, coerced)


def _point_file(out_dir: Path, k: int) -> Path:
    return out_dir / POINTS_DIR / f"{k:06d}.json"


def point_key(plan: SweepPlan, k: int) -> dict:
    """What a saved point must match to be reused: its number and values, the runs, seed,
    engine revision and scenario that made its numbers."""
    return {
        "point": k,
        "values": plan.point_values(k),
        "runs": plan.runs,
        "seed": plan.seed,
        "engine": ENGINE_REVISION,
        "scenario_sha256": plan.factory.digest,
    }


def prepare_folder(plan: SweepPlan, out_dir: Path) -> dict[int, dict]:
    """Claim the folder for this sweep (or check it is this sweep's); the finished points.

    The caller holds the folder's lock (``run_points`` does), so checking and writing the
    manifest cannot interleave with another process's.
    """
    manifest = plan.manifest()
    path = out_dir / MANIFEST
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old != manifest:
            differ = sorted(k for k in manifest if old.get(k) != manifest[k]) or ["format"]
            if old and old.get("engine") != ENGINE_REVISION:
                raise OptionError(
                    "out",
                    str(out_dir),
                    "holds a sweep made by another version of adsim, whose random draws "
                    "differ; choose another `out` (or delete the folder to start again)",
                )
            raise OptionError(
                "out",
                str(out_dir),
                f"holds a different sweep (it differs in: {', '.join(differ)}); rerun with "
                "the arguments that started it to resume, or choose another `out`",
            )
    else:
        for other in ("summary.json", "calibration.json"):
            if (out_dir / other).exists():
                raise OptionError(
                    "out", str(out_dir), f"holds other results ({other}); choose another `out`"
                )
        write_json_atomic(path, manifest)
    done = {}
    for k in range(len(plan.values)):
        f = _point_file(out_dir, k)
        if f.exists():
            try:
                point = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # unreadable: compute it again
            key = point_key(plan, k)
            if isinstance(point, dict) and all(point.get(f) == v for f, v in key.items()):
                done[k] = point
    return done


def _tasks(plan: SweepPlan, todo: list[int], size: int) -> Iterator[Task]:
    for k in todo:
        source = Fixed(plan.factory.build(plan.values[k]))
        yield from tasks_for(
            k, source, plan.seed, Stream(Purpose.SWEEP_POINT, (k,)), plan.runs, size
        )


def run_points(
    plan: SweepPlan,
    out_dir: Path,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_point: Callable[[int, dict], None] | None = None,
) -> dict[int, dict]:
    """Run every point not yet in ``out_dir``; write each one as it finishes; all points.

    The folder is locked meanwhile: a second sweep (or any adsim command) writing into it is
    refused, so two sweeps never mix their points.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with locked(out_dir, "out"):
        return _run_points(plan, out_dir, workers, cluster, progress, on_point)


def _run_points(
    plan: SweepPlan,
    out_dir: Path,
    workers: int | None,
    cluster: str | None,
    progress: Callable[[int], None] | None,
    on_point: Callable[[int, dict], None] | None,
) -> dict[int, dict]:
    done = prepare_folder(plan, out_dir)
    todo = [k for k in range(len(plan.values)) if k not in done]
    workers = default_workers() if workers is None else max(1, workers)
    size = chunk_size(plan.runs * max(1, len(todo)), workers, per_tag=plan.runs)
    results = perform(_tasks(plan, todo, size), workers, cluster, progress)
    try:
        for res in results:
            if res.last and res.aggregate is not None:
                k = int(res.result.tag)
                point = {**point_key(plan, k), "metrics": res.aggregate.metrics()}
                write_json_atomic(_point_file(out_dir, k), point)
                done[k] = point
                if on_point is not None:
                    on_point(k, point)
    finally:
        results.close()
    return done


def sweep_document(plan: SweepPlan, done: dict[int, dict]) -> dict:
    """The sweep.json document (with Sobol indices for a sobol design)."""
    points = [{"values": done[k]["values"], "metrics": done[k]["metrics"]} for k in sorted(done)]
    doc = {
        "scenario": plan.scenario.name,
        "design": plan.design,
        "runs": plan.runs,
        "seed": plan.seed,
        "parameters": [v.path for v in plan.varies],
        "vary": {v.path: v.spec for v in plan.varies},
        "points": points,
    }
    if plan.design == "sobol":
        outputs = {
            m: np.array([_mean(p["metrics"][m]) for p in points], dtype=float) for m in MAIN_METRICS
        }
        doc["sensitivity"] = sobol_indices(list(plan.varies), outputs, plan.seed)
    return doc


def _mean(summary: dict) -> float:
    return np.nan if summary["mean"] is None else summary["mean"]


def points_table(doc: dict) -> dict[str, list]:
    """One row per point: its values, then mean and 95% CI of every metric."""
    cols: dict[str, list] = {"point": list(range(len(doc["points"])))}
    for path in doc["parameters"]:
        cols[path] = [p["values"][path] for p in doc["points"]]
    if doc["points"]:
        for m in doc["points"][0]["metrics"]:
            summaries = [p["metrics"][m] for p in doc["points"]]
            cols[f"{m}.mean"] = [s["mean"] for s in summaries]
            cols[f"{m}.ci95_low"] = [s["ci95"][0] for s in summaries]
            cols[f"{m}.ci95_high"] = [s["ci95"][1] for s in summaries]
    return cols
