"""What a report holds, as plain data: the question, tables, figures and provenance.

Each kind of results folder (``sim.report.kinds``) turns its documents into a ``Report``;
``sim.report.render`` turns any ``Report`` into one HTML file. Figures are the SVG files
adsim drew into the folder's ``figures/``, put inline (their ids made unique per figure,
their XML prologue and metadata dropped), so the page needs nothing but itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TableData:
    """A table: a title, column names and rows of already formatted cells."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    text_columns: int = 1  # the leading columns that hold words (left-aligned), not numbers


@dataclass(frozen=True)
class FigureData:
    """A figure: its file name, a sentence saying what it shows, and its inline SVG."""

    name: str
    caption: str
    svg: str


@dataclass
class Report:
    """Everything one report page shows."""

    kind: str  # run, sweep, calibration, ...
    title: str
    question: str
    description: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)  # short "label: value" lines
    tables: list[TableData] = field(default_factory=list)
    figures: list[FigureData] = field(default_factory=list)
    scenario_yaml: str = ""
    # further input files shown with the scenario, by name (a validation's events and their
    # scenarios, a campaign's file): (name, text)
    inputs: list[tuple[str, str]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def inline_svg(text: str, prefix: str) -> str:
    """An SVG file's text as an element to put inside HTML: no XML prologue or DOCTYPE,
    no metadata, ids (and the references to them) prefixed so that figures on one page do
    not share ids, and sized by the page's CSS."""
    text = _PROLOGUE.sub("", text, count=1)
    text = _METADATA.sub("", text)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    return re.sub(r"<svg\b", '<svg role="img"', text, count=1)


def figures(folder: Path, captions: list[tuple[str, str]]) -> list[FigureData]:
    """The SVG figures in ``folder/figures``, in the order of ``captions`` (file-name
    prefix, sentence), then any others by name with a plain caption."""
    files = sorted((folder / "figures").glob("*.svg"))
    order = {name: k for k, (name, _) in enumerate(captions)}

    def rank(p: Path) -> tuple[int, str]:
        hits = [order[name] for name in order if p.stem.startswith(name)]
        return (min(hits) if hits else len(order), p.stem)

    found = []
    for k, path in enumerate(sorted(files, key=rank)):
        caption = next(
            (text for name, text in captions if path.stem.startswith(name)),
            f"The figure {path.name}.",
        )
        svg = inline_svg(path.read_text(encoding="utf-8"), f"f{k}")
        found.append(FigureData(path.name, caption.format(stem=path.stem), svg))
    return found
