"""What every command shares: output folders, progress bars and printing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from sim.io.errors import InputError

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

PROGRESS_FROM = 2000  # show a progress bar from this many replications on


def output_dir(name: str, out_opt: str | Path | None) -> Path:
    """``--out`` or ``results/<scenario name>/``; refuse an empty path or a file.

    (``OutputFolder`` checks the rest when it claims the folder, before any work.)
    """
    if out_opt is None:
        return Path("results") / name
    if not str(out_opt).strip():
        raise InputError(
            "--out", repr(str(out_opt)), "is empty; expected a folder (`--out .` for this one)"
        )
    path = Path(out_opt)
    if path.exists() and not path.is_dir():
        raise InputError("--out", str(path), "exists and is not a folder; expected a folder")
    return path


def set_quiet(quiet: bool) -> None:
    """``--quiet``: no progress bars, notes or tables; errors are still shown."""
    out.quiet = err.quiet = quiet


class RateColumn(ProgressColumn):
    """Work done per second, e.g. ``1,250/s``."""

    def render(self, task: Task) -> Text:
        """The rate, once there is one."""
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


@contextmanager
def progress_bar(total: int, label: str, show: bool) -> Iterator:
    """A progress bar on stderr, if it is a terminal; yields a function ``advance(n)``.

    Its columns say what they are: ``done 1,200/10,000  elapsed 0:00:03  remaining 0:00:21
    rate 400/s``."""
    if not show or total < PROGRESS_FROM or not err.is_terminal or err.quiet:
        yield lambda n: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("done"),
        MofNCompleteColumn(),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        TextColumn("remaining"),
        TimeRemainingColumn(),
        TextColumn("rate"),
        RateColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def kept(exc: BaseException, detail: str) -> None:
    """Say, on an interrupt on its way out, what was kept (the stop message ends with it)."""
    exc.detail = detail  # type: ignore[attr-defined]


def say(message: str) -> None:
    """A line for the user on stderr (stdout stays clean for --json)."""
    err.print(message, soft_wrap=True)


def interactive() -> bool:
    """Whether stderr is a terminal."""
    return sys.stderr.isatty()


def results_table(title: str, collapse_padding: bool = False) -> Table:
    """A table in the one style of adsim's printed results: title on the left, a rule under
    the header, no outer padding."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=collapse_padding,
    )


ResultsArg = Annotated[
    Path,
    typer.Argument(
        help="A results folder of `adsim run`, `sweep` or `calibrate`.",
        metavar="DIR",
        readable=False,
    ),
]


def must_be_results_folder(results: Path) -> None:
    """Refuse a DIR argument that is not a folder (before any work)."""
    if not results.is_dir():
        raise InputError(
            str(results),
            "",
            "is not a folder; expected a results folder written by `adsim run`, `sweep`, "
            "`calibrate`, `validate` or `campaign`",
        )
