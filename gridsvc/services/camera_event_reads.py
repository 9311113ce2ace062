"""Camera events and pictures for readers: within the caller's district and grids."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import Engine

from gridsvc.auth import Action, Principal, authorize, require_district
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.repositories import camera_event_reads as reads
from gridsvc.services.camera_directory import Ambiguous, CameraDirectory


@dataclass(frozen=True)
class EventQuery:
    """The filters of a listing of camera events (None = any)."""

    camera: str | None = None
    type: str | None = None
    grid: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    district: str | None = None
    limit: int = 100
    cursor: str | None = None


def query_events(
    engine: Engine, directory: CameraDirectory, principal: Principal, query: EventQuery
) -> tuple[list[dict], str | None]:
    """Events the caller may read, newest first; and the cursor of the next page, if any.

    A grid leader reads the events of its own grids; a district key those of its district.
    ``camera`` is a device id or an alias.
    """
    authorize(principal, Action.READ_CAMERAS)
    if query.district:
        require_district(principal, query.district)
    district = query.district or principal.district
    grids = principal.grid_codes if principal.grid_scoped else None
    if query.grid is not None:
        if grids is not None and query.grid not in grids:
            raise NotFound(f"no grid with code '{query.grid}'")
        grids = frozenset({query.grid})
    where = reads.EventFilter(
        district=district,
        camera_id=_camera_id(directory, query.camera, district),
        type=query.type,
        grid_codes=grids,
        since=query.since,
        until=query.until,
        after=decode_cursor(query.cursor) if query.cursor else None,
    )
    with engine.connect() as conn:
        rows = reads.list_events(conn, where, query.limit + 1)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    nxt = encode_cursor(rows[-1]) if more and rows else None
    return [_public(r) for r in rows], nxt


def picture(engine: Engine, principal: Principal, picture_id: str) -> tuple[str, bytes]:
    """(content type, bytes) of a stored picture in the caller's scope; NotFound otherwise."""
    authorize(principal, Action.READ_CAMERAS)
    with engine.connect() as conn:
        found = reads.picture_in_scope(conn, picture_id.lower(), principal.district)
    if found is None or (principal.grid_scoped and found[1] not in principal.grid_codes):
        raise NotFound(f"no picture '{picture_id}'")
    return found[2], found[3]


def _camera_id(directory: CameraDirectory, camera: str | None, district: str | None) -> str | None:
    """The device id a ``camera`` filter names (an alias is looked up), or the text itself."""
    if camera is None:
        return None
    try:
        found = directory.resolve((camera,), district)
    except Ambiguous as exc:
        where = ", ".join(exc.districts)
        raise InvalidInput(
            f"camera '{camera}' names cameras of districts {where}: add district"
        ) from None
    return found[0].device_id if found else camera


def _public(row: dict) -> dict:
    out = dict(row)
    for name in ("occurred_at", "received_at"):
        out[name] = row[name].isoformat()
    out["h3"] = format(row["h3"], "x") if row["h3"] is not None else None
    out["pictures"] = list(row["pictures"] or ())
    return out


def encode_cursor(row: dict) -> str:
    """An opaque cursor after ``row`` (its occurred_at, camera and event id)."""
    key = [row["occurred_at"].isoformat(), row["camera_id"], row["event_id"]]
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str, str]:
    """The keyset a cursor stands for; InvalidInput when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, camera_id, event_id = orjson.loads(raw)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or not isinstance(camera_id, str) or not isinstance(event_id, str):
            raise ValueError(cursor)
        return when, camera_id, event_id
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise InvalidInput("cursor: not a cursor of this listing (use the next link)") from None
