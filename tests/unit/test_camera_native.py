"""The native JSON batch parser: one event or one specific error per item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from cameras.events import CameraEvent, ItemError
from cameras.native import parse_batch
from gridsvc.errors import InvalidInput

GOOD = {
    "camera": " 51010400001320000001 ",
    "event_id": "e-1",
    "type": "intrusion",
    "state": "active",
    "occurred_at": "2026-12-02T08:15:00+08:00",
    "label": "person",
    "score": 0.75,
    "attrs": {"region": 2},
}


def one(item: object) -> CameraEvent | ItemError:
    (parsed,) = parse_batch(orjson.dumps({"events": [item]}))
    return parsed


def test_a_full_item() -> None:
    event = one(GOOD)
    assert isinstance(event, CameraEvent)
    assert event.camera_refs == ("51010400001320000001",)
    assert event.occurred_at == datetime(2026, 12, 2, 0, 15, tzinfo=UTC)
    assert event.occurred_at.utcoffset() == timedelta(hours=8)
    assert (event.type, event.state, event.label, event.score) == (
        "intrusion",
        "active",
        "person",
        0.75,
    )
    assert event.attrs == {"region": 2} and event.source == "native"
    assert orjson.loads(event.raw) == GOOD


def test_the_least_item_and_zulu_time() -> None:
    event = one({"camera": "c1", "type": "heartbeat", "occurred_at": "2026-12-02T00:00:00Z"})
    assert isinstance(event, CameraEvent)
    assert event.occurred_at.tzinfo is not None and event.event_id is None
    assert event.key().startswith("native:")  # a derived id: a resend is recognised


@pytest.mark.parametrize(
    ("change", "code", "field", "words"),
    [
        ({"camera": None}, "missing_field", "camera", "required"),
        ({"camera": "  "}, "missing_field", "camera", "required"),
        ({"camera": 7}, "invalid_value", "camera", "must be a string"),
        ({"type": None}, "missing_field", "type", "required"),
        ({"type": "teleport"}, "invalid_value", "type", "motion, line_crossing"),
        ({"state": "maybe"}, "invalid_value", "state", "active or inactive"),
        ({"occurred_at": None}, "missing_field", "occurred_at", "required"),
        ({"occurred_at": "2026-12-02T08:15:00"}, "invalid_value", "occurred_at", "UTC offset"),
        ({"occurred_at": "yesterday"}, "invalid_value", "occurred_at", "RFC 3339"),
        ({"occurred_at": 1733100000}, "invalid_value", "occurred_at", "RFC 3339"),
        ({"score": 1.5}, "invalid_value", "score", "between 0 and 1"),
        ({"score": -0.1}, "invalid_value", "score", "between 0 and 1"),
        ({"score": "high"}, "invalid_value", "score", "number"),
        ({"score": True}, "invalid_value", "score", "number"),
        ({"attrs": [1]}, "invalid_value", "attrs", "object"),
        ({"event_id": ""}, "invalid_value", "event_id", "1 to 200"),
        ({"event_id": {"a": 1}}, "invalid_value", "event_id", "string"),
        ({"label": "x" * 501}, "invalid_value", "label", "longer than 500"),
        ({"colour": "red"}, "unknown_field", "colour", "use camera, event_id"),
    ],
)
def test_each_bad_field_is_named(change: dict, code: str, field: str, words: str) -> None:
    item = {**GOOD, **change}
    error = one({k: v for k, v in item.items() if v is not None})
    assert isinstance(error, ItemError), error
    assert (error.code, error.field, error.index) == (code, field, 0)
    assert words in error.message and error.message.startswith("events[0]: ")


def test_errors_do_not_block_the_rest_and_keep_their_index() -> None:
    body = orjson.dumps({"events": [GOOD, 42, {**GOOD, "type": "x"}, GOOD]})
    parsed = parse_batch(body)
    kinds = [type(p).__name__ for p in parsed]
    assert kinds == ["CameraEvent", "ItemError", "ItemError", "CameraEvent"]
    assert [p.index for p in parsed] == [0, 1, 2, 3]
    assert isinstance(parsed[1], ItemError) and parsed[1].code == "malformed"


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"events": 3}', b'{"events": [], "more": 1}'])
def test_a_body_that_is_not_a_batch_is_refused_whole(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_batch(body)


def test_offsets_are_kept_exactly() -> None:
    event = one({**GOOD, "occurred_at": "2026-12-02T08:15:00.123456-05:30"})
    assert isinstance(event, CameraEvent)
    assert event.occurred_at.utcoffset() == -timedelta(hours=5, minutes=30)
    assert event.occurred_at.tzinfo == timezone(-timedelta(hours=5, minutes=30))
