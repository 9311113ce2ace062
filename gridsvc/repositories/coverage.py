"""Camera coverage of grids: which grids a camera touches, the set-based recompute of
``grid_coverage``, reading it, and the cameras whose view sector covers a point.

One statement computes every grid asked for: each grid is projected once into the
district's UTM zone (cameras.coverage.utm_srid explains the choice); the sectors meeting it
are found through the GiST index on ``cameras.sector``, projected, clipped to the grid and
unioned per grid; covered area and blind spots (grid − union, back in WGS 84) follow from
that union. Areas are ellipsoidal: the grid's from geography, the covered part scaled by
the grid's ellipsoid/UTM ratio. JIT compilation is off for it (see ``_without_jit``).

Cameras are counted where they stand (``cameras.grid_code``): video devices only (GB/T 28181
types 131, 132), as NVRs and platforms see nothing themselves. Every query names ``adcode``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, text

from cameras.coverage import MIN_BLIND_M2, utm_srid
from cameras.deviceid import VIDEO_TYPES

GEOJSON_DIGITS = 7
_VIDEO = sorted(VIDEO_TYPES)

_LOCK_SQL = text("SELECT pg_advisory_xact_lock(hashtextextended('grid_coverage:' || :adcode, 0))")

_CENTRE_SQL = text(
    """
SELECT ST_X(c), ST_Y(c) FROM (
  SELECT ST_Centroid(ST_Extent(geom)::geometry) AS c FROM units
   WHERE adcode = :adcode AND level = (
     SELECT min(level) FROM units WHERE adcode = :adcode AND level IN ('district', 'grid'))) s
"""
)

_TOUCHING_SQL = text(
    """
SELECT c.grid_code AS code FROM cameras c
 WHERE c.adcode = :adcode AND c.device_id = ANY(:ids) AND c.grid_code IS NOT NULL
UNION
SELECT u.code FROM cameras c JOIN units u
    ON u.adcode = :adcode AND u.level = 'grid' AND ST_Intersects(u.geom, c.sector)
 WHERE c.adcode = :adcode AND c.device_id = ANY(:ids)
UNION
SELECT u.code FROM cameras c JOIN units u
    ON u.adcode = :adcode AND u.level = 'grid' AND ST_Intersects(u.geom, c.geom)
 WHERE c.adcode = :adcode AND c.device_id = ANY(:ids)
"""
)

#: The coverage of the grids :codes of :adcode, one row per existing grid (see module doc).
_STATS_CTE = """
WITH g AS MATERIALIZED (
  SELECT u.code, u.geom, ST_Transform(u.geom, :srid) AS m
    FROM units u
   WHERE u.adcode = :adcode AND u.level = 'grid' AND u.code = ANY(:codes)
), seen AS (
  SELECT g.code, ST_Union(ST_Intersection(g.m, ST_Transform(c.sector, :srid))) AS u
    FROM g JOIN cameras c ON c.adcode = :adcode AND ST_Intersects(c.sector, g.geom)
   GROUP BY g.code
), placed AS (
  SELECT grid_code AS code, sum(n)::int AS cameras, jsonb_object_agg(department, n) AS depts
    FROM (SELECT grid_code, department, count(*) AS n FROM cameras
           WHERE adcode = :adcode AND grid_code = ANY(:codes) AND device_type = ANY(:video)
           GROUP BY grid_code, department) d
   GROUP BY grid_code
), stats AS (
  SELECT g.code, g.geom, ST_Area(g.geom::geography) AS area_m2,
         coalesce(ST_Area(s.u) / nullif(ST_Area(g.m), 0), 0) AS covered_share,
         ST_CollectionExtract(ST_Difference(g.m, s.u), 3) AS gap, s.u IS NULL AS unseen,
         coalesce(p.cameras, 0) AS cameras, coalesce(p.depts, '{}') AS by_department
    FROM g LEFT JOIN seen s USING (code) LEFT JOIN placed p USING (code)
), result AS (
  SELECT code, area_m2, least(1.0, covered_share) * area_m2 AS covered_m2,
         least(1.0, covered_share) AS share,
         CASE WHEN unseen THEN ST_Multi(geom)
              WHEN ST_Area(gap) < :min_blind THEN NULL
              ELSE ST_Multi(ST_Transform(gap, 4326)) END AS blind,
         cameras, by_department
    FROM stats
)
"""

_UPSERT_SQL = text(
    _STATS_CTE
    + """
INSERT INTO grid_coverage AS gc
       (adcode, grid_code, area_m2, covered_m2, share, blind, cameras, by_department, computed_at)
SELECT :adcode, code, area_m2, covered_m2, share, blind, cameras, by_department, now()
  FROM result ORDER BY code
    ON CONFLICT (adcode, grid_code) DO UPDATE SET
       area_m2 = excluded.area_m2, covered_m2 = excluded.covered_m2, share = excluded.share,
       blind = excluded.blind, cameras = excluded.cameras,
       by_department = excluded.by_department, computed_at = excluded.computed_at
"""
)

_COMPUTE_SQL = text(
    _STATS_CTE
    + f"""
SELECT code AS grid_code, area_m2, covered_m2, share, cameras, by_department,
       NULL::timestamptz AS computed_at,
       CASE WHEN :with_blind THEN ST_AsGeoJSON(blind, {GEOJSON_DIGITS}) END AS blind
  FROM result ORDER BY code
"""
)

_DELETE_GONE_SQL = text(
    """
DELETE FROM grid_coverage gc
 WHERE gc.adcode = :adcode AND (CAST(:codes AS text[]) IS NULL OR gc.grid_code = ANY(:codes))
   AND NOT EXISTS (SELECT 1 FROM units u
                    WHERE u.adcode = :adcode AND u.code = gc.grid_code AND u.level = 'grid')
"""
)

_READ_SQL = text(
    f"""
SELECT u.code AS grid_code, gc.area_m2, gc.covered_m2, gc.share, gc.cameras,
       gc.by_department, gc.computed_at,
       CASE WHEN :with_blind THEN ST_AsGeoJSON(gc.blind, {GEOJSON_DIGITS}) END AS blind
  FROM units u LEFT JOIN grid_coverage gc ON gc.adcode = u.adcode AND gc.grid_code = u.code
 WHERE u.adcode = :adcode AND u.level = 'grid' AND u.code BETWEEN :lo AND :hi
 ORDER BY u.code
"""
)

_SEEING_SQL = text(
    """
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS pt)
SELECT c.adcode, c.device_id, c.name, c.department, c.grid_code, c.status,
       ST_Distance(c.geom::geography, p.pt::geography) AS distance_m,
       degrees(ST_Azimuth(c.geom::geography, p.pt::geography)) AS bearing_deg
  FROM cameras c, p
 WHERE ST_Intersects(c.sector, p.pt)
   AND (CAST(:adcode AS text) IS NULL OR c.adcode = :adcode)
 ORDER BY distance_m, c.device_id
 LIMIT :limit
"""
)

_GRID_AT_SQL = text(
    """
SELECT code FROM units
 WHERE level = 'grid' AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
   AND (CAST(:adcode AS text) IS NULL OR adcode = :adcode)
 ORDER BY code
"""
)


@contextmanager
def _without_jit(conn: Connection) -> Iterator[None]:
    """JIT off for the statements inside, then back as the caller had it (same transaction).

    The geometry functions make the planner's cost estimate of the coverage statement huge,
    so PostgreSQL compiles it with LLVM: 0.3–0.5 s for 2,000 cameras, more than the work.
    """
    was = conn.execute(text("SELECT current_setting('jit')")).scalar_one()
    conn.execute(text("SELECT set_config('jit', 'off', true)"))
    try:
        yield
    finally:
        conn.execute(text("SELECT set_config('jit', :was, true)"), {"was": was})


def district_srid(conn: Connection, adcode: str) -> int | None:
    """The EPSG code of the district's UTM zone; None when the district has no units."""
    lon, lat = conn.execute(_CENTRE_SQL, {"adcode": adcode}).one()
    return None if lon is None else utm_srid(lon, lat)


def grids_touching(conn: Connection, adcode: str, device_ids: Iterable[str]) -> set[str]:
    """Codes of the grids whose coverage depends on these cameras (sector or position)."""
    ids = sorted(set(device_ids))
    if not ids:
        return set()
    rows = conn.execute(_TOUCHING_SQL, {"adcode": adcode, "ids": ids})
    return {code for (code,) in rows}


def _params(adcode: str, codes: Sequence[str], srid: int) -> dict:
    return {
        "adcode": adcode,
        "codes": list(codes),
        "srid": srid,
        "video": _VIDEO,
        "min_blind": MIN_BLIND_M2,
    }


def lock_coverage(conn: Connection, adcode: str) -> None:
    """Serialise the coverage writers of one district until the transaction ends.

    Without it a district recompute that started before a camera write committed would
    store, after it, the union without that camera (camera writers themselves already queue
    on the cameras' data-version row, the lock makes no assumption about it).
    """
    conn.execute(_LOCK_SQL, {"adcode": adcode})


def recompute(conn: Connection, adcode: str, grid_codes: Iterable[str]) -> int:
    """Recompute and store the coverage of these grids inside the caller's transaction
    (holding the district's coverage lock until it ends); rows of codes that are no longer
    grids are deleted. Returns the grids written."""
    codes = sorted(set(grid_codes))
    if not codes:
        return 0
    lock_coverage(conn, adcode)
    conn.execute(_DELETE_GONE_SQL, {"adcode": adcode, "codes": codes})
    srid = district_srid(conn, adcode)
    if srid is None:
        return 0
    with _without_jit(conn):
        return conn.execute(_UPSERT_SQL, _params(adcode, codes, srid)).rowcount


def recompute_district(conn: Connection, adcode: str) -> int:
    """Recompute the coverage of every grid of a district; drops rows of grids gone."""
    lock_coverage(conn, adcode)
    conn.execute(_DELETE_GONE_SQL, {"adcode": adcode, "codes": None})
    codes = conn.execute(
        text("SELECT code FROM units WHERE adcode = :a AND level = 'grid' ORDER BY code"),
        {"a": adcode},
    ).scalars()
    return recompute(conn, adcode, list(codes))


def compute(conn: Connection, adcode: str, grid_codes: Sequence[str], with_blind: bool) -> list:
    """The coverage of these grids computed now, not stored (rows as ``read_range`` gives)."""
    srid = district_srid(conn, adcode)
    if srid is None or not grid_codes:
        return []
    params = {**_params(adcode, grid_codes, srid), "with_blind": with_blind}
    with _without_jit(conn):
        return [dict(r) for r in conn.execute(_COMPUTE_SQL, params).mappings()]


def read_range(conn: Connection, adcode: str, bounds: tuple[str, str], with_blind: bool) -> list:
    """Stored coverage of the grids with codes within ``bounds`` (inclusive), one row per
    grid in code order; a grid never computed has NULL values (``computed_at`` NULL)."""
    params = {"adcode": adcode, "lo": bounds[0], "hi": bounds[1], "with_blind": with_blind}
    return [dict(r) for r in conn.execute(_READ_SQL, params).mappings()]


def cameras_seeing(
    conn: Connection, lon: float, lat: float, adcode: str | None, limit: int
) -> list[dict]:
    """Cameras whose view sector covers the WGS 84 point, nearest first: distance (m) and
    bearing (degrees clockwise from north) from the camera to the point."""
    params = {"lon": lon, "lat": lat, "adcode": adcode, "limit": limit}
    return [dict(r) for r in conn.execute(_SEEING_SQL, params).mappings()]


def unit_of(conn: Connection, adcode: str, code: str) -> dict | None:
    """Level and name of a unit, or None."""
    row = conn.execute(
        text("SELECT level, name FROM units WHERE adcode = :a AND code = :c"),
        {"a": adcode, "c": code},
    ).mappings()
    first = row.first()
    return dict(first) if first else None


def grids_at(conn: Connection, lon: float, lat: float, adcode: str | None) -> list[str]:
    """Codes of the grids holding the WGS 84 point (two on a shared edge)."""
    params = {"lon": lon, "lat": lat, "adcode": adcode}
    return list(conn.execute(_GRID_AT_SQL, params).scalars())
