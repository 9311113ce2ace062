"""Hikvision ISAPI ``EventNotificationAlert`` → camera events. Pure: no I/O.

Elements are matched by local name: the namespace differs by firmware
(``http://www.hikvision.com/ver20/XMLSchema``, ``http://www.isapi.org/ver20/XMLSchema``,
``http://www.std-cgi.com/ver20/XMLSchema`` or none). A ``dateTime`` without an offset is
read as China Standard Time (UTC+8, no daylight saving): the devices are set up in local
time and most firmware that omits the offset is sold for that zone. ``videoloss`` with
``inactive`` is the device's heartbeat (about every 10 s on current firmware), not an event.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from cameras.events import CameraEvent, ItemError, isapi_refs
from cameras.multipart import Part, media_type, split, xml_text
from cameras.xmlsafe import child, find_all, local, parse_xml, text_of
from gridsvc.errors import InvalidInput

ROOT = "EventNotificationAlert"
#: The zone of a ``dateTime`` without an offset: China Standard Time.
NAIVE_ZONE = timezone(timedelta(hours=8), "CST")
#: ISAPI ``eventType`` (lower case) → normalised type.
EVENT_TYPES = {
    "vmd": "motion",
    "linedetection": "line_crossing",
    "fielddetection": "intrusion",
    "regionentrance": "region_entrance",
    "regionexiting": "region_exit",
    "videoloss": "video_loss",
    "shelteralarm": "tamper",
    "tamperdetection": "tamper",
    "scenechangedetection": "scene_change",
    "io": "io_alarm",
    "pir": "pir",
    "anpr": "anpr",
    "facedetection": "face",
}
_ATTRS = {  # element → attrs key, copied when present
    "eventDescription": "event_description",
    "channelName": "channel_name",
    "ipAddress": "ip",
    "portNo": "port",
    "macAddress": "mac",
    "protocol": "protocol",
}
_ANPR = {  # element of ANPR → attrs key
    "licensePlate": "plate",
    "plateColor": "plate_color",
    "plateType": "plate_type",
    "direction": "direction",
    "country": "country",
    "line": "lane",
    "vehicleType": "vehicle_type",
}


def parse_request(
    body: bytes, content_type: str
) -> tuple[list[CameraEvent | ItemError], dict[str, tuple[str, bytes]]]:
    """Alerts and pictures of a request to the ISAPI listening host, whatever its form:
    one XML alert, ``multipart/form-data`` with pictures, or an ``alertStream`` chunk."""
    if media_type(content_type).startswith("multipart/"):
        return parse_multipart(body, content_type)
    return [parse_alert(body)], {}


def limit_pictures(
    items: Sequence[CameraEvent | ItemError],
    pictures: dict[str, tuple[str, bytes]],
    max_bytes: int,
) -> list[CameraEvent | ItemError]:
    """Items whose pictures are all at most ``max_bytes``; the others become ItemErrors."""
    out: list[CameraEvent | ItemError] = []
    for item in items:
        names = item.pictures if isinstance(item, CameraEvent) else ()
        big = [n for n in names if n in pictures and len(pictures[n][1]) > max_bytes]
        if isinstance(item, CameraEvent) and big:
            size = len(pictures[big[0]][1])
            message = f"picture '{big[0]}' has {size} bytes; the limit is {max_bytes}"
            ref = item.camera_refs[0] if item.camera_refs else None
            item = ItemError(item.index, "picture_too_large", message, "pictures", ref, 413)
        out.append(item)
    return out


def parse_alert(body: bytes, index: int = 0) -> CameraEvent | ItemError:
    """One alert from an XML body; InvalidInput when the body is not an alert at all."""
    root = parse_xml(body, "ISAPI alert")
    if local(root.tag) != ROOT:
        raise InvalidInput(
            f"ISAPI alert root must be {ROOT}, not {local(root.tag)}",
            errors=[{"code": "malformed", "field": "root"}],
        )
    return alert_event(root, xml_text(body), index)


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[list[CameraEvent | ItemError], dict[str, tuple[str, bytes]]]:
    """Alerts and pictures of a ``multipart/form-data`` upload or an ``alertStream`` body.

    XML parts are alerts (a part that is not a sound alert is an ItemError, and does not
    block the others); the other parts are pictures by part name (and file name). An alert
    names its pictures in ``pictureInfo/fileName``; a lone alert that names none takes every
    picture sent with it.
    """
    items: list[CameraEvent | ItemError] = []
    pictures: dict[str, tuple[str, bytes]] = {}
    for part in split(body, content_type):
        if part.is_xml():
            items.append(_part_alert(part, len(items)))
        elif part.data:
            for name in {part.name, part.filename} - {None, ""}:
                pictures[str(name)] = (part.content_type or "application/octet-stream", part.data)
    if not items:
        raise InvalidInput(
            "multipart body has no XML alert part", errors=[{"code": "malformed", "field": "body"}]
        )
    return _with_pictures(items, pictures), pictures


def _part_alert(part: Part, index: int) -> CameraEvent | ItemError:
    try:
        return parse_alert(part.data, index)
    except InvalidInput as exc:
        if any(e.get("code") == "forbidden_xml" for e in exc.errors):
            raise  # a hostile part refuses the whole request
        return ItemError(index, "malformed", exc.detail, field=part.name)


def _with_pictures(
    items: Sequence[CameraEvent | ItemError], pictures: dict[str, tuple[str, bytes]]
) -> list[CameraEvent | ItemError]:
    events = [i for i in items if isinstance(i, CameraEvent)]
    out: list[CameraEvent | ItemError] = []
    for item in items:
        if not isinstance(item, CameraEvent):
            out.append(item)
            continue
        named = item.pictures or (tuple(sorted(pictures)) if len(events) == 1 else ())
        present = tuple(dict.fromkeys(n for n in named if n in pictures))
        attrs = dict(item.attrs)
        if missing := [n for n in item.pictures if n not in pictures]:
            attrs["missing_pictures"] = missing
        out.append(replace(item, pictures=present, attrs=attrs))
    return out


def alert_event(root: ET.Element, raw: str, index: int = 0) -> CameraEvent | ItemError:
    """The event an ``EventNotificationAlert`` element reports, or why it cannot be used."""
    event_type = text_of(root, "eventType")
    if not event_type:
        return ItemError(index, "missing_field", "alert has no eventType", field="eventType")
    channel = _channel(text_of(root, "channelID") or text_of(root, "dynChannelID"))
    refs = isapi_refs(text_of(root, "macAddress"), text_of(root, "ipAddress"), channel)
    if not refs:
        return ItemError(
            index, "missing_field", "alert names no macAddress or ipAddress", field="macAddress"
        )
    stamp = text_of(root, "dateTime")
    if not stamp:
        return ItemError(index, "missing_field", "alert has no dateTime", "dateTime", refs[0])
    try:
        occurred_at = parse_time(stamp)
    except ValueError as exc:
        return ItemError(index, "invalid_value", str(exc), field="dateTime", camera_ref=refs[0])
    state = (text_of(root, "eventState") or "").lower() or None
    if state not in (None, "active", "inactive"):
        return ItemError(
            index, "invalid_value", f"eventState {state!r}", field="eventState", camera_ref=refs[0]
        )
    kind = EVENT_TYPES.get(event_type.lower(), "other")
    if kind == "video_loss" and state == "inactive":
        kind = "heartbeat"
    attrs = _attrs(root, event_type, channel)
    label, score = _anpr(root, attrs) if kind == "anpr" else (None, None)
    return CameraEvent(
        camera_refs=refs,
        type=kind,
        occurred_at=occurred_at,
        source="isapi",
        raw=raw,
        event_id=text_of(root, "UUID"),
        state=state,
        label=label,
        score=score,
        attrs=attrs,
        pictures=tuple(
            dict.fromkeys(
                n for el in find_all(root, "pictureInfo") if (n := text_of(el, "fileName"))
            )
        ),
        index=index,
    )


def parse_time(value: str) -> datetime:
    """An ISAPI ``dateTime`` as an aware datetime (no offset → China Standard Time)."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"dateTime {value!r} is not an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=NAIVE_ZONE)


def _channel(value: str | None) -> str | None:
    return str(int(value)) if value and value.isdigit() else value


def _attrs(root: ET.Element, event_type: str, channel: str | None) -> dict[str, Any]:
    attrs: dict[str, Any] = {"event_type": event_type}
    for name, key in _ATTRS.items():
        if (value := text_of(root, name)) is not None:
            attrs[key] = value
    if channel:
        attrs["channel"] = channel
    count = text_of(root, "activePostCount")
    if count and count.isdigit():
        attrs["active_post_count"] = int(count)
    regions = [
        {"region_id": text_of(el, "regionID"), "detection_target": text_of(el, "detectionTarget")}
        for el in find_all(root, "DetectionRegionEntry")
    ]
    if regions:
        attrs["regions"] = regions
        attrs["region"] = ",".join(r["region_id"] or "" for r in regions)
    return attrs


def _anpr(root: ET.Element, attrs: dict[str, Any]) -> tuple[str | None, float | None]:
    """Plate and vehicle of an ANPR alert into ``attrs``; the plate and its confidence (0–1)."""
    anpr = child(root, "ANPR")
    if anpr is None:
        return None, None
    for name, key in _ANPR.items():
        if (value := text_of(anpr, name)) is not None:
            attrs[key] = value
    vehicle = child(anpr, "vehicleInfo")
    vehicle = vehicle if vehicle is not None else child(root, "vehicleInfo")
    if vehicle is not None:
        attrs["vehicle"] = {
            local(el.tag): (el.text or "").strip() for el in vehicle if len(el) == 0
        }
    confidence = text_of(anpr, "confidenceLevel")
    score = float(confidence) / 100 if confidence and confidence.isdigit() else None
    if score is not None and not 0 <= score <= 1:
        score = None
    return attrs.get("plate"), score
