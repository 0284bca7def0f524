"""The report pages of adsim's own results folders: a run, a sweep, a calibration.

(Validations and joint calibrations: ``sim.report.events_builders``; campaigns:
``sim.report.campaign_builders``.)"""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.montecarlo.importance import top_drivers
from sim.outcomes import MAIN_METRICS
from sim.report.content import Report, TableData, figures
from sim.report.kinds import common, metric_table, number, read_document, register

RUN_FIGURES = [
    (
        "leakers",
        "How many threats got through the defence in each simulated attack: the share "
        "of attacks with 0, 1, 2, ... leakers, in total and per threat type.",
    ),
    (
        "casualties",
        "How many people were killed, wounded or concussed (TBI) per attack: the "
        "share of attacks with no casualties is shown apart, the rest as a histogram.",
    ),
    (
        "impact_map",
        "Where the leakers landed (a sample of attacks) over the base's zones: the "
        "dots near the housing and work areas are the ones that hurt people.",
    ),
    (
        "interceptors",
        "How many interceptors each battery fired per attack: what one such "
        "attack costs in interceptors.",
    ),
    (
        "uncertainty_importance",
        "Which uncertain assumption drives each result: the share of "
        "its variance that the assumption alone explains (first-order index).",
    ),
    (
        "driver_",
        "Each result against its strongest driver, one dot per simulated attack: how "
        "the answer moves as that assumption changes.",
    ),
]
SWEEP_FIGURES = [
    (
        "sweep_curves",
        "The main results' means against the varied parameter, with 95% "
        "confidence bands: where the defence holds and where it gives way.",
    ),
    (
        "sweep_lines",
        "Leakers and casualties against one parameter, one line per value of the "
        "other: how the two parameters interact.",
    ),
    (
        "sweep_heatmap",
        "The mean of one result over the grid of two parameters: dark cells are "
        "the combinations that do worst.",
    ),
    (
        "sweep_main_effects",
        "Each result's mean, averaged over the other parameters, against "
        "each parameter: which parameter matters most.",
    ),
    (
        "sweep_scatter",
        "The sampled points in the plane of two parameters, coloured by the result's mean.",
    ),
    (
        "sweep_sobol",
        "Sobol sensitivity indices: the share of each result's variance due to each "
        "parameter alone (S1) and with its interactions (ST).",
    ),
]
CALIBRATION_FIGURES = [
    (
        "calibration_posterior",
        "What the evidence says about each unknown: its prior (what was "
        "assumed before) against its posterior (what stays plausible given what was observed).",
    ),
    (
        "calibration_pairs",
        "The accepted values of the unknowns two by two: a slanted cloud "
        "means the evidence trades one unknown against the other.",
    ),
    (
        "calibration_predictive",
        "The next such attack, predicted from the calibrated unknowns: "
        "the distribution of each result.",
    ),
]


@register("run", "summary.json")
def run_report(folder: Path) -> Report:
    """A run: what one attack of this scenario does, as distributions over replications."""
    doc = read_document(folder, "summary.json")
    name = str(doc.get("scenario", folder.name))
    report = common(
        doc,
        folder,
        "run",
        f"{name}: {number(doc.get('runs'))} simulated attacks",
        f"If the attack described by the scenario {name!r} happened many times over, how "
        "many threats would get through the air defence, how many interceptors would it "
        "cost, and how many people would be hurt?",
    )
    report.description = _description(report.scenario_yaml)
    report.facts = [
        ("replications", number(doc.get("runs"))),
        ("seed", str(doc.get("seed"))),
    ]
    if doc.get("precision"):
        p = doc["precision"]
        report.facts.append(
            (
                "precision target",
                f"{p.get('metric')} ±{p.get('half_width')} "
                f"(reached ±{number(p.get('achieved'), True)})",
            )
        )
    metrics = doc.get("metrics") or {}
    main = {k: v for k, v in metrics.items() if k in (*MAIN_METRICS, "intercepted_fraction")}
    rest = {k: v for k, v in metrics.items() if k not in main}
    report.tables.append(
        metric_table(
            "The main results, per attack",
            main,
            "mean: the average over the simulated attacks; p05 / p95: 9 attacks in 10 fall "
            "between them; P(0): the share of attacks where the count is zero.",
        )
    )
    block = doc.get("uncertainty_importance")
    if isinstance(block, dict) and block.get("metrics"):
        report.tables.append(_drivers(block))
    if rest:
        report.tables.append(metric_table("Every metric (per threat type and battery)", rest))
    report.figures = figures(folder, RUN_FIGURES)
    return report


@register("sweep", "sweep.json")
def sweep_report(folder: Path) -> Report:
    """A sweep: how the results move as some of the scenario's values change."""
    doc = read_document(folder, "sweep.json")
    name = str(doc.get("scenario", folder.name))
    params = [str(p) for p in doc.get("parameters") or []]
    points = doc.get("points") or []
    report = common(
        doc,
        folder,
        "sweep",
        f"{name}: {doc.get('design', '')} sweep of {len(points)} points",
        f"How do the results of the scenario {name!r} change as " + ", ".join(params) + " change?",
    )
    report.description = _description(report.scenario_yaml)
    report.facts = [
        ("design", str(doc.get("design", ""))),
        ("points", number(len(points))),
        ("replications per point", number(doc.get("runs"))),
        ("seed", str(doc.get("seed"))),
    ]
    shown = [m for m in MAIN_METRICS if points and m in points[0].get("metrics", {})]
    rows = []
    for point in points[:200]:
        values = point.get("values", {})
        cells = [number(values.get(p), True) for p in params]
        cells += [number(point["metrics"][m].get("mean"), True) for m in shown]
        rows.append(cells)
    note = "Means per attack; confidence intervals are in points.csv."
    if len(points) > 200:
        note += f" The first 200 of {len(points)} points."
    report.tables.append(TableData("The points", [*params, *shown], rows, note))
    if doc.get("sensitivity"):
        srows = []
        for m, by_path in doc["sensitivity"].items():
            for path, si in by_path.items():
                srows.append([m, path, number(si.get("S1"), True), number(si.get("ST"), True)])
        report.tables.append(
            TableData("Sobol indices", ["metric", "parameter", "S1", "ST"], srows, text_columns=2)
        )
    report.figures = figures(folder, SWEEP_FIGURES)
    return report


@register("calibration", "calibration.json")
def calibration_report(folder: Path) -> Report:
    """A calibration: the unknowns the evidence allows, and the next attack predicted."""
    doc = read_document(folder, "calibration.json")
    if str(doc.get("format", "")).startswith("adsim-joint-calibration"):
        from sim.report.events_builders import joint_report

        return joint_report(folder, doc)
    name = str(doc.get("scenario", folder.name))
    report = common(
        doc,
        folder,
        "calibration",
        f"{name}: calibration against the evidence",
        f"Given what was observed of the attack {name!r}, which values of the unknown "
        "assumptions remain plausible, and what would the next such attack do?",
    )
    report.description = _description(report.scenario_yaml)
    report.facts = [
        ("tries", number(doc.get("tried"))),
        ("accepted", number(doc.get("accepted"))),
        ("acceptance rate", number(doc.get("acceptance_rate"), True)),
        ("seed", str(doc.get("seed"))),
    ]
    evidence = doc.get("evidence") or {}
    report.tables.append(
        TableData(
            "The evidence (what was observed)",
            ["metric", "condition"],
            [[str(k), _inline(v)] for k, v in evidence.items()],
            text_columns=2,
        )
    )
    prow = []
    for path, p in (doc.get("posterior") or {}).items():
        prior = _inline((doc.get("unknowns") or {}).get(path, ""))
        prow.append([path, prior] + [number(p.get(k), True) for k in ("mean", "q05", "q50", "q95")])
    report.tables.append(
        TableData(
            "The unknowns: prior and posterior",
            ["unknown", "prior", "mean", "q05", "median", "q95"],
            prow,
            text_columns=2,
        )
    )
    report.tables.append(
        metric_table(
            f"The next such attack ({number(doc.get('predictive_runs'))} runs)",
            doc.get("predictive") or {},
        )
    )
    report.figures = figures(folder, CALIBRATION_FIGURES)
    return report


def _drivers(block: dict) -> TableData:
    """What drives each main result: its three strongest uncertain assumptions."""
    rows = []
    for m in MAIN_METRICS:
        for rank, (path, s1, conf) in enumerate(top_drivers(block, m), start=1):
            rows.append([m if rank == 1 else "", path, f"{s1:.2f} ± {conf:.2f}"])
    return TableData(
        "What drives the answer",
        ["result", "uncertain assumption", "S1 ± 95%"],
        rows,
        "S1: the share of the result's variance that the assumption alone explains, from "
        f"the first {number(block.get('replications'))} replications.",
        text_columns=2,
    )


def _inline(value: object) -> str:
    """A small YAML value on one line."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


def _description(scenario_yaml: str) -> str:
    """The scenario's own ``description``, if it has one."""
    try:
        data = yaml.safe_load(scenario_yaml)
    except yaml.YAMLError:
        return ""
    text = data.get("description", "") if isinstance(data, dict) else ""
    return str(text).strip()
