"""Camera events over HTTP: native JSON batches in, filtered listings and pictures out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from cameras import native
from cameras.events import EVENT_TYPES, STATES
from gridsvc.api.deps import CamerasDep, CurrentPrincipal, EngineDep, SettingsDep, permitted
from gridsvc.api.params import GRID_CODE, TEXT, District
from gridsvc.auth import Action, Principal
from gridsvc.errors import InvalidInput
from gridsvc.ratelimit import RateLimits
from gridsvc.services import camera_event_reads as reads
from gridsvc.services import camera_inputs
from gridsvc.services.camera_events import BatchResult
from gridsvc.services.camera_inputs import Intake

router = APIRouter(prefix="/api/v1", tags=["camera events"])
MAX_LIMIT = 1000
PICTURE_ID = r"^[0-9a-fA-F]{64}$"
EventType = StrEnum("EventType", {name: name for name in EVENT_TYPES})  # type: ignore[misc]
_ITEM_SCHEMA = {
    "type": "object",
    "required": ["camera", "type", "occurred_at"],
    "additionalProperties": False,
    "properties": {
        "camera": {"type": "string", "minLength": 1, "maxLength": native.MAX_REF},
        "event_id": {"type": "string", "minLength": 1, "maxLength": native.MAX_REF},
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "state": {"type": "string", "enum": sorted(STATES)},
        "occurred_at": {"type": "string", "format": "date-time"},
        "label": {"type": "string", "maxLength": native.MAX_LABEL},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "attrs": {"type": "object"},
    },
}
BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["events"],
                    "additionalProperties": False,
                    "properties": {"events": {"type": "array", "items": _ITEM_SCHEMA}},
                },
                "example": {
                    "events": [
                        {
                            "camera": "51010400001320000001",
                            "event_id": "evt-1",
                            "type": "intrusion",
                            "occurred_at": "2026-12-02T08:15:00+08:00",
                            "label": "person",
                            "score": 0.91,
                        }
                    ]
                },
            }
        },
    }
}


class ItemErrorOut(BaseModel):
    code: str
    status: int  # the HTTP status the item alone would have had: 403, 404, 422
    field: str | None = None
    message: str


class ItemOut(BaseModel):
    """What became of one item of the batch."""

    index: int
    status: str  # created | duplicate | rejected
    camera_id: str | None = None
    event_id: str | None = None
    error: ItemErrorOut | None = None


class BatchOut(BaseModel):
    """Counts and per-item results of a batch (committed before this answer was sent)."""

    created: int
    duplicate: int
    rejected: int
    results: list[ItemOut]


class EventOut(BaseModel):
    adcode: str
    camera_id: str
    occurred_at: str
    event_id: str
    received_at: str
    type: str
    state: str | None = None
    source: str
    grid_code: str | None = None
    h3: str | None = None
    label: str | None = None
    score: float | None = None
    attrs: dict[str, Any]
    raw: str | None = None
    pictures: list[str]


class EventPage(BaseModel):
    """A page of events, newest first; ``next`` is the URL of the following page, if any."""

    events: list[EventOut]
    next: str | None = None


def get_camera_rates(request: Request) -> RateLimits:
    return request.app.state.camera_rates


Pusher = Annotated[Principal, Depends(permitted(Action.PUSH_CAMERA_EVENTS))]
RatesDep = Annotated[RateLimits, Depends(get_camera_rates)]


def get_intake(
    engine: EngineDep,
    cameras: CamerasDep,
    settings: SettingsDep,
    rates: RatesDep,
    principal: Pusher,
) -> Intake:
    """The caller, allowed to push, with what recording its events needs."""
    return Intake(engine, cameras, settings, rates, principal)


IntakeDep = Annotated[Intake, Depends(get_intake)]


async def recorded(record: Callable[..., BatchResult], *args: Any) -> Response:
    """Run a recording (off the event loop) and answer its per-item results as JSON."""
    result = await run_in_threadpool(record, *args)
    return Response(orjson.dumps(result.as_json()), media_type="application/json")


@router.post(
    "/camera-events",
    summary="Push a batch of camera events (native JSON); per-item results after the commit",
    openapi_extra=BATCH_BODY,
    responses={200: {"model": BatchOut}},
)
async def push_events(request: Request, intake: IntakeDep) -> Response:
    return await recorded(camera_inputs.record_native, intake, await request.body())


@router.get(
    "/camera-events",
    summary="Camera events of one district (default: the key's, else the default district), "
    "newest first (filters; next link)",
)
def list_events(
    request: Request,
    engine: EngineDep,
    cameras: CamerasDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    camera: Annotated[
        str | None,
        Query(min_length=1, max_length=200, pattern=TEXT, description="Device id or alias"),
    ] = None,
    type: Annotated[EventType | None, Query(description="Event type")] = None,  # noqa: A002
    grid: Annotated[str | None, Query(pattern=GRID_CODE, description="Grid code")] = None,
    since: Annotated[datetime | None, Query(description="From this instant (RFC 3339)")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant")] = None,
    district: District = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Events per page")] = 100,
    cursor: Annotated[
        str | None,
        Query(max_length=400, pattern=r"^[A-Za-z0-9_-]*$", description="From the next link"),
    ] = None,
) -> EventPage:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name}: give a UTC offset (Z or +08:00)")
    query = reads.EventQuery(
        camera=camera,
        type=type.value if type else None,
        grid=grid,
        since=since,
        until=until,
        district=district,
        limit=limit,
        cursor=cursor,
    )
    events, after = reads.query_events(engine, cameras, principal, query, settings.default_district)
    nxt = str(request.url.include_query_params(cursor=after)) if after else None
    return EventPage(events=[EventOut(**e) for e in events], next=nxt)


@router.get(
    "/camera-pictures/{picture_id}",
    summary="A picture sent with a camera event",
    responses={200: {"content": {"image/jpeg": {}, "application/octet-stream": {}}}},
    response_class=Response,
)
def get_picture(
    picture_id: Annotated[str, PathParam(pattern=PICTURE_ID, description="SHA-256 (hex)")],
    engine: EngineDep,
    principal: CurrentPrincipal,
) -> Response:
    content_type, data = reads.picture(engine, principal, picture_id)
    if not content_type.startswith("image/"):
        content_type = "application/octet-stream"
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400"}
    return Response(data, media_type=content_type, headers=headers)
