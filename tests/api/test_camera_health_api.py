"""GET /api/v1/cameras/health by role and scope; the sweeper in the app's lifespan."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.api.app import create_app
from gridsvc.repositories.camera_health import ensure_day_partitions
from gridsvc.settings import Settings
from tests.api.conftest import auth
from tests.camera_rows import camera, device_id, insert_status_rows
from tests.conftest import READONLY_DISTRICT as DISTRICT

URL = "/api/v1/cameras/health"
NOW = datetime.now(UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
LIMIT = timedelta(seconds=180)


@pytest.fixture(scope="module")
def grids(engine: Engine, first_grid: str) -> tuple[str, str]:
    with engine.connect() as conn:
        other = conn.execute(
            text("SELECT max(code) FROM units WHERE adcode = :a AND level = 'grid'"),
            {"a": DISTRICT},
        ).scalar_one()
    return first_grid, other


@pytest.fixture(scope="module", autouse=True)
def cameras(engine: Engine, grids: tuple[str, str]) -> None:
    """Five cameras whose stored health the sweep leaves as it is (seen now, or long gone)."""
    own, other = grids
    gone = NOW - 2 * DAY
    rows = [
        camera(
            DISTRICT, 1, "online", NOW - HOUR, NOW, NOW - HOUR, grid_code=own, alarms=["video_loss"]
        ),
        camera(DISTRICT, 2, "offline", gone, gone - LIMIT, grid_code=other),
        camera(DISTRICT, 3, "offline", NOW - DAY, NOW - DAY - LIMIT, grid_code=own),
        camera(DISTRICT, 4, "never_seen", NOW, department="urban_management", grid_code=other),
        camera(DISTRICT, 5, "never_seen", NOW, department="traffic"),
    ]
    rows[2] |= {"department": "traffic", "alarms": ["tamper"]}
    alarm_events = [  # video loss began 2 h ago (after it last ended, 3 h ago)
        ("a", "active", NOW - 4 * HOUR),
        ("b", "inactive", NOW - 3 * HOUR),
        ("c", "active", NOW - 2 * HOUR),
        ("d", "active", NOW - HOUR),
    ]
    with engine.begin() as conn:
        insert_status_rows(conn, rows)
        ensure_day_partitions(conn, {t.date() for *_, t in alarm_events})
        conn.execute(
            text(
                "INSERT INTO camera_events (adcode, camera_id, occurred_at, event_id, type, "
                "state, source) VALUES (:a, :c, :t, :e, 'video_loss', :s, 'native')"
            ),
            [
                {"a": DISTRICT, "c": device_id(DISTRICT, 1), "t": t, "e": e, "s": state}
                for e, state, t in alarm_events
            ],
        )


def counts(total: int, online: int, offline: int, never_seen: int) -> dict[str, int]:
    return {"total": total, "online": online, "offline": offline, "never_seen": never_seen}


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_admin_sees_the_district(client: TestClient, keys: dict, grids: tuple[str, str]) -> None:
    own, other = grids
    r = client.get(URL, headers=auth(keys["admin"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["district"] == DISTRICT
    assert {k: body[k] for k in ("total", "online", "offline", "never_seen")} == counts(5, 1, 2, 2)
    assert body["by_department"] == [
        {"department": "police", **counts(2, 1, 1, 0)},
        {"department": "traffic", **counts(2, 0, 1, 1)},
        {"department": "urban_management", **counts(1, 0, 0, 1)},
    ]
    assert body["by_grid"] == [
        {"grid_code": own, **counts(2, 1, 1, 0)},
        {"grid_code": other, **counts(2, 0, 1, 1)},
        {"grid_code": None, **counts(1, 0, 0, 1)},
    ]
    alarms = body["alarms"]
    assert (alarms["video_loss"], alarms["tamper"]) == (1, 1)
    listed = [(a["device_id"], a["alarm"], at(a["since"])) for a in alarms["cameras"]]
    assert listed == [
        (device_id(DISTRICT, 1), "video_loss", NOW - 2 * HOUR),
        (device_id(DISTRICT, 3), "tamper", None),  # no event kept: since unknown
    ]
    offline = [(o["device_id"], at(o["since"])) for o in body["offline_longest"]]
    assert offline == [(device_id(DISTRICT, 2), NOW - 2 * DAY), (device_id(DISTRICT, 3), NOW - DAY)]


def test_grid_leader_sees_own_grids_only(
    client: TestClient, keys: dict, grids: tuple[str, str]
) -> None:
    own, _ = grids
    body = client.get(URL, headers=auth(keys["grid_leader"])).json()
    assert {k: body[k] for k in ("total", "online", "offline", "never_seen")} == counts(2, 1, 1, 0)
    assert [g["grid_code"] for g in body["by_grid"]] == [own]
    assert [o["device_id"] for o in body["offline_longest"]] == [device_id(DISTRICT, 3)]
    assert len(body["alarms"]["cameras"]) == 2


@pytest.mark.parametrize(
    ("role", "status"), [("operator", 200), ("planner", 200), ("integrator", 403)]
)
def test_roles(client: TestClient, keys: dict, role: str, status: int) -> None:
    r = client.get(URL, headers=auth(keys[role]))
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json()["total"] == 5


def test_another_district_is_empty_and_a_foreign_key_is_refused(
    client: TestClient, keys: dict, engine: Engine
) -> None:
    from gridsvc.services.keys import create_key

    r = client.get(f"{URL}?district=110101", headers=auth(keys["admin"]))
    assert r.status_code == 200 and r.json()["total"] == 0
    foreign, prefix = create_key(engine, "admin", district="110101")
    try:
        r = client.get(f"{URL}?district={DISTRICT}", headers=auth(foreign))
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE api_keys SET revoked_at = now() WHERE prefix = :p"), {"p": prefix}
            )


def test_the_app_sweeps_while_it_runs(database_url: str, engine: Engine) -> None:
    """A second app on the same database: it sweeps at once and every interval, and stops."""
    stale = camera(DISTRICT, 9, "online", NOW - DAY, NOW - DAY, NOW - DAY)
    with engine.begin() as conn:
        insert_status_rows(conn, [stale])
    settings = Settings(
        database_url=database_url, default_district=DISTRICT, camera_sweep_seconds=0.1
    )
    try:
        with TestClient(create_app(settings)) as app_client:
            sweeper = app_client.app.state.camera_sweeper  # type: ignore[attr-defined]
            deadline = time.monotonic() + 30
            while sweeper.sweeps < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert sweeper.sweeps >= 3
        assert sweeper._thread is None  # stopped with the app
        with engine.connect() as conn:
            status, since = conn.execute(
                text("SELECT status, status_since FROM cameras WHERE device_id = :d"),
                {"d": stale["device_id"]},
            ).one()
        assert (status, since) == ("offline", NOW - DAY + LIMIT)
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM cameras WHERE device_id = :d"), {"d": stale["device_id"]}
            )
