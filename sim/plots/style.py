"""Shared look of the figures: colours per threat type and per casualty category, saving.

Figures are drawn with matplotlib's Agg backend (files only, never a window) and saved as
PNG and SVG side by side.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["axes.axisbelow"] = True  # gridlines behind bars and points

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sim.outcomes import short_label  # noqa: E402

CATEGORY_COLOURS = {
    "killed": "#7f0000",
    "wounded": "#d7301f",
    "tbi": "#fc8d59",
    "casualties": "#525252",
}
CATEGORY_LABELS = {name: short_label(name) for name in CATEGORY_COLOURS}  # declared in sim.outcomes
TYPE_PALETTE = ["#1f78b4", "#e66101", "#33a02c", "#6a3d9a", "#b15928", "#a6cee3"]
# batteries in colours no threat type has (their shots are drawn on the types' lines)
BATTERY_PALETTE = ["#253494", "#41b6c4", "#c51b7d", "#7fcdbb", "#081d58"]


def integer_ticks(axis: Axis) -> None:
    """Ticks at whole numbers only, on an axis of counts (matplotlib's default locator is a
    ``MaxNLocator``; its other settings are kept)."""
    locator = axis.get_major_locator()
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)


def count_axis(axis: Axis, values: np.ndarray | Sequence[float]) -> None:
    """An axis of whole counts over ``values``: whole-number ticks, and at least one count
    of room either side (a single value is one bar among its neighbours, not a full-width
    bar with fractional ticks)."""
    axis.set_major_locator(MaxNLocator(integer=True))
    v = np.asarray(values, dtype=float)
    if v.size and v.max() - v.min() < 4:
        lo, hi = float(v.min()), float(v.max())
        span = (lo - 1.5 if lo < 0 else max(lo - 1.5, -0.6), hi + 1.5)
        if axis is axis.axes.xaxis:
            axis.axes.set_xlim(*span)
        else:
            axis.axes.set_ylim(*span)


def share_axis(ax: plt.Axes, top: float, room: float = 1.45) -> None:
    """A y axis of shares of attacks, in percent: ``room`` times the tallest bar high (space
    for the text boxes above the bars), ticks only up to 100%."""
    top = min(1.0, max(top, 1e-9))
    ax.set_ylim(0, top * room)
    ticks = [v for v in MaxNLocator(6).tick_values(0, top * room) if 0 <= v <= 1.0 + 1e-9]
    ax.set_yticks(ticks, [f"{v:.0%}" for v in ticks])


def clear_of_text(fig: Figure, boxes: list[tuple[plt.Axes, Text, float]]) -> None:
    """Raise each axes' y limit until its tallest bar (``highest``) ends below its text box.

    A text box in the upper corner takes a share of the axes that depends on its lines and
    the figure's size, so the room is measured after the layout, not guessed: a peak is
    never cut by the y limit nor hidden behind the box.
    """
    fig.draw_without_rendering()
    for ax, text, highest in boxes:
        patch = text.get_bbox_patch()
        box = (patch or text).get_window_extent().transformed(ax.transAxes.inverted())
        room = max(min(box.y0, 1.0) - 0.04, 0.3)  # share of the axes height below the box
        bottom, top = ax.get_ylim()
        if highest > bottom + room * (top - bottom):
            top = bottom + (highest - bottom) / room
            ax.set_ylim(bottom, top)
            ticks = [v for v in MaxNLocator(6).tick_values(bottom, top) if bottom <= v <= top]
            ax.set_yticks([v for v in ticks if v <= 1.0 + 1e-9] if top > 1 else ticks)


def type_colour(index: int) -> str:
    """Colour number ``index`` of the threat-type palette (for panels that are not types)."""
    return TYPE_PALETTE[index % len(TYPE_PALETTE)]


def colours_by_name(names: Sequence[str], palette: Sequence[str]) -> dict[str, str]:
    """A colour for each name that depends on the name, not on its place in a list.

    Each name takes the palette entry its CRC-32 points at, or the next free one if another
    name of the set has it (names taken in sorted order, so the set decides, not the file
    order); so a threat type or battery keeps its colour in every figure of a run, and
    mostly across runs and scenarios too.
    """
    taken: dict[str, str] = {}
    used: set[int] = set()
    for name in sorted(set(names)):
        k = zlib.crc32(name.encode()) % len(palette)
        if len(used) < len(palette):
            while k in used:
                k = (k + 1) % len(palette)
        used.add(k)
        taken[name] = palette[k]
    return taken


def type_colours(names: Sequence[str]) -> dict[str, str]:
    """The colour of each threat type, fixed by its name."""
    return colours_by_name(names, TYPE_PALETTE)


def battery_colours(names: Sequence[str]) -> dict[str, str]:
    """The colour of each battery, fixed by its name."""
    return colours_by_name(names, BATTERY_PALETTE)


def new_figure(width: float = 7.5, height: float = 4.5) -> tuple[Figure, plt.Axes]:
    """A figure with one axes and the house style."""
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def save(fig: Figure, stem: Path) -> list[Path]:
    """Save as ``stem.png`` and ``stem.svg``; close the figure.

    The SVG keeps the layout worked out for the PNG (the layout engine is switched off in
    between): the two files match to the pixel, and the SVG does not pay for a second
    constrained layout (a tenth of a run's figure time)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=150)
    fig.set_layout_engine("none")
    fig.savefig(paths[1])
    plt.close(fig)
    return paths
