"""The figures of a validation: predictive distributions against what happened, and the PIT.

- ``validation_events``: one row per event, one panel per observed metric: the simulated
  distribution (share of simulated attacks per value), the central 90% interval, and the
  observed value or range marked in red;
- ``validation_pit``: the histogram of the PIT values of every (event, metric) pair, with
  the flat line a calibrated model gives and the binomial 90% band around it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from scipy.stats import binom

from sim.outcomes import axis_label, is_ratio
from sim.plots.style import integer_ticks, plt, save

SIM_COLOUR = "#2c7fb8"
OBS_COLOUR = "#d7301f"
BAND_COLOUR = "0.85"
MAX_BARS = 60  # integer distributions wider than this are drawn in bins


def _metric_axis(metric: str) -> str:
    base = metric.split(".")[0]
    label = axis_label(base)
    return label if base == metric else f"{label}, {metric.split('.', 1)[1]}"


def _panel(ax: Axes, x: np.ndarray, m: dict, metric: str, event: str) -> None:
    """One event's metric: the simulated distribution and the observation."""
    x = x[~np.isnan(x)]
    low, high = m["observed"]
    ratio = is_ratio(metric.split(".")[0])
    lo = min(float(x.min()), low)
    hi = max(float(x.max()), high)
    if not ratio and hi - lo <= MAX_BARS:
        values, counts = np.unique(x, return_counts=True)
        ax.bar(values, counts / len(x), width=0.8, color=SIM_COLOUR, alpha=0.8, label="simulated")
        integer_ticks(ax.xaxis)
        pad = 0.6
    else:
        if ratio:
            bins = np.linspace(lo, hi + 1e-9, 41).tolist()
        else:  # whole-number bins, so that no bin holds more values than its neighbours
            step = math.ceil((hi - lo + 1) / 40)
            bins = np.arange(lo - 0.5, hi + step + 0.5, step).tolist()
        ax.hist(
            x,
            bins=bins,
            weights=np.full(len(x), 1 / len(x)),
            color=SIM_COLOUR,
            alpha=0.8,
            label="simulated",
        )
        pad = (bins[1] - bins[0]) / 2
    ax.axvspan(m["p05"] - pad, m["p95"] + pad, color=BAND_COLOUR, zorder=0, label="90% interval")
    if low == high:
        ax.axvline(low, color=OBS_COLOUR, lw=2, label=f"observed {low:g}")
    else:
        ax.axvspan(
            low - pad, high + pad, color=OBS_COLOUR, alpha=0.25, label=f"observed {low:g}-{high:g}"
        )
        ax.axvline(low, color=OBS_COLOUR, lw=1)
        ax.axvline(high, color=OBS_COLOUR, lw=1)
    ax.set_xlim(lo - 2 * pad, hi + 2 * pad)
    ax.set_title(
        f"{event}: {metric}\nPIT {m['pit']:.2f}, tail p {m['tail']:.3f}, "
        f"log score {m['log_score']:.2f}",
        fontsize=9,
        loc="left",
    )
    ax.set_xlabel(_metric_axis(metric), fontsize=8)
    ax.set_ylabel("share of simulated attacks", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, frameon=True, framealpha=0.85, loc="best")


def draw_events(
    doc: dict, columns: list[dict[str, np.ndarray]], folder: Path, stem: str
) -> list[Path]:
    """One panel per (event, metric), one row per event."""
    events = doc["events"]
    ncols = max(len(e["metrics"]) for e in events)
    fig, axes = plt.subplots(
        len(events),
        ncols,
        figsize=(4.2 * ncols, 3.2 * len(events)),
        layout="constrained",
        squeeze=False,
    )
    for r, (ev, cols) in enumerate(zip(events, columns, strict=True)):
        for c in range(ncols):
            ax = axes[r][c]
            if c >= len(ev["metrics"]):
                ax.axis("off")
                continue
            metric, m = list(ev["metrics"].items())[c]
            _panel(ax, cols[metric], m, metric, ev["name"])
    fig.suptitle(
        f"Predicted against observed ({doc['runs']:,} simulated attacks per event, seed "
        f"{doc['seed']})",
        fontsize=11,
    )
    return save(fig, folder / stem)


def draw_pit(doc: dict, folder: Path, stem: str, title: str) -> list[Path]:
    """The PIT histogram with the uniform line and its binomial 90% band."""
    ov = doc["overall"]
    hist = ov["pit_histogram"]
    edges = np.asarray(hist["edges"])
    counts = np.asarray(hist["counts"])
    n, k = int(counts.sum()), len(counts)
    fig, ax = plt.subplots(figsize=(6.5, 4.0), layout="constrained")
    lo, hi = binom.ppf(0.05, n, 1 / k), binom.ppf(0.95, n, 1 / k)
    ax.axhspan(lo, hi, color=BAND_COLOUR, label="90% band if calibrated")
    ax.axhline(n / k, color="0.4", lw=1, ls="--", label="calibrated (flat)")
    ax.bar(
        edges[:-1],
        counts,
        width=np.diff(edges),
        align="edge",
        color=SIM_COLOUR,
        edgecolor="white",
        label="observed PIT values",
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(counts.max(), hi) + 1)
    integer_ticks(ax.yaxis)
    ax.set_xlabel("PIT: predicted probability of an outcome below the observed one")
    ax.set_ylabel("(event, metric) pairs")
    ax.set_title(
        f"{title}\n{n} pairs; coverage 50%: {ov['coverage50']:.2f}, 90%: {ov['coverage90']:.2f}; "
        f"mean log score {ov['mean_log_score']:.2f}",
        fontsize=10,
        loc="left",
    )
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="upper center")
    return save(fig, folder / stem)


def draw_validation_figures(
    doc: dict, columns: list[dict[str, np.ndarray]], folder: Path
) -> list[Path]:
    """Every figure of a validation."""
    return [
        *draw_events(doc, columns, folder, "validation_events"),
        *draw_pit(doc, folder, "validation_pit", "PIT of the observations (uniform if calibrated)"),
    ]
