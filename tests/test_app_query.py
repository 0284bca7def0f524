"""The what-if page's views: URL queries, ``--set`` strings and sliders (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.app.query import MAX_RUNS, View, bundled, from_query, load_view, sliders, value_text
from sim.io.errors import InputError


def test_a_view_round_trips_through_its_url() -> None:
    view = View("al-asad-2024-01-20", {"uncertainties.base.protection.tbi": "0.450"}, 300, 5)
    assert from_query(view.query(), "x") == view
    assert "--set 'uncertainties.base.protection.tbi=0.450'" in view.command(Path("s.yaml"))


@pytest.mark.parametrize("query", [f"?runs={MAX_RUNS + 1}", "?runs=0", "?seed=-1", "?set=x"])
def test_bad_queries_are_bad_input(query: str) -> None:
    with pytest.raises(InputError):
        from_query(query, "al-asad-2024-01-20")


def test_sliders_cover_the_uncertain_paths() -> None:
    offered = bundled()
    assert "al-asad-2024-01-20" in offered and "campaign-drone-attack" in offered
    assert "study-al-asad-pk-channels" not in offered
    assert "campaign-2023-10-to-2024-01" not in offered  # a campaign, not a scenario
    found = sliders(load_view(View("al-asad-2024-01-20")))
    pk = next(s for s in found if s.label == "defense.batteries.upper.pk.srbm")
    assert pk.target == "uncertainties.defense.batteries.upper.pk.srbm"
    assert pk.low <= pk.start <= pk.high and 0 < pk.step < pk.high - pk.low
    view = View("al-asad-2024-01-20", {pk.target: value_text(pk.high, pk.step)})
    fixed = load_view(view).model.uncertainties[pk.label]
    assert fixed.is_constant and fixed.mean == pytest.approx(0.95)  # one value, not drawn


def test_value_text_rounds_to_the_step() -> None:
    assert value_text(0.7244999, 0.001) == "0.724"
    assert value_text(79.8, 1.0) == "80"
