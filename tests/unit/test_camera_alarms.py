"""A camera's alarms across a batch, its sightings, and the token bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cameras.alarms import apply_alarms
from cameras.events import CameraEvent
from cameras.sightings import advance
from gridsvc.ratelimit import RateLimits, TokenBucket

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def ev(kind: str, state: str | None = None, seconds: int = 0) -> CameraEvent:
    return CameraEvent(("c1",), kind, T0 + timedelta(seconds=seconds), "isapi", "<x/>", state=state)


def test_active_alarms_add_and_inactive_remove() -> None:
    alarms, derived = apply_alarms(
        set(), [ev("video_loss", "active"), ev("tamper"), ev("motion"), ev("tamper", "inactive")]
    )
    assert alarms == {"video_loss"} and derived == []


def test_a_heartbeat_ends_a_video_loss_and_records_the_end() -> None:
    alarms, derived = apply_alarms({"video_loss", "tamper"}, [ev("heartbeat", seconds=5)])
    assert alarms == {"tamper"}
    (end,) = derived
    assert (end.type, end.state, end.occurred_at, end.event_id) == (
        "video_loss",
        "inactive",
        T0 + timedelta(seconds=5),
        None,
    )
    assert end.key() != ev("heartbeat", seconds=5).key()


def test_a_heartbeat_without_a_loss_derives_nothing() -> None:
    assert apply_alarms({"tamper"}, [ev("heartbeat")]) == (frozenset({"tamper"}), [])


def test_order_matters_within_the_batch() -> None:
    events = [ev("heartbeat", seconds=1), ev("video_loss", "active", seconds=2)]
    alarms, derived = apply_alarms(set(), events)
    assert alarms == {"video_loss"} and derived == []


GAP = timedelta(minutes=3)


def test_sightings_extend_a_run_or_start_a_new_one_after_a_gap() -> None:
    times = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert advance(None, None, times, GAP) == (times[-1], T0)
    later = T0 + timedelta(minutes=10)
    assert advance(times[-1], T0, [later], GAP) == (later, later)
    assert advance(later, later, [T0], GAP) == (later, later)  # an old event changes nothing
    inside = [later + timedelta(minutes=5), later + timedelta(minutes=6)]
    assert advance(later, later, reversed(inside), GAP) == (inside[1], inside[0])


def test_a_bucket_allows_bursts_then_the_rate() -> None:
    bucket = TokenBucket(rate=10, capacity=20, tokens=20, stamp=0.0)
    assert bucket.take(20, now=0.0) == 0
    assert bucket.take(5, now=0.0) == 0.5  # seconds until 5 tokens are back
    assert bucket.take(5, now=0.5) == 0
    assert bucket.take(50, now=10.0) == 0  # more than the capacity: passes when full...
    assert bucket.take(1, now=10.0) > 3.0  # ...and is paid back afterwards


def test_each_caller_has_its_own_bucket() -> None:
    clock = [0.0]
    limits = RateLimits(rate=1, burst=2, clock=lambda: clock[0])
    assert limits.take("a", 2) == 0
    assert limits.take("a", 1) == 1.0
    assert limits.take("b", 2) == 0
    clock[0] = 1.0
    assert limits.take("a", 1) == 0
