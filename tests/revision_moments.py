"""Moments of every metric of the bundled attack scenarios, to compare engine revisions.

An engine revision may change the random draws but not the model: every metric must keep
its distribution. ``moments`` runs a scenario and gives, per integer metric, the mean, the
variance and the share of replications above zero; ``tests/golden/revision-3-moments.json``
holds them for revision 3 (``python -m tests.revision_moments`` at the commit it names), and
``tests/test_revision_equality.py`` compares the current engine with them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from sim import load_scenario
from sim.engine import ENGINE_REVISION
from sim.montecarlo.batch import Fixed, chunk_size, perform, tasks_for
from sim.montecarlo.streams import RUN
from sim.outcomes import metric_names

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(
    p.name
    for p in (ROOT / "scenarios").glob("*.yaml")
    if not p.name.startswith(("study-", "campaign-"))
)
REFERENCE = ROOT / "tests" / "golden" / "revision-3-moments.json"


def moments(name: str, runs: int, seed: int, workers: int = 1) -> dict[str, list[float]]:
    """Per metric of scenario ``name``: [mean, variance, share above zero] over ``runs``."""
    s = load_scenario(ROOT / "scenarios" / name)
    size = chunk_size(runs, workers)
    tasks = tasks_for("run", Fixed(s), seed, RUN, runs, size)
    total = np.zeros(len(metric_names(s)))
    squares = np.zeros_like(total)
    positive = np.zeros_like(total)
    for done in perform(tasks, workers=workers, aggregate=False):
        rows = done.rows.astype(float)
        total += rows.sum(axis=0)
        squares += np.square(rows).sum(axis=0)
        positive += (rows > 0).sum(axis=0)
    mean = total / runs
    variance = (squares - runs * mean**2) / (runs - 1)
    share = positive / runs
    return {
        m: [float(a), float(b), float(c)]
        for m, a, b, c in zip(metric_names(s), mean, variance, share, strict=True)
    }


def main(runs: int = 40_000, seed: int = 3) -> None:
    """Write the reference moments of the current revision for every bundled scenario."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    out = {"engine": ENGINE_REVISION, "commit": commit, "runs": runs, "seed": seed}
    out["scenarios"] = {name: moments(name, runs, seed, workers=1) for name in SCENARIOS}
    path = ROOT / "tests" / "golden" / f"revision-{ENGINE_REVISION}-moments.json"
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
