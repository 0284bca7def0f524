"""``adsim report DIR``: the results folder as one self-contained HTML page."""

from __future__ import annotations

from sim.cli import command
from sim.cli.common import ResultsArg, must_be_results_folder, say
from sim.io.folders import OutputFolder

REPORT = "report.html"  # sim.report.REPORT (the package is imported when it is needed)


@command()
def report(
    results: ResultsArg,
) -> None:
    """Write DIR/report.html: the question, assumptions, results, figures and provenance."""
    must_be_results_folder(results)
    from sim.report import write_report

    with OutputFolder(results, None, (REPORT,), option=str(results), create=False) as stage:
        write_report(stage.folder, into=stage.stage)
        stage.commit()
    say(f"report: {results / REPORT} (one file: open it in a browser, or mail it)")
