"""Hikvision ISAPI alerts: samples written from the ISAPI event documentation."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from cameras.events import CameraEvent, ItemError
from cameras.isapi import limit_pictures, parse_alert, parse_multipart, parse_request, parse_time
from gridsvc.errors import InvalidInput
from tests.camera_samples import anpr_upload, form_data, sample, tiny_jpeg

MAC_REFS = (
    "mac:44:19:b6:6d:24:85/1",
    "ip:192.168.1.64/1",
    "mac:44:19:b6:6d:24:85",
    "ip:192.168.1.64",
)


def event(name: str) -> CameraEvent:
    item = parse_alert(sample(name))
    assert isinstance(item, CameraEvent), item
    return item


def test_vmd_is_motion_with_its_camera_refs_time_and_attrs() -> None:
    ev = event("isapi_vmd.xml")
    assert ev.type == "motion" and ev.state == "active" and ev.source == "isapi"
    assert ev.camera_refs == MAC_REFS
    assert ev.occurred_at == datetime(2026, 12, 2, 5, 5, 11, tzinfo=UTC)
    assert ev.attrs["event_type"] == "VMD"
    assert ev.attrs["channel_name"] == "Camera 01"
    assert ev.attrs["active_post_count"] == 1
    assert ev.attrs["port"] == "80" and ev.attrs["channel"] == "1"
    assert ev.raw.startswith("<?xml") and "<eventType>VMD</eventType>" in ev.raw


def test_linedetection_regions_and_dashed_upper_case_mac() -> None:
    ev = event("isapi_linedetection.xml")
    assert ev.type == "line_crossing"
    assert ev.camera_refs[0] == "mac:44:19:b6:6d:24:85/1"
    assert ev.attrs["regions"] == [{"region_id": "1", "detection_target": "human"}]


def test_videoloss_inactive_is_a_heartbeat() -> None:
    ev = event("isapi_videoloss_heartbeat.xml")
    assert ev.type == "heartbeat" and ev.state == "inactive"
    assert ev.attrs["event_type"] == "videoloss"


def test_videoloss_active_is_video_loss() -> None:
    body = sample("isapi_videoloss_heartbeat.xml").replace(b">inactive<", b">active<")
    assert event_of(body).type == "video_loss"


def event_of(body: bytes) -> CameraEvent:
    item = parse_alert(body)
    assert isinstance(item, CameraEvent), item
    return item


def test_no_namespace_dyn_channel_and_naive_time_in_china_standard_time() -> None:
    ev = event("isapi_fielddetection_no_namespace.xml")
    assert ev.type == "intrusion"
    assert ev.camera_refs[0] == "mac:bc:ad:28:01:02:03/33"
    assert ev.occurred_at == datetime(2026, 12, 2, 5, 8, 15, tzinfo=UTC)
    assert [r["region_id"] for r in ev.attrs["regions"]] == ["2", "3"]
    assert ev.attrs["region"] == "2,3"


@pytest.mark.parametrize(
    "namespace",
    [
        ' xmlns="http://www.hikvision.com/ver20/XMLSchema"',
        ' xmlns="http://www.isapi.org/ver20/XMLSchema"',
        ' xmlns="http://www.std-cgi.com/ver20/XMLSchema"',
        "",
    ],
)
def test_every_namespace_variant_reads_the_same(namespace: str) -> None:
    body = sample("isapi_vmd.xml").replace(
        b' xmlns="http://www.hikvision.com/ver20/XMLSchema"', namespace.encode()
    )
    ev = event_of(body)
    assert (ev.type, ev.camera_refs, ev.attrs["channel_name"]) == ("motion", MAC_REFS, "Camera 01")


def test_bare_ampersand_is_tolerated() -> None:
    ev = event("isapi_bare_ampersand.xml")
    assert ev.type == "tamper"
    assert ev.attrs["channel_name"] == "Gate A & B"
    assert ev.attrs["event_description"] == "Shelter & tamper alarm"


def test_gbk_channel_name_is_decoded_in_attrs_and_raw() -> None:
    ev = event("isapi_regionentrance_gbk.xml")
    assert ev.type == "region_entrance"
    assert ev.attrs["channel_name"] == "北门广场"
    assert "北门广场" in ev.raw
    assert ev.camera_refs[0] == "mac:44:19:b6:6d:24:99/2"


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("regionexiting", "region_exit"),
        ("tamperdetection", "tamper"),
        ("scenechangedetection", "scene_change"),
        ("IO", "io_alarm"),
        ("pir", "pir"),
        ("facedetection", "face"),
        ("diskfull", "other"),
    ],
)
def test_event_type_mapping(event_type: str, expected: str) -> None:
    body = sample("isapi_vmd.xml").replace(b">VMD<", f">{event_type}<".encode())
    ev = event_of(body)
    assert ev.type == expected
    assert ev.attrs["event_type"] == event_type


def test_anpr_plate_vehicle_and_picture_names() -> None:
    ev = event("isapi_anpr.xml")
    assert ev.type == "anpr" and ev.label == "川A12345" and ev.score == pytest.approx(0.97)
    assert ev.attrs["plate_color"] == "blue" and ev.attrs["direction"] == "forward"
    assert ev.attrs["vehicle"]["color"] == "white"
    assert ev.pictures == ("licensePlatePicture.jpg", "detectionPicture.jpg")
    assert ev.event_id == "6a1f7d3e-92b4-4c51-9e0a-3b5f2c8d41a7"


def test_anpr_form_data_pairs_pictures_with_the_alert() -> None:
    body, ctype = anpr_upload()
    items, pictures = parse_multipart(body, ctype)
    assert len(items) == 1 and isinstance(items[0], CameraEvent)
    assert items[0].pictures == ("licensePlatePicture.jpg", "detectionPicture.jpg")
    assert pictures["licensePlatePicture.jpg"] == ("image/jpeg", tiny_jpeg(1))
    assert pictures["detectionPicture.jpg"][1][:2] == b"\xff\xd8"


def test_a_named_picture_that_was_not_sent_is_listed_as_missing() -> None:
    body = form_data([("anpr.xml", "application/xml", sample("isapi_anpr.xml"))])
    items, pictures = parse_multipart(body, "multipart/form-data; boundary=" + _boundary(body))
    assert pictures == {}
    assert isinstance(items[0], CameraEvent) and items[0].pictures == ()
    assert items[0].attrs["missing_pictures"] == ["licensePlatePicture.jpg", "detectionPicture.jpg"]


def _boundary(body: bytes) -> str:
    return body.split(b"\r\n", 1)[0][2:].decode()


def test_alert_that_names_no_picture_takes_the_pictures_sent_with_it() -> None:
    body = form_data(
        [
            ("MoveDetection", "text/xml", sample("isapi_vmd.xml")),
            ("p.jpg", "image/jpeg", tiny_jpeg()),
        ]
    )
    items, _ = parse_multipart(body, "multipart/form-data; boundary=" + _boundary(body))
    assert isinstance(items[0], CameraEvent) and items[0].pictures == ("p.jpg",)


def test_alert_stream_gives_every_alert_in_order() -> None:
    items, pictures = parse_multipart(
        sample("isapi_alertstream.bin"), 'multipart/mixed; boundary="boundary"'
    )
    assert [i.type for i in items if isinstance(i, CameraEvent)] == [
        "heartbeat",
        "motion",
        "heartbeat",
    ]
    assert [i.index for i in items] == [0, 1, 2] and pictures == {}


def test_alert_stream_cut_short_keeps_the_whole_parts() -> None:
    body = sample("isapi_alertstream.bin")
    cut = body[: body.rindex(b"<eventType>")]
    items, _ = parse_multipart(cut, "multipart/mixed; boundary=boundary")
    assert [type(i) for i in items] == [CameraEvent, CameraEvent, ItemError]


def test_a_malformed_part_does_not_block_the_others() -> None:
    body = form_data(
        [
            ("a.xml", "application/xml", sample("bad_malformed.xml")),
            ("b.xml", "application/xml", sample("isapi_vmd.xml")),
        ]
    )
    items, _ = parse_multipart(body, "multipart/form-data; boundary=" + _boundary(body))
    assert isinstance(items[0], ItemError) and items[0].code == "malformed"
    assert isinstance(items[1], CameraEvent) and items[1].index == 1


def test_a_hostile_part_refuses_the_whole_body() -> None:
    body = form_data(
        [
            ("b.xml", "application/xml", sample("isapi_vmd.xml")),
            ("a.xml", "application/xml", sample("bad_xxe.xml")),
        ]
    )
    with pytest.raises(InvalidInput) as err:
        parse_multipart(body, "multipart/form-data; boundary=" + _boundary(body))
    assert err.value.errors[0]["code"] == "forbidden_xml"


def test_multipart_without_boundary_or_alert_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        parse_multipart(sample("isapi_alertstream.bin"), "multipart/mixed")
    body = form_data([("p.jpg", "image/jpeg", tiny_jpeg())])
    with pytest.raises(InvalidInput):
        parse_multipart(body, "multipart/form-data; boundary=" + _boundary(body))


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ((b"<eventType>VMD</eventType>", b""), "missing_field", "eventType"),
        ((b"<dateTime>2026-12-02T13:05:11+08:00</dateTime>", b""), "missing_field", "dateTime"),
        ((b"2026-12-02T13:05:11+08:00", b"02/12/2026 13:05"), "invalid_value", "dateTime"),
        ((b">active<", b">started<"), "invalid_value", "eventState"),
    ],
)
def test_unusable_alerts_are_item_errors(
    change: tuple[bytes, bytes], code: str, field: str
) -> None:
    item = parse_alert(sample("isapi_vmd.xml").replace(*change))
    assert isinstance(item, ItemError)
    assert (item.code, item.field) == (code, field)


def test_alert_without_address_is_an_item_error() -> None:
    body = sample("isapi_vmd.xml")
    for tag in (b"ipAddress", b"macAddress"):
        body = body.replace(b"<" + tag + b">", b"<x" + tag + b">").replace(
            b"</" + tag + b">", b"</x" + tag + b">"
        )
    item = parse_alert(body)
    assert isinstance(item, ItemError) and item.code == "missing_field"


def test_malformed_and_wrong_root_are_invalid_input() -> None:
    for name in ("bad_malformed.xml", "bad_wrong_root.xml"):
        with pytest.raises(InvalidInput) as err:
            parse_alert(sample(name))
        assert err.value.errors[0]["code"] == "malformed"


@pytest.mark.parametrize("name", ["bad_xxe.xml", "bad_billion_laughs.xml"])
def test_entities_are_refused_fast(name: str) -> None:
    body = sample(name)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as err:
        parse_alert(body)
    elapsed = time.perf_counter() - started
    assert err.value.errors[0]["code"] == "forbidden_xml"
    assert "root:" not in err.value.detail
    assert elapsed < 0.1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-02T13:05:11+08:00", datetime(2026, 12, 2, 5, 5, 11, tzinfo=UTC)),
        ("2026-12-02T13:05:11+0800", datetime(2026, 12, 2, 5, 5, 11, tzinfo=UTC)),
        ("2026-12-02T05:05:11Z", datetime(2026, 12, 2, 5, 5, 11, tzinfo=UTC)),
        ("2026-12-02T13:05:11", datetime(2026, 12, 2, 5, 5, 11, tzinfo=UTC)),
        ("2026-12-02T13:05:11.250+08:00", datetime(2026, 12, 2, 5, 5, 11, 250000, tzinfo=UTC)),
    ],
)
def test_date_time_forms(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_request_forms_single_xml_and_multipart() -> None:
    items, pictures = parse_request(sample("isapi_vmd.xml"), "text/xml; charset=UTF-8")
    assert [i.type for i in items if isinstance(i, CameraEvent)] == ["motion"] and not pictures
    items, pictures = parse_request(*anpr_upload())
    assert len(items) == 1 and set(pictures) == {"licensePlatePicture.jpg", "detectionPicture.jpg"}


def test_pictures_over_the_limit_refuse_their_event_only() -> None:
    body, ctype = anpr_upload()
    items, pictures = parse_multipart(body, ctype)
    size = len(tiny_jpeg())
    assert limit_pictures(items, pictures, size) == items
    (refused,) = limit_pictures(items, pictures, size - 1)
    assert isinstance(refused, ItemError)
    assert (refused.code, refused.status, refused.field) == ("picture_too_large", 413, "pictures")
    single = parse_alert(sample("isapi_anpr.xml"))
    assert limit_pictures([single], {}, 1) == [single]
