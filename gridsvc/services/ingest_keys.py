"""Row identity for ingest, in arrays: keyed 64-bit hashes of keys and raw rows, keys seen
earlier in the file (duplicate_in_file), and the keys and row hashes already stored.

A row's hash covers every mapped raw value (and its geometry's WKB) under a key derived from
the personal-data keyring and the mapping itself: a changed mapping re-writes every row, and
nobody without the key can test a guessed row against a stored hash.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pandas.util import hash_array

from gridsvc.pii import Keyring

#: Bump when what the engine writes for the same row changes: every row is then re-written.
ENGINE_VERSION = 1


def hash_key(keyring: Keyring, mapping: dict) -> str:
    """The 16-character key of pandas' row hashing for one mapping."""
    text = json.dumps({"v": ENGINE_VERSION, "mapping": mapping}, sort_keys=True)
    return keyring.id_hash("gridsvc row hash " + text).hex()[:16]


def external_ids(frame: pd.DataFrame) -> np.ndarray:
    """Each row's external id, stripped; None when missing or blank."""
    ids = _text(frame["external_id"])
    ids = pc.utf8_trim_whitespace(ids)
    ids = pc.if_else(pc.equal(ids, ""), pa.scalar(None, pa.large_string()), ids)
    return ids.to_numpy(zero_copy_only=False).astype(object)


def _text(column: pd.Series) -> pa.Array:
    """A frame column as an Arrow large-string array (missing values null), no copies when
    the column is Arrow-backed already."""
    try:
        arr = pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: make them text
        arr = pa.array(column.astype(object).map(_str_or_none), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr


def _str_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]


def key_hashes(ids: np.ndarray, key: str) -> np.ndarray:
    """uint64 keyed hash of each (present) external id."""
    if not len(ids):
        return np.zeros(0, dtype=np.uint64)
    return hash_array(np.asarray(ids, dtype=object), hash_key=key, categorize=False)


def row_hashes(frame: pd.DataFrame, geometry: np.ndarray | None, key: str) -> np.ndarray:
    """uint64 keyed hash of each raw row: every mapped column (by name) and the geometry."""
    parts = [pc.fill_null(_text(frame[c]), "\x00") for c in sorted(frame.columns)]
    if geometry is not None:
        wkb = shapely.to_wkb(np.asarray(geometry, dtype=object), hex=True)
        wkb_text = pa.array(wkb, type=pa.large_string(), from_pandas=True)
        parts.append(pc.fill_null(wkb_text, "\x00"))
    if not parts or not len(frame):
        return np.zeros(len(frame), dtype=np.uint64)
    names = pa.scalar("\x1e".join(sorted(frame.columns)), pa.large_string())
    joined = pc.binary_join_element_wise(names, *parts, pa.scalar("\x1f", pa.large_string()))
    return hash_array(joined.to_numpy(zero_copy_only=False), hash_key=key, categorize=False)


class SeenKeys:
    """Key hashes met so far in the file, sorted, with the row each was first met in."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)
        self.rows = np.zeros(0, dtype=np.int64)

    def check(self, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each (key, row): the earlier row with the same key, 0 when first; records
        first occurrences."""
        dup_of = np.zeros(len(keys), dtype=np.int64)
        if not len(keys):
            return dup_of
        order = np.argsort(keys, kind="stable")
        srt = keys[order]
        first = np.r_[True, srt[1:] != srt[:-1]]
        run = np.cumsum(first) - 1
        head = order[first]  # position of each distinct key's first row in the batch
        later = ~first
        dup_of[order[later]] = rows[head[run[later]]]
        uniq = srt[first]
        pos = np.searchsorted(self.keys, uniq)
        clipped = np.minimum(pos, max(len(self.keys) - 1, 0))
        hit = (pos < len(self.keys)) & (self.keys[clipped] == uniq) if len(self.keys) else pos < 0
        hit_rows = np.where(hit, self.rows[clipped] if len(self.keys) else 0, 0)
        member_hit = hit_rows[run]
        dup_of[order[member_hit > 0]] = member_hit[member_hit > 0]
        new = ~hit
        self._add(uniq[new], rows[head[new]])
        return dup_of

    def _add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        allk = np.concatenate([self.keys, keys])
        allr = np.concatenate([self.rows, rows])
        order = np.argsort(allk, kind="stable")
        self.keys, self.rows = allk[order], allr[order]


class StoredRows:
    """The key hashes and row hashes of the elements a source already has, sorted by key."""

    def __init__(self, table: pa.Table, key: str):
        ids = table.column("external_id").to_numpy(zero_copy_only=False).astype(object)
        keys = key_hashes(ids, key)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.hashes = table.column("row_hash").to_numpy().view(np.uint64)[order]

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, keys: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: whether its key is stored, and whether with this very row hash."""
        if not len(self.keys) or not len(keys):
            none = np.zeros(len(keys), dtype=bool)
            return none, none.copy()
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        stored = self.keys[pos] == keys
        return stored, stored & (self.hashes[pos] == hashes)
