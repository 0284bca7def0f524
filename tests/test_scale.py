"""Memory stays bounded however many replications run (streamed records and summary)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow

TINY = Path(__file__).parent / "scenarios" / "tiny-fast.yaml"

PEAK = """
import resource, sys
from sim.cli import main
sys.argv = ["adsim", *sys.argv[1:]]
try:
    main()
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_rss_mib(tmp_path: Path, runs: int) -> tuple[float, Path]:
    out = tmp_path / f"r{runs}"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK,
            "run",
            str(TINY),
            "--runs",
            str(runs),
            "--workers",
            "2",
            "--no-figures",
            "--json",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    assert json.loads(proc.stdout)["runs"] == runs
    return peak_kib / 1024, out


def test_memory_does_not_grow_with_runs(tmp_path: Path) -> None:
    small, _ = peak_rss_mib(tmp_path, 20_000)
    large, out = peak_rss_mib(tmp_path, 200_000)
    # 10x the runs: the parent's peak may wobble by a few MiB, never scale with the runs
    # (200k rows of 20 int64 columns would be 32 MiB held in memory).
    assert large - small < 20, (small, large)
    meta = pq.ParquetFile(out / "replications.parquet").metadata
    assert meta.num_rows == 200_000
    assert meta.num_row_groups > 1


FLAT = """
import sys
import numpy as np
from sim.io import results
from sim.montecarlo import batch

# The parent's side of a run, without the simulation: each chunk's rows are rows of real
# replications of the scenario (the first 1,000, repeated), so the sink, the summary and
# the folder handling see what they see in a run, at a thousandth of its cost.
real = {}
simulate = batch.run_task

def replay(task):
    key = id(task.source)
    if key not in real:
        real[key] = simulate(batch.Task(task.tag, task.source, task.seed, task.stream, 0, 1000))
    rows = np.resize(real[key].rows, (task.stop - task.start, real[key].rows.shape[1]))
    return batch.TaskResult(task.tag, task.start, task.last, rows, None, np.empty((0, 4)))

batch.run_task = replay

def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

marks = {}
append = results.ReplicationWriter.__call__

def sampled(self, rows, ratios, first):
    append(self, rows, ratios, first)
    done = first + len(rows)
    for m in (1_000_000, 2_000_000, 3_000_000):
        if first < m <= done:
            marks[m] = rss_kib()

results.ReplicationWriter.__call__ = sampled
from sim.cli import main
sys.argv = ["adsim", *sys.argv[1:]]
try:
    main()
finally:
    print(marks[1_000_000], marks[2_000_000], marks[3_000_000], file=sys.stderr)
"""


def test_parquet_sink_memory_is_flat_over_millions_of_replications(tmp_path: Path) -> None:
    out = tmp_path / "m"
    args = ["run", str(TINY), "--runs", "3000000", "--workers", "1", "--no-figures", "--json"]
    proc = subprocess.run(
        [sys.executable, "-c", FLAT, *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    one, two, three = (int(x) / 1024 for x in proc.stderr.strip().splitlines()[-1].split())
    # 2 M more replications: a few MiB of wobble at most (it was ~15 MiB per million)
    assert three - one < 4, (one, two, three)
    assert json.loads(proc.stdout)["runs"] == 3_000_000
    meta = pq.ParquetFile(out / "replications.parquet").metadata
    assert meta.num_rows == 3_000_000
    assert 2 <= meta.num_row_groups <= 3_000_000 // 2**14  # large row groups, not one per chunk
