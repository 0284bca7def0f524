"""The layers hold: each package, imported alone, imports only the layers below it.

The data flow is one direction (docs/model.md): scenario model -> loading and results
files -> engine -> Monte Carlo -> studies; figures read documents; the command line sits on
top. Each package is imported in a fresh interpreter and every ``sim.*`` module it pulled
in must belong to a package it may use.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

ALLOWED = {
    "sim.model": {"sim.model"},
    "sim.outcomes": {"sim.outcomes"},
    "sim.catalogue": {"sim.catalogue"},
    "sim.io": {"sim.io", "sim.model", "sim.outcomes", "sim.catalogue"},
    "sim.engine": {"sim.engine", "sim.model", "sim.outcomes"},
    "sim.montecarlo": {
        "sim.montecarlo",
        "sim.engine",
        "sim.model",
        "sim.outcomes",
        "sim.io",
        "sim.catalogue",
    },
    "sim.studies": {
        "sim.studies",
        "sim.montecarlo",
        "sim.engine",
        "sim.model",
        "sim.outcomes",
        "sim.io",
        "sim.catalogue",
    },
    "sim.plots": {"sim.plots", "sim.model", "sim.outcomes", "sim.io", "sim.catalogue"},
}
_SHOW = (
    "import importlib, json, pkgutil, sys; import {p} as pkg; "
    "[importlib.import_module(m.name) "
    " for m in pkgutil.walk_packages(getattr(pkg, '__path__', []), '{p}.')]; "
    "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sim.'))))"
)


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_the_layers_below(package: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _SHOW.format(p=package)], capture_output=True, text=True, check=True
    ).stdout
    used = {_package(m) for m in json.loads(out)}
    assert used <= ALLOWED[package], f"{package} imports {sorted(used - ALLOWED[package])}"


def test_the_python_api_is_importable_by_name() -> None:
    import sim

    for name in sim.__all__:
        assert getattr(sim, name) is not None
