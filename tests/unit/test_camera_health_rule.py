"""The camera health rule: transitions, their times, hysteresis, parents (cameras/health.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cameras.health import (
    FIRST_SIGHTING,
    NEVER_SEEN,
    NO_SIGHTINGS,
    OFFLINE,
    ONLINE,
    PARENT_OFFLINE,
    SIGHTINGS,
    Camera,
    Health,
    HealthPolicy,
    Transition,
    next_status,
    own_transition,
    plan,
)

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
POLICY = HealthPolicy.of_seconds(offline_after=180, online_after=20)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# (status, status_since, last_seen, seen_since, now) → expected (status, at, reason) or None
CASES = [
    ("never seen, no sighting", (NEVER_SEEN, 0, None, None, 1000), None),
    ("first sighting", (NEVER_SEEN, 0, 100, 90, 110), (ONLINE, 90, FIRST_SIGHTING)),
    (
        "first sighting, no run start",
        (NEVER_SEEN, 0, 100, None, 110),
        (ONLINE, 100, FIRST_SIGHTING),
    ),
    ("first sighting already stale", (NEVER_SEEN, 0, 100, 100, 400), (OFFLINE, 280, NO_SIGHTINGS)),
    ("online, seen recently", (ONLINE, 10, 100, 10, 250), None),
    ("online, silent exactly the limit", (ONLINE, 10, 100, 10, 280), None),
    ("online, silent past the limit", (ONLINE, 10, 100, 10, 281), (OFFLINE, 280, NO_SIGHTINGS)),
    ("online, silent for hours", (ONLINE, 10, 100, 10, 9000), (OFFLINE, 280, NO_SIGHTINGS)),
    (
        "online without sightings (catalog)",
        (ONLINE, 500, None, None, 681),
        (OFFLINE, 680, NO_SIGHTINGS),
    ),
    ("online since after last sighting", (ONLINE, 500, 100, 10, 600), None),
    ("offline, nothing new", (OFFLINE, 280, 100, 10, 5000), None),
    ("offline, one stray heartbeat", (OFFLINE, 280, 1000, 1000, 1010), None),
    ("offline, stray heartbeat, later", (OFFLINE, 280, 1000, 1000, 1100), None),
    ("offline, run too short", (OFFLINE, 280, 1019, 1000, 1025), None),
    ("offline, run long enough", (OFFLINE, 280, 1020, 1000, 1025), (ONLINE, 1020, SIGHTINGS)),
    ("offline, long run noticed late", (OFFLINE, 280, 1150, 1000, 1160), (ONLINE, 1020, SIGHTINGS)),
    ("offline, long run but stale", (OFFLINE, 280, 1150, 1000, 1331), None),
    (
        "offline, run older than the offline time",
        (OFFLINE, 300, 400, 200, 410),
        (ONLINE, 300, SIGHTINGS),
    ),
    (
        "future sighting: never after now",
        (NEVER_SEEN, 0, 500, 500, 100),
        (ONLINE, 100, FIRST_SIGHTING),
    ),
]


@pytest.mark.parametrize(("name", "given", "expected"), CASES, ids=[c[0] for c in CASES])
def test_own_transition(name: str, given: tuple, expected: tuple | None) -> None:
    status, since, last, run, now = given
    h = Health(
        status, at(since), None if last is None else at(last), None if run is None else at(run)
    )
    got = own_transition(h, at(now), POLICY)
    want = None if expected is None else Transition(expected[0], at(expected[1]), expected[2])
    assert got == want


def test_online_after_zero_takes_one_sighting() -> None:
    policy = HealthPolicy.of_seconds(180, 0)
    h = Health(OFFLINE, at(280), at(1000), at(1000))
    assert own_transition(h, at(1001), policy) == Transition(ONLINE, at(1000), SIGHTINGS)


PARENT_CASES = [
    (
        "online under offline parent",
        Health(ONLINE, at(10), at(390), at(10)),
        280,
        Transition(OFFLINE, at(280), PARENT_OFFLINE),
    ),
    (
        "online since after parent went offline",
        Health(ONLINE, at(300), at(350), at(280)),
        280,
        Transition(OFFLINE, at(300), PARENT_OFFLINE),
    ),
    ("offline stays offline though seen", Health(OFFLINE, at(280), at(1100), at(1000)), 280, None),
    (
        "first sighting under offline parent",
        Health(NEVER_SEEN, at(0), at(400), at(390)),
        280,
        Transition(OFFLINE, at(390), PARENT_OFFLINE),
    ),
    ("never seen channel stays never seen", Health(NEVER_SEEN, at(0)), 280, None),
    (
        "own silence wins",
        Health(ONLINE, at(10), at(100), at(10)),
        50,
        Transition(OFFLINE, at(280), NO_SIGHTINGS),
    ),
]


@pytest.mark.parametrize(
    ("name", "h", "parent_off", "expected"), PARENT_CASES, ids=[c[0] for c in PARENT_CASES]
)
def test_parent_offline(
    name: str, h: Health, parent_off: float, expected: Transition | None
) -> None:
    now = max(at(400), h.last_seen or T0)
    assert next_status(h, now, POLICY, at(parent_off)) == expected


def test_plan_follows_the_hierarchy() -> None:
    """platform (silent) → NVR (seen) → channel (seen): both below go offline in one sweep."""
    seen = Health(ONLINE, at(0), at(1000), at(0))
    cameras = {
        "platform": Camera(Health(ONLINE, at(0), at(500), at(0))),
        "nvr": Camera(seen, "platform"),
        "ch1": Camera(seen, "nvr"),
        "ch2": Camera(Health(NEVER_SEEN, at(0)), "nvr"),
        "orphan": Camera(seen, "unregistered"),
    }
    got = plan(cameras, at(1010), POLICY)
    assert got == {
        "platform": Transition(OFFLINE, at(680), NO_SIGHTINGS),
        "nvr": Transition(OFFLINE, at(680), PARENT_OFFLINE),
        "ch1": Transition(OFFLINE, at(680), PARENT_OFFLINE),
    }


def test_a_channel_seen_all_along_returns_with_its_nvr() -> None:
    cameras = {
        "nvr": Camera(Health(OFFLINE, at(280), at(1100), at(1000))),
        "ch": Camera(Health(OFFLINE, at(280), at(1100), at(0)), "nvr"),
        "ch2": Camera(Health(NEVER_SEEN, at(0), at(1100), at(900)), "nvr"),
    }
    assert plan(cameras, at(1105), POLICY) == {
        "nvr": Transition(ONLINE, at(1020), SIGHTINGS),
        "ch": Transition(ONLINE, at(1020), SIGHTINGS),  # not at 280, its offline time
        "ch2": Transition(ONLINE, at(1020), FIRST_SIGHTING),
    }


def test_plan_survives_a_parent_cycle() -> None:
    cameras = {
        "a": Camera(Health(ONLINE, at(0), at(1000), at(0)), "b"),
        "b": Camera(Health(ONLINE, at(0), at(1000), at(0)), "a"),
    }
    assert plan(cameras, at(1010), POLICY) == {}


class Simulated:
    """A camera as the event path and the sweep keep it: sightings and sweeps on a timeline."""

    def __init__(self, policy: HealthPolicy) -> None:
        self.policy = policy
        self.h = Health(NEVER_SEEN, T0)
        self.transitions: list[Transition] = []

    def sighting(self, t: datetime) -> None:
        last = self.h.last_seen
        run = self.h.seen_since
        if last is None or t - last > self.policy.offline_after:
            run = t
        self.h = replace(self.h, last_seen=t if last is None else max(last, t), seen_since=run)

    def sweep(self, now: datetime) -> None:
        step = next_status(self.h, now, self.policy)
        if step:
            self.transitions.append(step)
            self.h = replace(self.h, status=step.status, status_since=step.at)


def run(sightings: list[float], until: float, sweep_every: float = 5) -> Simulated:
    cam = Simulated(POLICY)
    pending = sorted(sightings)
    t = 0.0
    while t <= until:
        while pending and pending[0] <= t:
            cam.sighting(at(pending.pop(0)))
        cam.sweep(at(t))
        t += sweep_every
    return cam


def test_steady_heartbeats_with_short_dropouts_stay_online() -> None:
    beats = [t for t in range(0, 3600, 10) if not 600 <= t < 760]  # a 160 s dropout
    cam = run(beats, 3500)
    assert [s.status for s in cam.transitions] == [ONLINE]


def test_alternating_stray_heartbeats_never_flap() -> None:
    """Offline, then one heartbeat every 190 s (just over the limit): stays offline."""
    beats = [0, 10, *range(400, 6000, 190)]
    cam = run(beats, 6000)
    assert [s.status for s in cam.transitions] == [ONLINE, OFFLINE]
    assert cam.transitions[1].at == at(190)  # last sighting + offline_after, not sweep time


def test_recovery_needs_an_unbroken_run() -> None:
    beats = [0, *range(1000, 1100, 10)]
    cam = run(beats, 1200)
    assert [(s.status, s.at) for s in cam.transitions] == [
        (ONLINE, at(0)),
        (OFFLINE, at(180)),
        (ONLINE, at(1020)),
    ]


def test_transition_times_do_not_depend_on_the_sweep_interval() -> None:
    beats = [0, 10, 20, *range(2000, 2100, 10)]
    fast, slow = run(beats, 2200, sweep_every=1), run(beats, 2200, sweep_every=30)
    assert fast.transitions == slow.transitions


seconds = st.integers(min_value=-2000, max_value=2000)


@given(
    status=st.sampled_from((ONLINE, OFFLINE, NEVER_SEEN)),
    since=seconds,
    last=st.none() | seconds,
    run_back=st.none() | st.integers(min_value=0, max_value=2000),
    now=seconds,
    online_after=st.sampled_from((0, 20, 180, 400)),
)
def test_rule_invariants(
    status: str, since: int, last: int | None, run_back: int | None, now: int, online_after: int
) -> None:
    """Never dated after now nor before the current status began; a second look changes
    nothing (the same sweep cannot flip a camera twice)."""
    policy = HealthPolicy.of_seconds(180, online_after)
    run = None if last is None or run_back is None else last - run_back
    h = Health(
        status, at(since), None if last is None else at(last), None if run is None else at(run)
    )
    step = own_transition(h, at(now), policy)
    if step is None:
        return
    assert step.at <= at(now)
    if status != NEVER_SEEN and since <= now:
        assert step.at >= h.status_since
    after = replace(h, status=step.status, status_since=step.at)
    assert own_transition(after, at(now), policy) is None
