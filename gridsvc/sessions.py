"""Browser sessions: a signed cookie naming the API key it was opened with. Pure.

The cookie holds ``prefix.expiry.signature`` (HMAC-SHA256 over prefix and expiry), never
the key; revoking the key ends its sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import time

COOKIE = "gridsvc_session"


def sign(prefix: str, secret: str, hours: float, now: float | None = None) -> str:
    """A session token for the key ``prefix`` valid for ``hours``."""
    expiry = int((now if now is not None else time.time()) + hours * 3600)
    return f"{prefix}.{expiry}.{_mac(prefix, expiry, secret)}"


def verify(token: str, secret: str, now: float | None = None) -> str | None:
    """The key prefix of a valid, unexpired token, else None."""
    try:
        prefix, expiry_text, mac = token.split(".")
        expiry = int(expiry_text)
    except ValueError:
        return None
    if not hmac.compare_digest(mac, _mac(prefix, expiry, secret)):
        return None
    if expiry < (now if now is not None else time.time()):
        return None
    return prefix


def _mac(prefix: str, expiry: int, secret: str) -> str:
    return hmac.new(secret.encode(), f"{prefix}|{expiry}".encode(), hashlib.sha256).hexdigest()


def safe_next(target: str | None, default: str = "/map") -> str:
    """A same-site path to go to after login (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
