"""Loading a scenario: YAML -> overrides -> validation -> one ``LoadedScenario``.

What travels through the program is the validated model together with the effective data
it came from (the file with its ``--set`` overrides: what results folders store and what
their digest is of) and its source (for error messages). A ``calibration`` section is
typed here too, once: each unknown's prior parsed with the kind of the value at its path
(a probability, a count, ...), each piece of evidence as a ``Condition`` on a real metric.
An ``uncertainties`` section is typed too (``sim.io.uncertainties``): the model then holds
each uncertain path's distribution, typed. Threat types that name a ``weapon`` are filled
from the catalogue (``sim.io.weapons``) before anything is validated. Everything is checked
before any work starts.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.io.errors import InputError
from sim.io.evidence import Condition, parse_evidence
from sim.io.overrides import parse_assignment, with_overrides
from sim.io.paths import Parameter, parameter
from sim.io.scenario_file import optional_block, read_raw, validate
from sim.io.uncertainties import check_uncertainties, entries, uncertain_scenario
from sim.io.weapons import Filled, fill_weapons
from sim.model.distributions import Dist, parse_dist
from sim.model.scenario import Scenario
from sim.outcomes import RATIO_NAMES, metric_names


@dataclass(frozen=True)
class CalibrationSpec:
    """The calibration section, typed: unknowns with their priors, evidence, samples."""

    unknowns: tuple[Parameter, ...]
    priors: tuple[Dist, ...]
    conditions: tuple[Condition, ...]
    samples: int


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario as loaded: the validated model, the effective data it was validated from
    (the file with its overrides), where it came from, and its typed calibration section."""

    model: Scenario
    raw: dict[str, Any]
    source: str
    calibration: CalibrationSpec | None = None
    from_catalogue: tuple[Filled, ...] = ()  # values the weapon catalogue wrote in

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the effective data: what saved results and study folders belong to."""
        canonical = json.dumps(self.raw, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _calibration(model: Scenario, raw: dict[str, Any], source: str) -> CalibrationSpec | None:
    cal = model.calibration
    if cal is None:
        return None
    raw_priors = raw["calibration"]["unknowns"]
    unknowns, priors = [], []
    for path, raw_prior in raw_priors.items():
        where = f"calibration.unknowns.{path}"
        try:  # the prior itself is the probe: the path must take a distribution like it
            p = parameter(model, raw, path, raw_prior, source)
            typed = parse_dist(raw_prior, p.value_kind)
        except InputError as exc:
            raise InputError(source, where, f"not a valid prior here: {exc.message}") from None
        except ValueError as exc:
            raise InputError(source, where, f"not a valid prior here: {exc}") from None
        unknowns.append(p)
        priors.append(typed)
    metrics = [*metric_names(model), *RATIO_NAMES]
    evidence = raw["calibration"]["evidence"]
    conditions = parse_evidence(evidence, metrics, source) if evidence else []
    return CalibrationSpec(tuple(unknowns), tuple(priors), tuple(conditions), cal.samples)


def from_data(raw: dict[str, Any], source: str) -> LoadedScenario:
    """Validate scenario data held in memory (``source`` names it in errors).

    Threat types that name a ``weapon`` are filled from the catalogue first; the effective
    data (``LoadedScenario.raw``) is the filled data."""
    raw, filled = fill_weapons(raw, source)
    model = validate(raw, source)
    if entries(raw):
        check_uncertainties(model, raw, source)
        model = uncertain_scenario(raw, source)
    calibration = _calibration(model, raw, source)
    return LoadedScenario(model, raw, source, calibration, tuple(filled))


def load(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> LoadedScenario:
    """Read, override (``PATH=VALUE`` strings) and validate a scenario file."""
    raw = read_raw(path)
    # applied in order, so that a later --set of a path (or of a block above it) wins
    assignments = [parse_assignment(a, f"{path}: --set") for a in overrides]
    source = str(path) if not assignments else f"{path} (with --set)"
    return from_data(with_overrides(raw, assignments, f"{path}: --set", optional_block), source)


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read, override (``PATH=VALUE`` strings) and validate a scenario file."""
    return load(path, overrides).model
