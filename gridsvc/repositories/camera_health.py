"""Camera health in SQL: the set-based status sweep and the events recording its changes.

SWEEP_SQL is the rule of cameras/health.py over every camera of a district (or all) in one
UPDATE … RETURNING. ``base`` keeps the cameras whose own rule fires and those offline (one
scan, a few rows in steady state); ``down`` walks from the cameras offline by their own rule
to their descendants (channels, up to MAX_DEPTH levels, by the parent index); ``blocked`` is
each descendant's earliest offline ancestor; ``up``/``raised`` walk up from the cameras coming
online to the latest time an ancestor came online; ``decided`` combines them: the own rule's
transitions (an online one turned offline below an offline ancestor, or dated no earlier
than its ancestors came online) and the online cameras taken offline by an ancestor alone.
The statement is its own arbiter against a concurrent sweep or event batch: it locks the rows
it changes with SKIP LOCKED (a row an event batch holds is decided by the next sweep; the
sweep never waits, so it cannot deadlock with the event path) and updates a row only if its
health columns are still those it decided on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from cameras.health import MAX_DEPTH, HealthPolicy
from gridsvc.repositories import camera_events as events_repo

#: Advisory lock held by the sweeping transaction (one sweep at a time across processes).
SWEEP_LOCK = 0x67_72_69_64_63_61_6D  # "gridcam"

_OWN_STATUS = """
    CASE
      WHEN status = 'online' THEN
        CASE WHEN :now - GREATEST(last_seen, status_since) > :off THEN 'offline' END
      WHEN last_seen IS NULL THEN NULL
      WHEN status = 'never_seen' THEN
        CASE WHEN :now - last_seen > :off THEN 'offline' ELSE 'online' END
      WHEN status = 'offline' AND :now - last_seen <= :off
           AND last_seen - COALESCE(seen_since, last_seen) >= :on THEN 'online'
    END"""
_OWN_AT = """
    CASE
      WHEN status = 'online' THEN LEAST(GREATEST(last_seen, status_since) + :off, :now)
      WHEN status = 'never_seen' AND :now - last_seen > :off THEN LEAST(last_seen + :off, :now)
      WHEN status = 'never_seen' THEN LEAST(COALESCE(seen_since, last_seen), :now)
      ELSE LEAST(GREATEST(COALESCE(seen_since, last_seen) + :on, status_since), :now)
    END"""

SWEEP_SQL = text(
    f"""
WITH RECURSIVE base AS MATERIALIZED (
  SELECT * FROM (
    SELECT adcode, device_id, parent_id, status, status_since, last_seen, seen_since,
           {_OWN_STATUS} AS own_status,
           {_OWN_AT} AS own_at
    FROM cameras
    WHERE (CAST(:adcode AS text) IS NULL OR adcode = :adcode)
      -- implied by the rule, written so the planner sees how few rows qualify
      AND (status <> 'online'
           OR status_since < :cutoff AND (last_seen IS NULL OR last_seen < :cutoff))
  ) s
  WHERE own_status IS NOT NULL OR status = 'offline'
), down (adcode, device_id, since, depth) AS (
  SELECT c.adcode, c.device_id,
         CASE WHEN b.own_status IS NULL THEN b.status_since ELSE b.own_at END, 1
  FROM base b JOIN cameras c ON c.adcode = b.adcode AND c.parent_id = b.device_id
  WHERE COALESCE(b.own_status, b.status) = 'offline'
  UNION ALL
  SELECT c.adcode, c.device_id, d.since, d.depth + 1
  FROM down d JOIN cameras c ON c.adcode = d.adcode AND c.parent_id = d.device_id
  WHERE d.depth < {MAX_DEPTH}
), blocked AS (
  SELECT adcode, device_id, min(since) AS since FROM down GROUP BY adcode, device_id
), up (adcode, device_id, ancestor, depth) AS (
  SELECT adcode, device_id, parent_id, 1
  FROM base WHERE own_status = 'online' AND parent_id IS NOT NULL
  UNION ALL
  SELECT u.adcode, u.device_id, a.parent_id, u.depth + 1
  FROM up u JOIN cameras a ON a.adcode = u.adcode AND a.device_id = u.ancestor
  WHERE a.parent_id IS NOT NULL AND u.depth < {MAX_DEPTH}
), raised AS (
  SELECT u.adcode, u.device_id,
         max(CASE WHEN b.own_status IS NULL THEN a.status_since ELSE b.own_at END) AS since
  FROM up u
  JOIN cameras a ON a.adcode = u.adcode AND a.device_id = u.ancestor
  LEFT JOIN base b ON b.adcode = a.adcode AND b.device_id = a.device_id
  WHERE COALESCE(b.own_status, a.status) = 'online'
  GROUP BY u.adcode, u.device_id
), decided AS (
  SELECT b.adcode, b.device_id, b.status, b.status_since, b.last_seen, b.seen_since,
         CASE WHEN forced THEN 'offline' ELSE b.own_status END AS final_status,
         CASE
           WHEN forced THEN GREATEST(k.since, b.own_at)
           WHEN b.own_status = 'online' THEN GREATEST(b.own_at, r.since)
           ELSE b.own_at
         END AS final_since,
         CASE
           WHEN forced THEN 'parent_offline'
           WHEN b.status = 'never_seen' AND b.own_status = 'online' THEN 'first_sighting'
           WHEN b.own_status = 'online' THEN 'sightings'
           ELSE 'no_sightings'
         END AS reason
  FROM base b
  LEFT JOIN blocked k ON k.adcode = b.adcode AND k.device_id = b.device_id
  LEFT JOIN raised r ON r.adcode = b.adcode AND r.device_id = b.device_id
  CROSS JOIN LATERAL (SELECT k.since IS NOT NULL AND b.own_status = 'online' AS forced) f
  WHERE b.own_status IS NOT NULL
  UNION ALL
  SELECT c.adcode, c.device_id, c.status, c.status_since, c.last_seen, c.seen_since,
         'offline', GREATEST(k.since, c.status_since), 'parent_offline'
  FROM blocked k JOIN cameras c ON c.adcode = k.adcode AND c.device_id = k.device_id
  WHERE c.status = 'online'  -- and its own rule stands (else it is in the part above)
    AND :now - GREATEST(c.last_seen, c.status_since) <= :off
), changed AS (
  SELECT * FROM decided WHERE final_status <> status
), locked AS (
  SELECT c.adcode, c.device_id
  FROM cameras c
  JOIN changed d ON d.adcode = c.adcode AND d.device_id = c.device_id
  WHERE c.status = d.status AND c.status_since = d.status_since
    AND c.last_seen IS NOT DISTINCT FROM d.last_seen
    AND c.seen_since IS NOT DISTINCT FROM d.seen_since
  FOR UPDATE OF c SKIP LOCKED
), moved AS (
  UPDATE cameras c
  SET status = d.final_status, status_since = d.final_since
  FROM changed d
  JOIN locked l ON l.adcode = d.adcode AND l.device_id = d.device_id
  WHERE c.adcode = d.adcode AND c.device_id = d.device_id
    AND c.status = d.status AND c.status_since = d.status_since
    AND c.last_seen IS NOT DISTINCT FROM d.last_seen
    AND c.seen_since IS NOT DISTINCT FROM d.seen_since
  RETURNING c.adcode, c.device_id, d.status AS previous, c.status, c.status_since AS at,
            d.reason, c.grid_code, c.h3,
            'system:' || c.status || ':'
              || to_char(c.status_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
              AS event_id
), recorded AS (
  INSERT INTO camera_events
    (adcode, camera_id, occurred_at, event_id, type, source, grid_code, h3, attrs)
  SELECT adcode, device_id, at, event_id, status, 'system', grid_code, h3,
         jsonb_build_object('from', previous, 'reason', reason)
  FROM moved
  WHERE at >= :since
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT m.*, (SELECT count(*) FROM recorded) AS recorded FROM moved m
"""
)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One camera's recorded transition (from ``previous`` to ``status`` at ``at``)."""

    adcode: str
    device_id: str
    previous: str
    status: str
    at: datetime
    reason: str
    grid_code: str | None
    h3: int | None
    event_id: str  # of its event: system:<status>:<UTC time to the microsecond>Z


def try_sweep_lock(conn: Connection) -> tuple[bool, datetime]:
    """Take the sweep's transaction-scoped advisory lock if free; (taken, database now)."""
    row = conn.execute(text("SELECT pg_try_advisory_xact_lock(:k), now()"), {"k": SWEEP_LOCK}).one()
    return bool(row[0]), row[1]


def sweep(
    conn: Connection,
    now: datetime,
    policy: HealthPolicy,
    adcode: str | None = None,
    record_since: datetime | None = None,
) -> tuple[list[StatusChange], int]:
    """Flip the status of every camera of ``adcode`` (None: all) whose rule says so at
    ``now`` and record each change dated ``record_since`` or later (older ones fall outside
    the retention) as an event, in one statement; (changes, events recorded).

    Transitions almost always fall today or yesterday (UTC), whose partitions are made sure
    of first; one older (after a long outage) makes the statement fail, and it runs again
    once every day from ``record_since`` to ``now`` has its partition.
    """
    since = record_since or now - timedelta(days=1)
    # the recursive CTE's row estimates are far too high: JIT would cost seconds, not save any
    conn.execute(text("SELECT set_config('jit', 'off', true)"))
    ensure_day_partitions(conn, _days(max(since, now - timedelta(days=1)), now))
    params = {
        "now": now,
        "cutoff": now - policy.offline_after,
        "off": policy.offline_after,
        "on": policy.online_after,
        "adcode": adcode,
        "since": since,
    }
    try:
        with conn.begin_nested():
            rows = conn.execute(SWEEP_SQL, params).mappings().all()
    except IntegrityError as exc:
        if "no partition" not in str(exc.orig):
            raise
        ensure_day_partitions(conn, _days(since, now))
        rows = conn.execute(SWEEP_SQL, params).mappings().all()
    recorded = rows[0]["recorded"] if rows else 0
    return [StatusChange(**{k: v for k, v in r.items() if k != "recorded"}) for r in rows], recorded


def _days(start: datetime, end: datetime) -> list[date]:
    """The UTC days from ``start`` to ``end``, both included."""
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def ensure_day_partitions(conn: Connection, days: Iterable[date]) -> None:
    """Create the missing daily partitions of camera_events for ``days`` (UTC), inside the
    caller's transaction; existing ones are skipped without taking any lock."""
    wanted = {events_repo.partition_name(d): d for d in days}
    existing = set(
        conn.execute(
            text("SELECT relname FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(wanted)},
        ).scalars()
    )
    for name, day in sorted(wanted.items()):
        if name not in existing:
            events_repo.create_partition(conn, day)
