"""The what-if page's live figures: distributions that fill in as replications arrive.

Three Bokeh figures, drawn in the browser and fed new data on each refresh of the page (a
few numbers per bar or line, and only the new impact points), so a run of thousands of
replications can be watched without redrawing images:

- threats getting through per attack (the share of attacks by leakers, overall and per
  threat type);
- people hurt per attack, as the chance that an attack hurts at least N people, for killed,
  wounded, TBI and all casualties (a log scale: the tail stays visible, and the share of
  attacks that hurt nobody is where each line starts, at 1 minus that share);
- the impact map: the base's zones and where the leakers (and debris) landed so far.

They are previews; when the run ends the page shows the run's own figures (those of
``adsim run``), drawn from the same replications.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bokeh.models import ColumnDataSource, DataRange1d, Text
from bokeh.models.annotations import Legend, LegendItem, Title
from bokeh.plotting import figure

from sim.app.job import CASUALTIES, Partial
from sim.model.scenario import Scenario
from sim.plots.style import CATEGORY_COLOURS, CATEGORY_LABELS, type_colours

HEIGHT = 300
MAP_HEIGHT = 380
DEBRIS_COLOUR = "#54278f"  # as on the impact map of ``adsim run``


def _shares(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each count from 0 to the largest seen, and its share of the replications."""
    if not len(values):
        return np.zeros(0), np.zeros(0)
    counts = np.bincount(values.astype(np.int64))
    return np.arange(len(counts), dtype=float), counts / len(values)


def _at_least(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For N = 1, 2, ...: the share of replications with a value of at least N (while it is
    above zero)."""
    if not len(values):
        return np.zeros(0), np.zeros(0)
    counts = np.bincount(values.astype(np.int64))
    tail = counts[::-1].cumsum()[::-1] / len(values)
    n = np.arange(len(counts), dtype=float)
    keep = (n >= 1) & (tail > 0)
    return n[keep], tail[keep]


def _title(text: str) -> Title:
    return Title(text=text, text_font_size="13px")


def _figure(title: Title, x_label: str, y_label: str, **kw: Any) -> figure:
    fig = figure(
        title=title,
        height=kw.pop("height", HEIGHT),
        sizing_mode="stretch_width",
        tools="",
        toolbar_location=None,
        **kw,
    )
    fig.xaxis.axis_label, fig.yaxis.axis_label = x_label, y_label
    fig.outline_line_color = None
    fig.xgrid.grid_line_color = None
    return fig


class LiveFigures:
    """The three live figures of one page, for one scenario's threat types and zones."""

    def __init__(self, s: Scenario) -> None:
        self.scenario = s
        self.types = list(s.threat_types)
        colours = type_colours(self.types)
        series = ["leaked"] + ([f"leaked.{t}" for t in self.types] if len(self.types) > 1 else [])
        width = 0.8 / len(series)
        self.offsets = {n: -0.4 + width / 2 + k * width for k, n in enumerate(series)}
        self.leakers_title = _title("threats getting through")
        self.leakers = _figure(
            self.leakers_title,
            "threats that leaked through in one attack (count)",
            "share of attacks",
            y_range=DataRange1d(start=0),
        )
        self.leak_sources = {n: ColumnDataSource({"x": [], "share": []}) for n in series}
        for n, source in self.leak_sources.items():
            name = n.partition(".")[2]
            self.leakers.vbar(
                x="x",
                top="share",
                width=width,
                source=source,
                color=colours[name] if name else "#404040",
                legend_label=name or "all threats",
            )
        self.leakers.yaxis.formatter.use_scientific = False  # type: ignore[attr-defined]
        self.leakers.legend.location = "top_right"
        self.leakers.legend.background_fill_alpha = 0.7

        self.hurt_title = _title("chance an attack hurts at least N people")
        self.hurt = _figure(
            self.hurt_title,
            "N, people hurt in one attack",
            "share of attacks (log)",
            y_axis_type="log",
        )
        self.hurt_sources = {c: ColumnDataSource({"n": [], "share": []}) for c in CASUALTIES}
        for c, source in self.hurt_sources.items():
            self.hurt.step(
                x="n",
                y="share",
                mode="before",
                source=source,
                line_width=2,
                color=CATEGORY_COLOURS[c],
                legend_label=CATEGORY_LABELS[c],
            )
        self.hurt.legend.location = "top_right"
        self.hurt.legend.background_fill_alpha = 0.7

        self.map = self._map(s, colours)
        self.streamed = 0

    def _map(self, s: Scenario, colours: dict[str, str]) -> figure:
        zones = s.base.zones
        cx, cy, w, h = self._zone_lists()
        self.bounds = ColumnDataSource(self._zone_bounds(cx, cy, w, h))
        self.map_title = _title("where they landed")
        fig = _figure(
            self.map_title,
            "x, east of the base centre (m)",
            "y, north of the base centre (m)",
            match_aspect=True,
            height=MAP_HEIGHT,
        )
        fig.xgrid.grid_line_color = "#e5e5e5"
        zone_source = ColumnDataSource({"x": cx, "y": cy, "w": w, "h": h})
        fig.rect(x="x", y="y", width="w", height="h", source=zone_source,
                 fill_color="#e5f5e0", line_color="#238b45", fill_alpha=0.6)  # fmt: skip
        bounds = fig.scatter(x="x", y="y", source=self.bounds, alpha=0, size=1)
        fig.x_range = DataRange1d(renderers=[bounds], range_padding=0.08)
        fig.y_range = DataRange1d(renderers=[bounds], range_padding=0.12)
        self.point_sources = {}
        items = []
        for t, name in enumerate(self.types):
            self.point_sources[float(t)] = ColumnDataSource({"x": [], "y": []})
            r = fig.scatter(x="x", y="y", source=self.point_sources[float(t)], size=4,
                            color=colours[name], alpha=0.6)  # fmt: skip
            items.append(LegendItem(label=name, renderers=[r]))  # type: ignore[list-item]
        self.debris = ColumnDataSource({"x": [], "y": []})
        debris = fig.scatter(x="x", y="y", source=self.debris, marker="x", size=6,
                             color=DEBRIS_COLOUR, alpha=0.7)  # fmt: skip
        self.debris_item = LegendItem(label="debris", renderers=[debris])  # type: ignore[list-item]
        # below the map, not on it: the base is what the figure is about
        self.map_legend = Legend(items=items, orientation="horizontal", border_line_alpha=0)
        fig.add_layout(self.map_legend, "below")
        # labels last: above the points, never hidden under them
        labels = [f"{n}\n{z.personnel.mean:,.0f} people" for n, z in zones.items()]
        tops = [y + hh / 2 for y, hh in zip(cy, h, strict=True)]
        label_source = ColumnDataSource({"x": cx, "y": tops, "text": labels})
        fig.add_glyph(label_source, Text(x="x", y="y", text="text", text_align="center",
                      text_baseline="bottom", text_font_size="10px", text_color="#00441b",
                      background_fill_color="white", background_fill_alpha=0.9,
                      border_line_color="#238b45"))  # fmt: skip
        return fig

    @staticmethod
    def _zone_bounds(cx: list, cy: list, w: list, h: list) -> dict[str, list[float]]:
        """Points the map's view must hold: the centre, the zones' corners, and room above the
        top zone for its label."""
        xs = [0.0] + [x + d * ww / 2 for x, ww in zip(cx, w, strict=True) for d in (-1, 1)]
        ys = [0.0] + [y + d * hh / 2 for y, hh in zip(cy, h, strict=True) for d in (-1, 1)]
        xs.append(0.0)
        ys.append(max(ys) + 0.2 * max(max(ys) - min(ys), max(xs) - min(xs), 100) / 2)
        return {"x": xs, "y": ys}

    @property
    def figures(self) -> list[figure]:
        """The figures, in the page's order."""
        return [self.leakers, self.hurt, self.map]

    def update(self, partial: Partial) -> None:
        """Show the replications received so far."""
        self.leakers_title.text = f"threats getting through: {partial.runs:,} attacks"
        for n, source in self.leak_sources.items():
            x, share = _shares(partial.columns.get(n, np.zeros(0)))
            source.data = {"x": x + self.offsets[n], "share": share}
        for c, source in self.hurt_sources.items():
            n_, share = _at_least(partial.columns.get(c, np.zeros(0)))
            source.data = {"n": n_, "share": share}
        self._update_map(partial.impacts)

    def _update_map(self, impacts: np.ndarray) -> None:
        new = impacts[self.streamed :]
        if not len(new):
            return
        self.streamed = len(impacts)
        debris = new[:, 4] > 0
        for t, source in self.point_sources.items():
            pts = new[(new[:, 1] == t) & ~debris]
            if len(pts):
                source.stream({"x": pts[:, 2], "y": pts[:, 3]})
        if debris.any():
            self.debris.stream({"x": new[debris, 2], "y": new[debris, 3]})
            if self.debris_item not in self.map_legend.items:
                self.map_legend.items = [*self.map_legend.items, self.debris_item]
        # the view holds the zones and the middle 98% of the points (as ``adsim run``'s map)
        zones = self._zone_bounds(*self._zone_lists())
        xs = [*zones["x"], *np.percentile(impacts[:, 2], [1, 99])]
        ys = [*np.percentile(impacts[:, 3], [1, 99]), *zones["y"]]
        ys[-1] = max(ys[-1], ys[1] + (ys[-1] - max(zones["y"][:-1])))  # label room above all
        self.bounds.data = {"x": xs, "y": ys}
        self.map_title.text = f"where they landed: {len(impacts):,} impacts"

    def _zone_lists(self) -> tuple[list, list, list, list]:
        zones = self.scenario.base.zones.values()
        return (
            [z.center_m[0] for z in zones],
            [z.center_m[1] for z in zones],
            [z.size_m[0] for z in zones],
            [z.size_m[1] for z in zones],
        )
