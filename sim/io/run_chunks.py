"""An interrupted run's finished replications, kept in its folder so that a rerun resumes.

``adsim run`` of ``RESUME_FROM`` replications or more keeps what it has finished, in index
order, in ``.run-chunks/`` inside its results folder: *segments* of consecutive
replications, each one Parquet file named by its first index and the index after its last
(``0000000000-0000004000.parquet``: the columns of replications.parquet), with the impact
points of those replications that impacts.parquet keeps beside it (``*.impacts.parquet``,
written first: the segment's own file, renamed into place last, says the pair is whole).
``run.json`` says what made their numbers (the effective scenario's digest, the ``--set``
overrides, seed, runs, precision target, engine revision, adsim version and the columns).

A segment is written when the rows held reach ``SEGMENT_BYTES``, when ``SEGMENT_S`` have
passed since the last one, and with whatever is held when the run ends or stops (Ctrl-C, a
signal, a failure). A hard kill loses at most the rows held.

A rerun with the same ``run.json`` replays the segments, one in memory at a time, through
the same Parquet writer, histograms and samples as fresh rows would go, then runs only the
replications after them. Replication i always draws from the same streams, so the result is
that of a run never interrupted, whatever the workers. A rerun with another ``run.json`` is
refused (``force`` drops the kept rows and starts afresh). The folder's commit removes
``.run-chunks/`` with the old set of files, so a completed folder holds none.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io.arrow import from_numpy
from sim.io.errors import OptionError
from sim.io.folders import fsync_path
from sim.io.results import write_json_atomic
from sim.outcomes import parquet_schema

CHUNKS_DIR = ".run-chunks"
MANIFEST = "run.json"
FORMAT = "adsim-run-chunks/1"
RESUME_FROM = 2000  # runs of this many replications or more keep their finished ones
SEGMENT_BYTES = 2 * 2**20  # rows held (as 8-byte values) before a segment is written
SEGMENT_S = 60.0  # seconds between segments at most (what a hard kill may lose)
_SEGMENT = re.compile(r"^(\d{10})-(\d{10})\.parquet$")
IMPACT_COLUMNS = ("replication", "type", "x_m", "y_m", "debris")


@dataclass
class Piece:
    """Consecutive replications from ``start``: their metric rows, ratios, the values drawn
    for the uncertain paths (None without any) and the impact points kept for maps."""

    start: int
    rows: np.ndarray  # (n, metrics) int64
    ratios: np.ndarray  # (n, ratio metrics) float
    drawn: np.ndarray | None  # (n, uncertain paths) float
    impacts: np.ndarray  # (k, 5) float: replication, type index, x, y, 1 for debris

    @property
    def stop(self) -> int:
        """The index after the last replication."""
        return self.start + len(self.rows)


LABELS = {
    "format": "the format of the kept files",
    "adsim": "adsim version",
    "engine_revision": "engine revision",
    "scenario": "scenario",
    "scenario_sha256": "effective scenario SHA-256",
    "overrides": "`set` overrides",
    "seed": "`seed`",
    "runs": "`runs`",
    "precision": "`precision`",
    "keep_impacts": "impact points kept",
    "columns": "metric columns",
}


def manifest(
    *,
    scenario: str,
    digest: str,
    overrides: Sequence[str],
    seed: int,
    runs: int,
    precision: tuple[str, float] | None,
    keep_impacts: int,
    columns: Sequence[str],
) -> dict[str, Any]:
    """What the kept replications of a run must share with a rerun that reuses them."""
    from sim.engine.replication import ENGINE_REVISION
    from sim.io.provenance import adsim_version

    return {
        "format": FORMAT,
        "adsim": adsim_version(),
        "engine_revision": ENGINE_REVISION,
        "scenario": scenario,
        "scenario_sha256": digest,
        "overrides": list(overrides),
        "seed": int(seed),
        "runs": int(runs),
        "precision": None if precision is None else [precision[0], float(precision[1])],
        "keep_impacts": int(keep_impacts),
        "columns": list(columns),
    }


def _shown(value: Any) -> str:
    if isinstance(value, list) and not value:
        return "none"
    if isinstance(value, list):
        return " ".join(map(str, value))
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
        return value[:12]
    return str(value)


def differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What differs between two manifests, in words: "`seed` 1 there, 2 here; ..."."""
    parts = []
    for key, label in LABELS.items():
        if key == "scenario_sha256" and any(
            old.get(k) != new.get(k) for k in ("scenario", "overrides")
        ):
            continue  # the name or the overrides say it better
        if key == "columns" and old.get("scenario_sha256") != new.get("scenario_sha256"):
            continue  # follows from the scenario
        if old.get(key) != new.get(key):
            parts.append(f"{label} {_shown(old.get(key))} there, {_shown(new.get(key))} here")
    return "; ".join(parts) or "the format of the kept files"


class RunChunks:
    """The kept replications of one run in its folder: checked, replayed, extended.

    The caller holds the folder's lock (``OutputFolder``), so nothing else writes there.
    """

    def __init__(
        self,
        folder: Path,
        manifest: dict[str, Any],
        names: Sequence[str],
        ratio_names: Sequence[str],
        uncertain: Sequence[str],
        shown: str | None = None,
    ) -> None:
        self.dir = folder / CHUNKS_DIR
        self.shown = shown or str(folder)
        self.manifest = manifest
        self.names = list(names)
        self.ratio_names = list(ratio_names)
        self.uncertain = list(uncertain)
        self.keep_impacts = int(manifest["keep_impacts"])
        schema = parquet_schema([*self.names, *self.ratio_names])
        for p in self.uncertain:
            schema = schema.append(pa.field(f"u:{p}", pa.float64()))
        self.schema = schema
        self.saved = 0  # replications 0 .. saved - 1 are in segments on disk
        self._segments: list[tuple[int, int]] = []
        self._held: list[Piece] = []
        self._held_values = 0
        self._last = time.monotonic()

    # Reading ---------------------------------------------------------------------------

    def open(self, force: bool = False) -> int:
        """Check what the folder keeps against this run: refuse the replications of another
        run (unless ``force``: they are removed); the number of replications to reuse."""
        if not self.dir.is_dir():
            if os.path.lexists(self.dir):
                raise OptionError(
                    "out",
                    self.shown,
                    f"{CHUNKS_DIR} is not a folder; remove it or choose another `out`",
                )
            return 0
        try:
            old = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None  # cut short before its first segment: nothing to reuse
        if not isinstance(old, dict):
            self.drop()
            return 0
        if old != self.manifest:
            if not force:
                raise OptionError(
                    "out",
                    self.shown,
                    f"keeps {self._count_kept():,} replications of an interrupted run with "
                    f"other arguments ({differences(old, self.manifest)}); rerun with its "
                    "arguments to resume it, add `force` to start afresh, or choose another "
                    "`out`",
                )
            self.drop()
            return 0
        self._scan()
        return self.saved

    def _listed(self) -> list[tuple[int, int]]:
        found = []
        for entry in self.dir.iterdir():
            m = _SEGMENT.match(entry.name)
            if m:
                found.append((int(m[1]), int(m[2])))
        return sorted(found)

    def _count_kept(self) -> int:
        return sum(b - a for a, b in self._listed())

    def _scan(self) -> None:
        """Keep the segments that continue each other from replication 0; remove the rest
        (temporary files of a segment cut short, anything after a gap)."""
        keep: list[tuple[int, int]] = []
        for a, b in self._listed():
            end = keep[-1][1] if keep else 0
            if a == end and end < b <= int(self.manifest["runs"]):
                keep.append((a, b))
        wanted = {self._name(a, b) for a, b in keep}
        wanted |= {self._impacts_name(a, b) for a, b in keep} | {MANIFEST}
        for entry in self.dir.iterdir():
            if entry.name not in wanted:
                _remove(entry)
        self._segments = keep
        self.saved = keep[-1][1] if keep else 0

    def replay(self) -> Iterator[Piece]:
        """The kept replications, segment by segment in order. A segment that cannot be read
        (a damaged disk) ends the replay: it and those after it are removed, and ``saved``
        says where the run goes on."""
        for k, (a, b) in enumerate(self._segments):
            piece = self._read(a, b)
            if piece is None:
                for a2, b2 in self._segments[k:]:
                    _remove(self.dir / self._name(a2, b2))
                    _remove(self.dir / self._impacts_name(a2, b2))
                self._segments = self._segments[:k]
                self.saved = a
                return
            yield piece

    def _read(self, a: int, b: int) -> Piece | None:
        try:
            table = pq.read_table(self.dir / self._name(a, b))
            if table.schema.names != self.schema.names or table.num_rows != b - a:
                return None
            replication = table.column("replication").to_numpy()
            if not np.array_equal(replication, np.arange(a, b)):
                return None
            rows = _stack(table, self.names, np.int64, b - a)
            ratios = _stack(table, self.ratio_names, np.float64, b - a)
            drawn = (
                _stack(table, [f"u:{p}" for p in self.uncertain], np.float64, b - a)
                if self.uncertain
                else None
            )
            impacts = np.empty((0, 5))
            if a < self.keep_impacts:
                t = pq.read_table(self.dir / self._impacts_name(a, b))
                if t.schema.names != list(IMPACT_COLUMNS):
                    return None
                impacts = _stack(t, IMPACT_COLUMNS, np.float64, t.num_rows)
        except (OSError, pa.ArrowException, ValueError):
            return None
        return Piece(a, rows, ratios, drawn, impacts)

    # Writing ---------------------------------------------------------------------------

    def add(self, piece: Piece) -> None:
        """Hold the next replications (they follow the last ones added); write a segment
        when enough are held or enough time has passed."""
        end = self._held[-1].stop if self._held else self.saved
        if piece.start != end:
            raise ValueError(f"replications from {piece.start} follow {end}: out of order")
        self._held.append(piece)
        self._held_values += piece.rows.size + piece.ratios.size
        due = time.monotonic() - self._last >= SEGMENT_S
        if due or 8 * self._held_values >= SEGMENT_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the replications held as one segment (nothing when none are held)."""
        self._last = time.monotonic()
        if not self._held:
            return
        held, self._held, self._held_values = self._held, [], 0
        a, b = held[0].start, held[-1].stop
        self.dir.mkdir(exist_ok=True)
        if not (self.dir / MANIFEST).is_file():
            write_json_atomic(self.dir / MANIFEST, self.manifest)
        if a < self.keep_impacts:
            kept = [p.impacts for p in held if len(p.impacts)]
            impacts = np.vstack(kept) if kept else np.empty((0, 5))
            columns = [from_numpy(impacts[:, j].astype(np.float64)) for j in range(5)]
            self._write(pa.Table.from_arrays(columns, names=list(IMPACT_COLUMNS)),
                        self._impacts_name(a, b))  # fmt: skip
        rows = np.vstack([p.rows for p in held])
        ratios = np.vstack([p.ratios for p in held])
        cols = [from_numpy(np.arange(a, b, dtype=np.int64))]
        cols += [from_numpy(rows[:, j]) for j in range(rows.shape[1])]
        cols += [from_numpy(ratios[:, j]) for j in range(ratios.shape[1])]
        if self.uncertain:
            drawn = np.vstack([p.drawn for p in held if p.drawn is not None])
            cols += [from_numpy(drawn[:, j]) for j in range(drawn.shape[1])]
        table = pa.Table.from_arrays(cols, names=self.schema.names).cast(self.schema)
        self._write(table, self._name(a, b))
        self._segments.append((a, b))
        self.saved = b
        del table, cols, rows, ratios, held
        pa.default_memory_pool().release_unused()  # memory stays flat over long runs

    def _write(self, table: pa.Table, name: str) -> None:
        tmp = self.dir / f".{name}.tmp"
        pq.write_table(table, tmp, compression="zstd")
        fsync_path(tmp)
        os.replace(tmp, self.dir / name)
        fsync_path(self.dir)

    def close(self) -> None:
        """After the run, done or stopped: remove the folder of kept rows if it keeps none
        (so a stop before the first segment leaves the results folder as it was)."""
        if self.saved == 0:
            self.drop()

    def drop(self) -> None:
        """Remove every kept replication."""
        _remove(self.dir)
        self._segments, self.saved = [], 0

    @staticmethod
    def _name(a: int, b: int) -> str:
        return f"{a:010d}-{b:010d}.parquet"

    @staticmethod
    def _impacts_name(a: int, b: int) -> str:
        return f"{a:010d}-{b:010d}.impacts.parquet"


def _stack(table: pa.Table, names: Sequence[str], dtype: type, n: int) -> np.ndarray:
    if not names:
        return np.empty((n, 0), dtype=dtype)
    return np.column_stack([table.column(c).to_numpy() for c in names]).astype(dtype, copy=False)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
