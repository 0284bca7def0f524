"""The figures of a campaign, drawn from its summary.json alone.

- ``campaign_stock``: each stocked battery's stock at the end of each day (median and 90%
  band over the campaign replications), resupply days marked;
- ``campaign_cumulative``: cumulative leakers and casualties over the days;
- ``campaign_stockout``: P(the stock has run out by day d), per battery;
- ``campaign_cost_exchange``: the distribution of the cost-exchange ratio (with costs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.plots.style import BATTERY_PALETTE, CATEGORY_COLOURS, new_figure, plt, save


def _day_axis(summary: dict) -> str:
    start = summary.get("start")
    return f"day of the campaign (day 0 = {start})" if start else "day of the campaign"


def _band(ax: plt.Axes, series: dict, colour: str, label: str) -> None:
    """Median line and 90% band (5% to 95%) of a per-day series; the mean dashed."""
    days = np.arange(len(series["p50"]))
    ax.fill_between(
        days,
        series["p05"],
        series["p95"],
        color=colour,
        alpha=0.2,
        step="post",
        label=f"{label}: 90% of campaigns",
    )
    ax.step(days, series["p50"], where="post", color=colour, lw=2, label=f"{label}: median")
    ax.step(days, series["mean"], where="post", color=colour, lw=1, ls="--", label=f"{label}: mean")


def draw_stock(summary: dict, out_dir: Path) -> list[Path]:
    """Stock per battery over the days, resupply marked."""
    stocks = summary["stock"]
    fig, axes = plt.subplots(
        len(stocks), 1, figsize=(10, 2.2 + 2.3 * len(stocks)), layout="constrained", squeeze=False
    )
    runs = summary["runs"]
    for k, (battery, stock) in enumerate(stocks.items()):
        ax = axes[k, 0]
        colour = BATTERY_PALETTE[k % len(BATTERY_PALETTE)]
        _band(ax, summary["per_day"][f"stock.{battery}"], colour, battery)
        r = stock.get("resupply")
        if r:
            t = r["every_days"]
            first = True
            while t < summary["days"]:
                ax.axvline(
                    t,
                    color="0.4",
                    lw=0.8,
                    ls=":",
                    label=f"resupply: +{r['interceptors']}" if first else None,
                )
                first, t = False, t + r["every_days"]
        ax.set_ylim(bottom=0)
        ax.set_ylabel("interceptors in stock\n(end of day)")
        ax.set_title(f"{battery}: start {stock['initial']}", loc="left", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes[-1, 0].set_xlabel(_day_axis(summary))
    fig.suptitle(f"{summary['campaign']}: interceptor stock over the campaign ({runs:,} campaigns)")
    return save(fig, out_dir / "campaign_stock")


def draw_cumulative(summary: dict, out_dir: Path) -> list[Path]:
    """Cumulative leakers and casualties over the days."""
    fig, axes = plt.subplots(2, 1, figsize=(8, 6.5), layout="constrained", sharex=True)
    for ax, name, colour, unit in (
        (axes[0], "leaked", "#e66101", "leakers (threats not intercepted)"),
        (axes[1], "casualties", CATEGORY_COLOURS["casualties"], "casualties (people)"),
    ):
        _band(ax, summary["per_day"][name], colour, name)
        ax.set_ylabel(f"cumulative {unit}")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    axes[1].set_xlabel(_day_axis(summary))
    fig.suptitle(
        f"{summary['campaign']}: cumulative leakers and casualties ({summary['runs']:,} campaigns)"
    )
    return save(fig, out_dir / "campaign_cumulative")


def stockout_by_day(summary: dict, battery: str) -> np.ndarray:
    """P(the battery's stock has run out by the end of day d), d = 0, 1, ..."""
    n_days = len(summary["per_day"][f"stock.{battery}"]["p50"])
    hist = summary["metrics"][f"stockout_day.{battery}"].get("histogram") or {}
    counts = np.zeros(n_days)
    for value, count in hist.items():
        counts[min(n_days - 1, int(float(value)))] += count
    return np.cumsum(counts) / max(1, summary["runs"])


def draw_stockout(summary: dict, out_dir: Path) -> list[Path]:
    """P(stock-out by day d) per battery."""
    fig, ax = new_figure(8, 4.5)
    for k, battery in enumerate(summary["stock"]):
        p = stockout_by_day(summary, battery)
        ax.step(
            np.arange(len(p)),
            p,
            where="post",
            lw=2,
            color=BATTERY_PALETTE[k % len(BATTERY_PALETTE)],
            label=f"{battery} (by the end: {p[-1]:.0%})",
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(_day_axis(summary))
    ax.set_ylabel("P(stock has run out by this day)")
    ax.set_title(f"{summary['campaign']}: when the stock runs out ({summary['runs']:,} campaigns)")
    ax.legend(frameon=False, loc="center right")
    return save(fig, out_dir / "campaign_stockout")


def draw_cost_exchange(summary: dict, out_dir: Path) -> list[Path]:
    """Distribution of the cost-exchange ratio (defender's cost / attacker's cost)."""
    m = summary["metrics"]["cost_exchange"]
    hist = m.get("histogram") or {}
    fig, ax = new_figure(8, 4.5)
    if hist:
        values = np.array([float(v) for v in hist])
        weights = np.array(list(hist.values()), dtype=float)
        ax.hist(values, bins=40, weights=weights / weights.sum(), color="#6a3d9a", alpha=0.8)
        ax.axvline(m["p50"], color="k", lw=1.5, label=f"median {m['p50']:.3g}")
        ax.axvline(1.0, color="0.5", lw=1, ls=":", label="break-even (1)")
        ax.legend(frameon=False)
    ax.set_xlabel("cost-exchange ratio (defender's cost / attacker's cost)")
    ax.set_ylabel("share of campaigns")
    ax.set_title(f"{summary['campaign']}: cost exchange over the campaign ({m['n']:,} campaigns)")
    return save(fig, out_dir / "campaign_cost_exchange")


def draw_campaign_figures(summary: dict, out_dir: Path) -> list[Path]:
    """Every figure of a campaign."""
    files = draw_cumulative(summary, out_dir)
    if summary["stock"]:
        files += draw_stock(summary, out_dir) + draw_stockout(summary, out_dir)
    if "cost_exchange" in summary["metrics"]:
        files += draw_cost_exchange(summary, out_dir)
    return files


def _wilson(p: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's 95% interval of proportions ``p`` from ``n`` trials (not empty at 0 or 1)."""
    n = np.maximum(n, 1)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def draw_campaign_sweep(doc: dict, out_dir: Path) -> list[Path]:
    """A campaign sweep: P(no stock-out) against the swept initial stock, with the
    interceptors needed for the target marked; else mean leakers against the first path."""
    from sim.studies.campaign_sweep import no_stockout

    files: list[Path] = []
    points = doc["points"]
    for k, (battery, need) in enumerate(doc.get("needed", {}).items()):
        path = f"campaign.stock.{battery}.initial"
        xs = np.array([p["values"][path] for p in points])
        ps = np.array([no_stockout(p, battery)[0] for p in points])
        ns = np.array([p["metrics"][f"stockout.{battery}"]["n"] for p in points])
        lo, hi = _wilson(ps, ns)
        order = np.argsort(xs)
        fig, ax = new_figure(8, 4.5)
        colour = BATTERY_PALETTE[k % len(BATTERY_PALETTE)]
        ax.errorbar(
            xs[order],
            ps[order],
            yerr=np.maximum(0.0, [(ps - lo)[order], (hi - ps)[order]]),
            color=colour,
            marker="o",
            capsize=3,
            label="P(stock lasts the campaign), 95% interval",
        )
        ax.axhline(need["target"], color="0.4", ls=":", label=f"target {need['target']:.0%}")
        if need["initial"] is not None:
            ax.axvline(
                need["initial"],
                color="k",
                lw=1,
                label=f"needed: {need['initial']:g} interceptors at the start",
            )
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"initial stock of {battery} (interceptors)")
        ax.set_ylabel("share of campaigns without a stock-out")
        ax.set_title(
            f"{doc['campaign']}\n{battery}: interceptors needed at the start "
            f"({doc['runs']:,} campaigns per point)"
        )
        ax.legend(frameon=False, loc="lower right")
        files += save(fig, out_dir / f"campaign_sweep_stock_{battery}")
    if not files:
        path = doc["parameters"][0]
        xs = np.array([p["values"][path] for p in points])
        m = [p["metrics"]["leaked"] for p in points]
        fig, ax = new_figure(8, 4.5)
        ax.errorbar(
            xs,
            [x["mean"] for x in m],
            yerr=[(x["ci95"][1] - x["ci95"][0]) / 2 for x in m],
            marker="o",
            capsize=3,
        )
        ax.set_xlabel(path)
        ax.set_ylabel("leakers over the campaign (threats, mean and 95% CI)")
        ax.set_title(f"{doc['campaign']}: leakers as {path} varies")
        files += save(fig, out_dir / "campaign_sweep_leaked")
    return files
