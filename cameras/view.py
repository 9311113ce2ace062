"""Camera rows as GeoJSON features, and back to record input. Pure: no I/O.

A listing shows each camera's identity, place, view and health; one camera shows every
field with its decoded device ID and its view sector as a second geometry (``sector``).
Stream URLs keep their credentials for admins only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cameras import streams as stream_rules
from cameras.deviceid import parse_device_id
from cameras.record import NUMBER_FIELDS, PTZ_TYPES, TEXT_FIELDS
from gridsvc.errors import InvalidInput

_IDENTITY = ("device_id", "name", "department", "device_type", "integrator", "parent_id")
LISTED = (
    *_IDENTITY,
    "grid_code",
    "status",
    "alarms",
    "ptz_type",
    *NUMBER_FIELDS,
    "tags",
    "aliases",
)
_ORIGIN = ("adcode", "source", "manufacturer", "model", "address", "civil_code")
DETAIL = (*_ORIGIN, "attrs")
TIMES = ("status_since", "last_seen", "seen_since", "created_at", "updated_at")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _decoded(device_id: str) -> dict[str, object] | None:
    try:
        return parse_device_id(device_id).as_dict()
    except InvalidInput:
        return None


def feature(row: dict[str, Any], *, full: bool = False, credentials: bool = False) -> dict:
    """One camera as a GeoJSON Feature; ``full`` adds every field, ``credentials`` keeps
    the user and password in stream URLs (admins)."""
    props: dict[str, Any] = {k: row.get(k) for k in LISTED}
    props["alarms"] = list(row.get("alarms") or [])
    props["tags"] = list(row.get("tags") or [])
    props["aliases"] = list(row.get("aliases") or [])
    props["h3"] = f"{row['h3']:x}" if row.get("h3") else None
    ptz = PTZ_TYPES.get(row.get("ptz_type") or 0)
    props["ptz_name"] = ptz[0] if ptz else None
    props["status_since"] = _iso(row.get("status_since"))
    props["last_seen"] = _iso(row.get("last_seen"))
    if full:
        props |= {k: row.get(k) for k in DETAIL}
        props |= {k: _iso(row.get(k)) for k in TIMES}
        props["decoded"] = _decoded(row["device_id"])
        streams = list(row.get("streams") or [])
        props["streams"] = streams if credentials else stream_rules.masked(streams)
        props["sector"] = row.get("sector")
    has_point = row.get("lon") is not None and row.get("lat") is not None
    geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]} if has_point else None
    return {"type": "Feature", "id": row["device_id"], "geometry": geometry, "properties": props}


def record_input(row: dict[str, Any]) -> dict[str, Any]:
    """A stored camera as input to ``cameras.record.check_record`` (WGS 84 position)."""
    keys = ("device_id", "parent_id", "civil_code", *TEXT_FIELDS, *NUMBER_FIELDS, "ptz_type")
    raw: dict[str, Any] = {k: row.get(k) for k in keys}
    raw |= {k: list(row.get(k) or []) for k in ("streams", "tags", "aliases")}
    if row.get("lon") is not None:
        raw["lon"], raw["lat"] = row["lon"], row["lat"]
    return {k: v for k, v in raw.items() if v is not None}
