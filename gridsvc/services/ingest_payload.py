"""Accepted, located element rows → the Arrow table staged by COPY, vectorised: masked names
and attributes, sealed personal values, ID-number hashes, tag arrays and geometry."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from gridsvc.pii import SEALED_FIELDS, Keyring, mask_id_number, mask_phone
from gridsvc.repositories.elements import STAGE_COLUMNS, AttrColumn, hex_bytea

#: Kinds whose name and personal values are sealed and shown masked.
PERSONAL_KINDS = frozenset({"person", "staff"})
_TEXT = ("external_id", "category", "status", "household_id", "building_id")
_TEXT += ("parent_external_id", "valid_from", "valid_to")
_CONTROL = "[\\x00-\\x1f]"


@dataclass
class Located:
    """Where the accepted rows are: WGS 84 point (NaN none), grid code and H3 cell (0 none)."""

    lon: np.ndarray
    lat: np.ndarray
    grid_code: np.ndarray  # object: str or None
    h3: np.ndarray  # uint64


def _strings(values: object) -> pa.Array:
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def _fallback(arr: pa.Array, fast: pa.Array, ok: pa.Array, fn) -> pa.Array:  # type: ignore[no-untyped-def]
    """``fast`` where ``ok``, else ``fn`` of the value (the rare odd shapes, row by row)."""
    if pc.all(pc.or_kleene(ok, pc.is_null(arr))).as_py() is not False:
        return pc.if_else(ok, fast, arr)
    slow = pa.array([fn(v) for v in arr.to_pylist()], type=pa.string())
    return pc.if_else(ok, fast, slow)


def mask_names(arr: pa.Array) -> pa.Array:
    """pii.mask_name of each value: the first character, then ``*``."""
    trimmed = pc.utf8_trim_whitespace(arr)
    masked = pc.binary_join_element_wise(pc.utf8_slice_codeunits(trimmed, 0, 1), "*", "")
    return pc.if_else(pc.greater(pc.utf8_length(trimmed), 0), masked, trimmed)


def mask_id_numbers(arr: pa.Array) -> pa.Array:
    """pii.mask_id_number of each value (18 characters fast, others one by one)."""
    fast = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(arr, 0, 6), "********", pc.utf8_slice_codeunits(arr, 14), ""
    )
    return _fallback(arr, fast, pc.equal(pc.utf8_length(arr), 18), mask_id_number)


def mask_phones(arr: pa.Array) -> pa.Array:
    """pii.mask_phone of each value (11-digit mobiles fast, others one by one)."""
    fast = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(arr, 0, 3), "****", pc.utf8_slice_codeunits(arr, 7), ""
    )
    ok = pc.and_(pc.equal(pc.utf8_length(arr), 11), pc.utf8_is_digit(arr))
    return _fallback(arr, fast, ok, mask_phone)


def _json_string(arr: pa.Array) -> pa.Array:
    """JSON string literal of each value (null stays null)."""
    escaped = pc.replace_substring(pc.replace_substring(arr, "\\", "\\\\"), '"', '\\"')
    fast = pc.binary_join_element_wise('"', escaped, '"', "")
    ok = pc.invert(pc.match_substring_regex(arr, _CONTROL))
    return _fallback(arr, fast, ok, lambda v: None if v is None else json.dumps(v))


def sealed_plaintexts(values: dict[str, pa.Array]) -> list[bytes]:
    """The JSON object pii.seal_many would seal for each row: SEALED_FIELDS present."""
    parts = []
    for name in SEALED_FIELDS:
        if name in values:
            part = pc.binary_join_element_wise(f'"{name}":', _json_string(values[name]), ",", "")
            parts.append(pc.fill_null(part, ""))  # (a join that skips nulls may drop rows)
    if not parts:
        return []
    body = pc.utf8_rtrim(pc.binary_join_element_wise(*parts, ""), characters=",")
    return pc.cast(pc.binary_join_element_wise("{", body, "}", ""), pa.binary()).to_pylist()


def tag_literals(tags: object, n: int) -> pa.Array:
    """PostgreSQL array literal of each row's tags (``{}`` when none)."""
    lists = pa.array(list(tags) if tags is not None else [None] * n, type=pa.list_(pa.string()))
    flat = lists.flatten()
    quoted = pc.replace_substring(pc.replace_substring(flat, "\\", "\\\\"), '"', '\\"')
    lists = pa.ListArray.from_arrays(lists.offsets, quoted)
    joined = pc.binary_join(lists, '","')
    literal = pc.binary_join_element_wise('{"', joined, '"}', "")
    empty = pc.or_kleene(pc.is_null(lists), pc.equal(pc.list_value_length(lists), 0))
    return pc.if_else(pc.fill_null(empty, True), "{}", literal)


def _wkb(geometry: object, n: int) -> pa.Array:
    """Hex WKB of non-point geometries; null for points and missing (built from lon/lat)."""
    if geometry is None:
        return pa.nulls(n, pa.string())
    geoms = np.asarray(geometry, dtype=object)
    keep = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) != 0)
    out = np.full(n, None, dtype=object)
    if keep.any():
        out[keep] = shapely.to_wkb(geoms[keep], hex=True)
    return _strings(out)


def attr_columns(attrs: dict[str, np.ndarray], n: int) -> tuple[list[AttrColumn], list]:
    """Each attribute as a typed staging column: ints bigint, lists text[], the rest text."""
    specs, arrays = [], []
    for name in sorted(attrs):
        values = np.asarray(attrs[name], dtype=object)
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, int | np.integer) for v in present):
            specs.append(AttrColumn(name, "bigint"))
            arrays.append(pa.array(values, type=pa.int64(), from_pandas=True))
        elif present and all(isinstance(v, list | tuple) for v in present):
            specs.append(AttrColumn(name, "text[]"))
            arrays.append(tag_literals(values, n))
        else:
            specs.append(AttrColumn(name, "text"))
            text = [None if v is None else str(v) for v in values]
            arrays.append(pa.array(text, type=pa.string()))
    return specs, arrays


def build_payload(
    batch, located: Located, row_hash: np.ndarray, keyring: Keyring
) -> tuple[pa.Table, list[AttrColumn]]:  # type: ignore[no-untyped-def]
    """The staging table of an ElementBatch's accepted rows (aligned with ``located``)."""
    cols, n = batch.columns, len(batch.rows)
    out: dict[str, pa.Array] = {c: _strings(cols[c]) for c in _TEXT}
    names = _strings(cols["name"])
    attrs = dict(cols.get("attrs") or {})
    out["pii"] = out["id_hash"] = pa.nulls(n, pa.string())
    if batch.kind in PERSONAL_KINDS:
        personal = {f: _strings(cols[f]) for f in SEALED_FIELDS if f in cols and f != "name"}
        personal["name"] = names
        out["pii"] = hex_bytea(keyring.seal_json_many(sealed_plaintexts(personal)))
        names = mask_names(names)
        if "id_number" in personal:
            ids = np.asarray(cols["id_number"], dtype=object)
            out["id_hash"] = hex_bytea(keyring.id_hashes(list(ids)))
            attrs["id_number"] = np.asarray(mask_id_numbers(personal["id_number"]), dtype=object)
        if "phone" in personal:
            attrs["phone"] = np.asarray(mask_phones(personal["phone"]), dtype=object)
    out["name"] = names
    out["grid_code"] = _strings(located.grid_code)
    out["h3"] = pa.array(located.h3.view(np.int64), type=pa.int64(), mask=located.h3 == 0)
    out["lon"] = pa.array(located.lon, type=pa.float64(), from_pandas=True)
    out["lat"] = pa.array(located.lat, type=pa.float64(), from_pandas=True)
    out["wkb"] = _wkb(cols.get("geometry"), n)
    out["tags"] = tag_literals(cols.get("tags"), n)
    out["severity"] = pa.array(np.asarray(cols["severity"], dtype=object), type=pa.int16())
    out["row_hash"] = pa.array(np.asarray(row_hash).view(np.int64), type=pa.int64())
    specs, arrays = attr_columns(attrs, n)
    columns = [out[c] for c in STAGE_COLUMNS] + arrays
    names_ = list(STAGE_COLUMNS) + [s.column for s in specs]
    return pa.table(columns, names=names_), specs
