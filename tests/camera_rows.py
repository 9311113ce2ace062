"""Cameras written straight into the registry's tables for tests and benchmarks, without
the registry service (its own tests cover registration): numbered cameras with integrators
and aliases (event tests), cameras with positions and view sectors placed in their grids
(coverage), and rows with given health values (the sweep)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely import to_wkt
from sqlalchemy import Connection, Engine, text

from cameras.deviceid import make_device_id
from cameras.sector import view_sector


def add_cameras(
    engine: Engine,
    adcode: str,
    count: int,
    *,
    first: int = 1,
    integrator: str | None = None,
    grid_code: str | None = None,
    aliases: dict[int, list[str]] | None = None,
) -> list[str]:
    """Register ``count`` cameras numbered from ``first``; their device ids."""
    ids = [make_device_id(adcode, n) for n in range(first, first + count)]
    aliases = aliases or {}
    rows = [
        {
            "a": adcode,
            "d": device_id,
            "i": integrator,
            "g": grid_code,
            "h": 600_000_000_000_000_000 + n,
            "al": aliases.get(n, []),
        }
        for n, device_id in zip(range(first, first + count), ids, strict=True)
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cameras (adcode, device_id, name, department, integrator, "
                "device_type, grid_code, h3, aliases) VALUES "
                "(:a, :d, 'test camera', 'police', :i, '132', :g, :h, :al)"
            ),
            rows,
        )
        alias_rows = [
            {"a": adcode, "al": alias, "d": make_device_id(adcode, n)}
            for n, names in aliases.items()
            for alias in names
        ]
        if alias_rows:
            conn.execute(
                text("INSERT INTO camera_aliases (adcode, alias, device_id) VALUES (:a, :al, :d)"),
                alias_rows,
            )
    return ids


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


STATUS_COLUMNS = (
    "adcode, device_id, name, department, device_type, parent_id, grid_code, h3, status, "
    "status_since, last_seen, seen_since, alarms"
)


def camera(
    adcode: str,
    serial: int,
    status: str,
    status_since: datetime,
    last_seen: datetime | None = None,
    seen_since: datetime | None = None,
    *,
    parent: str | None = None,
    department: str = "police",
    grid_code: str | None = None,
    h3: int | None = None,
    alarms: Iterable[str] = (),
    type_code: str = "132",
) -> dict[str, Any]:
    """One cameras row (device ID from ``serial``)."""
    return {
        "adcode": adcode,
        "device_id": device_id(adcode, serial, type_code),
        "name": f"camera {serial}",
        "department": department,
        "device_type": type_code,
        "parent_id": parent,
        "grid_code": grid_code,
        "h3": h3,
        "status": status,
        "status_since": status_since,
        "last_seen": last_seen,
        "seen_since": seen_since,
        "alarms": list(alarms),
    }


def insert_status_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert cameras rows as given."""
    values = ", ".join(f":{c.strip()}" for c in STATUS_COLUMNS.split(","))
    conn.execute(text(f"INSERT INTO cameras ({STATUS_COLUMNS}) VALUES ({values})"), rows)
