"""Camera events from devices: Hikvision ISAPI alerts and ONVIF notifications, recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from cameras import isapi, onvif
from cameras.events import CameraEvent, ItemError
from gridsvc.auth import Principal
from gridsvc.errors import InvalidInput
from gridsvc.services.camera_directory import CameraDirectory
from gridsvc.services.camera_events import BatchResult, record_events
from gridsvc.settings import Settings


def record_isapi(
    engine: Engine,
    directory: CameraDirectory,
    settings: Settings,
    principal: Principal,
    body: bytes,
    content_type: str,
) -> BatchResult:
    """Record the alerts (and their pictures) of one request to the ISAPI listening host."""
    items, pictures = isapi.parse_request(body, content_type)
    _check_count(items, settings)
    items = isapi.limit_pictures(items, pictures, settings.camera_picture_max_bytes)
    return record_events(engine, directory, principal, items, pictures)


def record_onvif(
    engine: Engine,
    directory: CameraDirectory,
    settings: Settings,
    principal: Principal,
    body: bytes,
) -> BatchResult:
    """Record the notification messages of one ONVIF ``Notify``."""
    items = onvif.parse_notify(body, datetime.now(UTC))
    _check_count(items, settings)
    return record_events(engine, directory, principal, items)


def _check_count(items: list[CameraEvent | ItemError], settings: Settings) -> None:
    limit = settings.camera_batch_max_items
    if len(items) > limit:
        raise InvalidInput(
            f"{len(items)} events in one request; the limit is {limit}",
            errors=[{"code": "too_many_items", "field": "body"}],
        )
