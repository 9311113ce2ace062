"""The health sweep in SQL: transitions at a controlled clock, events recorded once, the same
answers as the pure rule, parents, concurrent sweeps, the background sweeper."""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, text

from cameras.health import (
    MAX_DEPTH,
    NEVER_SEEN,
    OFFLINE,
    ONLINE,
    Camera,
    Health,
    HealthPolicy,
    Transition,
    plan,
)
from gridsvc.repositories import camera_health as repo
from gridsvc.services.camera_health import CameraSweeper, sweep_once
from tests.camera_rows import camera, device_id, insert_status_rows
from tests.conftest import READONLY_DISTRICT as DISTRICT

POLICY = HealthPolicy.of_seconds(offline_after=180, online_after=20)
T0 = datetime(2026, 11, 30, 23, 58, tzinfo=UTC)  # transitions on both sides of midnight
GRID = f"{DISTRICT}001001001"


PARTITIONS = "SELECT relname FROM pg_class WHERE relname ~ '^camera_events_p[0-9]{8}$'"


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def clean(engine: Engine):  # type: ignore[no-untyped-def]
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM camera_events WHERE adcode = :a"), {"a": DISTRICT})
        conn.execute(text("DELETE FROM cameras WHERE adcode = :a"), {"a": DISTRICT})


def events(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT camera_id, type, state, source, occurred_at, event_id, grid_code, h3, "
                "attrs FROM camera_events WHERE adcode = :a ORDER BY camera_id, occurred_at"
            ),
            {"a": DISTRICT},
        ).mappings()
        return [dict(r) for r in rows]


def statuses(engine: Engine) -> dict[str, tuple[str, datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT device_id, status, status_since FROM cameras WHERE adcode = :a"),
            {"a": DISTRICT},
        )
        return {r.device_id: (r.status, r.status_since) for r in rows}


def test_sweep_flips_statuses_and_records_each_transition_once(clean: Engine) -> None:
    now = s(300)
    with clean.begin() as conn:
        insert_status_rows(
            conn,
            [
                camera(DISTRICT, 1, ONLINE, s(0), s(100), s(0), grid_code=GRID, h3=123),
                camera(DISTRICT, 2, NEVER_SEEN, s(-9000), s(290), s(250), grid_code=GRID),
                camera(DISTRICT, 3, OFFLINE, s(-500), s(295), s(260)),
                camera(DISTRICT, 4, OFFLINE, s(-500), s(295), s(295)),  # one stray heartbeat
                camera(DISTRICT, 5, ONLINE, s(0), s(240), s(0)),  # seen a minute ago
                camera(DISTRICT, 6, NEVER_SEEN, s(0)),
            ],
        )
    result = sweep_once(clean, POLICY, retention_days=30, now=now, adcode=DISTRICT)
    assert result is not None
    got = {c.device_id: (c.previous, c.status, c.at, c.reason) for c in result.changes}
    assert got == {
        device_id(DISTRICT, 1): (ONLINE, OFFLINE, s(280), "no_sightings"),
        device_id(DISTRICT, 2): (NEVER_SEEN, ONLINE, s(250), "first_sighting"),
        device_id(DISTRICT, 3): (OFFLINE, ONLINE, s(280), "sightings"),
    }
    assert result.recorded == 3
    assert statuses(clean)[device_id(DISTRICT, 1)] == (OFFLINE, s(280))
    recorded = events(clean)
    first = recorded[0]
    assert first["camera_id"] == device_id(DISTRICT, 1)
    assert (first["type"], first["state"], first["source"]) == (OFFLINE, None, "system")
    assert first["occurred_at"] == s(280)
    assert first["event_id"] == "system:offline:2026-12-01T00:02:40.000000Z"
    assert (first["grid_code"], first["h3"]) == (GRID, 123)
    assert first["attrs"] == {"from": ONLINE, "reason": "no_sightings"}
    assert {(e["camera_id"], e["type"], e["occurred_at"]) for e in recorded[1:]} == {
        (device_id(DISTRICT, 2), ONLINE, s(250)),
        (device_id(DISTRICT, 3), ONLINE, s(280)),
    }
    again = sweep_once(clean, POLICY, retention_days=30, now=now, adcode=DISTRICT)
    assert again is not None and again.changes == [] and again.recorded == 0
    assert len(events(clean)) == 3


def test_events_of_day_partitions_on_both_sides_of_midnight(clean: Engine) -> None:
    with clean.begin() as conn:
        insert_status_rows(conn, [camera(DISTRICT, 1, ONLINE, s(-600), s(-400), s(-600))])
    sweep_once(clean, POLICY, retention_days=30, now=s(300), adcode=DISTRICT)
    with clean.connect() as conn:
        where = conn.execute(
            text("SELECT tableoid::regclass::text FROM camera_events WHERE adcode = :a"),
            {"a": DISTRICT},
        ).scalar_one()
    assert where == "camera_events_p20261130"  # offline at 23:55 UTC, swept after midnight


def test_transition_older_than_the_retention_is_not_recorded(clean: Engine) -> None:
    with clean.begin() as conn:
        insert_status_rows(conn, [camera(DISTRICT, 1, ONLINE, s(-50 * 86400), s(-40 * 86400))])
    result = sweep_once(clean, POLICY, retention_days=30, now=s(0), adcode=DISTRICT)
    assert result is not None and len(result.changes) == 1 and result.recorded == 0
    assert statuses(clean)[device_id(DISTRICT, 1)][0] == OFFLINE
    assert events(clean) == []


def test_an_older_transition_gets_the_partitions_it_needs(clean: Engine) -> None:
    """After an outage: a camera last seen 3 days ago goes offline dated then."""
    with clean.connect() as conn:
        before = set(conn.execute(text(PARTITIONS)).scalars())
    try:
        with clean.begin() as conn:
            insert_status_rows(conn, [camera(DISTRICT, 1, ONLINE, s(-4 * 86400), s(-3 * 86400))])
        result = sweep_once(clean, POLICY, retention_days=5, now=s(0), adcode=DISTRICT)
        assert result is not None and result.recorded == 1
        assert [e["occurred_at"] for e in events(clean)] == [s(-3 * 86400 + 180)]
        with clean.connect() as conn:
            added = set(conn.execute(text(PARTITIONS)).scalars()) - before
        assert {"camera_events_p20261127", "camera_events_p20261125"} <= added
    finally:
        with clean.begin() as conn:
            conn.execute(text("DELETE FROM camera_events WHERE adcode = :a"), {"a": DISTRICT})
            for name in set(conn.execute(text(PARTITIONS)).scalars()) - before:
                conn.execute(text(f"DROP TABLE {name}"))


def test_offline_nvr_takes_its_channels_offline(clean: Engine) -> None:
    nvr = device_id(DISTRICT, 1, "118")
    with clean.begin() as conn:
        insert_status_rows(
            conn,
            [
                camera(DISTRICT, 1, ONLINE, s(0), s(100), s(0), type_code="118"),
                camera(DISTRICT, 2, ONLINE, s(0), s(299), s(0), parent=nvr),
                camera(DISTRICT, 3, OFFLINE, s(0), s(299), s(200), parent=nvr),
                camera(DISTRICT, 4, NEVER_SEEN, s(0), parent=nvr),
            ],
        )
    result = sweep_once(clean, POLICY, retention_days=30, now=s(300), adcode=DISTRICT)
    assert result is not None
    got = {c.device_id: (c.status, c.at, c.reason) for c in result.changes}
    assert got == {
        nvr: (OFFLINE, s(280), "no_sightings"),
        device_id(DISTRICT, 2): (OFFLINE, s(280), "parent_offline"),
    }


def test_channels_return_with_their_nvr(clean: Engine) -> None:
    nvr = device_id(DISTRICT, 1, "118")
    with clean.begin() as conn:
        insert_status_rows(
            conn,
            [
                camera(DISTRICT, 1, OFFLINE, s(280), s(1100), s(1000), type_code="118"),
                camera(DISTRICT, 2, OFFLINE, s(280), s(1100), s(0), parent=nvr),
            ],
        )
    result = sweep_once(clean, POLICY, retention_days=30, now=s(1105), adcode=DISTRICT)
    assert result is not None
    assert {(c.device_id, c.status, c.at) for c in result.changes} == {
        (nvr, ONLINE, s(1020)),
        (device_id(DISTRICT, 2), ONLINE, s(1020)),  # seen all along: back with its NVR
    }


def test_a_second_sweep_skips_rows_being_changed_and_finds_nothing_after(clean: Engine) -> None:
    """The UPDATE is its own arbiter: no advisory lock involved here."""
    with clean.begin() as conn:
        insert_status_rows(conn, [camera(DISTRICT, n, ONLINE, s(0), s(0), s(0)) for n in range(50)])
        # committed first: b would wait for a partition a created and has not committed
        repo.ensure_day_partitions(conn, [s(0).date(), s(300).date()])
    with clean.connect() as a, clean.connect() as b:
        tx_a = a.begin()
        first, recorded = repo.sweep(a, s(300), POLICY, DISTRICT)
        with b.begin():
            assert repo.sweep(b, s(300), POLICY, DISTRICT) == ([], 0)  # locked: skipped
        tx_a.commit()
        with b.begin():
            assert repo.sweep(b, s(300), POLICY, DISTRICT) == ([], 0)
    assert len(first) == recorded == 50


def test_concurrent_sweeps_record_each_event_once(clean: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with clean.begin() as conn:
        insert_status_rows(
            conn, [camera(DISTRICT, n, ONLINE, s(0), s(0), s(0)) for n in range(200)]
        )
    with ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(sweep_once, clean, POLICY, retention_days=30, now=s(300)) for _ in range(8)
        ]
        results = [f.result() for f in futures]
    changed = sum(len(r.changes) for r in results if r)
    assert changed == 200
    assert len(events(clean)) == 200


def random_cameras(rng: random.Random, n: int, now: datetime) -> dict[str, Camera]:
    """Cameras with times near every threshold (to the microsecond) and tangled parents."""
    offsets = [0, 1, 19, 20, 21, 100, 179, 180, 181, 200, 1000, -30]
    tick = timedelta(microseconds=1)

    def near(base: datetime) -> datetime:
        return base - timedelta(seconds=rng.choice(offsets)) + tick * rng.choice((-1, 0, 1))

    ids = [device_id(DISTRICT, i) for i in range(n)]
    out = {}
    for did in ids:
        status = rng.choice((ONLINE, OFFLINE, NEVER_SEEN))
        last = None if rng.random() < 0.2 else near(now)
        run = None if last is None or rng.random() < 0.1 else near(last)
        since = near(now) if rng.random() < 0.5 else near(last or now)
        parent = rng.choice([None, None, rng.choice(ids), device_id(DISTRICT, 999_999)])
        out[did] = Camera(Health(status, since, last, run), parent)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_sql_and_pure_rule_agree(engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    now = s(0)
    policy = HealthPolicy.of_seconds(180, rng.choice((0, 20, 180)))
    cams = random_cameras(rng, 400, now)
    rows = [
        {
            **camera(DISTRICT, 0, c.health.status, c.health.status_since),
            "device_id": did,
            "parent_id": c.parent_id,
            "last_seen": c.health.last_seen,
            "seen_since": c.health.seen_since,
        }
        for did, c in cams.items()
    ]
    with engine.connect() as conn, conn.begin() as tx:
        insert_status_rows(conn, rows)
        changes, _ = repo.sweep(conn, now, policy, DISTRICT)
        tx.rollback()
    got = {c.device_id: Transition(c.status, c.at, c.reason) for c in changes}
    want = plan(cams, now, policy)
    assert got == want
    assert len(want) > 100  # the cases exercise the rule


def test_parent_chain_deeper_than_the_limit_stops(engine: Engine) -> None:
    chain = {device_id(DISTRICT, 0): Camera(Health(ONLINE, s(0), s(0), s(0)))}
    for i in range(1, MAX_DEPTH + 3):
        chain[device_id(DISTRICT, i)] = Camera(
            Health(ONLINE, s(0), s(290), s(0)), device_id(DISTRICT, i - 1)
        )
    rows = [
        {
            **camera(DISTRICT, 0, ONLINE, s(0), c.health.last_seen, s(0)),
            "device_id": did,
            "parent_id": c.parent_id,
        }
        for did, c in chain.items()
    ]
    with engine.connect() as conn, conn.begin() as tx:
        insert_status_rows(conn, rows)
        changes, _ = repo.sweep(conn, s(300), POLICY, DISTRICT)
        tx.rollback()
    assert len(changes) == MAX_DEPTH + 1  # the root and MAX_DEPTH levels below it
    assert {c.device_id for c in changes} == {c for c in plan(chain, s(300), POLICY)}


def test_ensure_day_partitions_is_idempotent(engine: Engine) -> None:
    day = datetime(2026, 10, 3, tzinfo=UTC).date()
    with engine.begin() as conn:
        repo.ensure_day_partitions(conn, [day])
        repo.ensure_day_partitions(conn, [day])
        bound = conn.execute(
            text("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = :n"),
            {"n": "camera_events_p20261003"},
        ).scalar_one()
        conn.execute(text("DROP TABLE camera_events_p20261003"))
    assert "2026-10-03 00:00:00+00" in bound and "2026-10-04 00:00:00+00" in bound


def test_sweeper_runs_in_the_background_and_stops(clean: Engine) -> None:
    with clean.begin() as conn:
        insert_status_rows(conn, [camera(DISTRICT, 1, ONLINE, s(0), s(0), s(0))])
    sweeper = CameraSweeper(clean, POLICY, interval=0.05, retention_days=36500)
    sweeper.start()
    deadline = time.monotonic() + 30
    while sweeper.sweeps < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    sweeper.stop()
    assert sweeper.sweeps >= 2
    assert statuses(clean)[device_id(DISTRICT, 1)] == (OFFLINE, s(180))
    assert sweeper._thread is None


def test_sweeper_logs_errors_and_keeps_going(caplog: pytest.LogCaptureFixture) -> None:
    broken = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    sweeper = CameraSweeper(broken, POLICY, interval=0.01, retention_days=30)
    with caplog.at_level(logging.ERROR, logger="gridsvc.services.camera_health"):
        assert sweeper.sweep() is None
        assert sweeper.sweep() is None
    broken.dispose()
    assert [r.message for r in caplog.records] == ["camera health sweep failed"] * 2
