"""The what-if page's run and live figures without a browser: what the page draws while a run
goes on is made of the replications received so far, and at the end equals ``adsim run``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("bokeh")

from typer.testing import CliRunner  # noqa: E402

from sim.app.job import CASUALTIES, FIGURES, Job, Partial, report_bytes  # noqa: E402
from sim.app.live import LiveFigures, _at_least, _shares  # noqa: E402
from sim.app.query import View  # noqa: E402
from sim.cli import app  # noqa: E402
from sim.io.load import load  # noqa: E402
from sim.montecarlo.run import run_monte_carlo  # noqa: E402

VALID = Path(__file__).parent / "scenarios" / "valid-small.yaml"


def test_shares_and_at_least_n() -> None:
    values = np.array([0, 0, 1, 3])
    x, share = _shares(values)
    assert list(x) == [0, 1, 2, 3] and list(share) == [0.5, 0.25, 0, 0.25]
    n, at_least = _at_least(values)
    assert list(n) == [1, 2, 3] and list(at_least) == [0.5, 0.25, 0.25]
    assert len(_at_least(np.zeros(5, dtype=int))[0]) == 0  # nobody hurt: no line


def test_a_job_keeps_every_replication_and_ends_as_the_run(tmp_path: Path) -> None:
    loaded = load(VALID)
    job = Job(View("valid-small", runs=120, seed=5), loaded)
    job.start()
    job.thread.join(timeout=300)
    assert job.finished and not job.error and len(job.pngs) == 3
    assert len(job.chunks) > 1  # several chunks: the page can show some before the end
    partial = job.partial()
    same = run_monte_carlo(loaded.model, runs=120, seed=5, workers=1, keep_rows=True)
    assert job.result.metrics == same.metrics
    assert partial.runs == 120 and set(partial.columns) >= {"leaked", *CASUALTIES}
    frame = same.to_frame(tidy=False)
    for name, values in partial.columns.items():
        assert list(values) == list(frame[name])
    assert np.array_equal(partial.impacts, same.impacts)
    # its figures are those of adsim run with the same runs and seed, to the byte
    out = tmp_path / "cli"
    args = ["run", str(VALID), "--runs", "120", "--seed", "5", "--workers", "1", "--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    for name, png in zip(FIGURES, job.pngs, strict=True):
        assert png == (out / "figures" / f"{name}.png").read_bytes(), name
    report = report_bytes(job).getvalue().decode()  # the page's download
    assert report.startswith("<!DOCTYPE html>") and "valid-small" in report
    live = LiveFigures(loaded.model)
    live.update(partial)
    total = live.leak_sources["leaked"].data["share"]
    assert sum(total) == pytest.approx(1.0)
    assert live.streamed == len(partial.impacts)


def test_live_figures_take_a_run_with_nothing_yet() -> None:
    live = LiveFigures(load(VALID).model)
    empty = Partial(0, {"leaked": np.zeros(0, dtype=np.int64)}, np.empty((0, 5)))
    live.update(empty)
    assert len(live.leak_sources["leaked"].data["x"]) == 0
