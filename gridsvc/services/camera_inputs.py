"""Camera events as they arrive: native JSON batches, Hikvision ISAPI alerts and ONVIF
notifications, each parsed, checked against the batch and rate limits, and recorded."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import Engine

from cameras import isapi, native, onvif
from gridsvc.auth import Principal
from gridsvc.errors import TooLarge, TooManyRequests
from gridsvc.ratelimit import RateLimits
from gridsvc.services.camera_directory import CameraDirectory
from gridsvc.services.camera_events import BatchResult, record_events
from gridsvc.settings import Settings


def record_native(
    engine: Engine,
    directory: CameraDirectory,
    settings: Settings,
    rates: RateLimits,
    principal: Principal,
    body: bytes,
) -> BatchResult:
    """Record one native JSON batch (``{"events": [...]}``)."""
    items = native.parse_body(body)
    admit(settings, rates, principal, len(items))
    return record_events(engine, directory, principal, native.parse_items(items))


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
    admit(settings, rates, principal, len(items))
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
    admit(settings, rates, principal, len(items))
    return record_events(engine, directory, principal, items)


def admit(
    settings: Settings,
    rates: RateLimits,
    principal: Principal,
    count: int,
) -> None:
    """TooLarge past the batch limit, TooManyRequests past the key's events per second."""
    most = settings.camera_batch_max_items
    if count > most:
        raise TooLarge(
            f"the request has {count} events; the limit is {most} "
            "(camera_batch_max_items): split it"
        )
    wait = rates.take(principal.key_prefix, count)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"this key may push {settings.camera_events_per_second:g} events a second "
            f"(camera_events_per_second): retry in {seconds} s",
            retry_after=seconds,
        )
