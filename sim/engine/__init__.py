"""The SimPy wiring of one replication: threats meet batteries in an event loop."""

from sim.engine.replication import ENGINE_REVISION, Replication, run_replication
from sim.engine.trace import TraceEvent, Tracer

__all__ = [
    "ENGINE_REVISION",
    "Replication",
    "TraceEvent",
    "Tracer",
    "run_replication",
]
