"""The figures of a calibration, drawn from calibration.json and the accepted draws.

- ``calibration_posterior``: per unknown, its prior density against the posterior (the
  accepted draws), with the posterior mean and 90% interval;
- ``calibration_pairs`` (two or more unknowns): the accepted draws of each pair of unknowns,
  with each prior's range as the axis limits, and their correlation;
- ``calibration_predictive``: the posterior predictive distribution of leakers, killed,
  wounded, TBI, all casualties and of every metric the report speaks of, with the values the
  report allows highlighted.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from sim.io.evidence import Condition
from sim.outcomes import RATIO_NAMES, axis_label
from sim.plots.style import (
    CATEGORY_COLOURS,
    clear_of_text,
    integer_ticks,
    plt,
    save,
    type_colour,
)
from sim.plots.sweep_figures import BOX, METRIC_TITLES, axis_name, footnote, short_names

PREDICTIVE_METRICS = ("leaked", "killed", "wounded", "tbi", "casualties")
RATIO = "intercepted_fraction"
PRIOR_COLOUR = "0.45"
POSTERIOR_COLOUR = "#2c7fb8"
MEAN_COLOUR = "#08306b"
REPORT_COLOUR = "#fff3b0"
PANEL_COLOURS = {"leaked": "#404040", RATIO: "#33a02c", **CATEGORY_COLOURS}
PHRASES = {
    "equals": "exactly",
    "at_least": "at least",
    "at_most": "at most",
    "greater_than": "more than",
    "less_than": "less than",
}
WIDE = 40  # integer distributions reaching beyond this are drawn in bins
MAX_PAIR_POINTS = 4000


# -- evidence -------------------------------------------------------------------------------


def _report_holds(spec: dict | None, x: np.ndarray) -> np.ndarray:
    ok = np.ones(len(x), dtype=bool)
    for op, value in (spec or {}).items():
        v = tuple(value) if op == "between" else value
        ok &= Condition("", op, v).holds(x)
    return ok


def _number(v: object) -> str:
    return format(float(v), "g")  # type: ignore[arg-type]


def report_text(spec: dict) -> str:
    """The evidence on one metric in words: ``at least 8 and at most 12``."""
    parts = []
    for op, value in spec.items():
        if op == "between":
            parts.append(f"between {_number(value[0])} and {_number(value[1])}")
        else:
            parts.append(f"{PHRASES.get(op, op)} {_number(value)}")
    return " and ".join(parts)


# -- posterior ------------------------------------------------------------------------------


def _is_integer(x: np.ndarray) -> bool:
    return bool(len(x)) and bool(np.all(np.isclose(x, np.round(x))))


def _prior_text(spec: object) -> str:
    if isinstance(spec, dict) and len(spec) == 1:
        ((form, args),) = spec.items()
        if isinstance(args, list | tuple):
            return f"{form} [{', '.join(_number(a) for a in args)}]"
        return f"{form} {args}"
    return str(spec)


def _support(
    path: str, cal: dict, prior: np.ndarray, post: np.ndarray, unit: bool = True
) -> tuple[float, float]:
    """Axis range of an unknown: the prior's range (0..1 for a probability when ``unit``)."""
    both = np.concatenate([prior, post]) if len(prior) else post
    integer = _is_integer(both)
    spec = (cal.get("unknowns") or {}).get(path)
    lo, hi = math.nan, math.nan
    if isinstance(spec, dict) and len(spec) == 1:
        ((form, args),) = spec.items()
        if form in ("uniform", "uniform_int") and isinstance(args, list | tuple):
            lo, hi = float(args[0]), float(args[1])
    if not math.isfinite(lo) and len(both):
        lo, hi = (float(v) for v in np.percentile(both, [0.5, 99.5]))
    if not math.isfinite(lo):
        return 0.0, 1.0
    if integer:
        return math.floor(lo) - 0.5, math.ceil(hi) + 0.5
    if unit and lo >= 0 and hi <= 1:
        return 0.0, 1.0
    pad = 0.03 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def _bins(lo: float, hi: float, integer: bool, draws: list[np.ndarray]) -> np.ndarray:
    """Histogram bins: whole numbers for an integer unknown, else 30 over the draws' range."""
    if integer:
        return np.arange(lo, hi + 1.0, max(1.0, math.ceil((hi - lo) / 40)))
    both = np.concatenate([np.asarray(d, dtype=float) for d in draws])
    if len(both) and np.ptp(both) > 0:
        lo, hi = float(both.min()), float(both.max())
    return np.linspace(lo, hi, 31)


def _interval(path: str, cal: dict, post: np.ndarray) -> tuple[float, float, float]:
    """Posterior mean and 90% interval: from the draws, else from the document."""
    if len(post):
        q05, q95 = np.quantile(post, [0.05, 0.95])
        return float(post.mean()), float(q05), float(q95)
    s = (cal.get("posterior") or {}).get(path) or {}
    return s.get("mean", np.nan), s.get("q05", np.nan), s.get("q95", np.nan)


def _acceptance(cal: dict) -> str:
    tried, accepted = cal.get("tried") or 0, cal.get("accepted") or 0
    rate = accepted / tried if tried else 0.0
    return f"{accepted:,} of {tried:,} simulated attacks matched the report ({rate:.1%})"


def _axis_label(path: str, short: dict[str, str], probability: bool) -> str:
    name = axis_name(path, short)
    return f"{name} (probability)" if probability else name


def draw_posterior(
    cal: dict, posterior: dict[str, np.ndarray], prior: dict[str, np.ndarray], folder: Path
) -> list[Path]:
    """Prior against posterior density, one panel per unknown."""
    paths = list(posterior)
    short = short_names(paths)
    ncols = min(len(paths), 3)
    nrows = math.ceil(len(paths) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(max(6.8, 4.4 * ncols + 0.8), 3.6 * nrows + 1.4),
        layout="constrained",
        squeeze=False,
    )
    for ax in axes.flat[len(paths) :]:
        ax.set_visible(False)
    for ax, path in zip(axes.flat, paths, strict=False):
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        post = np.asarray(posterior[path], dtype=float)
        pri = np.asarray(prior.get(path, []), dtype=float)
        integer = _is_integer(np.concatenate([post, pri]))
        lo, hi = _support(path, cal, pri, post)
        bins = _bins(lo, hi, integer, [pri, post])
        top = 0.0
        if len(post):
            d, _, _ = ax.hist(post, bins=bins, density=True, color=POSTERIOR_COLOUR, alpha=0.55)
            top = max(top, float(d.max()))
        if len(pri):
            d, _, _ = ax.hist(
                pri,
                bins=bins,
                density=True,
                histtype="step",
                color=PRIOR_COLOUR,
                lw=1.5,
                zorder=3,
            )
            top = max(top, float(d.max()))
        mean, q05, q95 = _interval(path, cal, post)
        if np.isfinite(mean):
            ax.axvline(mean, color=MEAN_COLOUR, lw=1.6)
            ax.axvspan(q05, q95, color=POSTERIOR_COLOUR, alpha=0.08, lw=0)
            for q in (q05, q95):
                ax.axvline(q, color=MEAN_COLOUR, lw=1, ls="--")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, (top or 1.0) * 1.45)
        probability = not integer and lo >= 0 and hi <= 1
        ax.set_xlabel(_axis_label(path, short, probability))
        ax.set_ylabel("density")
        if integer:
            integer_ticks(ax.xaxis)
        spec = (cal.get("unknowns") or {}).get(path)
        text = f"mean {mean:.3g}\n90% interval {q05:.3g}–{q95:.3g}"
        if spec is not None:
            text += f"\nprior: {_prior_text(spec)}"
        ax.text(
            0.02, 0.97, text, transform=ax.transAxes, va="top", ha="left", fontsize=8.5, bbox=BOX
        )
    n_draws = len(next(iter(posterior.values())))
    handles = [
        Line2D([], [], color=PRIOR_COLOUR, lw=1.5, label="prior"),
        Patch(color=POSTERIOR_COLOUR, alpha=0.55, label=f"posterior ({n_draws:,} accepted draws)"),
        Line2D([], [], color=MEAN_COLOUR, lw=1.6, label="posterior mean"),
        Line2D([], [], color=MEAN_COLOUR, lw=1, ls="--", label="posterior 90% interval"),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=2 if len(paths) == 1 else 4,
        fontsize=8.5,
        frameon=False,
    )
    fig.suptitle(f"{cal['scenario']}: what the report says about the unknowns\n{_acceptance(cal)}")
    return save(fig, folder / "calibration_posterior")


def draw_pairs(
    cal: dict, posterior: dict[str, np.ndarray], prior: dict[str, np.ndarray], folder: Path
) -> list[Path]:
    """Pair plot of the accepted draws: histograms on the diagonal, pairs below."""
    paths = list(posterior)
    n = len(paths)
    short = short_names(paths)
    draws = {p: np.asarray(posterior[p], dtype=float) for p in paths}
    limits, integer = {}, {}
    for p in paths:
        pri = np.asarray(prior.get(p, []), dtype=float)
        integer[p] = _is_integer(np.concatenate([draws[p], pri]))
        limits[p] = _support(p, cal, pri, draws[p], unit=False)
    size = max(2.3, min(3.2, 9.0 / n))
    fig, axes = plt.subplots(
        n, n, figsize=(size * n + 0.8, size * n + 0.9), layout="constrained", squeeze=False
    )
    rng = np.random.default_rng(0)
    m = len(draws[paths[0]])
    keep = rng.choice(m, MAX_PAIR_POINTS, replace=False) if m > MAX_PAIR_POINTS else slice(None)
    hexes: list[Any] = []  # the hexbin panels share one colour scale and its colourbar
    for i, py in enumerate(paths):
        for j, px in enumerate(paths):
            ax = axes[i, j]
            ax.spines[["top", "right"]].set_visible(False)
            if j > i:
                ax.axis("off")
                if m > 2 and np.std(draws[px]) > 0 and np.std(draws[py]) > 0:
                    r = float(np.corrcoef(draws[px], draws[py])[0, 1])
                    ax.text(
                        0.5,
                        0.5,
                        f"r = {r:+.2f}",
                        transform=ax.transAxes,
                        ha="center",
                        va="center",
                        fontsize=11,
                        color="0.25",
                    )
                continue
            if i == j:
                pri = np.asarray(prior.get(px, []), dtype=float)
                bins = _bins(*limits[px], integer[px], [pri, draws[px]])
                if len(pri):
                    ax.hist(
                        pri,
                        bins=bins,
                        density=True,
                        histtype="step",
                        color=PRIOR_COLOUR,
                        lw=1.2,
                        zorder=3,
                    )
                ax.hist(draws[px], bins=bins, density=True, color=POSTERIOR_COLOUR, alpha=0.6)
                ax.set_yticks([])
                ax.set_xlim(limits[px])
            else:
                x, y = draws[px][keep], draws[py][keep]
                if integer[px] or integer[py] or len(x) < 300:
                    if integer[px]:
                        x = x + rng.uniform(-0.3, 0.3, len(x))
                    if integer[py]:
                        y = y + rng.uniform(-0.3, 0.3, len(y))
                    ax.scatter(x, y, s=4, color=POSTERIOR_COLOUR, alpha=0.35, lw=0)
                else:
                    (x0, x1), (y0, y1) = limits[px], limits[py]
                    hexes.append(
                        ax.hexbin(
                            x,
                            y,
                            gridsize=22,
                            extent=(x0, x1, y0, y1),
                            cmap="Blues",
                            mincnt=1,
                            linewidths=0.2,
                        )
                    )
                ax.set_xlim(limits[px])
                ax.set_ylim(limits[py])
            if i == n - 1:
                ax.set_xlabel(short[px], fontsize=9)
            else:
                ax.tick_params(labelbottom=False)
            if j == 0 and i > 0:
                ax.set_ylabel(short[py], fontsize=9)
            elif j > 0 and i != j:
                ax.tick_params(labelleft=False)
            for p, axis in ((px, ax.xaxis), (py, ax.yaxis)):
                if integer[p] and not (axis is ax.yaxis and i == j):
                    axis.get_major_locator().set_params(integer=True)
    axes[0, 0].set_ylabel(short[paths[0]], fontsize=9)
    if hexes:
        top = max(float(np.max(h.get_array())) for h in hexes)
        for h in hexes:
            h.set_clim(1, top)
        fig.colorbar(
            hexes[0], ax=axes[:, -1], shrink=0.6, label="accepted draws per hexagon", pad=0.02
        )
    fig.suptitle(
        f"{cal['scenario']}: accepted draws of the unknowns, pair by pair\n{_acceptance(cal)}"
    )
    legend = [
        Patch(color=POSTERIOR_COLOUR, alpha=0.6, label="posterior (accepted draws)"),
        Patch(facecolor="none", edgecolor=PRIOR_COLOUR, label="prior"),
    ]
    axes[0, n - 1].legend(handles=legend, loc="upper right", fontsize=8, frameon=False)
    names = [f"{short[p]} = {p}" for p in paths if short[p] != p]
    note = "axes span each prior's range; r: correlation of the accepted draws"
    footnote(fig, note + ("\n" + ";   ".join(names) if names else ""))
    return save(fig, folder / "calibration_pairs")


# -- posterior predictive -------------------------------------------------------------------


def _histogram(metric: dict) -> tuple[np.ndarray, np.ndarray]:
    hist = metric.get("histogram") or {}
    values = np.array([float(k) for k in hist], dtype=float)
    counts = np.array(list(hist.values()), dtype=float)
    order = np.argsort(values)
    total = counts.sum() or 1.0
    return values[order], counts[order] / total


def _stats(m: dict, ratio: bool) -> str:
    if not m or not m.get("n") or m.get("mean") is None:
        return "no data"

    def show(v: float) -> str:
        return f"{v:.2f}" if ratio else _number(v)

    lo, hi = show(m["p05"]), show(m["p95"])
    return f"mean {m['mean']:.2f}\n90% interval " + (lo if lo == hi else f"{lo}–{hi}")


def report_window(spec: dict, integer: bool) -> tuple[float, float]:
    """The values the report allows, as an interval (ends may be infinite).

    For an integer metric the interval runs half a unit beyond the first and last allowed
    whole numbers, so that it covers their bars.
    """
    lo, hi = -math.inf, math.inf
    for op, value in spec.items():
        if op == "between":
            lo, hi = max(lo, float(value[0])), min(hi, float(value[1]))
            continue
        v = float(value)
        if op == "equals":
            lo, hi = max(lo, v), min(hi, v)
        elif op in ("at_least", "greater_than"):
            lo = max(lo, math.floor(v) + 1 if integer and op == "greater_than" else v)
        elif op in ("at_most", "less_than"):
            hi = min(hi, math.ceil(v) - 1 if integer and op == "less_than" else v)
    if integer:
        lo = math.ceil(lo) - 0.5 if math.isfinite(lo) else lo
        hi = math.floor(hi) + 0.5 if math.isfinite(hi) else hi
    return lo, hi


def _predictive_panel(
    ax: Axes, name: str, m: dict, spec: dict | None, colour: str
) -> tuple[Axes, Text, float]:
    """One metric's predictive distribution; the panel, its text box and its tallest bar."""
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ratio = name in RATIO_NAMES  # drawn on a 0-1 axis
    values, shares = _histogram(m or {})
    ok = _report_holds(spec, values) if spec else np.ones(len(values), dtype=bool)
    light: dict[str, Any] = {"color": colour, "alpha": 0.28}
    if ratio:
        edges = np.linspace(0, 1, 21)
        left, width = edges[:-1], np.diff(edges)
        ax.set_xlabel(axis_label(name))
    elif len(values) and values.max() > WIDE:
        step = math.ceil((values.max() + 1) / 30)  # whole numbers per bar
        edges = np.arange(0, values.max() + step + 1, step, dtype=float)
        left, width = edges[:-1] - 0.5, np.diff(edges)
        ax.set_xlabel("number per attack")
    else:
        edges = None
        ax.set_xlabel("number per attack")
    if edges is None:  # one bar per value
        ax.bar(values[ok], shares[ok], width=0.8, color=colour, zorder=2)
        ax.bar(values[~ok], shares[~ok], width=0.8, zorder=2, **light)
        integer_ticks(ax.xaxis)
    else:
        inside, _ = np.histogram(values[ok], bins=edges, weights=shares[ok])
        outside, _ = np.histogram(values[~ok], bins=edges, weights=shares[~ok])
        kw: dict[str, Any] = {
            "width": width,
            "align": "edge",
            "edgecolor": "white",
            "lw": 0.4,
            "zorder": 2,
        }
        ax.bar(left, inside, color=colour, **kw)
        ax.bar(left, outside, bottom=inside, **light, **kw)
        highest = float((inside + outside).max()) if len(inside) else 0.0
    if not len(values):
        note = "undefined in every simulated attack"
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", color="0.4")
    span = [float(values.min()), float(values.max())] if len(values) else [0.0, 1.0]
    text = _stats(m, ratio)
    if spec:
        lo, hi = report_window(spec, integer=not ratio)
        span += [x for x in (lo, hi) if math.isfinite(x)]
        share = float(shares[ok].sum()) if len(shares) else 0.0
        text = f"report: {report_text(spec)}\nP(report holds) = {share:.0%}\n" + text
    if ratio:
        ax.set_xlim(0, 1)
    else:
        ax.set_xlim(max(min(span) - 0.6, -0.7), max(span) + 0.6)
    if spec and lo <= hi:
        x0, x1 = ax.get_xlim()
        ax.axvspan(max(lo, x0), min(hi, x1), color=REPORT_COLOUR, lw=0, zorder=0)
    # the tallest bar: a value's share, or a bin's sum of shares when values are binned
    if edges is None:
        highest = float(shares.max()) if len(shares) else 0.0
    top = max(highest, 0.05) * 1.5
    ax.set_ylim(0, top)
    ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= min(1.0, top)])
    ax.set_ylabel("share of simulated attacks")
    ax.set_title(METRIC_TITLES.get(name, name), loc="left", fontsize=11)
    box = ax.text(
        0.98,
        0.97,
        text,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8.5,
        bbox=BOX,
        zorder=5,
    )
    return ax, box, highest


def draw_predictive(cal: dict, folder: Path) -> list[Path]:
    """Posterior predictive distributions, with the report's values highlighted."""
    predictive = cal.get("predictive") or {}
    evidence = cal.get("evidence") or {}
    names = [m for m in PREDICTIVE_METRICS if m in predictive]
    names += [m for m in evidence if m not in names]
    if not names:
        return []
    ncols = min(len(names), 3)
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.5 * ncols + 0.6, 3.5 * nrows + 1.3),
        layout="constrained",
        squeeze=False,
    )
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    others = 0
    boxes: list[tuple[Axes, Text, float]] = []
    for ax, name in zip(axes.flat, names, strict=False):
        if name in PANEL_COLOURS:
            colour = PANEL_COLOURS[name]
        else:
            colour, others = type_colour(others), others + 1
        if name not in predictive:
            ax.axis("off")
            ax.set_title(name, loc="left", fontsize=11)
            ax.text(
                0.5,
                0.5,
                f"report: {report_text(evidence[name])}\n(no predictive distribution)",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=9,
            )
            continue
        boxes.append(_predictive_panel(ax, name, predictive[name], evidence.get(name), colour))
    runs = cal.get("predictive_runs") or max((m.get("n") or 0) for m in predictive.values())
    fig.suptitle(
        f"{cal['scenario']}: the next attack of the same kind, given the report\n"
        f"posterior predictive, {runs:,} simulated attacks at the accepted draws"
    )
    footnote(
        fig,
        "on panels with a report: shaded background and full bars = values the report allows, "
        "pale bars = values it rules out",
    )
    clear_of_text(fig, boxes)
    return save(fig, folder / "calibration_predictive")


def draw_calibration_figures(
    cal: dict, posterior: dict[str, np.ndarray], prior: dict[str, np.ndarray], folder: Path
) -> list[Path]:
    """All figures of a calibration (PNG and SVG in ``folder``); the files written."""
    written: list[Path] = []
    drawn = {p: x for p, x in posterior.items() if len(np.asarray(x))}
    if drawn:
        written += draw_posterior(cal, drawn, prior, folder)
        if len(drawn) >= 2:
            written += draw_pairs(cal, drawn, prior, folder)
    written += draw_predictive(cal, folder)
    return written
