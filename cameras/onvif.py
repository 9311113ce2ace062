"""ONVIF WS-BaseNotification ``Notify`` → camera events. Pure: no I/O.

Each ``NotificationMessage`` is one item: its topic gives the type (the topic's namespace
prefix is whatever the device declared, so only the path after it is compared), the
``Source`` item naming the video source gives the camera alias with the producer address,
and the boolean ``Data`` item gives the state. A message that cannot be used is an
ItemError and does not block the others. Devices without a clock send
``UtcTime="0000-00-00T00:00:00Z"``: the receipt time is used and said so in ``attrs``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from cameras.events import CameraEvent, ItemError, onvif_refs
from cameras.multipart import xml_text
from cameras.xmlsafe import (
    child,
    children,
    find_all,
    local,
    parse_xml,
    text_of,
    top_level_spans,
)
from gridsvc.errors import InvalidInput

#: Topic paths (after the prefix) → normalised type; the longest matching prefix wins.
TOPICS = {
    "VideoSource/MotionAlarm": "motion",
    "RuleEngine/CellMotionDetector/Motion": "motion",
    "RuleEngine/TamperDetector/Tamper": "tamper",
    "VideoSource/GlobalSceneChange": "scene_change",
    "VideoSource/SignalLoss": "video_loss",
    "VideoSource/ImageTooBlurry": "image_quality",
    "VideoSource/ImageTooDark": "image_quality",
    "VideoSource/ImageTooBright": "image_quality",
}
#: Source items naming the video source, most specific first.
SOURCE_KEYS = ("VideoSourceConfigurationToken", "VideoSourceToken", "Source")
#: Data items carrying the state, preferred in this order before any other boolean.
STATE_KEYS = ("State", "IsMotion", "IsTamper", "IsSignalLoss", "IsTooBlurry", "Value")
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}
_ZERO_TIME = "0000-00-00"
#: Where NotificationMessage elements open and close in the body's text, whatever the prefix.
_OPEN = re.compile(r"<(?:[\w.-]+:)?NotificationMessage[\s>]")
_CLOSE = re.compile(r"</(?:[\w.-]+:)?NotificationMessage\s*>")


def parse_notify(body: bytes, received_at: datetime) -> list[CameraEvent | ItemError]:
    """The items of a ``Notify`` (in a SOAP envelope or bare); InvalidInput if it is none."""
    root = parse_xml(body, "ONVIF Notify")
    notify = root if local(root.tag) == "Notify" else _notify_in(root)
    if notify is None:
        raise InvalidInput(
            f"ONVIF body must be a SOAP Envelope with a Notify, not {local(root.tag)}",
            errors=[{"code": "malformed", "field": "root"}],
        )
    messages = list(children(notify, "NotificationMessage"))
    if not messages:
        raise InvalidInput(
            "ONVIF Notify has no NotificationMessage",
            errors=[{"code": "malformed", "field": "NotificationMessage"}],
        )
    text = xml_text(body)
    raws = top_level_spans(text, _OPEN, _CLOSE)
    if len(raws) != len(messages):
        raws = [text] * len(messages)
    pairs = enumerate(zip(messages, raws, strict=True))
    return [message_event(m, i, received_at, raw) for i, (m, raw) in pairs]


def _notify_in(root: ET.Element) -> ET.Element | None:
    if local(root.tag) != "Envelope":
        return None
    body = child(root, "Body")
    return child(body, "Notify") if body is not None else None


def message_event(
    message: ET.Element, index: int, received_at: datetime, raw: str | None = None
) -> CameraEvent | ItemError:
    """The event one ``NotificationMessage`` reports, or why it cannot be used; ``raw``: its
    text as received (default: the element serialised)."""
    topic = text_of(message, "Topic")
    if not topic:
        return ItemError(index, "missing_field", "message has no Topic", field="Topic")
    producer = text_of(message, "ProducerReference", "Address")
    inner = child(message, "Message")
    tt_message = child(inner, "Message") if inner is not None else None
    if tt_message is None:
        return ItemError(index, "missing_field", "message has no Message/Message", field="Message")
    source = _items(tt_message, "Source")
    data = _items(tt_message, "Data")
    refs = onvif_refs(producer, _source_token(source))
    if not refs:
        return ItemError(
            index,
            "missing_field",
            "message has no ProducerReference/Address",
            field="ProducerReference",
        )
    attrs: dict[str, Any] = {"topic": topic}
    try:
        occurred_at = _utc_time(tt_message.get("UtcTime"), received_at, attrs)
    except ValueError as exc:
        return ItemError(index, "invalid_value", str(exc), field="UtcTime", camera_ref=refs[0])
    if operation := tt_message.get("PropertyOperation"):
        attrs["property_operation"] = operation
    if source:
        attrs["source"] = source
    if data:
        attrs["data"] = data
    return CameraEvent(
        camera_refs=refs,
        type=topic_type(topic),
        occurred_at=occurred_at,
        source="onvif",
        raw=raw if raw is not None else ET.tostring(message, encoding="unicode"),
        state=_state(data),
        attrs=attrs,
        index=index,
    )


def topic_type(topic: str) -> str:
    """The normalised type of a topic such as ``tns1:VideoSource/MotionAlarm``."""
    path = topic.strip().split(":", 1)[-1].strip("/")
    best = max((p for p in TOPICS if path == p or path.startswith(p + "/")), key=len, default=None)
    return TOPICS[best] if best else "other"


def _items(message: ET.Element, section: str) -> dict[str, str]:
    """The ``SimpleItem`` Name → Value pairs of ``Source`` or ``Data``, in order."""
    node = child(message, section)
    if node is None:
        return {}
    return {
        name: el.get("Value", "") for el in find_all(node, "SimpleItem") if (name := el.get("Name"))
    }


def _source_token(source: dict[str, str]) -> str | None:
    for key in SOURCE_KEYS:
        if source.get(key):
            return source[key]
    return next((v for v in source.values() if v), None)


def _state(data: dict[str, str]) -> str | None:
    """active/inactive from the first boolean Data item (preferred names first)."""
    ordered = [data[k] for k in STATE_KEYS if k in data] + list(data.values())
    for value in ordered:
        v = value.strip().lower()
        if v in _TRUE:
            return "active"
        if v in _FALSE:
            return "inactive"
    return None


def _utc_time(value: str | None, received_at: datetime, attrs: dict[str, Any]) -> datetime:
    """The message's time; the receipt time when the device has no clock (zero or absent)."""
    if not value or value.strip().startswith(_ZERO_TIME):
        attrs["time_from"] = "receipt"
        return received_at.astimezone(UTC)
    try:
        when = datetime.fromisoformat(value.strip())
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"UtcTime {value!r} is not an ISO 8601 time in range") from None
