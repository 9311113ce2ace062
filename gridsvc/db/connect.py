"""Where the database is: an external URL, or the embedded cluster started on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from gridsvc.db.embedded import DATABASE, EmbeddedCluster, find_bindir, resolve_datadir
from gridsvc.settings import Settings


def embedded_cluster(settings: Settings) -> EmbeddedCluster:
    """The embedded cluster the settings point at (no I/O beyond locating binaries)."""
    bindir = find_bindir(settings.pg_bindir)
    return EmbeddedCluster(datadir=resolve_datadir(settings.embedded_dir), bindir=bindir)


def ensure_database(url: str) -> None:
    """Create the URL's database if it does not exist yet."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """Yield the database URL; an embedded cluster started here is stopped on exit."""
    if settings.database_url:
        yield settings.database_url
        return
    cluster = embedded_cluster(settings)
    started = not cluster.running()
    cluster.start()
    try:
        url = cluster.url(DATABASE)
        ensure_database(url)
        yield url
    finally:
        if started:
            cluster.stop()


def make_engine(url: str, pool_size: int = 10) -> Engine:
    """A SQLAlchemy engine on psycopg 3 with a small pool and pre-ping."""
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
