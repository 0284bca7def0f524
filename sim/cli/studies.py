"""Study commands: ``sweep`` (designs, Sobol indices) and ``calibrate`` (rejection sampling)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli import command
from sim.cli.common import kept, out, output_dir, progress_bar, results_table, say
from sim.cli.run import (
    ClusterOpt,
    FiguresOpt,
    JsonOpt,
    ReportOpt,
    RunsOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    _capped,
    _check_counts,
)
from sim.io.errors import InputError
from sim.io.folders import OutputFolder
from sim.io.load import load
from sim.io.provenance import parquet_metadata, provenance, stamped
from sim.io.results import json_text, write_columns, write_json_atomic, write_yaml
from sim.io.scenario_file import read_raw
from sim.studies.calibrate import MAX_TRIES, PREDICTIVE_RUNS, calibrate, plan_calibration
from sim.studies.joint_file import is_joint_study
from sim.studies.study_file import is_study_file, load_study
from sim.studies.sweep import plan_sweep, points_table, run_points, sweep_document
from sim.studies.vary import parse_all

# What a study's commit replaces as a set (points/, the manifest and the calibration blocks
# are written as the work goes, under the folder's lock).
SWEEP_FILES = (
    "sweep.json",
    "points.parquet",
    "points.csv",
    "scenario.yaml",
    "figures",
    "report.html",
)
CALIBRATION_FILES = (
    "calibration.json",
    "posterior.parquet",
    "scenario.yaml",
    "figures",
    "report.html",
)

SHOWN = ("leaked", "interceptors", "killed", "wounded", "tbi", "casualties")


def _fmt(m: dict) -> str:
    return "—" if m["mean"] is None else f"{m['mean']:.3g}"


def _short_names(paths: list[str]) -> list[str]:
    """Each path's shortest dotted suffix that no other path ends with (``pk.srbm`` for
    ``defense.batteries.upper.pk.srbm`` beside ``threats.rocket.count``; the whole path
    when it is a suffix of another)."""
    short = []
    for path in paths:
        parts = path.split(".")
        others = [o for o in paths if o != path]
        for depth in range(1, len(parts) + 1):
            suffix = ".".join(parts[-depth:])
            if not any(o == suffix or o.endswith("." + suffix) for o in others):
                break
        short.append(suffix)
    return short


def _sweep_table(doc: dict, limit: int = 40) -> Table:
    table = results_table(
        f"{doc['scenario']}: {doc['design']} sweep, {len(doc['points'])} points x "
        f"{doc['runs']:,} runs (means per attack; 95% CIs in points.csv)"
    )
    for name in _short_names(doc["parameters"]):
        table.add_column(name, justify="right", no_wrap=True)
    for m in SHOWN:
        table.add_column(m, justify="right", no_wrap=True, min_width=len(m))
    for point in doc["points"][:limit]:
        values = [f"{point['values'][p]:.4g}" for p in doc["parameters"]]
        table.add_row(*values, *(_fmt(point["metrics"][m]) for m in SHOWN))
    if len(doc["points"]) > limit:
        table.caption = f"first {limit} of {len(doc['points'])} points; all in points.csv"
    return table


def _sensitivity_table(doc: dict) -> Table:
    table = results_table("Sobol indices (first order S1, total ST, ± 95% CI)")
    table.add_column("metric")
    table.add_column("parameter")
    table.add_column("S1", justify="right")
    table.add_column("ST", justify="right")

    def show(x: float | None, c: float | None) -> str:
        return "—" if x is None else f"{x:.2f} ±{c or 0:.2f}"

    for metric, by_path in doc["sensitivity"].items():
        for path, si in by_path.items():
            s1, st = show(si["S1"], si["S1_conf"]), show(si["ST"], si["ST_conf"])
            table.add_row(metric, path, s1, st)
        table.add_section()
    return table


@command()
def sweep(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario YAML file, or a sweep study file (study: sweep).",
            show_default=False,
            metavar="SCENARIO|STUDY",
            readable=False,
        ),
    ],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            help="PATH=a:b:n (n values, ends included), PATH=v1,v2,... or PATH=a:b "
            "(a range, for lhs and sobol). Repeatable."
        ),
    ] = None,
    design: Annotated[
        str | None, typer.Option(help="grid (default), lhs or sobol.", show_default=False)
    ] = None,
    points: Annotated[
        int | None,
        typer.Option(help="lhs: points drawn; sobol: base sample N (N (2D + 2) points)."),
    ] = None,
    runs: RunsOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    set_: SetOpt = None,
    out_dir: Annotated[
        str | None,
        typer.Option("--out", help="Output folder (default results/<name>-sweep/)."),
    ] = None,
    as_json: JsonOpt = False,
    figures: FiguresOpt = True,
    cluster: ClusterOpt = None,
    report: ReportOpt = False,
) -> None:
    """Run a scenario at the points of a design; resumable; Sobol indices for sobol."""
    _check_counts(runs, seed, workers, cluster)
    workers = _capped(workers)
    path, sets = scenario, list(set_ or [])
    if is_study_file(read_raw(scenario)):
        study, path = load_study(scenario)
        vary = vary or study.vary_texts()
        design = design or study.design
        points = points if points is not None else study.points
        runs = runs if runs is not None else study.runs
        seed = seed if seed is not None else study.seed
        sets = study.set_texts() + sets
    loaded = load(path, sets)
    varies = parse_all(vary or [])
    plan = plan_sweep(loaded, varies, design or "grid", points, runs, seed)
    folder = output_dir(f"{loaded.model.name}-sweep", out_dir)
    n = len(plan.values)
    finished = [0]

    def on_point(k: int, point: dict) -> None:
        finished[0] += 1

    started = time.perf_counter()
    with OutputFolder(folder, "sweep", SWEEP_FILES) as stage:
        try:
            with progress_bar(
                n * plan.runs, f"{loaded.model.name}: sweep", show=not as_json
            ) as advance:
                done = run_points(plan, stage.folder, workers, cluster, advance, on_point)
            elapsed = time.perf_counter() - started
            block = provenance(plan.factory.digest, plan.seed, plan.runs)
            doc = stamped(sweep_document(plan, done), block)
            write_yaml(stage.path("scenario.yaml"), loaded.raw, Path(path))
            if figures:
                from sim.plots.sweep_figures import draw_sweep_figures

                draw_sweep_figures(doc, stage.path("figures"))
            write_columns(
                stage.path("points.parquet"),
                points_table(doc),
                csv=True,
                metadata=parquet_metadata(block),
            )
            write_json_atomic(stage.path("sweep.json"), doc)
            if report:
                from sim.report import write_report

                write_report(stage.stage)
            stage.commit()
        except KeyboardInterrupt as exc:
            saved = len(list((stage.folder / "points").glob("*.json")))
            kept(
                exc,
                stage.saved(
                    f"{saved} of {n} points are saved in {folder}/points/; run the same "
                    "command again to resume (finished points are not recomputed)"
                ),
            )
            raise
    if as_json:
        typer.echo(json_text(doc))
        return
    out.print(_sweep_table(doc))
    if "sensitivity" in doc:
        out.print(_sensitivity_table(doc))
    say(
        f"{finished[0]} point(s) run in {elapsed:.1f} s, {n - finished[0]} already saved. "
        f"Results in {folder}/: sweep.json, points.parquet, points.csv"
        + (", figures/" if figures else "")
        + (", report.html" if report else "")
    )


def _posterior_table(doc: dict) -> Table:
    table = results_table(
        f"{doc['scenario']}: posterior of the unknowns ({doc['accepted']:,} accepted of "
        f"{doc['tried']:,} tries, rate {doc['acceptance_rate']:.3g})"
    )
    for col in ("unknown", "prior", "mean", "sd", "q05", "q50", "q95"):
        table.add_column(col, justify="left" if col in ("unknown", "prior") else "right")
    short = _short_names(list(doc["posterior"]))
    for name, (path, p) in zip(short, doc["posterior"].items(), strict=True):
        prior = ", ".join(f"{k} {v}" for k, v in doc["unknowns"][path].items())
        table.add_row(name, prior, *(f"{p[k]:.3g}" for k in ("mean", "sd", "q05", "q50", "q95")))
    return table


def _predictive_table(doc: dict) -> Table:
    table = results_table(
        f"posterior predictive: the next such attack ({doc['predictive_runs']:,} runs)"
    )
    for col in ("metric", "mean", "p05", "p50", "p95", "P(0)"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for m in ("fired", "intercepted", *SHOWN):
        s = doc["predictive"][m]
        table.add_row(
            m, f"{s['mean']:.3g}", *(str(s[k]) for k in ("p05", "p50", "p95")), f"{s['p_zero']:.2f}"
        )
    return table


@command(name="calibrate")
def calibrate_cmd(
    targets: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario YAML file with a calibration section; or a joint-calibration study "
            "file; or, with --events, event files and folders.",
            show_default=False,
            metavar="SCENARIO|STUDY|EVENT",
        ),
    ],
    events: Annotated[
        bool,
        typer.Option(
            "--events",
            help="Calibrate jointly over the events given as arguments (with --unknowns).",
        ),
    ] = False,
    unknowns: Annotated[
        Path | None,
        typer.Option(help="Joint form: YAML file of unknowns (dotted path -> prior)."),
    ] = None,
    per_draw: Annotated[
        int | None,
        typer.Option(help="Joint form: replications of every event per prior draw (m)."),
    ] = None,
    draws: Annotated[int | None, typer.Option(help="Joint form: prior draws.")] = None,
    samples: Annotated[
        int | None, typer.Option(help="Accepted samples wanted (default: the scenario's).")
    ] = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    set_: SetOpt = None,
    out_dir: Annotated[
        str | None,
        typer.Option("--out", help="Output folder (default results/<name>-calibration/)."),
    ] = None,
    predictive_runs: Annotated[
        int, typer.Option(help="Fresh replications at posterior draws for the predictive.")
    ] = PREDICTIVE_RUNS,
    max_tries: Annotated[int, typer.Option(help="Give up after this many tries.")] = MAX_TRIES,
    as_json: JsonOpt = False,
    figures: FiguresOpt = True,
    cluster: ClusterOpt = None,
    report: ReportOpt = False,
) -> None:
    """Infer the scenario's unknowns from its evidence; predict the next such attack.

    Joint form: infer unknowns shared by several public events (``--events EVENT...
    --unknowns FILE``, or a joint-calibration study file) by likelihood weighting."""
    _check_counts(None, seed, workers, cluster)
    workers = _capped(workers)
    for name, value, top in (("--per-draw", per_draw, 10_000), ("--draws", draws, 10_000_000)):
        if value is not None and not 1 <= value <= top:
            raise InputError(name, str(value), f"expected a whole number from 1 to {top:,}")
    joint_study = not events and len(targets) == 1 and is_joint_study(read_raw(targets[0]))
    if events or joint_study or unknowns is not None:
        from sim.cli.events import JOINT_PREDICTIVE_RUNS, run_joint

        if set_:
            raise InputError(
                "--set", set_[0], "applies to one scenario, not to a joint calibration"
            )

        run_joint(
            list(targets) if events else [],
            unknowns,
            targets[0] if joint_study and not events else None,
            draws,
            per_draw,
            seed,
            workers,
            out_dir,
            # the joint form runs a predictive per event: a smaller default than 10,000
            predictive_runs if predictive_runs != PREDICTIVE_RUNS else JOINT_PREDICTIVE_RUNS,
            as_json,
            cluster,
            figures,
            report,
        )
        return
    if len(targets) != 1:
        raise InputError(
            "calibrate", " ".join(map(str, targets)), "expected one scenario (or --events)"
        )
    scenario = targets[0]
    for name, value, top in (
        ("--samples", samples, 10_000_000),
        ("--predictive-runs", predictive_runs, 100_000_000),
        ("--max-tries", max_tries, 10**10),
    ):
        if value is not None and not 1 <= value <= top:
            raise InputError(name, str(value), f"expected a whole number from 1 to {top:,}")
    loaded = load(scenario, set_ or [])
    plan = plan_calibration(loaded, samples, seed)
    folder = output_dir(f"{loaded.model.name}-calibration", out_dir)
    started = time.perf_counter()
    with OutputFolder(folder, "calibration", CALIBRATION_FILES) as stage:
        try:
            with progress_bar(
                plan.samples, f"{loaded.model.name}: accepted", show=not as_json
            ) as advance:
                result = calibrate(
                    plan, stage.folder, workers, cluster, advance, predictive_runs, max_tries
                )
            elapsed = time.perf_counter() - started
            doc = result.document()
            block = provenance(plan.factory.digest, plan.seed, doc["tried"])
            doc = stamped(doc, block)
            write_columns(
                stage.path("posterior.parquet"),
                result.posterior_table(),
                metadata=parquet_metadata(block),
            )
            write_yaml(stage.path("scenario.yaml"), loaded.raw, scenario)
            if figures:
                from sim.plots.calibration_figures import draw_calibration_figures

                posterior = {p: result.thetas[:, j] for j, p in enumerate(plan.factory.paths)}
                draw_calibration_figures(
                    doc, posterior, result.prior_draws(), stage.path("figures")
                )
            write_json_atomic(stage.path("calibration.json"), doc)
            if report:
                from sim.report import write_report

                write_report(stage.stage)
            stage.commit()
        except KeyboardInterrupt as exc:
            kept(
                exc,
                stage.saved(
                    f"the tries run so far are kept in {folder}/; run the same command again "
                    "to resume"
                ),
            )
            raise
    if as_json:
        typer.echo(json_text(doc))
        return
    out.print(_posterior_table(doc))
    out.print(_predictive_table(doc))
    if not doc["complete"]:
        say(f"warning: only {doc['accepted']:,} of {plan.samples:,} samples within --max-tries")
    say(
        f"calibrated in {elapsed:.1f} s. Results in {folder}/: calibration.json, "
        "posterior.parquet"
        + (", figures/" if figures else "")
        + (", report.html" if report else "")
    )
