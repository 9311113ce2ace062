"""Element writes for ingest: the existing keys of a source, a COPY-staged set-based merge,
and the building and grid points that place elements without coordinates."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg import sql
from sqlalchemy import Connection, text

from gridsvc.geo import SRID

#: Staging columns: name → SQL type. ``lon``/``lat`` build a point; ``wkb`` (hex) any other
#: geometry; ``tags`` is an array literal. Attribute columns (``a_<name>``) follow them.
STAGE_COLUMNS: dict[str, str] = {
    "external_id": "text",
    "category": "text",
    "name": "text",
    "grid_code": "text",
    "h3": "bigint",
    "lon": "float8",
    "lat": "float8",
    "wkb": "text",
    "tags": "text[]",
    "status": "text",
    "severity": "smallint",
    "valid_from": "timestamptz",
    "valid_to": "timestamptz",
    "household_id": "text",
    "building_id": "text",
    "parent_external_id": "text",
    "pii": "bytea",
    "id_hash": "bytea",
    "row_hash": "bigint",
}
#: Element columns copied from staging as they are.
_PLAIN = [
    c for c in STAGE_COLUMNS if c not in ("lon", "lat", "wkb", "tags", "external_id", "row_hash")
]
_GEOM = (
    f"CASE WHEN s.wkb IS NOT NULL THEN ST_GeomFromWKB(decode(s.wkb, 'hex'), {SRID}) "
    f"WHEN s.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), {SRID}) END"
)
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class AttrColumn:
    """One attribute staged as its own column and folded into ``attrs`` by the merge."""

    name: str
    sql_type: str  # "text", "bigint" or "text[]"

    @property
    def column(self) -> str:
        return f"a_{self.name}"


def existing_keys(conn: Connection, adcode: str, kind: str, source: str) -> pa.Table:
    """``external_id`` and ``row_hash`` of every element of (adcode, kind, source), by COPY."""
    query = sql.SQL(
        "COPY (SELECT external_id, row_hash FROM elements WHERE adcode = {} AND kind = {} "
        "AND source = {}) TO STDOUT (FORMAT csv)"
    ).format(sql.Literal(adcode), sql.Literal(kind), sql.Literal(source))
    raw = conn.connection.driver_connection
    buf = io.BytesIO()
    with raw.cursor() as cur, cur.copy(query) as copy:
        for chunk in copy:
            buf.write(chunk)
    schema = {"external_id": pa.string(), "row_hash": pa.int64()}
    if not buf.tell():
        return pa.table({k: pa.array([], type=t) for k, t in schema.items()})
    buf.seek(0)
    return pacsv.read_csv(
        buf,
        read_options=pacsv.ReadOptions(column_names=list(schema)),
        convert_options=pacsv.ConvertOptions(
            column_types=schema, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )


def building_points(
    conn: Connection, adcode: str, external_ids: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """(lon, lat) of a point on each named building (places of kind building, any source)."""
    if not external_ids:
        return {}
    rows = conn.execute(
        text(
            "SELECT DISTINCT ON (external_id) external_id, ST_X(p), ST_Y(p) "
            "FROM elements, ST_PointOnSurface(geom) AS p "
            "WHERE adcode = :a AND kind = 'place' AND category = 'building' "
            "AND external_id = ANY(:ids) AND geom IS NOT NULL "
            "ORDER BY external_id, element_id"
        ),
        {"a": adcode, "ids": list(external_ids)},
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def grid_points(conn: Connection, adcode: str, codes: Sequence[str]) -> dict[str, tuple]:
    """(lon, lat) of a point on the surface of each named grid of the district."""
    if not codes:
        return {}
    rows = conn.execute(
        text(
            "SELECT code, ST_X(p), ST_Y(p) FROM units, ST_PointOnSurface(geom) AS p "
            "WHERE adcode = :a AND level = 'grid' AND code = ANY(:codes)"
        ),
        {"a": adcode, "codes": list(codes)},
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def _stage_ddl(attrs: Sequence[AttrColumn]) -> str:
    cols = [f"{k} {t}" for k, t in STAGE_COLUMNS.items()]
    cols += [f"{a.column} {a.sql_type}" for a in attrs]
    return f"CREATE TEMP TABLE ingest_stage ({', '.join(cols)}) ON COMMIT DROP"


def _attrs_sql(attrs: Sequence[AttrColumn]) -> str:
    if not attrs:
        return "'{}'::jsonb"
    pairs = ", ".join(f"'{a.name}', s.{a.column}" for a in attrs)
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def _merge_sql(attrs: Sequence[AttrColumn]) -> str:
    targets = ["adcode", "kind", "source", "external_id", *_PLAIN, "geom", "tags", "attrs"]
    targets += ["row_hash", "job_id"]
    values = [":adcode", ":kind", ":source", "s.external_id", *(f"s.{c}" for c in _PLAIN)]
    values += [_GEOM, "coalesce(s.tags, '{}')", _attrs_sql(attrs), "s.row_hash", ":job"]
    updates = [t for t in targets if t not in ("adcode", "kind", "source", "external_id")]
    sets = ", ".join(f"{t} = excluded.{t}" for t in updates)
    return (
        f"WITH m AS (INSERT INTO elements AS e ({', '.join(targets)}) "
        f"SELECT {', '.join(values)} FROM ingest_stage AS s "
        "ON CONFLICT (adcode, kind, source, external_id) DO UPDATE "
        f"SET {sets}, updated_at = now() WHERE e.row_hash <> excluded.row_hash "
        "RETURNING (xmax = 0) AS inserted) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m"
    )


def copy_csv(conn: Connection, table: str, columns: Sequence[str], payload: pa.Table) -> None:
    """COPY an Arrow table (columns in order, no header) into ``table`` as CSV."""
    buf = io.BytesIO()
    pacsv.write_csv(payload, buf, write_options=pacsv.WriteOptions(include_header=False))
    data = buf.getbuffer()
    raw = conn.connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for start in range(0, len(data), _COPY_CHUNK):
            copy.write(data[start : start + _COPY_CHUNK])


def merge(
    conn: Connection,
    *,
    adcode: str,
    kind: str,
    source: str,
    job_id: int,
    payload: pa.Table,
    attrs: Sequence[AttrColumn],
) -> tuple[int, int]:
    """Stage ``payload`` (STAGE_COLUMNS then attribute columns) and upsert it into elements in
    one statement; rows whose ``row_hash`` is unchanged are left alone. Returns (inserted,
    updated)."""
    if not payload.num_rows:
        return 0, 0
    conn.execute(text(_stage_ddl(attrs)))
    copy_csv(conn, "ingest_stage", [*STAGE_COLUMNS, *(a.column for a in attrs)], payload)
    params = {"adcode": adcode, "kind": kind, "source": source, "job": job_id}
    inserted, updated = conn.execute(text(_merge_sql(attrs)), params).one()
    return int(inserted), int(updated)


def hex_bytea(values: Sequence[bytes | None]) -> pa.Array:
    """``\\x…`` text of each byte string (None stays null), from one hex of all the bytes."""
    arr = pa.array(values, type=pa.binary())
    validity, offsets_buf, body = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[: len(arr) + 1]
    hexed = bytes(body).hex().encode() if body is not None else b""
    strings = pa.StringArray.from_buffers(
        len(arr),
        pa.py_buffer((offsets * 2).astype(np.int32).tobytes()),
        pa.py_buffer(hexed),
        validity,
    )
    return pc.binary_join_element_wise("\\x", strings, "")
