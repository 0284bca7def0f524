"""The one error type for bad input, and how it is shown to a user.

Bad input never produces a traceback: it is reported as ``file: path: what was expected``
and the command exits with status 2, before anything is written.
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
