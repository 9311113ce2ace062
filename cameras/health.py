"""Camera status from sightings, with hysteresis (SPEC §9 pain points). Pure: no I/O.

The event path keeps, per camera, ``last_seen`` (newest event or heartbeat) and
``seen_since`` (start of the unbroken run of sightings: reset to the sighting time when the
gap since ``last_seen`` exceeds the offline threshold). The health sweep turns those stored
values into status transitions with this rule:

- never_seen → online at the first sighting (``seen_since``), or straight to offline at
  ``last_seen + offline_after`` when that sighting is already stale;
- online → offline when nothing was seen for more than ``offline_after``: the transition is
  dated ``last_seen + offline_after`` (when the silence began to count), not the sweep time;
- offline → online only when the current run of sightings spans at least ``online_after``
  (``last_seen − seen_since ≥ online_after``) and ``last_seen`` is recent: a lone stray
  heartbeat starts a run of length zero and never brings a camera back, so it cannot flap;
  dated ``seen_since + online_after``;
- a camera below an offline NVR or platform (``parent_id``, up to MAX_DEPTH levels) cannot be
  online: it goes offline at the later of the ancestor's offline time and its own online
  time, and comes back only when its own rule and every ancestor allow it, dated no earlier
  than its latest ancestor came online (a channel seen all along returns with its NVR, not
  at the moment it was taken offline). A channel never seen stays never_seen (nothing was
  ever known of it).

Only stored values are read, so a restart of the platform changes nothing: a camera seen a
minute before the restart is still online after it. Transition times never lie after ``now``
and (for online/offline cameras) never before the current ``status_since``.

The sweep's SQL (gridsvc/repositories/camera_health.py) implements the same rule; tests
compare both on random cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

NEVER_SEEN = "never_seen"
ONLINE = "online"
OFFLINE = "offline"
STATUSES = (ONLINE, OFFLINE, NEVER_SEEN)
#: Ancestor levels (platform → NVR → channel needs 2) followed when a parent is offline.
MAX_DEPTH = 8

#: Why a transition happened (kept in the recorded event's attrs).
FIRST_SIGHTING = "first_sighting"
NO_SIGHTINGS = "no_sightings"
SIGHTINGS = "sightings"
PARENT_OFFLINE = "parent_offline"


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """Thresholds of the rule: silence before offline, unbroken sightings before online."""

    offline_after: timedelta
    online_after: timedelta

    @classmethod
    def of_seconds(cls, offline_after: float, online_after: float) -> HealthPolicy:
        """A policy from thresholds in seconds (the settings' units)."""
        return cls(timedelta(seconds=offline_after), timedelta(seconds=online_after))


@dataclass(frozen=True, slots=True)
class Health:
    """The stored health columns of one camera."""

    status: str
    status_since: datetime
    last_seen: datetime | None = None
    seen_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """A new status, when it began and why."""

    status: str
    at: datetime
    reason: str


def own_transition(h: Health, now: datetime, policy: HealthPolicy) -> Transition | None:
    """The camera's transition from its own sightings alone; None when its status stands."""
    if h.status == ONLINE:
        ref = h.status_since if h.last_seen is None else max(h.last_seen, h.status_since)
        if now - ref > policy.offline_after:
            return Transition(OFFLINE, min(ref + policy.offline_after, now), NO_SIGHTINGS)
        return None
    if h.last_seen is None:
        return None
    fresh = now - h.last_seen <= policy.offline_after
    run_start = h.last_seen if h.seen_since is None else h.seen_since
    if h.status == NEVER_SEEN:
        if not fresh:
            return Transition(OFFLINE, min(h.last_seen + policy.offline_after, now), NO_SIGHTINGS)
        return Transition(ONLINE, min(run_start, now), FIRST_SIGHTING)
    if h.status == OFFLINE and fresh and h.last_seen - run_start >= policy.online_after:
        at = max(run_start + policy.online_after, h.status_since)
        return Transition(ONLINE, min(at, now), SIGHTINGS)
    return None


def next_status(
    h: Health,
    now: datetime,
    policy: HealthPolicy,
    ancestor_offline_since: datetime | None = None,
    ancestor_online_since: datetime | None = None,
) -> Transition | None:
    """The camera's transition given when its earliest offline ancestor went offline and
    when its latest online ancestor came online (None: no such ancestor); None when its
    status stands. A camera comes online no earlier than every online ancestor."""
    own = own_transition(h, now, policy)
    status = own.status if own else h.status
    if ancestor_offline_since is not None and status == ONLINE:
        if h.status == OFFLINE:
            return None
        since = own.at if own else h.status_since
        return Transition(OFFLINE, max(ancestor_offline_since, since), PARENT_OFFLINE)
    if own and own.status == ONLINE and ancestor_online_since is not None:
        return Transition(ONLINE, max(own.at, ancestor_online_since), own.reason)
    return own


@dataclass(frozen=True, slots=True)
class Camera:
    """A camera's health and the device it hangs under (NVR, platform), if any."""

    health: Health
    parent_id: str | None = None


def plan(
    cameras: Mapping[str, Camera], now: datetime, policy: HealthPolicy
) -> dict[str, Transition]:
    """The transitions of a set of cameras of one district (keyed by device ID) at ``now``."""
    own_next: dict[str, tuple[str, datetime]] = {}
    for device_id, cam in cameras.items():
        own = own_transition(cam.health, now, policy)
        own_next[device_id] = (
            (own.status, own.at)
            if own
            else (
                cam.health.status,
                cam.health.status_since,
            )
        )
    out: dict[str, Transition] = {}
    for device_id, cam in cameras.items():
        offline, online = _ancestors(cameras, own_next, cam.parent_id)
        step = next_status(cam.health, now, policy, offline, online)
        if step is not None:
            out[device_id] = step
    return out


def _ancestors(
    cameras: Mapping[str, Camera],
    own_next: Mapping[str, tuple[str, datetime]],
    parent_id: str | None,
) -> tuple[datetime | None, datetime | None]:
    """Among the registered ancestors (up to MAX_DEPTH levels), by their own rule: when the
    earliest offline one went offline, when the latest online one came online."""
    offline: datetime | None = None
    online: datetime | None = None
    current = parent_id
    for _ in range(MAX_DEPTH):
        if current is None or current not in cameras:
            break
        status, since = own_next[current]
        if status == OFFLINE:
            offline = since if offline is None else min(offline, since)
        elif status == ONLINE:
            online = since if online is None else max(online, since)
        current = cameras[current].parent_id
    return offline, online
