"""The ``uncertainties`` section, typed at load: each path checked, each distribution of the
kind of the value it stands for.

A key is a dotted path (as ``--set``) to a value that the format lets be a distribution; its
value is a distribution that must be valid *at that path* (a probability's within [0, 1], a
count's an integer form, under the same caps). Both are checked by validating the scenario
with the distribution written at the path, which also accepts an optional block the file
leaves out (``base.warning.compliance`` without a ``warning`` block), as ``--set`` does.

The scenario that runs holds each uncertain path's distribution at the path (so that the
fast copy of ``sim.model.uncertain.with_constants`` always replaces a ``Dist`` of the right
kind) and the typed distributions in ``Scenario.uncertainties``; one value per replication
is drawn from them by the batch driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.io.errors import InputError
from sim.io.overrides import with_overrides
from sim.io.paths import NOT_STUDIED, node_at
from sim.io.scenario_file import optional_block, validate
from sim.model.distributions import Dist
from sim.model.scenario import Scenario


def entries(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The file's ``uncertainties`` (path -> distribution as written), possibly empty."""
    found = raw.get("uncertainties") or {}
    return dict(found) if isinstance(found, dict) else {}


def check_uncertainties(model: Scenario, raw: dict[str, Any], source: str) -> None:
    """Raise ``InputError`` naming ``uncertainties.PATH`` for a path or distribution that
    does not fit the scenario (``model``, validated from ``raw``)."""
    plain = (
        "is a plain number of the format (doctrine shots, reload times, zone geometry), "
        "which cannot be a distribution; vary it with a sweep instead"
    )
    for path, dist in entries(raw).items():
        where = f"uncertainties.{path}"
        if str(path).split(".")[0] in NOT_STUDIED:
            message = f"cannot be uncertain; choose a model value, not one of {NOT_STUDIED}"
            raise InputError(source, where, message)
        found = node_at(model, path)
        if found is not None and not isinstance(found, Dist):
            raise InputError(source, where, plain)
        try:
            probed = validate(with_overrides(raw, {path: dist}, source, optional_block), source)
        except InputError as exc:
            said = exc.message if exc.path == path else f"{exc.path}: {exc.message}"
            raise InputError(source, where, f"not a valid uncertainty here: {said}") from None
        if not isinstance(node_at(probed, path), Dist):
            raise InputError(source, where, plain)


def uncertain_scenario(
    raw: dict[str, Any], source: str, fixed: Mapping[str, Any] | None = None
) -> Scenario:
    """The scenario with each uncertain path holding its distribution, typed in
    ``uncertainties``; the paths of ``fixed`` take its values and are no longer uncertain.

    ``check_uncertainties`` must have passed on ``raw``.
    """
    fixed = fixed or {}
    free = {p: d for p, d in entries(raw).items() if p not in fixed}
    model = validate(with_overrides(raw, {**free, **fixed}, source, optional_block), source)
    typed = {p: node_at(model, p) for p in free}
    return model.model_copy(update={"uncertainties": typed})
