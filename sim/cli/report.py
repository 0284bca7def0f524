"""``adsim report DIR``: the results folder as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli import command
from sim.cli.common import say
from sim.io.errors import InputError
from sim.io.folders import OutputFolder

REPORT = "report.html"  # sim.report.REPORT (the package is imported when it is needed)
WRITERS = "`adsim run`, `sweep`, `calibrate`, `validate` or `campaign`"
FolderArg = Annotated[
    Path,
    typer.Argument(
        help="A results folder of adsim run, sweep, calibrate, validate or campaign.",
        metavar="DIR",
        readable=False,
    ),
]


@command()
def report(
    results: FolderArg,
) -> None:
    """Write DIR/report.html: the question, assumptions, results, figures and provenance."""
    if not results.is_dir():
        raise InputError(
            str(results), "", f"is not a folder; expected a results folder written by {WRITERS}"
        )
    from sim.report import write_report

    with OutputFolder(results, None, (REPORT,), option=str(results), create=False) as stage:
        write_report(stage.folder, into=stage.stage)
        stage.commit()
    say(f"report: {results / REPORT} (one file: open it in a browser, or mail it)")
