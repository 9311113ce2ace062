"""SQL of the camera tile layers: cameras as points (and their view sectors), grid coverage
and blind spots, as MVT. Filters: the district and a grid leader's own grids."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import Connection

from gridsvc.repositories.tiles import EXTENT, TileSpec, bbox_sql, geom_sql, run_tile, tile_params

#: Device types drawn as cameras (GB/T 28181 131 camera, 132 IP camera; not NVRs).
VIDEO_TYPES = ["131", "132"]
_SCOPE = (
    "(%(adcode)s::text IS NULL OR t.adcode = %(adcode)s) "
    "AND (%(grids)s::text[] IS NULL OR t.grid_code = ANY(%(grids)s::text[]))"
)


def _params(spec: TileSpec, adcode: str | None, grids: Sequence[str] | None) -> dict:
    return tile_params(
        spec, adcode=adcode, grids=None if grids is None else list(grids), video=VIDEO_TYPES
    )


def camera_tile(
    conn: Connection, spec: TileSpec, adcode: str | None, grids: Sequence[str] | None
) -> bytes:
    """Cameras as the MVT layer 'cameras' (device_id, name, department, status with
    status_since and last_seen, alarms comma-joined, ptz_type, heading, fov, range,
    grid_code)."""
    sql = (
        f"SELECT ST_AsMVT(q, 'cameras', {EXTENT}, 'geom') FROM ("
        "SELECT t.device_id, t.name, t.department, t.status, "
        "to_char(t.status_since AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "AS status_since, "
        "to_char(t.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS last_seen, "
        "NULLIF(array_to_string(t.alarms, ','), '') AS alarms, t.ptz_type, "
        "t.heading_deg AS heading, t.fov_deg AS fov, t.range_m AS range, t.grid_code, "
        f"{geom_sql('t.geom', spec)} AS geom FROM cameras t "
        f"WHERE t.geom && {bbox_sql(spec)} AND t.device_type = ANY(%(video)s::text[]) "
        f"AND {_SCOPE}) q"
    )
    return run_tile(conn, sql, _params(spec, adcode, grids))


def sector_tile(
    conn: Connection, spec: TileSpec, adcode: str | None, grids: Sequence[str] | None
) -> bytes:
    """View sectors as the MVT layer 'sectors' (device_id, department, status, grid_code)."""
    sql = (
        f"SELECT ST_AsMVT(q, 'sectors', {EXTENT}, 'geom') FROM ("
        "SELECT t.device_id, t.department, t.status, t.grid_code, "
        f"{geom_sql('t.sector', spec)} AS geom FROM cameras t "
        f"WHERE t.sector && {bbox_sql(spec)} AND t.device_type = ANY(%(video)s::text[]) "
        f"AND {_SCOPE}) q"
    )
    return run_tile(conn, sql, _params(spec, adcode, grids))


def coverage_tile(
    conn: Connection, spec: TileSpec, adcode: str | None, grids: Sequence[str] | None
) -> bytes:
    """Grids with their coverage as the MVT layer 'coverage' (grid_code, share 0–1,
    cameras, area_m2, covered_m2)."""
    sql = (
        f"SELECT ST_AsMVT(q, 'coverage', {EXTENT}, 'geom') FROM ("
        "SELECT t.grid_code, round(t.share::numeric, 4)::float8 AS share, t.cameras, "
        "round(t.area_m2)::float8 AS area_m2, round(t.covered_m2)::float8 AS covered_m2, "
        f"{geom_sql('u.geom', spec)} AS geom FROM grid_coverage t "
        "JOIN units u ON u.adcode = t.adcode AND u.code = t.grid_code AND u.level = 'grid' "
        f"WHERE u.geom && {bbox_sql(spec)} AND {_SCOPE}) q"
    )
    return run_tile(conn, sql, _params(spec, adcode, grids))


def blind_spot_tile(
    conn: Connection, spec: TileSpec, adcode: str | None, grids: Sequence[str] | None
) -> bytes:
    """Blind spots (the parts of grids no camera sees) as the MVT layer 'blind_spots'
    (grid_code, share: the grid's covered share)."""
    sql = (
        f"SELECT ST_AsMVT(q, 'blind_spots', {EXTENT}, 'geom') FROM ("
        "SELECT t.grid_code, round(t.share::numeric, 4)::float8 AS share, "
        f"{geom_sql('t.blind', spec)} AS geom FROM grid_coverage t "
        f"WHERE t.blind && {bbox_sql(spec)} AND {_SCOPE}) q"
    )
    return run_tile(conn, sql, _params(spec, adcode, grids))
