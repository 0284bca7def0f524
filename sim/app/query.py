"""A view of the what-if page: which scenario, which overrides, how many runs, which seed.

The same view is a URL query (``?scenario=NAME&runs=N&seed=S&set=PATH%3DVALUE``), so a link
reproduces it, and the same ``--set`` strings ``adsim run`` takes, so the page's numbers are
those of ``adsim run SCENARIO --set ... --runs N --seed S``. Sliders are offered for the
scenario's uncertain paths (set as ``uncertainties.PATH=VALUE``: one constant instead of the
distribution) and its calibration unknowns (set as ``PATH=VALUE``), over the range of their
distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from sim.io.errors import InputError
from sim.io.load import LoadedScenario, load

MAX_RUNS = 20_000  # replications per request: the page stays a quick what-if, not a study
DEFAULT_RUNS = 1_000


def bundled() -> dict[str, Path]:
    """The bundled example scenarios (not the study or campaign files), by file stem."""
    folder = Path(str(resources.files("sim.examples") / "scenarios"))
    return {p.stem: p for p in sorted(folder.glob("*.yaml")) if _is_scenario(p)}


@cache
def _is_scenario(path: Path) -> bool:
    """Whether a bundled file is a scenario: not a study file, not a campaign."""
    from sim.io.scenario_file import read_raw

    raw = read_raw(path)
    return "study" not in raw and "campaign" not in raw


@dataclass(frozen=True)
class Slider:
    """A slider: the ``--set`` path it writes, its label, range, step and starting value."""

    target: str
    label: str
    low: float
    high: float
    step: float
    start: float


@dataclass
class View:
    """What the page shows: a scenario (bundled name or file), overrides, runs, seed."""

    scenario: str
    sets: dict[str, str] = field(default_factory=dict)  # --set target -> value text
    runs: int = DEFAULT_RUNS
    seed: int | None = None

    def set_texts(self) -> list[str]:
        """The overrides as ``--set`` strings, in a fixed order."""
        return [f"{k}={v}" for k, v in sorted(self.sets.items())]

    def query(self) -> str:
        """The URL query of this view."""
        pairs: list[tuple[str, str]] = [("scenario", self.scenario), ("runs", str(self.runs))]
        if self.seed is not None:
            pairs.append(("seed", str(self.seed)))
        pairs += [("set", s) for s in self.set_texts()]
        return "?" + urlencode(pairs)

    def command(self, path: Path, sep: str = " ") -> str:
        """The ``adsim run`` command on the scenario file ``path`` that gives the same
        numbers (its options joined by ``sep``: a backslash and a new line for a shell)."""
        parts = [f"adsim run {path} --runs {self.runs}"]
        if self.seed is not None:
            parts[0] += f" --seed {self.seed}"
        parts += [f"--set '{s}'" for s in self.set_texts()]
        return sep.join(parts)


def from_query(text: str, default: str) -> View:
    """The view a URL query names (bad runs or seed are bad input)."""
    q = parse_qs(text.lstrip("?"))
    view = View(q.get("scenario", [default])[0])
    if "runs" in q:
        view.runs = _whole(q["runs"][0], "runs", 1, MAX_RUNS)
    if "seed" in q:
        view.seed = _whole(q["seed"][0], "seed", 0, 2**63 - 1)
    for s in q.get("set", []):
        target, sep, value = s.partition("=")
        if not sep:
            raise InputError("URL", "set", f"{s!r}: expected PATH=VALUE")
        view.sets[target] = value
    return view


def _whole(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise InputError("URL", name, f"{text!r}: expected a whole number from {low} to {high:,}")
    return value


def scenario_path(view: View) -> Path:
    """The scenario file of a view: a bundled name or a path."""
    return bundled().get(view.scenario, Path(view.scenario))


def load_view(view: View) -> LoadedScenario:
    """The scenario of a view with its overrides (bad input is an ``InputError``)."""
    return load(scenario_path(view), view.set_texts())


def sliders(loaded: LoadedScenario) -> list[Slider]:
    """A slider per uncertain path and per calibration unknown, over its distribution."""
    found: dict[str, Slider] = {}
    spec = loaded.calibration
    pairs = list(loaded.model.uncertainties.items())
    if spec is not None:
        pairs += [(p.path, d) for p, d in zip(spec.unknowns, spec.priors, strict=True)]
    uncertain = set(loaded.model.uncertainties)
    for path, dist in pairs:
        target = f"uncertainties.{path}" if path in uncertain else path
        if target in found:
            continue
        low, high = dist.support
        mean = dist.mean
        if not math.isfinite(low):
            low = mean - 3 * abs(mean or 1)
        if not math.isfinite(high):
            high = mean + 3 * abs(mean or 1)
        if high <= low:
            high = low + 1
        step = 1.0 if dist.integer else 10.0 ** math.floor(math.log10((high - low) / 100))
        start = float(value_text(round(mean / step) * step, step))
        found[target] = Slider(target, path, float(low), float(high), step, float(start))
    return list(found.values())


def value_text(value: float, step: float) -> str:
    """A slider's value as the ``--set`` text: rounded to the slider's step."""
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:.{decimals}f}"
