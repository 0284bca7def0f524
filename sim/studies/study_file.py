"""A sweep written down as a file, so that it can be rerun and shared exactly.

```yaml
study: sweep
scenario: al-asad-2024-01-20.yaml     # relative to this file
vary:
  defense.batteries.counter_rocket.pk.rocket: 0.2:0.95:16
design: grid
runs: 2000
seed: 1
set: {threats.rocket.count: 10}       # optional overrides of the scenario
```
``adsim sweep STUDY.yaml`` runs it; options given on the command line take precedence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.io.errors import InputError
from sim.io.scenario_file import read_raw
from sim.studies.designs import MAX_POINTS

Spec = str | float | int | list[float | int]


class SweepStudy(BaseModel):
    """The keys of a sweep study file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    study: Literal["sweep"]
    scenario: str
    vary: dict[str, Spec] = Field(min_length=1)
    design: Literal["grid", "lhs", "sobol"] = "grid"
    points: int | None = Field(default=None, ge=1, le=MAX_POINTS)
    runs: int | None = Field(default=None, ge=1, le=1_000_000_000)
    seed: int | None = Field(default=None, ge=0, lt=2**63)
    set: dict[str, Any] = {}

    def vary_texts(self) -> list[str]:
        """The ``--vary`` strings this study stands for."""
        out = []
        for path, spec in self.vary.items():
            if isinstance(spec, list):
                spec = ",".join(str(x) for x in spec)
            out.append(f"{path}={spec}")
        return out

    def set_texts(self) -> list[str]:
        """The ``--set`` strings of the overrides."""
        return [f"{path}={json.dumps(value)}" for path, value in self.set.items()]


def is_study_file(raw: dict[str, Any]) -> bool:
    """Whether a YAML document is a study file rather than a scenario."""
    return "study" in raw


def load_study(path: Path) -> tuple[SweepStudy, Path]:
    """The study and the path of its scenario (resolved against the study's folder)."""
    raw = read_raw(path)
    try:
        study = SweepStudy.model_validate(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"])
        raise InputError(str(path), where, e["msg"]) from None
    return study, (path.parent / study.scenario)
