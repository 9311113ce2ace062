"""The H3 cell index: build and persist it, keep one Locator per district in memory."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Connection, Engine

from gridsvc.repositories import cells as cells_repo
from gridsvc.repositories import units as units_repo
from gridsvc.spatial.cellindex import CellIndex, build_cell_index, update_cell_index
from gridsvc.spatial.locate import Locator


def _grids(conn: Connection, adcode: str) -> tuple[list[str], list]:
    shapes = units_repo.shapes(conn, adcode, ["grid"])
    return [s.code for s in shapes], [s.geometry for s in shapes]


def load_index(conn: Connection, adcode: str, resolution: int) -> CellIndex | None:
    """The persisted index of a district, or None."""
    if cells_repo.state(conn, adcode, resolution) is None:
        return None
    records = cells_repo.load_records(conn, adcode, resolution)
    codes = sorted({c for _, g, cands in records for c in ([g] if g else cands)})
    return CellIndex.from_records(resolution, codes, records)


def rebuild_index(engine: Engine, adcode: str, resolution: int) -> dict:
    """Rebuild a district's whole index in one transaction; returns its state.

    Readers keep the previous index until the commit; a failure leaves it untouched.
    """
    with engine.begin() as conn:
        units_repo.lock_district(conn, adcode)
        return rebuild_in(conn, adcode, resolution)


def rebuild_in(
    conn: Connection,
    adcode: str,
    resolution: int,
    *,
    changed: set[str] | None = None,
    previous: dict | None = None,
) -> dict:
    """Rebuild the index inside the caller's transaction, which changed the grids and holds
    the district lock; only around ``changed`` grids when given. Returns the new state."""
    codes, geoms = _grids(conn, adcode)
    old = load_index(conn, adcode, resolution) if changed is not None else None
    if old is None:
        index = build_cell_index(codes, geoms, resolution)
        cells_repo.replace_cells(conn, adcode, resolution, (), index.to_records(), full=True)
    else:
        index = update_cell_index(old, codes, geoms, changed or set(), previous or {})
        removed, added = _diff(old, index)
        cells_repo.replace_cells(conn, adcode, resolution, removed, added)
    cells_repo.bump_state(
        conn,
        adcode,
        resolution,
        grids=len(codes),
        interior=index.n_interior,
        boundary=index.n_boundary,
    )
    return cells_repo.state(conn, adcode, resolution) or {}


def _diff(old: CellIndex, new: CellIndex) -> tuple[list[int], list]:
    """Cells to delete and records to write to turn ``old`` into ``new``."""
    before = {r[0]: (r[1], tuple(r[2])) for r in old.to_records()}
    after = list(new.to_records())
    changed = [r for r in after if before.get(r[0]) != (r[1], tuple(r[2]))]
    now = {r[0] for r in after}
    removed = [c for c in before if c not in now] + [r[0] for r in changed if r[0] in before]
    return removed, changed


def _snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one snapshot (REPEATABLE READ, read only): the index
    state, its cells and the grids of one load come from the same committed state."""
    return engine.connect().execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )


@dataclass
class _Entry:
    version: int
    locator: Locator
    checked: float


class LocatorCache:
    """One Locator per district, reloaded when the persisted index version changes."""

    def __init__(self, resolution: int, recheck_seconds: float = 1.0):
        self.resolution = resolution
        self.recheck_seconds = recheck_seconds
        self._entries: dict[str, _Entry] = {}
        self._districts: tuple[float, list[str]] = (-1e9, [])
        self._lock = threading.Lock()

    def invalidate(self, adcode: str | None = None) -> None:
        """Forget one district's locator (or all); the next use reloads it."""
        with self._lock:
            self._districts = (-1e9, [])
            if adcode is None:
                self._entries.clear()
            else:
                self._entries.pop(adcode, None)

    def districts(self, engine: Engine) -> list[str]:
        """Adcodes with an index at this resolution (re-read after ``recheck_seconds``)."""
        checked, adcodes = self._districts
        if time.monotonic() - checked < self.recheck_seconds:
            return adcodes
        with engine.connect() as conn:
            adcodes = cells_repo.indexed_districts(conn, self.resolution)
        self._districts = (time.monotonic(), adcodes)
        return adcodes

    def get(self, engine: Engine, adcode: str) -> Locator | None:
        """The district's locator, current to within ``recheck_seconds``; None if unindexed."""
        entry = self._fresh(adcode)
        if entry:
            return entry.locator
        with self._lock:
            entry = self._fresh(adcode)  # another thread may have checked while we waited
            return entry.locator if entry else self._load(engine, adcode)

    def _fresh(self, adcode: str) -> _Entry | None:
        """The district's entry when it was checked within ``recheck_seconds``."""
        entry = self._entries.get(adcode)
        if entry and time.monotonic() - entry.checked < self.recheck_seconds:
            return entry
        return None

    def _load(self, engine: Engine, adcode: str) -> Locator | None:
        """Re-read the district's index state; rebuild its locator if the version moved."""
        with _snapshot(engine) as conn:
            state = cells_repo.state(conn, adcode, self.resolution)
            if state is None:
                self._entries.pop(adcode, None)
                return None
            entry = self._entries.get(adcode)
            if entry is None or entry.version != state["version"]:
                index = load_index(conn, adcode, self.resolution)
                codes, geoms = _grids(conn, adcode)
                by_code = dict(zip(codes, geoms, strict=True))
                # a grid deleted without a rebuild (by hand) matches nothing, never fails
                gone = shapely.Polygon()
                aligned = np.asarray([by_code.get(c, gone) for c in index.codes], dtype=object)
                entry = _Entry(state["version"], Locator(index, aligned), 0.0)
                self._entries[adcode] = entry
            entry.checked = time.monotonic()
            return entry.locator
