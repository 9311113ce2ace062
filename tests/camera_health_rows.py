"""Cameras written straight into the registry table, for health tests (no registry service)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

COLUMNS = (
    "adcode, device_id, name, department, device_type, parent_id, grid_code, h3, status, "
    "status_since, last_seen, seen_since, alarms"
)


def device_id(adcode: str, serial: int, type_code: str = "132") -> str:
    """A 20-digit GB/T 28181 ID: centre (adcode + unit 00), industry 00, type, network 0."""
    return f"{adcode}0000{type_code}0{serial:06d}"


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


def insert_cameras(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert cameras rows as given."""
    values = ", ".join(f":{c.strip()}" for c in COLUMNS.split(","))
    conn.execute(text(f"INSERT INTO cameras ({COLUMNS}) VALUES ({values})"), rows)
