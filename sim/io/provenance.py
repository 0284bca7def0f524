"""Provenance: what made a result, written into every result it belongs to.

A results folder is read long after, and elsewhere: mailed, copied into a notebook, cited.
So each document (summary.json, sweep.json, calibration.json) carries a ``provenance``
block and each Parquet file the same block in its schema metadata (key ``adsim``): the
adsim version, the engine revision (which changes whenever the same seed would give other
numbers), the SHA-256 of the effective scenario (``LoadedScenario.digest``), the seed, the
replications, the date (UTC; ``SOURCE_DATE_EPOCH`` fixes it for reproducible files) and
the versions of Python, numpy, simpy and scipy.

``runs`` is what the command was asked for: replications of a run, replications per point
of a sweep, tries of a calibration, replications per event of a validation, draws of a joint
calibration, campaigns of a campaign (per point of a campaign sweep). Results made from
several scenarios (a validation, a joint calibration) carry the digest of their digests
(``combined_digest``); a campaign the digest of its file and its attacks' scenarios.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from importlib import metadata
from typing import Any

PARQUET_KEY = b"adsim"  # the Parquet key-value metadata key of the provenance block
LIBRARIES = ("numpy", "simpy", "scipy")


def adsim_version() -> str:
    """The installed adsim version (the package's own when it is not installed)."""
    try:
        return metadata.version("adsim")
    except metadata.PackageNotFoundError:
        from sim import __version__

        return __version__


def _library(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = (
        dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        if epoch.isdigit()
        else dt.datetime.now(dt.UTC)
    )
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def provenance(scenario_sha256: str, seed: int, runs: int) -> dict[str, Any]:
    """The provenance block of a result made from this scenario, seed and runs, now."""
    from sim.engine.replication import ENGINE_REVISION

    return {
        "adsim": adsim_version(),
        "engine_revision": ENGINE_REVISION,
        "scenario_sha256": scenario_sha256,
        "seed": int(seed),
        "runs": int(runs),
        "date": _now(),
        "python": platform.python_version(),
        **{name: _library(name) for name in LIBRARIES},
    }


def combined_digest(digests: list[str]) -> str:
    """The ``scenario_sha256`` of results made from several scenarios (a validation, a joint
    calibration): the SHA-256 of their digests, in order."""
    import hashlib

    return hashlib.sha256(json.dumps(list(digests)).encode()).hexdigest()


def stamped(doc: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with the provenance block as its first key (read first by a person)."""
    rest = {k: v for k, v in doc.items() if k != "provenance"}
    return {"provenance": block, **rest}


def parquet_metadata(block: dict[str, Any]) -> dict[bytes, bytes]:
    """The provenance block as Parquet key-value metadata."""
    return {PARQUET_KEY: json.dumps(block, sort_keys=True).encode()}


def read_parquet_provenance(path: Any) -> dict[str, Any] | None:
    """The provenance block of a Parquet file written by adsim, or None if it has none."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path).metadata or {}
    text = meta.get(PARQUET_KEY)
    return json.loads(text) if text else None


def version_line() -> str:
    """What ``adsim --version`` prints."""
    from sim.engine.replication import ENGINE_REVISION
    from sim.model.effects import hurt_in_zone

    libs = ", ".join(f"{name} {_library(name)}" for name in LIBRARIES)
    # the same numbers either way; only the speed differs
    scoring = "compiled" if hurt_in_zone is not None else "in numpy (the C part was not built)"
    return (
        f"adsim {adsim_version()} (engine revision {ENGINE_REVISION}, casualty scoring "
        f"{scoring}; Python {platform.python_version()}, {libs})"
    )
