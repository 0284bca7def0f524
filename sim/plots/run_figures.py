"""The figures of a Monte Carlo run, drawn from summary.json and the kept impact points.

- ``leakers``: how many threats get through per attack, overall and per threat type;
- ``casualties``: killed, wounded, TBI and all casualties per attack (log scale, so that a
  large mass at zero and a long tail are both visible);
- ``impact_map``: the base's zones with their people and where the leakers landed;
- ``interceptors``: interceptors fired per attack, per battery.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from sim.io.results import KEEP_IMPACTS
from sim.model.scenario import Scenario
from sim.plots.style import (
    BATTERY_PALETTE,
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    integer_ticks,
    new_figure,
    plt,
    save,
    type_colour,
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
    fig, ax = new_figure()
    values, shares = _histogram(metrics["leaked"])
    width = 0.8 / (len(types) + 1) if len(types) > 1 else 0.8
    offset = -0.4 + width / 2
    ax.bar(values + offset, shares, width=width, color="#404040", label="all threats")
    if len(types) > 1:
        for t, name in enumerate(types):
            v, sh = _histogram(metrics[f"leaked.{name}"])
            ax.bar(v + offset + (t + 1) * width, sh, width=width, color=type_colour(t), label=name)
    ax.set_xlabel("threats that leaked through in one attack (count)")
    ax.set_ylabel("share of replications")
    ax.set_title(
        f"{summary['scenario']}: threats getting through ({summary['runs']:,} simulated attacks)"
    )
    integer_ticks(ax.xaxis)
    ax.text(
        0.98,
        0.95,
        _stats_text(metrics["leaked"]),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"},
    )
    ax.legend(loc="center right", frameon=False)
    return save(fig, out_dir / "leakers")


def draw_casualties(summary: dict, out_dir: Path) -> list[Path]:
    """Distributions of killed, wounded, TBI and all casualties per attack."""
    metrics = summary["metrics"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), layout="constrained")
    for ax, name in zip(axes.flat, CATEGORIES, strict=True):
        m = metrics[name]
        values, shares = _histogram(m)
        if values.max() > 40:  # bin wide distributions; keep zero as its own bar
            edges = np.unique(np.linspace(1, values.max() + 1, 31).astype(int))
            positive = values > 0
            binned, _ = np.histogram(values[positive], bins=edges, weights=shares[positive])
            ax.bar(
                edges[:-1],
                binned,
                width=np.diff(edges),
                align="edge",
                color=CATEGORY_COLOURS[name],
                label="people hurt",
            )
            ax.bar(
                [0],
                shares[values == 0].sum(),
                width=max(1, np.diff(edges)[0]) * 0.8,
                color="white",
                edgecolor=CATEGORY_COLOURS[name],
                hatch="//",
                label="none",
            )
        else:
            zero = values == 0
            ax.bar(values[~zero], shares[~zero], color=CATEGORY_COLOURS[name], width=0.8)
            ax.bar(
                values[zero],
                shares[zero],
                color="white",
                hatch="//",
                width=0.8,
                edgecolor=CATEGORY_COLOURS[name],
            )
            integer_ticks(ax.xaxis)
        ax.set_yscale("log")
        ax.set_ylim(bottom=max(0.5 / max(summary["runs"], 1), 1e-6), top=1.5)
        ax.set_title(CATEGORY_LABELS[name], loc="left", fontsize=11)
        ax.set_xlabel("people per attack (count)")
        ax.set_ylabel("share of replications (log)")
        ax.grid(axis="y", alpha=0.3, which="both")
        ax.spines[["top", "right"]].set_visible(False)
        ax.text(
            0.98,
            0.95,
            _stats_text(m),
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8.5,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"},
        )
    fig.suptitle(
        f"{summary['scenario']}: casualties per attack "
        f"({summary['runs']:,} simulated attacks; hatched bar = nobody hurt)"
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
            zorder=4,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
        )
        xs += [cx - w / 2, cx + w / 2]
        ys += [cy - h / 2, cy + h / 2]
    _defended_zones(ax, scenario)
    debris = impacts[:, 4] > 0 if len(impacts) else np.zeros(0, dtype=bool)
    for t, name in enumerate(scenario.threat_types):
        pts = impacts[(impacts[:, 1] == t) & ~debris] if len(impacts) else np.empty((0, 5))
        if len(pts) == 0:
            continue
        alpha = float(np.clip(400 / len(pts), 0.35, 0.8))
        ax.scatter(
            pts[:, 2],
            pts[:, 3],
            s=9,
            color=type_colour(t),
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
    """Interceptors fired per attack, per battery."""
    metrics = summary["metrics"]
    fig, ax = new_figure()
    batteries = scenario.battery_names
    if not batteries:
        ax.text(
            0.5,
            0.5,
            "no batteries in this scenario",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    width = 0.8 / max(len(batteries), 1)
    lines = []
    top = 0.0
    for b, name in enumerate(batteries):
        m = metrics[f"interceptors.{name}"]
        values, shares = _histogram(m)
        ax.bar(
            values - 0.4 + width * (b + 0.5),
            shares,
            width=width,
            color=BATTERY_PALETTE[b % len(BATTERY_PALETTE)],
            label=name,
        )
        top = max(top, float(shares.max()))
        engaged, killed = metrics[f"engaged.{name}"], metrics[f"intercepted.{name}"]
        lines.append(
            f"{name}: {m['mean']:.1f} interceptors, {engaged['mean']:.1f} threats "
            f"engaged, {killed['mean']:.1f} killed (means)"
        )
    ax.set_xlabel("interceptors fired in one attack (count)")
    ax.set_ylabel("share of replications")
    integer_ticks(ax.xaxis)
    ax.set_title(f"{summary['scenario']}: interceptors used per battery")
    if batteries:
        ax.set_ylim(0, top * (1.25 + 0.07 * len(batteries)))
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


def draw_run_figures(
    summary: dict, impacts: np.ndarray, scenario: Scenario, out_dir: Path
) -> list[Path]:
    """All figures of a run, as PNG and SVG in ``out_dir``."""
    return [
        *draw_leakers(summary, scenario, out_dir),
        *draw_casualties(summary, out_dir),
        *draw_impact_map(impacts, scenario, out_dir, min(summary["runs"], KEEP_IMPACTS)),
        *draw_interceptors(summary, scenario, out_dir),
    ]
