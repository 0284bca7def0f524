"""The SimPy wiring of one replication: threats meet batteries in an event loop."""

from sim.engine.record import metric_names
from sim.engine.replication import ENGINE_REVISION, Replication, run_replication

__all__ = ["ENGINE_REVISION", "Replication", "metric_names", "run_replication"]
