"""Calibration of unknowns to a coarse report, by rejection sampling on event evidence.

Try j draws the unknowns from their priors (stream ``Purpose.CALIBRATION_PRIOR``, index
j), runs one replication of the scenario with those values (``Purpose.CALIBRATION_TRY``,
index j) and is *accepted* when every evidence condition holds in it. Accepted draws are
exact samples of the posterior given the evidence, and the share of accepted tries
estimates the probability of the evidence. Tries are taken in index order until ``samples``
are accepted, so the result depends only on the seed, never on the workers. The posterior
predictive runs fresh replications (``Purpose.PREDICTIVE``) at the accepted draws: what the
next attack of the same kind would give, with the uncertainty about the unknowns included.

Tries run in fixed blocks; each finished block is saved in the output folder, so an
interrupted calibration resumes where it stopped (and asking for more samples later reuses
every block already run).
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.engine import ENGINE_REVISION
from sim.io.errors import InputError
from sim.io.evidence import Condition, evaluate
from sim.io.folders import locked
from sim.io.load import LoadedScenario
from sim.io.results import write_json_atomic
from sim.model.distributions import Dist
from sim.model.scenario import Scenario
from sim.montecarlo.batch import Done, Task, chunk_size, perform, tasks_for
from sim.montecarlo.executors import default_workers
from sim.montecarlo.streams import Purpose, ReplicationStreams, Stream
from sim.outcomes import RATIO_NAMES, metric_names, ratio_values
from sim.studies.parameters import ScenarioFactory

TRIES = Stream(Purpose.CALIBRATION_TRY)
BLOCK = 250  # tries per block (fixed: blocks are what a resumed calibration reuses)
HOPELESS_AFTER = 20_000  # tries before a tiny acceptance rate stops the calibration
HOPELESS_RATE = 1e-4
MAX_TRIES = 20_000_000
PREDICTIVE_RUNS = 10_000
QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
BLOCKS_DIR = ".calibration-blocks"
FORMAT = "adsim-calibration/1"


@dataclass(frozen=True)
class CalibrationPlan:
    """The scenario, its unknowns with priors, the evidence and the seed."""

    factory: ScenarioFactory
    priors: tuple[Dist, ...]
    conditions: tuple[Condition, ...]
    samples: int
    seed: int
    source: str

    @property
    def scenario(self) -> Scenario:
        """The base scenario."""
        return self.factory.base

    def key(self) -> dict:
        """What a block saved in a folder must share with this calibration to be reused."""
        return {
            "format": FORMAT,
            "engine": ENGINE_REVISION,
            "scenario_sha256": self.factory.digest,
            "seed": self.seed,
            "block": BLOCK,
        }


def plan_calibration(
    loaded: LoadedScenario, samples: int | None = None, seed: int | None = None
) -> CalibrationPlan:
    """The calibration of a loaded scenario's ``calibration`` section (typed at load)."""
    cal = loaded.calibration
    source = loaded.source
    if cal is None:
        raise InputError(
            source,
            "calibration",
            "the scenario has no calibration section; expected unknowns, evidence and "
            "samples (see docs/scenario-format.md)",
        )
    if not cal.unknowns:
        raise InputError(source, "calibration.unknowns", "expected at least one unknown")
    if not cal.conditions:
        raise InputError(source, "calibration.evidence", "expected at least one condition")
    return CalibrationPlan(
        ScenarioFactory(loaded, cal.unknowns),
        cal.priors,
        cal.conditions,
        cal.samples if samples is None else samples,
        loaded.model.seed if seed is None else seed,
        source,
    )


@dataclass
class Block:
    """Block b of tries: each try's failing conditions (bit mask) and the accepted ones."""

    index: int
    fails: list[int]  # per try: bit c set when condition c failed
    accepted: list[int]  # try numbers
    thetas: list[list[float]]
    rows: list[list[int]]


@dataclass
class PriorDraws:
    """Try j simulates the scenario at values of the unknowns drawn from their priors."""

    factory: ScenarioFactory
    priors: tuple[Dist, ...]

    @property
    def base(self) -> Scenario:
        """The scenario before any unknown is set."""
        return self.factory.base

    def scenario(self, seed: int, index: int) -> tuple[Scenario, list[float]]:
        """Try ``index``'s scenario and its drawn values."""
        rng = _prior_streams(seed).rng(index)
        theta = [prior.draw(rng) for prior in self.priors]
        return self.factory.build(theta), [float(x) for x in theta]


_PRIOR_STREAMS: dict[int, ReplicationStreams] = {}


def _prior_streams(seed: int) -> ReplicationStreams:
    """The prior-draw streams of ``seed``, made once per process."""
    if seed not in _PRIOR_STREAMS:
        _PRIOR_STREAMS.clear()
        _PRIOR_STREAMS[seed] = ReplicationStreams(seed, Stream(Purpose.CALIBRATION_PRIOR))
    return _PRIOR_STREAMS[seed]


def judge_block(plan: CalibrationPlan, done: Done) -> Block:
    """Which tries of a finished block met the evidence, and which conditions failed."""
    first = done.result.start
    rows = done.rows
    columns = {n: rows[:, i] for i, n in enumerate(done.names)}
    for j, name in enumerate(RATIO_NAMES):
        columns[name] = done.ratios[:, j]
    ok, fails = evaluate(list(plan.conditions), columns)
    weights = 1 << np.arange(len(plan.conditions), dtype=np.int64)
    keep = np.flatnonzero(ok)
    thetas = done.result.inputs
    assert thetas is not None
    return Block(
        index=first // BLOCK,
        fails=(weights @ fails.astype(np.int64)).tolist(),
        accepted=(first + keep).tolist(),
        thetas=thetas[keep].tolist(),
        rows=rows[keep].tolist(),
    )


@dataclass
class Tries:
    """Tries judged so far, in order."""

    n_conditions: int
    tried: int = 0
    fail_counts: np.ndarray = field(init=False)
    accepted: list[int] = field(default_factory=list)
    thetas: list[list[float]] = field(default_factory=list)
    rows: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fail_counts = np.zeros(self.n_conditions, dtype=np.int64)

    def add(self, block: Block, wanted: int) -> bool:
        """Fold in a block, stopping at the ``wanted``-th acceptance; True when complete."""
        need = wanted - len(self.accepted)
        take = min(need, len(block.accepted))
        if take == need and take > 0:
            last = block.accepted[take - 1] - block.index * BLOCK
            n = last + 1
        else:
            n = len(block.fails)
        masks = np.asarray(block.fails[:n], dtype=np.int64)
        bits = (masks[:, None] >> np.arange(self.n_conditions)) & 1
        self.fail_counts += bits.sum(axis=0)
        self.tried += n
        self.accepted += block.accepted[:take]
        self.thetas += block.thetas[:take]
        self.rows += block.rows[:take]
        return len(self.accepted) >= wanted

    def hopeless(self) -> bool:
        """Too rare to reach the wanted samples in reasonable time."""
        return self.tried >= HOPELESS_AFTER and len(self.accepted) < HOPELESS_RATE * self.tried


def _discard_blocks(folder: Path | None) -> None:
    """Remove the saved blocks of a calibration that accepted nothing (it ends in an error,
    and running it again would end the same way)."""
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _block_path(folder: Path, b: int) -> Path:
    return folder / f"{b:07d}.json"


def _open_blocks(plan: CalibrationPlan, out_dir: Path | None) -> Path | None:
    """The folder of saved blocks (emptied if it belongs to another calibration)."""
    if out_dir is None:
        return None
    folder = out_dir / BLOCKS_DIR
    key_file = folder / "key.json"
    key = plan.key()
    if key_file.exists():
        try:
            same = json.loads(key_file.read_text(encoding="utf-8")) == key
        except (OSError, ValueError):
            same = False
        if not same:
            for f in folder.glob("*.json"):
                f.unlink()
    write_json_atomic(key_file, key)
    return folder


def _load_block(folder: Path | None, b: int) -> Block | None:
    if folder is None:
        return None
    path = _block_path(folder, b)
    if not path.exists():
        return None
    try:
        return Block(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def sample_posterior(
    plan: CalibrationPlan,
    out_dir: Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
    max_tries: int = MAX_TRIES,
) -> Tries:
    """Run tries in order until ``plan.samples`` are accepted (or the budget is spent).

    With ``out_dir``, finished blocks are saved there (and reused); the folder is locked
    meanwhile, so a second calibration cannot write its blocks into it at the same time.
    """
    if out_dir is None:
        return _sample_posterior(plan, None, workers, cluster, progress, max_tries)
    out_dir.mkdir(parents=True, exist_ok=True)
    with locked(out_dir, "out"):
        return _sample_posterior(plan, out_dir, workers, cluster, progress, max_tries)


def _sample_posterior(
    plan: CalibrationPlan,
    out_dir: Path | None,
    workers: int | None,
    cluster: str | None,
    progress: Callable[[int], None] | None,
    max_tries: int,
) -> Tries:
    workers = default_workers() if workers is None else max(1, workers)
    folder = _open_blocks(plan, out_dir)
    saved = {}
    n_blocks = -(-max_tries // BLOCK)
    for b in range(n_blocks):
        block = _load_block(folder, b)
        if block is None:
            break
        saved[b] = block
    source = PriorDraws(plan.factory, plan.priors)
    todo = (
        Task(b, source, plan.seed, TRIES, b * BLOCK, (b + 1) * BLOCK)
        for b in range(len(saved), n_blocks)
    )
    results = perform(todo, workers, cluster, aggregate=False)
    tries = Tries(len(plan.conditions))
    try:
        for b in itertools.count():
            if b >= n_blocks:
                break
            block = saved.get(b) or judge_block(plan, next(results))
            if folder is not None and b not in saved:
                write_json_atomic(_block_path(folder, b), block.__dict__)
            before = len(tries.accepted)
            complete = tries.add(block, plan.samples)
            if progress is not None:
                progress(len(tries.accepted) - before)
            if complete:
                break
            if tries.hopeless():
                if not tries.accepted:
                    _discard_blocks(folder)  # a rerun would fail the same way
                worst = int(np.argmax(tries.fail_counts))
                c = plan.conditions[worst]
                raise InputError(
                    plan.source,
                    f"calibration.evidence.{c.metric}",
                    f"the evidence is (nearly) impossible under these priors: "
                    f"{len(tries.accepted)} of {tries.tried:,} simulated attacks matched it; "
                    f"'{c.label}' failed most often ({tries.fail_counts[worst] / tries.tried:.1%}"
                    " of tries). Widen the priors or relax that condition",
                )
    finally:
        results.close()
    return tries


@dataclass(frozen=True)
class Resampled:
    """Replication i simulates the scenario at the i-th of some values, taken in turn."""

    factory: ScenarioFactory
    thetas: tuple[tuple[float, ...], ...]

    @property
    def base(self) -> Scenario:
        """The scenario before any unknown is set."""
        return self.factory.base

    def scenario(self, seed: int, index: int) -> tuple[Scenario, None]:
        """Replication ``index``'s scenario."""
        return self.factory.build(self.thetas[index % len(self.thetas)]), None


def posterior_predictive(
    plan: CalibrationPlan,
    thetas: Sequence[Sequence[float]],
    runs: int = PREDICTIVE_RUNS,
    workers: int | None = None,
    cluster: str | None = None,
) -> dict[str, dict]:
    """Summary-form metrics of ``runs`` fresh replications; replication i uses draw i mod n."""
    workers = default_workers() if workers is None else max(1, workers)
    size = chunk_size(runs, workers)
    source = Resampled(plan.factory, tuple(tuple(t) for t in thetas))
    tasks = tasks_for("predictive", source, plan.seed, Stream(Purpose.PREDICTIVE), runs, size)
    metrics: dict[str, dict] = {}
    for done in perform(tasks, workers, cluster):
        if done.last and done.aggregate is not None:
            metrics = done.aggregate.metrics()
    return metrics


def posterior_summary(paths: list[str], thetas: np.ndarray) -> dict[str, dict]:
    """Mean, sd and quantiles of each unknown's accepted draws."""
    out = {}
    for j, path in enumerate(paths):
        x = thetas[:, j]
        out[path] = {
            "mean": float(x.mean()),
            "sd": float(x.std(ddof=1)) if len(x) > 1 else 0.0,
            **{k: float(np.quantile(x, q)) for k, q in QUANTILES.items()},
        }
    return out


@dataclass
class CalibrationResult:
    """Accepted draws, their replications, and the posterior predictive."""

    plan: CalibrationPlan
    tries: Tries
    predictive: dict[str, dict]
    predictive_runs: int

    @property
    def thetas(self) -> np.ndarray:
        """Accepted draws, (accepted, unknowns)."""
        return np.asarray(self.tries.thetas, dtype=float).reshape(-1, len(self.plan.priors))

    def document(self) -> dict:
        """The calibration.json document."""
        t = self.tries
        paths = self.plan.factory.paths
        n_acc = len(t.accepted)
        from scipy.stats import binomtest  # slow to import: only when a document is made

        ci = binomtest(n_acc, t.tried).proportion_ci() if t.tried else None
        raw_cal = self.plan.factory.raw["calibration"]
        doc = {
            "scenario": self.plan.scenario.name,
            "seed": self.plan.seed,
            "samples": self.plan.samples,
            "complete": n_acc >= self.plan.samples,
            "tried": t.tried,
            "accepted": n_acc,
            "acceptance_rate": n_acc / t.tried if t.tried else None,
            "acceptance_ci95": [ci.low, ci.high] if ci else None,
            "unknowns": raw_cal["unknowns"],
            "evidence": raw_cal["evidence"],
            "conditions": {
                c.label: {"failed": int(n), "failed_share": int(n) / t.tried if t.tried else None}
                for c, n in zip(self.plan.conditions, t.fail_counts, strict=True)
            },
            "posterior": posterior_summary(paths, self.thetas) if n_acc else {},
        }
        if n_acc > 2 and len(paths) > 1:
            doc["correlation"] = np.corrcoef(self.thetas.T).round(6).tolist()
        doc["predictive_runs"] = self.predictive_runs
        doc["predictive"] = self.predictive
        return doc

    def posterior_table(self) -> dict[str, list]:
        """posterior.parquet: each accepted try, its draws and its replication's metrics."""
        names = metric_names(self.plan.scenario)
        rows = np.asarray(self.tries.rows, dtype=np.int64).reshape(-1, len(names))
        cols: dict[str, list] = {"try": list(self.tries.accepted)}
        for j, path in enumerate(self.plan.factory.paths):
            cols[path] = self.thetas[:, j].tolist()
        for i, n in enumerate(names):
            cols[n] = rows[:, i].tolist()
        ratios = ratio_values(rows, names)
        for j, name in enumerate(RATIO_NAMES):
            cols[name] = ratios[:, j].tolist()
        return cols

    def prior_draws(self, n: int = 100_000) -> dict[str, np.ndarray]:
        """Many draws from each prior (for drawing its density)."""
        return prior_draws(self.plan, n)


def prior_draws(plan: CalibrationPlan, n: int = 100_000) -> dict[str, np.ndarray]:
    """Many draws from each prior, on their own seed stream (for drawing its density)."""
    rng = Stream(Purpose.PRIOR_DENSITY).generator(plan.seed)
    return {
        p.path: plan.priors[j].sample(rng, n).astype(float)
        for j, p in enumerate(plan.factory.parameters)
    }


def calibrate(
    plan: CalibrationPlan,
    out_dir: Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
    predictive_runs: int = PREDICTIVE_RUNS,
    max_tries: int = MAX_TRIES,
) -> CalibrationResult:
    """Sample the posterior, then run the posterior predictive."""
    tries = sample_posterior(plan, out_dir, workers, cluster, progress, max_tries)
    if not tries.accepted:
        _discard_blocks(out_dir / BLOCKS_DIR if out_dir is not None else None)
        raise InputError(
            plan.source,
            "calibration.evidence",
            f"no simulated attack matched the evidence in {tries.tried:,} tries",
        )
    predictive = posterior_predictive(plan, tries.thetas, predictive_runs, workers, cluster)
    return CalibrationResult(plan, tries, predictive, predictive_runs)
