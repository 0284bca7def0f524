"""Commands on one scenario: ``run``, ``check``, ``trace`` and ``plot``."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from sim.catalogue import catalogue
from sim.cli import command
from sim.cli.common import (
    ResultsArg,
    kept,
    must_be_results_folder,
    out,
    output_dir,
    progress_bar,
    results_table,
    same_results,
    say,
)
from sim.engine.replication import run_replication
from sim.io.documents import check_calibration, check_run_summary, check_sweep
from sim.io.errors import InputError, RunFailure
from sim.io.folders import OutputFolder
from sim.io.load import load
from sim.io.provenance import parquet_metadata, provenance, stamped
from sim.io.results import (
    KEEP_IMPACTS,
    ReplicationWriter,
    json_text,
    read_impacts,
    read_uncertain_sample,
    write_impacts,
    write_json_atomic,
    write_yaml,
)
from sim.io.run_chunks import CHUNKS_DIR, RESUME_FROM, RunChunks, manifest
from sim.model.scenario import LIMITS, Scenario
from sim.montecarlo.batch import replication_scenario
from sim.montecarlo.executors import call_each, check_cluster, default_workers
from sim.montecarlo.importance import top_drivers
from sim.montecarlo.run import MonteCarloResult, run_monte_carlo
from sim.montecarlo.streams import RUN, replication_rng
from sim.outcomes import MAIN_METRICS, RATIO_NAMES, is_ratio, metric_names

ScenarioArg = Annotated[
    Path,
    typer.Argument(
        help="Scenario YAML file.", show_default=False, metavar="SCENARIO", readable=False
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a value: PATH=VALUE (dotted path, YAML value). Repeatable."
    ),
]
RunsOpt = Annotated[int | None, typer.Option(help="Replications (default: the scenario's).")]
SeedOpt = Annotated[int | None, typer.Option(help="Root seed (default: the scenario's).")]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")]
OutOpt = Annotated[
    str | None, typer.Option("--out", help="Output folder (default results/<name>/).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print only the result JSON.")]
FiguresOpt = Annotated[bool, typer.Option(help="Draw the figures.")]
ReportOpt = Annotated[
    bool, typer.Option("--report", help="Also write report.html (see `adsim report`).")
]
# What a run's commit replaces as a set (figures/ goes when a new run draws none).
RUN_FILES = (
    "summary.json",
    "replications.parquet",
    "impacts.parquet",
    "scenario.yaml",
    "figures",
    "report.html",
    CHUNKS_DIR,  # an interrupted run's kept replications: gone once the run is complete
)

ClusterOpt = Annotated[
    str | None,
    typer.Option(
        help="Run on a Dask scheduler: its address (tcp://host:8786) or 'local' "
        "for a LocalCluster (needs adsim[cluster]). Same results as local runs."
    ),
]


def _check_counts(
    runs: int | None, seed: int | None, workers: int | None, cluster: str | None = None
) -> None:
    if cluster is not None:
        check_cluster(cluster)
    if runs is not None and not 1 <= runs <= 1_000_000_000:
        raise InputError("--runs", str(runs), "expected a whole number from 1 to 1,000,000,000")
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError("--seed", str(seed), "expected a whole number from 0 to 2^63 - 1")
    if workers is not None and not 1 <= workers <= 1024:
        raise InputError("--workers", str(workers), "expected a whole number from 1 to 1024")


def _capped(workers: int | None) -> int | None:
    """``--workers``, at most four per core (more only slow the run down), with a note."""
    cores = default_workers()
    if workers is not None and workers > 4 * cores:
        say(f"note: --workers {workers} is more than 4 per core ({cores} here); using {4 * cores}")
        return 4 * cores
    return workers


def _precision(text: str | None, names: list[str]) -> tuple[str, float] | None:
    if text is None:
        return None
    metric, sep, value = text.partition("=")
    try:
        h = float(value)
    except ValueError:
        h = -1.0
    if sep and metric not in names:
        close = difflib.get_close_matches(metric, names, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise InputError(
            "--precision",
            metric,
            f"is not a metric of this scenario; {hint}expected one of {', '.join(names)}",
        )
    if not sep or not 0 < h < math.inf:
        raise InputError(
            "--precision",
            text,
            "expected METRIC=H with a metric name (e.g. leaked) and a positive, finite "
            "half-width H",
        )
    return metric, h


def _precision_line(block: dict, runs: int, cap: int) -> str:
    """What a precision target came to: met after so many replications, or not within
    the cap."""
    metric, target, achieved = block["metric"], block["half_width"], block["achieved"]
    if achieved <= target:
        return (
            f"precision: target met after {runs:,} replications: the 95% CI half-width of "
            f"the mean of {metric} is {achieved:.3g} (target {target:g})"
        )
    return (
        f"precision: target not met within --runs {cap:,}: the 95% CI half-width of the mean "
        f"of {metric} is {achieved:.3g} (target {target:g}); raise --runs to go on"
    )


def not_a_study(scenario: Path) -> None:
    """Refuse a study file where a scenario is expected, saying which command takes it."""
    from sim.io.scenario_file import read_raw
    from sim.studies.study_file import is_study_file

    raw = read_raw(scenario)
    if is_study_file(raw):
        kind = raw.get("study")
        command = "adsim sweep" if kind == "sweep" else "adsim calibrate"
        raise InputError(
            str(scenario),
            "study",
            f"this is a study file (study: {kind}): use {command}; expected a scenario file",
        )


def summary_table(result: MonteCarloResult, title: str) -> Table:
    """The readable summary of a run: one line per metric."""
    table = results_table(title, collapse_padding=True)
    for col in ("metric", "mean", "±95% CI", "p05", "p50", "p95", "max", "P(0)"):
        table.add_column(col, justify="left" if col == "metric" else "right", no_wrap=True)
    for name, m in result.metrics.items():
        if m["n"] == 0:
            table.add_row(name, "undefined", "", "", "", "", "", "")
            continue
        integer = not is_ratio(name)
        fmt = (lambda v: f"{v:g}") if integer else (lambda v: f"{v:.2f}")
        lo, hi = m["ci95"]
        half = f"{(hi - lo) / 2:.2g}" if lo is not None else ""
        table.add_row(
            name,
            f"{m['mean']:.3g}",
            half,
            fmt(m["p05"]),
            fmt(m["p50"]),
            fmt(m["p95"]),
            fmt(m["max"]),
            f"{m['p_zero']:.2f}",
        )
        if name in ("casualties", f"leaked.{result.threat_types[-1]}"):
            table.add_section()
    return table


def drivers_table(block: dict) -> Table:
    """What drives the answer: the three uncertain paths with the largest first-order index
    for each main metric."""
    table = results_table(
        f"what drives the answer: first-order index S1 (share of the metric's variance "
        f"that the path alone explains), first {block['replications']:,} replications",
        collapse_padding=True,
    )
    for col in ("metric", "#", "uncertain path", "S1", "±95%"):
        table.add_column(col, justify="left" if col in ("metric", "uncertain path") else "right")
    for metric in MAIN_METRICS:
        top = top_drivers(block, metric)
        if not top:
            table.add_row(metric, "", "(does not vary)", "", "")
        for rank, (path, s1, conf) in enumerate(top, start=1):
            table.add_row(metric if rank == 1 else "", str(rank), path, f"{s1:.2f}", f"{conf:.2f}")
    return table


@command()
def run(
    scenario: ScenarioArg,
    runs: RunsOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    set_: SetOpt = None,
    out_dir: OutOpt = None,
    as_json: JsonOpt = False,
    precision: Annotated[
        str | None,
        typer.Option(
            help="METRIC=H: stop once the 95% CI half-width of METRIC's mean is <= H "
            "(--runs is the cap; an interrupted run resumes at the same stopping point)."
        ),
    ] = None,
    figures: FiguresOpt = True,
    cluster: ClusterOpt = None,
    report: ReportOpt = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace the results of another scenario in --out, or the kept replications "
            "of an interrupted run with other arguments (start afresh).",
        ),
    ] = False,
) -> None:
    """Run many replications; print distributions; write summary.json, records and figures.

    A run of 2,000 replications or more keeps those it has finished in --out as it goes: if
    it is stopped (Ctrl-C, kill, a crash), the same command again resumes from them and
    gives the results of a run never stopped, whatever --workers."""
    _check_counts(runs, seed, workers, cluster)
    workers = _capped(workers)
    not_a_study(scenario)
    loaded = load(scenario, set_ or [])
    s, raw = loaded.model, loaded.raw
    names = metric_names(s)
    target = _precision(precision, names)
    folder = output_dir(s.name, out_dir)
    n = s.runs if runs is None else runs
    with OutputFolder(folder, "run", RUN_FILES) as stage:
        chunks = RunChunks(
            stage.folder,
            manifest(
                scenario=s.name,
                digest=loaded.digest,
                overrides=set_ or [],
                seed=s.seed if seed is None else seed,
                runs=n,
                precision=target,
                keep_impacts=KEEP_IMPACTS,
                columns=[*names, *RATIO_NAMES, *(f"u:{p}" for p in s.uncertainties)],
            ),
            names,
            list(RATIO_NAMES),
            list(s.uncertainties),
            shown=str(folder),
        )
        kept_before = chunks.open(force)  # another run's kept replications: refused
        if not force:
            same_results(stage.folder, str(folder), loaded.digest, s.name)
        writer = ReplicationWriter(
            stage.path("replications.parquet"), names, list(RATIO_NAMES), list(s.uncertainties)
        )
        try:
            if kept_before and not as_json:
                say(f"resuming: {kept_before:,} of {n:,} replications kept in {folder}/")
            with progress_bar(n, f"{s.name}: replications", show=not as_json) as advance:
                result = run_monte_carlo(
                    s,
                    runs=n,
                    seed=seed,
                    workers=workers,
                    sink=writer,
                    progress=advance,
                    precision=target,
                    cluster=cluster,
                    chunks=chunks if n >= RESUME_FROM else None,
                )
            block = provenance(loaded.digest, result.seed, result.runs)
            writer.close(parquet_metadata(block))
            write_impacts(
                stage.path("impacts.parquet"),
                result.impacts,
                s.threat_types,
                parquet_metadata(block),
            )
            write_yaml(stage.path("scenario.yaml"), raw, scenario)
            summary = stamped(result.summary(), block)
            if any(g.weapon for g in s.threats.values()):
                summary["weapon_catalogue"] = catalogue().version
            write_json_atomic(stage.path("summary.json"), summary)
            if figures:
                replications = stage.path("replications.parquet")
                figures_of_run(
                    summary,
                    result.impacts,
                    s,
                    replications,
                    stage.path("figures"),
                    None if cluster else result.workers,
                )
            if report:
                from sim.report import write_report

                write_report(stage.stage)
            stage.commit()
        except KeyboardInterrupt as exc:
            writer.abort()
            nothing = f"nothing was saved (no results written to {folder}/)"
            if chunks.saved:
                nothing = (
                    f"{chunks.saved:,} of {n:,} replications are kept in {folder}/; run the "
                    "same command again to resume from them"
                )
            kept(exc, stage.saved(nothing))
            raise
        except RunFailure as exc:
            writer.abort()
            if not chunks.saved:
                raise
            raise RunFailure(
                f"{exc}; {chunks.saved:,} of {n:,} replications are kept in {folder}/: run the "
                "same command again to resume from them"
            ) from None
        except BaseException:
            writer.abort()
            raise
        finally:
            if not stage.committed:
                chunks.close()  # nothing kept: the folder is left as it was
    if as_json:
        typer.echo(json_text(summary))
        return
    fresh = result.runs - result.resumed
    rate = fresh / result.elapsed_s if result.elapsed_s > 0 else float("inf")
    out.print(
        summary_table(
            result,
            f"{s.name}: {result.runs:,} replications, seed "
            f"{result.seed}, {result.workers} worker(s)",
        )
    )
    if "uncertainty_importance" in summary:
        out.print(drivers_table(summary["uncertainty_importance"]))
    if "precision" in summary:
        say(_precision_line(summary["precision"], result.runs, n))
    done = f"{fresh:,} replications"
    if result.resumed:
        done = f"{result.resumed:,} kept and {fresh:,} new replications"
    say(
        f"{done} in {result.elapsed_s:.1f} s ({rate:,.0f}/s). "
        f"Results in {folder}/: summary.json, replications.parquet, impacts.parquet"
        + (", figures/" if figures else "")
        + (", report.html" if report else "")
    )


@command()
def check(scenario: ScenarioArg, set_: SetOpt = None) -> None:
    """Validate a scenario file and describe what it holds."""
    not_a_study(scenario)
    loaded = load(scenario, set_ or [])
    s = loaded.model
    threats = ", ".join(f"{t} (count mean {g.count.mean:g})" for t, g in s.threats.items())
    batteries = ", ".join(f"{b} ({', '.join(p.pk)})" for b, p in s.defense.batteries.items())
    people = sum(z.personnel.mean for z in s.base.zones.values())
    out.print(f"{scenario}: ok — scenario {s.name!r}")
    out.print(f"  threats: {threats}")
    out.print(f"  batteries (outer first): {batteries or 'none'}")
    out.print(
        f"  zones: {len(s.base.zones)}, people (mean): {people:g}; "
        f"damage function: {s.damage_function}"
    )
    out.print(
        f"  metrics: {len(metric_names(s)) + len(RATIO_NAMES)}; "
        f"default runs {s.runs:,}, seed {s.seed}"
        + ("; has a calibration section" if s.calibration else "")
    )
    for path, dist in s.uncertainties.items():
        out.print(f"  uncertain (one value per attack): {path} ~ {dist.to_yaml()}")
    if loaded.from_catalogue:
        out.print(f"  from the weapon catalogue (version {catalogue().version}):")
        for f in loaded.from_catalogue:
            out.print(f"    {f.path} = {f.value} ({f.weapon}; {f.source})")


@command()
def trace(
    scenario: ScenarioArg,
    seed: SeedOpt = None,
    replication: Annotated[
        int, typer.Option(help="Which replication of the seed's stream (the same one `run` makes).")
    ] = 0,
    set_: SetOpt = None,
    out_dir: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one replication's events as a table and a timeline figure."""
    _check_counts(None, seed, None)
    if not 0 <= replication < LIMITS["runs"]:
        raise InputError(
            "--replication",
            str(replication),
            f"expected a whole number from 0 to {LIMITS['runs'] - 1:,} (a run makes at most "
            f"{LIMITS['runs']:,} replications)",
        )
    s = load(scenario, set_ or []).model
    seed = s.seed if seed is None else seed
    folder = output_dir(s.name, out_dir)
    OutputFolder(folder, "run").probe()  # writable, before the replication runs
    s, _ = replication_scenario(s, seed, replication, RUN)
    rep = run_replication(s, replication_rng(seed, replication), trace=True)
    metrics = dict(zip(metric_names(s), rep.row, strict=True))
    log = rep.log or []
    events = [
        {
            "time_s": round(e.time, 3),
            "event": e.kind,
            "threat": e.threat if e.threat >= 0 else None,
            "type": e.type,
            "battery": e.battery,
            "detail": e.detail,
        }
        for e in log
    ]
    stem = f"trace-seed{seed}-rep{replication}"
    with OutputFolder(folder, "run") as stage:
        from sim.plots import draw_timeline

        figures = draw_timeline(log, s, stage.path(stem))
        write_json_atomic(
            stage.path(f"{stem}.json"),
            {
                "scenario": s.name,
                "seed": seed,
                "replication": replication,
                "metrics": metrics,
                "events": events,
            },
        )
        stage.commit()
    if as_json:
        typer.echo(
            json_text(
                {
                    "scenario": s.name,
                    "seed": seed,
                    "replication": replication,
                    "metrics": metrics,
                    "events": events,
                }
            )
        )
        return
    table = Table(title=f"{s.name}: replication {replication} of seed {seed}", title_justify="left")
    for col in ("t (s)", "event", "threat", "type", "battery", "detail"):
        table.add_column(col, justify="right" if col in ("t (s)", "threat") else "left")
    for e in log:
        table.add_row(
            f"{round(e.time, 3):.1f}",
            e.kind,
            "" if e.threat < 0 else str(e.threat),
            e.type,
            e.battery,
            e.detail,
        )
    out.print(table)
    shown = (
        "fired",
        "detected",
        "intercepted",
        "leaked",
        "interceptors",
        "killed",
        "wounded",
        "tbi",
    )
    out.print("  ".join(f"{k}={metrics[k]}" for k in shown))
    say(f"timeline: {', '.join(str(folder / Path(f).name) for f in figures)}")


@command()
def plot(
    results: ResultsArg,
) -> None:
    """Redraw the figures of a results folder (run, sweep, calibration or campaign)."""
    from sim.report.kinds import kind_of

    must_be_results_folder(results)
    kind = kind_of(results).name  # the folder kinds of ``adsim report``
    if kind == "calibration":
        doc = _read_json(results, "calibration.json")
        if str(doc.get("format", "")).startswith("adsim-joint-calibration"):
            kind = "joint calibration"
    draw = _REDRAW.get(kind)
    if draw is None:  # validation, joint calibration
        again = "adsim validate" if kind == "validation" else "adsim calibrate --events"
        raise InputError(
            str(results),
            "",
            f"cannot be redrawn: a {kind}'s figures need its predictive samples, which the "
            f"folder does not keep; run `{again}` again",
        )
    with OutputFolder(results, None, ("figures",), option=str(results), create=False) as stage:
        written = draw(results, stage)
    say(f"{len(written)} figure files written to {results / 'figures'}/")


def _plot_campaign(results: Path, stage: OutputFolder) -> list[Path]:
    from sim.plots.campaign_figures import draw_campaign_figures

    draw_campaign_figures(_read_json(results, "summary.json"), stage.path("figures"))
    return stage.commit()


def _plot_campaign_sweep(results: Path, stage: OutputFolder) -> list[Path]:
    from sim.plots.campaign_figures import draw_campaign_sweep

    draw_campaign_sweep(_read_json(results, "campaign-sweep.json"), stage.path("figures"))
    return stage.commit()


def _plot_run(results: Path, stage: OutputFolder) -> list[Path]:
    summary = _read_json(results, "summary.json")
    s = load(results / "scenario.yaml").model
    check_run_summary(summary, str(results / "summary.json"), metric_names(s))
    impacts_path = results / "impacts.parquet"
    impacts = (
        read_impacts(impacts_path, s.threat_types) if impacts_path.is_file() else np.empty((0, 5))
    )
    figures_of_run(summary, impacts, s, results / "replications.parquet", stage.path("figures"))
    return stage.commit()


def figures_of_run(
    summary: dict,
    impacts: np.ndarray,
    s: Scenario,
    replications: Path,
    figures: Path,
    workers: int | None = None,
) -> None:
    """Draw a run's figures into ``figures``, side by side on ``workers`` processes (default:
    all cores; the run's workers are done by then), as figures cost seconds of matplotlib
    each. With uncertainties, the figures of what drives the answer too."""
    from sim.plots import run_figure_jobs, uncertainty_figure_jobs

    jobs: list[Callable[[], list[Path]]] = run_figure_jobs(summary, impacts, s, figures)
    block = summary.get("uncertainty_importance")
    if block and block.get("metrics") and replications.is_file():
        table = read_uncertain_sample(replications, block["replications"])
        jobs += uncertainty_figure_jobs(block, table, figures)
    call_each(jobs, default_workers() if workers is None else workers)


def _read_json(results: Path, name: str) -> dict:
    path = results / name
    if not path.is_file():
        raise InputError(
            str(results),
            name,
            "not found; expected a results folder written by `adsim run`, `sweep`, `calibrate` or "
            "`campaign`",
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), "", f"cannot read it as JSON: {exc}") from None


def _plot_sweep(results: Path, stage: OutputFolder) -> list[Path]:
    from sim.plots.sweep_figures import draw_sweep_figures

    doc = _read_json(results, "sweep.json")
    check_sweep(doc, str(results / "sweep.json"))
    draw_sweep_figures(doc, stage.path("figures"))
    return stage.commit()


def _plot_calibration(results: Path, stage: OutputFolder) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.plots.calibration_figures import draw_calibration_figures
    from sim.studies.calibrate import plan_calibration, prior_draws

    doc = _read_json(results, "calibration.json")
    check_calibration(doc, str(results / "calibration.json"))
    plan = plan_calibration(load(results / "scenario.yaml"), doc["samples"], doc["seed"])
    path = results / "posterior.parquet"
    try:
        table = pq.read_table(path).to_pydict()
    except (OSError, pa.ArrowException) as exc:
        raise InputError(str(path), "", f"cannot read it as Parquet: {exc}") from None
    missing = [p for p in plan.factory.paths if p not in table]
    if missing:
        raise InputError(
            str(path), missing[0], "column is missing; expected the draws of each unknown"
        )
    posterior = {p: np.asarray(table[p], dtype=float) for p in plan.factory.paths}
    draw_calibration_figures(doc, posterior, prior_draws(plan), stage.path("figures"))
    return stage.commit()


# What ``adsim plot`` redraws, by folder kind (``sim.report.kinds``).
_REDRAW: dict[str, Callable[[Path, OutputFolder], list[Path]]] = {
    "run": _plot_run,
    "sweep": _plot_sweep,
    "calibration": _plot_calibration,
    "campaign": _plot_campaign,
    "campaign-sweep": _plot_campaign_sweep,
}
