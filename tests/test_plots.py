"""Figures are written as PNG and SVG, also for degenerate runs."""

from __future__ import annotations

from pathlib import Path

import yaml

from sim import replication_rng, run_monte_carlo, run_replication
from sim.io.scenario_file import validate
from sim.plots import draw_run_figures, draw_timeline
from tests.builders import VALID


def scenario(**edits: object):
    data = yaml.safe_load(VALID.read_text())
    for path, value in edits.items():
        node = data
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return validate(data, "test")


def assert_figures(paths: list[Path], stems: set[str]) -> None:
    assert {p.stem for p in paths} == stems
    for p in paths:
        assert p.suffix in (".png", ".svg")
        assert p.stat().st_size > 1000


def test_run_figures(tmp_path: Path) -> None:
    s = scenario()
    r = run_monte_carlo(s, runs=300, seed=1, workers=1)
    paths = draw_run_figures(r.summary(), r.impacts, s, tmp_path)
    assert_figures(paths, {"leakers", "casualties", "impact_map", "interceptors"})
    assert len(paths) == 8


def test_run_figures_when_nothing_leaks(tmp_path: Path) -> None:
    s = scenario(
        defense__detection={},
        defense__batteries__upper__pk={"srbm": 1.0},
        defense__batteries__lower__pk={"rocket": 1.0, "srbm": 1.0},
        defense__batteries__lower__interceptors=10_000,
        defense__batteries__lower__channels=100,
        defense__batteries__upper__interceptors=100,
    )
    r = run_monte_carlo(s, runs=50, seed=2, workers=1)
    assert r.metrics["leaked"]["max"] == 0
    assert len(r.impacts) == 0
    assert_figures(
        draw_run_figures(r.summary(), r.impacts, s, tmp_path),
        {"leakers", "casualties", "impact_map", "interceptors"},
    )


def test_run_figures_without_batteries_or_zones(tmp_path: Path) -> None:
    s = scenario(defense={}, base={}, threats__rocket__aim={"x_m": 0, "y_m": 0})
    r = run_monte_carlo(s, runs=1, seed=3, workers=1)
    assert_figures(  # no interceptors figure: an empty panel tells nothing
        draw_run_figures(r.summary(), r.impacts, s, tmp_path),
        {"leakers", "casualties", "impact_map"},
    )


def test_timeline(tmp_path: Path) -> None:
    s = scenario()
    rep = run_replication(s, replication_rng(1, 0), trace=True)
    paths = draw_timeline(rep.log, s, tmp_path / "trace")
    assert_figures(paths, {"trace"})


def test_timeline_of_an_empty_salvo(tmp_path: Path) -> None:
    s = scenario(threats__srbm__count=0, threats__rocket__count=0)
    rep = run_replication(s, replication_rng(1, 0), trace=True)
    assert rep.log == []
    assert_figures(draw_timeline(rep.log, s, tmp_path / "empty"), {"empty"})


def test_the_svg_has_the_png_s_layout(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots.style import save

    def figure():  # long labels, so that constrained layout has margins to work out
        fig, axes = plt.subplots(1, 2, figsize=(7, 4), layout="constrained")
        for ax in axes:
            ax.set_yticks([0, 1], ["defense.batteries.counter_rocket.pk.rocket", "b"])
            ax.set_xlabel("people hurt in one attack (bins of 3 people)")
        fig.suptitle("a title to lay out")
        return fig

    def positions(fig) -> list[tuple[float, ...]]:
        return [tuple(ax.get_position().bounds) for ax in fig.axes]

    png_only = figure()
    png_only.savefig(tmp_path / "alone.png", dpi=150)
    both = figure()
    save(both, tmp_path / "both")
    assert positions(both) == positions(png_only)  # the SVG did not lay the figure out again
    assert (tmp_path / "both.svg").stat().st_size > 1000
    plt.close(png_only)
