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
    large, out = peak_rss_mib(tmp_path, 400_000)
    # 20x the runs: the parent's peak may wobble by a few MiB, never scale with the runs
    # (400k rows of 20 int64 columns would be 64 MiB held in memory).
    assert large - small < 25, (small, large)
    meta = pq.ParquetFile(out / "replications.parquet").metadata
    assert meta.num_rows == 400_000
    assert meta.num_row_groups > 1
