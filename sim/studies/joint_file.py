"""A joint calibration written down as a file (the study form), or just its unknowns.

```yaml
study: joint-calibration          # a study file; without it, only the unknowns are read
events: [../events/taji-2020-03-11.yaml, ../events/tower22-2024-01-28.yaml]
unknowns:                         # dotted path -> prior (weapons.CLASS.KEY reaches a class)
  weapons.rocket-107mm.effects.scale: {uniform: [0.3, 2.0]}
  base.protection.tbi: {uniform: [0.1, 0.9]}
draws: 4000                       # prior draws
per_draw: 20                      # replications of every event per draw (m)
seed: 1
```
``adsim calibrate STUDY.yaml`` runs a study file; ``adsim calibrate --events ... --unknowns
FILE`` reads ``unknowns`` (and any of draws, per_draw, seed) from FILE. Event paths are
relative to the file; options on the command line take precedence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.io.errors import InputError
from sim.io.scenario_file import read_raw

STUDY = "joint-calibration"


class JointStudy(BaseModel):
    """The keys of a joint-calibration file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    study: Literal["joint-calibration"] | None = None
    events: list[str] = []
    unknowns: dict[str, Any] = Field(min_length=1)
    draws: int | None = Field(default=None, ge=1, le=10_000_000)
    per_draw: int | None = Field(default=None, ge=1, le=10_000)
    seed: int | None = Field(default=None, ge=0, lt=2**63)


def is_joint_study(raw: dict[str, Any]) -> bool:
    """Whether a YAML document is a joint-calibration study file."""
    return raw.get("study") == STUDY


def load_joint(path: Path) -> tuple[JointStudy, list[Path]]:
    """The file's settings, and its event paths resolved against its folder."""
    raw = read_raw(path)
    try:
        study = JointStudy.model_validate(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"])
        raise InputError(str(path), where, e["msg"]) from None
    return study, [path.parent / e for e in study.events]
