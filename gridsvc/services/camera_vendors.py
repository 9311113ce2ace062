"""Camera events from devices: Hikvision ISAPI alerts and ONVIF notifications, recorded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from cameras import isapi, onvif
from cameras.events import CameraEvent, ItemError
from gridsvc.auth import Principal
from gridsvc.errors import TooLarge, TooManyRequests
from gridsvc.ratelimit import RateLimits
from gridsvc.services.camera_directory import CameraDirectory
from gridsvc.services.camera_events import BatchResult, record_events
from gridsvc.settings import Settings


def record_isapi(
    engine: Engine,
    directory: CameraDirectory,
    settings: Settings,
    rates: RateLimits,
    principal: Principal,
    body: bytes,
    content_type: str,
) -> BatchResult:
    """Record the alerts (and their pictures) of one request to the ISAPI listening host."""
    items, pictures = isapi.parse_request(body, content_type)
    admit(settings, rates, principal, items)
    items = isapi.limit_pictures(items, pictures, settings.camera_picture_max_bytes)
    return record_events(engine, directory, principal, items, pictures)


def record_onvif(
    engine: Engine,
    directory: CameraDirectory,
    settings: Settings,
    rates: RateLimits,
    principal: Principal,
    body: bytes,
) -> BatchResult:
    """Record the notification messages of one ONVIF ``Notify``."""
    items = onvif.parse_notify(body, datetime.now(UTC))
    admit(settings, rates, principal, items)
    return record_events(engine, directory, principal, items)


def admit(
    settings: Settings,
    rates: RateLimits,
    principal: Principal,
    items: Sequence[CameraEvent | ItemError],
) -> None:
    """TooLarge past the batch limit, TooManyRequests past the key's events per second."""
    most = settings.camera_batch_max_items
    if len(items) > most:
        raise TooLarge(
            f"the request has {len(items)} events; the limit is {most} "
            "(camera_batch_max_items): split it"
        )
    wait = rates.take(principal.key_prefix, len(items))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"this key may push {settings.camera_events_per_second:g} events a second "
            f"(camera_events_per_second): retry in {seconds} s",
            retry_after=seconds,
        )
