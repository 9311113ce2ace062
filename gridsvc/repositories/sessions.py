"""Login sessions: stored by the hash of their id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.sql import func

from gridsvc.db.models import ApiKey, LoginSession


def insert_session(
    conn: Connection, *, id_hash: str, key_prefix: str, hours: float, address: str | None
) -> None:
    """Store a new session of the key ``key_prefix`` expiring in ``hours``."""
    conn.execute(
        insert(LoginSession).values(
            id_hash=id_hash,
            key_prefix=key_prefix,
            expires_at=func.now() + timedelta(hours=hours),
            last_address=address,
        )
    )


def find_live(conn: Connection, id_hash: str) -> dict | None:
    """The key (prefix, role, district, grids) of an unexpired, unrevoked session of an
    unrevoked key, with the session's last address; else None."""
    s, k = LoginSession, ApiKey
    row = (
        conn.execute(
            select(k.prefix, k.role, k.district, k.grid_codes, k.integrator, s.last_address)
            .join(k, k.prefix == s.key_prefix)
            .where(
                s.id_hash == id_hash,
                s.revoked_at.is_(None),
                s.expires_at > func.now(),
                k.revoked_at.is_(None),
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def touch(conn: Connection, id_hash: str, address: str | None) -> None:
    """Record the address a session was last used from."""
    conn.execute(
        update(LoginSession).where(LoginSession.id_hash == id_hash).values(last_address=address)
    )


def revoke(conn: Connection, id_hash: str) -> str | None:
    """End one session; returns its key prefix, or None when it was not live."""
    return conn.execute(
        update(LoginSession)
        .where(LoginSession.id_hash == id_hash, LoginSession.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(LoginSession.key_prefix)
    ).scalar_one_or_none()


def revoke_for_key(conn: Connection, key_prefix: str) -> int:
    """End every live session opened with the key ``key_prefix``; returns how many."""
    result = conn.execute(
        update(LoginSession)
        .where(LoginSession.key_prefix == key_prefix, LoginSession.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return result.rowcount


def prune(conn: Connection, older_than_days: float = 30) -> int:
    """Forget sessions that expired more than ``older_than_days`` ago; returns how many."""
    cutoff = func.now() - timedelta(days=older_than_days)
    return conn.execute(delete(LoginSession).where(LoginSession.expires_at < cutoff)).rowcount
