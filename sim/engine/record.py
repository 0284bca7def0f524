"""What one replication leaves behind: counts per metric, as plain data.

``Tally`` is filled during the event loop (who engaged what, who killed what, how many
interceptors); ``metric_row`` turns it, with the casualty counts, into one row of integers in
the fixed column order of ``metric_names``. Statistics are computed later, on many rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.scenario import Scenario

BASE_METRICS = ("fired", "detected", "engaged", "intercepted", "leaked", "interceptors",
                "killed", "wounded", "tbi", "casualties")
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
    """Counters filled while the event loop runs."""

    n_threats: int
    n_batteries: int
    killed_by: np.ndarray = field(init=False)  # battery index, or -1
    engaged: list[set[int]] = field(init=False)
    interceptors: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.killed_by = np.full(self.n_threats, -1)
        self.engaged = [set() for _ in range(self.n_batteries)]
        self.interceptors = [0] * self.n_batteries


def metric_row(
    tally: Tally,
    type_index: np.ndarray,
    detected: np.ndarray,
    n_types: int,
    casualties: tuple[int, int, int],
) -> list[int]:
    """One replication's integer metrics, in the order of ``metric_names``."""
    nb = tally.n_batteries
    killed = tally.killed_by >= 0
    engaged_any = np.zeros(tally.n_threats, dtype=bool)
    for ids in tally.engaged:
        if ids:
            engaged_any[list(ids)] = True
    fired_t = np.bincount(type_index, minlength=n_types)
    detected_t = np.bincount(type_index[detected], minlength=n_types)
    engaged_t = np.bincount(type_index[engaged_any], minlength=n_types)
    intercepted_t = np.bincount(type_index[killed], minlength=n_types)
    leaked_t = fired_t - intercepted_t
    per_battery_kills = np.bincount(tally.killed_by[killed], minlength=nb) if nb else []
    k, w, t = casualties
    row = [int(fired_t.sum()), int(detected_t.sum()), int(engaged_t.sum()),
           int(intercepted_t.sum()), int(leaked_t.sum()), sum(tally.interceptors),
           k, w, t, k + w + t]
    for arr in (fired_t, detected_t, engaged_t, intercepted_t, leaked_t):
        row += arr.tolist()
    row += [len(ids) for ids in tally.engaged]
    row += [int(x) for x in per_battery_kills]
    row += tally.interceptors
    return row
