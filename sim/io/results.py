"""Writing results so that a user never finds a half-written file.

A command writes everything into a staging folder beside the output folder and moves the
files into place only when it has finished (each move is an atomic rename; summary.json
goes last, so its presence means a complete run). An interrupted or failed command removes
its staging folder and leaves any earlier results untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.outcomes import parquet_schema

LAST = ("summary.json", "sweep.json", "calibration.json")
KEEP_IMPACTS = 2000  # replications whose impact points impacts.parquet keeps (for the map)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON to a temporary file in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, allow_nan=False, default=_plain)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _plain(x: Any) -> Any:
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def json_text(obj: Any) -> str:
    """The JSON text of a result document."""
    return json.dumps(obj, indent=2, allow_nan=False, default=_plain)


class StagedOutput:
    """A staging folder whose files move into ``out_dir`` only on ``commit``."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.stage = self.out_dir.parent / f".{self.out_dir.name}.partial-{os.getpid()}"

    def __enter__(self) -> StagedOutput:
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise FileExistsError(f"{self.out_dir} exists and is not a folder")
        shutil.rmtree(self.stage, ignore_errors=True)
        self.stage.mkdir(parents=True)
        return self

    def path(self, name: str) -> Path:
        """Where to write ``name`` (relative to the output folder) while staging."""
        p = self.stage / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def commit(self) -> list[Path]:
        """Move every staged file into the output folder; summaries last."""
        files = sorted(
            (p for p in self.stage.rglob("*") if p.is_file()),
            key=lambda p: (p.name in LAST, str(p)),
        )
        moved = []
        for f in files:
            target = self.out_dir / f.relative_to(self.stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
            moved.append(target)
        shutil.rmtree(self.stage, ignore_errors=True)
        return moved

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)


class ReplicationWriter:
    """Streams replication rows to a Parquet file, one row group per chunk."""

    def __init__(
        self,
        path: Path,
        names: list[str],
        ratio_names: list[str],
        uncertain: tuple[str, ...] | list[str] = (),
    ) -> None:
        """``names``: the integer metrics of a row; ``ratio_names``: the ratios computed from
        them (the columns of the ``ratios`` array); ``uncertain``: the scenario's uncertain
        paths, whose drawn values follow as ``u:<path>`` columns. Column types come from
        ``sim.outcomes``."""
        schema = parquet_schema([*names, *ratio_names])
        for p in uncertain:
            schema = schema.append(pa.field(f"u:{p}", pa.float64()))
        self.schema = schema
        self.names = names
        self.ratio_names = ratio_names
        self.uncertain = tuple(uncertain)
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def __call__(
        self, rows: np.ndarray, ratios: np.ndarray, first: int, drawn: np.ndarray | None = None
    ) -> None:
        """Append one chunk of rows (replications ``first`` onwards), with the values each
        drew for the uncertain paths."""
        cols = [pa.array(np.arange(first, first + len(rows), dtype=np.int64))]
        cols += [pa.array(rows[:, j]) for j in range(len(self.names))]
        cols += [pa.array(ratios[:, j]) for j in range(len(self.ratio_names))]
        if self.uncertain:
            assert drawn is not None and drawn.shape == (len(rows), len(self.uncertain))
            cols += [pa.array(drawn[:, j]) for j in range(len(self.uncertain))]
        self.writer.write_table(pa.Table.from_arrays(cols, schema=self.schema))

    def close(self) -> None:
        """Finish the file."""
        self.writer.close()


def write_impacts(path: Path, impacts: np.ndarray, threat_types: list[str]) -> None:
    """Leaker impact points kept for maps: replication, type, x_m, y_m."""
    table = pa.table(
        {
            "replication": pa.array(impacts[:, 0].astype(np.int64)),
            "type": pa.array([threat_types[int(t)] for t in impacts[:, 1]], pa.string()),
            "x_m": pa.array(impacts[:, 2]),
            "y_m": pa.array(impacts[:, 3]),
        }
    )
    pq.write_table(table, path)


def read_impacts(path: Path, threat_types: list[str]) -> np.ndarray:
    """The (k, 4) impact array written by ``write_impacts``."""
    t = pq.read_table(path).to_pydict()
    index = {name: i for i, name in enumerate(threat_types)}
    return (
        np.column_stack(
            [
                np.asarray(t["replication"], dtype=float),
                np.asarray([index.get(name, -1) for name in t["type"]], dtype=float),
                np.asarray(t["x_m"], dtype=float),
                np.asarray(t["y_m"], dtype=float),
            ]
        )
        if t["replication"]
        else np.empty((0, 4))
    )


def write_yaml(path: Path, data: dict) -> None:
    """The effective scenario (overrides applied) beside the results."""
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def write_columns(path: Path, columns: dict[str, list], csv: bool = False) -> None:
    """A table of named columns as Parquet (and CSV beside it), each file renamed into place."""
    import pyarrow.csv as pacsv

    table = pa.table(columns)
    targets = [(path, lambda t, p: pq.write_table(t, p, compression="zstd"))]
    if csv:
        targets.append((path.with_suffix(".csv"), lambda t, p: pacsv.write_csv(t, p)))
    for target, write in targets:
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        try:
            write(table, tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def read_uncertain_sample(path: Path, limit: int) -> dict[str, np.ndarray]:
    """The first ``limit`` rows of replications.parquet's main metrics and ``u:`` columns
    (what the uncertainty figures draw)."""
    names = pq.read_schema(path).names
    wanted = [n for n in names if n.startswith("u:") or "." not in n]
    table = pq.read_table(path, columns=wanted).slice(0, limit)
    return {n: table.column(n).to_numpy() for n in wanted}
