"""What one replication leaves behind: counts per metric, as plain data.

``Tally`` is filled during the event loop (who engaged what, who killed what, how many
interceptors); ``metric_row`` turns it, with the casualty counts, into one row of integers in
the fixed column order of ``metric_names``. Statistics are computed later, on many rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.scenario import Scenario

BASE_METRICS = (
    "fired",
    "detected",
    "engaged",
    "intercepted",
    "leaked",
    "interceptors",
    "killed",
    "wounded",
    "tbi",
    "casualties",
)
PER_TYPE = ("fired", "detected", "engaged", "intercepted", "leaked")
PER_BATTERY = ("engaged", "intercepted", "interceptors")
RATIO = "intercepted_fraction"


def metric_names(s: Scenario) -> list[str]:
    """Integer metric columns of a replication row, in order."""
    names = list(BASE_METRICS)
    names += [f"{m}.{t}" for m in PER_TYPE for t in s.threat_types]
    names += [f"{m}.{b}" for m in PER_BATTERY for b in s.battery_names]
    return names


@dataclass
class Tally:
    """Counters filled while the event loop runs (plain lists: a salvo is small)."""

    n_threats: int
    n_batteries: int
    killed_by: list[int] = field(init=False)  # battery index, or -1
    engaged: list[set[int]] = field(init=False)  # per battery: threats it fired at
    interceptors: list[int] = field(init=False)  # per battery

    def __post_init__(self) -> None:
        self.killed_by = [-1] * self.n_threats
        self.engaged = [set() for _ in range(self.n_batteries)]
        self.interceptors = [0] * self.n_batteries


def metric_row(
    tally: Tally,
    type_index: list[int],
    detected: list[bool],
    n_types: int,
    casualties: tuple[int, int, int],
) -> list[int]:
    """One replication's integer metrics, in the order of ``metric_names``."""
    fired = [0] * n_types
    seen = [0] * n_types
    engaged = [0] * n_types
    intercepted = [0] * n_types
    kills = [0] * tally.n_batteries
    engaged_any = set().union(*tally.engaged)
    for i, (t, d, b) in enumerate(zip(type_index, detected, tally.killed_by, strict=True)):
        fired[t] += 1
        if d:
            seen[t] += 1
        if i in engaged_any:
            engaged[t] += 1
        if b >= 0:
            intercepted[t] += 1
            kills[b] += 1
    leaked = [f - k for f, k in zip(fired, intercepted, strict=True)]
    k, w, t = casualties
    row = [
        sum(fired),
        sum(seen),
        sum(engaged),
        sum(intercepted),
        sum(leaked),
        sum(tally.interceptors),
        k,
        w,
        t,
        k + w + t,
    ]
    row += fired + seen + engaged + intercepted + leaked
    row += [len(ids) for ids in tally.engaged]
    row += kills
    row += tally.interceptors
    return row
