"""The lon/lat raster behind ``Locator.locate_grids``: exact cells, answers equal to covers."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gridsvc.spatial.cellindex import build_cell_index
from gridsvc.spatial.locate import Locator, _unshared_edges
from gridsvc.spatial.raster import MARGIN, Raster, build_raster
from tests.unit.test_locate import district_layer, expected, square_layer

RES = 11
SIZES = (400, 30_000, 1 << 22)  # coarse (many candidates per cell), medium, the default


@pytest.fixture(scope="module")
def district() -> tuple[np.ndarray, np.ndarray]:
    return district_layer()


@pytest.fixture(scope="module")
def index(district: tuple[np.ndarray, np.ndarray]) -> object:
    return build_cell_index(*district, RES)


def locator_of(codes: np.ndarray, geoms: np.ndarray, cells: int, index: object = None) -> Locator:
    return Locator(index or build_cell_index(codes, geoms, RES), geoms, raster_cells=cells)


def on_raster_lines(raster: Raster, rng: np.random.Generator, n: int) -> np.ndarray:
    """Points on the raster's cell borders and at its cell corners (as floats compute them)."""
    i, j = rng.integers(0, raster.nx + 1, n), rng.integers(0, raster.ny + 1, n)
    x, y = raster.x0 + i * raster.dx, raster.y0 + j * raster.dy
    u = rng.uniform(0, 1, n)
    return np.vstack(
        [
            np.column_stack([x, y]),
            np.column_stack([x, raster.y0 + u * raster.ny * raster.dy]),
            np.column_stack([raster.x0 + u * raster.nx * raster.dx, y]),
        ]
    )


def near_edges(geoms: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """All vertices, points along and at the middle of edges, and points just off edges."""
    xy = shapely.get_coordinates(geoms)
    i = rng.integers(0, len(xy) - 1, n)
    t = rng.uniform(0, 1, (n, 1))
    along = xy[i] + t * (xy[i + 1] - xy[i])
    off = along + rng.choice([-1, 1], (n, 2)) * rng.uniform(0, 3 * MARGIN, (n, 2))
    return np.vstack([xy, along, (xy[i] + xy[i + 1]) / 2, off, np.nextafter(xy, 0)])


def assert_exact(locator: Locator, geoms: np.ndarray, pts: np.ndarray) -> None:
    got = locator.locate_grids(pts[:, 0], pts[:, 1])
    want = expected(geoms, pts[:, 0], pts[:, 1])
    bad = np.flatnonzero(got != want)
    assert not bad.size, f"{bad.size} points differ, e.g. {pts[bad[:3]].tolist()}"


@pytest.mark.parametrize("cells", SIZES)
def test_district_points_match_covers(district: tuple, index: object, cells: int) -> None:
    codes, geoms = district
    locator = locator_of(codes, geoms, cells, index)
    raster = locator.raster
    assert raster.nx * raster.ny <= cells and raster.n_boundary > 0
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    rng = np.random.default_rng(cells)
    random = np.column_stack(
        [
            rng.uniform(xmin - 0.01, xmax + 0.01, 20_000),
            rng.uniform(ymin - 0.01, ymax + 0.01, 20_000),
        ]
    )
    pts = np.vstack([random, near_edges(geoms, rng, 5000), on_raster_lines(raster, rng, 3000)])
    assert_exact(locator, geoms, pts)
    assert np.array_equal(locator.locate(pts[:, 0], pts[:, 1]).grid_id, expected(geoms, *pts.T))


@pytest.mark.parametrize("cells", (100, 5_000, 1 << 22))
def test_shared_edges_holes_and_parts(cells: int) -> None:
    codes, geoms = square_layer()
    locator = locator_of(codes, geoms, cells)
    step, n = 2.0**-10, 8
    lines = 104.0 + np.arange(n + 1) * step, 30.5 + np.arange(n + 1) * step
    gx, gy = np.meshgrid(*lines)
    rng = np.random.default_rng(cells)
    span_x, span_y = (103.999, 104.001 + n * step), (30.499, 30.501 + n * step)
    pts = np.vstack(
        [
            np.column_stack([gx.ravel(), gy.ravel()]),
            np.column_stack([rng.choice(lines[0], 3000), rng.uniform(*span_y, 3000)]),
            np.column_stack([rng.uniform(*span_x, 3000), rng.choice(lines[1], 3000)]),
            np.column_stack([rng.uniform(*span_x, 3000), rng.uniform(*span_y, 3000)]),
            near_edges(geoms, rng, 2000),
            on_raster_lines(locator.raster, rng, 2000),
        ]
    )
    assert_exact(locator, geoms, pts)


def test_overlapping_nested_and_tiny_grids() -> None:
    lng0, lat0, step = 104.0, 30.5, 2.0**-10
    big = shapely.box(lng0, lat0, lng0 + 4 * step, lat0 + 4 * step)
    inner = shapely.box(lng0 + step, lat0 + step, lng0 + 2 * step, lat0 + 2 * step)
    shifted = shapely.box(lng0 + 3 * step, lat0 + 0.5 * step, lng0 + 6 * step, lat0 + 3 * step)
    tip = (lng0 + 5 * step, lat0 + 4.2 * step)
    sliver = shapely.Polygon([(lng0 + 4.5 * step, lat0 + 4 * step), tip, (tip[0], tip[1] + 2e-7)])
    speck = shapely.box(
        lng0 + 5 * step, lat0 + 0.1 * step, lng0 + 5 * step + 3e-7, lat0 + 0.1 * step + 3e-7
    )
    geoms = np.array([inner, shifted, big, sliver, speck], dtype=object)  # ids = code order
    codes = np.array([f"51010400100100{k}" for k in range(1, 6)])
    rng = np.random.default_rng(9)
    for cells in (50, 2_000, 1 << 22):
        locator = locator_of(codes, geoms, cells)
        random = rng.uniform(
            [lng0 - step, lat0 - step], [lng0 + 7 * step, lat0 + 5 * step], (20_000, 2)
        )
        in_small = np.vstack(
            [rng.uniform(g.bounds[:2], g.bounds[2:], (2000, 2)) for g in (sliver, speck)]
        )
        pts = np.vstack([random, in_small, near_edges(geoms, rng, 3000)])
        assert_exact(locator, geoms, pts)
    assert locator.locate_one(lng0 + 1.5 * step, lat0 + 1.5 * step) == codes[0]  # inner < big
    assert locator.locate_one(lng0 + 3.5 * step, lat0 + 1.5 * step) == codes[1]  # shifted < big
    assert locator.locate_one(lng0 + 5.5 * step, lat0 + 1.5 * step) == codes[1]


def _rects(raster: Raster, cells: np.ndarray) -> np.ndarray:
    """The cells' rectangles grown by MARGIN."""
    i, j = cells % raster.nx, cells // raster.nx
    x, y = raster.x0 + i * raster.dx, raster.y0 + j * raster.dy
    return shapely.box(x - MARGIN, y - MARGIN, x + raster.dx + MARGIN, y + raster.dy + MARGIN)


def test_cell_classes_hold_by_construction(district: tuple) -> None:
    _, geoms = district
    raster = build_raster(geoms, _unshared_edges(geoms), 40_000)
    values = raster.values[:-1]
    tree = shapely.STRtree(geoms)
    owned = np.flatnonzero(values >= 0)
    rects = _rects(raster, owned)
    qi, gi = tree.query(rects, predicate="intersects")
    assert np.array_equal(qi, np.arange(owned.size)) and np.array_equal(gi, values[owned])
    assert shapely.covers(geoms[values[owned]], rects).all()
    outside = np.flatnonzero(values == -1)
    assert outside.size and not tree.query(_rects(raster, outside), predicate="intersects").size
    cells = np.flatnonzero(values < -1)
    rows = -2 - values[cells]
    assert np.array_equal(rows, np.arange(raster.n_boundary))
    rects = _rects(raster, cells)
    qi, gi = tree.query(rects, predicate="intersects")
    for k in range(0, cells.size, 5):
        cands = raster.cand_ids[raster.cand_ptr[k] : raster.cand_ptr[k + 1]]
        assert np.all(np.diff(cands) > 0) and np.isin(gi[qi == k], cands).all()
        if raster.closed[k]:
            assert shapely.covers(shapely.union_all(geoms[cands]), rects[k])
    assert raster.closed.any() and not raster.closed.all()


def test_raster_size_and_memory(district: tuple, index: object) -> None:
    codes, geoms = district
    locator = locator_of(codes, geoms, 1 << 20, index)
    raster = locator.raster
    assert raster.nx * raster.ny <= 1 << 20 and raster.values.dtype == np.int32
    assert raster.nbytes() >= raster.values.nbytes >= 4 * raster.nx * raster.ny
    assert locator.memory_bytes() == index.nbytes() + raster.nbytes()
    metres = (raster.dx * np.cos(np.radians(raster.y0)), raster.dy)
    assert 0.8 < metres[0] / metres[1] < 1.25  # about square on the ground
    empty = build_raster(np.array([None, shapely.Polygon()], dtype=object), [])
    assert empty.lookup(np.array([104.0, np.nan]), np.array([30.5, 0.0])).tolist() == [-1, -1]


def test_invalid_and_far_points(district: tuple, index: object) -> None:
    codes, geoms = district
    locator = locator_of(codes, geoms, 30_000, index)
    lng = np.array([np.nan, 104.08, np.inf, -np.inf, 181.0, 104.08, 0.0, 104.08, 1e300])
    lat = np.array([30.6, np.nan, 30.6, 30.6, 30.6, 91.0, 0.0, -1e300, 30.6])
    assert locator.locate_grids(lng, lat).tolist() == [-1] * lng.size
    inside = shapely.point_on_surface(geoms[0])
    assert locator.locate_one(inside.x, inside.y) == codes[0]
