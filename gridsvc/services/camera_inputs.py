"""Camera events as they arrive: native JSON batches, Hikvision ISAPI alerts and ONVIF
notifications, each parsed, checked against the batch and rate limits, and recorded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from cameras import isapi, native, onvif
from cameras.events import CameraEvent, ItemError
from gridsvc.auth import Principal
from gridsvc.errors import TooLarge, TooManyRequests
from gridsvc.ratelimit import RateLimits
from gridsvc.services.camera_directory import CameraDirectory
from gridsvc.services.camera_events import BatchResult, record_events
from gridsvc.settings import Settings


@dataclass(frozen=True)
class Intake:
    """What recording a pushed request needs: the database, the camera directory, the
    limits and the caller."""

    engine: Engine
    directory: CameraDirectory
    settings: Settings
    rates: RateLimits
    principal: Principal

    def admit(self, count: int) -> None:
        """TooLarge past the batch limit, TooManyRequests past the key's events per second."""
        most = self.settings.camera_batch_max_items
        if count > most:
            raise TooLarge(
                f"the request has {count} events; the limit is {most} "
                "(camera_batch_max_items): split it"
            )
        wait = self.rates.take(self.principal.key_prefix, count)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"this key may push {self.settings.camera_events_per_second:g} events a second "
                f"(camera_events_per_second): retry in {seconds} s",
                retry_after=seconds,
            )

    def record(
        self,
        items: Sequence[CameraEvent | ItemError],
        pictures: dict[str, tuple[str, bytes]] | None = None,
    ) -> BatchResult:
        """Store the parsed items in one transaction; the result per item."""
        return record_events(self.engine, self.directory, self.principal, items, pictures or {})


def record_native(intake: Intake, body: bytes) -> BatchResult:
    """Record one native JSON batch (``{"events": [...]}``)."""
    items = native.parse_body(body)
    intake.admit(len(items))
    return intake.record(native.parse_items(items))


def record_isapi(intake: Intake, body: bytes, content_type: str) -> BatchResult:
    """Record the alerts (and their pictures) of one request to the ISAPI listening host."""
    items, pictures = isapi.parse_request(body, content_type)
    intake.admit(len(items))
    limit = intake.settings.camera_picture_max_bytes
    return intake.record(isapi.limit_pictures(items, pictures, limit), pictures)


def record_onvif(intake: Intake, body: bytes) -> BatchResult:
    """Record the notification messages of one ONVIF ``Notify``."""
    items = onvif.parse_notify(body, datetime.now(UTC))
    intake.admit(len(items))
    return intake.record(items)
