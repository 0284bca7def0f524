"""The report pages of campaigns: months of attacks against a finite interceptor stock, and
sweeps of a campaign over its stock (or other campaign values)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.outcomes import metric
from sim.report.content import Report, TableData, figures
from sim.report.kinds import common, number, read_document, register

CAMPAIGN_FIGURES = [
    (
        "campaign_stock",
        "Each stocked battery's interceptors left at the end of each day (median and the "
        "band where 90% of campaigns fall), resupply days marked: when the stock runs low.",
    ),
    (
        "campaign_cumulative",
        "Threats that got through and people hurt, added up day by day over the campaign.",
    ),
    (
        "campaign_stockout",
        "The share of campaigns in which each battery has run out of interceptors by each day.",
    ),
    (
        "campaign_cost_exchange",
        "What the defence spent on interceptors for each unit the attacker spent on "
        "threats, over whole campaigns.",
    ),
]
SWEEP_FIGURES = [
    (
        "campaign_sweep_stock",
        "The share of campaigns in which the stock lasts to the end, against the initial "
        "stock, with the target and the interceptors needed for it marked.",
    ),
    (
        "campaign_sweep_leaked",
        "Threats that got through over the campaign (mean and 95% CI) against the varied value.",
    ),
]
# What a campaign metric is (by the part of its name before the first dot).
MEANINGS = {
    "attacks": "attacks over the campaign",
    "leaked": "threats that got through, over the campaign",
    "interceptors": "interceptors fired, over the campaign",
    "casualties": "people killed, wounded or concussed, over the campaign",
    "intercepted_fraction": "share of the threats engaged that were intercepted",
    "stockout": "stock ran out (1) or not (0): the mean is the share of campaigns",
    "stockout_day": "day the stock ran out, in the campaigns where it did",
    "stock_left": "interceptors left at the end",
    "cost": "spent over the campaign",
    "cost_exchange": "defence spending per unit of attack spending",
}
MAIN = ("attacks", "leaked", "interceptors", "casualties", "intercepted_fraction")


def _meaning(name: str) -> str:
    base, _, rest = name.partition(".")
    if base == "cost":
        return f"{rest} {MEANINGS['cost']}"
    text = MEANINGS.get(base, "")
    if not text:
        try:
            text = f"{metric(base).label}, over the campaign"
        except KeyError:
            return ""
    return f"{text} ({rest})" if rest else text


def campaign_table(title: str, metrics: dict[str, dict], names: list[str], note: str) -> TableData:
    """One row per campaign metric: its meaning, mean with its 95% CI and percentiles."""
    rows = []
    for name in names:
        m = metrics.get(name) or {}
        if not m.get("n"):
            rows.append([name, _meaning(name), "undefined", "", "", "", ""])
            continue
        lo, hi = m.get("ci95") or (None, None)
        ci = f"{number(lo, True)} – {number(hi, True)}" if lo is not None else ""
        rows.append(
            [name, _meaning(name), number(m.get("mean"), True), ci]
            + [number(m.get(k), True) for k in ("p05", "p50", "p95")]
        )
    columns = ["metric", "what it is", "mean", "95% CI of the mean", "p05", "median", "p95"]
    return TableData(title, columns, rows, note, text_columns=2)


def _text(folder: Path, name: str) -> str:
    try:
        return (folder / name).read_text(encoding="utf-8")
    except OSError:
        return ""


@register("campaign", "campaigns.parquet")
def campaign_report(folder: Path) -> Report:
    """A campaign: stock, leakers, casualties and costs over months of attacks."""
    doc = read_document(folder, "summary.json")
    name = str(doc.get("campaign", folder.name))
    days = doc.get("days")
    report = common(
        doc,
        folder,
        "campaign",
        f"{name}: {number(doc.get('runs'))} campaigns of {number(days)} days",
        f"Over {number(days)} days of attacks like these, against a finite stock of "
        "interceptors with its resupply, does the stock last, how many threats get through "
        "and how many people are hurt?",
    )
    report.scenario_yaml = ""
    report.inputs = [("campaign.yaml", text)] if (text := _text(folder, "campaign.yaml")) else []
    report.facts = [
        ("campaigns", number(doc.get("runs"))),
        ("days", number(days)),
        ("first day", str(doc.get("start") or "—")),
        ("attacks played in all", number(doc.get("attacks_played"))),
        ("seed", str(doc.get("seed"))),
    ]
    kinds = doc.get("attack_kinds") or {}
    report.tables.append(
        TableData(
            "The attacks",
            ["kind", "scenario", "per day (Poisson)", "on days"],
            [
                [
                    str(k),
                    str(a.get("scenario")),
                    number(a.get("per_day"), True),
                    ", ".join(number(d) for d in a.get("on_days") or []) or "—",
                ]
                for k, a in kinds.items()
            ],
            text_columns=2,
        )
    )
    stock = doc.get("stock") or {}
    srows = []
    for b, st in stock.items():
        re = st.get("resupply") or {}
        every = (
            f"{number(re.get('interceptors'))} every {number(re.get('every_days'))} days"
            if re
            else "none"
        )
        srows.append([str(b), number(st.get("initial")), every])
    if srows:
        report.tables.append(
            TableData("The interceptor stock", ["battery", "at the start", "resupply"], srows)
        )
    metrics = doc.get("metrics") or {}
    main = [m for m in MAIN if m in metrics]
    rest = [m for m in metrics if m not in main]
    report.tables.append(
        campaign_table(
            "The main results, per campaign",
            metrics,
            main,
            "mean: the average over the simulated campaigns; p05 / p95: 9 campaigns in 10 "
            "fall between them.",
        )
    )
    if rest:
        report.tables.append(
            campaign_table("Stock, per attack kind and battery, and costs", metrics, rest, "")
        )
    report.figures = figures(folder, CAMPAIGN_FIGURES)
    return report


@register("campaign-sweep", "campaign-sweep.json")
def campaign_sweep_report(folder: Path) -> Report:
    """A campaign sweep: how the campaign's results move with its stock (or other values)."""
    doc = read_document(folder, "campaign-sweep.json")
    name = str(doc.get("campaign", folder.name))
    params = [str(p) for p in doc.get("parameters") or []]
    points = [p for p in doc.get("points") or [] if isinstance(p, dict)]
    report = common(
        doc,
        folder,
        "campaign-sweep",
        f"{name}: campaign sweep of {len(points)} points",
        f"How many interceptors must the campaign {name!r} start with for the stock to last, "
        "and how do its results move as " + ", ".join(params) + " change?",
    )
    report.facts = [
        ("points", number(len(points))),
        ("campaigns per point", number(doc.get("runs"))),
        ("seed", str(doc.get("seed"))),
    ]
    needed: dict[str, Any] = doc.get("needed") or {}
    for b, need in needed.items():
        value = (
            "not reached in the sweep"
            if need.get("initial") is None
            else number(need.get("initial"))
        )
        target = need.get("target")
        share = f"{target:.0%}" if isinstance(target, int | float) else "the target share of"
        report.facts.append((f"{b}: interceptors needed at the start for {share} of campaigns "
                             "without a stock-out", value))  # fmt: skip
    stocked = sorted(
        {
            k.split(".", 1)[1]
            for p in points
            for k in p.get("metrics", {})
            if k.startswith("stockout.")
        }
    )
    rows = []
    for p in points:
        values = p.get("values") or {}
        ms = p.get("metrics") or {}
        cells = [number(values.get(q), True) for q in params]
        cells.append(number((ms.get("leaked") or {}).get("mean"), True))
        for b in stocked:
            mean = (ms.get(f"stockout.{b}") or {}).get("mean")
            cells.append(number(None if mean is None else 1 - mean, True))
        rows.append(cells)
    columns = [*params, "leaked (mean)", *(f"P(no stock-out {b})" for b in stocked)]
    report.tables.append(
        TableData("The points", columns, rows, "Means over the campaigns of each point.", 0)
    )
    report.figures = figures(folder, SWEEP_FIGURES)
    report.inputs = [("campaign.yaml", text)] if (text := _text(folder, "campaign.yaml")) else []
    return report
