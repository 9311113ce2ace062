"""The camera directory: which camera a device id or alias names, kept in memory.

Event ingest resolves every event's camera; a query per event would cost more than the
insert. The directory holds, per district, a map from each camera's device id and aliases
to a ``CameraSummary`` (district, device id, grid, cell, integrator), loaded from
``cameras`` and reloaded when the district's cameras data version moves (``data_versions``,
bumped by triggers in every writing transaction; the registry's writes also move the
district's count or latest ``updated_at``, which event sightings do not, so those are
checked before a reload). Versions are re-read at most once a second, and at once (at
most every ``miss_recheck_seconds``) when a name is not found, so a camera registered a
moment ago is found by its first event.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from cameras.events import normalise_alias
from gridsvc.repositories import camera_directory as repo


@dataclass(frozen=True)
class EventPolicy:
    """The limits event ingest applies: days kept, silence after which a camera went quiet."""

    retention_days: int = 30
    offline_after: timedelta = timedelta(seconds=180)


@dataclass(frozen=True, slots=True)
class CameraSummary:
    """What event ingest needs of a camera: where it is and who pushes for it."""

    adcode: str
    device_id: str
    grid_code: str | None
    h3: int | None
    integrator: str | None


class Ambiguous(LookupError):
    """A name that cameras of several districts answer to."""

    def __init__(self, ref: str, districts: list[str]):
        super().__init__(ref)
        self.ref, self.districts = ref, districts


@dataclass(frozen=True)
class _District:
    version: int
    names: dict[str, CameraSummary]


class CameraDirectory:
    """Names → cameras for every district, current to within ``recheck_seconds``."""

    def __init__(
        self,
        engine: Engine,
        policy: EventPolicy | None = None,
        recheck_seconds: float = 1.0,
        miss_recheck_seconds: float = 0.05,
    ):
        self.engine = engine
        self.policy = policy or EventPolicy()
        self.recheck_seconds = recheck_seconds
        self.miss_recheck_seconds = miss_recheck_seconds
        self._districts: dict[str, _District] = {}
        self._checked = -1e9
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Re-read versions at the next lookup."""
        self._checked = -1e9

    def resolve(
        self, refs: tuple[str, ...], district: str | None = None
    ) -> tuple[CameraSummary, str] | None:
        """The camera the first matching name of ``refs`` names, and that name; None if none.

        With ``district`` only that district's cameras count; without, a name that cameras of
        several districts answer to raises ``Ambiguous``. Re-reads versions when due.
        """
        self.refresh()
        found = self.lookup(refs, district)
        if found is None and self.refresh(self.miss_recheck_seconds):
            found = self.lookup(refs, district)
        return found

    def names(self, district: str | None) -> dict[str, CameraSummary] | None:
        """The loaded names → cameras of ``district`` (None for no district or none loaded)."""
        entry = self._districts.get(district) if district else None
        return entry.names if entry else None

    def lookup(
        self, refs: tuple[str, ...], district: str | None = None
    ) -> tuple[CameraSummary, str] | None:
        """Like ``resolve`` but from what is loaded now (a batch refreshes once, then looks up)."""
        districts = self._districts
        for ref in refs:
            if district is not None:
                entry = districts.get(district)
                if entry is None:
                    return None
                hit = entry.names.get(ref) or entry.names.get(normalise_alias(ref))
                if hit:
                    return hit, ref
                continue
            name = normalise_alias(ref)
            hits = [d.names[name] for d in districts.values() if name in d.names]
            if len(hits) > 1:
                raise Ambiguous(ref, sorted(h.adcode for h in hits))
            if hits:
                return hits[0], ref
        return None

    def refresh(self, max_age: float | None = None) -> bool:
        """Re-read the versions if older than ``max_age`` s (default ``recheck_seconds``) and
        reload the districts whose cameras changed; whether it re-read them."""
        age = self.recheck_seconds if max_age is None else max_age
        if time.monotonic() - self._checked < age:
            return False
        self._refresh(age)
        return True

    def _refresh(self, max_age: float) -> None:
        """Re-read the versions when older than ``max_age`` s; reload districts that moved."""
        if time.monotonic() - self._checked < max_age:
            return
        with self._lock:
            if time.monotonic() - self._checked < max_age:
                return  # another thread refreshed while this one waited
            checked = time.monotonic()
            with self.engine.connect() as conn:
                versions = repo.camera_versions(conn)
                loaded = dict(self._districts)
                for adcode, version in versions.items():
                    entry = loaded.get(adcode)
                    if entry is None or entry.version != version:  # sightings leave it
                        names = _names(repo.district_cameras(conn, adcode), adcode)
                        loaded[adcode] = _District(version, names)
                for gone in set(loaded) - set(versions):
                    del loaded[gone]
            self._districts = loaded
            self._checked = checked


def _names(rows: list[tuple], adcode: str) -> dict[str, CameraSummary]:
    """Every name of every camera (its device id first, then its aliases) → its summary.

    Aliases are stored normalised (and device ids are digits), so they are used as read.
    """
    names: dict[str, CameraSummary] = {}
    aliased = []
    for device_id, grid_code, h3, integrator, aliases in rows:
        summary = CameraSummary(adcode, device_id, grid_code, h3, integrator)
        names[device_id] = summary
        if aliases:
            aliased.append((summary, aliases))
    for summary, aliases in aliased:  # a device id wins over another camera's alias
        for alias in aliases:
            names.setdefault(alias, summary)
    return names
