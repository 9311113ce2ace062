"""API keys: hashed storage, revocation, and the short-lived principal cache."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from gridsvc.auth import Role
from gridsvc.errors import InvalidInput, Unauthorized
from gridsvc.repositories import keys as keys_repo
from gridsvc.services.keys import PrincipalCache, create_key, principal_for


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
