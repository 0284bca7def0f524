"""Property: a corrupted scenario never produces a traceback.

Hypothesis mutates a valid scenario at random places (deleting keys, putting values of the
wrong kind or out of range, adding unknown keys, writing malformed YAML) and also generates
``--set`` overrides. Loading must either give a valid scenario, which then runs, or raise
``InputError``; through the command line the exit status is 0 or 2, never anything else.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim import InputError, run_replication
from sim.cli import app
from sim.io.load import load_scenario
from sim.io.scenario_file import validate
from tests.builders import VALID

BASE = yaml.safe_load(VALID.read_text())
FORMS = [
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "uniform_int",
    "poisson",
    "choice",
    "beta",
    "gauss",
]


def paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a nested mapping (and list indices)."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out += paths(v, (*prefix, i))
    return out


PATHS = paths(BASE)

numbers = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1.5, 2**63, 1e300]),
    # huge whole numbers (beyond a float; up to what str() still writes, for the YAML cases)
    st.integers(10**25, 10**60),
    st.sampled_from([10**30, -(10**40), 10**400, -(10**4000)]),
)
# How YAML text can spell a number that YAML 1.1 reads unexpectedly, or one of 5,000 digits.
yaml_forms = st.one_of(
    st.sampled_from(["010", "-017", "0x10", "0xFF", "0b101", "1:30", "-1:02:03", "1:30.5"]),
    st.sampled_from(["9" * 5000, "-" + "1" * 4400, "1" * 31, "1_000_000", "+12", "0"]),
    st.from_regex(r"\A[-+]?(0[0-7]{1,4}|0x[0-9a-f]{1,4}|[1-9][0-9]?(:[0-5][0-9]){1,2})\Z"),
)
scalars = st.one_of(numbers, st.text(max_size=12), st.booleans(), st.none())
distributions = st.builds(
    lambda form, args: {form: args},
    st.sampled_from(FORMS),
    st.one_of(
        numbers,
        st.lists(numbers, max_size=4),
        st.fixed_dictionaries(
            {"values": st.lists(numbers, max_size=3), "weights": st.lists(numbers, max_size=3)}
        ),
    ),
)
values = st.recursive(
    st.one_of(scalars, distributions),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn) -> dict:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["delete", "replace", "add"]))
            if action == "delete":
                del parent[path[-1]]
            elif action == "replace":
                parent[path[-1]] = draw(values)
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this place
    return data


def run_if_valid(data: dict) -> None:
    try:
        s = validate(data, "fuzz.yaml")
    except InputError as exc:
        assert exc.source == "fuzz.yaml"
        assert str(exc)
        return
    rep = run_replication(s, np.random.default_rng(0))
    assert all(isinstance(v, int) and v >= 0 for v in rep.row)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_scenarios_load_or_fail_cleanly(data: dict) -> None:
    run_if_valid(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_fails_cleanly(tmp_path_factory, text: str) -> None:  # noqa: ANN001
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except InputError as exc:
        assert str(path) in str(exc)


assignments = st.builds(
    lambda p, v: f"{p}={v}",
    st.one_of(st.sampled_from([".".join(map(str, p)) for p in PATHS]), st.text(max_size=20)),
    st.one_of(st.text(max_size=20), numbers.map(str), yaml_forms),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(assignments, min_size=1, max_size=3))
def test_set_overrides_fail_cleanly(overrides: list[str]) -> None:
    try:
        s = load_scenario(VALID, overrides)
    except InputError as exc:
        assert str(VALID) in str(exc)
        return
    run_replication(s, np.random.default_rng(1))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PATHS), yaml_forms), min_size=1, max_size=3))
def test_yaml_11_forms_and_huge_numbers_in_a_file_fail_cleanly(
    tmp_path_factory,
    edits: list[tuple[tuple, str]],  # noqa: ANN001
) -> None:
    """A value written as 010, 0x10, 1:30 or with 5,000 digits: loads, or one clean error."""
    data = copy.deepcopy(BASE)
    marks = {}
    for n, (path, form) in enumerate(edits):
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = f"@@{n}@@"
        except (KeyError, IndexError, TypeError):
            continue
        marks[f"'@@{n}@@'"] = form
    text = yaml.safe_dump(data, sort_keys=False)
    for mark, form in marks.items():
        text = text.replace(mark, form)
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        s = load_scenario(path)
    except InputError as exc:
        assert str(path) in str(exc)
        return
    run_replication(s, np.random.default_rng(2))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutated())
def test_cli_exit_status_is_0_or_2(tmp_path: Path, data: dict) -> None:
    tmp_path = Path(tempfile.mkdtemp(dir=tmp_path))  # a fresh folder per example
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", str(path), "--runs", "3", "--workers", "1", "--no-figures", "--out", str(out)]
    )
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert (result.exit_code == 0) == (out / "summary.json").exists()
