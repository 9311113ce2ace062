"""Camera health as the summary reads it: status counts, active alarms, cameras offline."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

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
