"""The SimPy wiring of one replication: threats meet batteries in an event loop."""

from sim.engine.record import metric_names
from sim.engine.replication import Replication, run_replication

__all__ = ["Replication", "metric_names", "run_replication"]
