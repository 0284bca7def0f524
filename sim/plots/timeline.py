"""The timeline of one replication: one row per threat, from launch to its end.

Each row runs from the threat's launch to its intercept or impact; markers show when it was
detected, when interceptors were fired at it (coloured by battery), misses, the kill and the
impact; and, where the defence really fails, threats a battery ignored (predicted outside
its defended zones), kill assessment errors, interceptors fired at dead threats and debris
impacts. The alarm is a vertical line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.lines import Line2D

from sim.model.scenario import Scenario
from sim.plots.style import battery_colours, new_figure, save, type_colours

if TYPE_CHECKING:  # a trace is a list of the engine's records; figures only read them
    from sim.engine.trace import TraceEvent

MARKERS: dict[str, dict[str, Any]] = {
    "detect": {"marker": "v", "color": "#555555", "s": 30, "label": "detected"},
    "intercept": {"marker": "X", "color": "#1a9850", "s": 70, "label": "killed (intercept)"},
    "miss": {
        "marker": "o",
        "facecolors": "none",
        "edgecolors": "#984ea3",
        "s": 40,
        "label": "miss",
    },
    "impact": {"marker": "*", "color": "#d73027", "s": 110, "label": "impact (leaked)"},
    "gave up": {"marker": "|", "color": "#999999", "s": 60, "label": "no channel in time"},
    "undetected": {"marker": "x", "color": "#999999", "s": 30, "label": "not detected in time"},
    "ignored": {
        "marker": "s",
        "facecolors": "none",
        "edgecolors": "#2171b5",
        "s": 36,
        "label": "not engaged: predicted outside defended zones",
    },
    "misjudged": {"marker": "d", "color": "#000000", "s": 30, "label": "kill assessment error"},
    "wasted": {"marker": "X", "color": "#fdae61", "s": 60, "label": "fired at a dead threat"},
    "debris": {"marker": "x", "color": "#54278f", "s": 50, "label": "debris impact"},
}


def draw_timeline(log: Sequence[TraceEvent], scenario: Scenario, out_stem: Path) -> list[Path]:
    """Timeline figure of one replication's event log (PNG and SVG at ``out_stem``)."""
    threats = sorted({e.threat for e in log if e.threat >= 0})
    kinds = {e.threat: e.type for e in log if e.threat >= 0}
    row = {t: r for r, t in enumerate(threats)}
    batteries = battery_colours(scenario.battery_names)
    colours = type_colours(scenario.threat_types)
    fig, ax = new_figure(9, max(3.0, 0.28 * len(threats) + 1.8))
    ax.grid(axis="x", alpha=0.3)
    start = {e.threat: e.time for e in log if e.kind == "launch" and e.threat >= 0}
    end = {e.threat: e.time for e in log if e.kind in ("intercept", "impact")}
    for t in threats:
        if t in start and t in end:
            ax.plot(
                [start[t], end[t]],
                [row[t], row[t]],
                color=colours.get(kinds[t], "0.5"),
                lw=2,
                alpha=0.6,
                solid_capstyle="butt",
            )
    names = list(batteries)
    lane = {b: 0.22 * (k + 1) / len(names) for k, b in enumerate(names)}
    seen: set[str] = set()
    for e in log:
        kind, t = e.kind, e.threat
        if kind == "fire" and t in row:
            # each battery's shots in a lane of their own just below the line, edged in
            # white: one battery's triangles never vanish on another's or on the line
            colour = batteries.get(e.battery, "k")
            ax.scatter(
                e.time,
                row[t] + lane.get(e.battery, 0.0),
                marker="^",
                s=32,
                color=colour,
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
            )
        elif kind in MARKERS and t in row:
            style = dict(MARKERS[kind])
            label = style.pop("label")
            ax.scatter(e.time, row[t], zorder=4, label=None if kind in seen else label, **style)
            seen.add(kind)
        elif kind == "alarm":
            ax.axvline(e.time, color="#ff7f00", ls="--", lw=1.2, label="alarm")
    for b, colour in batteries.items():
        ax.scatter([], [], marker="^", s=32, color=colour, label=f"fired by {b}")
    for name, colour in colours.items():
        ax.add_line(Line2D([], [], color=colour, lw=2, alpha=0.6, label=f"{name} in flight"))
    ax.set_yticks(range(len(threats)), [f"#{t} {kinds[t]}" for t in threats], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time from the start of the attack (s)")
    ax.set_ylabel("threat")
    ax.set_title(f"{scenario.name}: one simulated attack, threat by threat")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return save(fig, out_stem)
