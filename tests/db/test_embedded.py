"""The embedded cluster: init, start on a free port, reuse the data, stop."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from gridsvc.db.connect import ensure_database
from gridsvc.db.embedded import EmbeddedCluster, find_bindir
from gridsvc.errors import ConfigurationError


@pytest.fixture
def workdir():  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="gridsvc-emb-"))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_lifecycle_persists_data(workdir: Path) -> None:
    cluster = EmbeddedCluster(datadir=workdir / "pg", bindir=find_bindir(), fast=True)
    assert not cluster.initialised and not cluster.running()
    port = cluster.start()
    try:
        assert cluster.running() and cluster.port() == port
        assert cluster.start() == port  # already running: reused
        url = cluster.url("app")
        assert "127.0.0.1" in url and str(port) in url
        ensure_database(url)
        ensure_database(url)  # idempotent
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.execute("CREATE TABLE kept (v int)")
            conn.execute("INSERT INTO kept VALUES (42)")
    finally:
        assert cluster.stop()
    assert not cluster.running() and not cluster.stop()
    cluster.start()
    try:
        with psycopg.connect(_conninfo(cluster.url("app"))) as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == (42,)
            assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3")
    finally:
        cluster.stop()


def test_password_is_required(workdir: Path) -> None:
    cluster = EmbeddedCluster(datadir=workdir / "pg", bindir=find_bindir(), fast=True)
    cluster.start()
    try:
        url = cluster.url("postgres").replace(cluster.password, "wrong")
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(_conninfo(url)).close()
    finally:
        cluster.stop()


def test_missing_binaries_name_the_packages(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="apt-get install postgresql"):
        find_bindir(tmp_path)
