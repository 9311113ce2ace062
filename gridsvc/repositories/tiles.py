"""Mapbox Vector Tiles generated in PostGIS (``ST_AsMVT``), and the data versions they depend on.

Every tile query has the same shape: rows whose geometry's bounding box meets the tile
envelope grown by the 64-pixel buffer (``&&``, the GiST index), clipped and quantised by
``ST_AsMVTGeom`` to a 4096 extent, encoded by ``ST_AsMVT``. With ``shift`` the geometries are
translated by (dx, dy) degrees (the GCJ-02 offset at the tile centre) and the envelope by
(-dx, -dy). Statements are few fixed texts run on the psycopg connection with server-side
prepared statements (``prepare=True``) and binary results, on ``TilePool``: a
``psycopg_pool`` of autocommit connections. Compared with a pooled SQLAlchemy connection
(pre-ping, BEGIN, ROLLBACK on return) a tile costs one round trip instead of four.

Measured on 20,000 grids (bench/tiles.py): simplifying before projecting
(``ST_SimplifyPreserveTopology``, even at zoom 10) made tiles slower, not faster;
``ST_AsMVTGeom`` already snaps to the tile grid and drops what collapses. Rows whose clipped
geometry is NULL are not filtered in SQL: ``ST_AsMVT`` skips them, and a ``WHERE geom IS NOT
NULL`` over the subquery makes PostgreSQL compute ``ST_AsMVTGeom`` twice per row (+45 %).
Parallel aggregation of ``ST_AsMVT`` was 2x slower (its combine step); prepared and unprepared
statements differed by less than the noise (prepared: no re-planning).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

import psycopg
from psycopg import Connection
from psycopg.types.numeric import Int4, Int8
from psycopg_pool import ConnectionPool
from sqlalchemy import Engine

T = TypeVar("T")

EXTENT = 4096
BUFFER = 64


class TileSpec(NamedTuple):
    """A tile's coordinates and the translation (degrees) applied to its geometries."""

    z: int
    x: int
    y: int
    dx: float = 0.0
    dy: float = 0.0

    @property
    def shifted(self) -> bool:
        return self.dx != 0.0 or self.dy != 0.0


_ENVELOPE = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"
_FILTER = f"ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT}), 4326)"

_UNITS = "t.code, t.name, t.level, t.parent_code, round(t.area_m2 * 10) / 10 AS area_m2"
_COLUMNS = {
    "units": _UNITS,
    "dept_grids": "t.seq, t.code, t.name",
    "layer_conflicts": (
        "t.conflict_id AS id, t.kind, round(t.area_m2 * 10) / 10 AS area_m2, t.message"
    ),
}


def geom_sql(expr: str, spec: TileSpec) -> str:
    """The projected, clipped geometry expression for ``expr`` (lon/lat degrees)."""
    if spec.shifted:
        expr = f"ST_Translate({expr}, %(dx)s, %(dy)s)"
    return f"ST_AsMVTGeom(ST_Transform({expr}, 3857), {_ENVELOPE}, {EXTENT}, {BUFFER}, true)"


def bbox_sql(spec: TileSpec) -> str:
    """The envelope (lon/lat, with the buffer, moved back by the shift) rows must meet."""
    return f"ST_Translate({_FILTER}, -%(dx)s, -%(dy)s)" if spec.shifted else _FILTER


def _sql(name: str, table: str, spec: TileSpec, where: Sequence[str]) -> str:
    conditions = " AND ".join([f"t.geom && {bbox_sql(spec)}", *where])
    return (
        f"SELECT ST_AsMVT(q, '{name}', {EXTENT}, 'geom') FROM ("
        f"SELECT {_COLUMNS[table]}, {geom_sql('t.geom', spec)} AS geom "
        f"FROM {table} t WHERE {conditions}) q"
    )


def tile_params(spec: TileSpec, **extra: object) -> dict:
    return {
        "z": Int4(spec.z), "x": Int4(spec.x), "y": Int4(spec.y),
        "dx": float(spec.dx), "dy": float(spec.dy), **extra,
    }  # fmt: skip


class TilePool:
    """Autocommit psycopg connections for tiles (``psycopg_pool``); opened and closed by the app.

    JIT is off on them: compiling took ~120 ms of a 650 ms count over 1 M elements, and
    tile queries are too short to win it back.

    No check on checkout (it would cost a round trip per tile): a connection found broken
    (e.g. the server restarted) is dropped by the pool and the work retried once.
    """

    def __init__(self, engine: Engine, size: int = 8):
        url = engine.url.set(drivername="postgresql")
        self._pool = ConnectionPool(
            url.render_as_string(hide_password=False),
            min_size=1,
            max_size=size,
            kwargs={"autocommit": True, "options": "-c jit=off"},
            open=False,
            name="tiles",
        )

    def open(self) -> None:
        """Start the pool (connections are made in the background)."""
        self._pool.open()

    def close(self) -> None:
        """Close every connection of the pool."""
        self._pool.close()

    def run(self, fn: Callable[[Connection], T]) -> T:
        """``fn(conn)`` on a pooled connection; again on a fresh one if that one was broken."""
        for attempt in (1, 2):
            with self._pool.connection() as conn:
                try:
                    return fn(conn)
                except psycopg.OperationalError:
                    if not conn.broken or attempt == 2:
                        raise
        raise AssertionError("unreachable")


def run_tile(conn: Connection, sql: str, params: dict) -> bytes:
    with conn.cursor() as cur:
        row = cur.execute(sql, params, prepare=True, binary=True).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def unit_tile(
    conn: Connection, spec: TileSpec, name: str, level: str,
    adcode: str | None = None, codes: Sequence[str] | None = None,
) -> bytes:  # fmt: skip
    """Units of one level as the MVT layer ``name``; only ``codes`` when given."""
    where = ["t.level = %(level)s"]
    if adcode:
        where.append("t.adcode = %(adcode)s")
    if codes is not None:
        where.append("t.code = ANY(%(codes)s::text[])")
    params = tile_params(spec, level=level, adcode=adcode, codes=list(codes or []))
    return run_tile(conn, _sql(name, "units", spec, where), params)


def layer_tile(conn: Connection, spec: TileSpec, name: str, adcode: str, layer_id: int) -> bytes:
    """Features (``name`` = 'dept') or conflicts ('conflicts') of a departmental layer."""
    table = "layer_conflicts" if name == "conflicts" else "dept_grids"
    where = ["t.adcode = %(adcode)s", "t.layer_id = %(layer_id)s"]
    params = tile_params(spec, adcode=adcode, layer_id=Int8(layer_id))
    return run_tile(conn, _sql(name, table, spec, where), params)


_ARRAYS = (
    "SELECT ST_AsMVT(q, '{name}', {extent}, 'geom') FROM ("
    "SELECT a.h3, a.count, {geom} AS geom "
    "FROM unnest(%(wkb)s::bytea[], %(h3)s::text[], %(count)s::int[]) AS a(wkb, h3, count)) q"
)


def hexagon_tile(
    conn: Connection, spec: TileSpec, name: str,
    wkb: Sequence[bytes], h3: Sequence[str], count: Sequence[int],
) -> bytes:  # fmt: skip
    """Hexagons given as lon/lat WKB polygons with their ``h3`` and ``count`` attributes."""
    if not wkb:
        return b""
    geom = geom_sql("ST_GeomFromWKB(a.wkb, 4326)", spec)
    sql = _ARRAYS.format(name=name, extent=EXTENT, geom=geom)
    params = tile_params(spec, wkb=list(wkb), h3=list(h3), count=[int(c) for c in count])
    return run_tile(conn, sql, params)


def layer_district(conn: Connection, layer_id: int) -> str | None:
    """The adcode of a departmental layer, or None when there is no such layer."""
    with conn.cursor() as cur:
        row = cur.execute(
            "SELECT adcode FROM dept_layers WHERE layer_id = %s", (Int8(layer_id),), prepare=True
        ).fetchone()
    return row[0] if row else None


_VERSIONS = (
    "SELECT adcode, sum(version)::bigint, max(changed_at)::text FROM data_versions GROUP BY adcode"
)


def data_versions(conn: Connection) -> dict[str, tuple[int, str]]:
    """Each district's data version: (sum of its table versions, latest change).

    The triggers of migration 0004 bump a version inside every transaction that writes
    units, layers, their reports or the H3 index, so this changes exactly when they do.
    """
    with conn.cursor() as cur:
        rows = cur.execute(_VERSIONS, prepare=True).fetchall()
    return {adcode: (int(total), str(changed)) for adcode, total, changed in rows}
