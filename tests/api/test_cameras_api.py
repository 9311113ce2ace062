"""The camera registry over HTTP: register one or a batch, list, read, change; masking of
stream credentials by role; a grid leader's own grids; Catalog XML; integrator keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from cameras.deviceid import make_device_id
from gridsvc.services.keys import principal_for
from tests.api.conftest import auth
from tests.ingest_files import grid_points

SAMPLES = Path(__file__).parents[1] / "samples" / "cameras"
URL = "/api/v1/cameras"
SECRET_URL = "rtsp://admin:Hik12345@192.168.1.64:554/Streaming/Channels/101"


def cam(serial: int, **more: object) -> dict:
    return {"device_id": make_device_id("510104", serial), "name": f"路口{serial}", **more}


@pytest.fixture(scope="module")
def places(engine: Engine, demo_district: str, first_grid: str) -> list[tuple[str, float, float]]:
    found = grid_points(engine, demo_district, 3)
    assert found[0][0] == first_grid
    return found


@pytest.fixture(scope="module")
def registered(client: TestClient, keys: dict[str, str], places) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Two cameras: one in the grid leader's grid (with a secret stream), one in another."""
    (_, lon, lat), (_, lon2, lat2) = places[0], places[1]
    view = {"heading_deg": 45, "fov_deg": 60, "range_m": 80}
    body = {
        "cameras": [
            cam(
                1,
                department="police",
                lon=lon,
                lat=lat,
                streams=[{"name": "main", "url": SECRET_URL}],
                aliases=["ip:192.168.1.64/1"],
                **view,
            ),
            cam(2, department="traffic", lon=lon2, lat=lat2, ptz_type=1),
        ]
    }
    r = client.post(URL, json=body, headers=auth(keys["admin"]))
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    return {"own": make_device_id("510104", 1), "other": make_device_id("510104", 2)}


def test_one_camera_created_then_unchanged(client: TestClient, keys, places) -> None:  # type: ignore[no-untyped-def]
    _, lon, lat = places[2]
    body = cam(10, department="urban_management", lon=lon, lat=lat)
    first = client.post(URL, json=body, headers=auth(keys["operator"]))
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "created" and first.json()["grid_code"] == places[2][0]
    again = client.post(URL, json=body, headers=auth(keys["operator"]))
    assert (again.status_code, again.json()["status"]) == (200, "unchanged")


@pytest.mark.parametrize("role", ["planner", "grid_leader", "integrator"])
def test_only_admins_and_operators_register(client: TestClient, keys, role: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(URL, json=cam(11, department="police"), headers=auth(keys[role]))
    assert r.status_code == 403


def test_bad_camera_is_a_problem_naming_each_field(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    body = {
        "device_id": "51010400001320000X",
        "name": "x",
        "department": "police",
        "heading_deg": 400,
        "streams": [{"name": "main", "url": "ftp://h/x"}],
    }
    r = client.post(URL, json=body, headers=auth(keys["admin"]))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"device_id", "heading_deg", "streams"}


def test_outside_the_district_is_refused_and_audited(client: TestClient, engine, keys) -> None:  # type: ignore[no-untyped-def]
    body = cam(12, department="police", lon=116.397, lat=39.909)
    r = client.post(URL, json=body, headers=auth(keys["admin"]))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "outside_district"
    with engine.connect() as conn:
        outcome = conn.execute(
            text(
                "SELECT outcome, detail->>'reason' FROM audit_log "
                "WHERE action = 'camera.register' ORDER BY entry_id DESC LIMIT 1"
            )
        ).one()
    assert outcome[0] == "rejected" and "outside district 510104" in outcome[1]


def test_alias_of_another_camera_is_a_conflict(client: TestClient, keys, registered) -> None:  # type: ignore[no-untyped-def]
    body = cam(13, department="police", aliases=["IP:192.168.1.64/1"])
    r = client.post(URL, json=body, headers=auth(keys["admin"]))
    assert r.status_code == 409 and registered["own"] in r.json()["detail"]


def test_batch_with_per_item_results(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    body = {"cameras": [cam(14, department="police"), cam(15), cam(14, department="x")]}
    r = client.post(URL, json=body, headers=auth(keys["admin"]))
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["created", "rejected", "rejected"]
    assert results[1]["errors"][0] == {
        "field": "department",
        "code": "missing_required",
        "message": "department is required",
    }
    assert results[2]["errors"][0]["code"] == "duplicate_in_file"


def test_list_with_filters_and_paging(client: TestClient, keys, registered, places) -> None:  # type: ignore[no-untyped-def]
    admin = auth(keys["admin"])
    page = client.get(f"{URL}?limit=1", headers=admin)
    assert page.status_code == 200 and page.headers["content-type"] == "application/geo+json"
    body = page.json()
    assert body["numberMatched"] >= 2 and body["numberReturned"] == 1
    assert any(link["rel"] == "next" for link in body["links"])
    traffic = client.get(f"{URL}?department=traffic", headers=admin).json()
    assert [f["id"] for f in traffic["features"]] == [registered["other"]]
    in_grid = client.get(f"{URL}?grid={places[0][0]}", headers=admin).json()
    assert [f["id"] for f in in_grid["features"]] == [registered["own"]]
    by_name = client.get(f"{URL}?q=路口2", headers=admin).json()
    assert registered["other"] in [f["id"] for f in by_name["features"]]
    _, lon, lat = places[0]
    box = f"{lon - 1e-4},{lat - 1e-4},{lon + 1e-4},{lat + 1e-4}"
    near = client.get(f"{URL}?bbox={box}", headers=admin).json()
    assert [f["id"] for f in near["features"]] == [registered["own"]]
    seen = client.get(f"{URL}?status=online", headers=admin).json()
    assert seen["numberMatched"] == 0  # nothing has reported yet
    feature = in_grid["features"][0]
    assert (
        feature["properties"]["status"] == "never_seen" and "streams" not in feature["properties"]
    )


def test_one_camera_with_everything(client: TestClient, keys, registered) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{URL}/{registered['own']}", headers=auth(keys["admin"]))
    assert r.status_code == 200
    props = r.json()["properties"]
    assert props["decoded"]["type"] == "132" and props["decoded"]["adcode"] == "510104"
    assert props["sector"]["type"] == "Polygon"
    assert props["streams"] == [{"name": "main", "url": SECRET_URL}]
    assert props["aliases"] == ["ip:192.168.1.64/1"]
    assert props["status"] == "never_seen" and props["status_since"] and props["alarms"] == []
    assert props["last_seen"] is None


@pytest.mark.parametrize("role", ["operator", "planner", "grid_leader"])
def test_stream_credentials_masked_for_non_admins(
    client: TestClient, keys, registered, role
) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{URL}/{registered['own']}", headers=auth(keys[role]))
    assert r.status_code == 200
    assert "Hik12345" not in r.text and "admin:" not in r.text
    assert r.json()["properties"]["streams"][0]["url"].startswith("rtsp://***@192.168.1.64")


def test_grid_leader_sees_its_own_grid_only(client: TestClient, keys, registered) -> None:  # type: ignore[no-untyped-def]
    leader = auth(keys["grid_leader"])
    assert client.get(f"{URL}/{registered['other']}", headers=leader).status_code == 404
    listed = client.get(URL, headers=leader).json()
    assert [f["id"] for f in listed["features"]] == [registered["own"]]


def test_unknown_camera_and_bad_ids(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    admin = auth(keys["admin"])
    assert client.get(f"{URL}/{make_device_id('510104', 999)}", headers=admin).status_code == 404
    assert client.get(f"{URL}/123", headers=admin).status_code == 422
    assert client.get(f"{URL}/{make_device_id('510104', 1)}").status_code == 401


def test_patch_moves_and_checks(client: TestClient, keys, places) -> None:  # type: ignore[no-untyped-def]
    admin = auth(keys["admin"])
    (_, lon, lat), (b, lon2, lat2) = places[0], places[2]
    client.post(URL, json=cam(20, department="police", lon=lon, lat=lat), headers=admin)
    ident = make_device_id("510104", 20)
    moved = client.patch(
        f"{URL}/{ident}", json={"lon": lon2, "lat": lat2, "tags": ["入口"]}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    props = moved.json()["properties"]
    assert (props["grid_code"], props["tags"], props["department"]) == (b, ["入口"], "police")
    bad = client.patch(f"{URL}/{ident}", json={"ptz_type": 9}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ptz_type"
    other = client.patch(f"{URL}/{ident}", json={"device_id": "x"}, headers=admin)
    assert other.status_code == 422
    planner = client.patch(f"{URL}/{ident}", json={"name": "n"}, headers=auth(keys["planner"]))
    assert planner.status_code == 403


def test_catalog_xml(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    body = b"".join((SAMPLES / f"catalog_248_part{i}.xml").read_bytes() for i in (1, 2))
    headers = {**auth(keys["admin"]), "Content-Type": "application/xml"}
    r = client.post(f"{URL}/catalog?department=police", content=body, headers=headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["catalog"]["complete"] and out["catalog"]["sets"][0]["messages"] == 2
    assert out["counts"]["created"] == 3
    again = client.post(f"{URL}/catalog?department=police", content=body, headers=headers)
    assert again.json()["counts"]["unchanged"] == 3
    part = (SAMPLES / "catalog_77_incomplete.xml").read_bytes()
    partial = client.post(f"{URL}/catalog?department=police", content=part, headers=headers).json()
    assert partial["catalog"]["sets"][0]["missing"] == 3 and partial["counts"]["rejected"] == 1
    entity = (SAMPLES / "catalog_external_entity.xml").read_bytes()
    refused = client.post(f"{URL}/catalog", content=entity, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"] == [{"code": "forbidden_xml"}]
    operator = client.post(f"{URL}/catalog", content=body, headers=auth(keys["planner"]))
    assert operator.status_code == 403


def test_integrator_key(client: TestClient, engine: Engine, keys) -> None:  # type: ignore[no-untyped-def]
    admin = auth(keys["admin"])
    r = client.post(
        "/api/v1/keys", json={"role": "integrator", "integrator": "海康集成"}, headers=admin
    )
    assert r.status_code == 201, r.text
    assert r.json()["integrator"] == "海康集成"
    assert principal_for(engine, r.json()["key"]).integrator == "海康集成"
    wrong = client.post("/api/v1/keys", json={"role": "operator", "integrator": "x"}, headers=admin)
    assert wrong.status_code == 422 and "only a key of role integrator" in wrong.json()["detail"]
    plain = client.post("/api/v1/keys", json={"role": "integrator"}, headers=admin)
    assert principal_for(engine, plain.json()["key"]).integrator is None
