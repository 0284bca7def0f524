"""Every metric of every bundled attack scenario keeps its distribution.

On each bundled attack scenario, every integer metric's mean and share of replications
above zero must agree with a stored reference (``tests/golden/revision-3-moments.json``:
40,000 replications per scenario at seed 3, made by ``python -m tests.revision_moments`` at
the commit it names) within 4 standard errors of their difference, pooled (under the
hypothesis tested, both samples come from one distribution). The runs here use another
seed, so the two samples are independent even where the draws are the same.

The golden numbers (``test_golden.py``) catch any change of draws; this test catches a change
of distribution, and is what lets a new engine revision change the draws: the reference is
of this revision or, right after a change of draws, of the previous one (then made anew).
"""

from __future__ import annotations

import json
import math

import pytest

from tests.revision_moments import REFERENCE, SCENARIOS, moments

RUNS = 3000
REFERENCE_DATA = json.loads(REFERENCE.read_text(encoding="utf-8"))


def test_the_reference_is_of_this_or_the_previous_revision_and_every_bundled_scenario() -> None:
    from sim.engine import ENGINE_REVISION

    assert REFERENCE_DATA["engine"] in (ENGINE_REVISION, ENGINE_REVISION - 1)
    assert sorted(REFERENCE_DATA["scenarios"]) == SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_metric_keeps_its_distribution(name: str) -> None:
    before = REFERENCE_DATA["scenarios"][name]
    n_before = REFERENCE_DATA["runs"]
    now = moments(name, RUNS, seed=REFERENCE_DATA["seed"] + 1, workers=2)
    assert sorted(now) == sorted(before)
    off = []
    for metric, (mean, variance, share) in now.items():
        mean0, variance0, share0 = before[metric]
        # standard errors of the differences under the hypothesis tested, one distribution:
        # pooled variance and pooled share (a share near 0 or 1 estimated from the smaller
        # sample alone would understate it)
        pooled = ((n_before - 1) * variance0 + (RUNS - 1) * variance) / (n_before + RUNS - 2)
        spread = 1 / n_before + 1 / RUNS
        se = math.sqrt(pooled * spread)
        if se == 0:  # a constant in both samples
            if mean != mean0:
                off.append(f"{metric}: always {mean0} before, always {mean} now")
        elif abs(mean - mean0) > 4 * se:
            off.append(f"{metric}: mean {mean0:.4g} before, {mean:.4g} now (SE {se:.2g})")
        p = (share0 * n_before + share * RUNS) / (n_before + RUNS)
        se_share = math.sqrt(p * (1 - p) * spread)
        if se_share > 0 and abs(share - share0) > 4 * se_share:
            off.append(f"{metric} > 0: {share0:.4f} before, {share:.4f} now (SE {se_share:.2g})")
    assert not off, "\n".join(off)
