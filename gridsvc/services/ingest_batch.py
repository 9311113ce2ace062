"""One raw batch of an ingest job → the rows to stage, their errors and counts.

In order: rows already committed (a resumed job) only register their keys; a key met
earlier in the file is ``duplicate_in_file``; a row whose key and raw hash are already
stored is unchanged and goes no further; the rest are normalised, placed (a person through
its building, a situation through its grid), located (grid and H3 cell) and turned into the
staging payload with personal values sealed and masked.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine

from gridsvc.errors import InvalidInput
from gridsvc.pii import Keyring
from gridsvc.repositories import cells as cells_repo
from gridsvc.repositories import elements as elements_repo
from gridsvc.repositories import units as units_repo
from gridsvc.repositories.elements import AttrColumn
from gridsvc.services.cells import LocatorCache
from gridsvc.services.ingest_keys import (
    PendingStored,
    SeenKeys,
    StoredRows,
    external_ids,
    key_hashes,
    row_hashes,
)
from gridsvc.services.ingest_payload import Located, build_payload
from gridsvc.spatial.locate import Locator
from ingest.normalise import DistrictArea, ElementBatch, RowError, normalise


@dataclass
class JobContext:
    """What every batch of one job shares."""

    engine: Engine
    adcode: str
    spec: object  # ingest.mapfile.MappingSpec
    area: DistrictArea
    keyring: Keyring
    locators: LocatorCache  # the district's locator is loaded when a batch first needs it
    key: str  # row-hash key
    stored: StoredRows | PendingStored
    resume_after: int = 0  # rows up to this one were committed by an earlier run
    seen: SeenKeys = field(default_factory=SeenKeys)
    buildings: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    grids: dict[str, tuple[float, float] | None] = field(default_factory=dict)


def district_area(conn: Connection, adcode: str) -> DistrictArea:
    """The district's outline for the outside-district checks; InvalidInput when not loaded."""
    shapes = units_repo.shapes(conn, adcode, ["district"])
    if not shapes:
        raise InvalidInput(
            f"district {adcode} is not loaded; import its boundary and grids first "
            f"(gridsvc import-grids FILE --level district --district {adcode})"
        )
    return DistrictArea.from_geometry(shapes[0].geometry)


def _no_index(adcode: str) -> InvalidInput:
    return InvalidInput(
        f"district {adcode} has no grid index: import its grids first "
        f"(gridsvc import-grids FILE --level grid --district {adcode})"
    )


def check_district(engine: Engine, locators: LocatorCache, adcode: str) -> DistrictArea:
    """The district's outline; InvalidInput when the district or its grid index is missing.

    The locator itself is not loaded here: a re-import of unchanged rows never needs it.
    """
    with engine.connect() as conn:
        area = district_area(conn, adcode)
        if cells_repo.state(conn, adcode, locators.resolution) is None:
            raise _no_index(adcode)
    return area


def district_locator(ctx: JobContext) -> Locator:
    """The job's district locator (cached across jobs by the LocatorCache)."""
    locator = ctx.locators.get(ctx.engine, ctx.adcode)
    if locator is None:
        raise _no_index(ctx.adcode)
    return locator


@dataclass
class Prepared:
    """A batch ready to write: staging payload (None: nothing to write), errors, counts."""

    last_row: int
    bytes_done: int
    payload: pa.Table | None
    attrs: list[AttrColumn]
    errors: list[RowError]
    counts: Counter  # rows, accepted, rejected, unchanged, new, changed


def prepare(ctx: JobContext, raw) -> Prepared:  # type: ignore[no-untyped-def]
    """Decide every row of ``raw`` (an ingest.tabular.RawBatch) and build its payload."""
    rows = raw.rows
    counts: Counter = Counter()
    last = int(rows[-1]) if len(rows) else ctx.resume_after
    ids = external_ids(raw.frame)
    keyed = np.flatnonzero(pd.notna(ids))
    keys = key_hashes(ids[keyed], ctx.key)
    dup_of = np.zeros(len(rows), dtype=np.int64)
    dup_of[keyed] = ctx.seen.check(keys, rows[keyed])
    todo = rows > ctx.resume_after
    repeated = todo & (dup_of > 0)
    errors = [
        _duplicate(int(r), int(f)) for r, f in zip(rows[repeated], dup_of[repeated], strict=True)
    ]
    todo &= dup_of == 0
    hashes = row_hashes(raw.frame, raw.geometry, ctx.key)
    stored = np.zeros(len(rows), dtype=bool)
    unchanged = np.zeros(len(rows), dtype=bool)
    key_of = np.zeros(len(rows), dtype=np.uint64)
    key_of[keyed] = keys
    stored[keyed], unchanged[keyed] = ctx.stored.lookup(keys, hashes[keyed])
    counts["unchanged"] = int((todo & unchanged).sum())
    todo &= ~unchanged
    counts["rows"] = int((rows > ctx.resume_after).sum())
    payload, attrs = None, []
    if todo.any():
        batch, more = _normalised(ctx, raw, np.flatnonzero(todo))
        errors += more
        payload, attrs, placed = _placed(ctx, batch, hashes, rows, errors)
        if placed is not None:
            is_stored = stored[np.searchsorted(rows, placed)]
            counts["changed"] = int(is_stored.sum())
            counts["new"] = int((~is_stored).sum())
    errors.sort(key=lambda e: e.row)
    counts["rejected"] = len({e.row for e in errors})
    counts["accepted"] = counts["rows"] - counts["rejected"]
    return Prepared(last, raw.bytes_done, payload, attrs, errors, counts)


def _duplicate(row: int, first: int) -> RowError:
    message = f"row {row} repeats the external_id of row {first}: the first row wins"
    return RowError(row, "external_id", "duplicate_in_file", message)


def _normalised(ctx: JobContext, raw, positions: np.ndarray) -> tuple[ElementBatch, list]:  # type: ignore[no-untyped-def]
    """Normalise the rows at ``positions`` of ``raw`` (keeping their row numbers)."""
    frame = raw.frame.iloc[positions].reset_index(drop=True)
    geometry = None if raw.geometry is None else np.asarray(raw.geometry)[positions]
    numbers = raw.rows[positions]
    sub = dataclasses.replace(raw, frame=frame, geometry=geometry, numbers=numbers)
    batch = normalise(sub, ctx.spec, ctx.area)
    errors, batch.errors = batch.errors, []
    return batch, errors


def _placed(ctx: JobContext, batch: ElementBatch, hashes, rows, errors: list):  # type: ignore[no-untyped-def]
    """Place, locate and encode the accepted rows; rows that cannot be placed become errors.
    Returns (payload, attribute columns, row numbers written) or (None, [], None)."""
    cols = batch.columns
    lon = np.asarray(cols["lon"], dtype=np.float64).copy()
    lat = np.asarray(cols["lat"], dtype=np.float64).copy()
    keep = np.ones(len(batch.rows), dtype=bool)
    if batch.kind == "person":
        _via_buildings(ctx, batch, lon, lat, keep, errors)
    given = np.asarray(cols["grid_code"], dtype=object)
    if batch.kind in ("situation", "staff"):
        _via_grids(ctx, batch, lon, lat, keep, errors, point=batch.kind == "situation")
    if not keep.all():
        batch = batch.take(keep)
        lon, lat, given = lon[keep], lat[keep], given[keep]
    if not len(batch.rows):
        return None, [], None
    located = _locate(district_locator(ctx), lon, lat, given)
    row_hash = hashes[np.searchsorted(rows, batch.rows)]
    payload, attrs = build_payload(batch, located, row_hash, ctx.keyring)
    # by cell: neighbours land in the same index pages (h3, grid, geometry), far fewer reads
    payload = payload.take(np.argsort(located.h3, kind="stable"))
    return payload, attrs, batch.rows


def _lookup(cache: dict, wanted: set, fetch) -> None:  # type: ignore[no-untyped-def]
    missing = sorted(w for w in wanted if w not in cache)
    if missing:
        found = fetch(missing)
        for m in missing:
            cache[m] = found.get(m)


def _points_of(ctx: JobContext, values, cache: dict, fetch) -> list[tuple[int, object]]:  # type: ignore[no-untyped-def]
    """(row index, point or None) of every row naming a building or grid, looked up once per
    job through ``cache`` (``fetch(conn, adcode, names)`` reads the missing ones)."""
    named = np.flatnonzero(pd.notna(values))
    if not len(named):
        return []
    with ctx.engine.connect() as conn:
        _lookup(cache, set(values[named]), partial(fetch, conn, ctx.adcode))
    return [(int(i), cache.get(values[i])) for i in named]


def _via_buildings(ctx: JobContext, batch, lon, lat, keep, errors) -> None:  # type: ignore[no-untyped-def]
    """A person's building must be a loaded building; without coordinates it gives the point."""
    ids = np.asarray(batch.columns["building_id"], dtype=object)
    for i, point in _points_of(ctx, ids, ctx.buildings, elements_repo.building_points):
        if point is None:
            keep[i] = False
            why = (
                f"building '{ids[i]}' is not a loaded place of kind building in district "
                f"{ctx.adcode}: load the buildings first"
            )
            errors.append(RowError(int(batch.rows[i]), "building_id", "unknown_building", why))
        elif not np.isfinite(lon[i]):
            lon[i], lat[i] = point


def _via_grids(ctx: JobContext, batch, lon, lat, keep, errors, *, point: bool) -> None:  # type: ignore[no-untyped-def]
    """A given grid code must be a grid of the district; a situation without a point takes
    a point on its grid's surface."""
    codes = np.asarray(batch.columns["grid_code"], dtype=object)
    for i, where in _points_of(ctx, codes, ctx.grids, elements_repo.grid_points):
        if where is None:
            keep[i] = False
            why = f"grid_code {codes[i]} is not a grid of district {ctx.adcode}"
            errors.append(RowError(int(batch.rows[i]), "grid_code", "unparseable_value", why))
        elif point and not np.isfinite(lon[i]):
            lon[i], lat[i] = where


def _locate(locator: Locator, lon, lat, given) -> Located:  # type: ignore[no-untyped-def]
    """Grid and H3 cell of every point; rows without a point keep their given grid code."""
    grid = np.asarray(given, dtype=object).copy()
    cells = np.zeros(len(lon), dtype=np.uint64)
    has = np.isfinite(lon) & np.isfinite(lat)
    if has.any():
        found = locator.locate(lon[has], lat[has])
        located = locator.codes(found.grid_id)
        grid[has] = np.where(pd.notna(located), located, grid[has])
        cells[has] = found.cells
    return Located(lon=lon, lat=lat, grid_code=grid, h3=cells)


_END = object()


def prepared_batches(ctx: JobContext, raws: Iterable) -> Iterator[Prepared]:
    """Prepare batches one ahead in a thread; errors there are raised here."""
    out: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for raw in raws:
                if stop.is_set() or not put(prepare(ctx, raw)):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer
            put(exc)

    worker = threading.Thread(target=produce, name="ingest-prepare", daemon=True)
    worker.start()
    try:
        while (item := out.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
