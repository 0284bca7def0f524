"""Figures of the study commands (sweep and calibration), drawn from synthetic documents.

The documents mimic sweep.json and calibration.json: each point's metrics are summarised
from made-up replications by the same ``Histogram`` the runs use. Rendering dominates the
time, so every case is checked on the figures it builds (which files, titles, labels) and a
few cases are written for real as PNG and SVG and read back.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.montecarlo.aggregate import Histogram
from sim.plots import (
    calibration_figures,
    draw_calibration_figures,
    draw_sweep_figures,
    sweep_figures,
)

UPPER = "defense.batteries.upper.pk.srbm"
LOWER = "defense.batteries.lower.pk.rocket"
COUNT = "threats.rocket.count"
RUNS = 300


def _summary(values: np.ndarray, integer: bool = True) -> dict:
    h = Histogram()
    h.add(values)
    return h.summary(integer=integer)


def metrics_at(
    values: dict[str, float], rng: np.random.Generator, runs: int = RUNS, fire: bool = True
) -> dict:
    """Summary-form metrics of ``runs`` made-up attacks at these parameter values."""
    fired = np.full(runs, int(values.get(COUNT, 12))) if fire else np.zeros(runs, int)
    p_kill = 1 - (1 - values.get(UPPER, 0.6)) * (1 - values.get(LOWER, 0.7))
    leaked = rng.binomial(fired, 1 - p_kill)
    interceptors = rng.poisson(1.6 * fired)
    wounded = rng.poisson(2.5 * leaked)
    killed = rng.poisson(0.4 * leaked)
    tbi = rng.poisson(4.0 * leaked)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(fired > 0, (fired - leaked) / fired, np.nan)
    return {
        "fired": _summary(fired),
        "fired.rocket": _summary(fired),
        "leaked": _summary(leaked),
        "interceptors": _summary(interceptors),
        "killed": _summary(killed),
        "wounded": _summary(wounded),
        "tbi": _summary(tbi),
        "casualties": _summary(killed + wounded + tbi),
        "intercepted_fraction": _summary(fraction, integer=False),
    }


def sweep_doc(design: str, rows: list[dict[str, float]], seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "scenario": "test-base",
        "design": design,
        "runs": RUNS,
        "seed": seed,
        "parameters": list(rows[0]),
        "points": [{"values": r, "metrics": metrics_at(r, rng)} for r in rows],
    }


def grid(**axes: list[float]) -> list[dict[str, float]]:
    names = {"upper": UPPER, "lower": LOWER, "count": COUNT}
    keys = [names[k] for k in axes]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes.values())]


def scattered(n: int, seed: int = 3, **ranges: tuple[float, float]) -> list[dict[str, float]]:
    names = {"upper": UPPER, "lower": LOWER, "count": COUNT}
    rng = np.random.default_rng(seed)
    return [
        {names[k]: float(rng.uniform(lo, hi)) for k, (lo, hi) in ranges.items()} for _ in range(n)
    ]


def sobol_doc() -> dict:
    doc = sweep_doc("sobol", scattered(48, upper=(0.3, 0.9), lower=(0.4, 0.95), count=(5, 20)))
    rng = np.random.default_rng(7)
    sens = {}
    for m in ("leaked", "interceptors", "killed", "wounded", "tbi", "casualties"):
        sens[m] = {
            p: {
                "S1": float(rng.uniform(-0.05, 0.6)),
                "S1_conf": float(rng.uniform(0.02, 0.1)),
                "ST": float(rng.uniform(0.1, 0.8)),
                "ST_conf": float(rng.uniform(0.02, 0.1)),
            }
            for p in doc["parameters"]
        }
    sens["interceptors"][UPPER] = {"S1": None, "S1_conf": None, "ST": None, "ST_conf": None}
    doc["sensitivity"] = sens
    return doc


def with_undefined_means(doc: dict) -> dict:
    """Every other point has nothing fired: intercepted_fraction (and leaked here) undefined."""
    for p in doc["points"][::2]:
        for m in ("intercepted_fraction", "leaked"):
            p["metrics"][m] = _summary(np.array([], dtype=float), integer=False)
    return doc


SWEEPS = {
    "grid-1": (
        lambda: sweep_doc("grid", grid(upper=[0.2, 0.4, 0.6, 0.8, 0.95])),
        {"sweep_curves"},
    ),
    "lhs-1": (
        lambda: sweep_doc("lhs", scattered(25, upper=(0.2, 0.95))),
        {"sweep_curves"},
    ),
    "grid-2": (
        lambda: sweep_doc("grid", grid(upper=[0.3, 0.5, 0.7, 0.9], lower=[0.4, 0.6, 0.8])),
        {"sweep_heatmap_leaked", "sweep_heatmap_casualties", "sweep_lines"},
    ),
    "grid-2-fixed-third": (
        lambda: sweep_doc("grid", grid(upper=[0.3, 0.9], lower=[0.4, 0.8], count=[10])),
        {"sweep_heatmap_leaked", "sweep_heatmap_casualties", "sweep_lines"},
    ),
    "lhs-2": (
        lambda: sweep_doc("lhs", scattered(60, upper=(0.3, 0.9), lower=(0.4, 0.95))),
        {"sweep_scatter_leaked", "sweep_scatter_casualties", "sweep_scatter_matrix"},
    ),
    "grid-3": (
        lambda: sweep_doc("grid", grid(upper=[0.3, 0.6, 0.9], lower=[0.5, 0.9], count=[5, 10])),
        {"sweep_main_effects"},
    ),
    "sobol-3": (
        sobol_doc,
        {
            "sweep_scatter_leaked",
            "sweep_scatter_casualties",
            "sweep_scatter_matrix",
            "sweep_sobol",
        },
    ),
    "grid-1-undefined": (
        lambda: with_undefined_means(sweep_doc("grid", grid(upper=[0.2, 0.4, 0.6, 0.8]))),
        {"sweep_curves"},
    ),
    "grid-2-undefined": (
        lambda: with_undefined_means(sweep_doc("grid", grid(upper=[0.3, 0.9], lower=[0.4, 0.8]))),
        {"sweep_heatmap_leaked", "sweep_heatmap_casualties", "sweep_lines"},
    ),
}


def calibration(paths: list[str], seed: int = 1) -> tuple[dict, dict, dict]:
    """A calibration.json document, its accepted draws and prior draws."""
    rng = np.random.default_rng(seed)
    bounds = {UPPER: (0.2, 0.95), LOWER: (0.3, 0.9), COUNT: (6, 14)}
    prior = {}
    for p in paths:
        lo, hi = bounds[p]
        prior[p] = (
            rng.integers(lo, hi + 1, 20_000).astype(float)
            if p == COUNT
            else rng.uniform(lo, hi, 20_000)
        )
    accepted = prior[paths[0]] > np.quantile(prior[paths[0]], 0.6)
    if len(paths) > 1:
        accepted &= prior[paths[1]] + 0.3 * prior[paths[0]] > 0.75
    posterior = {p: x[accepted][:800] for p, x in prior.items()}
    values = {p: float(np.mean(x)) for p, x in posterior.items()}
    predictive = metrics_at(values, rng, runs=2000)
    unknowns = {
        p: {"uniform_int": list(bounds[p])} if p == COUNT else {"uniform": list(bounds[p])}
        for p in paths
    }
    summary = {
        p: {
            "mean": float(x.mean()),
            "sd": float(x.std(ddof=1)),
            **{f"q{q:02d}": float(np.quantile(x, q / 100)) for q in (5, 25, 50, 75, 95)},
        }
        for p, x in posterior.items()
    }
    doc = {
        "scenario": "al-asad-2024-01-20",
        "tried": 40_000,
        "accepted": 2_000,
        "acceptance_rate": 0.05,
        "seed": seed,
        "unknowns": unknowns,
        "evidence": {
            "fired.rocket": {"between": [8, 12]},
            "intercepted_fraction": {"greater_than": 0.5},
            "wounded": {"at_least": 1},
            "killed": {"equals": 0},
        },
        "posterior": summary,
        "predictive": predictive,
    }
    return doc, posterior, prior


def assert_written(paths: list[Path], stems: set[str]) -> None:
    """Each figure as PNG and SVG, non-empty, and the PNG reads back as an image."""
    assert {p.stem for p in paths} == stems
    assert sorted(p.suffix for p in paths) == sorted([".png", ".svg"] * len(stems))
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000
        if p.suffix == ".png":
            image = matplotlib.image.imread(p)
            assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Figure]:
    """Figures by file stem, kept instead of rendered (rendering is what takes time)."""
    figures: dict[str, Figure] = {}

    def keep(fig: Figure, stem: Path) -> list[Path]:
        figures[stem.name] = fig
        return [stem.with_suffix(".png"), stem.with_suffix(".svg")]

    monkeypatch.setattr(sweep_figures, "save", keep)
    monkeypatch.setattr(calibration_figures, "save", keep)
    yield figures
    for fig in figures.values():
        plt.close(fig)


def assert_labelled(fig: Figure) -> None:
    """A title, and labelled axes (inner panels of a grid may rely on their neighbours')."""
    assert fig.get_suptitle() or any(ax.get_title() for ax in fig.axes)
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.axison and ax.has_data()]
    assert shown
    assert any(ax.get_xlabel() for ax in shown)
    assert any(ax.get_ylabel() for ax in shown)


@pytest.mark.parametrize("case", sorted(SWEEPS))
def test_sweep_figures_per_case(case: str, drawn: dict[str, Figure], tmp_path: Path) -> None:
    build, stems = SWEEPS[case]
    paths = draw_sweep_figures(build(), tmp_path)
    assert {p.stem for p in paths} == stems == set(drawn)
    for fig in drawn.values():
        assert_labelled(fig)


def test_sweep_figures_written(tmp_path: Path) -> None:
    build, stems = SWEEPS["grid-2"]
    assert_written(draw_sweep_figures(build(), tmp_path), stems)


def test_sweep_without_points_draws_nothing(tmp_path: Path) -> None:
    doc = sweep_doc("grid", grid(upper=[0.5]))
    assert draw_sweep_figures({**doc, "points": []}, tmp_path) == []
    assert draw_sweep_figures(doc, tmp_path) == []  # nothing varies


@pytest.mark.parametrize(
    ("paths", "stems"),
    [
        ([UPPER], {"calibration_posterior", "calibration_predictive"}),
        ([UPPER, COUNT], {"calibration_posterior", "calibration_pairs", "calibration_predictive"}),
        (
            [UPPER, LOWER, COUNT],
            {"calibration_posterior", "calibration_pairs", "calibration_predictive"},
        ),
    ],
)
def test_calibration_figures_per_case(
    paths: list[str], stems: set[str], drawn: dict[str, Figure], tmp_path: Path
) -> None:
    doc, posterior, prior = calibration(paths)
    written = draw_calibration_figures(doc, posterior, prior, tmp_path)
    assert {p.stem for p in written} == stems == set(drawn)
    for fig in drawn.values():
        assert_labelled(fig)
    # one panel per unknown; every piece of evidence has its predictive panel
    titles = [ax.get_title(loc="left") for ax in drawn["calibration_predictive"].axes]
    assert {"killed", "wounded", "fired.rocket", "share intercepted"} <= set(titles)
    visible = [ax for ax in drawn["calibration_posterior"].axes if ax.get_visible()]
    assert len(visible) == len(paths)


def test_calibration_with_undefined_fraction(drawn: dict[str, Figure], tmp_path: Path) -> None:
    doc, posterior, prior = calibration([UPPER, LOWER])
    doc["predictive"]["intercepted_fraction"] = _summary(np.array([], float), integer=False)
    doc["evidence"] = {
        "fired.rocket": {"at_least": 8, "at_most": 12},
        "intercepted_fraction": {"greater_than": 0.5},
        "casualties": {"at_most": 30},
        "detected": {"at_least": 1},  # no predictive distribution for it
    }
    written = draw_calibration_figures(doc, posterior, prior, tmp_path)
    assert {p.stem for p in written} == set(drawn)
    titles = [ax.get_title(loc="left") for ax in drawn["calibration_predictive"].axes]
    assert "detected" in titles


def test_calibration_figures_written(tmp_path: Path) -> None:
    doc, posterior, prior = calibration([UPPER, COUNT])
    keep = ("leaked", "killed", "intercepted_fraction")
    doc["predictive"] = {m: s for m, s in doc["predictive"].items() if m in keep}
    doc["evidence"] = {"killed": {"equals": 0}, "intercepted_fraction": {"greater_than": 0.5}}
    assert_written(
        draw_calibration_figures(doc, posterior, prior, tmp_path),
        {"calibration_posterior", "calibration_pairs", "calibration_predictive"},
    )


@pytest.mark.parametrize("name", ["intercepted_fraction", "tbi"])
def test_binned_predictive_bars_fit_in_the_panel(name: str) -> None:
    # many distinct values that fall into few bins: a bin's bar is the sum of their shares,
    # taller than any one value's share, and must not be cut by the axis
    from sim.plots.calibration_figures import _predictive_panel

    if name == "tbi":
        values = {str(v): 10 for v in range(200, 260)}  # 60 values in about two bins
    else:
        values = {f"{0.80 + k / 1000:.3f}": 10 for k in range(40)}  # all in two 0.05 bins
    n = sum(values.values())
    metric = {"n": n, "mean": 1.0, "p05": 0, "p95": 1, "histogram": values}
    fig, ax = plt.subplots()
    _predictive_panel(ax, name, metric, None, "#333333")
    tallest = max(p.get_y() + p.get_height() for p in ax.patches)
    assert tallest <= ax.get_ylim()[1]
    plt.close(fig)
