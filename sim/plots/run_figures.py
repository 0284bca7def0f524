"""The figures of a Monte Carlo run, drawn from summary.json and the kept impact points.

- ``leakers``: how many threats get through per attack, overall and per threat type;
- ``casualties``: killed, wounded, TBI and all casualties per attack: the share of attacks
  that hurt nobody as a bar of its own (with its percentage), the rest on a log scale so
  that a long tail is visible, in bins (their width stated) when it is wide;
- ``impact_map``: the base's zones with their people and where the leakers landed;
- ``interceptors``: interceptors fired per attack, per battery (none without batteries).

Colours of threat types and batteries are fixed by their names (``sim.plots.style``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullLocator

from sim.io.results import KEEP_IMPACTS
from sim.model.scenario import Scenario
from sim.plots.style import (
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    battery_colours,
    count_axis,
    new_figure,
    plt,
    save,
    share_axis,
    type_colours,
)

CATEGORIES = ("killed", "wounded", "tbi", "casualties")


def _histogram(metric: dict) -> tuple[np.ndarray, np.ndarray]:
    """Values and shares of runs of an integer metric's histogram."""
    hist = metric.get("histogram") or {}
    if not hist:
        return np.array([0]), np.array([1.0])
    values = np.array([int(float(k)) for k in hist])
    counts = np.array(list(hist.values()), dtype=float)
    order = np.argsort(values)
    return values[order], counts[order] / counts.sum()


def _stats_text(m: dict, unit: str = "") -> str:
    if not m.get("n"):
        return "no data"
    lo, hi = m["ci95"]
    ci = f" (95% CI {lo:.2f}–{hi:.2f})" if lo is not None else ""
    return (
        f"mean {m['mean']:.2f}{unit}{ci}\nmedian {m['p50']}, 95th percentile {m['p95']}\n"
        f"P(none) = {m['p_zero']:.1%}"
    )


def draw_leakers(summary: dict, scenario: Scenario, out_dir: Path) -> list[Path]:
    """Distribution of leaked threats per attack, total and per type."""
    metrics = summary["metrics"]
    types = scenario.threat_types
    colours = type_colours(types)
    fig, ax = new_figure()
    values, shares = _histogram(metrics["leaked"])
    width = 0.8 / (len(types) + 1) if len(types) > 1 else 0.8
    offset = -0.4 + width / 2
    ax.bar(values + offset, shares, width=width, color="#404040", label="all threats")
    top = float(shares.max())
    if len(types) > 1:
        for t, name in enumerate(types):
            v, sh = _histogram(metrics[f"leaked.{name}"])
            ax.bar(v + offset + (t + 1) * width, sh, width=width, color=colours[name], label=name)
            top = max(top, float(sh.max()))
    ax.set_xlabel("threats that leaked through in one attack (count)")
    ax.set_ylabel("share of simulated attacks")
    ax.set_title(
        f"{summary['scenario']}: threats getting through ({summary['runs']:,} simulated attacks)"
    )
    count_axis(ax.xaxis, values)
    share_axis(ax, top)  # the tallest bar of any type, not only of the total
    ax.text(
        0.98,
        0.97,
        _stats_text(metrics["leaked"]),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"},
    )
    ax.legend(loc="upper left", frameon=False)
    return save(fig, out_dir / "leakers")


MAX_BARS = 40  # a casualty distribution wider than this is shown in bins


def _positive_bars(values: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The distribution above zero as bars: left edges, shares and the bin width (people)."""
    positive = values > 0
    v, s = values[positive], shares[positive]
    if not v.size or v.max() <= MAX_BARS:
        return v - 0.4, s, 1
    width = int(np.ceil(v.max() / 30))
    edges = np.arange(1, v.max() + width + 1, width)
    binned, _ = np.histogram(v, bins=edges, weights=s)
    keep = binned > 0
    return edges[:-1][keep], binned[keep], width


def _casualty_panel(panel: Any, name: str, m: dict, runs: int) -> None:
    """One category: the share of attacks with nobody hurt as a bar of its own (linear
    scale, with its percentage), beside the distribution of the others (log scale)."""
    colour = CATEGORY_COLOURS[name]
    none_ax, ax = panel.subplots(1, 2, width_ratios=[1, 6], gridspec_kw={"wspace": 0.05})
    values, shares = _histogram(m)
    p_zero = float(shares[values == 0].sum())
    none_ax.bar([0], [p_zero], width=0.6, color="white", hatch="//", edgecolor=colour)
    none_ax.text(0, p_zero + 0.03, f"{p_zero:.0%}", ha="center", va="bottom", fontsize=9)
    none_ax.set_ylim(0, 1.15)
    none_ax.set_xlim(-0.6, 0.6)
    none_ax.set_xticks([0], ["nobody"])
    none_ax.set_yticks([0, 0.5, 1], ["0", "50%", "100%"])
    none_ax.set_ylabel("share of attacks")
    none_ax.grid(axis="y", alpha=0.3)
    none_ax.spines[["top", "right"]].set_visible(False)
    left, heights, width = _positive_bars(values, shares)
    if heights.size:
        ax.bar(left, heights, width=0.8 if width == 1 else width, align="edge", color=colour)
        ax.set_yscale("log")
        bottom = max(0.5 / max(runs, 1), 1e-6)
        ax.set_ylim(bottom=bottom, top=1.5)
        _percent_decades(ax, bottom)
        ax.yaxis.set_label_position("right")
        ax.yaxis.tick_right()
        ax.set_ylabel("share of attacks (log)")
        if width == 1:
            count_axis(ax.xaxis, left + 0.4)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "nobody was hurt in any attack", ha="center", va="center",
                transform=ax.transAxes, fontsize=9)  # fmt: skip
    ax.set_xlabel("people hurt in one attack" + (f" (bins of {width} people)" if width > 1 else ""))
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "left"]].set_visible(False)
    ax.text(
        0.98,
        0.97,
        _stats_text(m),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"},
    )
    panel.suptitle(CATEGORY_LABELS[name], x=0.02, ha="left", fontsize=11)


def _percent_decades(ax: Axes, bottom: float) -> None:
    """A log axis of shares ticked at whole decades and labelled in percent (100%, 10%, 1%,
    0.1%...), without minor ticks: read at a glance, and cheap to draw."""
    decades = 10.0 ** np.arange(0, np.floor(np.log10(bottom)) - 1, -1)
    decades = decades[decades >= bottom]
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_yticks(decades, [f"{100 * d:.{max(0, -int(np.log10(d)) - 2)}f}%" for d in decades])


def draw_casualties(summary: dict, out_dir: Path) -> list[Path]:
    """Distributions of killed, wounded, TBI and all casualties per attack."""
    metrics = summary["metrics"]
    fig = plt.figure(figsize=(11, 7), layout="constrained")
    panels = np.asarray(fig.subfigures(2, 2)).flat
    for panel, name in zip(panels, CATEGORIES, strict=True):
        _casualty_panel(panel, name, metrics[name], summary["runs"])
    fig.suptitle(
        f"{summary['scenario']}: people hurt per attack ({summary['runs']:,} simulated attacks)"
        "\nleft of each panel: the share of attacks that hurt nobody; right: the others, on a "
        "log scale"
    )
    return save(fig, out_dir / "casualties")


def draw_impact_map(
    impacts: np.ndarray, scenario: Scenario, out_dir: Path, replications: int
) -> list[Path]:
    """The base's zones, the zones batteries defend (dashed, grown by their margin), and
    where the leakers and the debris of ``replications`` attacks landed."""
    fig, ax = new_figure(8, 6.5)
    ax.grid(alpha=0.3)
    xs, ys = [0.0], [0.0]
    for name, zone in scenario.base.zones.items():
        (cx, cy), (w, h) = zone.center_m, zone.size_m
        ax.add_patch(
            Rectangle(
                (cx - w / 2, cy - h / 2),
                w,
                h,
                facecolor="#e5f5e0",
                edgecolor="#238b45",
                alpha=0.6,
                zorder=1,
            )
        )
        ax.annotate(
            f"{name}\n{zone.personnel.mean:,.0f} people",
            (cx, cy + h / 2),
            ha="center",
            va="bottom",
            fontsize=9,
            color="#00441b",
            zorder=5,  # above the points: a label is never hidden under impacts
            bbox={"facecolor": "white", "alpha": 0.95, "edgecolor": "#238b45", "pad": 2},
        )
        xs += [cx - w / 2, cx + w / 2]
        ys += [cy - h / 2, cy + h / 2]
    _defended_zones(ax, scenario)
    debris = impacts[:, 4] > 0 if len(impacts) else np.zeros(0, dtype=bool)
    colours = type_colours(scenario.threat_types)
    for t, name in enumerate(scenario.threat_types):
        pts = impacts[(impacts[:, 1] == t) & ~debris] if len(impacts) else np.empty((0, 5))
        if len(pts) == 0:
            continue
        alpha = float(np.clip(400 / len(pts), 0.35, 0.8))
        ax.scatter(
            pts[:, 2],
            pts[:, 3],
            s=9,
            color=colours[name],
            alpha=alpha,
            lw=0,
            zorder=3,
            label=f"{name} ({len(pts):,} impacts)",
        )
        xs += list(np.percentile(pts[:, 2], [1, 99]))
        ys += list(np.percentile(pts[:, 3], [1, 99]))
    if debris.any():
        pts = impacts[debris]
        ax.scatter(
            pts[:, 2],
            pts[:, 3],
            s=14,
            marker="x",
            color="#54278f",
            alpha=float(np.clip(400 / len(pts), 0.35, 0.8)),
            lw=0.8,
            zorder=3,
            label=f"debris of intercepted threats ({len(pts):,})",
        )
        xs += list(np.percentile(pts[:, 2], [1, 99]))
        ys += list(np.percentile(pts[:, 3], [1, 99]))
    pad = 0.08 * max(max(xs) - min(xs), max(ys) - min(ys), 100)
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad * 1.6)
    ax.set_aspect("equal")
    ax.set_xlabel("x, east of the base centre (m)")
    ax.set_ylabel("y, north of the base centre (m)")
    if ax.get_legend_handles_labels()[0]:
        legend = ax.legend(loc="upper right", markerscale=3, fontsize=9)
        for handle in legend.legend_handles:
            if handle is not None:
                handle.set_alpha(1)
    if len(impacts):
        what = "leakers and debris" if debris.any() else "leakers"
        subtitle = f"where the {what} of {replications:,} simulated attacks landed"
    else:
        subtitle = "no threat leaked in the replications kept for the map"
    ax.set_title(f"{scenario.name}: {subtitle}")
    return save(fig, out_dir / "impact_map")


def _defended_zones(ax: Axes, scenario: Scenario) -> None:
    """Outline the zones each battery that ``defends`` some engages in (its mean margin)."""
    for b, battery in scenario.defense.batteries.items():
        margin = battery.defend_margin_m.mean
        for k, name in enumerate(battery.defends or []):
            zone = scenario.base.zones[name]
            (cx, cy), (w, h) = zone.center_m, zone.size_m
            ax.add_patch(
                Rectangle(
                    (cx - w / 2 - margin, cy - h / 2 - margin),
                    w + 2 * margin,
                    h + 2 * margin,
                    fill=False,
                    edgecolor="#2171b5",
                    ls="--",
                    lw=1.2,
                    zorder=2,
                    label=f"defended by {b} (+{margin:g} m)" if k == 0 else None,
                )
            )


def draw_interceptors(summary: dict, scenario: Scenario, out_dir: Path) -> list[Path]:
    """Interceptors fired per attack, per battery (no figure without batteries)."""
    metrics = summary["metrics"]
    batteries = scenario.battery_names
    if not batteries:
        return []
    colours = battery_colours(batteries)
    fig, ax = new_figure()
    width = 0.8 / len(batteries)
    lines = []
    top = 0.0
    seen: list[np.ndarray] = []
    for b, name in enumerate(batteries):
        m = metrics[f"interceptors.{name}"]
        values, shares = _histogram(m)
        seen.append(values)
        ax.bar(
            values - 0.4 + width * (b + 0.5),
            shares,
            width=width,
            color=colours[name],
            label=name,
        )
        top = max(top, float(shares.max()))
        engaged, killed = metrics[f"engaged.{name}"], metrics[f"intercepted.{name}"]
        lines.append(
            f"{name}: {m['mean']:.1f} interceptors, {engaged['mean']:.1f} threats "
            f"engaged, {killed['mean']:.1f} killed (means)"
        )
    ax.set_xlabel("interceptors fired in one attack (count)")
    ax.set_ylabel("share of simulated attacks")
    count_axis(ax.xaxis, np.concatenate(seen))
    ax.set_title(f"{summary['scenario']}: interceptors used per battery")
    share_axis(ax, top, 1.25 + 0.07 * len(batteries))
    ax.legend(loc="upper right", frameon=False)
    ax.text(
        0.02,
        0.97,
        "\n".join(lines),
        transform=ax.transAxes,
        va="top",
        fontsize=8.5,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"},
    )
    return save(fig, out_dir / "interceptors")


def run_figure_jobs(
    summary: dict, impacts: np.ndarray, scenario: Scenario, out_dir: Path
) -> list[Callable[[], list[Path]]]:
    """The figures of a run as separate jobs, the costliest first, so that they can be drawn
    side by side (each returns the files it wrote)."""
    kept = min(summary["runs"], KEEP_IMPACTS)
    return [
        partial(draw_casualties, summary, out_dir),
        partial(draw_impact_map, impacts, scenario, out_dir, kept),
        partial(draw_interceptors, summary, scenario, out_dir),
        partial(draw_leakers, summary, scenario, out_dir),
    ]


def draw_run_figures(
    summary: dict, impacts: np.ndarray, scenario: Scenario, out_dir: Path
) -> list[Path]:
    """All figures of a run, as PNG and SVG in ``out_dir``, one after the other."""
    return [path for job in run_figure_jobs(summary, impacts, scenario, out_dir) for path in job()]
