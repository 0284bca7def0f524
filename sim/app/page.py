"""The what-if page, on Panel: pick or upload a scenario, move sliders, watch the answer.

Each change starts a run in a background thread (``sim.app.job``). A periodic callback,
every ``REFRESH_MS``, shows how many replications have come back and, when there are new
ones, feeds the live figures (``sim.app.live``: the leakers and casualty distributions and
the impact map so far, drawn in the browser). When the run ends the page shows its numbers
and the run's figures as ``adsim run`` draws them (drawn in the job's thread). A newer
change stops the older run. The URL follows the view, so a link reproduces it.
"""

from __future__ import annotations

import html
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import panel as pn

from sim.app.job import Job, report_bytes
from sim.app.live import LiveFigures
from sim.app.query import MAX_RUNS, View, bundled, from_query, sliders, value_text
from sim.app.upload import error_line, read_upload
from sim.io.errors import InputError
from sim.io.load import from_data, load

REFRESH_MS = 300  # how often the page looks at the run: the live figures' update rate
FIGURE_WIDTH = 720
ALERT = {"background": "#f8d7da", "color": "#58151c", "border": "1px solid #f1aeb5",
         "border-radius": "6px", "padding": "0 12px"}  # fmt: skip
CODE = ("overflow-x: auto; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; "
        "padding: 8px 12px; font-size: 12px; line-height: 1.45")  # fmt: skip


def _shown_path(path: Path) -> str:
    """A scenario's path as the page's command line shows it: relative to the folder the app
    was started in when it is below it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def make_page(default: str, extra: dict[str, Path]) -> pn.FlexBox | pn.Column:
    """The page of one browser session."""
    choices = {**bundled(), **extra}
    uploads: dict[str, dict] = {}
    error = pn.pane.HTML("", visible=False, sizing_mode="stretch_width", max_width=FIGURE_WIDTH,
                         styles=ALERT)  # fmt: skip
    scenario = pn.widgets.Select(name="Scenario", options=list(choices), value=default)
    upload = pn.widgets.FileInput(name="Upload a scenario", accept=".yaml,.yml")
    runs = pn.widgets.IntInput(name=f"Runs (at most {MAX_RUNS:,})", value=1000, start=1,
                               end=MAX_RUNS)  # fmt: skip
    seed = pn.widgets.IntInput(name="Seed (empty: the scenario's)", value=None)
    slider_box = pn.Column()
    progress = pn.indicators.Progress(
        name="replications", value=0, max=100, sizing_mode="stretch_width", max_width=FIGURE_WIDTH
    )
    counter = pn.pane.HTML("", css_classes=["adsim-progress"])
    status = pn.pane.HTML("", css_classes=["adsim-status"])
    command = pn.pane.HTML("", sizing_mode="stretch_width", max_width=FIGURE_WIDTH)
    figures = pn.Column(sizing_mode="stretch_width", max_width=FIGURE_WIDTH)
    # the run shown, its live figures, how many of its chunks they show, whether its own
    # figures are shown, and how many runs this page has started (said in the page's HTML)
    state: dict[str, Any] = {"job": None, "live": None, "chunks": -1, "final": False,
                             "started": 0, "building": False}  # fmt: skip

    def current_view() -> View:
        view = View(scenario.value, runs=int(runs.value or 1), seed=seed.value)
        for w in slider_box:
            assert isinstance(w, pn.widgets.FloatSlider)
            view.sets[w.tags[0]] = value_text(float(w.value or 0), float(w.step or 1))
        return view

    def loaded_of(view: View) -> Any:
        if view.scenario in uploads:
            from sim.io.overrides import parse_assignment, with_overrides
            from sim.io.scenario_file import optional_block

            name = view.scenario
            sets = [parse_assignment(a, f"{name}: --set") for a in view.set_texts()]
            raw = with_overrides(uploads[name], sets, f"{name}: --set", optional_block)
            return from_data(raw, name)
        return load(choices[view.scenario], view.set_texts())

    def build_sliders(view: View) -> None:
        state["building"] = True
        base = View(view.scenario)
        try:
            found = sliders(loaded_of(base))
        finally:
            state["building"] = False
        widgets = []
        for sl in found:
            value = float(view.sets.get(sl.target, sl.start))
            w = pn.widgets.FloatSlider(name=sl.label, start=sl.low, end=sl.high, step=sl.step,
                                       value=value, tags=[sl.target], width=320)  # fmt: skip
            w.param.watch(lambda e: start(), "value_throttled")
            widgets.append(w)
        slider_box.objects = widgets

    def show_error(text: str) -> None:
        error.object = f"<div class='adsim-error' role='alert'>{html.escape(text)}</div>"
        error.visible = bool(text)

    def stop_run() -> None:
        if state["job"] is not None:
            state["job"].stopped = True

    def start(*_: Any) -> None:
        if state["building"]:
            return
        stop_run()
        view = current_view()
        try:
            loaded = loaded_of(view)
        except InputError as exc:
            show_error(error_line(exc))
            return
        show_error(state.pop("notice", ""))
        if pn.state.location is not None:
            pn.state.location.search = view.query()
        path = choices.get(view.scenario, Path(f"{view.scenario}.yaml"))
        same = view.command(Path(_shown_path(path)), " \\\n    ")
        command.object = (
            f"Same numbers on the command line:<pre style='{CODE}'>{html.escape(same)}</pre>"
        )
        job = Job(view, loaded)
        live = LiveFigures(loaded.model)
        state.update(job=job, live=live, chunks=-1, final=False, started=state["started"] + 1)
        figures.objects = [pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in live.figures]
        status.object = ""
        job.start()

    def show_counter(job: Job, runs: int) -> None:
        progress.max = max(job.total, 1)
        progress.value = min(runs, job.total)
        if job.error:
            word = "failed"
        elif job.finished:
            word = "done"
        else:
            word = "running" if job.result is None else "drawing the figures"
        counter.object = (
            f"<span class='adsim-count' data-done='{runs}' data-total='{job.total}' "
            f"data-started='{state['started']}'>{runs:,} of {job.total:,} replications</span>"
            f" ({word})"
        )

    def refresh() -> None:
        job, live = state["job"], state["live"]
        if job is None or live is None:
            return
        if job.error:
            if not state["final"]:
                state["final"] = True
                show_error(f"adsim: error: {job.error}")
                show_counter(job, job.partial().runs)
            return
        if state["chunks"] != len(job.chunks) and not job.finished:
            state["chunks"] = len(job.chunks)
            partial = job.partial()
            live.update(partial)
            show_counter(job, partial.runs)
            if partial.runs:
                leaked, hurt = partial.columns["leaked"], partial.columns["casualties"]
                status.object = (
                    f"<span class='adsim-so-far'>so far: mean leakers {leaked.mean():.3f}, "
                    f"P(none leak) {np.mean(leaked == 0):.1%}, "
                    f"mean casualties {hurt.mean():.2f}</span>"
                )
        elif job.pngs and not state["final"]:
            state["final"] = True
            result = job.result
            show_counter(job, result.runs)
            m = result.metrics
            # shown rounded; each number whole in its data-value, and the view that made them
            # (a test compares them with adsim run)
            leaked, hurt = m["leaked"]["mean"], m["casualties"]["mean"]
            query = html.escape(job.view.query(), quote=True)
            status.object = (
                f"<b>done</b>: <span class='adsim-done' data-value='{result.runs}' "
                f"data-query='{query}'>"
                f"{result.runs:,}</span> replications, seed {result.seed}; mean leakers "
                f"<span class='adsim-leaked' data-value='{leaked!r}'>{leaked:.3f}</span>, "
                f"mean casualties "
                f"<span class='adsim-casualties' data-value='{hurt!r}'>{hurt:.2f}</span>"
            )
            figures.objects = [
                pn.pane.PNG(data, sizing_mode="scale_width", max_width=FIGURE_WIDTH)
                for data in job.pngs
            ]

    def on_upload(event: Any) -> None:
        if not upload.value:
            return
        try:
            name, raw = read_upload(upload.filename, upload.value)
        except InputError as exc:
            show_error(error_line(exc))
            return
        if name in choices:
            name = f"{name} (uploaded)"
        uploads[name] = raw
        scenario.options = [*choices, *uploads]
        if scenario.value == name:
            on_scenario(None)  # the same name uploaded again: its new content
        scenario.value = name

    def on_scenario(event: Any) -> None:
        try:
            build_sliders(View(scenario.value))
        except InputError as exc:
            show_error(error_line(exc))
            return
        start()

    download = pn.widgets.FileDownload(
        callback=lambda: report_bytes(state["job"]) if state["job"] else io.BytesIO(b""),
        filename="report.html",
        label="Download the HTML report",
    )
    try:
        query = pn.state.location.search if pn.state.location is not None else ""
        view = from_query(query or "", default)
        if view.scenario not in choices:
            raise InputError(
                "URL",
                "scenario",
                f"{view.scenario!r}: not a bundled scenario (for an uploaded one, start "
                f"adsim app {view.scenario}.yaml, or upload it again)",
            )
        scenario.value, runs.value, seed.value = view.scenario, view.runs, view.seed
        build_sliders(view)
    except InputError as exc:
        state["notice"] = error_line(exc)  # said above the default view's first run
        scenario.value = default
        build_sliders(View(default))
    scenario.param.watch(on_scenario, "value")
    upload.param.watch(on_upload, "value")
    runs.param.watch(start, "value")
    seed.param.watch(start, "value")
    pn.state.add_periodic_callback(refresh, period=REFRESH_MS)
    pn.state.on_session_destroyed(lambda context: stop_run())  # a closed tab stops its run
    pn.state.onload(start)
    # side by side on a wide screen; on a narrow one, the results below the controls
    controls = pn.Column(scenario, upload, runs, seed, "### Assumptions", slider_box, download,
                         width=340, styles={"flex": "0 0 340px"})  # fmt: skip
    results = pn.Column(error, progress, counter, status, command, figures,
                        sizing_mode="stretch_width", styles={"flex": "1 1 320px"})  # fmt: skip
    return pn.Column(
        "# adsim: what if?",
        "Move a slider: the scenario runs again with that value, in the background; the "
        "figures fill in as the replications arrive.",
        pn.FlexBox(controls, results, flex_wrap="wrap", sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


def serve(default: str, extra: dict[str, Path], host: str, port: int, show: bool) -> Any:
    """The page's server, started but not yet serving: the caller runs its ``io_loop``
    (and stops it on a signal: an exception raised in a signal handler would be caught by
    the server's callbacks, not end the program)."""
    pn.extension()
    server = pn.serve(
        {"/": lambda: make_page(default, extra)},
        address=host,
        port=port,
        show=False,
        start=False,
        title="adsim: what if?",
        websocket_origin=[f"{host}:{port}", f"localhost:{port}"],
    )
    server.start()
    if show:
        server.io_loop.add_callback(server.show, "/")
    return server
