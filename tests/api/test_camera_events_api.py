"""POST /api/v1/camera-events (native JSON batches) and GET listings: per-item results with
specific errors, idempotent resends, integrator and district rules, batch and rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cameras.events import CameraEvent
from gridsvc.api.app import create_app
from gridsvc.auth import Principal, Role
from gridsvc.services.camera_events import record_events
from gridsvc.services.keys import create_key
from gridsvc.settings import Settings
from tests.api.conftest import auth
from tests.camera_rows import add_cameras

URL = "/api/v1/camera-events"
NOW = datetime.now(UTC).replace(microsecond=0)
OTHER = "110101"


def at(seconds_ago: float) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).isoformat()


@pytest.fixture(scope="module")
def cams(engine: Engine, demo_district: str, first_grid: str) -> dict[str, list[str]]:
    """Cameras of integrator acme (in the leader's grid), of integrator other, of nobody."""
    return {
        "acme": add_cameras(
            engine,
            demo_district,
            3,
            integrator="acme",
            grid_code=first_grid,
            aliases={1: ["mac:aa:bb:cc:dd:ee:ff/1"]},
        ),
        "other": add_cameras(engine, demo_district, 2, first=100, integrator="other"),
        "none": add_cameras(engine, demo_district, 2, first=200, grid_code=first_grid[:-1] + "9"),
    }


@pytest.fixture(scope="module")
def acme(engine: Engine) -> str:
    return create_key(engine, "integrator", name="acme pusher", integrator="acme")[0]


@pytest.fixture(scope="module")
def other_admin(engine: Engine) -> str:
    return create_key(engine, "admin", district=OTHER)[0]


def item(camera: str, **kw: object) -> dict:
    return {"camera": camera, "type": "motion", "occurred_at": at(60), **kw}


def test_good_items_are_stored_and_bad_ones_refused_each_with_its_reason(
    client: TestClient, keys: dict[str, str], cams: dict[str, list[str]]
) -> None:
    cam = cams["acme"][0]
    events = [
        item(cam, event_id="ok-1"),
        item(cam, event_id="ok-2", type="intrusion", label="person", score=0.9),
        {"camera": cam, "occurred_at": at(5)},
        item(cam, type="teleport"),
        item(cam, occurred_at="2026-12-02T08:00:00"),
        item(cam, score=2),
        item(cam, colour="red"),
        "not an object",
        item(cam, state="half"),
    ]
    r = client.post(URL, json={"events": events}, headers=auth(keys["admin"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["duplicate"], body["rejected"]) == (2, 0, 7)
    errors = {res["index"]: res["error"] for res in body["results"] if "error" in res}
    assert errors[2]["code"] == "missing_field" and errors[2]["field"] == "type"
    assert errors[3]["field"] == "type" and "intrusion" in errors[3]["message"]  # lists types
    assert errors[4]["field"] == "occurred_at" and "offset" in errors[4]["message"]
    assert errors[5]["field"] == "score" and "between 0 and 1" in errors[5]["message"]
    assert errors[6]["code"] == "unknown_field" and errors[6]["field"] == "colour"
    assert errors[7]["code"] == "malformed"
    assert errors[8]["field"] == "state"
    assert all(e["message"].startswith(f"events[{i}]") for i, e in errors.items())
    listed = client.get(URL, params={"camera": cam}, headers=auth(keys["admin"])).json()
    assert {e["event_id"] for e in listed["events"]} == {"ok-1", "ok-2"}


def test_a_resent_batch_is_all_duplicate(
    client: TestClient, keys: dict[str, str], cams: dict[str, list[str]]
) -> None:
    cam = cams["acme"][1]
    batch = {"events": [item(cam, occurred_at=at(i)) for i in range(20)]}
    first = client.post(URL, json=batch, headers=auth(keys["admin"])).json()
    again = client.post(URL, json=batch, headers=auth(keys["admin"])).json()
    assert (first["created"], again["created"], again["duplicate"]) == (20, 0, 20)
    assert [r["event_id"] for r in first["results"]] == [r["event_id"] for r in again["results"]]


def test_an_integrator_pushes_only_for_its_own_cameras(
    client: TestClient,
    acme: str,
    keys: dict[str, str],
    cams: dict[str, list[str]],
    engine: Engine,
    demo_district: str,
) -> None:
    events = [
        item(cams["acme"][2]),
        item(cams["other"][0]),
        item(cams["none"][0]),
        item("MAC:AA:BB:CC:DD:EE:FF/1"),
    ]
    body = client.post(URL, json={"events": events}, headers=auth(acme)).json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "rejected", "rejected", "created"]
    assert [body["results"][i]["error"]["status"] for i in (1, 2)] == [403, 403]
    assert body["results"][3]["camera_id"] == cams["acme"][0]  # found by its alias
    no_name = client.post(URL, json={"events": events[:1]}, headers=auth(keys["integrator"]))
    assert no_name.json()["results"][0]["error"]["code"] == "forbidden"
    # a key without an integrator name pushes for no camera, not for those without one,
    # whether limited to a district (the directory's fast path) or not
    for district in (None, demo_district):
        nameless = create_key(engine, "integrator", name="nameless", district=district)[0]
        answer = client.post(URL, json={"events": [item(cams["none"][1])]}, headers=auth(nameless))
        assert answer.json()["results"][0]["error"]["status"] == 403, district


def test_unknown_and_foreign_cameras_are_404_items(
    client: TestClient, keys: dict[str, str], other_admin: str, cams: dict[str, list[str]]
) -> None:
    body = client.post(URL, json={"events": [item("no-such-camera")]}, headers=auth(keys["admin"]))
    assert body.json()["results"][0]["error"] | {"message": ""} == {
        "code": "unknown_camera",
        "status": 404,
        "field": "camera",
        "message": "",
    }
    foreign = client.post(URL, json={"events": [item(cams["acme"][0])]}, headers=auth(other_admin))
    assert foreign.json()["results"][0]["error"]["code"] == "unknown_camera"


def test_roles_that_may_not_push_are_refused(client: TestClient, keys: dict[str, str]) -> None:
    for role in ("operator", "planner", "grid_leader"):
        r = client.post(URL, json={"events": []}, headers=auth(keys[role]))
        assert r.status_code == 403, role


def test_a_body_that_is_not_a_batch_is_422(client: TestClient, keys: dict[str, str]) -> None:
    for body in (b"{", b"[]", b'{"events": {}}', b'{"events": [], "x": 1}'):
        r = client.post(URL, content=body, headers=auth(keys["admin"]))
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"


@pytest.fixture(scope="module")
def limited(database_url: str, demo_district: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        default_district=demo_district,
        camera_batch_max_items=5,
        camera_events_per_second=2.0,  # bursts of 4... then 2 a second
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_an_oversize_batch_is_413_naming_the_limit(
    limited: TestClient, keys: dict[str, str], cams: dict[str, list[str]]
) -> None:
    events = [item(cams["none"][1], occurred_at=at(i)) for i in range(6)]
    r = limited.post(URL, json={"events": events}, headers=auth(keys["admin"]))
    assert r.status_code == 413
    assert "camera_batch_max_items" in r.json()["detail"] and "5" in r.json()["detail"]


def test_past_the_rate_limit_is_429_with_retry_after(
    limited: TestClient, engine: Engine, cams: dict[str, list[str]]
) -> None:
    key = create_key(engine, "admin", name="rate")[0]
    events = [item(cams["none"][1], occurred_at=at(100 + i)) for i in range(4)]
    first = limited.post(URL, json={"events": events}, headers=auth(key))
    assert first.status_code == 200  # the burst allowance
    second = limited.post(URL, json={"events": events}, headers=auth(key))
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) >= 1
    assert "camera_events_per_second" in second.json()["detail"]


def test_listing_filters_and_pages(
    client: TestClient,
    engine: Engine,
    keys: dict[str, str],
    cams: dict[str, list[str]],
    first_grid: str,
    other_admin: str,
) -> None:
    cam, elsewhere = cams["acme"][2], cams["none"][1]
    events = [item(cam, type="face", event_id=f"f{i}", occurred_at=at(3600 + i)) for i in range(5)]
    events.append(item(elsewhere, type="face", event_id="far", occurred_at=at(3600)))
    client.post(URL, json={"events": events}, headers=auth(keys["admin"]))
    params = {"type": "face", "since": at(4000), "until": at(3000), "limit": 2}
    seen, url = [], URL
    while url:
        page = client.get(url, params=params if url == URL else None, headers=auth(keys["admin"]))
        assert page.status_code == 200, page.text
        seen += [e["event_id"] for e in page.json()["events"]]
        url = page.json()["next"]
    assert seen == ["far", "f0", "f1", "f2", "f3", "f4"]  # newest first, then camera desc
    leader = client.get(URL, params={"type": "face"}, headers=auth(keys["grid_leader"])).json()
    assert {e["event_id"] for e in leader["events"]} == {f"f{i}" for i in range(5)}
    assert {e["grid_code"] for e in leader["events"]} == {first_grid}
    foreign_grid = {"grid": first_grid[:-1] + "9"}
    foreign = client.get(URL, params=foreign_grid, headers=auth(keys["grid_leader"]))
    assert foreign.status_code == 404
    by_grid = client.get(
        URL, params={"type": "face", "grid": first_grid}, headers=auth(keys["planner"])
    )
    assert len(by_grid.json()["events"]) == 5
    assert client.get(URL, headers=auth(other_admin)).json()["events"] == []
    assert client.get(URL, headers=auth(keys["integrator"])).status_code == 403
    naive = client.get(URL, params={"since": "2026-12-02T08:00:00"}, headers=auth(keys["admin"]))
    assert naive.status_code == 422


def test_pictures_are_served_in_scope(
    client: TestClient,
    engine: Engine,
    keys: dict[str, str],
    cams: dict[str, list[str]],
    other_admin: str,
) -> None:
    cam = cams["acme"][0]
    directory = client.app.state.cameras  # type: ignore[attr-defined]
    admin = Principal("x", Role.ADMIN)
    data = b"\xff\xd8\xff\xe0 a jpeg"
    event = CameraEvent(
        (cam,), "anpr", NOW, "isapi", "<xml/>", event_id="p1", pictures=("plate.jpg",)
    )
    result = record_events(engine, directory, admin, [event], {"plate.jpg": ("image/jpeg", data)})
    assert result.counts["created"] == 1
    listed = client.get(URL, params={"camera": cam, "type": "anpr"}, headers=auth(keys["admin"]))
    (picture_id,) = listed.json()["events"][0]["pictures"]
    got = client.get(f"/api/v1/camera-pictures/{picture_id}", headers=auth(keys["grid_leader"]))
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, data, "image/jpeg")
    hidden = client.get(f"/api/v1/camera-pictures/{picture_id}", headers=auth(other_admin))
    assert hidden.status_code == 404
