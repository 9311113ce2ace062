"""Creating, checking and revoking API keys."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine

from gridsvc.auth import Principal, Role, hash_key, new_key
from gridsvc.coding import Level, validate_code
from gridsvc.errors import InvalidInput, Unauthorized
from gridsvc.repositories import keys as keys_repo


def create_key(
    engine: Engine,
    role: str,
    *,
    name: str = "",
    district: str | None = None,
    grids: list[str] | None = None,
) -> tuple[str, str]:
    """Create a key; return (key, prefix). The key itself is shown once and never stored."""
    try:
        role_ = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role '{role}': use one of {allowed}") from None
    grids = list(grids or [])
    if role_ is Role.GRID_LEADER and not grids:
        raise InvalidInput("a grid_leader key needs at least one grid code (--grid CODE)")
    for code in grids:
        problem = validate_code(code, Level.GRID)
        if problem:
            raise InvalidInput(f"--grid {code}: {problem}")
    key, prefix, digest = new_key()
    with engine.begin() as conn:
        keys_repo.insert_key(
            conn, prefix=prefix, key_hash=digest, role=role_.value, name=name,
            district=district, grid_codes=grids,
        )  # fmt: skip
    return key, prefix


class PrincipalCache:
    """Recently checked keys, so a request does not cost a database round trip.

    A revoked key stops working within ``ttl_seconds``.
    """

    def __init__(self, ttl_seconds: float = 5.0, max_entries: int = 10_000):
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}

    def principal(self, engine: Engine, key: str) -> Principal:
        """The principal of ``key``, from the cache when checked within the TTL."""
        return self._cached("key:" + hash_key(key), lambda: principal_for(engine, key))

    def session(self, engine: Engine, prefix: str) -> Principal:
        """The principal of a session opened with key ``prefix`` (cached like keys)."""
        return self._cached("session:" + prefix, lambda: principal_for_session(engine, prefix))

    def _cached(self, slot: str, load: Callable[[], Principal]) -> Principal:
        now = time.monotonic()
        hit = self._entries.get(slot)
        if hit and now - hit[0] < self.ttl_seconds:
            return hit[1]
        principal = load()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[slot] = (now, principal)
        return principal


def principal_for(engine: Engine, key: str) -> Principal:
    """The principal a key stands for; Unauthorized when unknown or revoked."""
    with engine.connect() as conn:
        row = keys_repo.find_active(conn, hash_key(key))
    if row is None:
        raise Unauthorized("unknown or revoked API key")
    return _principal(row)


def principal_for_session(engine: Engine, prefix: str) -> Principal:
    """The principal of a session opened with the key ``prefix``; Unauthorized if revoked."""
    with engine.connect() as conn:
        row = keys_repo.find_active_by_prefix(conn, prefix)
    if row is None:
        raise Unauthorized("the session's API key was revoked: log in again")
    return _principal(row)


def _principal(row: dict) -> Principal:
    return Principal(
        key_prefix=row["prefix"],
        role=Role(row["role"]),
        district=row["district"],
        grid_codes=frozenset(row["grid_codes"] or ()),
    )
