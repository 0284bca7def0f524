"""The scenario: validated, immutable parameters of everything that is simulated.

A scenario file is checked here once, up front, against the v1 format (see
``docs/scenario-format.md``): unknown keys, wrong types, out-of-range probabilities, reversed
ranges, distributions where they are not allowed and absurd sizes are all rejected with the
dotted path of the offending value. Nothing in the engine validates again.

Per-replication sizes are capped (``LIMITS``) so that one replication always fits in memory
and finishes in reasonable time; the caps are generous for any real salvo. Sizes within
their caps can still multiply into hours of scoring (a million people, each within reach of
ten thousand impacts), so the work of one replication's casualty scoring, people within
reach times impacts, is bounded too, from the largest values the scenario allows
(``work_errors``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator, model_validator
from pydantic_core import core_schema

from sim.model.damage import DamageFunctionName, damage_function_for
from sim.model.distributions import Dist, Kind, constant, parse_dist

LIMITS = {
    "person_impacts": 500_000_000,  # people within reach x impacts scored in one replication
    "threats_per_group": 10_000,
    "personnel_per_zone": 1_000_000,
    "channels": 1_000,
    "interceptors": 1_000_000,
    "shots_x_engagements": 100,
    "runs": 1_000_000_000,
    "seconds": 10_000_000.0,
    "metres": 10_000_000.0,
    "scale": 1_000.0,
}

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class _Value:
    """A constant or a distribution of a kind: parsed by ``parse_dist``, described in JSON
    Schema by ``sim.model.dist_schema`` (``adsim schema``)."""

    def __init__(self, kind: Kind, cap: float) -> None:
        self.kind, self.cap = kind, cap

    def parse(self, raw: Any) -> Dist:
        return raw if isinstance(raw, Dist) else parse_dist(raw, self.kind, self.cap)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return core_schema.no_info_plain_validator_function(self.parse)

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        from sim.model.dist_schema import value_schema

        return value_schema(self.kind)


def _value(kind: Kind, cap: float = float("inf")) -> _Value:
    return _Value(kind, cap)


Real = Annotated[Dist, _value("real", LIMITS["metres"])]
Seconds = Annotated[Dist, _value("duration", LIMITS["seconds"])]
Metres = Annotated[Dist, _value("duration", LIMITS["metres"])]
Probability = Annotated[Dist, _value("probability")]
Scale = Annotated[Dist, _value("duration", LIMITS["scale"])]


ThreatCount = Annotated[Dist, _value("count", LIMITS["threats_per_group"])]
InterceptorCount = Annotated[Dist, _value("count", LIMITS["interceptors"])]
ChannelCount = Annotated[Dist, _value("count", LIMITS["channels"])]
PersonnelCount = Annotated[Dist, _value("count", LIMITS["personnel_per_zone"])]


class Frozen(BaseModel):
    """Base of every parameter block: immutable, and unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, allow_inf_nan=False
    )


def _identifiers(mapping: dict[str, Any], what: str) -> dict[str, Any]:
    for key in mapping:
        if not IDENTIFIER.match(str(key)):
            raise ValueError(
                f"{what} name {key!r} is not an identifier "
                "(letters, digits, '_' and '-', not starting with a digit)"
            )
    return mapping


class Effects(Frozen):
    """Radius of each casualty category around an impact, and a factor on all three
    (``scale``: "the warhead is bigger or smaller than assumed", one number)."""

    killed_m: Metres = constant(0.0, "duration")
    wounded_m: Metres = constant(0.0, "duration")
    tbi_m: Metres = constant(0.0, "duration")
    scale: Scale = constant(1.0, "duration")


class Aim(Frozen):
    """An aim point, or a zone whose area is aimed at uniformly."""

    x_m: Real | None = None
    y_m: Real | None = None
    zone: str | None = None

    @field_validator("zone")
    @classmethod
    def _zone_name(cls, v: str | None) -> str | None:
        if v is not None and not IDENTIFIER.match(v):
            raise ValueError(f"zone name {v!r} is not an identifier")
        return v

    @model_validator(mode="after")
    def _point_or_zone(self) -> Aim:
        """Exactly one of a point and a zone."""
        point = self.x_m is not None or self.y_m is not None
        if self.zone is not None and point:
            raise ValueError("aim is either {x_m, y_m} or {zone}, not both")
        if self.zone is None and (self.x_m is None or self.y_m is None):
            raise ValueError("aim needs both x_m and y_m, or a zone")
        return self


class Debris(Frozen):
    """Harmful debris of an intercepted threat: with ``probability`` it lands around the
    threat's would-be impact point (circular normal error of CEP ``scatter_m``) with these
    effect radii."""

    probability: Probability
    scatter_m: Metres = constant(0.0, "duration")
    effects: Effects = Effects()


class ThreatGroup(Frozen):
    """One threat type's part of the salvo (``weapon``: the catalogue class it was filled
    from, if any; loading has written the class's values in)."""

    weapon: str | None = None
    count: ThreatCount
    launch_s: Seconds = constant(0.0, "duration")
    flight_time_s: Seconds
    aim: Aim
    cep_m: Metres = constant(0.0, "duration")
    effects: Effects = Effects()
    debris: Debris | None = None


class Detection(Frozen):
    """Probability and delay of detecting one threat of a type."""

    probability: Probability = constant(1.0, "probability")
    delay_s: Seconds = constant(0.0, "duration")


class Doctrine(Frozen):
    """Shots fired together per engagement, and engagements per threat at one battery."""

    shots: int = Field(ge=1, le=LIMITS["shots_x_engagements"])
    engagements: int = Field(ge=1, le=LIMITS["shots_x_engagements"])

    @model_validator(mode="after")
    def _bounded(self) -> Doctrine:
        """Bound the shots a single threat can draw."""
        if self.shots * self.engagements > LIMITS["shots_x_engagements"]:
            raise ValueError(f"shots x engagements must be at most {LIMITS['shots_x_engagements']}")
        return self


NAMED_DOCTRINES = {
    "shoot": Doctrine(shots=1, engagements=1),
    "shoot-shoot": Doctrine(shots=2, engagements=1),
    "shoot-look-shoot": Doctrine(shots=1, engagements=2),
}


def _doctrine(raw: Any) -> Doctrine:
    if isinstance(raw, Doctrine):
        return raw
    if isinstance(raw, str):
        if raw not in NAMED_DOCTRINES:
            raise ValueError(
                f"unknown doctrine {raw!r}; expected one of: "
                f"{', '.join(NAMED_DOCTRINES)} or {{shots: n, engagements: m}}"
            )
        return NAMED_DOCTRINES[raw]
    if isinstance(raw, dict):
        return Doctrine.model_validate(raw)
    raise ValueError(
        f"expected a doctrine name ({', '.join(NAMED_DOCTRINES)}) "
        f"or {{shots: n, engagements: m}}, got {raw!r}"
    )


class Reload(Frozen):
    """Refill of a battery's magazine once it is empty."""

    interceptors: InterceptorCount
    time_s: Seconds
    times: int = Field(default=1, ge=0, le=1000)


class KillAssessment(Frozen):
    """How a battery misjudges an engagement: a miss seen as a kill (the threat leaks), a
    kill seen as a miss (the dead threat is engaged again)."""

    miss_seen_as_kill: Probability = constant(0.0, "probability")
    kill_seen_as_miss: Probability = constant(0.0, "probability")

    @property
    def perfect(self) -> bool:
        """True when the battery never errs (no random draws are made for it)."""
        return all(
            p.is_constant and p.params[0] == 0
            for p in (self.miss_seen_as_kill, self.kill_seen_as_miss)
        )


class Battery(Frozen):
    """One defensive layer: kill probabilities, doctrine, channels, magazine and timing,
    and how it really fails (availability, kill assessment, allocation, selective
    engagement; ``sim.engine.realism``)."""

    pk: dict[str, Probability]
    doctrine: Annotated[Doctrine, PlainValidator(_doctrine)] = NAMED_DOCTRINES["shoot"]
    channels: ChannelCount = constant(1, "count")
    interceptors: InterceptorCount
    reload: Reload | None = None
    reaction_s: Seconds = constant(0.0, "duration")
    flyout_s: Seconds = constant(0.0, "duration")
    assess_s: Seconds = constant(0.0, "duration")
    min_time_before_impact_s: Seconds = constant(0.0, "duration")
    availability: Probability = constant(1.0, "probability")
    kill_assessment: KillAssessment = KillAssessment()
    allocation: Literal["greedy", "spread"] = "greedy"
    defends: list[str] | None = None
    defend_margin_m: Metres = constant(0.0, "duration")
    prediction_error_m: Metres = constant(0.0, "duration")

    @field_validator("pk")
    @classmethod
    def _pk_types(cls, v: dict[str, Dist]) -> dict[str, Dist]:
        return _identifiers(v, "threat type")

    @property
    def always_available(self) -> bool:
        """True when availability is a constant 1 (no random draw is made for it)."""
        return self.availability.is_constant and self.availability.params[0] == 1


class Defense(Frozen):
    """Detection per threat type and the batteries, outer layer first."""

    detection: dict[str, Detection] = {}
    batteries: dict[str, Battery] = {}

    @field_validator("detection")
    @classmethod
    def _detection_types(cls, v: dict[str, Detection]) -> dict[str, Detection]:
        return _identifiers(v, "threat type")

    @field_validator("batteries")
    @classmethod
    def _battery_names(cls, v: dict[str, Battery]) -> dict[str, Battery]:
        return _identifiers(v, "battery")


class Zone(Frozen):
    """An axis-aligned rectangle with people placed uniformly in it."""

    center_m: tuple[float, float]
    size_m: tuple[float, float]
    personnel: PersonnelCount

    @field_validator("center_m")
    @classmethod
    def _center(cls, v: tuple[float, float]) -> tuple[float, float]:
        if any(abs(c) > LIMITS["metres"] for c in v):
            raise ValueError(f"coordinates must be within {LIMITS['metres']:g} m of the origin")
        return v

    @field_validator("size_m")
    @classmethod
    def _size(cls, v: tuple[float, float]) -> tuple[float, float]:
        if any(not 0 < s <= LIMITS["metres"] for s in v):
            raise ValueError(f"sizes must be positive and at most {LIMITS['metres']:g} m, got {v}")
        return v


class WarningSystem(Frozen):
    """Alarm at the first detection; each person shelters after a delay, if they comply."""

    shelter_time_s: Seconds = constant(0.0, "duration")
    compliance: Probability = constant(1.0, "probability")


class Protection(Frozen):
    """Share of each category's probability that a shelter removes."""

    killed: Probability = constant(0.0, "probability")
    wounded: Probability = constant(0.0, "probability")
    tbi: Probability = constant(0.0, "probability")


class Base(Frozen):
    """The defended base: zones with people, the warning system and shelters."""

    zones: dict[str, Zone] = {}
    warning: WarningSystem | None = None
    protection: Protection = Protection()

    @field_validator("zones")
    @classmethod
    def _zone_names(cls, v: dict[str, Zone]) -> dict[str, Zone]:
        return _identifiers(v, "zone")


class Calibration(Frozen):
    """Unknowns (dotted path -> prior) and evidence (metric -> condition)."""

    unknowns: dict[str, Real]
    evidence: dict[str, dict[str, Any]]
    samples: int = Field(default=1000, ge=1, le=10_000_000)


class Scenario(Frozen):
    """A whole scenario file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    description: str = ""
    runs: int = Field(default=10_000, ge=1, le=LIMITS["runs"])
    seed: int = Field(default=1, ge=0, lt=2**63)
    threats: dict[str, ThreatGroup] = Field(min_length=1)
    defense: Defense = Defense()
    base: Base = Base()
    damage_function: DamageFunctionName = "cookie-cutter"
    calibration: Calibration | None = None
    # dotted path -> distribution, drawn once per replication (``sim.model.uncertain``).
    # The file's forms are only shape-checked here; loading types each one with the kind of
    # the value at its path (``sim.io.uncertainties``).
    uncertainties: dict[str, Real] = {}

    @field_validator("threats")
    @classmethod
    def _threat_types(cls, v: dict[str, ThreatGroup]) -> dict[str, ThreatGroup]:
        return _identifiers(v, "threat type")

    @property
    def threat_types(self) -> list[str]:
        """Threat types in file order."""
        return list(self.threats)

    @property
    def battery_names(self) -> list[str]:
        """Batteries in engagement order."""
        return list(self.defense.batteries)


def cross_reference_errors(s: Scenario) -> list[tuple[str, str]]:
    """(dotted path, message) for each name that refers to something the scenario lacks."""
    errors = []
    types = set(s.threats)
    zones = set(s.base.zones)
    for name, group in s.threats.items():
        if group.aim.zone is not None and group.aim.zone not in zones:
            errors.append(
                (
                    f"threats.{name}.aim.zone",
                    f"zone {group.aim.zone!r} is not in base.zones "
                    f"(zones: {', '.join(sorted(zones)) or 'none'})",
                )
            )
    for t in s.defense.detection:
        if t not in types:
            errors.append(
                (
                    f"defense.detection.{t}",
                    f"threat type {t!r} is not in threats (types: {', '.join(s.threats)})",
                )
            )
    for b, battery in s.defense.batteries.items():
        for k, zone in enumerate(battery.defends or []):
            if zone not in zones:
                errors.append(
                    (
                        f"defense.batteries.{b}.defends.{k}",
                        f"zone {zone!r} is not in base.zones "
                        f"(zones: {', '.join(sorted(zones)) or 'none'})",
                    )
                )
        for t in battery.pk:
            if t not in types:
                errors.append(
                    (
                        f"defense.batteries.{b}.pk.{t}",
                        f"threat type {t!r} is not in threats (types: {', '.join(s.threats)})",
                    )
                )
    return errors


MAX_CELLS_PER_AXIS = 128  # as the casualty scoring cuts a zone (sim.model.effects)


def scoring_work(s: Scenario) -> tuple[float, str | None]:
    """An upper bound on the person-impact pairs one replication's casualty scoring takes,
    and the threat type contributing most to it.

    Every threat may leak; each impact places the people of a zone in the cells around its
    reach (a square of twice the reach, rounded out to the zone's cells), and each impact
    is scored against all the people placed in the zone. Largest values are taken for
    every distribution (far tails for unbounded ones).
    """
    if not s.base.zones:
        return 0.0, None
    reach_factor = damage_function_for(s.damage_function).reach
    groups = []
    for name, g in s.threats.items():
        e = g.effects
        radius = max(e.killed_m.far_tail(), e.wounded_m.far_tail(), e.tbi_m.far_tail())
        groups.append((name, g.count.far_tail(), radius * reach_factor))
    impacts = sum(n for _, n, r in groups if r > 0)
    if impacts == 0:
        return 0.0, None
    work = 0.0
    for zone in s.base.zones.values():
        w, h = zone.size_m
        cell = max(w, h) / MAX_CELLS_PER_AXIS
        kept = sum(n * (2 * r + 2 * max(cell, r / 2)) ** 2 for _, n, r in groups if r > 0)
        people = zone.personnel.far_tail() * min(1.0, kept / (w * h))
        work += people * impacts
    worst = max(groups, key=lambda g: g[1] * g[2] * g[2])[0]
    return work, worst


def work_errors(s: Scenario) -> list[tuple[str, str]]:
    """(dotted path, message) when one replication's casualty scoring could take too long."""
    work, worst = scoring_work(s)
    cap = LIMITS["person_impacts"]
    if work <= cap:
        return []
    return [
        (
            f"threats.{worst}",
            f"one replication could score up to {work:.3g} person-impact pairs (people "
            f"within reach x impacts), more than the limit of {cap:.3g} (minutes or hours "
            "per replication); use fewer threats, smaller effect radii or fewer people in "
            "base.zones",
        )
    ]
