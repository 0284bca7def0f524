"""A campaign: months of attacks drawing down a finite stock of interceptors.

A campaign is a period of ``days`` in which attacks of several kinds arrive, each kind a
scenario of one attack (the same engine, the same file format). A kind arrives as a Poisson
process (``per_day``) or on a fixed list of days (``on_days``, for replaying a known
sequence). Batteries named in ``stock`` draw on a stock that carries over between attacks
and is resupplied on a fixed schedule; batteries not named there are not limited (their
scenario's magazine is all there is, attack after attack). Costs are optional, in one
currency.

Parameters only: validated and immutable (``sim.io.campaign_file`` builds them); what one
campaign replication does with them is in ``sim.montecarlo.campaign``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.scenario import Scenario


@dataclass(frozen=True)
class AttackKind:
    """One kind of attack: its scenario, and when it comes (a rate, or given days)."""

    name: str
    scenario: Scenario
    per_day: float = 0.0  # Poisson rate (attacks a day); 0 with ``on_days``
    on_days: tuple[float, ...] = ()  # times in days from the campaign's start


@dataclass(frozen=True)
class Resupply:
    """``interceptors`` arrive every ``every_days`` days (on day every_days, 2 every_days, ...)."""

    interceptors: int
    every_days: float


@dataclass(frozen=True)
class Stock:
    """A battery's interceptors at the start, and their resupply (none: no resupply)."""

    initial: int
    resupply: Resupply | None = None


@dataclass(frozen=True)
class Costs:
    """Unit costs: per interceptor of each battery, per threat of each type."""

    interceptor: dict[str, float] = field(default_factory=dict)
    threat: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Campaign:
    """A validated campaign file."""

    name: str
    runs: int
    seed: int
    days: float
    attacks: tuple[AttackKind, ...]
    stock: dict[str, Stock]
    costs: Costs | None = None
    start: str | None = None  # the calendar date of day 0, for labels only

    @property
    def threat_types(self) -> list[str]:
        """Every threat type of the campaign's scenarios, in order of first appearance."""
        return _union(a.scenario.threat_types for a in self.attacks)

    @property
    def battery_names(self) -> list[str]:
        """Every battery of the campaign's scenarios, in order of first appearance."""
        return _union(a.scenario.battery_names for a in self.attacks)

    @property
    def stocked(self) -> list[str]:
        """The batteries with a stock, in file order."""
        return list(self.stock)

    @property
    def whole_days(self) -> int:
        """The number of days the per-day records cover (day 0 to this - 1)."""
        return max(1, int(-(-self.days // 1)))

    def expected_attacks(self) -> float:
        """Mean number of attacks in one campaign replication."""
        return sum(a.per_day * self.days + len(a.on_days) for a in self.attacks)


def _union(lists: object) -> list[str]:
    out: list[str] = []
    for names in lists:  # type: ignore[attr-defined]
        out += [n for n in names if n not in out]
    return out
