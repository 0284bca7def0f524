"""The report pages of results scored against public events: a validation, and a joint
calibration (whose posterior predictive is scored the same way)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.report.content import Report, TableData, figures
from sim.report.kinds import common, number, read_document, register

VALIDATION_FIGURES = [
    (
        "validation_events",
        "Each event's predicted distribution of every reported number, with what was "
        "observed marked: an observation far in a tail is one the model did not expect.",
    ),
    (
        "validation_pit",
        "Where the observations fell in their predicted distributions (PIT): a calibrated "
        "model spreads them evenly; a pile at either end means it is biased or too sure.",
    ),
]
JOINT_FIGURES = [
    (
        "joint_predictive_pit",
        "Where the observations fell in the posterior predictive distributions (PIT), "
        "after calibration: in-sample, so an even spread is expected rather than a test.",
    ),
]
SCORE_NOTE = (
    "90% interval: 9 simulated attacks in 10 fall in it. PIT: the share of simulated attacks "
    "below the observation (0.5 is the middle). tail p: how far in a tail the observation is "
    "(below 0.01: surprising). log score: lower is better; * no simulated attack gave the "
    "observed value, the score is a floor."
)


def _observed(m: dict[str, Any]) -> str:
    lo, hi = (m.get("observed") or [None, None])[:2]
    if lo is None:
        return "—"
    return number(float(lo)) if lo == hi else f"{number(float(lo))}–{number(float(hi))}"


def _inline(value: object) -> str:
    """A small YAML value on one line."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


def _share(x: Any) -> str:
    return f"{x:.2f}" if isinstance(x, int | float) else "—"


def _yes(flag: Any) -> str:
    return "yes" if flag else "no"


def score_rows(per_event: list[tuple[str, dict[str, dict]]]) -> list[list[str]]:
    """One row per (event, metric) score: observed, predicted mean, median, 90% interval,
    PIT, tail probability, interval hits and log score."""
    rows = []
    for name, metrics in per_event:
        for k, (metric, m) in enumerate(metrics.items()):
            log = number(m.get("log_score"), True) + ("*" if m.get("floored") else "")
            rows.append(
                [
                    name if k == 0 else "",
                    metric,
                    _observed(m),
                    number(m.get("mean"), True),
                    number(m.get("p50")),
                    f"{number(m.get('p05'))}–{number(m.get('p95'))}",
                    number(m.get("pit"), True),
                    number(m.get("tail"), True),
                    f"{_yes(m.get('in50'))} / {_yes(m.get('in90'))}",
                    log,
                ]
            )
    return rows


SCORE_COLUMNS = [
    "event",
    "metric",
    "observed",
    "predicted mean",
    "median",
    "90% interval",
    "PIT",
    "tail p",
    "in 50% / 90%",
    "log score",
]


def overall_table(ov: dict[str, Any], title: str) -> TableData:
    """Coverage of the intervals and the mean log score over every pair."""
    rows = [
        ["(event, metric) pairs", number(ov.get("pairs")), ""],
        ["coverage of the 50% intervals", _share(ov.get("coverage50")), "0.50"],
        ["coverage of the 90% intervals", _share(ov.get("coverage90")), "0.90"],
        ["mean log score", number(ov.get("mean_log_score"), True), "lower is better"],
        ["observations with tail p < 0.01", number(ov.get("tail_below_0.01")), "0"],
        ["observations no simulated attack gave", number(ov.get("floored")), "0"],
    ]
    return TableData(title, ["measure", "value", "if calibrated"], rows)


def _inputs(folder: Path) -> list[tuple[str, str]]:
    """The event files and their scenarios saved beside the scores."""
    found = []
    for sub in ("events", "scenarios"):
        for path in sorted((folder / sub).glob("*.yaml")):
            try:
                found.append((f"{sub}/{path.name}", path.read_text(encoding="utf-8")))
            except OSError:
                continue
    return found


@register("validation", "validation.json")
def validation_report(folder: Path) -> Report:
    """A validation: how probable the model found what happened in public attacks."""
    doc = read_document(folder, "validation.json")
    events = [e for e in doc.get("events") or [] if isinstance(e, dict)]
    ov = doc.get("overall") or {}
    report = common(
        doc,
        folder,
        "validation",
        f"Validation against {len(events)} public event{'s' if len(events) != 1 else ''}",
        "Before knowing what happened, how probable did the model find what was reported "
        "of each public attack: are its predictions to be trusted, and where do they fail?",
    )
    report.description = (
        "Each event's scenario was run as adsim run would run it; each number reported "
        "of the attack is scored against the simulated distribution of that number."
    )
    report.facts = [
        ("events", ", ".join(f"{e.get('name')} ({e.get('date', '')})" for e in events)),
        ("simulated attacks per event", number(doc.get("runs"))),
        ("seed", str(doc.get("seed"))),
    ]
    if ov.get("pairs"):
        report.facts.append(
            (
                "coverage of the 50% / 90% intervals",
                f"{_share(ov.get('coverage50'))} / {_share(ov.get('coverage90'))} "
                "(calibrated: 0.50 / 0.90)",
            )
        )
    per_event = [(str(e.get("name")), e.get("metrics") or {}) for e in events]
    report.tables.append(
        TableData("The scorecard", SCORE_COLUMNS, score_rows(per_event), SCORE_NOTE, 2)
    )
    if ov.get("pairs"):
        report.tables.append(overall_table(ov, "Over every event"))
    report.figures = figures(folder, VALIDATION_FIGURES)
    report.inputs = _inputs(folder)
    if not report.inputs:
        report.notes.append(
            "The folder holds no copies of the event files or their scenarios (written by "
            "an older adsim); validation.json names them: "
            + ", ".join(str(e.get("scenario")) for e in events)
        )
    return report


def joint_report(folder: Path, doc: dict[str, Any]) -> Report:
    """A joint calibration: unknowns shared by several events, weighted by their evidence."""
    events = doc.get("events") or {}
    report = common(
        doc,
        folder,
        "calibration",
        f"Joint calibration over {len(events)} public event{'s' if len(events) != 1 else ''}",
        "Which values of the unknowns shared by these attacks make what was reported of all "
        "of them likely, and how well do the calibrated predictions then fit each attack?",
    )
    report.description = (
        "Each draw of the unknowns from their priors ran every event's scenario "
        f"{number(doc.get('per_draw'))} times and was weighted by how often each event's "
        "reported numbers came out; the posterior is the weighted draws."
    )
    report.facts = [
        ("prior draws", number(doc.get("draws"))),
        ("replications per event and draw", number(doc.get("per_draw"))),
        ("draws with weight", number(doc.get("draws_with_weight"))),
        ("effective sample size", number(doc.get("ess"), True)),
        ("seed", str(doc.get("seed"))),
    ]
    erows = []
    for name, ev in events.items():
        observed = ", ".join(
            f"{metric} {_observed({'observed': v})}"
            for metric, v in (ev.get("observed") or {}).items()
        )
        erows.append([str(name), observed, number(ev.get("hit_rate"), True)])
    report.tables.append(
        TableData(
            "The evidence (what was reported of each event)",
            ["event", "observed", "hit rate"],
            erows,
            "hit rate: the share of all simulated attacks that matched everything observed.",
            text_columns=2,
        )
    )
    prow = []
    for path, prior in (doc.get("unknowns") or {}).items():
        p = (doc.get("posterior") or {}).get(path) or {}
        prow.append(
            [path, _inline(prior)] + [number(p.get(k), True) for k in ("mean", "q05", "q50", "q95")]
        )
    report.tables.append(
        TableData(
            "The unknowns: prior and posterior",
            ["unknown", "prior", "mean", "q05", "median", "q95"],
            prow,
            "" if doc.get("posterior") else "No draw had weight: there is no posterior.",
            text_columns=2,
        )
    )
    predictive = doc.get("predictive") or {}
    if predictive:
        report.tables.append(
            TableData(
                f"The posterior predictive, scored ({number(doc.get('predictive_runs'))} "
                "runs per event)",
                SCORE_COLUMNS,
                score_rows(list(predictive.items())),
                SCORE_NOTE,
                2,
            )
        )
    if (doc.get("predictive_overall") or {}).get("pairs"):
        report.tables.append(overall_table(doc["predictive_overall"], "Over every event"))
    report.figures = figures(folder, JOINT_FIGURES)
    report.inputs = _inputs(folder)
    return report
