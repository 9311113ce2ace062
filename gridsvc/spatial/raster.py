"""A regular lon/lat raster of a grid layer for exact point → grid lookup without H3.

The raster covers the layer's extent plus one cell on every side, with square-ish cells
(about as many metres tall as wide) sized so that it holds at most ``max_cells`` cells. A
point's cell is ``floor((lon - x0) / dx)``, ``floor((lat - y0) / dy)``; in floating point that
lands within 1e-12 degree of the true cell, far inside MARGIN (1e-9 degree). Why a cell's
entry is exact, not just probable:

1. Boundary cells. Every ring edge of every grid is cut into pieces no longer than a cell;
   each piece's box, grown by twice MARGIN, marks the cells it overlaps. So every cell
   whose rectangle grown by MARGIN meets a grid edge is a boundary cell (some more are).
2. Owned and outside cells. Any other cell's grown rectangle meets no edge, so it lies
   wholly inside or wholly outside each grid, as its centre does. Centres are classified by
   scanlines: along each row of centres, the crossings of every grid's edges (rows taken
   half-open in y from the edges' endpoints, so each ring crosses each row an even number
   of times) are sorted and paired per grid, the even-odd rule GEOS's point-in-area test
   also applies. A cell inside grids is owned by the smallest id; inside none, outside.
   Rounding moves a crossing by ~1e-13 degree, which can only misplace centres that close
   to an edge: boundary cells, which do not use this answer.
3. Candidates. A boundary cell lists (ascending) the grids with an edge piece on it and the
   grids whose scanline spans cover its centre: every grid meeting the grown cell either
   has an edge there or contains the whole grown cell, centre included.
4. Closed cells. Open edges (see ``Locator``) mark the cells near them as step 1 does, but
   with boxes grown by three times MARGIN; a boundary cell not so marked is *closed*. Its
   rectangle grown by 2.5 MARGIN then meets no boundary of the union of the grids, but it
   holds the (shared) edge that made the cell a boundary cell: it lies wholly in the union,
   so it is covered by the candidates, and when all but the last fail, the last covers.

Non-finite or out-of-range coordinates (|lon| > 180, |lat| > 90) look up as -1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

MAX_CELLS = 1 << 22  # 16 MB of int32 cell values
MIN_CELL_M = 0.5  # smallest cell side, metres
MARGIN = 1e-9  # degrees (~0.1 mm) by which cells are grown before edges are sought
M_PER_DEG = 111_195.0  # metres per degree of latitude (mean Earth radius)
BLOCK = 1 << 16  # points looked up at a time (keeps the temporaries in cache)


@dataclass(frozen=True)
class Frame:
    """Origin (degrees), cell size (degrees) and cell counts of a raster."""

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int


@dataclass(frozen=True)
class Raster(Frame):
    """A frame's cell values (grid id, -1 outside, -2 - row for boundary row ``row``) and,
    per boundary row, candidate grid ids (CSR, ascending) and whether the row is closed."""

    values: np.ndarray  # int32, nx * ny + 1; the last entry (-1) answers points outside
    cand_ptr: np.ndarray  # int64, boundary rows + 1
    cand_ids: np.ndarray  # int32
    closed: np.ndarray  # bool per boundary row

    def nbytes(self) -> int:
        """Memory held by the raster's arrays, bytes."""
        arrays = (self.values, self.cand_ptr, self.cand_ids, self.closed)
        return int(sum(a.nbytes for a in arrays))

    @property
    def n_boundary(self) -> int:
        """Number of boundary cells."""
        return int(self.closed.size)

    def lookup(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The value (int32) of each point's cell, -1 outside the raster or non-finite."""
        out = np.empty(lon.size, dtype=np.int32)
        for start in range(0, lon.size, BLOCK):
            part = slice(start, start + BLOCK)
            out[part] = self.values[self._flat(lon[part], lat[part])]
        return out

    def _flat(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Flat cell index per point; ``nx * ny`` (the outside entry) when out of range."""
        fx = lon - self.x0
        fx *= 1.0 / self.dx
        fy = lat - self.y0
        fy *= 1.0 / self.dy
        with np.errstate(invalid="ignore"):  # NaN and inf are cast, then masked
            ok = fx >= 0
            ok &= fx < self.nx
            ok &= fy >= 0
            ok &= fy < self.ny
            ok &= np.abs(lon) <= 180.0
            ok &= np.abs(lat) <= 90.0
            flat = fy.astype(np.intp)
            flat *= self.nx
            flat += fx.astype(np.intp)
        flat[~ok] = self.nx * self.ny
        return flat


def _frame(bounds: np.ndarray, max_cells: int) -> Frame:
    """Cells about square on the ground, at most ``max_cells``, one spare on every side."""
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    stretch = max(float(np.cos(np.radians((ymin + ymax) / 2))), 0.01)  # m east per m north
    w, h, most = (xmax - xmin) * stretch, ymax - ymin, max(max_cells, 9)
    side = max(MIN_CELL_M / M_PER_DEG, np.sqrt(w * h / most), (w + h) / most)
    while True:
        dy, dx = side, side / stretch
        nx, ny = int(np.ceil((xmax - xmin) / dx)) + 2, int(np.ceil((ymax - ymin) / dy)) + 2
        if nx * ny <= most:
            return Frame(xmin - dx, ymin - dy, dx, dy, nx, ny)
        side *= 1.01


def _segments(lines: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, ...]:
    """Start and end points (n × 2) and owner of every segment of the linework."""
    parts, part_of = shapely.get_parts(lines, return_index=True)
    xy, vertex_of = shapely.get_coordinates(parts, return_index=True)
    inner = np.flatnonzero(vertex_of[1:] == vertex_of[:-1])
    return xy[inner], xy[inner + 1], owner[part_of[vertex_of[inner]]].astype(np.int32)


def _ramp(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts n: the position each of sum(n) items comes from, and its rank there."""
    src = np.repeat(np.arange(n.size), n)
    return src, np.arange(src.size) - np.repeat(np.cumsum(n) - n, n)


def _edge_cells(
    f: Frame, a: np.ndarray, b: np.ndarray, ids: np.ndarray, grow: float
) -> tuple[np.ndarray, np.ndarray]:
    """(cell, id) pairs: the cells that pieces of edges a→b, their boxes grown by ``grow``
    degrees, overlap."""
    cell, origin = np.array([f.dx, f.dy]), np.array([f.x0, f.y0])
    n = np.maximum(1, np.ceil((np.abs(b - a) / cell).max(axis=1, initial=0))).astype(np.int64)
    seg, k = _ramp(n + 1)  # n + 1 points cut each edge into n pieces
    xy = a[seg] + (k / n[seg])[:, None] * (b - a)[seg]
    low, high = np.floor((xy - grow - origin) / cell), np.floor((xy + grow - origin) / cell)
    piece = np.flatnonzero(k < n[seg])  # a piece runs from point i to point i + 1
    seg = seg[piece]
    lo = np.minimum(low[piece], low[piece + 1]).astype(np.int64).clip(0)
    hi = np.maximum(high[piece], high[piece + 1]).astype(np.int64)
    wide = (np.minimum(hi, [f.nx - 1, f.ny - 1]) - lo + 1).clip(0)  # at most 3 × 3 cells
    piece, k = _ramp(wide[:, 0] * wide[:, 1])
    row, col = np.divmod(k, wide[piece, 0])
    return (lo[piece, 1] + row) * f.nx + lo[piece, 0] + col, ids[seg[piece]]


def _spans(
    f: Frame, a: np.ndarray, b: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of cells [start, stop) in one row whose centres lie inside grid ``id`` by the
    even-odd rule: (start, stop, id)."""
    keep = a[:, 1] != b[:, 1]
    a, b, ids = a[keep], b[keep], ids[keep]
    ylo, yhi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
    first = np.ceil((ylo - f.y0) / f.dy - 0.5).astype(np.int64)  # first centre at or above
    seg, k = _ramp(np.ceil((yhi - f.y0) / f.dy - 0.5).astype(np.int64) - first)
    row = first[seg] + k
    sa, sb = a[seg], b[seg]
    yc = f.y0 + (row + 0.5) * f.dy
    x = sa[:, 0] + (yc - sa[:, 1]) * (sb[:, 0] - sa[:, 0]) / (sb[:, 1] - sa[:, 1])
    group = ids[seg].astype(np.int64) * f.ny + row  # one grid in one row
    order = np.lexsort((x, group))
    x, group = x[order], group[order]
    start = np.r_[True, group[1:] != group[:-1]]
    at = np.arange(x.size)
    rank = at - np.maximum.accumulate(np.where(start, at, 0))
    enter = np.flatnonzero((rank[:-1] % 2 == 0) & ~start[1:])  # pairs within a group
    gid, row = np.divmod(group[enter], f.ny)
    col0 = np.ceil((x[enter] - f.x0) / f.dx - 0.5).astype(np.int64).clip(0, f.nx)
    col1 = np.floor((x[enter + 1] - f.x0) / f.dx - 0.5).astype(np.int64).clip(-1, f.nx - 1) + 1
    run = col1 > col0
    return (row * f.nx + col0)[run], (row * f.nx + col1)[run], gid[run].astype(np.int32)


def _paint(
    size: int, start: np.ndarray, stop: np.ndarray, gid: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Per cell, the smallest id of the runs covering it (-1 none; one more entry, -1, at the
    end), and (cell, id) pairs for the cells covered more than once."""
    count = np.cumsum(
        np.bincount(start, minlength=size + 1) - np.bincount(stop, minlength=size + 1)
    )
    total = np.bincount(start, gid, size + 1).astype(np.int64)
    total = np.cumsum(total - np.bincount(stop, gid, size + 1).astype(np.int64))
    values = np.where(count == 1, total, -1).astype(np.int32)
    many = np.r_[0, np.cumsum(count[:-1] > 1)]
    run = np.flatnonzero(many[stop] > many[start])  # the runs over cells covered twice or more
    which, k = _ramp(stop[run] - start[run])
    cells, ids = start[run][which] + k, gid[run][which]
    keep = count[cells] > 1
    cells, ids = cells[keep], ids[keep]
    values[cells] = np.iinfo(np.int32).max
    np.minimum.at(values, cells, ids)
    return values, cells, ids


def _candidates(
    values: np.ndarray, cells: np.ndarray, ids: np.ndarray, n_rows: int, n_grids: int
) -> tuple[np.ndarray, np.ndarray]:
    """CSR (ptr, ids) of the distinct grid ids paired with boundary cells, ascending."""
    key = np.sort((-2 - values[cells].astype(np.int64)) * n_grids + ids)
    key = key[np.r_[True, key[1:] != key[:-1]]] if key.size else key
    rows, cand_ids = np.divmod(key, n_grids)
    ptr = np.searchsorted(rows, np.arange(n_rows + 1)).astype(np.int32)
    return ptr, cand_ids.astype(np.int32)


def build_raster(geoms: np.ndarray, open_lines: Any, max_cells: int = MAX_CELLS) -> Raster:
    """The raster of grids ``geoms`` (id = position) and their ``open_lines`` (module doc)."""
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    a, b, ids = _segments(shapely.boundary(geoms[present]), present)
    if not len(a):
        none = np.zeros(0, np.int32)
        outside = np.full(1, -1, np.int32)
        return Raster(0.0, 0.0, 1.0, 1.0, 0, 0, outside, np.zeros(1, np.int32), none, none > 0)
    f = _frame(np.r_[np.minimum(a, b).min(axis=0), np.maximum(a, b).max(axis=0)], max_cells)
    size = f.nx * f.ny
    edge_cell, edge_id = _edge_cells(f, a, b, ids, 2 * MARGIN)
    values, twice_cell, twice_id = _paint(size, *_spans(f, a, b, ids))
    cells = np.flatnonzero(np.bincount(edge_cell, minlength=size))  # the boundary cells
    inside = values[cells] >= 0  # grids containing the centre: the smallest, and overlaps
    span_cell = np.r_[cells[inside], twice_cell]
    span_id = np.r_[values[cells[inside]], twice_id]
    values[cells] = -2 - np.arange(cells.size, dtype=np.int32)
    cell, gid = np.r_[edge_cell, span_cell], np.r_[edge_id, span_id]
    ptr, cand = _candidates(values, cell, gid, cells.size, len(geoms))
    lines = np.asarray(open_lines, dtype=object).ravel()
    la, lb, lid = _segments(lines, np.zeros(lines.size, np.int32))
    open_rows = -2 - values[_edge_cells(f, la, lb, lid, 3 * MARGIN)[0]]
    closed = np.ones(cells.size, dtype=bool)
    closed[open_rows[open_rows >= 0]] = False
    return Raster(f.x0, f.y0, f.dx, f.dy, f.nx, f.ny, values, ptr, cand, closed)
