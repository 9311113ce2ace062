"""Simulated camera traffic: every payload reads back through the parser of its input."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from cameras import isapi, native, onvif
from cameras import simulate as sim
from cameras.events import CameraEvent
from gridsvc.cli.simulate import cameras_of, registered_cameras, requests_for

START = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
HIK = sim.SimCamera("51010400001320000001", ("mac:44:19:b6:6d:24:85/1", "gate"))
HIK_IP = sim.SimCamera("51010400001320000002", ("ip:10.1.2.3/33",))
ONV = sim.SimCamera("51010400001320000003", ("onvif:http://10.1.2.4/onvif/device_service/vs1",))
PLAIN = sim.SimCamera("51010400001320000004", ("integrator-77",))
KINDS = [k for k, *_ in sim.DETECTIONS] + ["heartbeat"]


def test_each_camera_speaks_the_input_its_aliases_name() -> None:
    assert HIK.speaks() == (sim.ISAPI, "mac:44:19:b6:6d:24:85/1")
    assert HIK_IP.speaks() == (sim.ISAPI, "ip:10.1.2.3/33")
    assert ONV.speaks()[0] == sim.ONVIF
    assert PLAIN.speaks() == (sim.NATIVE, None)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("camera", [HIK, HIK_IP])
def test_isapi_payloads_parse_back(kind: str, camera: sim.SimCamera) -> None:
    rng = random.Random(1)
    event = sim.SimEvent(camera, kind, START, 7)
    body, ctype = sim.isapi_upload(event, camera.speaks()[1] or "", rng)
    items, pictures = isapi.parse_request(body, ctype)
    (item,) = items
    assert isinstance(item, CameraEvent), item
    assert item.type == kind and item.camera_refs[0] == camera.aliases[0]
    assert item.occurred_at == START
    if kind == "anpr":
        assert item.label and item.pictures == sim.ANPR_PICTURES and len(pictures) == 2
    if kind == "heartbeat":
        assert item.state == "inactive"


def test_onvif_notify_parses_back() -> None:
    kinds = ["motion", "tamper", "video_loss", "heartbeat", "intrusion"]
    events = [sim.SimEvent(ONV, k, START, i) for i, k in enumerate(kinds)]
    items = onvif.parse_notify(sim.onvif_notify(events, ONV.aliases[0]), START)
    assert all(isinstance(i, CameraEvent) for i in items)
    got = [(i.type, i.state) for i in items if isinstance(i, CameraEvent)]
    assert got == [
        ("motion", "active"),
        ("tamper", "active"),
        ("video_loss", "active"),
        ("motion", "inactive"),
        ("motion", "active"),  # no ONVIF topic of its own: reported as motion
    ]
    assert items[0].camera_refs == (ONV.aliases[0], ONV.aliases[0].rsplit("/", 1)[0])


def test_native_items_parse_back() -> None:
    rng = random.Random(2)
    items = [
        sim.native_item(sim.SimEvent(PLAIN, k, START, i), "run1", rng) for i, k in enumerate(KINDS)
    ]
    parsed = native.parse_items(json.loads(json.dumps(items)))
    assert all(isinstance(p, CameraEvent) for p in parsed), parsed
    assert [p.type for p in parsed if isinstance(p, CameraEvent)] == KINDS


def test_every_camera_is_sighted_once_per_heartbeat_period() -> None:
    cameras = [sim.SimCamera(f"5101040000132{n:07d}") for n in range(200)]
    rng = random.Random(3)
    seen = [
        e.camera.device_id
        for s in range(10)
        for e in sim.tick(cameras, s, START, 0, 10, rng)
        if e.type == "heartbeat"
    ]
    assert sorted(seen) == sorted(c.device_id for c in cameras)


def test_detections_arrive_at_about_the_rate() -> None:
    rng = random.Random(4)
    counts = [len(sim.tick([HIK, PLAIN], s, START, 20, 10**6, rng)) for s in range(200)]
    assert 15 < sum(counts) / len(counts) < 25


def test_one_second_becomes_requests_by_input() -> None:
    events = [
        sim.SimEvent(HIK, "motion", START, 1),
        sim.SimEvent(HIK_IP, "anpr", START, 2),
        sim.SimEvent(ONV, "motion", START, 3),
        sim.SimEvent(ONV, "heartbeat", START, 4),
        sim.SimEvent(PLAIN, "intrusion", START, 5),
        sim.SimEvent(PLAIN, "heartbeat", START, 6),
    ]
    reqs = requests_for(events, "r", random.Random(5))
    assert [(r[0], r[1], r[4]) for r in reqs] == [
        ("isapi", "/api/v1/ingest/isapi", 1),
        ("isapi", "/api/v1/ingest/isapi", 1),
        ("onvif", "/api/v1/ingest/onvif", 2),
        ("native", "/api/v1/camera-events", 2),
    ]
    assert reqs[1][3].startswith("multipart/form-data; boundary=")


def test_registered_cameras_follow_next_links() -> None:
    pages = {
        "/api/v1/cameras?limit=1000&district=510104": {
            "features": [
                {"properties": {"device_id": HIK.device_id, "aliases": list(HIK.aliases)}}
            ],
            "links": [{"rel": "next", "href": "http://x/api/v1/cameras?offset=1000"}],
        },
        "http://x/api/v1/cameras?offset=1000": {
            "features": [{"id": PLAIN.device_id, "properties": {}}],
            "links": [{"rel": "self", "href": "http://x/..."}],
        },
    }
    asked: list[str] = []

    def call(method: str, path: str, body: bytes | None, ctype: str) -> tuple:
        asked.append(path)
        return 200, pages[path]

    assert registered_cameras(call, "510104") == [HIK, sim.SimCamera(PLAIN.device_id)]
    assert asked == list(pages)
    assert cameras_of({"features": [{"properties": {"name": "no id"}}]}) == []
