"""Event files written in a test's folder: a small scenario and what was "observed"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.builders import battery, scenario_data


def write_scenario(folder: Path, name: str, data: dict[str, Any]) -> Path:
    """``data`` as ``folder/name.yaml``."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**data, "name": name}), encoding="utf-8")
    return path


def binomial_scenario(folder: Path, n: int, pk: float = 0.5, name: str = "binomial") -> Path:
    """n threats, one battery with kill probability pk, one shot each: leaked ~ Bin(n, 1 - pk)."""
    return write_scenario(folder, name, scenario_data(count=n, batteries={"b": battery(pk)}))


def write_event(
    folder: Path, name: str, scenario: Path, observed: dict[str, Any], **extra: Any
) -> Path:
    """An event file ``folder/events/name.yaml`` for ``scenario``."""
    events = folder / "events"
    events.mkdir(exist_ok=True)
    path = events / f"{name}.yaml"
    doc = {
        "name": name,
        "date": "2020-01-01",
        "scenario": f"../{scenario.name}",
        "sources": ["a test"],
        "observed": observed,
        **extra,
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path
