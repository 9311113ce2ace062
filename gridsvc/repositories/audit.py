"""The append-only audit log: insert and query, nothing else (the database refuses changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, any_, func, insert, literal, select

from gridsvc.db.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read; None = any. ``district`` limits to one district's entries."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    district: str | None = None
    since: datetime | None = None
    until: datetime | None = None


#: One statement, compiled once (values are bound per call): an entry costs one round trip.
_INSERT = insert(AuditEntry.__table__).returning(AuditEntry.__table__.c.entry_id)


def insert_entry(conn: Connection, **values: object) -> int:
    """Append one entry; returns its id."""
    return conn.execute(_INSERT, values).scalar_one()


def _where(f: AuditFilter) -> list:
    e = AuditEntry
    conditions = [
        e.actor == f.actor if f.actor else None,
        e.action == f.action if f.action else None,
        e.object_type == f.object_type if f.object_type else None,
        literal(f.object_id) == any_(e.object_ids) if f.object_id else None,
        e.district == f.district if f.district else None,
        e.at >= f.since if f.since else None,
        e.at < f.until if f.until else None,
    ]
    return [c for c in conditions if c is not None]


def find_entries(conn: Connection, f: AuditFilter, *, limit: int, offset: int) -> list[dict]:
    """Entries matching ``f``, newest first."""
    rows = conn.execute(
        select(AuditEntry.__table__)
        .where(*_where(f))
        .order_by(AuditEntry.at.desc(), AuditEntry.entry_id.desc())
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(r) for r in rows]


def count_entries(conn: Connection, f: AuditFilter) -> int:
    """How many entries match ``f``."""
    return conn.execute(select(func.count()).select_from(AuditEntry).where(*_where(f))).scalar_one()
