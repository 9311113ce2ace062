"""Exact bulk point → grid location on an H3 cell index, equal to PostGIS ``ST_Covers``.

A point's cell is looked up in the index: an interior cell answers at once; in a boundary
cell the candidates are tested in ascending code order with GEOS (``intersects_xy`` on
prepared grids, which includes the boundary like ``ST_Covers``), so a point on a shared
border or vertex goes to the covering grid with the smallest code. Cells missing from the
index, and invalid coordinates, give -1 ("outside").

The last candidate of a boundary cell is not tested when the cell is *closed*: no unshared
grid edge comes near it. Grids are valid polygons with rings oriented the usual way after
``orient_polygons``, so on both sides of an edge shared (reversed) by two grids lies a grid;
the union of all grids then has no boundary inside the cell's buffered hexagon, which is
therefore covered by the grids meeting it, i.e. by its candidates. Cells near unshared
edges (the layer's outline, gaps, edges of invalid grids, T-junctions) are found with the
same densify-and-ring argument as boundary cells (``cellindex.line_cells``).

Caveat: GEOS decides which side of an edge a point lies on exactly, PostGIS in doubles. For
coordinates of one city the differences in PostGIS's side formula are exact and rounding its
two products is monotone, so PostGIS can only take a point for one *on* the edge, and only
within ~1e-19 degree of the edge's line: points exactly on edges or vertices, and points
interpolated along edges, agree (tests/db/test_locate_postgis.py).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gridsvc.spatial import h3cells
from gridsvc.spatial.cellindex import CellIndex, line_cells

#: Fewest points worth a thread of their own; bulk work runs in THREADS threads (H3, the
#: hash lookup and GEOS release the GIL).
CHUNK = 16_384
THREADS = 2


@dataclass(frozen=True)
class LocateResult:
    """Per point: grid id (position in ``index.codes``, -1 outside) and H3 cell (0 invalid)."""

    grid_id: np.ndarray
    cells: np.ndarray


def invalid_mask(lon: Any, lat: Any) -> np.ndarray:
    """True where a coordinate is NaN/infinite or out of range (|lat| > 90, |lon| > 180)."""
    return ~h3cells.valid_latlng(lat, lon)


def _unshared_edges(geoms: np.ndarray) -> np.ndarray:
    """Edges (LineStrings) of valid grids not matched by a reversed edge of another, plus
    every edge of invalid grids."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    oriented = shapely.orient_polygons(geoms[present], exterior_cw=False)
    valid = shapely.is_valid(oriented)
    parts, part_of = shapely.get_parts(oriented, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, vertex_of = shapely.get_coordinates(rings, return_index=True)
    inner = vertex_of[1:] == vertex_of[:-1]
    a, b = xy[:-1][inner], xy[1:][inner]
    seg_valid = valid[part_of[ring_of[vertex_of[:-1][inner]]]]
    if not len(a):
        return np.zeros(0, dtype=object)
    forward = np.hstack([a, b])
    backward = np.hstack([b, a])[seg_valid & np.any(a != b, axis=1)]
    rows = np.vstack([forward, backward])
    label = np.r_[np.zeros(len(forward), bool), np.ones(len(backward), bool)]
    order = np.lexsort(rows.T[::-1])
    srt = rows[order]
    group = np.cumsum(np.r_[True, np.any(srt[1:] != srt[:-1], axis=1)]) - 1
    has_reverse = np.zeros(group[-1] + 1 if len(group) else 0, dtype=bool)
    np.logical_or.at(has_reverse, group, label[order])
    shared = np.zeros(len(rows), dtype=bool)
    shared[order] = has_reverse[group]
    keep = ~(shared[: len(forward)] & seg_valid)
    return shapely.linestrings(np.stack([a[keep], b[keep]], axis=1))


def _prepare(geoms: np.ndarray) -> None:
    """Prepare the geometries (in place) and build their lazy point-in-area indexes now.

    GEOS builds a prepared polygon's point locator on first use, which is not thread-safe;
    one query per geometry, at a vertex (inside its envelope), builds it here.
    """
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    shapely.prepare(geoms[present])
    xy, which = shapely.get_coordinates(geoms[present], return_index=True)
    first = np.searchsorted(which, np.arange(present.size))
    shapely.intersects_xy(geoms[present], xy[first, 0], xy[first, 1])


class Locator:
    """Exact point → grid lookup over a cell index and the grids' lon/lat geometries.

    The geometries (aligned with ``index.codes``) are prepared in place. ``locate`` may be
    called from several threads at once.
    """

    def __init__(
        self, index: CellIndex, geoms: Any, *, backend: str | None = None, threads: int = THREADS
    ) -> None:
        arr = np.empty(len(geoms), dtype=object)
        arr[:] = list(geoms)
        if len(arr) != len(index.codes):
            raise ValueError(f"{len(arr)} geometries for {len(index.codes)} grid codes")
        _prepare(arr)
        self.index = index
        self.backend = h3cells.backend_name(backend)
        self.threads = max(1, int(threads))
        self._geoms = arr
        self._owner = np.r_[index.owner, -1].astype(np.int32)  # row -1 (no cell) → -1
        self._lookup = pd.Index(index.cells)
        self._lookup.get_indexer(index.cells[:1])  # build the hash table now, not in threads
        open_cells = line_cells(_unshared_edges(arr), index.resolution, self.backend)
        self._closed = (index.owner < 0) & ~np.isin(index.cells, open_cells)

    def memory_bytes(self) -> int:
        """Bytes held by the index arrays, the cell hash table and the flags (not GEOS)."""
        return self.index.nbytes() + int(self._lookup.memory_usage()) + self._closed.nbytes

    def locate(self, lon: Any, lat: Any) -> LocateResult:
        """Grid id covering each (lon, lat) point in degrees; -1 outside or invalid."""
        lon = np.ascontiguousarray(lon, dtype=np.float64).ravel()
        lat = np.ascontiguousarray(lat, dtype=np.float64).ravel()
        if lon.shape != lat.shape:
            raise ValueError(f"lon and lat differ in length ({lon.size} vs {lat.size})")
        grid = np.empty(lon.size, dtype=np.int32)
        cells = np.empty(lon.size, dtype=np.uint64)
        rows = np.empty(lon.size, dtype=np.int32)

        def lookup(part: slice) -> None:
            cells[part] = h3cells.latlng_to_cells(
                lat[part], lon[part], self.index.resolution, backend=self.backend, threads=1
            )
            rows[part] = self._lookup.get_indexer(cells[part])
            grid[part] = self._owner[rows[part]]

        self._parallel(lookup, lon.size, CHUNK)
        # Points in boundary cells, sorted by cell so that each thread tests few grids.
        edge = np.flatnonzero((grid < 0) & (rows >= 0))
        edge = edge[np.argsort(rows[edge])]

        def exact(part: slice) -> None:
            pts = edge[part]
            grid[pts] = self._exact(lon[pts], lat[pts], rows[pts])

        self._parallel(exact, edge.size, CHUNK // 4)
        return LocateResult(grid_id=grid, cells=cells)

    def _parallel(self, fn: Callable[[slice], None], n: int, min_part: int) -> None:
        """Run ``fn`` on ``threads`` contiguous slices of range(n) (one when n is small)."""
        parts = max(1, min(self.threads, n // max(1, min_part)))
        bounds = np.linspace(0, n, parts + 1).astype(np.int64).tolist()
        slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        if parts == 1:
            fn(slices[0])
            return
        with ThreadPoolExecutor(max_workers=parts) as pool:
            list(pool.map(fn, slices))

    def codes(self, grid_ids: Any) -> np.ndarray:
        """Grid codes (object array) of grid ids; None where the id is -1."""
        ids = np.asarray(grid_ids, dtype=np.int64).ravel()
        out = np.full(ids.size, None, dtype=object)
        inside = ids >= 0
        out[inside] = self.index.codes[ids[inside]]
        return out

    def locate_one(self, lon: float, lat: float) -> str | None:
        """Code of the grid covering one point (degrees), None when outside or invalid."""
        return self.codes(self.locate([lon], [lat]).grid_id)[0]

    def _exact(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Smallest-code covering candidate of points in boundary cells ``rows``; -1 if none."""
        idx = self.index
        first = idx.cand_ptr[rows]
        left = idx.cand_ptr[rows + 1] - first  # candidates not yet tried
        closed = self._closed[rows]
        out = np.full(rows.size, -1, dtype=np.int32)
        active = np.arange(rows.size)
        while active.size:
            cand = idx.cand_ids[first[active]]
            found = closed[active] & (left[active] == 1)  # the last candidate must cover
            test = np.flatnonzero(~found)
            found[test] = shapely.intersects_xy(
                self._geoms[cand[test]], x[active[test]], y[active[test]]
            )
            out[active[found]] = cand[found]
            active = active[~found & (left[active] > 1)]
            first[active] += 1
            left[active] -= 1
        return out
