"""Arrow arrays built from numpy buffers equal pyarrow's own, and need no pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sim.io.arrow import from_numpy, from_strings


def _same(ours: pa.Array, theirs: pa.Array) -> None:
    ours.validate(full=True)
    assert ours.type == theirs.type
    assert ours.null_count == theirs.null_count == 0
    assert ours.equals(theirs) or np.array_equal(
        ours.to_numpy(zero_copy_only=False), theirs.to_numpy(zero_copy_only=False), equal_nan=True
    )


def test_numeric_columns_equal_pyarrow_s() -> None:
    rng = np.random.default_rng(3)
    grid = rng.integers(-(2**62), 2**62, size=(7, 5))
    reals = rng.normal(size=(7, 5))
    reals[2, 1] = np.nan  # a ratio left undefined stays NaN, not null
    cases = [
        grid[:, 1],  # a strided column of a row-major table
        grid[3],
        reals[:, 1],
        reals[:, 4].astype(np.float32),
        np.arange(9, dtype=np.int32),
        np.arange(9, dtype=np.uint8),
        np.arange(9, dtype=">i8"),  # big-endian: converted to the machine's order
        np.empty(0),
    ]
    for values in cases:
        _same(from_numpy(values), pa.array(values.astype(values.dtype.newbyteorder("="))))
    nan = from_numpy(reals[:, 1]).to_numpy()
    assert np.isnan(nan[2]) and np.array_equal(nan, reals[:, 1], equal_nan=True)


def test_boolean_columns_are_packed_as_arrow_expects() -> None:
    for n in (0, 1, 7, 8, 9, 64, 1001):
        flags = np.random.default_rng(n).random(n) < 0.4
        ours = from_numpy(flags)
        ours.validate(full=True)
        assert ours.equals(pa.array(flags)), n
        assert ours.to_pylist() == flags.tolist()


def test_string_columns_equal_pyarrow_s() -> None:
    for values in ([], ["rocket"], ["srbm", "", "Fateh-110", "Qiam-1 (قیام)", "srbm"]):
        ours = from_strings(values)
        ours.validate(full=True)
        assert ours.equals(pa.array(values, pa.string()))


def test_other_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="one-dimensional"):
        from_numpy(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="numeric"):
        from_numpy(np.array(["a", "b"]))


def test_writing_a_run_s_records_does_not_import_pandas(tmp_path: Path) -> None:
    code = f"""
import sys
import numpy as np
from sim.io.results import ReplicationWriter, write_impacts
path = {str(tmp_path / "r.parquet")!r}
writer = ReplicationWriter(path, ["leaked", "fired"], ["intercepted_fraction"], ["p"])
writer(np.array([[1, 3], [0, 2]]), np.array([[0.5], [np.nan]]), 0, np.array([[0.1], [0.2]]))
writer.close()
impacts = np.array([[0, 1, 10.0, -5.0, 0], [1, 0, 3.0, 4.0, 1]])
write_impacts({str(tmp_path / "i.parquet")!r}, impacts, ["srbm", "rocket"])
assert "pandas" not in sys.modules, "pandas imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
    import pyarrow.parquet as pq

    rows = pq.read_table(tmp_path / "r.parquet").to_pydict()
    assert rows["leaked"] == [1, 0] and rows["fired"] == [3, 2] and rows["u:p"] == [0.1, 0.2]
    ratio = rows["intercepted_fraction"]
    assert ratio[0] == 0.5 and np.isnan(ratio[1])
    impacts = pq.read_table(tmp_path / "i.parquet").to_pydict()
    assert impacts["type"] == ["rocket", "srbm"] and impacts["debris"] == [False, True]
