"""Storing camera events: daily partitions made on demand, idempotent batches, retention,
and the cameras' last_seen / seen_since / alarms after each batch."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from cameras.events import CameraEvent, ItemError
from gridsvc.auth import Principal, Role
from gridsvc.cli import build_parser
from gridsvc.db.connect import make_engine
from gridsvc.repositories import camera_events as repo
from gridsvc.services import camera_partitions
from gridsvc.services.camera_directory import CameraDirectory, EventPolicy
from gridsvc.services.camera_events import record_events
from gridsvc.settings import Settings
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
    camera_partitions.partitions(engine).ensure(engine, [old, kept])
    dropped = camera_partitions.prune(engine, retention_days=3, now=NOW)
    with engine.connect() as conn:
        names = repo.existing_partitions(conn)
    assert repo.partition_name(old) in dropped
    assert repo.partition_name(old) not in names
    assert repo.partition_name(kept) in names
    assert repo.partition_name(today) in names


def test_concurrent_creators_of_one_partition_both_succeed(engine: Engine) -> None:
    day = date(2001, 1, 1)
    creators = [camera_partitions.Partitions() for _ in range(4)]
    errors: list[BaseException] = []

    def create(p: camera_partitions.Partitions) -> None:
        try:
            p.ensure(engine, [day])
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(p,)) for p in creators]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.begin() as conn:
        assert repo.partition_name(day) in repo.existing_partitions(conn)
        repo.drop_partition(conn, repo.partition_name(day))


def test_a_partition_dropped_behind_the_cache_is_made_again(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    at = NOW - timedelta(days=2)
    camera_partitions.partitions(engine).ensure(engine, [at.date()])
    with engine.begin() as conn:
        repo.drop_partition(conn, repo.partition_name(at.date()))  # the cache still has it
    result = record_events(engine, directory, ADMIN, [event(cams[4], at, event_id="again")])
    assert result.counts["created"] == 1


def test_a_camera_held_by_another_transaction_does_not_hold_up_the_batch(
    engine: Engine, cams: list[str], directory: CameraDirectory
) -> None:
    cam, at = cams[2], NOW - timedelta(seconds=3)
    done = threading.Event()
    with engine.connect() as holder:
        holder.execute(text("SELECT 1 FROM cameras WHERE device_id = :d FOR UPDATE"), {"d": cam})
        worker = threading.Thread(
            target=lambda: (
                record_events(engine, directory, ADMIN, [event(cam, at, event_id="held")]),
                done.set(),
            )
        )
        worker.start()
        deadline = time.monotonic() + 30
        while count_id(engine, "held") == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert count_id(engine, "held") == 1  # committed while the camera is still held
        assert not done.is_set()  # its sighting waits for the camera, after the commit
        holder.rollback()
    worker.join(timeout=30)
    assert done.is_set()
    assert camera_row(engine, cam)["last_seen"] >= at


def count_id(engine: Engine, event_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM camera_events WHERE event_id = :e"), {"e": event_id}
        ).scalar_one()


def test_the_prune_command_drops_old_days_and_reports_them(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = NOW.date() - timedelta(days=40)
    camera_partitions.partitions(engine).ensure(engine, [old])
    args = build_parser().parse_args(["camera-events", "prune", "--days", "30", "--json"])
    assert args.func(args, Settings(database_url=database_url)) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["retention_days"] == 30
    assert repo.partition_name(old) in report["dropped"]
    with engine.connect() as conn:
        names = repo.existing_partitions(conn)
    assert repo.partition_name(old) not in names and repo.partition_name(NOW.date()) in names


def test_a_name_used_in_two_districts_needs_a_district_key(
    engine: Engine, directory: CameraDirectory
) -> None:
    shared = "onvif:http://10.0.0.9/onvif/device_service"
    (here,) = add_cameras(engine, DISTRICT, 1, first=500, aliases={500: [shared]})
    add_cameras(engine, "110101", 1, first=500, aliases={500: [shared]})
    anywhere = Principal("any", Role.ADMIN)
    result = record_events(engine, directory, anywhere, [event(shared, NOW)])
    error = result.results[0].error
    assert error is not None and error.code == "ambiguous_camera" and "110101" in error.message
    mine = record_events(engine, directory, ADMIN, [event(shared, NOW)])
    assert mine.results[0].camera_id == here


def test_a_derived_event_repeating_an_item_on_a_fresh_connection(
    database_url: str, cams: list[str]
) -> None:
    """A heartbeat ending a video loss derives the same event as an explicit video_loss /
    inactive item at the same time: the batch takes the staging path on its first use of a
    connection, which must make the staging table before emptying it."""
    fresh = make_engine(database_url, pool_size=1)
    try:
        cam = cams[4]
        with fresh.begin() as conn:
            conn.execute(
                text("UPDATE cameras SET alarms = '{video_loss}' WHERE device_id = :d"), {"d": cam}
            )
        directory = CameraDirectory(
            fresh, EventPolicy(retention_days=3, offline_after=timedelta(minutes=3))
        )
        at = NOW - timedelta(minutes=2)
        items = [event(cam, at, "heartbeat"), event(cam, at, "video_loss", 1, state="inactive")]
        result = record_events(fresh, directory, ADMIN, items).as_json()
        assert result["rejected"] == 0, result
        assert camera_row(fresh, cam)["alarms"] == []
    finally:
        fresh.dispose()
