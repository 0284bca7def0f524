"""What every command shares: output folders, progress bars and printing."""

from __future__ import annotations

import json
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

from sim.io.errors import InputError, OptionError

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


def same_results(
    folder: Path,
    shown: str,
    digest: str,
    name: str,
    *,
    kind: str = "scenario",
    what: str = "run",
    document: str = "summary.json",
) -> None:
    """Refuse a folder that holds the results of another scenario or campaign (``kind``: by
    the digest of its provenance, or by its name for results without provenance): its
    numbers would be lost to a mistyped --out. The same scenario or campaign again (another
    seed or runs) is replaced, as a set (figures and report included).

    ``document`` is the folder's results document (``summary.json``, ``campaign-sweep.json``)
    and holds the name under the key ``kind`` (the error names what it holds, a scenario's
    results or a campaign's); ``what`` names the results (``run``, ``campaign``) in it."""
    path = folder / document
    if not path.is_file():
        return
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        theirs = old.get("provenance", {}).get("scenario_sha256")
        other = theirs != digest if theirs else old.get(kind) != name
        label = next((k for k in (kind, "scenario", "campaign") if k in old), kind)
        held = f"{label} {old.get(label)!r}"
    except (OSError, ValueError, AttributeError):
        other, held = True, f"a {document} adsim cannot read"
    if other:
        raise OptionError(
            "out",
            shown,
            f"holds the results of another {what} ({held}, not this effective {kind}); add "
            "--force to replace them, or choose another folder",
        )


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
