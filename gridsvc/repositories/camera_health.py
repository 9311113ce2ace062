"""Camera health in SQL: the set-based status sweep, its recorded events, the health summary.

SWEEP_SQL is the rule of cameras/health.py over every camera of a district (or all) in one
UPDATE … RETURNING: ``base`` applies each camera's own rule, ``up`` walks parents (up to
MAX_DEPTH levels), ``blocked`` finds the earliest offline ancestor, ``decided`` combines them.
The statement is its own arbiter against a concurrent sweep or event batch: it locks the rows
it changes with SKIP LOCKED (a row an event batch holds is decided by the next sweep; the
sweep never waits, so it cannot deadlock with the event path) and updates a row only if its
health columns are still those it decided on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, text

from cameras.health import MAX_DEPTH, OFFLINE, ONLINE, HealthPolicy

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
WITH RECURSIVE base AS (
  SELECT adcode, device_id, parent_id, status, status_since, last_seen, seen_since,
         {_OWN_STATUS} AS own_status,
         {_OWN_AT} AS own_at
  FROM cameras
  WHERE CAST(:adcode AS text) IS NULL OR adcode = :adcode
), own AS (
  SELECT *, COALESCE(own_status, status) AS next_status,
         CASE WHEN own_status IS NULL THEN status_since ELSE own_at END AS next_since
  FROM base
), up (adcode, device_id, ancestor, depth) AS (
  SELECT adcode, device_id, parent_id, 1 FROM own WHERE parent_id IS NOT NULL
  UNION ALL
  SELECT u.adcode, u.device_id, a.parent_id, u.depth + 1
  FROM up u JOIN own a ON a.adcode = u.adcode AND a.device_id = u.ancestor
  WHERE a.parent_id IS NOT NULL AND u.depth < {MAX_DEPTH}
), blocked AS (
  SELECT u.adcode, u.device_id, min(a.next_since) AS since
  FROM up u JOIN own a ON a.adcode = u.adcode AND a.device_id = u.ancestor
  WHERE a.next_status = 'offline'
  GROUP BY u.adcode, u.device_id
), decided AS (
  SELECT o.adcode, o.device_id, o.status, o.status_since, o.last_seen, o.seen_since,
         CASE WHEN forced THEN 'offline' ELSE o.next_status END AS final_status,
         CASE WHEN forced THEN GREATEST(b.since, o.next_since) ELSE o.next_since END
           AS final_since,
         CASE
           WHEN forced THEN 'parent_offline'
           WHEN o.status = 'never_seen' AND o.own_status = 'online' THEN 'first_sighting'
           WHEN o.own_status = 'online' THEN 'sightings'
           ELSE 'no_sightings'
         END AS reason
  FROM own o
  LEFT JOIN blocked b ON b.adcode = o.adcode AND b.device_id = o.device_id
  CROSS JOIN LATERAL (
    SELECT b.since IS NOT NULL AND o.next_status = 'online' AS forced
  ) f
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
)
UPDATE cameras c
SET status = d.final_status, status_since = d.final_since
FROM changed d
JOIN locked l ON l.adcode = d.adcode AND l.device_id = d.device_id
WHERE c.adcode = d.adcode AND c.device_id = d.device_id
  AND c.status = d.status AND c.status_since = d.status_since
  AND c.last_seen IS NOT DISTINCT FROM d.last_seen
  AND c.seen_since IS NOT DISTINCT FROM d.seen_since
RETURNING c.adcode, c.device_id, d.status AS previous, c.status, c.status_since AS at,
          d.reason, c.grid_code, c.h3
"""
)

INSERT_EVENTS_SQL = text(
    """
INSERT INTO camera_events
  (adcode, camera_id, occurred_at, event_id, type, source, grid_code, h3, attrs)
SELECT e.adcode, e.camera_id, e.occurred_at, e.event_id, e.type, 'system', e.grid_code, e.h3,
       jsonb_build_object('from', e.previous, 'reason', e.reason)
FROM unnest(
  CAST(:adcode AS text[]), CAST(:camera_id AS text[]), CAST(:occurred_at AS timestamptz[]),
  CAST(:event_id AS text[]), CAST(:type AS text[]), CAST(:grid_code AS text[]),
  CAST(:h3 AS bigint[]), CAST(:previous AS text[]), CAST(:reason AS text[])
) AS e(adcode, camera_id, occurred_at, event_id, type, grid_code, h3, previous, reason)
ON CONFLICT DO NOTHING
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

    @property
    def event_id(self) -> str:
        """The id of the transition's event: ``system:<status>:<UTC ISO time>``."""
        return f"system:{self.status}:{self.at.astimezone(UTC).isoformat()}"


def try_sweep_lock(conn: Connection) -> tuple[bool, datetime]:
    """Take the sweep's transaction-scoped advisory lock if free; (taken, database now)."""
    row = conn.execute(text("SELECT pg_try_advisory_xact_lock(:k), now()"), {"k": SWEEP_LOCK}).one()
    return bool(row[0]), row[1]


def apply_transitions(
    conn: Connection, now: datetime, policy: HealthPolicy, adcode: str | None = None
) -> list[StatusChange]:
    """Flip the status of every camera of ``adcode`` (None: all) whose rule says so at
    ``now``, in one statement; the changes made."""
    params = {"now": now, "off": policy.offline_after, "on": policy.online_after}
    rows = conn.execute(SWEEP_SQL, {**params, "adcode": adcode}).mappings()
    return [StatusChange(**row) for row in rows]


def record_changes(conn: Connection, changes: Sequence[StatusChange], since: datetime) -> int:
    """Insert the ``online``/``offline`` events of ``changes`` dated ``since`` or later (older
    ones fall outside the retention); creates the day partitions they need. Rows inserted."""
    kept = [c for c in changes if c.at >= since and c.status in (ONLINE, OFFLINE)]
    if not kept:
        return 0
    ensure_day_partitions(conn, {c.at.astimezone(UTC).date() for c in kept})
    columns = {
        "adcode": [c.adcode for c in kept],
        "camera_id": [c.device_id for c in kept],
        "occurred_at": [c.at for c in kept],
        "event_id": [c.event_id for c in kept],
        "type": [c.status for c in kept],
        "grid_code": [c.grid_code for c in kept],
        "h3": [c.h3 for c in kept],
        "previous": [c.previous for c in kept],
        "reason": [c.reason for c in kept],
    }
    return conn.execute(INSERT_EVENTS_SQL, columns).rowcount


def partition_name(day: date) -> str:
    """The daily partition of camera_events holding ``day`` (UTC)."""
    return f"camera_events_p{day:%Y%m%d}"


def ensure_day_partitions(conn: Connection, days: Iterable[date]) -> None:
    """Create the missing daily partitions of camera_events for ``days`` (UTC).

    Local helper until the event core's partition function is merged (same names, same
    bounds); existing partitions are skipped without taking any lock on camera_events.
    """
    wanted = {partition_name(d): d for d in days}
    existing = set(
        conn.execute(
            text("SELECT relname FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(wanted)},
        ).scalars()
    )
    for name, day in sorted(wanted.items()):
        if name in existing:
            continue
        start, end = day.isoformat(), (day + timedelta(days=1)).isoformat()
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF camera_events "
                f"FOR VALUES FROM ('{start} 00:00+00') TO ('{end} 00:00+00')"
            )
        )


_SCOPE = "c.adcode = :adcode AND (CAST(:grids AS text[]) IS NULL OR c.grid_code = ANY(:grids))"

COUNTS_SQL = text(
    f"""
SELECT GROUPING(c.department) = 0 AS by_department, GROUPING(c.grid_code) = 0 AS by_grid,
       c.department, c.grid_code, c.status, count(*) AS n
FROM cameras c
WHERE {_SCOPE}
GROUP BY GROUPING SETS ((c.status), (c.department, c.status), (c.grid_code, c.status))
"""
)

ALARM_COUNTS_SQL = text(
    f"""
SELECT a.alarm, count(*) AS n
FROM cameras c CROSS JOIN LATERAL unnest(c.alarms) AS a(alarm)
WHERE {_SCOPE}
GROUP BY a.alarm
"""
)

#: Since when each alarm is active: its first ``active`` event after its last ``inactive``.
ALARMED_SQL = text(
    f"""
WITH pairs AS (
  SELECT c.adcode, c.device_id, c.name, c.department, c.grid_code, a.alarm
  FROM cameras c CROSS JOIN LATERAL unnest(c.alarms) AS a(alarm)
  WHERE {_SCOPE}
  ORDER BY c.device_id, a.alarm
  LIMIT :limit
)
SELECT p.device_id, p.name, p.department, p.grid_code, p.alarm,
       (SELECT min(e.occurred_at) FROM camera_events e
        WHERE e.adcode = p.adcode AND e.camera_id = p.device_id AND e.type = p.alarm
          AND e.state = 'active'
          AND e.occurred_at > COALESCE(
            (SELECT max(i.occurred_at) FROM camera_events i
             WHERE i.adcode = p.adcode AND i.camera_id = p.device_id AND i.type = p.alarm
               AND i.state = 'inactive'),
            '-infinity')) AS since
FROM pairs p
ORDER BY since NULLS LAST, p.device_id, p.alarm
"""
)

OFFLINE_LONGEST_SQL = text(
    f"""
SELECT c.device_id, c.name, c.department, c.grid_code, c.status_since AS since, c.last_seen
FROM cameras c
WHERE {_SCOPE} AND c.status = 'offline'
ORDER BY c.status_since, c.device_id
LIMIT :limit
"""
)


def status_counts(conn: Connection, adcode: str, grids: Sequence[str] | None) -> list[dict]:
    """Cameras per status: overall, per department and per grid (rows flagged by_department
    or by_grid), of district ``adcode`` or of ``grids`` only."""
    params = {"adcode": adcode, "grids": None if grids is None else list(grids)}
    return [dict(r) for r in conn.execute(COUNTS_SQL, params).mappings()]


def alarm_counts(conn: Connection, adcode: str, grids: Sequence[str] | None) -> dict[str, int]:
    """Cameras with each active alarm (video_loss, tamper)."""
    params = {"adcode": adcode, "grids": None if grids is None else list(grids)}
    return {r.alarm: r.n for r in conn.execute(ALARM_COUNTS_SQL, params)}


def alarmed(conn: Connection, adcode: str, grids: Sequence[str] | None, limit: int) -> list[dict]:
    """Up to ``limit`` (camera, active alarm) pairs with the time the alarm began (None when
    its events are past the retention), longest first."""
    params = {"adcode": adcode, "grids": None if grids is None else list(grids), "limit": limit}
    return [dict(r) for r in conn.execute(ALARMED_SQL, params).mappings()]


def offline_longest(
    conn: Connection, adcode: str, grids: Sequence[str] | None, limit: int
) -> list[dict]:
    """The ``limit`` cameras offline the longest (earliest status_since first)."""
    params = {"adcode": adcode, "grids": None if grids is None else list(grids), "limit": limit}
    return [dict(r) for r in conn.execute(OFFLINE_LONGEST_SQL, params).mappings()]
