"""Storing camera events: daily partitions made on demand, idempotent batches, retention,
and the cameras' last_seen / seen_since / alarms after each batch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from cameras.events import CameraEvent, ItemError
from gridsvc.auth import Principal, Role
from gridsvc.repositories import camera_events as repo
from gridsvc.services import camera_partitions
from gridsvc.services.camera_directory import CameraDirectory, EventPolicy
from gridsvc.services.camera_events import record_events
from tests.camera_rows import add_cameras
from tests.conftest import SCRATCH_DISTRICT as DISTRICT

ADMIN = Principal("testadm", Role.ADMIN, district=DISTRICT)
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def cams(engine: Engine) -> list[str]:
    return add_cameras(engine, DISTRICT, 5, aliases={1: ["mac:aa:bb:cc:dd:ee:01/1"]})


@pytest.fixture
def directory(engine: Engine) -> Iterator[CameraDirectory]:
    yield CameraDirectory(engine, EventPolicy(retention_days=3, offline_after=timedelta(minutes=3)))


def event(
    ref: str, at: datetime, kind: str = "motion", index: int = 0, **kw: object
) -> CameraEvent:
    return CameraEvent((ref,), kind, at, "native", "{}", index=index, **kw)  # type: ignore[arg-type]


def camera_row(engine: Engine, device_id: str) -> dict:
    with engine.connect() as conn:
        row = (
            conn.execute(
                text("SELECT last_seen, seen_since, alarms FROM cameras WHERE device_id = :d"),
                {"d": device_id},
            )
            .mappings()
            .one()
        )
    return dict(row)


def count(engine: Engine, device_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM camera_events WHERE camera_id = :d"), {"d": device_id}
        ).scalar_one()


def test_a_batch_over_two_days_makes_both_partitions(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    yesterday, today = NOW - timedelta(days=1), NOW
    items = [
        event(cams[0], yesterday, index=0, event_id="a"),
        event(cams[0], today, index=1, event_id="b"),
    ]
    result = record_events(engine, directory, ADMIN, items)
    assert [r.status for r in result.results] == ["created", "created"]
    with engine.connect() as conn:
        names = repo.existing_partitions(conn)
    assert repo.partition_name(repo.day_of(yesterday)) in names
    assert repo.partition_name(repo.day_of(today)) in names


def test_resending_a_batch_creates_nothing(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    items: list[CameraEvent | ItemError] = [
        event(cams[1], NOW - timedelta(seconds=i), index=i) for i in range(10)
    ]
    first = record_events(engine, directory, ADMIN, items)
    again = record_events(engine, directory, ADMIN, items)
    assert first.counts == {"created": 10, "duplicate": 0, "rejected": 0}
    assert again.counts == {"created": 0, "duplicate": 10, "rejected": 0}
    assert count(engine, cams[1]) == 10


def test_an_alias_finds_its_camera_and_events_take_its_grid(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    result = record_events(engine, directory, ADMIN, [event("MAC:AA:BB:CC:DD:EE:01/1", NOW)])
    assert result.results[0].camera_id == cams[0]


def test_last_seen_and_seen_since(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    cam = cams[2]
    t0 = NOW - timedelta(hours=1)
    record_events(engine, directory, ADMIN, [event(cam, t0), event(cam, t0 + timedelta(minutes=1))])
    row = camera_row(engine, cam)
    assert (row["last_seen"], row["seen_since"]) == (t0 + timedelta(minutes=1), t0)
    later = t0 + timedelta(minutes=30)  # a gap past the 3-minute offline limit
    record_events(engine, directory, ADMIN, [event(cam, later, "heartbeat")])
    row = camera_row(engine, cam)
    assert (row["last_seen"], row["seen_since"]) == (later, later)
    record_events(engine, directory, ADMIN, [event(cam, t0 + timedelta(minutes=5))])  # late
    assert camera_row(engine, cam)["last_seen"] == later
    assert count(engine, cam) == 3  # the heartbeat is not stored


def test_alarms_follow_video_loss_and_heartbeats(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    cam = cams[3]
    t0 = NOW - timedelta(minutes=10)
    record_events(
        engine,
        directory,
        ADMIN,
        [event(cam, t0, "video_loss", state="active"), event(cam, t0, "tamper", index=1)],
    )
    assert camera_row(engine, cam)["alarms"] == ["tamper", "video_loss"]
    record_events(engine, directory, ADMIN, [event(cam, t0 + timedelta(seconds=10), "heartbeat")])
    assert camera_row(engine, cam)["alarms"] == ["tamper"]
    with engine.connect() as conn:
        states = (
            conn.execute(
                text(
                    "SELECT state FROM camera_events WHERE camera_id = :d AND type = 'video_loss' "
                    "ORDER BY occurred_at"
                ),
                {"d": cam},
            )
            .scalars()
            .all()
        )
    assert states == ["active", "inactive"]  # the end of the loss is recorded


def test_out_of_window_and_unknown_cameras_are_refused_per_item(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    items: list[CameraEvent | ItemError] = [
        event(cams[4], NOW - timedelta(days=10), index=0),
        event(cams[4], NOW + timedelta(days=2), index=1),
        event("no-such-camera", NOW, index=2),
        event(cams[4], NOW, index=3),
    ]
    result = record_events(engine, directory, ADMIN, items)
    codes = [r.error.code if r.error else r.status for r in result.results]
    assert codes == ["out_of_window", "out_of_window", "unknown_camera", "created"]
    assert result.results[2].error and result.results[2].error.status == 404


def test_prune_drops_only_partitions_past_the_retention(engine: Engine) -> None:
    today = NOW.date()
    old, kept = today - timedelta(days=5), today - timedelta(days=2)
    camera_partitions.PARTITIONS.ensure(engine, [old, kept])
    dropped = camera_partitions.prune(engine, retention_days=3, now=NOW)
    with engine.connect() as conn:
        names = repo.existing_partitions(conn)
    assert repo.partition_name(old) in dropped
    assert repo.partition_name(old) not in names
    assert repo.partition_name(kept) in names
    assert repo.partition_name(today) in names
