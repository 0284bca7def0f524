"""Joint calibration across public events, by likelihood weighting.

The unknowns are dotted paths with priors. A path ``weapons.CLASS.KEY`` stands for
``threats.T.KEY`` of every threat type ``T`` that names ``weapon: CLASS``, in every event;
any other path (``base.protection.tbi``) is set in every event's scenario. Draw ``j`` takes
the unknowns' values from their priors (stream ``Purpose.JOINT_PRIOR``, index ``j``) and
runs ``m`` replications of every event at those values (``Purpose.JOINT_CALIBRATION``,
context the event's key, replication ``j m + r``). Its weight is

    w_j = prod over events e of (hits_ej / m),

where ``hits_ej`` counts the replications whose observed metrics all fall in the event's
observed ranges: an unbiased estimate of the likelihood of what was observed, so the
weighted draws are the posterior (with one event and m = 1 this is rejection sampling).
The effective sample size ``(sum w)^2 / sum w^2`` says how many independent posterior draws
they are worth. Draws run in fixed blocks, saved as they finish, so an interrupted
calibration resumes; everything depends on the seed alone.

The posterior predictive of each event runs fresh replications (``Purpose.JOINT_PREDICTIVE``)
at draws resampled by weight (``Purpose.JOINT_RESAMPLE``), and is scored like validation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine import ENGINE_REVISION
from sim.io.errors import InputError
from sim.io.events import Event
from sim.io.folders import locked
from sim.io.paths import parameter
from sim.io.results import write_json_atomic
from sim.model.distributions import Dist, parse_dist
from sim.model.scenario import Scenario
from sim.montecarlo.batch import Task, perform
from sim.montecarlo.executors import default_workers
from sim.montecarlo.streams import Purpose, ReplicationStreams, Stream
from sim.studies.parameters import ScenarioFactory
from sim.studies.scoring import overall
from sim.studies.validate import columns_of, event_stream, score_event, simulate

BLOCK = 50  # draws per block (fixed: blocks are what a resumed calibration reuses)
BLOCKS_DIR = ".joint-blocks"
FORMAT = "adsim-joint-calibration/1"
QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}


@dataclass(frozen=True)
class EventTarget:
    """How the unknowns reach one event: a factory over its concrete paths, and for each
    of them the index of the unknown that sets it."""

    event: Event
    factory: ScenarioFactory
    unknown_of: tuple[int, ...]

    def build(self, theta: Sequence[float]) -> Scenario:
        """The event's scenario at the unknowns' values ``theta``."""
        return self.factory.build([theta[k] for k in self.unknown_of])


@dataclass(frozen=True)
class JointPlan:
    """The events, the unknowns with their priors, and the sampling settings."""

    targets: tuple[EventTarget, ...]
    paths: tuple[str, ...]
    raw_priors: tuple[Any, ...]
    priors: tuple[Dist, ...]
    draws: int
    per_draw: int
    seed: int

    def key(self) -> dict:
        """What saved blocks must share with this calibration to be reused."""
        return {
            "format": FORMAT,
            "engine": ENGINE_REVISION,
            "events": [
                [t.event.name, t.event.loaded.digest, [o.shown for o in t.event.observed]]
                for t in self.targets
            ],
            "unknowns": dict(zip(self.paths, self.raw_priors, strict=True)),
            "seed": self.seed,
            "per_draw": self.per_draw,
            "block": BLOCK,
        }


def _concrete(path: str, ev: Event, source: str) -> list[str]:
    """The paths of ``ev``'s scenario that the unknown ``path`` sets."""
    if not path.startswith("weapons."):
        return [path]
    parts = path.split(".")
    if len(parts) < 3:
        raise InputError(
            source, path, "expected weapons.CLASS.KEY (weapons.rocket-107mm.effects.scale)"
        )
    threats = ev.loaded.raw.get("threats") or {}
    return [
        f"threats.{t}.{'.'.join(parts[2:])}"
        for t, g in threats.items()
        if isinstance(g, dict) and g.get("weapon") == parts[1]
    ]


def plan_joint(
    events: Sequence[Event],
    unknowns: dict[str, Any],
    source: str,
    draws: int,
    per_draw: int,
    seed: int,
) -> JointPlan:
    """Check the unknowns against every event (errors name ``source`` and the path)."""
    if not events:
        raise InputError("--events", "", "expected at least one event")
    if not isinstance(unknowns, dict) or not unknowns:
        raise InputError(source, "unknowns", "expected a mapping of dotted path to prior")
    paths = list(unknowns)
    priors: list[Dist | None] = [None] * len(paths)
    per_event: list[tuple[list[str], list[int], list[Any]]] = [([], [], []) for _ in events]
    for k, path in enumerate(paths):
        where = f"unknowns.{path}"
        used = False
        for e, ev in enumerate(events):
            for concrete in _concrete(path, ev, source):
                try:
                    p = parameter(ev.loaded.model, ev.loaded.raw, concrete, unknowns[path], source)
                    typed = parse_dist(unknowns[path], p.value_kind)
                except InputError as exc:
                    raise InputError(
                        source, where, f"not a valid prior in {ev.path}: {exc.message}"
                    ) from None
                except ValueError as exc:
                    raise InputError(source, where, f"not a valid prior: {exc}") from None
                priors[k] = typed
                per_event[e][0].append(concrete)
                per_event[e][1].append(k)
                per_event[e][2].append(p)
                used = True
        if not used:
            raise InputError(
                source, where, "no event's scenario has a threat type of this weapon class"
            )
    targets = tuple(
        EventTarget(ev, ScenarioFactory(ev.loaded, tuple(params)), tuple(idx))
        for ev, (_, idx, params) in zip(events, per_event, strict=True)
    )
    return JointPlan(
        targets,
        tuple(paths),
        tuple(unknowns[p] for p in paths),
        tuple(p for p in priors if p is not None),
        draws,
        per_draw,
        seed,
    )


_PRIORS: dict[int, ReplicationStreams] = {}


def draw_theta(priors: Sequence[Dist], seed: int, j: int) -> list[float]:
    """The unknowns' values of draw ``j``."""
    if seed not in _PRIORS:
        _PRIORS.clear()
        _PRIORS[seed] = ReplicationStreams(seed, Stream(Purpose.JOINT_PRIOR))
    rng = _PRIORS[seed].rng(j)
    return [float(p.draw(rng)) for p in priors]


@dataclass(frozen=True)
class JointDraws:
    """Replication ``j m + r`` simulates the event at draw ``j``'s values."""

    target: EventTarget
    priors: tuple[Dist, ...]
    per_draw: int

    @property
    def base(self) -> Scenario:
        """The event's scenario as loaded."""
        return self.target.factory.base

    def scenario(self, seed: int, index: int) -> tuple[Scenario, list[float]]:
        """Replication ``index``'s scenario and its draw's values."""
        theta = draw_theta(self.priors, seed, index // self.per_draw)
        return self.target.build(theta), theta


@dataclass(frozen=True)
class AtDraws:
    """Replication ``i`` simulates the event at the ``i``-th of some values, in turn."""

    target: EventTarget
    thetas: tuple[tuple[float, ...], ...]

    @property
    def base(self) -> Scenario:
        """The event's scenario as loaded."""
        return self.target.factory.base

    def scenario(self, seed: int, index: int) -> tuple[Scenario, None]:
        """Replication ``index``'s scenario."""
        return self.target.build(self.thetas[index % len(self.thetas)]), None


def hits(target: EventTarget, cols: dict[str, np.ndarray]) -> np.ndarray:
    """Per replication: whether every observed metric is in its range."""
    ok = np.ones(len(next(iter(cols.values()))), dtype=bool)
    for o in target.event.observed:
        x = cols[o.metric]
        with np.errstate(invalid="ignore"):
            ok &= (x >= o.low) & (x <= o.high)
    return ok


@dataclass
class Draws:
    """Draws taken so far: their values and, per event, hits of m replications."""

    thetas: list[list[float]] = field(default_factory=list)
    hits: list[list[int]] = field(default_factory=list)  # per draw: per event

    def weights(self, per_draw: int) -> np.ndarray:
        """Each draw's weight, the product over events of hits / m."""
        h = np.asarray(self.hits, dtype=float).reshape(len(self.hits), -1)
        return np.prod(h / per_draw, axis=1)


def _blocks_folder(plan: JointPlan, out_dir: Path | None) -> Path | None:
    if out_dir is None:
        return None
    folder = out_dir / BLOCKS_DIR
    key_file = folder / "key.json"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        same = json.loads(key_file.read_text(encoding="utf-8")) == json.loads(
            json.dumps(plan.key())
        )
    except (OSError, ValueError):
        same = False
    if not same:
        for f in folder.glob("*.json"):
            f.unlink()
    write_json_atomic(key_file, plan.key())
    return folder


def _load_block(folder: Path | None, b: int) -> dict | None:
    if folder is None or not (folder / f"{b:07d}.json").exists():
        return None
    try:
        return json.loads((folder / f"{b:07d}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def sample(
    plan: JointPlan,
    out_dir: Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Draws:
    """Take ``plan.draws`` draws in blocks (saved in ``out_dir`` and reused)."""
    if out_dir is None:
        return _sample(plan, None, workers, cluster, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    with locked(out_dir, "out"):
        return _sample(plan, out_dir, workers, cluster, progress)


def _sample(
    plan: JointPlan,
    out_dir: Path | None,
    workers: int | None,
    cluster: str | None,
    progress: Callable[[int], None] | None,
) -> Draws:
    workers = default_workers() if workers is None else max(1, workers)
    folder = _blocks_folder(plan, out_dir)
    m, n_events = plan.per_draw, len(plan.targets)
    n_blocks = -(-plan.draws // BLOCK)
    saved = {b: blk for b in range(n_blocks) if (blk := _load_block(folder, b)) is not None}
    sources = [JointDraws(t, plan.priors, m) for t in plan.targets]
    streams = [event_stream(Purpose.JOINT_CALIBRATION, t.event) for t in plan.targets]

    def tasks() -> Iterator[Task]:
        for b in range(n_blocks):
            if b in saved:
                continue
            lo, hi = b * BLOCK, min(plan.draws, (b + 1) * BLOCK)
            for e in range(n_events):
                yield Task(b * n_events + e, sources[e], plan.seed, streams[e], lo * m, hi * m)

    draws = Draws()
    results = perform(tasks(), workers, cluster, aggregate=False)
    try:
        for b in range(n_blocks):
            block = saved.get(b)
            if block is None:
                lo, hi = b * BLOCK, min(plan.draws, (b + 1) * BLOCK)
                per_event = []
                thetas: list[list[float]] = []
                for e in range(n_events):
                    done = next(results)
                    ok = hits(plan.targets[e], columns_of(done))
                    per_event.append(ok.reshape(hi - lo, m).sum(axis=1).tolist())
                    assert done.result.inputs is not None
                    thetas = done.result.inputs[::m].tolist()
                hit_rows = [list(h) for h in zip(*per_event, strict=True)]
                block = {"index": b, "thetas": thetas, "hits": hit_rows}
                if folder is not None:
                    write_json_atomic(folder / f"{b:07d}.json", block)
            draws.thetas += block["thetas"]
            draws.hits += block["hits"]
            if progress is not None:
                progress(len(block["thetas"]))
    finally:
        results.close()
    return draws


def weighted_summary(x: np.ndarray, w: np.ndarray) -> dict:
    """Weighted mean, sd and quantiles of one unknown's draws."""
    w = w / w.sum()
    mean = float(w @ x)
    order = np.argsort(x)
    cdf = np.cumsum(w[order])
    at = {k: min(len(x) - 1, int(np.searchsorted(cdf, q))) for k, q in QUANTILES.items()}
    quant = {k: float(x[order][i]) for k, i in at.items()}
    out: dict[str, Any] = {"mean": mean, "sd": float(np.sqrt(w @ (x - mean) ** 2)), **quant}
    if (x > 0).all():  # a positive value: its lognormal fit, the form a catalogue can hold
        lx = np.log(x)
        m = float(w @ lx)
        out["lognormal"] = [math.exp(m), float(np.sqrt(w @ (lx - m) ** 2))]
    return out


@dataclass
class JointResult:
    """The weighted draws, the posterior and each event's posterior predictive score."""

    plan: JointPlan
    draws: Draws
    predictive: list[list[tuple]] = field(default_factory=list)
    predictive_runs: int = 0

    @property
    def thetas(self) -> np.ndarray:
        """Draws' values, (draws, unknowns)."""
        return np.asarray(self.draws.thetas, dtype=float).reshape(-1, len(self.plan.paths))

    @property
    def weights(self) -> np.ndarray:
        """Each draw's weight."""
        return self.draws.weights(self.plan.per_draw)

    @property
    def ess(self) -> float:
        """Effective sample size of the weighted draws."""
        w = self.weights
        return float(w.sum() ** 2 / (w @ w)) if w.any() else 0.0

    def posterior(self) -> dict[str, dict]:
        """Each unknown's weighted summary (empty if no draw has weight)."""
        w = self.weights
        if not w.any():
            return {}
        return {p: weighted_summary(self.thetas[:, k], w) for k, p in enumerate(self.plan.paths)}

    def document(self) -> dict:
        """calibration.json of a joint calibration."""
        w = self.weights
        plan = self.plan
        hits = np.asarray(self.draws.hits, dtype=float).reshape(len(w), -1)
        pred = [s for per in self.predictive for _, s in per]
        return {
            "format": FORMAT,
            "engine": ENGINE_REVISION,
            "seed": plan.seed,
            "draws": len(w),
            "per_draw": plan.per_draw,
            "unknowns": dict(zip(plan.paths, plan.raw_priors, strict=True)),
            "events": {
                t.event.name: {
                    "file": str(t.event.path),
                    "observed": {o.metric: [o.low, o.high] for o in t.event.observed},
                    "reached": list(t.factory.paths),
                    "hit_rate": float(hits[:, e].mean() / plan.per_draw),
                }
                for e, t in enumerate(plan.targets)
            },
            "draws_with_weight": int(np.count_nonzero(w)),
            "evidence": float(w.mean()),
            "ess": self.ess,
            "posterior": self.posterior(),
            "predictive_runs": self.predictive_runs,
            "predictive": {
                t.event.name: {
                    o.metric: {"observed": [o.low, o.high], **s.as_dict()} for o, s in per
                }
                for t, per in zip(plan.targets, self.predictive, strict=False)
            },
            "predictive_overall": overall(pred) if pred else {},
        }


def resample(w: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` draws chosen with probability proportional to ``w`` (systematic)."""
    rng = Stream(Purpose.JOINT_RESAMPLE).generator(seed)
    edges = np.cumsum(w / w.sum())
    points = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(edges, points), len(w) - 1)


def joint_calibrate(
    plan: JointPlan,
    out_dir: Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
    predictive_runs: int = 2000,
) -> JointResult:
    """Weight the draws, then score each event's posterior predictive."""
    draws = sample(plan, out_dir, workers, cluster, progress)
    result = JointResult(plan, draws)
    w = result.weights
    if not w.any():
        raise InputError(
            "--events",
            "",
            f"no draw reproduced every event's observations in {len(w):,} draws x "
            f"{plan.per_draw} replications; widen the priors, raise --per-draw or --draws",
        )
    if predictive_runs > 0:
        pick = resample(w, predictive_runs, plan.seed)
        thetas = tuple(tuple(result.thetas[i]) for i in pick)
        streams = [event_stream(Purpose.JOINT_PREDICTIVE, t.event) for t in plan.targets]
        sources = [(AtDraws(t, thetas), st) for t, st in zip(plan.targets, streams, strict=True)]
        cols = simulate(sources, predictive_runs, plan.seed, workers, cluster)
        result.predictive = [
            score_event(t.event, c, st, plan.seed)
            for t, c, st in zip(plan.targets, cols, streams, strict=True)
        ]
        result.predictive_runs = predictive_runs
    return result
