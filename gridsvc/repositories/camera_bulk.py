"""Bulk writes of cameras (the demo's fleet): COPY into a staging table, then one insert that
leaves cameras already registered alone; aliases likewise."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, text

from gridsvc.repositories.bulk import copy_rows

COLUMNS = (
    *("adcode", "device_id", "name", "department", "integrator", "parent_id", "device_type"),
    *("source", "manufacturer", "model", "address", "civil_code", "geom", "grid_code", "h3"),
    *("height_m", "heading_deg", "fov_deg", "range_m", "sector", "ptz_type", "streams"),
    *("tags", "aliases", "attrs"),
)
_STAGE = (
    "CREATE TEMP TABLE camera_stage (LIKE cameras INCLUDING DEFAULTS) ON COMMIT DROP; "
    "CREATE TEMP TABLE camera_alias_stage (LIKE camera_aliases) ON COMMIT DROP"
)


def count_source(conn: Connection, adcode: str, source: str) -> int:
    """Cameras of a district written by ``source``."""
    return conn.execute(
        text("SELECT count(*) FROM cameras WHERE adcode = :a AND source = :s"),
        {"a": adcode, "s": source},
    ).scalar_one()


def insert_cameras(
    conn: Connection, rows: Sequence[dict], aliases: Sequence[tuple[str, str, str]]
) -> tuple[int, int]:
    """Insert camera rows (keys: COLUMNS; geometries as hex EWKB) and (adcode, alias,
    device_id) rows; devices or aliases already there are kept. Returns how many of each
    were inserted."""
    conn.exec_driver_sql(_STAGE)
    copy_rows(conn, "camera_stage", COLUMNS, (_values(r) for r in rows))
    copy_rows(conn, "camera_alias_stage", ("adcode", "alias", "device_id"), aliases)
    cols = ", ".join(COLUMNS)
    cameras = conn.exec_driver_sql(
        f"INSERT INTO cameras ({cols}) SELECT {cols} FROM camera_stage "
        "ON CONFLICT (adcode, device_id) DO NOTHING"
    ).rowcount
    inserted = conn.exec_driver_sql(
        "INSERT INTO camera_aliases (adcode, alias, device_id) "
        "SELECT s.adcode, s.alias, s.device_id FROM camera_alias_stage s "
        "JOIN cameras c ON c.adcode = s.adcode AND c.device_id = s.device_id "
        "ON CONFLICT (adcode, alias) DO NOTHING"
    ).rowcount
    return cameras, inserted


def _values(row: dict) -> list:
    out = [row.get(c) for c in COLUMNS]
    for name in ("streams", "attrs"):
        i = COLUMNS.index(name)
        out[i] = Jsonb(out[i] if out[i] is not None else ([] if name == "streams" else {}))
    return out
