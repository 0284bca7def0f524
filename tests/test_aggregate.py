"""The streaming summary equals what the whole column gives."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from scipy import stats

from sim import load_scenario, run_monte_carlo
from sim.io.results import ReplicationWriter
from sim.montecarlo.aggregate import QUANTILES, Histogram
from tests.builders import VALID


def test_histogram_summary_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    values = rng.poisson(3.3, size=5000)
    h = Histogram()
    for part in np.array_split(values, 7):
        h.add(part)
    s = h.summary(integer=True)
    assert s["n"] == 5000
    assert math.isclose(s["mean"], values.mean())
    assert math.isclose(s["sd"], values.std(ddof=1))
    for key, q in QUANTILES.items():
        assert s[key] == int(np.quantile(values, q, method="inverted_cdf")), key
    assert s["min"] == values.min() and s["max"] == values.max()
    assert s["p_zero"] == np.mean(values == 0)
    assert sum(s["histogram"].values()) == 5000
    half = stats.t.ppf(0.975, 4999) * values.std(ddof=1) / math.sqrt(5000)
    assert math.isclose(s["ci95"][1] - s["mean"], half)


def test_ratio_metric_skips_undefined_runs() -> None:
    h = Histogram()
    h.add(np.array([0.5, np.nan, 1.0, np.nan, 0.5]))
    s = h.summary(integer=False)
    assert s["n"] == 3
    assert math.isclose(s["mean"], 2 / 3)
    assert s["histogram"] == {"0.5": 2, "1": 1}


def test_summary_equals_the_records(tmp_path: Path) -> None:
    s = load_scenario(VALID)
    from sim import metric_names

    names = metric_names(s)
    writer = ReplicationWriter(tmp_path / "r.parquet", names, ["intercepted_fraction"])
    r = run_monte_carlo(s, runs=700, seed=8, workers=2, sink=writer)
    writer.close()
    table = pq.read_table(tmp_path / "r.parquet")
    for name in [*names, "intercepted_fraction"]:
        column = table.column(name).to_numpy()
        column = column[~np.isnan(column)] if column.dtype.kind == "f" else column
        m = r.metrics[name]
        assert m["n"] == len(column)
        assert math.isclose(m["mean"], column.mean(), rel_tol=1e-12), name
        assert m["p50"] == np.quantile(column, 0.5, method="inverted_cdf"), name


def test_empty_metric_summary() -> None:
    s = Histogram().summary(integer=False)
    assert s["n"] == 0 and s["mean"] is None and s["histogram"] == {}


def test_t_quantile_equals_scipy_on_both_sides_of_the_expansion() -> None:
    from sim.montecarlo.aggregate import EXPANSION_FROM, _t975

    below = (1, 2, 5, 30, EXPANSION_FROM - 1)
    above = (EXPANSION_FROM, EXPANSION_FROM + 1, 1234, 9_999, 10**5, 10**6 - 1, 10**9)
    for df in below:
        assert _t975(df) == stats.t.ppf(0.975, df), df
    for df in above:  # the expansion: scipy's value to within a few units of the last place
        assert math.isclose(_t975(df), stats.t.ppf(0.975, df), rel_tol=1e-15, abs_tol=0), df


def test_a_run_of_many_replications_does_not_import_scipy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import numpy as np; from sim.montecarlo.aggregate import Histogram\n"
        "h = Histogram(); h.add(np.arange(2000) % 7); h.summary(integer=True)\n"
        "assert 'scipy' not in sys.modules, 'scipy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
