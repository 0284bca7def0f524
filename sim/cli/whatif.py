"""``adsim app [SCENARIO]``: the what-if page in the browser (needs ``adsim[app]``)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli import STOPS, Stopped, command
from sim.cli.common import say
from sim.io.errors import InputError


@command(name="app")
def app_cmd(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="A scenario to offer beside the bundled ones.", metavar="[SCENARIO]"),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5006,
    show: Annotated[bool, typer.Option(help="Open a browser tab.")] = True,
) -> None:
    """Open the what-if page: pick a scenario, move its sliders, see the answer move."""
    try:
        from sim.app.page import serve
    except ImportError:
        raise InputError("adsim app", "", "needs the app extra: pip install 'adsim[app]'") from None
    from sim.app.query import bundled
    from sim.io.load import load

    extra: dict[str, Path] = {}
    if scenario is not None:
        load(scenario)  # bad input is refused here, in one line
        extra[scenario.stem] = scenario
    if not 1 <= port <= 65535:
        raise InputError("--port", str(port), "expected a port number from 1 to 65535")
    default = scenario.stem if scenario is not None else next(iter(bundled()))
    server = serve(default, extra, host, port, show)
    got: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        got.append(signum)
        server.io_loop.add_callback_from_signal(server.io_loop.stop)

    for s in STOPS:
        signal.signal(s, stop)
    say(f"adsim app on http://{host}:{port}/ (Ctrl-C to stop)")
    server.io_loop.start()
    if got:
        raise Stopped(got[0])
