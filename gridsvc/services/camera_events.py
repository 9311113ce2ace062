"""Recording camera events: resolve, check, place, store a batch in one transaction.

Every input (native JSON, ISAPI, ONVIF) hands its parsed items here. Per item: the camera is
found by its names in the caller's scope (404-coded ``unknown_camera`` otherwise), an
integrator key may push only for its own cameras (403-coded ``forbidden``), the time must lie
in the kept window (``out_of_window``), a repeat inside the batch is a duplicate. Heartbeats
are sightings only. The events are written with one COPY (or, when some were stored
already, one INSERT … ON CONFLICT DO NOTHING), then the batch's cameras are locked and their
last_seen / seen_since / alarms updated (the alarm rule may add derived events); all in one
transaction, so a result is returned only once it is committed. Cameras with plain
sightings that a concurrent batch holds are written just after (``camera_sightings``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from cameras.events import CameraEvent, ItemError
from gridsvc.auth import Action, Principal, Role, authorize
from gridsvc.repositories import camera_events as repo
from gridsvc.services import camera_sightings
from gridsvc.services.camera_directory import Ambiguous, CameraDirectory, CameraSummary
from gridsvc.services.camera_partitions import partitions, window_start

CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"
HEARTBEAT = "heartbeat"
FUTURE_LIMIT = timedelta(days=1)
ATTEMPTS = 3  # a deadlock with another writer of cameras, or a partition dropped meanwhile


@dataclass(slots=True)
class ItemResult:
    """What became of one item: created, duplicate or rejected (with its error)."""

    index: int
    status: str
    camera_id: str | None = None
    event_id: str | None = None
    error: ItemError | None = None

    def as_json(self) -> dict:
        out: dict = {"index": self.index, "status": self.status}
        if self.camera_id is not None:
            out["camera_id"] = self.camera_id
        if self.event_id is not None:
            out["event_id"] = self.event_id
        if self.error is not None:
            e = self.error
            out["error"] = {
                "code": e.code,
                "status": e.status,
                "field": e.field,
                "message": e.message,
            }
        return out


@dataclass(frozen=True)
class BatchResult:
    """Per-item results of a batch, in item order, and their counts."""

    results: list[ItemResult]
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counts = {CREATED: 0, DUPLICATE: 0, REJECTED: 0}
        for r in self.results:
            counts[r.status] += 1
        self.counts.update(counts)

    def as_json(self) -> dict:
        return {**self.counts, "results": [r.as_json() for r in self.results]}


@dataclass(slots=True)
class _Accepted:
    """An item that passed the checks, with its camera and idempotency key ("" = heartbeat)."""

    event: CameraEvent
    camera: CameraSummary
    key: str


def record_events(
    engine: Engine,
    directory: CameraDirectory,
    principal: Principal,
    items: Sequence[CameraEvent | ItemError],
    pictures: Mapping[str, tuple[str, bytes]] = {},  # noqa: B006 (never mutated)
) -> BatchResult:
    """Store a batch of parsed events for ``principal``; per-item results after the commit.

    ``pictures``: multipart part name → (content type, bytes), referenced by the events'
    ``pictures`` names.
    """
    authorize(principal, Action.PUSH_CAMERA_EVENTS)
    now = datetime.now(UTC)
    policy = directory.policy
    window = (window_start(now, policy.retention_days), now + FUTURE_LIMIT)
    directory.refresh()
    names = directory.names(principal.district)  # the common case, checked inline below
    own = principal.integrator if principal.role is Role.INTEGRATOR else False
    results: dict[int, ItemResult] = {}
    accepted: list[_Accepted] = []
    seen: set[tuple] = set()
    for item in items:
        if isinstance(item, ItemError):
            results[item.index] = ItemResult(item.index, REJECTED, error=item)
            continue
        refs = item.camera_refs
        camera = names.get(refs[0]) if names is not None and refs else None
        if (
            camera is None
            or (own is not False and (own is None or camera.integrator != own))
            or not window[0] <= item.occurred_at <= window[1]
        ):
            camera = _check(item, directory, principal, window)
        if isinstance(camera, ItemError):
            results[item.index] = ItemResult(item.index, REJECTED, error=camera)
            continue
        key = "" if item.type == HEARTBEAT else item.key()
        ident = (camera.adcode, camera.device_id, item.occurred_at, key)
        if key and ident in seen:
            results[item.index] = ItemResult(item.index, DUPLICATE, camera.device_id, key)
            continue
        seen.add(ident)
        accepted.append(_Accepted(item, camera, key))
    created = _store(engine, accepted, pictures, now, policy.offline_after) if accepted else set()
    every = len(created) == sum(1 for a in accepted if a.key)  # the usual case: all new
    for a in accepted:
        fresh = every or not a.key or (a.camera.device_id, a.event.occurred_at, a.key) in created
        status = CREATED if fresh else DUPLICATE
        results[a.event.index] = ItemResult(
            a.event.index, status, a.camera.device_id, a.key or None
        )
    return BatchResult([results[i] for i in sorted(results)])


def _check(
    event: CameraEvent,
    directory: CameraDirectory,
    principal: Principal,
    window: tuple[datetime, datetime],
) -> CameraSummary | ItemError:
    """The event's camera when the caller may push it now, else the item's error."""
    ref = event.camera_refs[0] if event.camera_refs else None
    try:
        found = directory.lookup(event.camera_refs, principal.district)
        if found is None and directory.refresh(directory.miss_recheck_seconds):
            found = directory.lookup(event.camera_refs, principal.district)
    except Ambiguous as exc:
        where = ", ".join(exc.districts)
        message = f"camera '{exc.ref}' is registered in several districts ({where}): "
        return _error(event, "ambiguous_camera", message + "use a district key", "camera", ref)
    if found is None:
        scope = f" in district {principal.district}" if principal.district else ""
        names = " or ".join(f"'{r}'" for r in event.camera_refs) or "(none)"
        message = f"no registered camera{scope} is named {names}"
        return _error(event, "unknown_camera", message, "camera", ref, 404)
    camera, name = found
    if principal.role is Role.INTEGRATOR:
        own = principal.integrator
        if own is None or camera.integrator != own:
            message = f"camera '{name}' is not one of integrator '{own or '(none)'}''s cameras"
            return _error(event, "forbidden", message, "camera", name, 403)
    at = event.occurred_at
    if at < window[0] or at > window[1]:
        message = (
            f"occurred_at {at.isoformat()} is outside the kept window "
            f"({window[0].isoformat()} to one day ahead)"
        )
        return _error(event, "out_of_window", message, "occurred_at", name)
    return camera


def _error(
    event: CameraEvent,
    code: str,
    message: str,
    field_: str,
    ref: str | None,
    status: int = 422,
) -> ItemError:
    return ItemError(event.index, code, f"item {event.index}: {message}", field_, ref, status)


def _store(
    engine: Engine,
    accepted: list[_Accepted],
    pictures: Mapping[str, tuple[str, bytes]],
    now: datetime,
    gap: timedelta,
) -> set[tuple[str, datetime, str]]:
    """Write the batch in one transaction; the keys of the events it created."""
    stored = [a for a in accepted if a.key]
    picture_rows, picture_ids = _pictures(stored, pictures)
    rows = _rows(stored, picture_ids)
    times = [a.event.occurred_at for a in accepted]
    first, last = repo.day_of(min(times)), repo.day_of(max(times))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    batches = _by_camera(accepted, None, now)  # before the transaction: it stays short
    for attempt in range(ATTEMPTS):
        partitions(engine).ensure(engine, days)
        try:
            with engine.begin() as conn:
                repo.insert_pictures(conn, picture_rows)
                created = repo.insert_events(conn, rows)
                if len(created) != len(rows):  # some were stored already
                    batches = _by_camera(accepted, created, now)
                outcome = camera_sightings.update_cameras(conn, batches, gap)
                extra = [_Accepted(e, camera, e.key()) for e, camera in outcome.derived]
                repo.insert_events(conn, _rows(extra, {}), again=True)
            break
        except (DBAPIError, psycopg.Error) as exc:
            error = exc.orig if isinstance(exc, DBAPIError) else exc
            retry = isinstance(error, pg_errors.DeadlockDetected | pg_errors.CheckViolation)
            if not retry or attempt == ATTEMPTS - 1:
                raise
            partitions(engine).forget()  # a check violation is an event without a partition
    camera_sightings.sightings_cache(engine).remember(outcome.known)
    camera_sightings.catch_up(engine, outcome.busy, gap)
    return created


def _by_camera(
    accepted: list[_Accepted], created: set | None, now: datetime
) -> dict[tuple[str, str], camera_sightings.CameraBatch]:
    """Each camera's sightings (times capped at now) and its created events and heartbeats
    (``created`` None: every event was)."""
    batches: dict[tuple[str, str], camera_sightings.CameraBatch] = {}
    for a in accepted:
        c = a.camera
        batch = batches.get((c.adcode, c.device_id))
        if batch is None:
            batch = batches[(c.adcode, c.device_id)] = camera_sightings.CameraBatch(c)
        at = a.event.occurred_at
        fresh = created is None or not a.key or (c.device_id, at, a.key) in created
        batch.add(a.event, at if at < now else now, fresh)
    return batches


def _pictures(
    stored: list[_Accepted], pictures: Mapping[str, tuple[str, bytes]]
) -> tuple[list[tuple[str, str, str, str, bytes]], dict[str, str]]:
    """Rows of the pictures the events reference, and part name → picture id."""
    ids: dict[str, str] = {}
    rows: dict[tuple[str, str], tuple[str, str, str, str, bytes]] = {}
    for a in stored:
        for name in a.event.pictures:
            if name not in pictures:
                continue
            content_type, data = pictures[name]
            pid = ids.setdefault(name, hashlib.sha256(data).hexdigest())
            rows[(a.camera.adcode, pid)] = (
                a.camera.adcode,
                pid,
                a.camera.device_id,
                content_type,
                data,
            )
    return list(rows.values()), ids


def _rows(stored: list[_Accepted], picture_ids: Mapping[str, str]) -> list[tuple]:
    """The insert's rows (``repo.COLUMNS`` order) for ``stored`` events."""
    dumps = orjson.dumps
    rows = []
    for a in stored:
        e, c = a.event, a.camera
        ids = [picture_ids[p] for p in e.pictures if p in picture_ids] if e.pictures else ()
        rows.append(
            (
                c.adcode,
                c.device_id,
                e.occurred_at,
                a.key,
                e.type,
                e.state,
                e.source,
                c.grid_code,
                c.h3,
                e.label,
                e.score,
                dumps(e.attrs).decode() if e.attrs else "{}",
                e.raw,
                repo.array_literal(ids) if ids else "{}",
            )
        )
    return rows
