"""Scenario parameters named by dotted paths, and scenarios built with new values for them.

Studies change a few numbers of a validated scenario many times (every sweep point, every
calibration try). ``ScenarioFactory`` checks each path once, up front, against the scenario
file (so a bad path or an impossible value is an error before anything runs), then builds
each new scenario by copying only the blocks along the changed paths. Values that the
format stores as distributions (nearly every number) are replaced by constants of the same
kind; a whole-number kind (a count) gets the value rounded to an integer. Paths to the few
plain fields (doctrine shots, reload times, zone geometry), and paths to values the file leaves
out (a new ``pk`` entry, an omitted ``base.warning`` block), fall back to full validation.
A path the factory sets is no longer one of the scenario's ``uncertainties``: the design's
value wins over the per-replication draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.io.errors import InputError
from sim.io.load import LoadedScenario
from sim.io.paths import Parameter, parameter
from sim.io.uncertainties import uncertain_scenario
from sim.model.scenario import Scenario
from sim.model.uncertain import with_constants


@dataclass(frozen=True)
class ScenarioFactory:
    """Builds scenarios that differ from a loaded scenario in a few parameters."""

    loaded: LoadedScenario
    parameters: tuple[Parameter, ...]

    @property
    def base(self) -> Scenario:
        """The scenario as loaded."""
        return self.loaded.model

    @property
    def raw(self) -> dict:
        """The effective scenario data (file and overrides)."""
        return self.loaded.raw

    @property
    def digest(self) -> str:
        """SHA-256 of the scenario data: what saved study results belong to."""
        return self.loaded.digest

    @property
    def paths(self) -> list[str]:
        """The dotted paths of the parameters, in order."""
        return [p.path for p in self.parameters]

    def build(self, values: list[float] | tuple[float, ...]) -> Scenario:
        """The base scenario with each parameter set to the matching value."""
        coerced = [p.coerce(v) for p, v in zip(self.parameters, values, strict=True)]
        if not all(p.fast for p in self.parameters):
            assignments = {p.path: v for p, v in zip(self.parameters, coerced, strict=True)}
            return self._validated(assignments, self.loaded.source)
        at = {p.path: (v, p.value_kind) for p, v in zip(self.parameters, coerced, strict=True)}
        return with_constants(self.base, at)

    def _validated(self, assignments: dict[str, Any], source: str) -> Scenario:
        return uncertain_scenario(self.raw, source, fixed=assignments)

    def check_value(self, index: int, value: float, source: str) -> None:
        """Raise ``InputError`` (from ``source``) if the value is not allowed at the path."""
        p = self.parameters[index]
        try:
            self._validated({p.path: p.coerce(value)}, source)
        except InputError as exc:
            message = f"value {value:g} is not allowed: {exc.message}"
            raise InputError(source, p.path, message) from None


def make_factory(
    loaded: LoadedScenario, probes: dict[str, Any], source: str | None = None
) -> ScenarioFactory:
    """A factory for the paths of ``probes``; each path is checked with its probe value
    (errors name ``source``, by default the scenario file)."""
    where = loaded.source if source is None else source
    params = tuple(
        parameter(loaded.model, loaded.raw, path, probe, where) for path, probe in probes.items()
    )
    return ScenarioFactory(loaded, params)
