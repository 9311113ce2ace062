"""Care tags of a batch: the tag column split into codes, and the yes/no flag columns. Pure."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ingest import values as v
from ingest.location import Finding
from ingest.mapfile import MappingSpec
from ingest.tabular import FLAG_PREFIX, TAG_COLUMN, RawBatch

#: The sorted tag codes, and (row positions, positions in them) pairs.
TagPairs = tuple[list[str], list[tuple[np.ndarray, np.ndarray]]]


def raw_column(batch: RawBatch, name: str) -> pa.Array:
    """A column of the batch's frame as Arrow text."""
    column = pa.array(batch.frame[name], type=pa.large_string(), from_pandas=True)
    # one chunk: numpy views of chunked results are read-only
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def gather_tags(batch: RawBatch, spec: MappingSpec, findings: list[Finding]) -> TagPairs:
    """(row positions, code positions in the sorted tag codes) from tag and flag columns."""
    codes = sorted(spec.tag_codes())
    pairs = []
    if spec.tag_column:
        parents, items = v.split_list(v.text(raw_column(batch, TAG_COLUMN)))
        found, bad_items = v.tag_codes(items, spec.values.get("tags", {}), codes)
        bad = np.zeros(len(batch), dtype=bool)
        bad[parents[bad_items]] = True
        reasons = np.full(len(batch), None, dtype=object)
        where = f"tags (column {spec.tag_column})"
        for row, item in zip(
            parents[bad_items], items.filter(pa.array(bad_items)).to_pylist(), strict=True
        ):
            shown = item if len(item) <= 20 else item[:20] + "…"
            why = f"'{shown}' is not a care tag; map it under values: tags"
            reasons[row] = f"{reasons[row]}; {why}" if reasons[row] else f"{where}: {why}"
        findings.append(Finding(bad, "tags", "unparseable_value", reasons))
        pairs.append((parents[~bad_items], found[~bad_items]))
    for column, code in spec.tag_flags.items():
        yes, bad = v.flag(v.text(raw_column(batch, FLAG_PREFIX + code)))
        why = f"tags (column {column}): not a yes/no value (是/否, Y/N, 1/0, true/false)"
        findings.append(Finding(bad, "tags", "unparseable_value", why))
        rows = np.flatnonzero(yes)
        pairs.append((rows, np.full(len(rows), codes.index(code), dtype=np.int64)))
    return codes, pairs


def tag_lists(tags: TagPairs, n: int, idx: np.ndarray) -> pa.Array:
    """Each accepted row's tag codes (first appearance kept, duplicates dropped) as a list."""
    codes, pairs = tags
    position = np.full(n, -1, dtype=np.int64)
    position[idx] = np.arange(len(idx))
    rows = np.concatenate([position[r] for r, _ in pairs] or [np.zeros(0, np.int64)])
    ids = np.concatenate([c for _, c in pairs] or [np.zeros(0, np.int64)])
    keep = rows >= 0
    rows, ids = rows[keep], ids[keep]
    _, first = np.unique(rows * max(len(codes), 1) + ids, return_index=True)
    order = first[np.lexsort((first, rows[first]))]
    counts = np.bincount(rows[order], minlength=len(idx))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    values = pa.array(codes, pa.string()).take(pa.array(ids[order], pa.int64()))
    return pa.ListArray.from_arrays(pa.array(offsets), values)
