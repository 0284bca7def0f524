"""The trace of one replication: a typed record per event, and the tracer that writes them.

Why a tracer: the engine used to append bare 6-tuples from several places and patch each
threat's type name in afterwards. Now every event is a ``TraceEvent`` made in one place,
``Tracer.event``, which knows each threat's type. A new event kind is one more call.

When a replication is not traced, the engine holds ``None`` instead of a tracer, so the
untraced path costs one ``is not None`` test per event site and nothing else.
"""

from __future__ import annotations

from typing import NamedTuple


class TraceEvent(NamedTuple):
    """One event of a replication; ``threat`` is -1 and ``type`` "" for events of no threat."""

    time: float
    kind: str
    threat: int
    type: str
    battery: str
    detail: str


class Tracer:
    """Collects the events of one replication."""

    def __init__(self, threat_types: list[str]) -> None:
        """``threat_types[i]`` is the type name of threat ``i``."""
        self.threat_types = threat_types
        self.events: list[TraceEvent] = []

    def event(
        self, time: float, kind: str, threat: int = -1, battery: str = "", detail: str = ""
    ) -> None:
        """Record an event at ``time``."""
        type_name = self.threat_types[threat] if threat >= 0 else ""
        self.events.append(TraceEvent(time, kind, threat, type_name, battery, detail))

    def in_order(self) -> list[TraceEvent]:
        """The events by time, then threat (events of no threat first); ties kept in the
        order they were recorded."""
        return sorted(self.events, key=lambda e: (e.time, e.threat))
