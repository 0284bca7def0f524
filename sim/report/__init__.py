"""Reports: one self-contained HTML page per results folder, to read and to share.

``build_report(folder)`` reads a finished results folder of any registered kind (run,
sweep, calibration; others register in ``sim.report.kinds``) and returns its page as a
``Report``; ``write_report(folder)`` writes ``report.html`` into it.
"""

from __future__ import annotations

from pathlib import Path

from sim.report.content import Report
from sim.report.kinds import KINDS, kind_of, register
from sim.report.render import render

REPORT = "report.html"


def build_report(folder: Path) -> Report:
    """The report of a finished results folder."""
    return kind_of(folder).build(folder)


def report_html(folder: Path) -> str:
    """The HTML text of the report of a finished results folder."""
    return render(build_report(folder))


def write_report(folder: Path, into: Path | None = None) -> Path:
    """Write ``report.html`` of ``folder`` (into ``into``, a stage, if given)."""
    path = (into or folder) / REPORT
    path.write_text(report_html(folder), encoding="utf-8")
    return path


__all__ = ["KINDS", "REPORT", "Report", "build_report", "register", "report_html", "write_report"]
