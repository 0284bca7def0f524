"""Shared look of the figures: colours per threat type and per casualty category, saving.

Figures are drawn with matplotlib's Agg backend (files only, never a window) and saved as
PNG and SVG side by side.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
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
BATTERY_PALETTE = ["#2c7fb8", "#41b6c4", "#253494", "#7fcdbb", "#081d58"]


def integer_ticks(axis: Axis) -> None:
    """Ticks at whole numbers only, on an axis of counts (matplotlib's default locator is a
    ``MaxNLocator``; its other settings are kept)."""
    locator = axis.get_major_locator()
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)


def type_colour(index: int) -> str:
    """Colour of the threat type with this index (file order)."""
    return TYPE_PALETTE[index % len(TYPE_PALETTE)]


def new_figure(width: float = 7.5, height: float = 4.5) -> tuple[Figure, plt.Axes]:
    """A figure with one axes and the house style."""
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def save(fig: Figure, stem: Path) -> list[Path]:
    """Save as ``stem.png`` and ``stem.svg``; close the figure."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=150)
    fig.savefig(paths[1])
    plt.close(fig)
    return paths
