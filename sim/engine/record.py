"""What one replication leaves behind: counts filled by the event loop, turned into a row.

``Tally`` is filled during the event loop (who engaged what, who killed what, how many
interceptors); ``facts`` gathers it with the salvo and the casualty counts into
``sim.outcomes.Facts``, from which the declared metrics make one row of integers
(``metric_row``). Statistics are computed later, on many rows.

"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.outcomes import Facts
from sim.outcomes import metric_row as row_of_facts


@dataclass
class Tally:
    """Counters filled while the event loop runs (plain lists: a salvo is small).

    ``killed_by`` is the truth (which battery killed each threat), not what any battery
    believes of it.
    """

    n_threats: int
    n_batteries: int
    killed_by: list[int] = field(init=False)  # battery index, or -1
    killed_at: list[float] = field(init=False)  # time of that kill (for debris)
    engaged: list[set[int]] = field(init=False)  # per battery: threats it fired at
    interceptors: list[int] = field(init=False)  # per battery
    ignored: list[set[int]] = field(init=False)  # per battery: predicted outside its zones
    wasted: list[int] = field(init=False)  # per battery: interceptors fired at dead threats
    debris: list[int] = field(init=False)  # threats that dropped debris (set after the loop)

    def __post_init__(self) -> None:
        self.killed_by = [-1] * self.n_threats
        self.killed_at = [0.0] * self.n_threats
        self.engaged = [set() for _ in range(self.n_batteries)]
        self.interceptors = [0] * self.n_batteries
        self.ignored = [set() for _ in range(self.n_batteries)]
        self.wasted = [0] * self.n_batteries
        self.debris = []


def facts(
    tally: Tally,
    type_index: list[int],
    detected: list[bool],
    n_types: int,
    casualties: tuple[int, int, int],
) -> Facts:
    """The tally, the salvo's types and detections and the casualties, as metric input."""
    engaged = [False] * tally.n_threats
    for ids in tally.engaged:
        for i in ids:
            engaged[i] = True
    ignored = [False] * tally.n_threats
    for ids in tally.ignored:
        for i in ids:
            ignored[i] = not engaged[i]
    debris = [False] * tally.n_threats
    for i in tally.debris:
        debris[i] = True
    return Facts(
        n_types,
        type_index,
        detected,
        engaged,
        tally.killed_by,
        [len(ids) for ids in tally.engaged],
        tally.interceptors,
        casualties,
        ignored,
        [len(ids) for ids in tally.ignored],
        tally.wasted,
        debris,
    )


def metric_row(
    tally: Tally,
    type_index: list[int],
    detected: list[bool],
    n_types: int,
    casualties: tuple[int, int, int],
) -> list[int]:
    """One replication's integer metrics, in the order of ``metric_names``."""
    return row_of_facts(facts(tally, type_index, detected, n_types, casualties))
