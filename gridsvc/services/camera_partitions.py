"""Daily partitions of camera_events: made before a batch needs them, dropped after the
retention period, and both kept up by a background task in the API process."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from psycopg import errors as pg_errors
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from gridsvc.repositories import camera_events as repo

log = logging.getLogger(__name__)


class Partitions:
    """The partitions this process knows exist; creates missing ones on demand."""

    def __init__(self) -> None:
        self._known: set[date] = set()
        self._lock = threading.Lock()

    def ensure(self, engine: Engine, days: Iterable[date]) -> None:
        """Make sure the partitions of ``days`` exist (one short transaction per new day)."""
        missing = set(days) - self._known
        if not missing:
            return
        with self._lock:
            with engine.connect() as conn:
                existing = set(repo.existing_partitions(conn).values())
            self._known |= existing
            for day in sorted(missing - existing):
                try:
                    with engine.begin() as conn:
                        repo.create_partition(conn, day)
                except DBAPIError as exc:  # made meanwhile by a writer not taking our lock
                    if not isinstance(
                        exc.orig, pg_errors.UniqueViolation | pg_errors.DuplicateTable
                    ):
                        raise
                self._known.add(day)

    def forget(self) -> None:
        """Forget what exists (after a drop, or an insert that found no partition)."""
        with self._lock:
            self._known.clear()


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, Partitions] = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def partitions(engine: Engine) -> Partitions:
    """The partitions known to exist in ``engine``'s database (one cache per engine)."""
    with _BY_ENGINE_LOCK:
        found = _BY_ENGINE.get(engine)
        if found is None:
            found = _BY_ENGINE[engine] = Partitions()
        return found


def window_start(now: datetime, retention_days: int) -> datetime:
    """The oldest instant still kept: the start of the UTC day ``retention_days`` ago."""
    day = now.astimezone(UTC).date() - timedelta(days=retention_days)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def prune(engine: Engine, retention_days: int, now: datetime | None = None) -> list[str]:
    """Drop the daily partitions wholly older than the retention; their names, oldest first."""
    cutoff = window_start(now or datetime.now(UTC), retention_days).date()
    with engine.connect() as conn:
        found = repo.existing_partitions(conn)
    dropped = sorted((day, name) for name, day in found.items() if day < cutoff)
    for _, name in dropped:
        with engine.begin() as conn:
            repo.drop_partition(conn, name)
    if dropped:
        partitions(engine).forget()
    return [name for _, name in dropped]


def maintain(engine: Engine, retention_days: int, now: datetime | None = None) -> list[str]:
    """Create today's and tomorrow's partitions and drop expired ones; the dropped names."""
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    dropped = prune(engine, retention_days, now)
    partitions(engine).ensure(engine, [today, today + timedelta(days=1)])
    return dropped


class PartitionKeeper:
    """A daemon thread running ``maintain`` at start and then every ``every_seconds``."""

    def __init__(self, engine: Engine, retention_days: int, every_seconds: float = 3600.0):
        self.engine, self.retention_days, self.every_seconds = engine, retention_days, every_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Maintain once now (so the first batch needs no DDL), then in the background."""
        self._run_once()
        self._thread = threading.Thread(target=self._loop, name="camera-partitions", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread (waits for a run in progress)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.every_seconds):
            self._run_once()

    def _run_once(self) -> None:
        try:
            dropped = maintain(self.engine, self.retention_days)
            if dropped:
                log.info("dropped expired camera-event partitions: %s", ", ".join(dropped))
        except Exception:  # the next run tries again; ingest creates partitions on demand
            log.exception("camera-event partition maintenance failed")
