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

from sim.engine.replication import run_replication
from sim.io.errors import InputError
from sim.io.scenario_file import load_scenario
from sim.model.scenario import Scenario
from sim.montecarlo.run import MonteCarloResult, run_monte_carlo
from sim.montecarlo.seeding import replication_rng
from sim.outcomes import METRICS, metric_names, scenario_columns, tidy_frame

__all__ = [
    "METRICS",
    "InputError",
    "MonteCarloResult",
    "Scenario",
    "load_scenario",
    "metric_names",
    "replication_rng",
    "run_monte_carlo",
    "run_replication",
    "scenario_columns",
    "tidy_frame",
]
__version__ = "0.1.0"
