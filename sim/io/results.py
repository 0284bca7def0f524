"""Writing result files: JSON documents, Parquet records and tables, the scenario.

Commands write them into the stage of their results folder (``sim.io.folders``), which
puts them in place as a set only when the command has finished; a file written outside a
stage goes through a temporary file renamed into place, so nobody finds it half-written.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.io.arrow import from_numpy, from_strings
from sim.io.errors import InputError
from sim.outcomes import parquet_schema

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


ROW_GROUP_BYTES = 16 * 2**20  # a row group's uncompressed data (so its rows: by its columns)


class ReplicationWriter:
    """Streams replication rows to a Parquet file in large row groups.

    Chunks arrive a few hundred rows at a time; they are copied into a buffer of one row
    group (``ROW_GROUP_BYTES`` of data, 2^14 to 2^20 rows), which is written when full and
    then reused, and Arrow's freed memory is handed back. So memory stays flat however many
    replications run, and the file's metadata (kept until the file is closed) gains an
    entry per row group, not per chunk.
    """

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
        self.group_rows = int(min(2**20, max(2**14, ROW_GROUP_BYTES // (8 * len(self.schema)))))
        # one row group, column by column: replication and the integer metrics; the ratios
        # and the values drawn for the uncertain paths
        self._ints = np.empty((1 + len(names), self.group_rows), dtype=np.int64)
        self._reals = np.empty(
            (len(ratio_names) + len(self.uncertain), self.group_rows), dtype=np.float64
        )
        self._held = 0

    def __call__(
        self, rows: np.ndarray, ratios: np.ndarray, first: int, drawn: np.ndarray | None = None
    ) -> None:
        """Append one chunk of rows (replications ``first`` onwards), with the values each
        drew for the uncertain paths."""
        k = len(self.ratio_names)
        if self.uncertain:
            assert drawn is not None and drawn.shape == (len(rows), len(self.uncertain))
        done = 0
        while done < len(rows):
            n = min(len(rows) - done, self.group_rows - self._held)
            a, b = self._held, self._held + n
            self._ints[0, a:b] = np.arange(first + done, first + done + n)
            self._ints[1:, a:b] = rows[done : done + n].T
            self._reals[:k, a:b] = ratios[done : done + n].T
            if drawn is not None and self.uncertain:
                self._reals[k:, a:b] = drawn[done : done + n].T
            self._held, done = b, done + n
            if self._held == self.group_rows:
                self._flush()

    def _flush(self) -> None:
        """Write the rows held as one row group; the buffer is free again."""
        n = self._held
        if n == 0:
            return
        cols = [from_numpy(self._ints[j, :n]) for j in range(len(self._ints))]
        cols += [from_numpy(self._reals[j, :n]) for j in range(len(self._reals))]
        table = pa.Table.from_arrays(cols, names=self.schema.names).cast(self.schema)
        self.writer.write_table(table, row_group_size=n)
        self._held = 0
        del table, cols
        pa.default_memory_pool().release_unused()

    def close(self, metadata: dict[bytes, bytes] | None = None) -> None:
        """Finish the file, with its key-value ``metadata`` (the provenance block)."""
        self._flush()
        if metadata:
            self.writer.add_key_value_metadata(metadata)
        self.writer.close()

    def abort(self) -> None:
        """Give up the file (it is in a stage that is about to be removed)."""
        self._held = 0
        with contextlib.suppress(Exception):  # the file is being thrown away
            self.writer.close()


def write_impacts(
    path: Path,
    impacts: np.ndarray,
    threat_types: list[str],
    metadata: dict[bytes, bytes] | None = None,
) -> None:
    """Impact points kept for maps: replication, type, x_m, y_m, and whether it is debris
    of an intercepted threat (else a leaker); and the file's key-value ``metadata``."""
    table = pa.table(
        {
            "replication": from_numpy(impacts[:, 0].astype(np.int64)),
            "type": from_strings([threat_types[int(t)] for t in impacts[:, 1]]),
            "x_m": from_numpy(impacts[:, 2]),
            "y_m": from_numpy(impacts[:, 3]),
            "debris": from_numpy(impacts[:, 4] > 0),
        }
    )
    pq.write_table(table.replace_schema_metadata(metadata), path)


def read_impacts(path: Path, threat_types: list[str]) -> np.ndarray:
    """The (k, 5) impact array written by ``write_impacts`` (files written before debris
    have no ``debris`` column: all leakers)."""
    t = pq.ParquetFile(path).read().to_pydict()
    index = {name: i for i, name in enumerate(threat_types)}
    debris = t.get("debris", [False] * len(t["replication"]))
    return (
        np.column_stack(
            [
                np.asarray(t["replication"], dtype=float),
                np.asarray([index.get(name, -1) for name in t["type"]], dtype=float),
                np.asarray(t["x_m"], dtype=float),
                np.asarray(t["y_m"], dtype=float),
                np.asarray(debris, dtype=float),
            ]
        )
        if t["replication"]
        else np.empty((0, 5))
    )


def write_yaml(path: Path, data: dict, source: Path | None = None) -> None:
    """The effective scenario (overrides applied) beside the results, with its comments.

    A scenario's comments are its assumptions in words (where each value comes from), and
    reports show them: so when the effective data is the ``source`` file's own, the file is
    copied as written; otherwise the file's header comments are kept above the data.
    """
    text = yaml.safe_dump(data, sort_keys=False)
    if source is not None:
        from sim.io.scenario_file import read_raw

        try:
            original = source.read_text(encoding="utf-8")
            same = read_raw(source) == data
        except (OSError, ValueError, InputError):
            original, same = "", False
        if same:
            text = original
        elif original:
            header = "".join(itertools.takewhile(_is_comment, original.splitlines(True)))
            text = (
                header
                + f"#\n# The scenario as run: {source.name} with overrides (--set, study values)"
                " or catalogue values applied; the comments of the file's body are in it.\n" + text
            )
    path.write_text(text, encoding="utf-8")


def _is_comment(line: str) -> bool:
    return line.startswith("#") or not line.strip()


def write_columns(
    path: Path,
    columns: dict[str, list],
    csv: bool = False,
    metadata: dict[bytes, bytes] | None = None,
) -> None:
    """A table of named columns as Parquet (with key-value ``metadata``; and CSV beside it),
    each file renamed into place."""
    import pyarrow.csv as pacsv

    table = pa.table(columns).replace_schema_metadata(metadata)
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
    # only the batches holding the first ``limit`` rows are read, however many the run has
    file = pq.ParquetFile(path)
    wanted = [n for n in file.schema_arrow.names if n.startswith("u:") or "." not in n]
    batches, rows = [], 0
    for batch in file.iter_batches(columns=wanted):
        batches.append(batch)
        rows += batch.num_rows
        if rows >= limit:
            break
    if not batches:
        return {n: np.empty(0) for n in wanted}
    table = pa.Table.from_batches(batches).slice(0, limit)
    return {n: table.column(n).to_numpy() for n in wanted}
