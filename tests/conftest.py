"""Shared fixtures: a throwaway PostGIS cluster (real PostgreSQL, fsync off) per test run.

The cluster holds one read-only district (510104, generated from seed 7) loaded once per
session; tests that write use other districts or their own keys and clean up after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gridsvc.db.connect import ensure_database, make_engine
from gridsvc.db.embedded import EmbeddedCluster, throwaway_cluster
from gridsvc.db.migrate import upgrade

READONLY_DISTRICT = "510104"
SCRATCH_DISTRICT = "350205"
#: Tables emptied after every module, whichever district their rows are in.
CAMERA_TABLES = frozenset(
    {"cameras", "camera_aliases", "camera_events", "camera_pictures", "grid_coverage"}
)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedCluster]:
    with throwaway_cluster(prefix="gridsvc-test-") as cluster:
        yield cluster


@pytest.fixture(scope="session")
def database_url(pg_cluster: EmbeddedCluster) -> str:
    url = pg_cluster.url("gridsvc_test")
    ensure_database(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url, pool_size=4)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_district(engine: Engine) -> str:
    """District 510104 with generated streets, communities and grids (read-only)."""
    from gridsvc.demo.load import load_demo

    load_demo(engine, READONLY_DISTRICT, seed=7)
    return READONLY_DISTRICT


def wipe_scratch(engine: Engine) -> None:
    """Delete every row outside the read-only district."""
    from gridsvc.db.models import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in CAMERA_TABLES:
                conn.execute(table.delete())  # the read-only district has no cameras
            elif "adcode" in table.c:
                conn.execute(table.delete().where(table.c.adcode != READONLY_DISTRICT))


@pytest.fixture
def scratch(engine: Engine) -> Iterator[Engine]:
    """The engine, with every row outside the read-only district deleted afterwards."""
    yield engine
    wipe_scratch(engine)


@pytest.fixture(scope="module")
def module_scratch(engine: Engine) -> Iterator[Engine]:
    """Per test module: whatever the module wrote outside the read-only district is deleted
    when it ends (used autouse by the database, API and end-to-end tiers)."""
    yield engine
    wipe_scratch(engine)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(__file__).parent / "data"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under CI (``CI`` set) an end-to-end test that skips (no browser, no server) fails."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CI") and item.get_closest_marker("e2e"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"end-to-end test skipped while CI is set: {reason}"
