"""The metric declaration (sim.outcomes): names and order, rows, ratios, schema, tidy table.

The declaration replaced hand-kept lists; these tests pin it to what those lists gave (the
column order of every results file) and check that a row always matches its names. The
metrics of defence realism (``ignored``, ``wasted``, ``debris``) came later: without them,
the columns and rows are still those of the old lists.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import sim.engine.replication as replication
from sim import load_scenario, metric_names, replication_rng, run_replication
from sim.montecarlo.batch import replication_scenario
from sim.montecarlo.streams import RUN
from sim.outcomes import (
    METRICS,
    RATIO_NAMES,
    Column,
    Metric,
    axis_label,
    columns,
    is_ratio,
    parquet_schema,
    ratio_values,
    scenario_columns,
    short_label,
    tidy_frame,
)
from tests.builders import battery, scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    ROOT / "scenarios" / "al-asad-2024-01-20.yaml",
    ROOT / "tests" / "scenarios" / "valid-small.yaml",
    *sorted((ROOT / "scenarios").glob("teach-*.yaml")),
]

# The layout as it was written out by hand before the declaration (engine revision 2).
OLD_BASE = (
    "fired",
    "detected",
    "engaged",
    "intercepted",
    "leaked",
    "interceptors",
    "killed",
    "wounded",
    "tbi",
    "casualties",
)
OLD_PER_TYPE = ("fired", "detected", "engaged", "intercepted", "leaked")
OLD_PER_BATTERY = ("engaged", "intercepted", "interceptors")
LATER = ("ignored", "wasted", "debris")  # defence realism, declared after the old lists


def old_part(names: list[str], row: list | None = None) -> list:
    """The names (or the values of ``row``) of the metrics the old lists had."""
    kept = [k for k, n in enumerate(names) if n.split(".", 1)[0] not in LATER]
    return [(names if row is None else row)[k] for k in kept]


def old_metric_names(s) -> list[str]:
    names = list(OLD_BASE)
    names += [f"{m}.{t}" for m in OLD_PER_TYPE for t in s.threat_types]
    names += [f"{m}.{b}" for m in OLD_PER_BATTERY for b in s.battery_names]
    return names


def old_metric_row(tally, type_index, detected, n_types, casualties) -> list[int]:
    """The row builder as it was written by hand, kept here as the reference."""
    fired, seen, engaged, intercepted = ([0] * n_types for _ in range(4))
    kills = [0] * tally.n_batteries
    engaged_any = set().union(*tally.engaged)
    for i, (t, d, b) in enumerate(zip(type_index, detected, tally.killed_by, strict=True)):
        fired[t] += 1
        seen[t] += d
        engaged[t] += i in engaged_any
        if b >= 0:
            intercepted[t] += 1
            kills[b] += 1
    leaked = [f - k for f, k in zip(fired, intercepted, strict=True)]
    k, w, t = casualties
    row = [sum(fired), sum(seen), sum(engaged), sum(intercepted), sum(leaked)]
    row += [sum(tally.interceptors), k, w, t, k + w + t]
    row += fired + seen + engaged + intercepted + leaked
    row += [len(ids) for ids in tally.engaged] + kills + tally.interceptors
    return row


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_names_and_order_are_those_of_the_old_lists(path: Path) -> None:
    s = load_scenario(path)
    assert old_part(metric_names(s)) == old_metric_names(s)
    cols = scenario_columns(s)
    assert old_part([c.name for c in cols]) == [*old_metric_names(s), "intercepted_fraction"]
    assert [c.name for c in cols][: len(OLD_BASE)] == list(OLD_BASE)  # the old totals first


def test_names_of_a_scenario_without_batteries() -> None:
    s = scenario(5)
    assert old_part(metric_names(s)) == old_metric_names(s)
    assert not any(c.battery for c in scenario_columns(s))


def test_rows_equal_the_hand_written_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    built = replication.metric_row
    checked = []

    def compare(*args):
        row = built(*args)
        assert old_part(names, row) == old_metric_row(*args)
        checked.append(row)
        return row

    monkeypatch.setattr(replication, "metric_row", compare)
    variants = [
        (SCENARIOS[0], []),
        (
            SCENARIOS[0],
            [
                "defense.batteries.counter_rocket.interceptors=3",
                "defense.batteries.counter_rocket.reload={interceptors: 2, time_s: 4, times: 3}",
            ],
        ),
        (SCENARIOS[1], []),
    ]
    for path, overrides in variants:
        s = load_scenario(path, overrides)
        names = metric_names(s)
        for i in range(60):
            si, _ = replication_scenario(s, 7, i, RUN)  # one value per uncertain path
            rep = run_replication(si, replication_rng(7, i))
            assert len(rep.row) == len(metric_names(s))
    assert len(checked) == 180
    assert any(r[3] for r in checked) and any(r[4] for r in checked)  # kills and leaks seen


def test_replication_metrics_by_name() -> None:
    s = load_scenario(SCENARIOS[0])
    for i in range(20):
        rep = run_replication(replication_scenario(s, 3, i, RUN)[0], replication_rng(3, i))
        m = rep.metrics
        assert list(m) == [*metric_names(s), *RATIO_NAMES]
        assert [m[n] for n in metric_names(s)] == rep.row
        assert m["leaked"] == m["fired"] - m["intercepted"]
        assert m["casualties"] == m["killed"] + m["wounded"] + m["tbi"]
        assert sum(m[f"intercepted.{b}"] for b in s.battery_names) == m["intercepted"]
        assert sum(m[f"interceptors.{b}"] for b in s.battery_names) == m["interceptors"]
        for name in ("fired", "detected", "engaged", "intercepted", "leaked"):
            assert sum(m[f"{name}.{t}"] for t in s.threat_types) == m[name]
        if m["fired"]:
            assert m["intercepted_fraction"] == m["intercepted"] / m["fired"]


def test_ratio_of_nothing_fired_is_nan() -> None:
    s = scenario(0, {"b": battery(0.5)})
    m = run_replication(s, replication_rng(1, 0)).metrics
    assert m["fired"] == 0 and math.isnan(m["intercepted_fraction"])


def test_ratio_values_match_the_old_ratio_column() -> None:
    names = ["fired", "intercepted"]
    rows = np.array([[4, 1], [0, 0], [3, 3], [7, 2]], dtype=np.int64)
    got = ratio_values(rows, names)
    fired = rows[:, 0].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        old = np.where(fired > 0, rows[:, 1] / fired, np.nan)[:, None]
    assert got.shape == (4, len(RATIO_NAMES)) == old.shape
    assert got.tobytes() == old.tobytes()  # the same bits, NaN included
    assert ratio_values(rows[:0], names).shape == (0, 1)


def test_parquet_schema_types_each_column_by_its_declaration() -> None:
    s = load_scenario(SCENARIOS[0])
    names = metric_names(s)
    schema = parquet_schema([*names, *RATIO_NAMES])
    old = pa.schema(
        [pa.field("replication", pa.int64())]
        + [pa.field(n, pa.int64()) for n in names]
        + [pa.field(n, pa.float64()) for n in RATIO_NAMES]
    )
    assert schema.equals(old, check_metadata=True)
    assert is_ratio("intercepted_fraction") and not is_ratio("leaked.rocket")


def test_tidy_frame_has_one_row_per_replication_and_column() -> None:
    pytest.importorskip("pandas")
    cols = columns(["srbm", "rocket"], ["upper"])
    runs = 3
    rows = np.arange(runs * len(cols)).reshape(runs, len(cols))
    df = tidy_frame(rows, cols, first=10)
    assert list(df.columns) == ["replication", "metric", "base_metric", "type", "battery", "value"]
    assert df.shape == (runs * len(cols), 6)
    assert sorted(set(df["replication"])) == [10, 11, 12]
    rocket = df[(df["metric"] == "leaked.rocket") & (df["replication"] == 11)]
    assert rocket[["base_metric", "type", "battery"]].values.tolist() == [["leaked", "rocket", ""]]
    k = cols.index(Column("leaked.rocket", "leaked", "rocket"))
    assert rocket["value"].item() == rows[1, k]
    upper = df[df["metric"] == "engaged.upper"]
    assert set(upper["battery"]) == {"upper"} and set(upper["type"]) == {""}
    with pytest.raises(ValueError, match="columns"):
        tidy_frame(rows[:, :-1], cols)


def test_tidy_frame_without_pandas_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        tidy_frame(np.zeros((1, 1)), [Column("fired", "fired")])


def test_declarations_are_unique_and_complete() -> None:
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for m in METRICS:
        assert m.label and m.unit and m.description
    with pytest.raises(ValueError, match="scope 'type'"):
        Metric("x", ("base", "type"), "x", "u", "d", total=lambda f: 0)
    with pytest.raises(ValueError, match="ratio"):
        Metric("x", ("base", "type"), "x", "u", "d", ratio_of=("a", "b"))


def test_plot_labels_are_the_declared_ones() -> None:
    # the figures' texts, unchanged by the move into the declaration
    assert axis_label("leaked") == "leakers (threats per attack)"
    assert axis_label("interceptors") == "interceptors fired per attack"
    assert axis_label("tbi") == "TBI / concussion (people per attack)"
    assert axis_label("casualties") == "casualties (people per attack)"
    assert axis_label("intercepted_fraction") == "share of fired threats intercepted"
    assert short_label("casualties") == "all casualties"
    assert short_label("intercepted_fraction") == "share intercepted"
