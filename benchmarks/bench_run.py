"""Benchmark: replications per second, events per replication, peak memory, time shares.

Runs the reference scenario (benchmarks/perf-reference.yaml, a copy of the project's
shared performance reference) and prints a table:

- replications/s of the whole ``adsim run`` command (process start, loading, workers,
  Parquet records, summary; figures off) with 1 worker and with all cores;
- the same for the in-process Monte Carlo loop alone;
- SimPy events processed per replication;
- the same scenario in a straightforward SimPy program (``naive_baseline.py``) on this
  machine, and adsim's speed as a multiple of it: issue 12's targets are 3 times it with
  one worker and 5 times with all cores, whatever the machine;
- CPU instructions per replication of both (valgrind's callgrind, when installed), a
  measure that does not drift with the load of a shared machine;
- peak resident memory of the ``adsim run`` processes;
- where one worker's time goes: salvo draws, engine (SimPy), effects, records, aggregation,
  seeding;
- the whole command with its figures (what a user waits for);
- with ``--scaling``, CPU time per replication as threats (10 - 10,000), people near impacts
  and out of reach (2,300 - 500,000) and batteries (2 - 50) grow (``scaling.py``);
- with ``--million``, 10^6 replications: time and peak memory.

Usage: python benchmarks/bench_run.py [--runs N] [--scaling] [--million] [--against REF]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scaling
from naive_baseline import naive_rate

from sim import load_scenario, replication_rng, run_monte_carlo, run_replication
from sim.montecarlo.executors import default_workers

HERE = Path(__file__).parent
ROOT = HERE.parent
SCENARIO = HERE / "perf-reference.yaml"
# Issue 12's targets for the whole command, as multiples of the naive program's rate: one
# worker, and all cores.
TARGET_ONE, TARGET_ALL = 3.0, 5.0


# Runs a command and prints its wall time and the peak RSS (KiB on Linux) of the largest of
# its processes: a fresh parent, so that one command's peak is not another's.
_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def command_rate(
    runs: int, workers: int, tree: Path = ROOT, figures: bool = False
) -> tuple[float, float]:
    """Replications/s of a whole ``adsim run`` and the peak RSS in MiB of its largest process
    (the main process or a worker); ``tree``: the source tree whose ``sim`` runs."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "sim", "run", str(SCENARIO), "--runs", str(runs)]
        command += ["--workers", str(workers), "--json", "--out", out]
        command += [] if figures else ["--no-figures"]
        printed = subprocess.run(
            [sys.executable, "-c", _MEASURE, *command],
            check=True,
            capture_output=True,
            text=True,
            cwd=tree,  # ``python -m`` puts the working folder first on the import path
        ).stdout.split()
    elapsed, peak_kib = float(printed[0]), int(printed[1])
    return runs / elapsed, peak_kib / 1024


def loop_rate(runs: int, workers: int) -> float:
    """Replications/s of ``run_monte_carlo`` alone (no process start, no records)."""
    s = load_scenario(SCENARIO)
    result = run_monte_carlo(s, runs=runs, seed=1, workers=workers)
    return runs / result.elapsed_s


def events_per_replication(n: int = 2000) -> float:
    """Mean SimPy events processed per replication."""
    s = load_scenario(SCENARIO)
    total = sum(
        run_replication(s, replication_rng(1, i), count_events=True).events for i in range(n)
    )
    return total / n


# One chunk of replications in this process; also for an engine before revision 3 (chunk
# API), so that ``--against`` can count an older tree.
_COUNT_ADSIM = """
import sys
from sim import load_scenario
s = load_scenario(sys.argv[1])
try:
    from sim.montecarlo.batch import Fixed, Task, run_task
    from sim.montecarlo.streams import RUN
    def chunk(seed, n):
        run_task(Task("run", Fixed(s), seed, RUN, 0, n))
except ImportError:
    from sim.montecarlo.chunk import ChunkTask, run_chunk
    def chunk(seed, n):
        run_chunk(ChunkTask(s, seed, 0, n))
chunk(1, 20)
if int(sys.argv[2]):
    chunk(2, int(sys.argv[2]))
"""
_COUNT_NAIVE = """
import sys
sys.path.insert(0, sys.argv[1])
from naive_baseline import run_naive
run_naive(20)
if int(sys.argv[2]):
    run_naive(int(sys.argv[2]), seed=2)
"""


def instructions_per_replication(runs: int = 200, tree: Path = ROOT) -> tuple[float, float] | None:
    """CPU instructions per replication of adsim's loop and of the naive program.

    Counted by valgrind's callgrind (None when valgrind is missing): unlike seconds, the
    count does not depend on what else the machine is doing. Each program runs twice,
    with and without ``runs`` replications, so that start-up is subtracted.
    """
    if shutil.which("valgrind") is None:
        return None

    def count(script: str, arg: str, n: int) -> int:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
            + [sys.executable, "-c", script, arg, str(n)],
            capture_output=True,
            text=True,
            check=True,
            # OpenBLAS's idle threads spin under valgrind and make the count drift by ~30 k
            env={
                **os.environ,
                "PYTHONHASHSEED": "0",
                "PYTHONPATH": str(tree),
                "OPENBLAS_NUM_THREADS": "1",
            },
        ).stderr
        return int(re.search(r"Collected : (\d+)", out).group(1))

    adsim = count(_COUNT_ADSIM, str(SCENARIO), runs) - count(_COUNT_ADSIM, str(SCENARIO), 0)
    naive = count(_COUNT_NAIVE, str(HERE), runs) - count(_COUNT_NAIVE, str(HERE), 0)
    return adsim / runs, naive / runs


def time_shares(runs: int) -> dict[str, float]:
    """Share of one worker's wall-clock time per phase of the Monte Carlo loop.

    Each phase's function is wrapped, for this measurement only, in a timer (well under a
    microsecond per call, against some hundreds per replication). Unlike a profiler, this
    does not slow Python-heavy code more than numpy-heavy code.
    """
    import sim.engine.replication as replication
    from sim.engine.battery import Battery
    from sim.engine.events import Environment
    from sim.montecarlo.aggregate import Aggregate
    from sim.montecarlo.streams import ReplicationStreams

    phases: dict[str, tuple[object, str]] = {
        "salvo draws": (replication, "draw_salvo"),
        "engine (SimPy event loop)": (Environment, "run_all"),
        "batteries setup": (Battery, "__init__"),
        "effects (casualties)": (replication, "casualties"),
        "records": (replication, "metric_row"),
        "aggregation": (Aggregate, "add"),
        "seeding": (ReplicationStreams, "rng"),
    }
    spent = dict.fromkeys(phases, 0.0)

    def timed(name: str, fn: Callable) -> Callable:
        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    originals = {name: getattr(owner, attr) for name, (owner, attr) in phases.items()}
    try:
        for name, (owner, attr) in phases.items():
            setattr(owner, attr, timed(name, originals[name]))
        s = load_scenario(SCENARIO)
        started = time.perf_counter()
        run_monte_carlo(s, runs=runs, seed=1, workers=1)
        total = time.perf_counter() - started
    finally:
        for name, (owner, attr) in phases.items():
            setattr(owner, attr, originals[name])
    shares = {name: t / total for name, t in spent.items()}
    shares["everything else (replication wiring, chunks)"] = 1.0 - sum(shares.values())
    return shares


def compare(ref: str, runs: int, rounds: int = 3) -> None:
    """This tree against commit ``ref``: whole-command rates in alternating rounds (so that
    drift of the machine's speed hits both alike), and instructions per replication."""
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), ref],
            check=True,
            capture_output=True,
        )
        try:
            print(f"{'measure (1 worker)':<46}{'this tree':>14}{ref[:12]:>14}")
            for r in range(rounds):
                new_rate, _ = command_rate(runs, 1)
                old_rate, _ = command_rate(runs, 1, old)
                print(
                    f"{f'adsim run, {runs:,} runs, round {r + 1}: reps/s':<46}"
                    f"{new_rate:>14,.0f}{old_rate:>14,.0f}"
                )
            new, old_count = instructions_per_replication(tree=ROOT), None
            if new is not None:
                old_count = instructions_per_replication(tree=old)
                print(
                    f"{'CPU instructions per replication':<46}{new[0]:>14,.0f}"
                    f"{old_count[0]:>14,.0f}"
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                check=False,
            )


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40_000)
    parser.add_argument(
        "--million",
        action="store_true",
        help="also run 10^6 replications and report time and peak memory",
    )
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="also print CPU time per replication as threats, people and batteries grow",
    )
    parser.add_argument(
        "--against",
        metavar="GIT_REF",
        help="also measure the command and its instructions at this commit (e.g. the engine "
        "before a refactor), alternating runs of the two",
    )
    args = parser.parse_args()
    if args.against:
        compare(args.against, args.runs)
        return
    cores = default_workers()
    print(
        f"scenario: {SCENARIO.name}; machine: {os.cpu_count()} cores "
        f"({cores} usable); python {sys.version.split()[0]}"
    )
    print(f"{'measure':<46}{'value':>14}")
    # This machine's speed may drift during the run (a shared VM), so each multiple is taken
    # against the naive program measured just before and just after the command.
    naive_runs = min(args.runs, 3000)
    naive_before = naive_rate(naive_runs)
    print(f"{'naive SimPy program, 1 worker: reps/s':<46}{naive_before:>14,.0f}")
    for workers in sorted({1, cores}):
        rate, peak = command_rate(args.runs, workers)
        naive_after = naive_rate(naive_runs)
        print(f"{f'adsim run, {workers} worker(s), {args.runs:,} runs: reps/s':<46}{rate:>14,.0f}")
        print(f"{'  peak RSS of its largest process (MiB)':<46}{peak:>14,.0f}")
        target = TARGET_ONE if workers == 1 else TARGET_ALL
        aim = f" (target {target:.0f}x)"
        multiple = rate / ((naive_before + naive_after) / 2)
        print(f"{'  times the naive program' + aim:<46}{multiple:>14.2f}")
        print(f"{'naive SimPy program, 1 worker: reps/s':<46}{naive_after:>14,.0f}")
        naive_before = naive_after
    rate, _ = command_rate(args.runs, cores, figures=True)
    print(f"{f'adsim run with its figures, {cores} worker(s)':<46}{rate:>14,.0f}")
    naive_after = naive_rate(naive_runs)
    print(f"{'  times the naive program':<46}{rate / ((naive_before + naive_after) / 2):>14.2f}")
    naive_before = naive_after
    for workers in sorted({1, cores}):
        rate = loop_rate(args.runs, workers)
        naive_after = naive_rate(naive_runs)
        print(f"{f'Monte Carlo loop only, {workers} worker(s): reps/s':<46}{rate:>14,.0f}")
        per_core = rate / workers / ((naive_before + naive_after) / 2)
        print(f"{'  per core, times the naive program (target 4)':<46}{per_core:>14.2f}")
        naive_before = naive_after
    print(f"{'SimPy events per replication':<46}{events_per_replication():>14.1f}")
    counted = instructions_per_replication()
    if counted is not None:
        adsim, naive = counted
        print(f"{'CPU instructions per replication, adsim':<46}{adsim:>14,.0f}")
        print(f"{'  the naive program':<46}{naive:>14,.0f}")
        print(f"{'  naive / adsim (1 worker, loop only)':<46}{naive / adsim:>14.2f}")
    if args.million:
        rate, peak = command_rate(1_000_000, cores)
        print(f"{'adsim run, 10^6 runs, all workers: reps/s':<46}{rate:>14,.0f}")
        print(f"{'  peak RSS of any process (MiB)':<46}{peak:>14,.0f}")
    print("time share of one worker (wall clock, 1 worker):")
    for name, share in time_shares(min(args.runs, 5000)).items():
        print(f"  {name:<44}{share:>14.1%}")
    if args.scaling:
        scaling.main()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
