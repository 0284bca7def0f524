"""adsim: discrete-event Monte Carlo simulation of a salvo against a defended base.

The data flow, one direction: scenario (YAML) -> validated model objects
(``sim.model``) -> one replication in SimPy (``sim.engine``) -> metric rows -> many
replications on any number of workers (``sim.montecarlo``) -> summaries, tables and figures
(``sim.io``, ``sim.plots``). Studies (``sim.studies``) sit on top of Monte Carlo.

Python API::

    from sim import load_scenario, run_monte_carlo
    s = load_scenario("scenarios/al-asad-2024-01-20.yaml", ["threats.rocket.count=12"])
    result = run_monte_carlo(s, runs=2000, seed=1)
    result.metrics["leaked"]["mean"]

Metrics are declared once, in ``sim.outcomes``: names, order, ratios, labels and units.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names below are, for type checkers and editors
    from sim.engine.replication import run_replication
    from sim.io.errors import InputError
    from sim.io.load import LoadedScenario, load, load_scenario
    from sim.model.scenario import Scenario
    from sim.montecarlo.batch import replication_scenario
    from sim.montecarlo.run import MonteCarloResult, run_monte_carlo
    from sim.montecarlo.streams import Purpose, Stream, replication_rng
    from sim.outcomes import METRICS, metric_names, scenario_columns, tidy_frame

# The Python API, by name -> the module that holds it. Imported on first use (PEP 562), so
# that importing one layer (``sim.model``, ``sim.engine``, ...) does not import them all.
_API = {
    "METRICS": "sim.outcomes",
    "InputError": "sim.io.errors",
    "LoadedScenario": "sim.io.load",
    "MonteCarloResult": "sim.montecarlo.run",
    "Purpose": "sim.montecarlo.streams",
    "Scenario": "sim.model.scenario",
    "Stream": "sim.montecarlo.streams",
    "load": "sim.io.load",
    "load_scenario": "sim.io.load",
    "metric_names": "sim.outcomes",
    "replication_rng": "sim.montecarlo.streams",
    "replication_scenario": "sim.montecarlo.batch",
    "run_monte_carlo": "sim.montecarlo.run",
    "run_replication": "sim.engine.replication",
    "scenario_columns": "sim.outcomes",
    "tidy_frame": "sim.outcomes",
}
__all__ = [
    "METRICS",
    "InputError",
    "LoadedScenario",
    "MonteCarloResult",
    "Purpose",
    "Scenario",
    "Stream",
    "load",
    "load_scenario",
    "metric_names",
    "replication_rng",
    "replication_scenario",
    "run_monte_carlo",
    "run_replication",
    "scenario_columns",
    "tidy_frame",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
