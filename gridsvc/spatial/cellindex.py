"""H3 cell index of a grid layer: which grid each cell lies in, or which grids it touches.

A cell is *interior* when its hexagon lies wholly inside one grid (and touches no other),
*boundary* when it touches a grid boundary or lies partly outside all grids; cells touching
no grid are absent. Why the build is exact, not just probable:

1. Boundary cells. Every grid boundary is densified (``shapely.segmentize``) so that samples
   are at most a quarter of the H3 edge length ``e`` apart, in metres on the ground. Any
   boundary point p lies within e/8 of a sample q. The 1-ring of q's cell contains every
   point within the inradius (0.866 e) of q's hexagon, so if p lies in (or within the
   buffer δ of) cell c's hexagon, c is in the 1-ring of q's cell. The samples' cells plus
   their 1-ring are therefore a superset of the cells whose δ-buffered hexagon meets a
   boundary, however short the chord of the boundary through the hexagon.
2. Classification. Each such cell's hexagon is grown by δ (0.1 m, more at coarse
   resolutions): H3 edges are straight in the gnomonic plane, not in lon/lat, so the
   lon/lat hexagon and the points H3 puts in the cell differ, by well under 1 mm at
   resolution 11 (rounding: far less). The candidates are all grids that intersect the
   buffered hexagon (STRtree, predicate "intersects"), so every grid that
   can cover a point H3 puts in the cell is a candidate. A cell with exactly one candidate
   that covers the buffered hexagon is interior; a cell with none is dropped.
3. Interior cells. A cell not found in step 1 meets no boundary, so its hexagon lies wholly
   inside a grid or wholly outside all of them; in the first case its centre is in the
   grid and ``polygon_cells`` (centre containment) finds it. A cell found for two grids
   (overlapping grids) is classified as in step 2.

An incremental update reclassifies, against all current grids, the cells that the old index
links to a changed grid and the step-1 cells and interior cells of the old and new shapes of
the changed grids; every other cell's buffered hexagon meets no changed grid, so its entry
stands. The result equals a full rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import shapely

from gridsvc.spatial import h3cells

DEFAULT_RESOLUTION = 11
SAMPLE_STEP = 0.25  # boundary sample spacing, as a fraction of the H3 edge length
BUFFER_M = 0.1  # least buffer of a hexagon before it is tested against grids, metres
EARTH_RADIUS_M = 6_371_008.8

Record = tuple[int, str | None, list[str]]


@dataclass(frozen=True)
class CellIndex:
    """Cells (sorted uint64) → owning grid id (interior) or candidate grid ids (boundary)."""

    resolution: int
    codes: np.ndarray  # grid codes (str), ascending; a grid's id is its position
    cells: np.ndarray  # uint64, sorted, unique
    owner: np.ndarray  # int32 grid id of interior cells, -1 for boundary cells
    cand_ptr: np.ndarray  # int64, len(cells) + 1: CSR offsets into cand_ids
    cand_ids: np.ndarray  # int32 candidate grid ids, ascending within a cell

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CellIndex):
            return NotImplemented
        return self.resolution == other.resolution and all(
            np.array_equal(getattr(self, f), getattr(other, f))
            for f in ("codes", "cells", "owner", "cand_ptr", "cand_ids")
        )

    __hash__ = None  # type: ignore[assignment]

    def nbytes(self) -> int:
        """Memory held by the index arrays, bytes."""
        arrays = (self.codes, self.cells, self.owner, self.cand_ptr, self.cand_ids)
        return int(sum(a.nbytes for a in arrays))

    @property
    def n_interior(self) -> int:
        """Number of interior cells."""
        return int(np.count_nonzero(self.owner >= 0))

    @property
    def n_boundary(self) -> int:
        """Number of boundary cells."""
        return int(np.count_nonzero(self.owner < 0))

    def grid_id(self, code: str) -> int:
        """Position of ``code`` in ``codes``, -1 when absent."""
        pos = int(np.searchsorted(self.codes, code))
        return pos if pos < len(self.codes) and self.codes[pos] == code else -1

    def _cand_rows(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.cells)), np.diff(self.cand_ptr))

    def cells_of_grid(self, code: str) -> np.ndarray:
        """Sorted cells the grid owns or is a candidate of (empty for an unknown code)."""
        gid = self.grid_id(code)
        if gid < 0:
            return np.zeros(0, dtype=np.uint64)
        rows = np.union1d(
            np.flatnonzero(self.owner == gid), self._cand_rows()[self.cand_ids == gid]
        )
        return self.cells[rows]

    def rows_of(self, cells: Any) -> np.ndarray:
        """Positions in ``self.cells`` of those of ``cells`` that are in the index."""
        query = np.asarray(cells, dtype=np.uint64).ravel()
        if not len(self.cells):
            return np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(self.cells, query).clip(0, len(self.cells) - 1)
        return pos[self.cells[pos] == query]

    def grids_of_cells(self, cells: Any) -> np.ndarray:
        """Sorted unique codes of the grids owning, or candidates of, the given cells."""
        rows = self.rows_of(cells)
        owners = self.owner[rows]
        cands = _csr_take(self.cand_ptr, self.cand_ids, rows)[1]
        return self.codes[np.unique(np.r_[owners[owners >= 0], cands]).astype(np.int64)]

    def to_records(self) -> Iterable[Record]:
        """(cell as signed int64, owning code or None, candidate codes) per cell, for storage."""
        signed = self.cells.view(np.int64).tolist()
        codes = self.codes.tolist()
        for i, (cell, own) in enumerate(zip(signed, self.owner.tolist(), strict=True)):
            cands = self.cand_ids[self.cand_ptr[i] : self.cand_ptr[i + 1]].tolist()
            yield cell, (codes[own] if own >= 0 else None), [codes[c] for c in cands]

    @classmethod
    def from_records(
        cls, resolution: int, codes: Sequence[str], records: Iterable[Record]
    ) -> CellIndex:
        """Rebuild an index from ``to_records`` output and the codes of the grids."""
        code_arr = np.unique(np.asarray(list(codes), dtype=str))
        gid = {c: i for i, c in enumerate(code_arr.tolist())}
        cells, owner, cands = [], [], []
        for cell, own, cand in records:
            cells.append(int(cell))
            owner.append(-1 if own is None else gid[own])
            cands.append(sorted(gid[c] for c in cand))
        part = _Part(
            np.asarray(cells, dtype=np.int64).view(np.uint64),
            np.asarray(owner, dtype=np.int32),
            np.fromiter(map(len, cands), np.int64, count=len(cands)),
            np.fromiter((c for cs in cands for c in cs), np.int32),
        )
        return _merge(resolution, code_arr, [part])


class _Part(NamedTuple):
    """Index rows in the making: cells, owners (-1 boundary), candidate counts and ids."""

    cells: np.ndarray
    owner: np.ndarray
    counts: np.ndarray
    cands: np.ndarray  # int32 candidate ids of all rows, in row order


def _csr_take(ptr: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Counts and concatenated ids of CSR rows ``rows`` (in that order)."""
    start = ptr[rows]
    counts = ptr[rows + 1] - start
    ends = np.cumsum(counts)
    offsets = np.repeat(start - (ends - counts), counts) + np.arange(ends[-1] if rows.size else 0)
    return counts, ids[offsets]


def _merge(resolution: int, codes: np.ndarray, parts: Sequence[_Part]) -> CellIndex:
    """The index of parts with disjoint cells, rows sorted by cell."""
    cells = np.concatenate([p.cells for p in parts]).astype(np.uint64)
    owner = np.concatenate([p.owner for p in parts]).astype(np.int32)
    counts = np.concatenate([p.counts for p in parts]).astype(np.int64)
    flat = np.concatenate([p.cands for p in parts]).astype(np.int32)
    order = np.argsort(cells, kind="stable")
    counts, flat = _csr_take(np.r_[0, np.cumsum(counts)], flat, order)
    ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
    return CellIndex(int(resolution), codes, cells[order], owner[order], ptr, flat)


def _sorted_layer(codes: Any, geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes (str) ascending and their geometries, after checking lengths and uniqueness."""
    code_arr = np.asarray(list(codes), dtype=str)
    geom_arr = np.empty(len(geoms), dtype=object)
    geom_arr[:] = list(geoms)
    if code_arr.shape != geom_arr.shape:
        raise ValueError(f"{len(code_arr)} codes but {len(geom_arr)} geometries")
    order = np.argsort(code_arr, kind="stable")
    code_arr, geom_arr = code_arr[order], geom_arr[order]
    if len(code_arr) > 1 and (code_arr[1:] == code_arr[:-1]).any():
        raise ValueError("grid codes must be unique")
    return code_arr, geom_arr


def buffer_m(resolution: int) -> float:
    """Buffer applied to hexagons before testing them against grids, metres."""
    edge = h3cells.edge_length_m(resolution)
    return max(BUFFER_M, 2.0 * edge * edge / EARTH_RADIUS_M)


def line_cells(lines: Any, resolution: int, backend: str | None = None) -> np.ndarray:
    """Superset of the cells whose buffered hexagon meets the lon/lat linework (step 1)."""
    step_m = SAMPLE_STEP * h3cells.edge_length_m(resolution)
    return h3cells.line_cells(lines, resolution, step_m, backend=backend)


def boundary_sample_cells(geoms: Any, resolution: int, backend: str | None = None) -> np.ndarray:
    """Superset of the cells whose buffered hexagon meets a boundary of the geometries."""
    arr = np.asarray(geoms, dtype=object).ravel()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    return line_cells(shapely.boundary(arr), resolution, backend)


def buffered_hexagons(cells: np.ndarray, resolution: int, backend: str | None = None) -> Any:
    """Cell hexagons grown by ``buffer_m`` metres, as classification tests them (step 2)."""
    return h3cells.grown_cell_polygons(cells, buffer_m(resolution), backend=backend)


def classify(
    cells: np.ndarray, geoms: np.ndarray, resolution: int, backend: str | None = None
) -> _Part:
    """Rows for ``cells`` classified against all grids (step 2); cells meeting none dropped."""
    cells = np.unique(np.asarray(cells, dtype=np.uint64))
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not cells.size or not present.size:
        return _Part(cells[:0], np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int32))
    hexes = buffered_hexagons(cells, resolution, backend)
    qi, ti = shapely.STRtree(geoms[present]).query(hexes, predicate="intersects")
    gi = present[ti].astype(np.int32)
    order = np.lexsort((gi, qi))
    qi, gi = qi[order], gi[order]
    counts = np.bincount(qi, minlength=cells.size)
    owner = np.full(cells.size, -1, dtype=np.int32)
    single = np.flatnonzero(counts == 1)
    if single.size:
        grid = gi[np.searchsorted(qi, single)]
        shapely.prepare(geoms[np.unique(grid)])
        inside = shapely.covers(geoms[grid], hexes[single])
        owner[single[inside]] = grid[inside]
    keep = counts > 0
    boundary = owner < 0
    return _Part(cells[keep], owner[keep], np.where(boundary, counts, 0)[keep], gi[boundary[qi]])


def _layer_cells(
    cells: np.ndarray, owners: np.ndarray, exclude: np.ndarray
) -> tuple[_Part, np.ndarray]:
    """Interior part for cells found once and not excluded; plus the cells found twice."""
    fresh = ~np.isin(cells, exclude)
    cells, owners = cells[fresh], owners[fresh]
    uniq, first, counts = np.unique(cells, return_index=True, return_counts=True)
    once = counts == 1
    n = int(once.sum())
    part = _Part(uniq[once], owners[first[once]], np.zeros(n, np.int64), np.zeros(0, np.int32))
    return part, uniq[~once]


def build_cell_index(
    codes: Sequence[str] | np.ndarray,
    geoms: Sequence[Any] | np.ndarray,
    resolution: int = DEFAULT_RESOLUTION,
    *,
    backend: str | None = None,
) -> CellIndex:
    """Exact cell index of lon/lat grid polygons at H3 ``resolution`` (see module docstring)."""
    code_arr, geom_arr = _sorted_layer(codes, geoms)
    near = boundary_sample_cells(geom_arr, resolution, backend)
    inner, owner = h3cells.polygon_cells_flat(geom_arr, resolution, backend=backend)
    interior, doubled = _layer_cells(inner, owner.astype(np.int32), near)
    edge = classify(np.union1d(near, doubled), geom_arr, resolution, backend)
    return _merge(resolution, code_arr, [interior, edge])


def update_cell_index(
    index: CellIndex,
    codes: Sequence[str] | np.ndarray,
    geoms: Sequence[Any] | np.ndarray,
    changed_codes: Iterable[str],
    previous_geoms: Mapping[str, Any],
    *,
    backend: str | None = None,
) -> CellIndex:
    """Index of the new layer, recomputing only cells near changed grids' old or new shapes."""
    res = index.resolution
    code_arr, geom_arr = _sorted_layer(codes, geoms)
    changed = sorted(set(changed_codes))
    unlisted = set(np.setxor1d(index.codes, code_arr).tolist()) - set(changed)
    if unlisted:
        raise ValueError(f"added or removed grids missing from changed_codes: {sorted(unlisted)}")
    old_ids = np.flatnonzero(np.isin(index.codes, changed))
    new_shapes = geom_arr[np.isin(code_arr, changed)]
    old_shapes = np.array([previous_geoms.get(c) for c in changed], dtype=object)

    linked = np.isin(index.owner, old_ids)
    linked[index._cand_rows()[np.isin(index.cand_ids, old_ids)]] = True
    touched = np.unique(
        np.concatenate(
            [
                index.cells[linked],
                h3cells.polygon_cells_flat(new_shapes, res, backend=backend)[0],
                h3cells.polygon_cells_flat(old_shapes, res, backend=backend)[0],
                boundary_sample_cells(new_shapes, res, backend),
                boundary_sample_cells(old_shapes, res, backend),
            ]
        ).astype(np.uint64)
    )

    kept_rows = np.flatnonzero(~np.isin(index.cells, touched))
    remap = np.full(len(index.codes) + 1, -1, dtype=np.int32)  # index -1 maps to -1
    remap[:-1] = np.searchsorted(code_arr, index.codes)  # kept cells only reference kept grids
    counts, cands = _csr_take(index.cand_ptr, index.cand_ids, kept_rows)
    kept = _Part(index.cells[kept_rows], remap[index.owner[kept_rows]], counts, remap[cands])
    return _merge(res, code_arr, [kept, classify(touched, geom_arr, res, backend)])
