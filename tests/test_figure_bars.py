"""Every bar of the distribution figures is whole: within its axis, not under a text box.

Drawn from synthetic summaries whose tallest bar is where the statistics box sits (at the
right end), with evidence so that the box has its four lines.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.montecarlo.aggregate import Histogram
from sim.plots import calibration_figures, run_figures
from sim.plots.style import colours_by_name


def _summary(values: np.ndarray, integer: bool = True) -> dict:
    h = Histogram()
    h.add(values)
    return h.summary(integer=integer)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Figure]:
    """Figures by file stem, kept instead of saved."""
    figures: dict[str, Figure] = {}

    def keep(fig: Figure, stem: Path) -> list[Path]:
        fig.draw_without_rendering()
        figures[stem.name] = fig
        return [stem.with_suffix(".png")]

    monkeypatch.setattr(calibration_figures, "save", keep)
    monkeypatch.setattr(run_figures, "save", keep)
    yield figures
    for fig in figures.values():
        plt.close(fig)


def assert_bars_whole(fig: Figure) -> int:
    """Each bar's top within its axis and below any text box over its x range."""
    checked = 0
    for ax in fig.axes:
        if ax.get_yscale() != "linear":
            continue
        bottom, top = ax.get_ylim()
        boxes = [
            (t.get_bbox_patch() or t).get_window_extent().transformed(ax.transData.inverted())
            for t in ax.texts
            if t.get_bbox_patch() is not None
        ]
        for bar in ax.patches:
            if not isinstance(bar, Rectangle) or bar.get_height() <= 0:
                continue
            y = bar.get_y() + bar.get_height()
            if bar.get_data_transform() is not ax.transData:
                continue  # a span or background patch
            assert bottom <= y <= top, (ax.get_title(), y, top)
            x0, x1 = bar.get_x(), bar.get_x() + bar.get_width()
            for box in boxes:
                if x1 > box.x0 and x0 < box.x1:
                    assert y <= box.y0, (ax.get_title(), "bar under the text box", y, box.y0)
            checked += 1
    return checked


def test_predictive_bars_within_axis_and_clear_of_text(drawn: dict[str, Figure]) -> None:
    rng = np.random.default_rng(1)
    peak_right = np.concatenate([rng.integers(0, 6, 100), np.full(900, 6)])  # 90% at the end
    one_value = np.zeros(500, dtype=int)
    wide = np.concatenate([rng.integers(0, 200, 100), np.full(400, 190)])
    fraction = np.concatenate([rng.uniform(0, 1, 100), np.full(900, 0.97)])
    cal = {
        "scenario": "synthetic",
        "predictive_runs": 1000,
        "predictive": {
            "leaked": _summary(peak_right),
            "killed": _summary(one_value),
            "wounded": _summary(wide),
            "tbi": _summary(peak_right),
            "casualties": _summary(wide),
            "intercepted_fraction": _summary(fraction, integer=False),
            "fired.rocket": _summary(peak_right + 4),
            "detected": _summary(peak_right),
        },
        "evidence": {
            "leaked": {"at_least": 1},
            "killed": {"equals": 0},
            "tbi": {"at_most": 6},
            "wounded": {"between": [100, 300]},
            "intercepted_fraction": {"greater_than": 0.5},
            "fired.rocket": {"between": [8, 12]},
            "detected": {"at_least": 2},
        },
    }
    calibration_figures.draw_predictive(cal, Path("unused"))
    assert assert_bars_whole(drawn["calibration_predictive"]) > 20


def test_run_figures_bars_within_axis(drawn: dict[str, Figure]) -> None:
    from sim.io.load import load

    s = load(Path(__file__).parent / "scenarios" / "valid-small.yaml").model
    rng = np.random.default_rng(2)
    peak_right = np.concatenate([rng.integers(0, 4, 50), np.full(450, 4)])
    metrics = {
        name: _summary(peak_right)
        for name in ("leaked", "leaked.rocket", "killed", "wounded", "tbi")
    }
    metrics["leaked.srbm"] = _summary(np.zeros(500, dtype=int))  # taller than the total's
    metrics["casualties"] = _summary(np.zeros(500, dtype=int))
    for b in s.battery_names:
        for m in ("interceptors", "engaged", "intercepted"):
            metrics[f"{m}.{b}"] = _summary(peak_right)
    summary = {"scenario": "synthetic", "runs": 500, "metrics": metrics}
    run_figures.draw_leakers(summary, s, Path("unused"))
    run_figures.draw_interceptors(summary, s, Path("unused"))
    run_figures.draw_casualties(summary, Path("unused"))
    for name in ("leakers", "interceptors", "casualties"):
        assert assert_bars_whole(drawn[name]) > 0, name


def test_single_value_has_whole_ticks(drawn: dict[str, Figure]) -> None:
    from sim.io.load import load

    s = load(Path(__file__).parent / "scenarios" / "valid-small.yaml").model
    zero = _summary(np.zeros(100, dtype=int))
    metrics = {n: zero for n in ("leaked", "leaked.srbm", "leaked.rocket")}
    run_figures.draw_leakers({"scenario": "x", "runs": 100, "metrics": metrics}, s, Path("u"))
    ax = drawn["leakers"].axes[0]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    lo, hi = ax.get_xlim()
    assert hi - lo >= 2  # one bar among its neighbours, not a full-width one


def test_no_interceptor_figure_without_batteries(tmp_path: Path) -> None:
    from sim.io.load import load

    s = load(Path(__file__).parent / "scenarios" / "valid-small.yaml", ["defense.batteries={}"])
    assert run_figures.draw_interceptors({"metrics": {}}, s.model, tmp_path) == []


def test_colours_follow_names_not_order() -> None:
    palette = ["a", "b", "c", "d"]
    one = colours_by_name(["srbm", "rocket", "drone"], palette)
    two = colours_by_name(["drone", "srbm", "rocket"], palette)
    assert one == two and len(set(one.values())) == 3
    assert colours_by_name(["rocket"], palette)["rocket"] in palette
