"""The ``adsim`` command line: a thin shell over the Python API.

Exit status: 0 done, 2 bad input (one line naming the file, the path in it and what was
expected; no traceback, nothing written), 130 interrupted, 1 anything else.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from typing import Any

import typer

from sim.io.errors import InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Discrete-event Monte Carlo simulation of a missile and rocket salvo "
    "against a defended base.",
)


# The library's argument names and the flags that set them (library errors name arguments;
# the command line shows its flags).
FLAGS = {
    name: f"--{name}"
    for name in ("vary", "design", "points", "runs", "seed", "workers", "out", "cluster")
}


def shown(exc: InputError) -> str:
    """An input error as the command line says it: argument names become flags."""
    source = FLAGS.get(exc.source, exc.source)
    message = re.sub(r"`(\w+)`", lambda m: FLAGS.get(m.group(1), m.group(0)), exc.message)
    return str(InputError(source, exc.path, message))


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad input, interrupts and failures into one line and an exit status."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            print(f"adsim: error: {shown(exc)}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:
            print("adsim: interrupted", file=sys.stderr)
            sys.exit(130)
        except Exception as exc:
            if os.environ.get("ADSIM_DEBUG"):
                raise
            print(
                f"adsim: internal error: {type(exc).__name__}: {exc} "
                "(set ADSIM_DEBUG=1 for the traceback)",
                file=sys.stderr,
            )
            sys.exit(1)

    return wrapper


def command(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an ``adsim`` subcommand with the shared error handling."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        app.command(**kwargs)(_guarded(fn))
        return fn

    return register


def main() -> None:
    """Entry point of the ``adsim`` console script."""
    app(prog_name="adsim")


from sim.cli import run as _run  # noqa: E402,F401  (registers the commands)
from sim.cli import studies as _studies  # noqa: E402,F401
from sim.cli import weapons as _weapons  # noqa: E402,F401
