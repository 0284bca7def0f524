"""What every command shares: output folders, progress bars and printing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sim.io.errors import InputError

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

PROGRESS_FROM = 2000  # show a progress bar from this many replications on


def output_dir(name: str, out_opt: Path | None) -> Path:
    """``--out`` or ``results/<scenario name>/``; refuse a path that is a file."""
    path = out_opt if out_opt is not None else Path("results") / name
    if path.exists() and not path.is_dir():
        raise InputError("--out", str(path), "exists and is not a folder; expected a folder")
    return path


@contextmanager
def progress_bar(total: int, label: str, show: bool) -> Iterator:
    """A progress bar on stderr; yields a function ``advance(n)``."""
    if not show or total < PROGRESS_FROM:
        yield lambda n: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def say(message: str) -> None:
    """A line for the user on stderr (stdout stays clean for --json)."""
    err.print(message, soft_wrap=True)


def interactive() -> bool:
    """Whether stderr is a terminal."""
    return sys.stderr.isatty()
