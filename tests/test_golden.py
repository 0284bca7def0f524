"""Golden numbers: a small scenario's results at fixed seeds, against stored values.

The closed-form tests hold for any random stream; these do not. They catch a change of
random streams or of the order of draws (which must come with a new ``ENGINE_REVISION``,
since saved studies would otherwise mix two streams) even when nobody meant to make one.
Each purpose of the stream registry that gives numbers is covered.

After an intended change of numbers, raise ``ENGINE_REVISION``, say why in the changelog,
and rewrite the stored values with ``ADSIM_REWRITE_GOLDEN=1 python -m pytest
tests/test_golden.py``; the test then fails once more as a reminder to review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from sim import Purpose, Stream, load_scenario, run_monte_carlo
from sim.engine import ENGINE_REVISION
from sim.studies.designs import design_points
from sim.studies.vary import parse_vary

HERE = Path(__file__).parent
SCENARIO = HERE / "scenarios" / "valid-small.yaml"
GOLDEN = HERE / "golden" / "valid-small.json"
SHOWN = ("fired", "detected", "intercepted", "leaked", "interceptors", "killed", "wounded", "tbi")


def _histograms(stream: Stream) -> dict:
    result = run_monte_carlo(load_scenario(SCENARIO), runs=300, seed=11, workers=1, stream=stream)
    return {m: result.metrics[m]["histogram"] for m in SHOWN}


def _current() -> dict:
    lhs = design_points([parse_vary("threats.srbm.cep_m=10:90")], "lhs", 4, 11)
    return {
        "engine": ENGINE_REVISION,
        "run": _histograms(Stream(Purpose.RUN)),
        "sweep_point_3": _histograms(Stream(Purpose.SWEEP_POINT, (3,))),
        "lhs_design": np.round(lhs, 9).ravel().tolist(),
        "calibration_prior_first_draws": np.round(
            Stream(Purpose.CALIBRATION_PRIOR).rng(11, 5).random(3), 12
        ).tolist(),
    }


def test_numbers_are_the_stored_ones() -> None:
    current = _current()
    if os.environ.get("ADSIM_REWRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.fail(f"rewrote {GOLDEN.name}: review its diff, then run again without the flag")
    stored = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert stored["engine"] == ENGINE_REVISION, "the stored numbers are of another revision"
    for key in ("run", "sweep_point_3", "lhs_design", "calibration_prior_first_draws"):
        assert current[key] == stored[key], f"{key}: the random streams changed"
