"""The one error type for bad input, and how it is shown to a user.

Bad input never produces a traceback: it is reported as ``file: path: what was expected``
and the command exits with status 2, before anything is written.

Library code knows arguments by their names (``vary``, ``points``, ``out``), never by the
command line's flags: an ``OptionError`` names the argument, and a message refers to an
argument as `` `name` ``. The command line shows both as its flags (``--points``); the
Python API shows the names.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input: names the file (or option), the dotted path in it and what was expected."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source = source
        self.path = path
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}"


class OptionError(InputError):
    """A bad argument of a library call: ``option`` is the argument's name (``points``),
    ``path`` the offending value or dotted path."""

    def __init__(self, option: str, path: str, message: str) -> None:
        self.option = option
        super().__init__(option, path, message)


class RunFailure(Exception):
    """Work that could not be finished for a reason outside adsim and its input (the Dask
    scheduler was lost, say): one line, exit status 1, no traceback."""
