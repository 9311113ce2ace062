"""Bulk H3 operations on numpy arrays: the one module that imports h3 / h3ronpy.

Two backends give the same answers: "h3ronpy" (vectorised Rust, releases the GIL; the
default when importable) and "h3" (the maintained h3-py, in Python loops). Choose one per
call with ``backend=`` or for the process with the environment variable
``GRIDSVC_H3_BACKEND``. Cells are uint64 H3 indexes; 0 stands for "no cell" (invalid
input). Coordinates are WGS 84 degrees. Cell vertices and centres from the two backends
agree to ~1e-13 degree (h3ronpy reimplements the H3 C library's floating point), cells,
parents, disks and polygon fills are identical. Besides the H3 primitives: the cells along
densified linework (``line_cells``) and cell polygons grown by a pad (``grown_cell_polygons``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import h3
import h3.api.basic_int as h3i
import numpy as np
import shapely

from gridsvc.geo.measure import metres_per_degree

try:  # h3ronpy is optional: its last release is from 2024
    import arro3.core as arrow
    import h3ronpy
    import h3ronpy.vector as h3v

    _HAVE_H3RONPY = True
except ImportError:  # pragma: no cover - exercised only where h3ronpy is missing
    _HAVE_H3RONPY = False

ENV_BACKEND = "GRIDSVC_H3_BACKEND"
BACKENDS = ("h3ronpy", "h3")
#: Arrays at least this long are split over THREADS worker threads (h3ronpy only).
PARALLEL_MIN = 100_000
THREADS = 2

_U64 = np.uint64
#: Most metres one degree of latitude or longitude spans anywhere (WGS 84).
_MAX_M_PER_DEG = float(metres_per_degree(90.0)[1])


def backend_name(backend: str | None = None) -> str:
    """The backend a call with ``backend`` would use: argument, env var, then the default."""
    name = (backend or os.environ.get(ENV_BACKEND) or "").strip().lower()
    if not name:
        return "h3ronpy" if _HAVE_H3RONPY else "h3"
    if name not in BACKENDS:
        raise ValueError(f"unknown H3 backend {name!r}; expected one of {', '.join(BACKENDS)}")
    if name == "h3ronpy" and not _HAVE_H3RONPY:
        raise ValueError("H3 backend 'h3ronpy' requested but h3ronpy is not installed")
    return name


def _chunked(fn: Callable[[slice], np.ndarray], n: int, threads: int | None) -> np.ndarray:
    """Concatenate ``fn`` over slices of range(n), run in threads for long inputs."""
    workers = THREADS if threads is None else max(1, int(threads))
    if workers == 1 or n < PARALLEL_MIN:
        return fn(slice(0, n))
    bounds = np.linspace(0, n, workers + 1).astype(int)
    parts = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return np.concatenate(list(pool.map(fn, parts)))


def valid_latlng(lat: Any, lng: Any) -> np.ndarray:
    """True where lat is in [-90, 90] and lng in [-180, 180] degrees (NaN is invalid)."""
    lat = np.asarray(lat, dtype=np.float64)
    lng = np.asarray(lng, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (np.abs(lat) <= 90.0) & (np.abs(lng) <= 180.0)


def latlng_to_cells(
    lat: Any, lng: Any, res: int, *, backend: str | None = None, threads: int | None = None
) -> np.ndarray:
    """H3 cells (uint64) of points given in degrees; NaN or out-of-range input gives 0."""
    lat = np.ascontiguousarray(lat, dtype=np.float64).ravel()
    lng = np.ascontiguousarray(lng, dtype=np.float64).ravel()
    if lat.shape != lng.shape:
        raise ValueError(f"lat and lng differ in length ({lat.size} vs {lng.size})")
    out = np.zeros(lat.size, dtype=_U64)
    ok = valid_latlng(lat, lng)
    all_ok = bool(ok.all())
    vlat, vlng = (lat, lng) if all_ok else (lat[ok], lng[ok])
    if backend_name(backend) == "h3ronpy":

        def run(part: slice) -> np.ndarray:
            cells = h3v.coordinates_to_cells(vlat[part], vlng[part], int(res))
            return np.asarray(cells, dtype=_U64)

        cells = _chunked(run, vlat.size, threads)
    else:
        to_cell = h3i.latlng_to_cell
        cells = np.fromiter(
            (to_cell(a, b, res) for a, b in zip(vlat.tolist(), vlng.tolist(), strict=True)),
            dtype=_U64,
            count=vlat.size,
        )
    if all_ok:
        return cells
    out[ok] = cells
    return out


def _as_cells(cells: Any) -> np.ndarray:
    return np.ascontiguousarray(cells, dtype=_U64).ravel()


def cells_valid(cells: Any, *, backend: str | None = None) -> np.ndarray:
    """True where the value is a valid H3 cell index."""
    cells = _as_cells(cells)
    if backend_name(backend) == "h3ronpy":
        return np.asarray(h3ronpy.cells_valid(cells, booleanarray=True).to_numpy(), dtype=bool)
    return np.fromiter((h3i.is_valid_cell(c) for c in cells.tolist()), bool, count=cells.size)


def cell_polygons(cells: Any, *, backend: str | None = None) -> np.ndarray:
    """Shapely lon/lat (degrees) polygons of the cells; None for invalid cells."""
    cells = _as_cells(cells)
    out = np.full(cells.size, None, dtype=object)
    ok = cells_valid(cells, backend=backend)
    good = cells[ok]
    if not good.size:
        return out
    if backend_name(backend) == "h3ronpy":
        wkb = h3v.cells_to_wkb_polygons(good).to_pylist()
        out[ok] = shapely.from_wkb(wkb)
        return out
    rings = [h3i.cell_to_boundary(c) for c in good.tolist()]
    sizes = np.fromiter((len(r) for r in rings), np.int64, count=len(rings))
    latlng = np.array([v for r in rings for v in r], dtype=np.float64)
    ring_ids = np.repeat(np.arange(len(rings)), sizes)
    linear = shapely.linearrings(latlng[:, ::-1], indices=ring_ids)
    out[ok] = shapely.polygons(linear)
    return out


def cell_centres(cells: Any, *, backend: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lng, lat) in degrees of the cells' centres; NaN for invalid cells."""
    cells = _as_cells(cells)
    lng = np.full(cells.size, np.nan)
    lat = np.full(cells.size, np.nan)
    ok = cells_valid(cells, backend=backend)
    good = cells[ok]
    if not good.size:
        return lng, lat
    if backend_name(backend) == "h3ronpy":
        batch = h3v.cells_to_coordinates(good)
        lat[ok] = np.asarray(batch.column("lat"), dtype=np.float64)
        lng[ok] = np.asarray(batch.column("lng"), dtype=np.float64)
    else:
        pairs = np.array([h3i.cell_to_latlng(c) for c in good.tolist()], dtype=np.float64)
        lat[ok], lng[ok] = pairs[:, 0], pairs[:, 1]
    return lng, lat


def polygon_cells_flat(
    geoms: Sequence[Any] | np.ndarray, res: int, *, backend: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(cells, geometry position) pairs, cells centred in each lon/lat (Multi)Polygon.

    Sorted by position then cell, without duplicates; None and empty geometries have none.
    """
    arr = np.asarray(geoms, dtype=object).ravel()
    present = np.flatnonzero(~(shapely.is_missing(arr) | shapely.is_empty(arr)))
    if backend_name(backend) == "h3ronpy":
        wkb = shapely.to_wkb(arr[present])

        def run(part: slice) -> np.ndarray:
            lists = h3v.wkb_to_cells(list(wkb[part]), int(res))
            offsets = np.asarray(arrow.list_offsets(lists), dtype=np.int64)
            pairs = np.empty((int(offsets[-1]) if len(offsets) else 0, 2), dtype=_U64)
            pairs[:, 0] = np.asarray(arrow.list_flatten(lists), dtype=_U64)
            pairs[:, 1] = np.repeat(present[part], np.diff(offsets))
            return pairs

        pairs = _chunked(run, present.size, None)
        cells, where = pairs[:, 0], pairs[:, 1].astype(np.int64)
    else:
        found = [np.array(h3i.geo_to_cells(arr[i], res), dtype=_U64) for i in present]
        sizes = np.fromiter((len(f) for f in found), np.int64, count=len(found))
        cells = np.concatenate([*found, np.zeros(0, _U64)])
        where = np.repeat(present.astype(np.int64), sizes)
    order = np.lexsort((cells, where))
    cells, where = cells[order], where[order]
    fresh = np.r_[True, (cells[1:] != cells[:-1]) | (where[1:] != where[:-1])][: cells.size]
    return cells[fresh], where[fresh]


def polygon_cells(
    geoms: Sequence[Any] | np.ndarray, res: int, *, backend: str | None = None
) -> list[np.ndarray]:
    """Sorted cells whose centre lies in each lon/lat (Multi)Polygon; empty for None/empty."""
    n = np.asarray(geoms, dtype=object).size
    cells, where = polygon_cells_flat(geoms, res, backend=backend)
    return np.split(cells, np.searchsorted(where, np.arange(1, n))) if n else []


def line_cells(
    lines: Any, res: int, step_m: float, *, k: int = 1, backend: str | None = None
) -> np.ndarray:
    """Cells of points at most ``step_m`` metres apart along lon/lat linework, plus k rings."""
    arr = np.asarray(lines, dtype=object).ravel()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if not arr.size:
        return np.zeros(0, dtype=_U64)
    xy = shapely.get_coordinates(shapely.segmentize(arr, step_m / _MAX_M_PER_DEG))
    cells = latlng_to_cells(xy[:, 1], xy[:, 0], res, backend=backend)
    return grid_disk(np.unique(cells[cells != 0]), k, backend=backend)


def grown_cell_polygons(cells: Any, pad_m: float, *, backend: str | None = None) -> np.ndarray:
    """Cell hexagons grown by at least ``pad_m`` metres in every direction (lon/lat).

    Each convex cell is scaled about its centre until every edge line has moved out by the
    pad (in degrees at the cell's own latitude), so it holds the pad's neighbourhood.
    """
    cells = _as_cells(cells)
    xy, ring = shapely.get_coordinates(cell_polygons(cells, backend=backend), return_index=True)
    lng, lat = cell_centres(cells, backend=backend)
    per_lon, per_lat = metres_per_degree(np.minimum(np.abs(lat) + 0.01, 89.0))
    pad = pad_m / np.minimum(per_lon, per_lat)
    centre = np.column_stack([lng, lat])[ring]
    edge = np.r_[xy[1:], xy[:1]] - xy
    length = np.hypot(edge[:, 0], edge[:, 1])
    last = np.r_[ring[1:] != ring[:-1], True]  # a ring's closing vertex starts no edge
    cross = np.abs(edge[:, 0] * (centre[:, 1] - xy[:, 1]) - edge[:, 1] * (centre[:, 0] - xy[:, 0]))
    dist = np.where(last | (length == 0), np.inf, cross / np.where(length > 0, length, 1.0))
    inradius = np.full(cells.size, np.inf)
    np.minimum.at(inradius, ring, dist)
    scale = (1.0 + pad / inradius)[ring][:, None]
    out = np.full(cells.size, None, dtype=object)
    grown = shapely.polygons(shapely.linearrings(centre + scale * (xy - centre), indices=ring))
    out[np.unique(ring)] = grown
    return out


def grid_disk(cells: Any, k: int, *, backend: str | None = None) -> np.ndarray:
    """Sorted unique cells within ``k`` grid steps of any of the given cells."""
    cells = np.unique(_as_cells(cells))
    if not cells.size:
        return cells
    if backend_name(backend) == "h3ronpy":
        return np.unique(np.asarray(h3ronpy.grid_disk(cells, int(k), flatten=True), dtype=_U64))
    found: set[int] = set()
    for c in cells.tolist():
        found.update(h3i.grid_disk(c, k))
    return np.unique(np.fromiter(found, dtype=_U64, count=len(found)))


def cell_parents(cells: Any, res: int, *, backend: str | None = None) -> np.ndarray:
    """The parent (uint64) at resolution ``res`` of each cell, element by element."""
    cells = _as_cells(cells)
    if backend_name(backend) == "h3ronpy":
        return np.asarray(h3ronpy.change_resolution(cells, int(res)), dtype=_U64)
    parents = (h3i.cell_to_parent(c, res) for c in cells.tolist())
    return np.fromiter(parents, dtype=_U64, count=cells.size)


def cells_to_str(cells: Any, *, backend: str | None = None) -> np.ndarray:
    """Hexadecimal H3 strings (object array) of the cells."""
    cells = _as_cells(cells)
    if backend_name(backend) == "h3ronpy":
        return np.array(h3ronpy.cells_to_string(cells).to_pylist(), dtype=object)
    return np.array([h3.int_to_str(c) for c in cells.tolist()], dtype=object)


def str_to_cells(strs: Iterable[str], *, backend: str | None = None) -> np.ndarray:
    """uint64 cells of hexadecimal H3 strings; ValueError when one is not a valid cell."""
    items = [str(s) for s in strs]
    if backend_name(backend) == "h3ronpy":
        try:
            return np.asarray(h3ronpy.cells_parse(items), dtype=_U64)
        except (ValueError, RuntimeError) as exc:
            raise ValueError(f"not an H3 cell: {exc}") from None
    out = np.zeros(len(items), dtype=_U64)
    for i, s in enumerate(items):
        try:
            value = h3.str_to_int(s)
        except (ValueError, h3.H3BaseException):
            value = 0
        if not value or not h3i.is_valid_cell(value):
            raise ValueError(f"not an H3 cell: {s!r}")
        out[i] = value
    return out


def edge_length_m(res: int) -> float:
    """Average H3 hexagon edge length at resolution ``res`` in metres."""
    return float(h3.average_hexagon_edge_length(int(res), unit="m"))


def cell_resolution(cells: Any) -> np.ndarray:
    """The resolution (0–15) of each cell, read from its index bits."""
    return ((_as_cells(cells) >> _U64(52)) & _U64(0xF)).astype(np.int8)


def cell_children(cells: Any, res: int) -> np.ndarray:
    """Sorted unique children at the finer resolution ``res`` of all the given cells."""
    found = [
        np.asarray(h3i.cell_to_children(int(c), int(res)), dtype=_U64) for c in _as_cells(cells)
    ]
    return np.unique(np.concatenate([*found, np.zeros(0, _U64)]))
