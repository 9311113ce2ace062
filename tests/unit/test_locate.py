"""Exact point → grid location: equal to shapely ``covers`` with the smallest-code rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

import gridsvc
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.spatial import h3cells
from gridsvc.spatial.cellindex import build_cell_index
from gridsvc.spatial.locate import Locator, invalid_mask

RES = 11
DISTRICTS = Path(gridsvc.__file__).parent / "data" / "districts"


def district_layer(adcode: str = "510104", seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Generated grids of a bundled district: codes ascending and their lon/lat polygons."""
    raw = shapely.from_geojson((DISTRICTS / f"{adcode}.geojson").read_text())
    boundary = transform_geometries([raw], parse_crs("gcj02"))[0]
    grids = sorted(
        (u for u in generate_hierarchy(boundary, adcode, seed) if u.level.value == "grid"),
        key=lambda u: u.code,
    )
    return np.array([u.code for u in grids]), np.array([u.geometry for u in grids], dtype=object)


def square_layer(n: int = 8, step: float = 2.0**-10) -> tuple[np.ndarray, np.ndarray]:
    """n×n squares (~100 m) with exactly representable corners and shuffled codes, plus a
    grid with a hole, an island in it and a two-part grid."""
    lng0, lat0 = 104.0, 30.5

    def box(i: int, j: int, w: int = 1, h: int = 1) -> shapely.Polygon:
        return shapely.box(lng0 + i * step, lat0 + j * step,
                           lng0 + (i + w) * step, lat0 + (j + h) * step)  # fmt: skip

    taken = {(i, j) for i in range(2, 5) for j in range(2, 5)} | {(0, n - 1), (n - 1, 0)}
    geoms = [box(i, j) for i in range(n) for j in range(n) if (i, j) not in taken]
    geoms += [shapely.Polygon(box(2, 2, 3, 3).exterior.coords, [box(3, 3).exterior.coords]),
              box(3, 3), shapely.MultiPolygon([box(0, n - 1), box(n - 1, 0)])]  # fmt: skip
    seqs = np.random.default_rng(5).permutation(len(geoms)) + 1
    codes = np.array([f"510104001{s // 100 + 1:03d}{s % 100 + 1:03d}" for s in seqs])
    order = np.argsort(codes)
    return codes[order], np.array(geoms, dtype=object)[order]


def expected(geoms: np.ndarray, lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Smallest id (= smallest code) of the grids covering each point, -1 for none."""
    pi, gi = shapely.STRtree(geoms).query(shapely.points(lng, lat), predicate="covered_by")
    out = np.full(lng.size, np.iinfo(np.int32).max, dtype=np.int64)
    np.minimum.at(out, pi, gi)
    out[out == np.iinfo(np.int32).max] = -1
    return out


@pytest.fixture(scope="module")
def district() -> tuple[np.ndarray, np.ndarray, Locator]:
    codes, geoms = district_layer()
    return codes, geoms, Locator(build_cell_index(codes, geoms, RES), geoms)


@pytest.fixture(scope="module")
def squares() -> tuple[np.ndarray, np.ndarray, Locator]:
    codes, geoms = square_layer()
    return codes, geoms, Locator(build_cell_index(codes, geoms, RES), geoms)


def test_random_points_match_covers(district: tuple) -> None:
    codes, geoms, locator = district
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    rng = np.random.default_rng(3)
    lng = rng.uniform(xmin - 0.01, xmax + 0.01, 20_000)
    lat = rng.uniform(ymin - 0.01, ymax + 0.01, 20_000)
    result = locator.locate(lng, lat)
    want = expected(geoms, lng, lat)
    assert np.array_equal(result.grid_id, want)
    assert np.array_equal(locator.locate_grids(lng, lat), want)
    assert (want >= 0).mean() > 0.2 and (want < 0).mean() > 0.05  # inside and outside both hit
    assert np.array_equal(result.cells, h3cells.latlng_to_cells(lat, lng, RES))
    assert locator.codes(result.grid_id).tolist() == [
        codes[g] if g >= 0 else None for g in want.tolist()
    ]


def test_vertices_and_edges_of_generated_grids(district: tuple) -> None:
    _, geoms, locator = district
    xy = shapely.get_coordinates(geoms)
    rng = np.random.default_rng(4)
    i = rng.integers(0, len(xy) - 1, 5000)
    t = rng.uniform(0, 1, (5000, 1))
    on_edges = xy[i] + t * (xy[i + 1] - xy[i])  # on (or within rounding of) an edge
    pts = np.vstack([xy, on_edges, (xy[i] + xy[i + 1]) / 2])
    got = locator.locate(pts[:, 0], pts[:, 1]).grid_id
    assert np.array_equal(got, expected(geoms, pts[:, 0], pts[:, 1]))


def test_shared_edges_and_vertices_take_the_smallest_code(squares: tuple) -> None:
    codes, geoms, locator = squares
    step, n = 2.0**-10, 8
    lines = 104.0 + np.arange(n + 1) * step, 30.5 + np.arange(n + 1) * step
    gx, gy = np.meshgrid(*lines)
    rng = np.random.default_rng(6)
    along = rng.uniform(30.5, 30.5 + n * step, 4000)
    across = rng.choice(lines[0], 4000)
    lng = np.r_[gx.ravel(), across, rng.uniform(104.0, 104.0 + n * step, 4000)]
    lat = np.r_[gy.ravel(), along, rng.choice(lines[1], 4000)]
    got = locator.locate(lng, lat).grid_id
    want = expected(geoms, lng, lat)
    assert np.array_equal(got, want)
    assert (want >= 0).all()
    # a point on the border of two squares goes to the smaller code
    x, y = 104.0 + 5 * step, 30.5 + 6.5 * step
    owners = [k for k, g in enumerate(geoms) if g.intersects(shapely.Point(x, y))]
    assert len(owners) == 2 and locator.locate_one(x, y) == codes[min(owners)]


def test_hole_island_and_multipolygon(squares: tuple) -> None:
    codes, geoms, locator = squares
    step = 2.0**-10
    square = shapely.box(104 + 3 * step, 30.5 + 3 * step, 104 + 4 * step, 30.5 + 4 * step)
    island = int(np.flatnonzero([g.equals(square) for g in geoms])[0])
    assert locator.locate_one(104 + 3.5 * step, 30.5 + 3.5 * step) == codes[island]
    multi = int(np.flatnonzero(shapely.get_type_id(geoms) == 6)[0])
    assert locator.locate_one(104 + 7.5 * step, 30.5 + 0.5 * step) == codes[multi]
    assert locator.locate_one(104 + 0.5 * step, 30.5 + 7.5 * step) == codes[multi]


def test_invalid_and_outside_points(district: tuple) -> None:
    _, geoms, locator = district
    lng = np.array([np.nan, 104.08, 181.0, 104.08, -np.inf, 0.0, 104.08])
    lat = np.array([30.6, np.nan, 30.6, -91.0, 30.6, 0.0, 30.0])
    mask = invalid_mask(lng, lat)
    assert mask.tolist() == [True, True, True, True, True, False, False]
    result = locator.locate(lng, lat)
    assert result.grid_id.tolist() == [-1] * 7
    assert result.cells[mask].tolist() == [0] * 5 and (result.cells[~mask] != 0).all()
    assert locator.locate_one(float("nan"), 30.6) is None
    assert locator.locate_grids(lng, lat).tolist() == [-1] * 7
    assert locator.locate_grids([], []).dtype == np.int32
    empty = locator.locate([], [])
    assert empty.grid_id.shape == (0,) and empty.cells.dtype == np.uint64
    with pytest.raises(ValueError, match="differ in length"):
        locator.locate([1.0], [])


def test_threads_and_backends_agree(district: tuple) -> None:
    _, geoms, locator = district
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    rng = np.random.default_rng(8)
    lng, lat = rng.uniform(xmin, xmax, 150_000), rng.uniform(ymin, ymax, 150_000)
    many = locator.locate(lng, lat)
    single = Locator(locator.index, geoms, threads=1).locate(lng, lat)
    loop = Locator(locator.index, geoms, backend="h3").locate(lng[:20_000], lat[:20_000])
    assert np.array_equal(many.grid_id, single.grid_id)
    assert np.array_equal(many.grid_id[:20_000], loop.grid_id)
    assert np.array_equal(many.cells[:20_000], loop.cells)


def test_construction(district: tuple) -> None:
    _, geoms, locator = district
    with pytest.raises(ValueError, match="geometries"):
        Locator(locator.index, geoms[:-1])
    assert locator.memory_bytes() > locator.index.nbytes() > 0
    assert locator.codes([-1, 0]).tolist() == [None, locator.index.codes[0]]


def test_empty_layer_and_missing_geometry() -> None:
    empty = Locator(build_cell_index([], [], RES), [])
    assert empty.locate([104.0, np.nan], [30.5, 30.5]).grid_id.tolist() == [-1, -1]
    square = shapely.box(104.0, 30.5, 104.001, 30.501)
    codes = ["510104001001001", "510104001001002"]
    locator = Locator(build_cell_index(codes, [None, square], RES), [None, square])
    assert locator.locate_one(104.0005, 30.5005) == codes[1]
    assert locator.locate_one(104.002, 30.5005) is None
