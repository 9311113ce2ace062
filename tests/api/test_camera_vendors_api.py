"""ISAPI and ONVIF pushes through the app: samples of tests/samples/cameras, real PostGIS."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.api.app import create_app
from gridsvc.services.keys import create_key
from gridsvc.settings import Settings
from tests.api.conftest import auth
from tests.camera_rows import add_cameras
from tests.camera_samples import anpr_upload, form_data, isapi_now, onvif_now, sample, tiny_jpeg
from tests.conftest import READONLY_DISTRICT as DEMO

ISAPI = "/api/v1/ingest/isapi"
ONVIF = "/api/v1/ingest/onvif"
XML = {"Content-Type": "application/xml"}
SOAP = {"Content-Type": "application/soap+xml; charset=utf-8"}
GATE = "mac:44:19:b6:6d:24:85/1"  # the VMD, line, heartbeat, alertStream and bare-& samples
ONVIF_CAM = "onvif:http://192.168.1.70/onvif/device_service/videosourcetoken_1"
ANPR_CAM = "mac:44:19:b6:6d:30:11/1"
OTHERS_CAM = "mac:44:19:b6:6d:24:99/2"  # the GBK sample: integrator "beta"


@dataclass(frozen=True)
class Env:
    gate: str
    anpr: str
    others: str
    acme: str  # integrator key of "acme" (owner of gate and anpr)


@pytest.fixture(scope="module")
def env(engine: Engine, first_grid: str) -> Iterator[Env]:
    """Three cameras of the demo district (two of integrator acme), and acme's key."""
    gate, anpr = add_cameras(
        engine,
        DEMO,
        2,
        first=901,
        integrator="acme",
        grid_code=first_grid,
        aliases={901: [GATE, ONVIF_CAM], 902: [ANPR_CAM]},
    )
    (others,) = add_cameras(
        engine,
        DEMO,
        1,
        first=903,
        integrator="beta",
        grid_code=first_grid,
        aliases={903: [OTHERS_CAM]},
    )
    acme, prefix = create_key(engine, "integrator", name="acme devices", integrator="acme")
    yield Env(gate, anpr, others, acme)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE api_keys SET revoked_at = now() WHERE prefix = :p"), {"p": prefix}
        )


def basic(key: str, user: str = "admin") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def events_of(engine: Engine, camera: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT type, state, source, event_id, label, grid_code, attrs, raw, pictures,"
                " occurred_at FROM camera_events WHERE camera_id = :c ORDER BY occurred_at"
            ),
            {"c": camera},
        )
        return [dict(r._mapping) for r in rows]


def test_single_alert_is_stored_for_the_camera_its_alias_names(
    client: TestClient, engine: Engine, env: Env, keys: dict[str, str], first_grid: str
) -> None:
    body = isapi_now(sample("isapi_linedetection.xml"))
    r = client.post(ISAPI, content=body, headers={**XML, **auth(keys["admin"])})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    assert r.json()["results"][0]["camera_id"] == env.gate
    (row,) = [e for e in events_of(engine, env.gate) if e["type"] == "line_crossing"]
    assert (row["source"], row["state"], row["grid_code"]) == ("isapi", "active", first_grid)
    assert row["attrs"]["regions"] == [{"region_id": "1", "detection_target": "human"}]
    assert "<eventType>linedetection</eventType>" in row["raw"]
    again = client.post(ISAPI, content=body, headers={**XML, **auth(keys["admin"])})
    assert again.json()["results"][0]["status"] == "duplicate"


def test_the_key_as_basic_auth_password(client: TestClient, env: Env) -> None:
    body = isapi_now(sample("isapi_bare_ampersand.xml"))
    r = client.post(ISAPI, content=body, headers={"Content-Type": "text/xml", **basic(env.acme)})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0] == {
        "index": 0,
        "status": "created",
        "camera_id": env.gate,
        "event_id": r.json()["results"][0]["event_id"],
    }
    assert client.post(ISAPI, content=body, headers=basic("gsk_nope_nope")).status_code == 401
    refused = client.post(ISAPI, content=body, headers=XML)
    assert refused.status_code == 401
    assert "Basic" in refused.headers["www-authenticate"]


def test_basic_auth_from_another_site_is_refused(client: TestClient, env: Env) -> None:
    """A browser that once had the key typed into its Basic prompt replays it on a forged
    cross-site post: refused; the same from this site's pages, or a device, is accepted."""
    # a PIR alert: no other test sends one, so this test's event is never a duplicate
    body = isapi_now(sample("isapi_vmd.xml").replace(b">VMD<", b">pir<"))
    headers = {"Content-Type": "text/xml", **basic(env.acme)}
    forged = {**headers, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post(ISAPI, content=body, headers=forged).status_code == 403
    no_origin = {**headers, "Sec-Fetch-Site": "cross-site"}
    assert client.post(ISAPI, content=body, headers=no_origin).status_code == 403
    own = {**headers, "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert client.post(ISAPI, content=body, headers=own).status_code == 200


def test_basic_auth_is_refused_on_other_routes(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/api/v1/grids", headers=basic(keys["admin"])).status_code == 401


def test_anpr_pictures_are_stored_and_referenced(
    client: TestClient, engine: Engine, env: Env
) -> None:
    body, ctype = anpr_upload(isapi_now(sample("isapi_anpr.xml")))
    r = client.post(ISAPI, content=body, headers={"Content-Type": ctype, **basic(env.acme)})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == "created"
    (row,) = events_of(engine, env.anpr)
    assert (row["type"], row["label"]) == ("anpr", "川A12345")
    expected = [hashlib.sha256(tiny_jpeg(n)).hexdigest() for n in (1, 2)]
    assert list(row["pictures"]) == expected
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT picture_id, content_type, size, data FROM camera_pictures"
                " WHERE picture_id = ANY(:ids)"
            ),
            {"ids": expected},
        ).all()
    assert {(s.picture_id, s.content_type, s.size, bytes(s.data)) for s in stored} == {
        (expected[0], "image/jpeg", len(tiny_jpeg(1)), tiny_jpeg(1)),
        (expected[1], "image/jpeg", len(tiny_jpeg(2)), tiny_jpeg(2)),
    }


def test_a_picture_over_the_limit_refuses_its_event(
    client: TestClient, engine: Engine, env: Env, keys: dict[str, str]
) -> None:
    limit = client.app.state.settings.camera_picture_max_bytes  # type: ignore[attr-defined]
    xml = isapi_now(sample("isapi_anpr.xml"), datetime.now(UTC) - timedelta(minutes=5))
    before = len(events_of(engine, env.anpr))
    big = tiny_jpeg(3) + b"\0" * (limit + 1 - len(tiny_jpeg(3)))
    body = form_data(
        [("anpr.xml", "application/xml", xml), ("licensePlatePicture.jpg", "image/jpeg", big)]
    )
    ctype = "multipart/form-data; boundary=" + body.split(b"\r\n", 1)[0][2:].decode()
    r = client.post(ISAPI, content=body, headers={"Content-Type": ctype, **auth(keys["admin"])})
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["status"] == "rejected" and result["error"]["code"] == "picture_too_large"
    assert len(events_of(engine, env.anpr)) == before


def test_alert_stream_stores_the_motion_and_counts_the_heartbeats(
    client: TestClient, engine: Engine, env: Env
) -> None:
    body = isapi_now(sample("isapi_alertstream.bin"))
    ctype = 'multipart/mixed; boundary="boundary"'
    r = client.post(ISAPI, content=body, headers={"Content-Type": ctype, **basic(env.acme)})
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["created"] * 3
    types = [e["type"] for e in events_of(engine, env.gate)]
    assert "heartbeat" not in types and "motion" in types


def test_heartbeat_is_not_stored_but_is_a_sighting(
    client: TestClient, engine: Engine, env: Env
) -> None:
    before = len(events_of(engine, env.gate))
    when = datetime.now(UTC).replace(microsecond=0)
    body = isapi_now(sample("isapi_videoloss_heartbeat.xml"), when)
    r = client.post(ISAPI, content=body, headers={**XML, **basic(env.acme)})
    assert r.status_code == 200, r.text
    assert len(events_of(engine, env.gate)) == before
    with engine.connect() as conn:
        last_seen = conn.execute(
            text("SELECT last_seen FROM cameras WHERE device_id = :d"), {"d": env.gate}
        ).scalar_one()
    assert last_seen == when


def test_unknown_camera_and_another_integrators_camera_are_item_errors(
    client: TestClient, env: Env
) -> None:
    unknown = isapi_now(sample("isapi_fielddetection_no_namespace.xml"))
    r = client.post(ISAPI, content=unknown, headers={**XML, **basic(env.acme)})
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert (result["status"], result["error"]["code"]) == ("rejected", "unknown_camera")
    others = isapi_now(sample("isapi_regionentrance_gbk.xml"))
    r = client.post(ISAPI, content=others, headers={**XML, **basic(env.acme)})
    (result,) = r.json()["results"]
    assert (result["status"], result["error"]["code"]) == ("rejected", "forbidden")


def test_gbk_alert_keeps_its_channel_name(
    client: TestClient, engine: Engine, env: Env, keys: dict[str, str]
) -> None:
    body = isapi_now(sample("isapi_regionentrance_gbk.xml"))
    r = client.post(ISAPI, content=body, headers={**XML, **auth(keys["admin"])})
    assert r.json()["created"] == 1, r.text
    (row,) = events_of(engine, env.others)
    assert row["attrs"]["channel_name"] == "北门广场" and "北门广场" in row["raw"]


@pytest.mark.parametrize("name", ["bad_xxe.xml", "bad_billion_laughs.xml"])
@pytest.mark.parametrize("path", [ISAPI, ONVIF])
def test_entities_are_refused_fast(client: TestClient, env: Env, name: str, path: str) -> None:
    body = sample(name)
    headers = {**XML, **basic(env.acme)}
    client.post(path, content=sample("bad_malformed.xml"), headers=headers)  # key now cached
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        r = client.post(path, content=body, headers=headers)
        timings.append(time.perf_counter() - started)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["code"] == "forbidden_xml"
        assert "root:" not in r.text
    assert min(timings) < 0.1, timings


@pytest.mark.parametrize("name", ["bad_malformed.xml", "bad_wrong_root.xml"])
@pytest.mark.parametrize("path", [ISAPI, ONVIF])
def test_malformed_bodies_are_422_problems(
    client: TestClient, env: Env, name: str, path: str
) -> None:
    r = client.post(path, content=sample(name), headers={**XML, **basic(env.acme)})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["code"] == "malformed"


def test_onvif_motion_via_the_producer_alias(client: TestClient, engine: Engine, env: Env) -> None:
    when = datetime.now(UTC) - timedelta(minutes=30)
    body = onvif_now(sample("onvif_motion_alarm.xml"), when)
    r = client.post(ONVIF, content=body, headers={**SOAP, **basic(env.acme)})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["camera_id"] == env.gate
    (row,) = [e for e in events_of(engine, env.gate) if e["source"] == "onvif"]
    assert (row["type"], row["state"]) == ("motion", "active")
    assert abs(row["occurred_at"] - when) < timedelta(milliseconds=1)
    assert row["attrs"]["topic"] == "tns1:VideoSource/MotionAlarm"


def test_onvif_batch_with_a_bad_message_and_zero_time(client: TestClient, env: Env) -> None:
    r = client.post(
        ONVIF,
        content=onvif_now(sample("onvif_one_bad_message.xml")),
        headers={**SOAP, **basic(env.acme)},
    )
    assert r.status_code == 200, r.text
    got = [(x["status"], (x.get("error") or {}).get("code")) for x in r.json()["results"]]
    assert got == [("created", None), ("rejected", "invalid_value"), ("rejected", "unknown_camera")]
    zero = client.post(
        ONVIF, content=sample("onvif_zero_utctime.xml"), headers={**SOAP, **basic(env.acme)}
    )
    assert zero.json()["results"][0]["status"] == "created", zero.text


def test_onvif_two_messages_and_tamper_alarm(
    client: TestClient, engine: Engine, env: Env, keys: dict[str, str]
) -> None:
    r = client.post(
        ONVIF,
        content=onvif_now(sample("onvif_two_messages.xml")),
        headers={**SOAP, **auth(keys["admin"])},
    )
    assert r.json()["created"] == 2, r.text
    tamper = onvif_now(sample("onvif_tamper.xml"))
    assert (
        client.post(ONVIF, content=tamper, headers={**SOAP, **basic(env.acme)}).json()["created"]
        == 1
    )
    with engine.connect() as conn:
        alarms = conn.execute(
            text("SELECT alarms FROM cameras WHERE device_id = :d"), {"d": env.gate}
        ).scalar_one()
    assert "tamper" in alarms


def test_roles_that_may_not_push(client: TestClient, keys: dict[str, str]) -> None:
    body = isapi_now(sample("isapi_vmd.xml"))
    for role in ("operator", "planner", "grid_leader"):
        r = client.post(ISAPI, content=body, headers={**XML, **basic(keys[role])})
        assert r.status_code == 403, (role, r.text)


def test_batch_and_rate_limits_per_key(
    database_url: str, demo_district: str, env: Env, keys: dict[str, str]
) -> None:
    settings = Settings(
        database_url=database_url,
        default_district=demo_district,
        camera_events_per_second=1,
        camera_batch_max_items=3,
    )
    two = onvif_now(sample("onvif_two_messages.xml"))
    message = two[two.index(b"<wsnt:NotificationMessage>") : two.index(b"</wsnt:Notify>")]
    four = two.replace(message, message * 2)
    headers = {**SOAP, **auth(keys["admin"])}
    with TestClient(create_app(settings)) as limited:
        too_many = limited.post(ONVIF, content=four, headers=headers)
        assert too_many.status_code == 413, too_many.text
        assert limited.post(ONVIF, content=two, headers=headers).status_code == 200
        r = limited.post(ONVIF, content=two, headers=headers)
        assert r.status_code == 429, r.text
        assert int(r.headers["retry-after"]) >= 1
