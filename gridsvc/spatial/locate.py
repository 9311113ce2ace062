"""Exact bulk point → grid location on a raster of the grids, equal to PostGIS ``ST_Covers``.

A point's cell in the layer's lon/lat raster (``raster.py``) is found by arithmetic: a cell
owned by one grid, or outside all grids, answers at once; in a boundary cell the candidates
are tested in ascending code order with GEOS (``intersects_xy`` on prepared grids, which
includes the boundary like ``ST_Covers``), so a point on a shared border or vertex goes to
the covering grid with the smallest code. Invalid coordinates give -1 ("outside").
``locate_grids`` answers the grid alone; ``locate`` adds each point's H3 cell.

The last candidate of a boundary cell is not tested when the cell is *closed*: no unshared
grid edge comes near it. Grids are valid polygons with rings oriented the usual way after
``orient_polygons``, so on both sides of an edge shared (reversed) by two grids lies a grid;
the union of all grids then has no boundary inside the (grown) cell, which is therefore
covered by the grids meeting it, i.e. by its candidates. Unshared edges (the layer's
outline, gaps, edges of invalid grids, T-junctions) mark their cells *open* with a wider
margin than edges mark boundary cells.

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
import shapely

from gridsvc.spatial import h3cells
from gridsvc.spatial.cellindex import CellIndex
from gridsvc.spatial.raster import MAX_CELLS, build_raster

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
    """Exact point → grid lookup over a raster of the grids and their lon/lat geometries.

    The geometries (aligned with ``index.codes``) are prepared in place. ``locate`` and
    ``locate_grids`` may be called from several threads at once.
    """

    def __init__(
        self,
        index: CellIndex,
        geoms: Any,
        *,
        backend: str | None = None,
        threads: int = THREADS,
        raster_cells: int = MAX_CELLS,
    ) -> None:
        arr = np.empty(len(geoms), dtype=object)
        arr[:] = list(geoms)
        if len(arr) != len(index.codes):
            raise ValueError(f"{len(arr)} geometries for {len(index.codes)} grid codes")
        _prepare(arr)
        self.index = index
        self.backend = h3cells.backend_name(backend)
        self.threads = max(1, int(threads))
        self.raster = build_raster(arr, _unshared_edges(arr), raster_cells)
        self._geoms = arr

    def memory_bytes(self) -> int:
        """Bytes held by the cell index and the raster (not GEOS)."""
        return self.index.nbytes() + self.raster.nbytes()

    def locate(self, lon: Any, lat: Any) -> LocateResult:
        """Grid id covering each (lon, lat) point in degrees (-1 outside or invalid) and the
        point's H3 cell at the index's resolution (0 invalid)."""
        lon, lat = _coords(lon, lat)
        cells = np.empty(lon.size, dtype=np.uint64)

        def h3(part: slice) -> None:
            cells[part] = h3cells.latlng_to_cells(
                lat[part], lon[part], self.index.resolution, backend=self.backend, threads=1
            )

        self._parallel(h3, lon.size, CHUNK)
        return LocateResult(grid_id=self.locate_grids(lon, lat), cells=cells)

    def locate_grids(self, lon: Any, lat: Any) -> np.ndarray:
        """Grid id (int32) covering each (lon, lat) point in degrees; -1 outside or invalid."""
        lon, lat = _coords(lon, lat)
        grid = np.empty(lon.size, dtype=np.int32)

        def lookup(part: slice) -> None:
            grid[part] = self.raster.lookup(lon[part], lat[part])

        self._parallel(lookup, lon.size, CHUNK)
        # Points in boundary cells, sorted by cell so that each thread tests few grids.
        edge = np.flatnonzero(grid < -1)
        rows = -2 - grid[edge]
        order = np.argsort(rows, kind="stable")
        edge, rows = edge[order], rows[order]

        def exact(part: slice) -> None:
            pts = edge[part]
            grid[pts] = self._exact(lon[pts], lat[pts], rows[part])

        self._parallel(exact, edge.size, CHUNK // 4)
        return grid

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
        return self.codes(self.locate_grids([lon], [lat]))[0]

    def _exact(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Smallest-id covering candidate of points in boundary rows ``rows``; -1 if none."""
        raster = self.raster
        first = raster.cand_ptr[rows]
        left = raster.cand_ptr[rows + 1] - first  # candidates not yet tried
        closed = raster.closed[rows]
        out = np.full(rows.size, -1, dtype=np.int32)
        active = np.flatnonzero(left > 0)
        while active.size:
            cand = raster.cand_ids[first[active]]
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


def _coords(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Flat float64 arrays of the coordinates; ValueError when their lengths differ."""
    lon = np.ascontiguousarray(lon, dtype=np.float64).ravel()
    lat = np.ascontiguousarray(lat, dtype=np.float64).ravel()
    if lon.shape != lat.shape:
        raise ValueError(f"lon and lat differ in length ({lon.size} vs {lat.size})")
    return lon, lat
