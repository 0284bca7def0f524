"""The figures of a parameter sweep, drawn from the sweep.json document.

Which figures are drawn depends on how many parameters vary and on the design:

- one varied parameter (any design): ``sweep_curves``, the mean of the main metrics against
  the parameter with 95% confidence bands (error bars for scattered lhs/sobol points);
- two varied parameters on a grid: ``sweep_heatmap_leaked`` and ``sweep_heatmap_casualties``;
- three or more on a grid: ``sweep_main_effects``, each metric's mean over the other
  parameters against each parameter's value;
- two or more in an lhs or sobol design: ``sweep_scatter_leaked`` and
  ``sweep_scatter_casualties`` (first two parameters, coloured by the metric's mean) and
  ``sweep_scatter_matrix`` (metric mean against each parameter);
- a sobol design with sensitivity indices: ``sweep_sobol``, first-order and total indices.

Parameters that take a single value in the sweep count as fixed, not varied. Points whose
metric mean is undefined (None) are left out of that metric's curves and maps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from sim.outcomes import axis_label, short_label
from sim.plots.style import BATTERY_PALETTE, CATEGORY_COLOURS, integer_ticks, plt, save

CASUALTY_METRICS = ("killed", "wounded", "tbi", "casualties")
MAIN_METRICS = ("leaked", "interceptors", *CASUALTY_METRICS, "intercepted_fraction")
# labels and units are declared with the metrics, in sim.outcomes
METRIC_LABELS = {m: axis_label(m) for m in MAIN_METRICS}
METRIC_TITLES = {m: short_label(m) for m in MAIN_METRICS}
METRIC_COLOURS = {
    "leaked": "#404040",
    "interceptors": BATTERY_PALETTE[0],
    "intercepted_fraction": "#33a02c",
    **CATEGORY_COLOURS,
}
METRIC_CMAPS = {"leaked": "YlGnBu", "casualties": "OrRd"}
DESIGN_NAMES = {"grid": "grid design", "lhs": "Latin hypercube", "sobol": "Sobol/Saltelli design"}
S1_COLOUR, ST_COLOUR = "#2c7fb8", "#e66101"
BOX = {"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"}
MAX_ANNOTATED = 12  # annotate heatmap cells when both sides have at most this many values
LONG_LABEL = 34  # parameter paths longer than this are shortened on axes


# -- names and numbers ---------------------------------------------------------------------


def short_names(paths: list[str], keep: int = 2) -> dict[str, str]:
    """Each path's last ``keep`` dotted components, more where two would coincide."""
    out: dict[str, str] = {}
    for path in paths:
        parts = path.split(".")
        n = min(keep, len(parts))
        while n < len(parts):
            if not any(o != path and o.split(".")[-n:] == parts[-n:] for o in paths):
                break
            n += 1
        out[path] = ".".join(parts[-n:])
    return out


def axis_name(path: str, short: dict[str, str]) -> str:
    """The path as an axis label: whole when short enough, else its short name."""
    return path if len(path) <= LONG_LABEL else f"…{short[path]}"


def metric_label(metric: str) -> str:
    """The metric and its unit, for an axis or a colourbar."""
    return METRIC_LABELS.get(metric, f"{metric} (per attack)")


def fmt(v: float) -> str:
    """A compact number for ticks and cell labels."""
    if v is None or not math.isfinite(v):
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def tick_value(v: float) -> str:
    """A parameter value as a tick label."""
    return format(float(v), ".4g")


def footnote(fig: Figure, text: str) -> None:
    """Small explanatory text under the panels (kept clear of them by the layout)."""
    fig.supxlabel(text, fontsize=8, color="0.3", x=0.01, ha="left", multialignment="left")


def _title(sweep: dict) -> str:
    design = DESIGN_NAMES.get(sweep.get("design", ""), str(sweep.get("design", "")))
    return f"{sweep['scenario']} — {design}, {int(sweep['runs']):,} simulated attacks per point"


def _style(ax: Axes, grid: Literal["both", "x", "y"] = "y") -> None:
    ax.grid(axis=grid, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


# -- data -----------------------------------------------------------------------------------


def _present(points: list[dict], metrics: tuple[str, ...]) -> list[str]:
    """The metrics with a defined mean in at least one point, in the given order."""
    return [
        m
        for m in metrics
        if any((p["metrics"].get(m) or {}).get("mean") is not None for p in points)
    ]


def _values(points: list[dict], path: str) -> np.ndarray:
    return np.array([float(p["values"][path]) for p in points], dtype=float)


def _means(points: list[dict], metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% CI bounds per point (NaN where undefined)."""
    mean, lo, hi = [], [], []
    for p in points:
        m = p["metrics"].get(metric) or {}
        ci = m.get("ci95") or [None, None]
        mean.append(np.nan if m.get("mean") is None else m["mean"])
        lo.append(np.nan if ci[0] is None else ci[0])
        hi.append(np.nan if ci[1] is None else ci[1])
    return np.array(mean, float), np.array(lo, float), np.array(hi, float)


def varied_parameters(sweep: dict) -> list[str]:
    """The parameters that take more than one value among the sweep's points."""
    points = sweep.get("points") or []
    return [p for p in sweep.get("parameters", []) if len(set(_values(points, p))) > 1]


def _is_integer(x: np.ndarray) -> bool:
    return bool(len(x)) and bool(np.all(np.isclose(x, np.round(x))))


# -- one varied parameter -------------------------------------------------------------------


def _curve(ax: Axes, x: np.ndarray, metric: str, points: list[dict], scattered: bool) -> None:
    mean, lo, hi = _means(points, metric)
    ok = np.isfinite(mean)
    order = np.argsort(x[ok], kind="stable")
    xs, ms, ls, hs = x[ok][order], mean[ok][order], lo[ok][order], hi[ok][order]
    colour = METRIC_COLOURS.get(metric, "0.3")
    label = METRIC_TITLES.get(metric, metric)
    if scattered:
        known = np.isfinite(ls) & np.isfinite(hs)
        yerr = np.where(known, [ms - ls, hs - ms], 0.0)
        ax.errorbar(
            xs,
            ms,
            yerr=yerr,
            fmt="o",
            ms=3.5,
            color=colour,
            elinewidth=0.9,
            capsize=2,
            alpha=0.85,
            label=label,
        )
    else:
        ax.plot(xs, ms, "o-", ms=3.5, lw=1.6, color=colour, label=label)
        known = np.isfinite(ls) & np.isfinite(hs)
        ax.fill_between(xs, ls, hs, where=known, color=colour, alpha=0.18, lw=0)


def draw_sweep_curves(sweep: dict, path: str, folder: Path) -> list[Path]:
    """Main metrics' means against the one varied parameter, with 95% CIs."""
    points = sweep["points"]
    x = _values(points, path)
    scattered = sweep.get("design") != "grid"
    panels = [
        ("threats or interceptors per attack", _present(points, ("leaked", "interceptors"))),
        ("casualties (people per attack)", _present(points, CASUALTY_METRICS)),
        ("share of fired threats intercepted", _present(points, ("intercepted_fraction",))),
    ]
    panels = [(label, ms) for label, ms in panels if ms]
    if not panels:
        return []
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(4.6 * len(panels) + 0.6, 4.6),
        layout="constrained",
        squeeze=False,
    )
    short = short_names(sweep["parameters"])
    for k, (ax, (label, metrics)) in enumerate(zip(axes.flat, panels, strict=True)):
        _style(ax, "both")
        for m in metrics:
            _curve(ax, x, m, points, scattered)
        ax.set_xlabel(axis_name(path, short))
        ax.set_ylabel(label)
        if metrics[0] in CASUALTY_METRICS:
            title = "casualties by category" if len(metrics) > 1 else METRIC_TITLES[metrics[0]]
        else:
            title = " and ".join(METRIC_TITLES[m] for m in metrics)
        ax.set_title(f"({'abc'[k]}) {title}", loc="left", fontsize=11)
        if metrics == ["intercepted_fraction"]:
            ax.set_ylim(-0.02, 1.05)
        else:
            ax.set_ylim(bottom=min(0, ax.get_ylim()[0]))
        if _is_integer(x):
            integer_ticks(ax.xaxis)
        if len(metrics) > 1:
            ax.legend(fontsize=8.5, frameon=False, loc="best")
    fig.suptitle(_title(sweep))
    note = "error bars" if scattered else "lines: mean per attack at each point; shaded bands"
    full = f"varied: {path}" if axis_name(path, short) != path else ""
    footnote(fig, f"{note}: 95% confidence interval of the mean.  {full}".strip())
    return save(fig, folder / "sweep_curves")


MAX_LINES = 6  # a second grid parameter with at most this many values gets one curve each


def draw_sweep_lines(sweep: dict, px: str, py: str, folder: Path) -> list[Path]:
    """Leakers and casualties against ``px``, one curve (with 95% band) per value of ``py``."""
    points = sweep["points"]
    metrics = _present(points, ("leaked", "casualties"))
    if not metrics:
        return []
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.8 * len(metrics) + 0.6, 4.6), layout="constrained",
        squeeze=False,
    )  # fmt: skip
    short = short_names(sweep["parameters"])
    x_all, y_all = _values(points, px), _values(points, py)
    levels = sorted(set(y_all.tolist()))
    cmap = plt.get_cmap("viridis")
    for k, (ax, metric) in enumerate(zip(axes.flat, metrics, strict=True)):
        _style(ax, "both")
        for i, level in enumerate(levels):
            chosen = [p for p, y in zip(points, y_all, strict=True) if y == level]
            x = x_all[y_all == level]
            mean, lo, hi = _means(chosen, metric)
            order = np.argsort(x, kind="stable")
            colour = cmap(0.1 + 0.8 * i / max(1, len(levels) - 1))
            label = f"{axis_name(py, short)} = {tick_value(level)}"
            ax.plot(x[order], mean[order], "o-", ms=3.5, lw=1.6, color=colour, label=label)
            known = np.isfinite(lo[order]) & np.isfinite(hi[order])
            ax.fill_between(
                x[order], lo[order], hi[order], where=known, color=colour, alpha=0.18, lw=0
            )
        ax.set_xlabel(axis_name(px, short))
        ax.set_ylabel(metric_label(metric))
        ax.set_title(f"({'ab'[k]}) {METRIC_TITLES.get(metric, metric)}", loc="left", fontsize=11)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8.5, frameon=False, loc="best")
    fig.suptitle(_title(sweep))
    footnote(fig, "lines: mean per attack at each point; shaded bands: 95% confidence interval")
    return save(fig, folder / "sweep_lines")


# -- two varied parameters on a grid --------------------------------------------------------


def _text_colour(rgba: Any) -> str:
    r, g, b = to_rgb(rgba)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _sparse_ticks(ax: Axes, axis: str, values: np.ndarray) -> None:
    step = max(1, math.ceil(len(values) / 12))
    idx = np.arange(0, len(values), step)
    labels = [tick_value(values[i]) for i in idx]
    if axis == "x":
        ax.set_xticks(idx, labels, rotation=45 if len(values) > 6 else 0)
    else:
        ax.set_yticks(idx, labels)


def draw_sweep_heatmap(sweep: dict, px: str, py: str, metric: str, folder: Path) -> list[Path]:
    """Mean of ``metric`` over the grid of two parameters' values."""
    points = sweep["points"]
    xs, ys = _values(points, px), _values(points, py)
    xv, yv = np.unique(xs), np.unique(ys)
    total = np.zeros((len(yv), len(xv)))
    count = np.zeros((len(yv), len(xv)))
    mean, _, _ = _means(points, metric)
    for x, y, m in zip(xs, ys, mean, strict=True):
        if np.isfinite(m):
            i, j = np.searchsorted(yv, y), np.searchsorted(xv, x)
            total[i, j] += m
            count[i, j] += 1
    with np.errstate(invalid="ignore"):
        grid = np.ma.masked_invalid(total / count)
    cmap = plt.get_cmap(METRIC_CMAPS.get(metric, "viridis")).with_extremes(bad="#e0e0e0")
    side = max(len(xv), len(yv))
    cell = 0.55 if side <= MAX_ANNOTATED else 0.32
    fig, ax = plt.subplots(
        figsize=(
            min(14.0, max(6.0, cell * len(xv) + 3.2)),
            min(11.0, max(4.5, cell * len(yv) + 2.2)),
        ),
        layout="constrained",
    )
    ax.spines[["top", "right"]].set_visible(False)
    mesh = ax.pcolormesh(
        np.arange(len(xv) + 1) - 0.5,
        np.arange(len(yv) + 1) - 0.5,
        grid,
        cmap=cmap,
        vmin=min(0.0, float(grid.min())) if grid.count() else 0.0,
        edgecolors="white",
        linewidth=0.5,
    )
    cbar = fig.colorbar(mesh, ax=ax, shrink=0.9)
    cbar.set_label(metric_label(metric))
    if len(xv) <= MAX_ANNOTATED and len(yv) <= MAX_ANNOTATED:
        size = 9 if side <= 6 else 7.5
        for i in range(len(yv)):
            for j in range(len(xv)):
                v = grid[i, j]
                colour = "0.3" if v is np.ma.masked else _text_colour(mesh.to_rgba(v))
                label = "n/a" if v is np.ma.masked else fmt(float(v))
                ax.text(j, i, label, ha="center", va="center", fontsize=size, color=colour)
    _sparse_ticks(ax, "x", xv)
    _sparse_ticks(ax, "y", yv)
    short = short_names(sweep["parameters"])
    ax.set_xlabel(axis_name(px, short))
    ax.set_ylabel(axis_name(py, short))
    ax.set_title(f"{_title(sweep)}\nmean {metric_label(metric)}", fontsize=11)
    if np.ma.getmaskarray(grid).any():
        footnote(fig, "grey cells: no defined mean at that point")
    return save(fig, folder / f"sweep_heatmap_{metric}")


# -- three or more varied parameters on a grid ----------------------------------------------


def _panel_grid(
    n_params: int, n_metrics: int, width: float = 3.3, height: float = 2.9
) -> tuple[Figure, list[list[Axes]]]:
    """Figure with one block of panels per metric, parameters wrapped at four columns."""
    ncols = min(n_params, 4)
    nblock = math.ceil(n_params / ncols)
    fig, axes = plt.subplots(
        n_metrics * nblock,
        ncols,
        figsize=(width * ncols + 1.0, height * n_metrics * nblock + 1),
        layout="constrained",
        squeeze=False,
    )
    cells = []
    for i in range(n_metrics):
        row = []
        for j in range(n_params):
            row.append(axes[i * nblock + j // ncols, j % ncols])
        for j in range(n_params, nblock * ncols):
            axes[i * nblock + j // ncols, j % ncols].set_visible(False)
        cells.append(row)
    return fig, cells


def _figure_legend(fig: Figure, ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=len(labels),
        fontsize=8.5,
        frameon=False,
    )


def _share_y(row: list[Axes]) -> None:
    lo = min(ax.get_ylim()[0] for ax in row)
    hi = max(ax.get_ylim()[1] for ax in row)
    for ax in row:
        ax.set_ylim(lo, hi)


def _metric_by_parameter(
    sweep: dict, params: list[str], folder: Path, panel: Callable, subtitle: str, stem: str
) -> list[Path]:
    """One row of panels per main metric, one column per parameter, rows on a shared y scale.

    ``panel(ax, x, mean, lo, hi, colour)`` draws one panel: ``x`` holds the parameter's value
    at every point, ``mean``, ``lo`` and ``hi`` the metric's mean and 95% CI there.
    """
    points = sweep["points"]
    metrics = _present(points, ("leaked", "casualties"))
    if not metrics:
        return []
    short = short_names(sweep["parameters"])
    fig, cells = _panel_grid(len(params), len(metrics))
    for row, metric in zip(cells, metrics, strict=True):
        mean, lo, hi = _means(points, metric)
        for ax, path in zip(row, params, strict=True):
            _style(ax, "both")
            panel(ax, _values(points, path), mean, lo, hi, METRIC_COLOURS[metric])
            ax.set_xlabel(axis_name(path, short), fontsize=9)
        _share_y(row)
        for ax in row:
            spec = ax.get_subplotspec()
            if spec is not None and spec.is_first_col():
                ax.set_ylabel(metric_label(metric), fontsize=9)
    _figure_legend(fig, cells[0][0])
    fig.suptitle(f"{_title(sweep)}\n{subtitle}")
    return save(fig, folder / stem)


def draw_main_effects(sweep: dict, params: list[str], folder: Path) -> list[Path]:
    """Each metric's mean over the other parameters against each parameter's value."""

    def panel(
        ax: Axes, x: np.ndarray, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, colour: str
    ) -> None:
        values = np.unique(x)
        avg, low, high = [], [], []
        for v in values:
            sel = mean[(x == v) & np.isfinite(mean)]
            avg.append(sel.mean() if len(sel) else np.nan)
            low.append(sel.min() if len(sel) else np.nan)
            high.append(sel.max() if len(sel) else np.nan)
        avg_a = np.array(avg)
        ok = np.isfinite(avg_a)
        ax.fill_between(
            values[ok],
            np.array(low)[ok],
            np.array(high)[ok],
            color=colour,
            alpha=0.15,
            lw=0,
            label="range over the other parameters",
        )
        ax.plot(values[ok], avg_a[ok], "o-", ms=4, color=colour, label="mean over the others")
        if _is_integer(values):
            integer_ticks(ax.xaxis)

    subtitle = "main effects: each parameter's effect, averaged over the rest"
    return _metric_by_parameter(sweep, params, folder, panel, subtitle, "sweep_main_effects")


# -- two or more parameters, scattered points (lhs, sobol) ----------------------------------


def draw_sweep_scatter(sweep: dict, px: str, py: str, metric: str, folder: Path) -> list[Path]:
    """The points in the plane of two parameters, coloured by the metric's mean."""
    points = sweep["points"]
    x, y = _values(points, px), _values(points, py)
    mean, _, _ = _means(points, metric)
    ok = np.isfinite(mean)
    fig, ax = plt.subplots(figsize=(7.2, 5.4), layout="constrained")
    _style(ax, "both")
    size = float(np.clip(3000 / max(len(points), 1), 8, 60))
    order = np.argsort(mean[ok])  # the largest means on top
    sc = ax.scatter(
        x[ok][order],
        y[ok][order],
        c=mean[ok][order],
        s=size,
        cmap=METRIC_CMAPS.get(metric, "viridis"),
        edgecolors="0.35",
        linewidths=0.3,
    )
    if (~ok).any():
        ax.scatter(x[~ok], y[~ok], s=size, marker="x", color="0.6", label="mean undefined")
        ax.legend(fontsize=8, frameon=False, loc="upper right")
    cbar = fig.colorbar(sc, ax=ax)
    cbar.set_label(f"mean {metric_label(metric)}")
    short = short_names(sweep["parameters"])
    ax.set_xlabel(axis_name(px, short))
    ax.set_ylabel(axis_name(py, short))
    ax.set_title(f"{_title(sweep)}\nmean {metric_label(metric)} at each point", fontsize=11)
    others = [p for p in varied_parameters(sweep) if p not in (px, py)]
    if others:
        footnote(
            fig,
            f"{len(others)} other parameter(s) vary too ({', '.join(short[p] for p in others)}); "
            "see sweep_scatter_matrix",
        )
    return save(fig, folder / f"sweep_scatter_{metric}")


def _binned_mean(x: np.ndarray, y: np.ndarray, bins: int = 8) -> tuple[np.ndarray, np.ndarray]:
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
    if len(edges) < 3:
        return np.array([]), np.array([])
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    centres, means = [], []
    for b in range(len(edges) - 1):
        sel = which == b
        if sel.any():
            centres.append(x[sel].mean())
            means.append(y[sel].mean())
    return np.array(centres), np.array(means)


def draw_scatter_matrix(sweep: dict, params: list[str], folder: Path) -> list[Path]:
    """Each metric's mean against each parameter, one panel per parameter and metric."""
    few = len(sweep["points"]) <= 150

    def panel(
        ax: Axes, x: np.ndarray, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, colour: str
    ) -> None:
        ok = np.isfinite(mean)
        x = x[ok]
        if few:
            known = np.isfinite(lo[ok]) & np.isfinite(hi[ok])
            yerr = np.where(known, [mean[ok] - lo[ok], hi[ok] - mean[ok]], 0.0)
            ax.errorbar(
                x,
                mean[ok],
                yerr=yerr,
                fmt="o",
                ms=3,
                color=colour,
                alpha=0.6,
                elinewidth=0.7,
                label="point mean, 95% CI",
            )
        else:
            ax.scatter(x, mean[ok], s=6, color=colour, alpha=0.45, lw=0, label="point mean")
        if len(x) >= 20:
            cx, cy = _binned_mean(x, mean[ok])
            ax.plot(cx, cy, "-", color="#e66101", lw=2, label="binned mean")

    subtitle = "metric mean against each parameter (others vary too)"
    return _metric_by_parameter(sweep, params, folder, panel, subtitle, "sweep_scatter_matrix")


# -- Sobol indices --------------------------------------------------------------------------


def _index(entry: dict, key: str) -> tuple[float, float]:
    v, c = entry.get(key), entry.get(f"{key}_conf")
    return (np.nan if v is None else float(v)), (0.0 if c is None else float(c))


def draw_sobol(sweep: dict, folder: Path) -> list[Path]:
    """First-order and total Sobol indices per parameter, one panel per metric."""
    sens = sweep.get("sensitivity") or {}
    metrics = [m for m in MAIN_METRICS if m in sens] + [m for m in sens if m not in MAIN_METRICS]
    if not metrics:
        return []
    params = list(sweep["parameters"])
    short = short_names(params)
    ncols = min(len(metrics), 3 if len(params) <= 4 else 2)
    nrows = math.ceil(len(metrics) / ncols)
    width = max(3.8, 0.75 * len(params) + 1.6)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width * ncols + 0.6, 3.4 * nrows + 1.4),
        layout="constrained",
        squeeze=False,
        sharey=True,
    )
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    pos = np.arange(len(params))
    lows, highs = [0.0], [1.0]
    rotate = len(params) > 3 or max(len(short[p]) for p in params) > 14
    for k, (ax, metric) in enumerate(zip(axes.flat, metrics, strict=False)):
        _style(ax, "y")
        if k + ncols >= len(metrics):  # lowest panel of its column
            ax.set_xlabel("varied parameter")
        for k, (key, colour, label) in enumerate(
            (("S1", S1_COLOUR, "first order S1"), ("ST", ST_COLOUR, "total ST"))
        ):
            vals, confs = zip(*(_index(sens[metric].get(p, {}), key) for p in params), strict=True)
            v, c = np.array(vals), np.array(confs)
            x = pos + (k - 0.5) * 0.38
            ok = np.isfinite(v)
            ax.bar(
                x[ok],
                v[ok],
                width=0.38,
                color=colour,
                label=label,
                yerr=c[ok],
                error_kw={"elinewidth": 0.9, "capsize": 2.5, "ecolor": "0.2"},
            )
            for xi in x[~ok]:
                ax.text(xi, 0.01, "n/a", ha="center", va="bottom", fontsize=7, color="0.4")
            if ok.any():
                lows.append(float(np.min(v[ok] - c[ok])))
                highs.append(float(np.max(v[ok] + c[ok])))
        ax.axhline(0, color="0.2", lw=0.8)
        ax.set_xlim(-0.6, len(params) - 0.4)
        ax.set_title(METRIC_TITLES.get(metric, metric), loc="left", fontsize=11)
        ax.set_xticks(
            pos,
            [short[p] for p in params],
            rotation=30 if rotate else 0,
            ha="right" if rotate else "center",
            fontsize=8.5,
        )
        ax.tick_params(axis="y", labelleft=True)
    for row in axes:
        row[0].set_ylabel("Sobol index")
    bottom = min(0.0, min(lows)) - 0.05
    axes.flat[0].set_ylim(bottom, max(highs) + 0.08)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    # above the panels, not over the first bars and their error bars
    fig.legend(handles, labels, fontsize=8.5, frameon=False, loc="outside upper right", ncols=2)
    fig.suptitle(f"{_title(sweep)}\nSobol sensitivity indices of each metric's mean")
    names = [f"{short[p]} = {p}" for p in params if short[p] != p]
    lines = [
        "S1: share of the variance due to the parameter alone; ST: including its interactions. "
        "Error bars: 95% bootstrap intervals. n/a: index undefined (metric does not vary).",
    ]
    for i in range(0, len(names), 2):
        lines.append(";   ".join(names[i : i + 2]))
    footnote(fig, "\n".join(lines))
    return save(fig, folder / "sweep_sobol")


# -- all --------------------------------------------------------------------------------------


def draw_sweep_figures(sweep: dict, folder: Path) -> list[Path]:
    """All figures of a sweep (PNG and SVG in ``folder``); the files written."""
    if not sweep.get("points"):
        return []
    params = varied_parameters(sweep)
    grid = sweep.get("design") == "grid"
    paths: list[Path] = []
    if len(params) == 1:
        paths += draw_sweep_curves(sweep, params[0], folder)
    elif len(params) >= 2 and grid:
        if len(params) == 2:
            for metric in _present(sweep["points"], ("leaked", "casualties")):
                paths += draw_sweep_heatmap(sweep, params[0], params[1], metric, folder)
            counts = [len(set(_values(sweep["points"], p).tolist())) for p in params]
            few = min(range(2), key=lambda j: counts[j])
            if counts[few] <= MAX_LINES:
                paths += draw_sweep_lines(sweep, params[1 - few], params[few], folder)
        else:
            paths += draw_main_effects(sweep, params, folder)
    elif len(params) >= 2:
        for metric in _present(sweep["points"], ("leaked", "casualties")):
            paths += draw_sweep_scatter(sweep, params[0], params[1], metric, folder)
        paths += draw_scatter_matrix(sweep, params, folder)
    if sweep.get("sensitivity"):
        paths += draw_sobol(sweep, folder)
    return paths
