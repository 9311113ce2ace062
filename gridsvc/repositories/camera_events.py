"""camera_events and its daily partitions, camera sightings, camera_pictures: the SQL.

A batch is written with one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT DO NOTHING
RETURNING the keys it created (the rest were there already); its cameras are locked in key
order (no deadlock between concurrent batches), read, and updated with one UPDATE.
Partitions are named ``camera_events_pYYYYMMDD`` (UTC days) and created on demand, under an
advisory lock so that concurrent creators wait for each other instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from psycopg import errors as pg_errors
from sqlalchemy import Connection

PARENT = "camera_events"
_PARTITION = re.compile(r"^camera_events_p(\d{8})$")
_CREATE_LOCK = 7_700_009  # advisory lock key serialising partition DDL

COLUMNS = (
    "adcode",
    "camera_id",
    "occurred_at",
    "event_id",
    "type",
    "state",
    "source",
    "grid_code",
    "h3",
    "label",
    "score",
    "attrs",
    "raw",
    "pictures",
)
#: The staging table a batch is copied into (binary COPY: no escaping in Python), per session.
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS camera_events_stage (
  adcode text, camera_id text, occurred_at timestamptz, event_id text, type text, state text,
  source text, grid_code text, h3 int8, label text, score float8, attrs text, raw text,
  pictures text
) ON COMMIT DELETE ROWS
"""
STAGE_TYPES = ("text", "text", "timestamptz", "text", "text", "text", "text", "text", "int8")
STAGE_TYPES += ("text", "float8", "text", "text", "text")
_INSERT = f"""
INSERT INTO camera_events ({", ".join(COLUMNS)})
SELECT adcode, camera_id, occurred_at, event_id, type, state, source, grid_code, h3, label,
       score, attrs::jsonb, raw, pictures::text[]
FROM camera_events_stage
ON CONFLICT DO NOTHING
RETURNING camera_id, occurred_at, event_id
"""
_COPY = f"COPY camera_events ({', '.join(COLUMNS)}) FROM STDIN"
_LOCK_CAMERAS = """
SELECT c.adcode, c.device_id, c.last_seen, c.seen_since, c.alarms
FROM cameras c JOIN unnest(%b::text[], %b::text[]) AS v(a, d)
  ON c.adcode = v.a AND c.device_id = v.d
ORDER BY c.adcode, c.device_id
FOR NO KEY UPDATE OF c"""
_UPDATE_CAMERAS = """
UPDATE cameras c SET last_seen = v.l, seen_since = v.s, alarms = v.al::text[]
FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::timestamptz[], %b::text[])
     AS v(a, d, l, s, al)
WHERE c.adcode = v.a AND c.device_id = v.d
"""
_PICTURES = """
INSERT INTO camera_pictures (adcode, picture_id, camera_id, content_type, size, data)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::int4[], %s::bytea[])
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True, slots=True)
class Sighting:
    """A camera's health fields as stored: last seen, seen since, active alarms."""

    adcode: str
    device_id: str
    last_seen: datetime | None
    seen_since: datetime | None
    alarms: tuple[str, ...]


def partition_name(day: date) -> str:
    """The partition holding the events of one UTC day."""
    return f"{PARENT}_p{day:%Y%m%d}"


def day_of(at: datetime) -> date:
    """The UTC day of an instant."""
    return at.astimezone(UTC).date()


def existing_partitions(conn: Connection) -> dict[str, date]:
    """The daily partitions of camera_events that exist now, by name."""
    rows = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'camera_events'::regclass"
    )
    found = {}
    for (name,) in rows:
        match = _PARTITION.match(name)
        if match:
            found[name] = datetime.strptime(match.group(1), "%Y%m%d").date()
    return found


def create_partition(conn: Connection, day: date) -> None:
    """Create the partition of ``day`` unless it exists (inside the caller's transaction,
    which should be short: attaching a partition locks the parent table)."""
    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
    start = datetime.combine(day, time(), UTC)
    end = start + timedelta(days=1)
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF {PARENT} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


def drop_partition(conn: Connection, name: str) -> None:
    """Drop one daily partition (its events go with it)."""
    if not _PARTITION.match(name):
        raise ValueError(f"not a camera-event partition: {name}")
    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def insert_events(
    conn: Connection, rows: Sequence[tuple], *, again: bool = False
) -> set[tuple[str, datetime, str]]:
    """Insert rows (``COLUMNS`` order, ``attrs`` as JSON text, ``pictures`` as an array
    literal) that are not stored yet; the (camera_id, occurred_at, event_id) of those created.

    New rows go in with COPY (batched inserts, about twice as fast as INSERT … ON CONFLICT)
    inside a savepoint; when one of them is stored already (a resend), the savepoint is
    rolled back and the batch goes through the staging table and INSERT … ON CONFLICT DO
    NOTHING RETURNING. ``again``: a second call in the same transaction.
    """
    if not rows:
        return set()
    try:
        with conn.begin_nested():
            copy_events(conn, rows)
        return {(r[1], r[2], r[3]) for r in rows}
    except pg_errors.UniqueViolation:
        pass  # a resend: rolled back to the savepoint
    return insert_new(conn, rows, again=again)


def copy_events(conn: Connection, rows: Sequence[tuple]) -> None:
    """COPY rows straight into camera_events (fails on a row stored already)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(_COPY) as copy:
        for row in rows:
            copy.write_row(row)


def insert_new(
    conn: Connection, rows: Sequence[tuple], *, again: bool = False
) -> set[tuple[str, datetime, str]]:
    """Binary COPY into the session's staging table (emptied at commit), then one
    INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING the keys it created."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(_STAGE)  # the session may not have made it yet, even when ``again``
        if again:
            cur.execute("DELETE FROM camera_events_stage")
        with cur.copy("COPY camera_events_stage FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(STAGE_TYPES)
            for row in rows:
                copy.write_row(row)
        cur.execute(_INSERT)
        return set(cur.fetchall())


def lock_cameras(
    conn: Connection, keys: Iterable[tuple[str, str]], *, skip_locked: bool = False
) -> list[Sighting]:
    """Lock the cameras (adcode, device_id) in key order and read their health fields;
    ``skip_locked``: leave out those another transaction holds instead of waiting."""
    adcodes, ids = _split(sorted(set(keys)))
    if not ids:
        return []
    sql = _LOCK_CAMERAS + (" SKIP LOCKED" if skip_locked else "")
    with conn.connection.driver_connection.cursor() as cur:  # %b: binary, no text escaping
        rows = cur.execute(sql, (adcodes, ids)).fetchall()
    return [Sighting(a, d, last, since, tuple(al or ())) for a, d, last, since, al in rows]


def update_cameras(conn: Connection, sightings: Sequence[Sighting]) -> None:
    """Write the cameras' last_seen, seen_since and alarms (one statement)."""
    if not sightings:
        return
    params = (
        [s.adcode for s in sightings],
        [s.device_id for s in sightings],
        [s.last_seen for s in sightings],
        [s.seen_since for s in sightings],
        [array_literal(s.alarms) for s in sightings],
    )
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(_UPDATE_CAMERAS, params)


def insert_pictures(conn: Connection, rows: Sequence[tuple[str, str, str, str, bytes]]) -> None:
    """Store pictures (adcode, picture_id, camera_id, content_type, data) not stored yet."""
    if not rows:
        return
    adcodes, ids, cams, types, data = (list(col) for col in zip(*rows, strict=True))
    conn.exec_driver_sql(_PICTURES, (adcodes, ids, cams, types, [len(d) for d in data], data))


def array_literal(values: Iterable[str]) -> str:
    """A text[] literal of simple tokens (alarm names, hex ids): ``{a,b}``."""
    return "{" + ",".join(values) + "}"


def _split(keys: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [k[0] for k in keys], [k[1] for k in keys]
