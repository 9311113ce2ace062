"""API keys: hashed storage, revocation, and the short-lived principal cache."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text

from gridsvc import sessions
from gridsvc.auth import Role
from gridsvc.errors import InvalidInput, Unauthorized
from gridsvc.repositories import keys as keys_repo
from gridsvc.repositories import sessions as sessions_repo
from gridsvc.services.keys import PrincipalCache, create_key, principal_for, revoke_key


def test_only_the_hash_is_stored(engine: Engine) -> None:
    key, prefix = create_key(engine, "planner", name="qgis")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT * FROM api_keys WHERE prefix = :p"), {"p": prefix})
        row = stored.mappings().one()
    assert key not in str(dict(row)) and len(row["key_hash"]) == 64
    assert principal_for(engine, key).role is Role.PLANNER


def test_revoked_key_is_refused_after_the_cache_ttl(engine: Engine) -> None:
    key, prefix = create_key(engine, "operator")
    cache, uncached = PrincipalCache(ttl_seconds=60), PrincipalCache(ttl_seconds=0)
    assert cache.principal(engine, key).role is Role.OPERATOR
    with engine.begin() as conn:
        assert keys_repo.revoke(conn, prefix)
    assert cache.principal(engine, key).role is Role.OPERATOR  # within the TTL
    with pytest.raises(Unauthorized):
        uncached.principal(engine, key)


def test_grid_leader_needs_grids(engine: Engine) -> None:
    with pytest.raises(InvalidInput, match="at least one grid"):
        create_key(engine, "grid_leader")
    with pytest.raises(InvalidInput, match="15"):
        create_key(engine, "grid_leader", grids=["5303020010"])


def test_revocation_reaches_other_processes_within_the_ttl(engine: Engine) -> None:
    """Another process's cache (here: another PrincipalCache) refuses the key after its TTL."""
    key, prefix = create_key(engine, "operator")
    _, id_hash = sessions.new_token("secret")
    with engine.begin() as conn:
        sessions_repo.insert_session(
            conn, id_hash=id_hash, key_prefix=prefix, hours=1, address=None
        )
    other, here = PrincipalCache(ttl_seconds=0.3), PrincipalCache(ttl_seconds=60)
    for cache in (other, here):
        assert cache.principal(engine, key).key_prefix == prefix
        assert cache.session(engine, id_hash).key_prefix == prefix
    assert revoke_key(engine, prefix, cache=here)["sessions_ended"] == 1
    with pytest.raises(Unauthorized):
        here.principal(engine, key)  # dropped at once where it was revoked
    with pytest.raises(Unauthorized):
        here.session(engine, id_hash)
    assert other.principal(engine, key).key_prefix == prefix  # still within the TTL
    time.sleep(0.35)
    with pytest.raises(Unauthorized):
        other.principal(engine, key)
    with pytest.raises(Unauthorized):
        other.session(engine, id_hash)
