"""ONVIF Notify messages: samples written from the ONVIF Core specification's event examples."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from cameras.events import CameraEvent, ItemError
from cameras.onvif import parse_notify, topic_type
from gridsvc.errors import InvalidInput
from tests.camera_samples import sample

RECEIVED = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
PRODUCER = "onvif:http://192.168.1.70/onvif/device_service"


def items(name: str) -> list[CameraEvent | ItemError]:
    return parse_notify(sample(name), RECEIVED)


def one(name: str) -> CameraEvent:
    (item,) = items(name)
    assert isinstance(item, CameraEvent), item
    return item


def test_motion_alarm() -> None:
    ev = one("onvif_motion_alarm.xml")
    assert (ev.type, ev.state, ev.source) == ("motion", "active", "onvif")
    assert ev.camera_refs == (f"{PRODUCER}/videosourcetoken_1", PRODUCER)
    assert ev.occurred_at == datetime(2026, 12, 2, 5, 5, 11, tzinfo=UTC)
    assert ev.attrs["topic"] == "tns1:VideoSource/MotionAlarm"
    assert ev.attrs["property_operation"] == "Changed"
    assert ev.attrs["data"] == {"State": "true"}
    assert (
        ev.raw.startswith("<wsnt:NotificationMessage>") and "tns1:VideoSource/MotionAlarm" in ev.raw
    )
    assert ev.raw.endswith("</wsnt:NotificationMessage>")


def test_cell_motion_uses_the_configuration_token_and_is_motion() -> None:
    ev = one("onvif_cell_motion.xml")
    assert (ev.type, ev.state) == ("motion", "inactive")
    assert ev.camera_refs[0] == f"{PRODUCER}/videosourcetoken_1"
    assert ev.attrs["source"]["Rule"] == "MyMotionDetectorRule"
    assert ev.occurred_at == datetime(2026, 12, 2, 5, 5, 12, 250000, tzinfo=UTC)


def test_tamper() -> None:
    ev = one("onvif_tamper.xml")
    assert (ev.type, ev.state) == ("tamper", "active")


def test_signal_loss_initialized_with_numeric_boolean() -> None:
    ev = one("onvif_signal_loss.xml")
    assert (ev.type, ev.state) == ("video_loss", "active")
    assert ev.attrs["property_operation"] == "Initialized"


def test_zero_utc_time_takes_the_receipt_time() -> None:
    ev = one("onvif_zero_utctime.xml")
    assert ev.occurred_at == RECEIVED
    assert ev.attrs["time_from"] == "receipt"


def test_two_messages_in_one_notify() -> None:
    got = items("onvif_two_messages.xml")
    assert [(i.type, i.index) for i in got if isinstance(i, CameraEvent)] == [
        ("motion", 0),
        ("image_quality", 1),
    ]
    assert "MotionAlarm" in got[0].raw and "ImageTooBlurry" not in got[0].raw
    assert "ImageTooBlurry" in got[1].raw and "MotionAlarm" not in got[1].raw


def test_a_malformed_message_does_not_block_the_others() -> None:
    got = items("onvif_one_bad_message.xml")
    assert isinstance(got[0], CameraEvent) and got[0].type == "scene_change"
    assert isinstance(got[1], ItemError)
    assert (got[1].index, got[1].code, got[1].field) == (1, "invalid_value", "UtcTime")
    assert got[1].camera_ref == f"{PRODUCER}/videosourcetoken_1"
    assert isinstance(got[2], CameraEvent)
    assert got[2].type == "other" and got[2].attrs["topic"] == "tns1:Device/Trigger/DigitalInput"
    assert got[2].state == "inactive" and got[2].attrs["property_operation"] == "Deleted"
    assert got[2].camera_refs[0] == f"{PRODUCER}/digit_input_000"


@pytest.mark.parametrize(
    ("cut", "field"),
    [
        (b"<wsnt:Topic", "Topic"),
        (b"<wsnt:ProducerReference>", "ProducerReference"),
        (b"<wsnt:Message>", "Message"),
    ],
)
def test_messages_missing_a_part_are_item_errors(cut: bytes, field: str) -> None:
    body = sample("onvif_two_messages.xml")
    first = body.index(cut)
    tag = cut[1:].split(b">")[0]
    end = body.index(b"</" + tag + b">", first) + len(tag) + 3
    (bad, good) = parse_notify(body[:first] + body[end:], RECEIVED)
    assert isinstance(bad, ItemError) and (bad.code, bad.field) == ("missing_field", field)
    assert isinstance(good, CameraEvent) and good.index == 1


def test_other_prefixes_and_bare_notify() -> None:
    body = (
        b'<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"'
        b' xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:wsa="http://www.w3.org/2005/08/addressing">'
        b"<wsnt:NotificationMessage><wsnt:Topic>ns2:VideoSource/SignalLoss</wsnt:Topic>"
        b"<wsnt:ProducerReference><wsa:Address>urn:uuid:5f5a69c2-e0ae-504f-829b-00387a6e4b9b"
        b"</wsa:Address></wsnt:ProducerReference><wsnt:Message>"
        b'<tt:Message UtcTime="2026-12-02T05:05:11"><tt:Source>'
        b'<tt:SimpleItem Name="VideoSourceToken" Value="vs0"/></tt:Source>'
        b'<tt:Data><tt:SimpleItem Name="State" Value="false"/></tt:Data></tt:Message>'
        b"</wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>"
    )
    (ev,) = parse_notify(body, RECEIVED)
    assert isinstance(ev, CameraEvent)
    assert (ev.type, ev.state) == ("video_loss", "inactive")
    assert ev.camera_refs[0] == "onvif:urn:uuid:5f5a69c2-e0ae-504f-829b-00387a6e4b9b/vs0"
    assert ev.occurred_at == datetime(2026, 12, 2, 5, 5, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("tns1:VideoSource/MotionAlarm", "motion"),
        ("tns1:RuleEngine/CellMotionDetector/Motion", "motion"),
        ("tns1:RuleEngine/TamperDetector/Tamper", "tamper"),
        ("tns1:VideoSource/GlobalSceneChange/ImagingService", "scene_change"),
        ("tns1:VideoSource/GlobalSceneChange/AnalyticsService", "scene_change"),
        ("tns1:VideoSource/SignalLoss", "video_loss"),
        ("tns1:VideoSource/ImageTooDark/ImagingService", "image_quality"),
        ("tns1:VideoSource/ImageTooBright/AnalyticsService", "image_quality"),
        ("tns1:VideoSource/MotionAlarmX", "other"),
        ("tns1:RuleEngine/LineDetector/Crossed", "other"),
    ],
)
def test_topics(topic: str, expected: str) -> None:
    assert topic_type(topic) == expected


def test_wrong_root_no_message_and_malformed_are_invalid_input() -> None:
    bodies = [
        sample("bad_wrong_root.xml"),
        sample("bad_malformed.xml"),
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>',
        b'<Notify xmlns="http://docs.oasis-open.org/wsn/b-2"/>',
    ]
    for body in bodies:
        with pytest.raises(InvalidInput) as err:
            parse_notify(body, RECEIVED)
        assert err.value.errors[0]["code"] == "malformed"


@pytest.mark.parametrize("name", ["bad_xxe.xml", "bad_billion_laughs.xml"])
def test_entities_are_refused_fast(name: str) -> None:
    body = sample(name)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as err:
        parse_notify(body, RECEIVED)
    assert time.perf_counter() - started < 0.1
    assert err.value.errors[0]["code"] == "forbidden_xml"


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_out_of_range_is_an_item_error(when: str) -> None:
    body = sample("onvif_motion_alarm.xml").replace(b'UtcTime="', f'UtcTime="{when}" x="'.encode())
    [item] = parse_notify(body, RECEIVED)
    assert isinstance(item, ItemError) and item.field == "UtcTime" and "in range" in item.message


def test_unclosed_message_tags_cost_linear_time() -> None:
    """Opening tags with no closing tag after them (hidden in a comment) must not make the
    raw-text split quadratic: 20,000 of them parse in well under a second."""
    bait = b"<!--" + b"<NotificationMessage>" * 20_000 + b"-->"
    body = sample("onvif_motion_alarm.xml").replace(b"</wsnt:Notify>", bait + b"</wsnt:Notify>")
    assert bait in body
    started = time.perf_counter()
    [item] = parse_notify(body, RECEIVED)
    assert time.perf_counter() - started < 1.0
    assert isinstance(item, CameraEvent) and "MotionAlarm" in item.raw
