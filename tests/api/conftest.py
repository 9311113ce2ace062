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


@pytest.fixture(scope="module", autouse=True)
def _module_state(module_scratch: object) -> None:
    """Each test module starts from the read-only district alone and leaves nothing behind."""


@pytest.fixture(scope="session")
def client(database_url: str, demo_district: str) -> Iterator[TestClient]:
    # the camera health sweeper stays idle here: modules that push events see only their own
    settings = Settings(
        database_url=database_url, default_district=demo_district, camera_sweep_seconds=3600
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="session")
def first_grid(engine: Engine, demo_district: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT min(code) FROM units WHERE adcode = :a AND level = 'grid'"),
            {"a": demo_district},
        ).scalar_one()


@pytest.fixture(scope="module")
def keys(engine: Engine, first_grid: str) -> Iterator[dict[str, str]]:
    """One key per role for this test module (the grid leader's scoped to the first grid);
    revoked when the module ends, so no module depends on another's keys."""
    out, prefixes = {}, []
    for role in ("admin", "operator", "planner", "integrator"):
        out[role], prefix = create_key(engine, role, name=f"test {role}")
        prefixes.append(prefix)
    out["grid_leader"], prefix = create_key(engine, "grid_leader", grids=[first_grid])
    yield out
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE api_keys SET revoked_at = now() WHERE prefix = ANY(:p)"),
            {"p": [*prefixes, prefix]},
        )


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


SAME_SITE = {"Origin": "http://testserver"}  # what a browser sends with a form of this site


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
