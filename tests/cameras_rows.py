"""Camera rows written straight into ``cameras`` as the registry stores them: the view sector
from cameras/sector.py, the grid the camera stands in from ``units``. Tests and benchmarks
use this instead of the registry service."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shapely import to_wkt
from sqlalchemy import Connection, text

from cameras.deviceid import make_device_id
from cameras.sector import view_sector


@dataclass(frozen=True)
class CameraRow:
    """One camera: id, where it stands (WGS 84), its view and owner."""

    device_id: str
    lon: float
    lat: float
    heading: float | None = None
    fov: float | None = None
    range_m: float | None = None
    department: str = "police"
    status: str = "never_seen"
    name: str = ""

    @property
    def sector_wkt(self) -> str | None:
        if self.heading is None or self.fov is None or self.range_m is None:
            return None
        sector = view_sector(self.lon, self.lat, self.heading, self.fov, self.range_m)
        return to_wkt(sector, rounding_precision=-1)


def device_id(adcode: str, serial: int, type_code: str = "132") -> str:
    """A GB/T 28181 device ID of the district."""
    return make_device_id(adcode, serial, type_code=type_code)


#: One statement for all the rows (each statement fires the data-version triggers).
_INSERT = text(
    """
INSERT INTO cameras (adcode, device_id, name, department, device_type, source, geom,
                     heading_deg, fov_deg, range_m, sector, status)
SELECT :adcode, r.device_id, r.name, r.department, substr(r.device_id, 11, 3), 'test',
       ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), r.heading, r.fov, r.range_m,
       ST_GeomFromText(r.sector, 4326), r.status
  FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(device_id text, name text,
       department text, lon float8, lat float8, heading float8, fov float8, range_m float8,
       sector text, status text)
"""
)
#: Each camera's grid: the grid holding its position (the lowest code on a shared edge).
_PLACE = text(
    """
UPDATE cameras c SET grid_code = (
  SELECT min(u.code) FROM units u
   WHERE u.adcode = c.adcode AND u.level = 'grid' AND ST_Intersects(u.geom, c.geom))
 WHERE c.adcode = :adcode AND c.device_id = ANY(:ids)
"""
)


def _values(c: CameraRow) -> dict:
    return {
        "device_id": c.device_id,
        "name": c.name or f"camera {c.device_id[-6:]}",
        "department": c.department,
        "lon": c.lon,
        "lat": c.lat,
        "heading": c.heading,
        "fov": c.fov,
        "range_m": c.range_m,
        "sector": c.sector_wkt,
        "status": c.status,
    }


def insert_cameras(conn: Connection, adcode: str, cameras: Iterable[CameraRow]) -> None:
    """Insert cameras of a district, each placed in the grid holding its position."""
    rows = [_values(c) for c in cameras]
    if rows:
        conn.execute(_INSERT, {"adcode": adcode, "rows": json.dumps(rows)})
        conn.execute(_PLACE, {"adcode": adcode, "ids": [r["device_id"] for r in rows]})


def move_camera(conn: Connection, adcode: str, camera: CameraRow) -> None:
    """Replace a camera's position and view (as a registry PATCH would)."""
    conn.execute(
        text("DELETE FROM cameras WHERE adcode = :a AND device_id = :d"),
        {"a": adcode, "d": camera.device_id},
    )
    insert_cameras(conn, adcode, [camera])


def delete_cameras(conn: Connection, adcode: str, ids: Sequence[str] | None = None) -> None:
    """Delete some (or all) cameras of a district."""
    conn.execute(
        text(
            "DELETE FROM cameras WHERE adcode = :a "
            "AND (CAST(:ids AS text[]) IS NULL OR device_id = ANY(:ids))"
        ),
        {"a": adcode, "ids": list(ids) if ids is not None else None},
    )
