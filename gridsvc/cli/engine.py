"""The database engine the commands share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from gridsvc.settings import Settings


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """A migrated engine on the configured database (embedded cluster started if needed)."""
    from gridsvc.db.connect import database_url, make_engine
    from gridsvc.db.migrate import upgrade

    with database_url(settings) as url:
        upgrade(url)
        engine = make_engine(url, pool_size=2)
        try:
            yield engine
        finally:
            engine.dispose()
