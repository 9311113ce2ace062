from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.api.app import create_app
from gridsvc.db.connect import ensure_database, make_engine
from gridsvc.db.embedded import EmbeddedCluster
from gridsvc.db.migrate import upgrade
from gridsvc.demo.load import load_demo
from gridsvc.services.keys import create_key
from gridsvc.settings import Settings
from tests.conftest import READONLY_DISTRICT


@pytest.fixture(scope="session")
def client(database_url: str, demo_district: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, default_district=demo_district)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="session")
def first_grid(engine: Engine, demo_district: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT min(code) FROM units WHERE adcode = :a AND level = 'grid'"),
            {"a": demo_district},
        ).scalar_one()


@pytest.fixture(scope="session")
def keys(engine: Engine, first_grid: str) -> dict[str, str]:
    """One key per role; the grid leader's is scoped to the first grid."""
    out = {}
    for role in ("admin", "operator", "planner", "integrator"):
        out[role], _ = create_key(engine, role, name=f"test {role}")
    out["grid_leader"], _ = create_key(engine, "grid_leader", grids=[first_grid])
    return out


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def throwaway_demo(pg_cluster: EmbeddedCluster, name: str) -> Iterator[tuple[Engine, TestClient]]:
    """A database of its own in the test cluster, seeded like the read-only demo district
    (510104, seed 7), and a client of an app on it: for tests that write freely."""
    url = pg_cluster.url(name)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url, pool_size=2)
    try:
        with engine.connect() as conn:
            loaded = conn.execute(text("SELECT count(*) FROM units")).scalar_one()
        if not loaded:
            load_demo(engine, READONLY_DISTRICT, seed=7)
        settings = Settings(database_url=url, default_district=READONLY_DISTRICT)
        with TestClient(create_app(settings)) as c:
            yield engine, c
    finally:
        engine.dispose()
