"""Opening and ending browser login sessions, kept server-side and audited."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from gridsvc import sessions
from gridsvc.auth import Principal
from gridsvc.errors import Unauthorized
from gridsvc.repositories import sessions as sessions_repo
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.keys import PrincipalCache


def log_in(
    engine: Engine,
    cache: PrincipalCache,
    key: str,
    *,
    secret: str,
    hours: float,
    address: str | None,
) -> tuple[str, Principal]:
    """Check ``key`` and open a session; returns (cookie value, principal).

    Unauthorized for an unknown or revoked key (recorded as a refused login).
    """
    try:
        principal = cache.principal(engine, key)
    except Unauthorized:
        anonymous = Actor(audit.ANONYMOUS.name, None, address)
        audit.record(
            engine,
            anonymous,
            "session.login",
            object_type="session",
            outcome="refused",
            detail={"reason": "unknown or revoked key"},
        )
        raise
    token, id_hash = sessions.new_token(secret)
    with engine.begin() as conn:
        sessions_repo.prune(conn)
        sessions_repo.insert_session(
            conn, id_hash=id_hash, key_prefix=principal.key_prefix, hours=hours, address=address
        )
        _record(conn, "session.login", principal, address, detail={"hours": hours})
    return token, principal


def log_out(
    engine: Engine, cache: PrincipalCache, token: str | None, *, secret: str, address: str | None
) -> bool:
    """End the session of cookie ``token`` server-side; False when there was none live."""
    id_hash = sessions.verify(token, secret) if token else None
    if id_hash is None:
        return False
    cache.forget_session(id_hash)
    try:
        principal = cache.session(engine, id_hash)
    except Unauthorized:
        return False
    cache.forget_session(id_hash)
    with engine.begin() as conn:
        ended = sessions_repo.revoke(conn, id_hash) is not None
        if ended:
            _record(conn, "session.logout", principal, address)
    return ended


def _record(
    conn: Connection,
    action: str,
    principal: Principal,
    address: str | None,
    detail: dict | None = None,
) -> None:
    """Audit a session event of ``principal``'s key."""
    audit.record(
        conn,
        Actor.of(principal, address),
        action,
        object_type="key",
        object_ids=[principal.key_prefix],
        district=principal.district,
        detail=detail,
    )
