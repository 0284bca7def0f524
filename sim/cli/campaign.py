"""The ``adsim campaign`` command: months of attacks against a finite interceptor stock.

The campaign machinery is imported when the command runs, so that every other command
starts as fast as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich.table import Table

from sim.cli import command
from sim.cli.common import (
    kept,
    out,
    output_dir,
    progress_bar,
    results_table,
    same_results,
    say,
)
from sim.cli.run import (
    ClusterOpt,
    FiguresOpt,
    JsonOpt,
    OutOpt,
    ReportOpt,
    RunsOpt,
    SeedOpt,
    WorkersOpt,
    _capped,
    _check_counts,
)
from sim.io.errors import InputError
from sim.io.folders import OutputFolder
from sim.io.overrides import parse_assignment
from sim.io.provenance import parquet_metadata, provenance, stamped
from sim.io.results import json_text, write_json_atomic, write_yaml

if TYPE_CHECKING:
    from sim.montecarlo.campaign_run import CampaignResult

CampaignArg = Annotated[
    Path,
    typer.Argument(help="Campaign YAML file.", show_default=False, metavar="FILE", readable=False),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a value: PATH=VALUE (campaign.stock.upper.initial=60, or "
        "campaign.attacks.0.scenario.<scenario path>=VALUE). Repeatable.",
    ),
]
# What a campaign's commit replaces as a set.
CAMPAIGN_FILES = (
    "summary.json",
    "campaigns.parquet",
    "days.parquet",
    "campaign.yaml",
    "figures",
    "report.html",
)
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace the results of another campaign (or campaign sweep, with --vary) in --out.",
    ),
]
SHOWN = ("attacks", "leaked", "interceptors", "casualties", "intercepted_fraction")


def campaign_table(result: CampaignResult, title: str) -> Table:
    """The campaign's distributions: the main totals, stock-outs and costs."""
    table = results_table(title)
    for col in ("metric", "mean", "±95% CI", "p05", "p50", "p95", "n"):
        table.add_column(col, justify="left" if col == "metric" else "right", no_wrap=True)
    c = result.campaign
    names = [*SHOWN, *(f"attacks.{a.name}" for a in c.attacks)]
    names += [f"interceptors.{b}" for b in c.stocked]
    names += [f"stockout.{b}" for b in c.stocked] + [f"stockout_day.{b}" for b in c.stocked]
    names += [f"stock_left.{b}" for b in c.stocked]
    if c.costs is not None:
        names += ["cost.defence", "cost.attack", "cost_exchange"]
    for name in names:
        m = result.metrics[name]
        if m["n"] == 0:
            table.add_row(name, "undefined", "", "", "", "", "0")
            continue
        lo, hi = m["ci95"]
        half = f"{(hi - lo) / 2:.3g}" if lo is not None else ""
        table.add_row(
            name,
            f"{m['mean']:.4g}",
            half,
            *(f"{m[q]:.4g}" for q in ("p05", "p50", "p95")),
            f"{m['n']:,}",
        )
    return table


@command()
def campaign(
    file: CampaignArg,
    runs: RunsOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    set_: SetOpt = None,
    out_dir: OutOpt = None,
    as_json: JsonOpt = False,
    figures: FiguresOpt = True,
    cluster: ClusterOpt = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            help="Sweep instead: PATH=a:b:n or PATH=v1,v2,... over a grid (campaign paths, e.g. "
            "campaign.stock.upper.initial=10:60:6). Repeatable."
        ),
    ] = None,
    report: ReportOpt = False,
    force: ForceOpt = False,
) -> None:
    """Play many campaign replications; print distributions; write records and figures.

    With --vary, run the campaign at every grid point instead (campaign-sweep.json).
    """
    _check_counts(runs, seed, workers, cluster)
    workers = _capped(workers)
    if vary:
        if set_:
            raise InputError("--set", set_[0], "cannot be combined with --vary; edit the file")
        _sweep(file, vary, runs, seed, workers, out_dir, as_json, figures, cluster, report, force)
        return
    from sim.io.campaign_file import load_campaign
    from sim.io.campaign_results import CampaignWriter, DayWriter
    from sim.montecarlo.campaign import Layout
    from sim.montecarlo.campaign_run import run_campaigns

    assignments = dict(parse_assignment(a) for a in set_ or [])
    loaded = load_campaign(file, assignments)
    c = loaded.model
    folder = output_dir(c.name, out_dir)
    n = c.runs if runs is None else runs
    layout = Layout.of(c)
    with OutputFolder(folder, "run", CAMPAIGN_FILES) as stage:
        if not force:  # another campaign's results: refused, before any work
            same_results(
                stage.folder, str(folder), loaded.digest, c.name, kind="campaign", what="campaign"
            )
        rows = CampaignWriter(
            stage.path("campaigns.parquet"), list(layout.ints), list(layout.reals)
        )
        days = DayWriter(stage.path("days.parquet"), list(layout.series))

        def sink(ints: np.ndarray, reals: np.ndarray, per_day: np.ndarray, first: int) -> None:
            rows(ints, reals, first)
            days(per_day, first)

        try:
            expected = int(round(n * c.expected_attacks()))
            with progress_bar(expected, f"{c.name}: attacks", show=not as_json) as advance:
                result = run_campaigns(
                    c,
                    runs=n,
                    seed=seed,
                    workers=workers,
                    sink=sink,
                    progress=advance,
                    cluster=cluster,
                )
            block = provenance(loaded.digest, result.seed, result.runs)
            rows.close(parquet_metadata(block))
            days.close(parquet_metadata(block))
            write_yaml(stage.path("campaign.yaml"), loaded.raw)
            summary = stamped(result.summary(), block)
            write_json_atomic(stage.path("summary.json"), summary)
            if figures:
                from sim.plots.campaign_figures import draw_campaign_figures

                draw_campaign_figures(summary, stage.path("figures"))
            if report:
                from sim.report import write_report

                write_report(stage.stage)
            stage.commit()
        except KeyboardInterrupt as exc:
            rows.abort()
            days.abort()
            kept(exc, stage.saved(f"nothing was saved (no results written to {folder}/)"))
            raise
        except BaseException:
            rows.abort()
            days.abort()
            raise
    if as_json:
        typer.echo(json_text(summary))
        return
    out.print(
        campaign_table(
            result,
            f"{c.name}: {result.runs:,} campaigns of {c.days:g} days, {result.attacks:,} "
            f"attacks, seed {result.seed}, {result.workers} worker(s)",
        )
    )
    say(
        f"{result.runs:,} campaigns ({result.attacks:,} attacks) in {result.elapsed_s:.1f} s. "
        f"Results in {folder}/: summary.json, campaigns.parquet, days.parquet"
        + (", figures/" if figures else "")
        + (", report.html" if report else "")
    )


def _sweep(
    file: Path,
    vary: list[str],
    runs: int | None,
    seed: int | None,
    workers: int | None,
    out_dir: str | None,
    as_json: bool,
    figures: bool,
    cluster: str | None,
    report: bool = False,
    force: bool = False,
) -> None:
    from sim.io.campaign_file import load_campaign
    from sim.studies.campaign_sweep import sweep_campaign
    from sim.studies.vary import parse_all

    varies = parse_all(vary, "--vary")
    loaded = load_campaign(file)
    base = loaded.model
    folder = output_dir(f"{base.name}-sweep", out_dir)
    owns = ("campaign-sweep.json", "campaign.yaml", "figures", "report.html")
    with OutputFolder(folder, "run", owns) as stage:
        if not force:  # another campaign sweep's results: refused, before any work
            same_results(
                stage.folder,
                str(folder),
                loaded.digest,
                base.name,
                kind="campaign",
                what="campaign sweep",
                document="campaign-sweep.json",
            )
        try:
            n = (base.runs if runs is None else runs) * max(1, len(varies))
            with progress_bar(n, f"{base.name}: sweep", show=False) as advance:
                doc = sweep_campaign(file, varies, runs, seed, workers, cluster, advance)
            doc = stamped(doc, provenance(loaded.digest, doc["seed"], doc["runs"]))
            write_yaml(stage.path("campaign.yaml"), loaded.raw)
            write_json_atomic(stage.path("campaign-sweep.json"), doc)
            if figures:
                from sim.plots.campaign_figures import draw_campaign_sweep

                draw_campaign_sweep(doc, stage.path("figures"))
            if report:
                from sim.report import write_report

                write_report(stage.stage)
            stage.commit()
        except KeyboardInterrupt as exc:
            kept(exc, stage.saved(f"nothing was saved (no results written to {folder}/)"))
            raise
    if as_json:
        typer.echo(json_text(doc))
        return
    table = results_table(f"{base.name}: sweep, {doc['runs']:,} campaigns per point")
    for col in (
        *doc["parameters"],
        "leaked (mean)",
        *(f"P(no stock-out {b})" for b in base.stocked),
    ):
        table.add_column(col, justify="right")
    for p in doc["points"]:
        cells = [f"{p['values'][q]:g}" for q in doc["parameters"]]
        cells.append(f"{p['metrics']['leaked']['mean']:.3g}")
        cells += [f"{1 - p['metrics'][f'stockout.{b}']['mean']:.3f}" for b in base.stocked]
        table.add_row(*cells)
    out.print(table)
    for b, need in doc["needed"].items():
        value = "not reached in the sweep" if need["initial"] is None else f"{need['initial']:g}"
        say(f"{b}: interceptors needed at the start for {need['target']:.0%} no stock-out: {value}")
    say(
        f"Results in {folder}/: campaign-sweep.json, campaign.yaml"
        + (", figures/" if figures else "")
        + (", report.html" if report else "")
    )
