"""Event commands: ``validate`` (score predictions against public events) and the joint form
of ``calibrate`` (``--events ... --unknowns FILE``, or a joint-calibration study file)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sim.cli import command
from sim.cli.common import kept, out, output_dir, progress_bar, results_table, say
from sim.cli.run import (
    ClusterOpt,
    FiguresOpt,
    JsonOpt,
    ReportOpt,
    WorkersOpt,
    _capped,
    _check_counts,
)
from sim.io.errors import InputError
from sim.io.events import Event, load_events
from sim.io.folders import OutputFolder
from sim.io.provenance import combined_digest, provenance, stamped
from sim.io.results import json_text, write_json_atomic, write_yaml
from sim.studies.joint import joint_calibrate, plan_joint
from sim.studies.joint_file import load_joint
from sim.studies.validate import RUNS, validate

VALIDATION_FILES = ("validation.json", "figures", "events", "scenarios", "report.html")
JOINT_FILES = ("calibration.json", "figures", "events", "scenarios", "report.html")
DRAWS, PER_DRAW = 2000, 20
JOINT_PREDICTIVE_RUNS = 2000  # per event
WIDTH = 120  # the score table's width (wider than a default terminal: it does not wrap)


def wide() -> Console:
    """stdout at least ``WIDTH`` characters wide (the score table does not wrap)."""
    return Console(highlight=False, width=max(out.width, WIDTH))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def score_table(doc_events: list[dict], title: str) -> Table:
    """Per (event, metric): observed, predictive summary and scores."""
    table = results_table(title)
    for col in (
        "event",
        "metric",
        "observed",
        "mean",
        "p50",
        "90% interval",
        "PIT",
        "tail p",
        "in 50/90",
        "log score",
    ):
        left = col in ("event", "metric")
        table.add_column(col, justify="left" if left else "right", no_wrap=True)
    for ev in doc_events:
        for k, (metric, m) in enumerate(ev["metrics"].items()):
            lo, hi = m["observed"]
            shown = f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"
            log = f"{m['log_score']:.2f}" + ("*" if m["floored"] else "")
            table.add_row(
                ev["name"] if k == 0 else "",
                metric,
                shown,
                f"{m['mean']:.3g}",
                f"{m['p50']:g}",
                f"{m['p05']:g}-{m['p95']:g}",
                f"{m['pit']:.2f}",
                f"{m['tail']:.3f}",
                f"{_yes(m['in50'])}/{_yes(m['in90'])}",
                log,
            )
        table.add_section()
    return table


def overall_line(ov: dict) -> str:
    """Coverage and mean log score in one line."""
    return (
        f"{ov['pairs']} (event, metric) pairs: coverage of the 50% intervals "
        f"{ov['coverage50']:.2f} (calibrated: 0.50), of the 90% intervals {ov['coverage90']:.2f} "
        f"(0.90); mean log score {ov['mean_log_score']:.2f}; tail p < 0.01: "
        f"{ov['tail_below_0.01']}"
        + (f"; * no simulated attack in range: {ov['floored']}" if ov["floored"] else "")
    )


@command(name="validate")
def validate_cmd(
    events: Annotated[
        list[Path],
        typer.Argument(
            help="Event files, or folders of them.", metavar="EVENT_OR_DIR", show_default=False
        ),
    ],
    runs: Annotated[int, typer.Option(help="Simulated attacks per event.")] = RUNS,
    seed: Annotated[int, typer.Option(help="Root seed.")] = 1,
    workers: WorkersOpt = None,
    out_dir: Annotated[
        str | None, typer.Option("--out", help="Output folder (default results/validation/).")
    ] = None,
    as_json: JsonOpt = False,
    figures: FiguresOpt = True,
    cluster: ClusterOpt = None,
    report: ReportOpt = False,
) -> None:
    """Score each event's predictive distribution against what was observed."""
    _check_counts(runs, seed, workers, cluster)
    workers = _capped(workers)
    loaded = load_events(events)
    folder = output_dir("validation", out_dir)
    started = time.perf_counter()
    with OutputFolder(folder, "validation", VALIDATION_FILES) as stage:
        with progress_bar(runs * len(loaded), "validate", show=not as_json) as advance:
            result = validate(loaded, runs, seed, workers, cluster, advance)
        digest = combined_digest([ev.loaded.digest for ev in loaded])
        doc = stamped(result.document(), provenance(digest, seed, runs))
        if figures:
            from sim.plots.validation_figures import draw_validation_figures

            draw_validation_figures(doc, result.columns, stage.path("figures"))
        _save_events(loaded, stage)
        write_json_atomic(stage.path("validation.json"), doc)
        if report:
            from sim.report import write_report

            write_report(stage.stage)
        stage.commit()
    if as_json:
        typer.echo(json_text(doc))
        return
    wide().print(
        score_table(
            doc["events"], f"Validation: {runs:,} simulated attacks per event, seed {seed}"
        ),
    )
    out.print(overall_line(doc["overall"]))
    say(
        f"validated in {time.perf_counter() - started:.1f} s. Results in {folder}/: "
        "validation.json, events/, scenarios/"
        + (", figures/" if figures else "")
        + (", report.html" if report else "")
    )


def _save_events(events: list[Event], stage: OutputFolder) -> None:
    """Each event file as written (its sources) and its scenario as run (its comments), in
    ``events/`` and ``scenarios/``: what the scores were made of, kept beside them."""
    used: set[str] = set()
    for ev in events:
        stem, k = ev.path.stem, 2
        while stem in used:
            stem, k = f"{ev.path.stem}-{k}", k + 1
        used.add(stem)
        stage.path(f"events/{stem}.yaml").write_text(
            ev.path.read_text(encoding="utf-8"), encoding="utf-8"
        )
        source = ev.scenario_path.removesuffix(" (with --set)")
        write_yaml(stage.path(f"scenarios/{stem}.yaml"), ev.loaded.raw, Path(source))


def _posterior_table(doc: dict) -> Table:
    table = results_table(
        f"joint posterior: {doc['draws']:,} draws x {doc['per_draw']} replications per "
        f"event; {doc['draws_with_weight']:,} with weight; ESS {doc['ess']:.1f}"
    )
    for col in ("unknown", "prior", "mean", "sd", "q05", "q50", "q95"):
        table.add_column(col, justify="left" if col in ("unknown", "prior") else "right")
    for path, p in doc["posterior"].items():
        prior = ", ".join(f"{k} {v}" for k, v in doc["unknowns"][path].items())
        table.add_row(path, prior, *(f"{p[k]:.3g}" for k in ("mean", "sd", "q05", "q50", "q95")))
    return table


def run_joint(
    event_paths: list[Path],
    unknowns_file: Path | None,
    study_file: Path | None,
    draws: int | None,
    per_draw: int | None,
    seed: int | None,
    workers: int | None,
    out_dir: str | None,
    predictive_runs: int,
    as_json: bool,
    cluster: str | None,
    figures: bool = True,
    report: bool = False,
) -> None:
    """The joint calibration behind ``adsim calibrate --events`` and its study file."""
    settings_file = study_file or unknowns_file
    if settings_file is None:
        raise InputError("--unknowns", "", "expected a file of unknowns with their priors")
    settings, from_file = load_joint(settings_file)
    source = str(settings_file)
    if study_file is not None:
        event_paths = event_paths or from_file
    if not event_paths:
        raise InputError("--events", "", "expected at least one event file or folder")
    events = load_events(event_paths)
    plan = plan_joint(
        events,
        settings.unknowns,
        source,
        draws or settings.draws or DRAWS,
        per_draw or settings.per_draw or PER_DRAW,
        seed if seed is not None else (settings.seed if settings.seed is not None else 1),
    )
    folder = output_dir("joint-calibration", out_dir)
    started = time.perf_counter()
    with OutputFolder(folder, "calibration", JOINT_FILES) as stage:
        try:
            with progress_bar(plan.draws, "joint calibration: draws", show=not as_json) as advance:
                result = joint_calibrate(
                    plan, stage.folder, workers, cluster, advance, predictive_runs
                )
            digest = combined_digest([ev.loaded.digest for ev in events])
            doc = stamped(result.document(), provenance(digest, plan.seed, plan.draws))
            if figures and predictive_runs and doc["predictive_overall"]:
                from sim.plots.validation_figures import draw_pit

                draw_pit(
                    {"overall": doc["predictive_overall"]},
                    stage.path("figures"),
                    "joint_predictive_pit",
                    "PIT of the observations under the joint posterior predictive",
                )
            _save_events(events, stage)
            write_json_atomic(stage.path("calibration.json"), doc)
            if report:
                from sim.report import write_report

                write_report(stage.stage)
            stage.commit()
        except KeyboardInterrupt as exc:
            kept(exc, stage.saved(f"finished blocks are kept in {folder}/; run again to resume"))
            raise
    if as_json:
        typer.echo(json_text(doc))
        return
    wide().print(_posterior_table(doc))
    if doc["predictive"]:
        events_doc = [{"name": n, "metrics": m} for n, m in doc["predictive"].items()]
        wide().print(
            score_table(events_doc, f"posterior predictive ({predictive_runs:,} runs per event)"),
        )
        out.print(overall_line(doc["predictive_overall"]))
    say(
        f"calibrated in {time.perf_counter() - started:.1f} s. "
        f"Results in {folder}/: calibration.json"
    )
