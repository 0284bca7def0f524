"""Time and peak memory of a large campaign (issue 14): ``adsim campaign`` on
``benchmarks/campaign-large.yaml`` (10,000 replications, 90 days, ~1.5 attacks a day).

Usage: ``python benchmarks/bench_campaign.py [--runs N] [--workers W]``. Peak memory is the
largest sum of the resident memory of adsim and its worker processes, sampled every 0.2 s,
and the largest single process.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).parent


def main() -> None:
    """Run the campaign once and print its time and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="adsim-bench-campaign-"))
    cmd = [
        sys.executable,
        "-c",
        "from sim.cli import main; main()",
        "campaign",
        str(HERE / "campaign-large.yaml"),
        "--runs",
        str(args.runs),
        "--workers",
        str(args.workers),
        "--out",
        str(out / "r"),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(proc.pid)
    peak_total = peak_one = 0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                rss = p.memory_info().rss
                total += rss
                peak_one = max(peak_one, rss)
        except psutil.Error:
            pass
        peak_total = max(peak_total, total)
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    output = proc.stdout.read() if proc.stdout else ""
    print(output[-3000:])
    days = out / "r" / "days.parquet"
    size = days.stat().st_size / 2**20 if days.exists() else float("nan")
    print(
        f"runs {args.runs:,}, workers {args.workers}: {elapsed:.0f} s, peak memory of the "
        f"process tree {peak_total / 2**20:.0f} MiB (largest process {peak_one / 2**20:.0f} "
        f"MiB); days.parquet {size:.1f} MiB; exit {proc.returncode}"
    )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
