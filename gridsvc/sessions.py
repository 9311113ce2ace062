"""Browser sessions: the cookie carries a random session id, signed. Pure: no I/O.

The cookie holds ``<id>.<signature>`` (HMAC-SHA256 of the id), never the key. The server
keeps only the SHA-256 of the id with the session's key, expiry and revocation, so a
logout or a revoked key ends the session even for a replayed cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "gridsvc_session"


def new_token(secret: str) -> tuple[str, str]:
    """A fresh session: (cookie value, SHA-256 hex of the session id to store)."""
    session_id = secrets.token_urlsafe(32)
    return f"{session_id}.{_mac(session_id, secret)}", id_hash(session_id)


def verify(token: str, secret: str) -> str | None:
    """The stored hash of a well-signed token's session id, else None."""
    session_id, _, mac = token.partition(".")
    if not session_id or not mac or not hmac.compare_digest(mac, _mac(session_id, secret)):
        return None
    return id_hash(session_id)


def id_hash(session_id: str) -> str:
    """SHA-256 hex of a session id (ids are random, so no salt is needed)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def _mac(session_id: str, secret: str) -> str:
    return hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()


def safe_next(target: str | None, default: str = "/map") -> str:
    """A same-site path to go to after login (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
