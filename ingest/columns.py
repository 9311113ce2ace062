"""Element columns held as Arrow arrays and handed out as numpy arrays on first read.

Turning a million strings into Python objects costs more than parsing them, so normalise
keeps its results in Arrow; ``columns[name]`` gives the numpy form (object arrays of
str/int/None; lists of lists for list columns) and caches it, ``columns.arrow(name)`` the
Arrow form without conversion (for COPY writers).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import numpy as np
import pyarrow as pa


def _is_arrow(value: Any) -> bool:
    return isinstance(value, pa.Array | pa.ChunkedArray)


def to_numpy(value: pa.Array | pa.ChunkedArray) -> Any:
    """An Arrow column as numpy: strings and nullable ints as object arrays; lists as lists."""
    kind = value.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return value.to_pylist()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or value.null_count == 0:
        return value.to_numpy(zero_copy_only=False)
    return np.array(value.to_pylist(), dtype=object)


class Columns(MutableMapping[str, Any]):
    """Named columns of equal length: Arrow arrays, numpy arrays, lists or nested Columns."""

    def __init__(self, data: dict[str, Any] | None = None):
        self._data: dict[str, Any] = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        value = self._data[key]
        if _is_arrow(value):
            value = self._data[key] = to_numpy(value)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Columns({', '.join(self._data)})"

    def arrow(self, key: str) -> pa.Array:
        """The column as an Arrow array (converted from numpy when it was read as numpy)."""
        value = self._data[key]
        if _is_arrow(value):
            return value
        return pa.array(list(value) if isinstance(value, list) else value, from_pandas=True)

    def take(self, idx: np.ndarray) -> Columns:
        """The rows at positions ``idx``, each column in the form it is held in."""
        out = Columns()
        where = pa.array(idx, pa.int64())
        for key, value in self._data.items():
            if _is_arrow(value):
                out[key] = value.take(where)
            elif isinstance(value, Columns):
                out[key] = value.take(idx)
            elif isinstance(value, list):
                out[key] = [value[i] for i in idx]
            else:
                out[key] = np.asarray(value)[idx]
        return out
