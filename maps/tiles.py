"""Vector tiles of the unified grid, departmental layers, conflicts and the H3 index.

Rendered tiles live in an in-process LRU (``TileCache``) keyed by layer, parameters, the
caller's scope, z/x/y and the *data version* of the district shown (all districts for a
caller without one). Versions come from ``data_versions``, which triggers bump inside every
transaction that writes units, layers, their reports or the H3 index, whoever writes
(this process, the CLI, another worker, plain SQL or COPY). The cache reads them at most
once a second (one small query), and at the next request after this process committed a
transaction through its engine; a tile is thus never older than its data by more than a
second. H3 tiles are also keyed by the in-memory index they were drawn from (``LocatorCache``).
Element layers (``elements``, ``heat``) are drawn by ``maps.element_tiles``, camera layers
(``cameras``, ``coverage``) by ``maps.camera_tiles``.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine, event

from gridsvc.auth import Action, Principal, authorize, visible_codes
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.geo.chinese import wgs84_to_gcj02
from gridsvc.repositories import tiles as tiles_repo
from gridsvc.repositories.tiles import EXTENT, TilePool, TileSpec
from gridsvc.services.cells import LocatorCache
from gridsvc.spatial import h3cells
from maps import camera_tiles, element_tiles

UNIT_LAYERS = {"district": "district", "streets": "street", "communities": "community",
               "grids": "grid"}  # fmt: skip
LAYERS = (*UNIT_LAYERS, "dept", "conflicts", "h3", *element_tiles.LAYERS, *camera_tiles.LAYERS)
MAX_ZOOM = 22
MIN_H3_RES = 5
_INTEGER = re.compile(r"-?[0-9]{1,9}")


@dataclass(frozen=True)
class Tile:
    """A rendered tile: MVT bytes (empty = no features) and their ETag."""

    data: bytes
    etag: str


@dataclass(frozen=True)
class Scope:
    """What the caller may see: a district (None = all) and, for grid leaders, the codes of
    their grids and of the units above them."""

    district: str | None
    own: tuple[str, ...] | None
    nothing: bool = False


def parse_tile(layer: str, z: str, x: str, y: str) -> tuple[int, int, int]:
    """Validated tile coordinates; NotFound with the reason for an unknown layer or tile."""
    if layer not in LAYERS:
        raise NotFound(f"no tile layer '{layer}'; the layers are: {', '.join(LAYERS)}")
    for name, text in (("zoom", z), ("x", x), ("y", y)):
        if not _INTEGER.fullmatch(text):
            raise NotFound(f"tile {name} '{text}' is not an integer")
    zoom, col, row = int(z), int(x), int(y)
    if not 0 <= zoom <= MAX_ZOOM:
        raise NotFound(f"tile zoom {zoom} is outside 0..{MAX_ZOOM}")
    top = (1 << zoom) - 1
    for name, value in (("x", col), ("y", row)):
        if not 0 <= value <= top:
            raise NotFound(f"tile {name} {value} is outside 0..{top} at zoom {zoom}")
    return zoom, col, row


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a Web Mercator tile in degrees."""
    n = 1 << z
    south, north = (
        math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * r / n)))) for r in (y + 1, y)
    )
    return x / n * 360.0 - 180.0, south, (x + 1) / n * 360.0 - 180.0, north


def gcj02_shift(z: int, x: int, y: int) -> tuple[float, float]:
    """The GCJ-02 offset (degrees) at the tile's centre: zero outside China."""
    w, s, e, n = tile_bounds(z, x, y)
    lon, lat = (w + e) / 2, (s + n) / 2
    glon, glat = wgs84_to_gcj02(lon, lat)
    return float(glon) - lon, float(glat) - lat


class TileCache:
    """LRU of rendered tiles keyed by the data versions (module doc), and the tile pool."""

    def __init__(self, engine: Engine, entries: int, recheck_seconds: float = 1.0):
        self.db = TilePool(engine)
        self.engine = engine
        self.entries = max(0, int(entries))
        self.recheck_seconds = recheck_seconds
        self._tiles: OrderedDict[tuple, Tile] = OrderedDict()
        self._derived: OrderedDict[tuple, Any] = OrderedDict()  # H3 aggregates, counts
        self._pending: dict[tuple, threading.Lock] = {}
        self._tokens: dict[int, tuple[weakref.ref, int]] = {}
        self._lock, self._check_lock = threading.Lock(), threading.Lock()
        self._next_token = self._commits = 0
        self._versions: dict[str, tuple[int, str]] = {}
        self._all: tuple = ()
        self._checked = -math.inf

    def open(self) -> None:
        """Open the tile pool and notice this process's commits."""
        self.db.open()
        event.listen(self.engine, "commit", _mark_committed)
        event.listen(self.engine, "checkin", self._on_checkin)

    def close(self) -> None:
        """Stop noticing commits and close the tile pool."""
        event.remove(self.engine, "commit", _mark_committed)
        event.remove(self.engine, "checkin", self._on_checkin)
        self.db.close()

    def _on_checkin(self, dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        if record is not None and record.info.pop("committed", False):
            self._commits += 1  # the commit is visible now: re-read the versions
            self._checked = -math.inf

    def version(self, district: str | None) -> tuple:
        """The data version of ``district`` (of all districts for None), at most 1 s old."""
        if time.monotonic() - self._checked >= self.recheck_seconds and self._check_lock.acquire(
            blocking=False
        ):
            try:
                checked, commits = time.monotonic(), self._commits
                versions = self.db.run(tiles_repo.data_versions)
                self._versions, self._all = versions, tuple(sorted(versions.items()))
                if commits == self._commits:  # else a commit landed meanwhile: read again
                    self._checked = checked
            finally:
                self._check_lock.release()
        return self._versions.get(district, ()) if district else self._all

    def get(self, key: tuple) -> Tile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
            return tile

    def put(self, key: tuple, tile: Tile) -> None:
        with self._lock:
            if not self.entries:
                return
            self._tiles[key] = tile
            while len(self._tiles) > self.entries:
                self._tiles.popitem(last=False)

    def derived(self, key: tuple, make: Callable[[], Any], keep: int = 64) -> Any:
        """A value computed once per key (H3 aggregates, element counts), LRU of ``keep``;
        threads asking for the same missing key wait for one computation."""
        with self._lock:
            if key in self._derived:
                self._derived.move_to_end(key)
                return self._derived[key]
            pending = self._pending.setdefault(key, threading.Lock())
        with pending:
            with self._lock:
                if key in self._derived:
                    return self._derived[key]
            value = make()
            with self._lock:
                self._derived[key] = value
                self._pending.pop(key, None)
                while len(self._derived) > keep:
                    self._derived.popitem(last=False)
        return value

    def token(self, obj: object) -> int:
        """A number naming ``obj`` while it lives (a dead object's id gets a new number)."""
        with self._lock:
            ref, tok = self._tokens.get(id(obj), (None, 0))
            if ref is None or ref() is not obj:
                self._tokens = {k: v for k, v in self._tokens.items() if v[0]() is not None}
                self._next_token += 1
                tok = self._next_token
                self._tokens[id(obj)] = (weakref.ref(obj), tok)
            return tok


def _mark_committed(conn) -> None:  # type: ignore[no-untyped-def]
    conn.info["committed"] = True  # Connection.info is the pooled connection's record.info


def render(
    cache: TileCache, locators: LocatorCache, engine: Engine, principal: Principal, layer: str,
    z: str, x: str, y: str, *, district: str | None = None, layer_id: int | None = None,
    shift: str | None = None, kind: str | None = None, tag: str | None = None,
) -> Tile:  # fmt: skip
    """The tile ``layer/z/x/y`` as the caller may see it, from the cache when current."""
    authorize(principal, Action.READ_UNITS)
    zoom, col, row = parse_tile(layer, z, x, y)
    query: element_tiles.ElementQuery | camera_tiles.CameraQuery | None = None
    if layer in element_tiles.LAYERS:
        query = element_tiles.element_query(principal, layer, zoom, kind, tag)
    elif layer in camera_tiles.LAYERS:
        query = camera_tiles.camera_query(principal)
    if layer in ("dept", "conflicts"):
        authorize(principal, Action.READ_LAYERS)
        if layer_id is None:
            raise InvalidInput(f"the '{layer}' layer needs the query parameter layer_id")
    if principal.district and district and district != principal.district:
        scope = Scope(district, None, nothing=True)
    else:
        visible = visible_codes(principal)
        own = None if visible is None else tuple(sorted(visible))
        scope = Scope(district or principal.district, own)
    version = cache.version(scope.district)
    sources: tuple = ()
    if layer == "h3" and not scope.nothing:
        adcodes = [scope.district] if scope.district else locators.districts(engine)
        found = (locators.get(engine, a) for a in adcodes)
        sources = tuple(loc.index for loc in found if loc is not None)
    key = (version, layer, layer_id, shift, scope, zoom, col, row,
           tuple(cache.token(s) for s in sources), query)  # fmt: skip
    tile = cache.get(key)
    if tile is None:
        dx, dy = gcj02_shift(zoom, col, row) if shift == "gcj02" else (0.0, 0.0)
        spec = TileSpec(zoom, col, row, dx, dy)
        if scope.nothing:
            data = b""
        elif isinstance(query, camera_tiles.CameraQuery):
            data = camera_tiles.draw(cache.db, layer, spec, scope.district, query)
        elif query is not None:
            versions = {scope.district: version} if scope.district else dict(version)
            bounds = tile_bounds(zoom, col, row)
            data = element_tiles.draw(cache, layer, spec, bounds, versions, scope.district, query)
        else:
            data = _draw(cache, key, spec, sources)
        tile = Tile(data, '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"')
        cache.put(key, tile)
    return tile


def _draw(cache: TileCache, key: tuple, spec: TileSpec, sources: tuple) -> bytes:
    _, layer, layer_id, _, scope = key[:5]
    if layer == "h3":
        return _hexagons(cache, spec, scope, sources)
    if layer in UNIT_LAYERS:
        # a grid leader's own grids and the units above them; never another grid's shape
        codes = None if scope.own is None else list(scope.own)
        return cache.db.run(lambda c: tiles_repo.unit_tile(
            c, spec, layer, UNIT_LAYERS[layer], scope.district, codes))  # fmt: skip

    def layer_tile(conn) -> bytes:  # type: ignore[no-untyped-def]
        adcode = tiles_repo.layer_district(conn, layer_id)
        if adcode is None or (scope.district and adcode != scope.district):
            raise NotFound(f"no layer with id {layer_id}")
        return tiles_repo.layer_tile(conn, spec, layer, adcode, layer_id)

    return cache.db.run(layer_tile)


def h3_resolution(z: int, index_resolution: int) -> int:
    """The H3 resolution drawn at zoom ``z``: a few hundred hexagons per tile at most."""
    return max(MIN_H3_RES, min(z - 4, index_resolution))


def _aggregate(index, res: int, visible: tuple[str, ...] | None) -> dict:  # type: ignore[no-untyped-def]
    """Cells at ``res``, the number of distinct (visible) grids touching each, centres."""
    interior = np.flatnonzero(index.owner >= 0)
    cand_rows = np.repeat(np.arange(len(index.cells)), np.diff(index.cand_ptr))
    rows = np.r_[interior, cand_rows]
    gids = np.r_[index.owner[interior], index.cand_ids].astype(np.int64)
    if visible is not None:
        keep = np.isin(index.codes[gids], np.asarray(visible, dtype=object))
        rows, gids = rows[keep], gids[keep]
    cells = index.cells[rows]
    if res < index.resolution:
        cells = h3cells.cell_parents(cells, res)
    order = np.lexsort((gids, cells))
    cells, gids = cells[order], gids[order]
    first = np.r_[True, (cells[1:] != cells[:-1]) | (gids[1:] != gids[:-1])][: cells.size]
    cells, counts = np.unique(cells[first], return_counts=True)
    lng, lat = h3cells.cell_centres(cells)
    pad = 1.5 * h3cells.edge_length_m(res) / 111_320.0  # centre to vertex, degrees of lat
    return {"cells": cells, "counts": counts, "lng": lng, "lat": lat, "pad": pad}


def _hexagons(cache: TileCache, spec: TileSpec, scope: Scope, sources: tuple) -> bytes:
    """Hexagons of the indexes ``sources`` whose centres lie near the tile, with counts."""
    w, s, e, n = tile_bounds(spec.z, spec.x, spec.y)
    margin = (e - w) * 64 / EXTENT
    w, e, s, n = (
        w - spec.dx - margin,
        e - spec.dx + margin,
        s - spec.dy - margin,
        n - spec.dy + margin,
    )
    cells, counts = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
    for index in sources:
        res = h3_resolution(spec.z, index.resolution)
        key = ("h3", cache.token(index), res, scope.own)
        agg = cache.derived(key, lambda i=index, r=res: _aggregate(i, r, scope.own))
        lat_pad = agg["pad"]
        lng_pad = lat_pad / max(math.cos(math.radians(max(abs(s), abs(n)))), 0.05)
        hit = ((agg["lng"] >= w - lng_pad) & (agg["lng"] <= e + lng_pad)
               & (agg["lat"] >= s - lat_pad) & (agg["lat"] <= n + lat_pad))  # fmt: skip
        cells.append(agg["cells"][hit])
        counts.append(agg["counts"][hit])
    found = np.concatenate(cells)
    if not found.size:
        return b""
    wkb = shapely.to_wkb(h3cells.cell_polygons(found)).tolist()
    names = h3cells.cells_to_str(found).tolist()
    number = np.concatenate(counts).tolist()
    return cache.db.run(lambda c: tiles_repo.hexagon_tile(c, spec, "h3", wkb, names, number))
