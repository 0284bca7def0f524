"""Writing a campaign's records: ``campaigns.parquet`` and ``days.parquet``, streamed.

``campaigns.parquet`` has one row per campaign replication (``replication``, its integer
columns, then its real-valued ones: NaN where undefined, as a stock-out day that never came).
``days.parquet`` has one row per campaign replication and day: ``replication``, ``day``, each
stocked battery's stock at the end of the day (``stock.<battery>``) and the cumulative
``leaked`` and ``casualties``. Rows arrive a chunk at a time and leave in row groups of
bounded size, so memory stays flat however many replications and days there are.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io.arrow import from_numpy

GROUP_ROWS = 1 << 17  # rows held before a row group is written


class _Streamed:
    """A Parquet file written in row groups of at most ``GROUP_ROWS`` rows."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.held: list[pa.Table] = []
        self.rows = 0

    def _add(self, columns: list[np.ndarray]) -> None:
        table = pa.Table.from_arrays([from_numpy(c) for c in columns], schema=self.schema)
        self.held.append(table)
        self.rows += len(table)
        if self.rows >= GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.concat_tables(self.held), row_group_size=self.rows)
        self.held, self.rows = [], 0
        pa.default_memory_pool().release_unused()

    def close(self, metadata: dict[bytes, bytes] | None = None) -> None:
        """Finish the file, with its key-value ``metadata`` (the provenance block)."""
        self._flush()
        if metadata:
            self.writer.add_key_value_metadata(metadata)
        self.writer.close()

    def abort(self) -> None:
        """Give up the file (it is in a stage that is about to be removed)."""
        self.held, self.rows = [], 0
        with contextlib.suppress(Exception):
            self.writer.close()


class CampaignWriter(_Streamed):
    """Streams campaign rows to ``campaigns.parquet``."""

    def __init__(self, path: Path, ints: list[str], reals: list[str]) -> None:
        fields = [pa.field("replication", pa.int64())]
        fields += [pa.field(n, pa.int64()) for n in ints]
        fields += [pa.field(n, pa.float64()) for n in reals]
        super().__init__(path, pa.schema(fields))

    def __call__(self, ints: np.ndarray, reals: np.ndarray, first: int) -> None:
        """Append campaign replications ``first`` onwards."""
        index = np.arange(first, first + len(ints), dtype=np.int64)
        self._add([index, *ints.T, *reals.T])


class DayWriter(_Streamed):
    """Streams per-day records to ``days.parquet``."""

    def __init__(self, path: Path, series: list[str]) -> None:
        fields = [pa.field("replication", pa.int64()), pa.field("day", pa.int32())]
        fields += [pa.field(n, pa.int64()) for n in series]
        super().__init__(path, pa.schema(fields))

    def __call__(self, days: np.ndarray, first: int) -> None:
        """Append the days of campaign replications ``first`` onwards: (runs, series, days)."""
        runs, series, n_days = days.shape
        index = np.repeat(np.arange(first, first + runs, dtype=np.int64), n_days)
        day = np.tile(np.arange(n_days, dtype=np.int32), runs)
        values = days.transpose(1, 0, 2).reshape(series, runs * n_days)
        self._add([index, day, *values])
