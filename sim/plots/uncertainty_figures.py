"""What drives the answer: figures of a run's per-attack uncertainties.

- ``uncertainty_importance``: one panel per main metric, a bar per uncertain path with its
  first-order index S1 (the share of the metric's variance the path alone explains) and the
  95% bootstrap interval; a path whose interval reaches 0 may not matter at all;
- ``driver_<metric>``: for each metric's top driver, the metric in each kept replication
  against the value drawn for that path (points jittered vertically, as the metric is a
  count), with the mean of the metric in bins of the drawn value: how the answer moves as
  the unknown moves.

Drawn from summary.json (``uncertainty_importance``) and the first replications of
replications.parquet (``u:<path>`` columns), the same ones the indices were computed from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from sim.outcomes import axis_label, short_label
from sim.plots.style import new_figure, plt, save

BINS = 12
SCATTER_POINTS = 3000


def _label(path: str, units: dict[str, str]) -> str:
    unit = units.get(path, "")
    return f"{path} ({unit})" if unit else path


def draw_importance(block: dict, out_dir: Path) -> list[Path]:
    """Bars of S1 with their intervals, one panel per main metric."""
    metrics = list(block["metrics"])
    paths = block["paths"]
    cols = 2
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(11, 1.0 + rows * (0.45 * len(paths) + 1.1)),
        layout="constrained",
        sharex=True,
    )
    axes = np.atleast_1d(axes).ravel()
    y = np.arange(len(paths))
    for ax, metric in zip(axes, metrics, strict=False):
        values = block["metrics"][metric]
        s1 = np.array([values[p]["S1"] if values[p]["S1"] is not None else np.nan for p in paths])
        conf = np.array([values[p]["S1_conf"] or 0.0 for p in paths])
        ax.barh(y, np.nan_to_num(s1), xerr=conf, color="#2c7fb8", ecolor="#444444", capsize=3)
        ax.set_yticks(y, paths if ax in axes[::cols] else [""] * len(paths), fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        title = short_label(metric)
        if np.all(np.isnan(s1)):
            title += " (does not vary)"
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    for ax in axes[max(0, len(metrics) - cols) : len(metrics)]:
        ax.set_xlabel("first-order index S1 (share of the metric's variance), ±95%")
    fig.suptitle(
        f"What drives the answer: per-attack uncertainties "
        f"(RBD-FAST, first {block['replications']:,} replications)"
    )
    return save(fig, out_dir / "uncertainty_importance")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def draw_driver(
    metric: str,
    path: str,
    x: np.ndarray,
    y: np.ndarray,
    index: tuple[float, float],
    units: dict[str, str],
    out_dir: Path,
) -> list[Path]:
    """The metric against the drawn value of its top driver, with binned means."""
    fig, ax = new_figure()
    keep = slice(0, min(len(x), SCATTER_POINTS))
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(y[keep]))  # for the eye only
    ax.scatter(x[keep], y[keep] + jitter, s=4, alpha=0.25, color="#7f7f7f", label="one attack")
    edges = np.unique(np.quantile(x, np.linspace(0, 1, BINS + 1)))
    if len(edges) > 2:
        which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
        centres, means = [], []
        for b in range(len(edges) - 1):
            inside = which == b
            if inside.any():
                centres.append(x[inside].mean())
                means.append(y[inside].mean())
        ax.plot(centres, means, "o-", color="#d7301f", label="mean in bins of the drawn value")
    else:  # a path with one or two values: the mean at each
        for v in np.unique(x):
            ax.plot([v], [y[x == v].mean()], "o", color="#d7301f")
    s1, conf = index
    ax.set_xlabel(f"drawn value of {_label(path, units)}")
    ax.set_ylabel(axis_label(metric))
    ax.set_title(f"{short_label(metric)} vs its top driver (S1 = {s1:.2f} ± {conf:.2f})")
    ax.legend(loc="best", fontsize=8)
    return save(fig, out_dir / f"driver_{metric}_{_slug(path)}")


def uncertainty_figure_jobs(
    block: dict, table: dict[str, np.ndarray], out_dir: Path
) -> list[Callable[[], list[Path]]]:
    """The importance bars and one scatter per metric's top driver, as separate jobs (each
    returns the files it wrote).

    ``table`` holds the kept replications' columns: each main metric and ``u:<path>``.
    """
    jobs: list[Callable[[], list[Path]]] = [partial(draw_importance, block, out_dir)]
    units = block.get("units", {})
    for metric, values in block["metrics"].items():
        ranked = [(p, v) for p, v in values.items() if v["S1"] is not None]
        if not ranked or metric not in table:
            continue
        path, top = max(ranked, key=lambda pv: pv[1]["S1"])
        x = np.asarray(table[f"u:{path}"], dtype=float)
        y = np.asarray(table[metric], dtype=float)
        index = (top["S1"], top["S1_conf"] or 0.0)
        jobs.append(partial(draw_driver, metric, path, x, y, index, units, out_dir))
    return jobs


def draw_uncertainty_figures(
    block: dict, table: dict[str, np.ndarray], out_dir: Path
) -> list[Path]:
    """The importance bars and one scatter per metric's top driver, one after the other."""
    return [path for job in uncertainty_figure_jobs(block, table, out_dir) for path in job()]
