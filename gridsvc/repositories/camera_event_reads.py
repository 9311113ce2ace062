"""Reading camera events and pictures back: filtered, newest first, paged by a keyset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

FIELDS = (
    "adcode, camera_id, occurred_at, event_id, received_at, type, state, source, grid_code, "
    "h3, label, score, attrs, raw, pictures"
)


@dataclass(frozen=True)
class EventFilter:
    """What a listing of camera events keeps; None = no limit on that field."""

    district: str | None = None
    camera_id: str | None = None
    type: str | None = None
    grid_codes: frozenset[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: tuple[datetime, str, str] | None = None  # keyset: (occurred_at, camera_id, event_id)


def list_events(conn: Connection, where: EventFilter, limit: int) -> list[dict]:
    """Events matching ``where``, newest first (then by camera and id), at most ``limit``."""
    clauses, params = [], []
    for column, value in (
        ("adcode", where.district),
        ("camera_id", where.camera_id),
        ("type", where.type),
    ):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if where.grid_codes is not None:
        clauses.append("grid_code = ANY(%s::text[])")
        params.append(sorted(where.grid_codes))
    if where.since is not None:
        clauses.append("occurred_at >= %s")
        params.append(where.since)
    if where.until is not None:
        clauses.append("occurred_at < %s")
        params.append(where.until)
    if where.after is not None:
        clauses.append("(occurred_at, camera_id, event_id) < (%s, %s, %s)")
        params.extend(where.after)
    sql = (
        f"SELECT {FIELDS} FROM camera_events"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + " ORDER BY occurred_at DESC, camera_id DESC, event_id DESC LIMIT %s"
    )
    result = conn.exec_driver_sql(sql, (*params, limit))
    return [dict(r) for r in result.mappings()]


def picture_in_scope(
    conn: Connection, picture_id: str, district: str | None
) -> tuple[str, str | None, str, bytes] | None:
    """(adcode, grid of its camera, content_type, data) of a picture, in ``district`` if given."""
    row = conn.exec_driver_sql(
        "SELECT p.adcode, c.grid_code, p.content_type, p.data FROM camera_pictures p "
        "LEFT JOIN cameras c ON c.adcode = p.adcode AND c.device_id = p.camera_id "
        "WHERE p.picture_id = %s AND (%s::text IS NULL OR p.adcode = %s) "
        "ORDER BY p.adcode LIMIT 1",
        (picture_id, district, district),
    ).first()
    return (row[0], row[1], row[2], bytes(row[3])) if row else None
