"""The ``adsim`` command line: a thin shell over the Python API.

Exit status: 0 done, 2 bad input (one line naming the file, the path in it and what was
expected; no traceback, nothing written), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM: ``kill``, ``timeout``), 129 hung up (SIGHUP: the terminal closed), 1 anything
else. A signal is handled like Ctrl-C: the workers are stopped, the staging folder is
removed, and one line says what was kept.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperGroup

from sim.io.errors import InputError, RunFailure

# click's exception classes as typer uses them (typer may carry its own copy of click)
_CLICK = typer.BadParameter.__mro__
UsageError: Any = next(c for c in _CLICK if c.__name__ == "UsageError")
ClickException: Any = next(c for c in _CLICK if c.__name__ == "ClickException")
_HELP_ONLY = getattr(sys.modules[UsageError.__module__], "NoArgsIsHelpError", ())


class UsageLine(ClickException):
    """A usage error (a bad option value, a missing argument) in the one-line form."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        """``adsim: error: ...`` on stderr, like every other bad input."""
        _tell(f"adsim: error: {self.format_message()}")


class _Commands(TyperGroup):
    """The command group, with usage errors shown in one line (not click's three)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as exc:
            if isinstance(exc, _HELP_ONLY):
                raise
            raise UsageLine(exc.format_message()) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            if isinstance(exc, _HELP_ONLY):
                raise
            raise UsageLine(exc.format_message()) from None


app = typer.Typer(
    cls=_Commands,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Discrete-event Monte Carlo simulation of a missile and rocket salvo "
    "against a defended base.",
)


def _version(value: bool) -> None:
    if value:
        from sim.io.provenance import version_line

        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", "-V", is_eager=True, callback=_version, help="Show versions; exit."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bars, notes or tables; errors only."
    ),
) -> None:
    """Discrete-event Monte Carlo simulation of a missile and rocket salvo against a defended
    base."""
    from sim.cli.common import set_quiet

    set_quiet(quiet)


# The library's argument names and the flags that set them (library errors name arguments;
# the command line shows its flags).
FLAGS = {
    name: f"--{name}"
    for name in (
        "vary",
        "design",
        "points",
        "runs",
        "seed",
        "workers",
        "out",
        "cluster",
        "set",
        "force",
        "precision",
    )
}


def shown(exc: InputError) -> str:
    """An input error as the command line says it: argument names become flags."""
    source = FLAGS.get(exc.source, exc.source)
    message = re.sub(r"`(\w+)`", lambda m: FLAGS.get(m.group(1), m.group(0)), exc.message)
    return str(InputError(source, exc.path, message))


class Stopped(KeyboardInterrupt):
    """A stop asked for by a signal (Ctrl-C, SIGTERM, SIGHUP). A command may set ``detail``
    (on this or on a plain ``KeyboardInterrupt``) to say what was kept."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOPS = {
    getattr(signal, name): what
    for name, what in (
        ("SIGINT", "interrupted"),
        ("SIGTERM", "terminated (SIGTERM)"),
        ("SIGHUP", "hung up (SIGHUP)"),
    )
    if hasattr(signal, name)
}
_stopped: list[int] = []  # the signal that stopped the command, once one has


def _stop(signum: int, frame: Any) -> None:
    """The handler of every stop signal: the first one stops the command; later ones are
    ignored so that the clean-up runs to its end."""
    for s in STOPS:
        signal.signal(s, signal.SIG_IGN)
    _stopped.append(signum)
    raise Stopped(signum)


def _tell(line: str) -> None:
    """One line on stderr, if stderr is still there (a closed terminal is not)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        _quiet()


def _quiet() -> None:
    """Point stdout and stderr at /dev/null, so that exiting cannot fail on a closed one."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
    except OSError:
        pass


def _stop_message(exc: KeyboardInterrupt) -> tuple[str, int]:
    signum = getattr(exc, "signum", None) or (_stopped[0] if _stopped else signal.SIGINT)
    detail = getattr(exc, "detail", None)
    what = STOPS.get(signum, f"stopped by signal {signum}")
    return f"adsim: {what}" + (f": {detail}" if detail else ""), 128 + signum


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad input, signals and failures into one line and an exit status."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        saved = {}
        if threading.current_thread() is threading.main_thread():
            saved = {s: signal.signal(s, _stop) for s in STOPS}
        _stopped.clear()
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            _tell(f"adsim: error: {shown(exc)}")
            sys.exit(2)
        except RunFailure as exc:
            _tell(f"adsim: error: {exc}")
            sys.exit(1)
        except KeyboardInterrupt as exc:
            line, status = _stop_message(exc)
            _tell(line)
            try:
                sys.stdout.flush()
            except (OSError, ValueError):
                _quiet()
            sys.exit(status)
        except Exception as exc:
            if _stopped:  # a worker died of the same signal first: report the signal
                line, status = _stop_message(Stopped(_stopped[0]))
                _tell(line)
                sys.exit(status)
            if os.environ.get("ADSIM_DEBUG"):
                raise
            _tell(
                f"adsim: internal error: {type(exc).__name__}: {exc} "
                "(set ADSIM_DEBUG=1 for the traceback)"
            )
            sys.exit(1)
        finally:
            for s, handler in saved.items():
                signal.signal(s, handler if handler is not None else signal.SIG_DFL)

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


from sim.cli import campaign as _campaign  # noqa: E402,F401  (registers the commands)
from sim.cli import events as _events  # noqa: E402,F401
from sim.cli import report as _report  # noqa: E402,F401
from sim.cli import run as _run  # noqa: E402,F401
from sim.cli import shipped as _shipped  # noqa: E402,F401
from sim.cli import studies as _studies  # noqa: E402,F401
from sim.cli import weapons as _weapons  # noqa: E402,F401
from sim.cli import whatif as _whatif  # noqa: E402,F401
