"""A scenario uploaded to the what-if page, checked as the command line checks a file.

The upload is written to a temporary file and read by the same code as ``adsim run FILE``
(a study file is refused, saying which command takes it; then the scenario is read and
validated), so a bad upload gets the command line's one-line error. The file has no path
on this machine, so the error names it as it was uploaded (its file name): the line is what
``adsim run NAME`` prints in the folder that holds the file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sim.io.errors import InputError

FALLBACK_NAME = "upload.yaml"


def error_line(exc: InputError) -> str:
    """Bad input as the command line prints it."""
    return f"adsim: error: {exc}"


def read_upload(filename: str | None, data: bytes) -> tuple[str, dict[str, Any]]:
    """The uploaded scenario's name (its file name without the suffix) and its data, once it
    has passed the checks of ``adsim run``; bad input is an ``InputError`` naming the file
    as uploaded."""
    from sim.cli.run import not_a_study
    from sim.io.load import load
    from sim.io.scenario_file import read_raw

    shown = Path(filename or FALLBACK_NAME).name or FALLBACK_NAME
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_bytes(data)
        try:
            not_a_study(path)
            load(path)
            raw = read_raw(path)
        except InputError as exc:
            named = str(path)
            raise InputError(
                exc.source.replace(named, shown), exc.path, exc.message.replace(named, shown)
            ) from None
    return Path(shown).stem, raw
