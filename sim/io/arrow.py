"""Arrow arrays from numpy arrays and strings, for the Parquet records.

``pyarrow.array`` asks pandas whether its argument is a pandas object, which imports pandas
(0.17 s) in any environment that has it, as every install of this package does (SALib needs
it). The records never hold pandas objects: these build the same arrays straight from the
numpy buffers, so that a run imports pandas only if the user asks for a data frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def from_numpy(values: np.ndarray) -> pa.Array:
    """A 1-D numpy array of numbers or booleans as an Arrow array of the same type, values
    and length (NaN stays a value, not a null, as ``pyarrow.array`` leaves it)."""
    if values.ndim != 1:
        raise ValueError(f"a column must be one-dimensional, got shape {values.shape}")
    if values.dtype == np.bool_:  # Arrow packs booleans in bits, least significant first
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    if values.dtype.kind not in "iuf":
        raise TypeError(f"a numeric column was expected, got dtype {values.dtype}")
    data = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    kind = pa.from_numpy_dtype(data.dtype)
    return pa.Array.from_buffers(kind, len(data), [None, pa.py_buffer(data)])


def from_strings(values: Sequence[str]) -> pa.Array:
    """Strings as an Arrow string array: UTF-8 bytes and their 32-bit offsets."""
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)
