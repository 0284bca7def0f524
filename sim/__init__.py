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
"""

from sim.engine.record import metric_names
from sim.engine.replication import run_replication
from sim.io.errors import InputError
from sim.io.scenario_file import load_scenario
from sim.model.scenario import Scenario
from sim.montecarlo.run import MonteCarloResult, run_monte_carlo
from sim.montecarlo.streams import Purpose, Stream, replication_rng

__all__ = [
    "InputError",
    "MonteCarloResult",
    "Purpose",
    "Scenario",
    "Stream",
    "load_scenario",
    "metric_names",
    "replication_rng",
    "run_monte_carlo",
    "run_replication",
]
__version__ = "0.1.0"
