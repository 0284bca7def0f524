"""``MonteCarloResult.to_frame``: the wide form is replications.parquet; the long form has
one row per replication and metric."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim import load_scenario, run_monte_carlo
from sim.cli import app

pd = pytest.importorskip("pandas")
VALID = Path(__file__).parent / "scenarios" / "valid-small.yaml"


def test_wide_form_is_replications_parquet_and_long_form_matches(tmp_path: Path) -> None:
    s = load_scenario(VALID)
    result = run_monte_carlo(s, runs=40, seed=7, workers=1, keep_rows=True)
    wide = result.to_frame(tidy=False)
    out = tmp_path / "r"
    done = CliRunner().invoke(
        app,
        ["run", str(VALID), "--runs", "40", "--workers", "1", "--no-figures", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    stored = pd.read_parquet(out / "replications.parquet")
    pd.testing.assert_frame_equal(wide, stored[list(wide.columns)], check_dtype=False)
    long = result.to_frame(tidy=True)
    assert list(long.columns[:2]) == ["replication", "metric"]
    assert {"type", "battery", "value"} <= set(long.columns)
    assert len(long) == 40 * (len(wide.columns) - 1)
    one = long[(long.replication == 3) & (long.metric == "leaked.rocket")]
    assert one.value.item() == wide.loc[3, "leaked.rocket"]
    assert one.type.item() == "rocket" and one.base_metric.item() == "leaked"
