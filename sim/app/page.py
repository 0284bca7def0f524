"""The what-if page, on Panel: pick or upload a scenario, move sliders, watch the answer.

Each change starts a run in a background thread (one worker, in this process: the same
numbers as ``adsim run`` with the same overrides and seed, whatever its workers); a periodic
callback shows its progress and the leakers seen so far, and draws the run's figures when it
ends. A newer change stops the older run. The URL follows the view, so a link reproduces it.
"""

from __future__ import annotations

import io
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
import panel as pn

from sim.app.query import MAX_RUNS, View, bundled, from_query, sliders, value_text
from sim.io.errors import InputError
from sim.io.load import from_data, load
from sim.io.scenario_file import read_raw

REFRESH_MS = 300


class Stop(Exception):
    """A run overtaken by a newer request."""


class Job:
    """One run in the background: its progress, the leakers so far, its result or error."""

    def __init__(self, view: View, loaded: Any) -> None:
        self.view, self.loaded = view, loaded
        self.done = 0
        self.leaked: list[np.ndarray] = []
        self.result: Any = None
        self.error = ""
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sink(self, rows: np.ndarray, ratios: np.ndarray, first: int, drawn: Any = None) -> None:
        if self.stopped:
            raise Stop
        self.leaked.append(rows[:, self.leaked_column].copy())

    def _progress(self, n: int) -> None:
        if self.stopped:
            raise Stop
        self.done += n

    def _run(self) -> None:
        from sim.montecarlo.run import run_monte_carlo
        from sim.outcomes import metric_names

        s = self.loaded.model
        self.leaked_column = metric_names(s).index("leaked")
        try:
            self.result = run_monte_carlo(
                s,
                runs=self.view.runs,
                seed=self.view.seed,
                workers=1,
                sink=self._sink,
                progress=self._progress,
            )
        except Stop:
            return
        except Exception as exc:  # shown on the page, in one line
            self.error = f"{type(exc).__name__}: {exc}"


def _figures_png(job: Job) -> list[bytes]:
    """The run's leakers, casualties and impact-map figures, as PNG data."""
    from sim.plots.run_figures import draw_casualties, draw_impact_map, draw_leakers

    summary = job.result.summary()
    s = job.loaded.model
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        draw_leakers(summary, s, out)
        draw_casualties(summary, out)
        draw_impact_map(job.result.impacts, s, out, min(job.result.runs, 2000))
        return [(out / f"{k}.png").read_bytes() for k in ("leakers", "casualties", "impact_map")]


def _report_bytes(job: Job) -> io.BytesIO:
    """The HTML report of a finished run (see ``adsim report``)."""
    from sim.io.provenance import provenance, stamped
    from sim.io.results import write_json_atomic, write_yaml
    from sim.plots import draw_run_figures
    from sim.report import report_html

    summary = stamped(
        job.result.summary(), provenance(job.loaded.digest, job.result.seed, job.result.runs)
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_json_atomic(folder / "summary.json", summary)
        write_yaml(folder / "scenario.yaml", job.loaded.raw)
        draw_run_figures(summary, job.result.impacts, job.loaded.model, folder / "figures")
        return io.BytesIO(report_html(folder).encode("utf-8"))


def make_page(default: str, extra: dict[str, Path]) -> pn.template.BaseTemplate | pn.Column:
    """The page of one browser session."""
    choices = {**bundled(), **extra}
    uploads: dict[str, dict] = {}
    error = pn.pane.Alert("", alert_type="danger", visible=False, css_classes=["adsim-error"])
    scenario = pn.widgets.Select(name="Scenario", options=list(choices), value=default)
    upload = pn.widgets.FileInput(name="Upload a scenario", accept=".yaml,.yml")
    runs = pn.widgets.IntInput(name=f"Runs (at most {MAX_RUNS:,})", value=1000, start=1,
                               end=MAX_RUNS)  # fmt: skip
    seed = pn.widgets.IntInput(name="Seed (empty: the scenario's)", value=None)
    slider_box = pn.Column()
    progress = pn.indicators.Progress(name="replications", value=0, max=100, width=300)
    status = pn.pane.HTML("", css_classes=["adsim-status"])
    live = pn.pane.HTML("", css_classes=["adsim-live"])
    figures = pn.Column()
    command = pn.pane.Markdown("")
    state: dict[str, Any] = {"job": None, "drawn": None, "building": False}

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
        error.object = text
        error.visible = bool(text)

    def start(*_: Any) -> None:
        if state["building"]:
            return
        old = state["job"]
        if old is not None:
            old.stopped = True
        view = current_view()
        try:
            loaded = loaded_of(view)
        except InputError as exc:
            show_error(f"adsim: error: {exc}")
            return
        show_error("")
        if pn.state.location is not None:
            pn.state.location.search = view.query()
        path = choices.get(view.scenario, Path(f"{view.scenario}.yaml"))
        command.object = f"Same numbers on the command line: `{view.command(path)}`"
        job = Job(view, loaded)
        state["job"], state["drawn"] = job, None
        job.thread.start()

    def refresh() -> None:
        job = state["job"]
        if job is None:
            return
        progress.max = job.view.runs
        progress.value = min(job.done, job.view.runs)
        seen = np.concatenate(job.leaked) if job.leaked else np.empty(0)
        if len(seen):
            live.object = (
                f"<span class='adsim-seen'>{len(seen):,}</span> replications so far: "
                f"mean leakers {seen.mean():.3f}, P(none leak) {np.mean(seen == 0):.1%}"
            )
        if job.error:
            show_error(f"adsim: error: {job.error}")
        if job.result is not None and state["drawn"] is not job:
            state["drawn"] = job
            m = job.result.metrics
            status.object = (
                f"<b>done</b>: <span class='adsim-done'>{job.result.runs}</span> replications, "
                f"seed {job.result.seed}; mean leakers "
                f"<span class='adsim-leaked'>{m['leaked']['mean']!r}</span>, mean casualties "
                f"<span class='adsim-casualties'>{m['casualties']['mean']!r}</span>"
            )
            try:
                pngs = _figures_png(job)
            except Exception as exc:  # a figure that fails is said, not hidden
                show_error(f"adsim: error: the figures failed: {type(exc).__name__}: {exc}")
                return
            figures.objects = [pn.pane.PNG(data, width=720) for data in pngs]
        elif job.result is None:
            status.object = f"running: {job.done:,} of {job.view.runs:,} replications"

    def on_upload(event: Any) -> None:
        if not upload.value:
            return
        name = Path(upload.filename or "upload.yaml").stem
        with tempfile.NamedTemporaryFile("wb", suffix=".yaml", delete=False) as f:
            f.write(upload.value)
            path = Path(f.name)
        try:
            raw = read_raw(path)
            from_data(raw, upload.filename or name)
        except InputError as exc:
            show_error(f"adsim: error: {str(exc).replace(str(path), upload.filename or name)}")
            return
        finally:
            path.unlink(missing_ok=True)
        uploads[name] = raw
        scenario.options = [*choices, *uploads]
        scenario.value = name

    def on_scenario(event: Any) -> None:
        try:
            build_sliders(View(scenario.value))
        except InputError as exc:
            show_error(f"adsim: error: {exc}")
            return
        start()

    download = pn.widgets.FileDownload(
        callback=lambda: _report_bytes(state["job"]) if state["job"] else io.BytesIO(b""),
        filename="report.html",
        label="Download the HTML report",
    )
    try:
        query = pn.state.location.search if pn.state.location is not None else ""
        view = from_query(query or "", default)
        if view.scenario not in choices:
            raise InputError("URL", "scenario", f"{view.scenario!r}: not a bundled scenario")
        scenario.value, runs.value, seed.value = view.scenario, view.runs, view.seed
        build_sliders(view)
    except InputError as exc:
        show_error(f"adsim: error: {exc}")
    scenario.param.watch(on_scenario, "value")
    upload.param.watch(on_upload, "value")
    runs.param.watch(start, "value")
    seed.param.watch(start, "value")
    pn.state.add_periodic_callback(refresh, period=REFRESH_MS)
    pn.state.onload(start)
    controls = pn.Column(scenario, upload, runs, seed, "### Assumptions", slider_box, download)
    results = pn.Column(error, progress, status, live, command, figures)
    return pn.Column(
        "# adsim: what if?",
        "Move a slider: the scenario runs again with that value, in the background.",
        pn.Row(controls, results, sizing_mode="stretch_width"),
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
