"""The native JSON batch of camera events: parse a body into events or per-item errors. Pure.

Body: ``{"events": [{camera, event_id?, type, state?, occurred_at, label?, score?, attrs?}]}``.
The hot path of event ingest (20,000 events/s): the body is parsed once with orjson and each
item checked by hand (no model per item); a bad item becomes an ``ItemError`` naming its
index, field and reason, and never blocks the rest of the batch. Only a body that is not a
JSON object with an ``events`` list is refused whole (``InvalidInput``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from cameras.events import EVENT_TYPES, STATES, CameraEvent, ItemError, normalise_alias
from gridsvc.errors import InvalidInput

SOURCE = "native"
FIELDS = ("camera", "event_id", "type", "state", "occurred_at", "label", "score", "attrs")
MAX_REF = 200  # characters of a camera reference or an event id
MAX_LABEL = 500
_ALLOWED = frozenset(FIELDS)
_TYPES = ", ".join(EVENT_TYPES)


class _Bad(Exception):
    """One item's first problem: (code, field, message)."""

    def __init__(self, code: str, field: str | None, message: str):
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


def parse_body(body: bytes) -> list[Any]:
    """The ``events`` list of a batch body; InvalidInput when the body is not such an object."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise InvalidInput('the body must be a JSON object {"events": [...]}')
    extra = sorted(set(doc) - {"events"})
    if extra:
        raise InvalidInput(f"unknown top-level field '{extra[0]}': only 'events' is allowed")
    return doc["events"]


def parse_items(items: list[Any]) -> list[CameraEvent | ItemError]:
    """Each item of a batch as a CameraEvent, or the ItemError saying what is wrong with it."""
    out: list[CameraEvent | ItemError] = []
    for index, item in enumerate(items):
        try:
            out.append(parse_item(item, index))
        except _Bad as bad:
            ref = item.get("camera") if isinstance(item, dict) else None
            out.append(
                ItemError(
                    index,
                    bad.code,
                    f"events[{index}]: {bad.message}",
                    bad.field,
                    ref if isinstance(ref, str) else None,
                )
            )
    return out


def parse_batch(body: bytes) -> list[CameraEvent | ItemError]:
    """A native batch body → one CameraEvent or ItemError per item, in order."""
    return parse_items(parse_body(body))


def parse_item(item: Any, index: int) -> CameraEvent:
    """One item as a CameraEvent; raises _Bad with the first problem found."""
    if not isinstance(item, dict):
        raise _Bad("malformed", None, f"an event must be a JSON object, not {_kind(item)}")
    if not item.keys() <= _ALLOWED:
        extra = sorted(item.keys() - _ALLOWED)[0]
        raise _Bad("unknown_field", extra, f"unknown field '{extra}': use {', '.join(FIELDS)}")
    camera = _text(item, "camera", MAX_REF, required=True)
    kind = _required(item, "type")
    if kind not in EVENT_TYPES:
        raise _Bad("invalid_value", "type", f"unknown type {_show(kind)}: use one of {_TYPES}")
    state = item.get("state")
    if state is not None and state not in STATES:
        raise _Bad("invalid_value", "state", f"state {_show(state)} must be active or inactive")
    return CameraEvent(
        camera_refs=(normalise_alias(camera or ""),),
        type=kind,
        occurred_at=_instant(_required(item, "occurred_at")),
        source=SOURCE,
        raw=orjson.dumps(item).decode(),
        event_id=_event_id(item.get("event_id")),
        state=state,
        label=_text(item, "label", MAX_LABEL),
        score=_score(item.get("score")),
        attrs=_attrs(item.get("attrs")),
        index=index,
    )


def _required(item: dict, name: str) -> Any:
    value = item.get(name)
    if value is None or value == "":
        raise _Bad("missing_field", name, f"'{name}' is required")
    return value


def _text(item: dict, name: str, limit: int, *, required: bool = False) -> str | None:
    value = _required(item, name) if required else item.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad("invalid_value", name, f"'{name}' must be a string, not {_kind(value)}")
    if not value.strip() and required:
        raise _Bad("missing_field", name, f"'{name}' is required")
    if len(value) > limit:
        raise _Bad("invalid_value", name, f"'{name}' is longer than {limit} characters")
    return value


def _event_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Bad("invalid_value", "event_id", f"'event_id' must be a string, not {_kind(value)}")
    text = str(value).strip()
    if not text or len(text) > MAX_REF:
        raise _Bad("invalid_value", "event_id", f"'event_id' must have 1 to {MAX_REF} characters")
    return text


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Bad("invalid_value", "occurred_at", "'occurred_at' must be an RFC 3339 string")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(
            "invalid_value",
            "occurred_at",
            f"'occurred_at' {_show(value)} is not an RFC 3339 date-time "
            "(e.g. 2026-12-02T08:15:00+08:00)",
        ) from None
    if at.tzinfo is None:
        raise _Bad(
            "invalid_value",
            "occurred_at",
            f"'occurred_at' {_show(value)} has no UTC offset: add Z or +08:00",
        )
    return at


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad("invalid_value", "score", f"'score' must be a number, not {_kind(value)}")
    if not 0.0 <= value <= 1.0:
        raise _Bad("invalid_value", "score", f"'score' {value} must be between 0 and 1")
    return float(value)


def _attrs(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Bad("invalid_value", "attrs", f"'attrs' must be a JSON object, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
