"""Bulk H3 operations: both backends give the same answers; invalid input; round trips."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gridsvc.geo.measure import metres_per_degree
from gridsvc.spatial import h3cells

BACKENDS = ["h3ronpy", "h3"]
RES = 11
#: Around 锦江区 (Chengdu), degrees.
LNG0, LAT0 = 104.08, 30.63


def _points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return LAT0 + rng.uniform(-0.05, 0.05, n), LNG0 + rng.uniform(-0.05, 0.05, n)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def cells() -> np.ndarray:
    lat, lng = _points(3000)
    return np.unique(h3cells.latlng_to_cells(lat, lng, RES, backend="h3"))


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(h3cells.ENV_BACKEND, "h3")
    assert h3cells.backend_name() == "h3"
    assert h3cells.backend_name("h3ronpy") == "h3ronpy"
    monkeypatch.delenv(h3cells.ENV_BACKEND)
    assert h3cells.backend_name() in h3cells.BACKENDS
    with pytest.raises(ValueError, match="unknown H3 backend"):
        h3cells.backend_name("s2")


def test_latlng_to_cells_backends_agree() -> None:
    lat, lng = _points(h3cells.PARALLEL_MIN + 10_000)  # long enough for the threaded path
    fast = h3cells.latlng_to_cells(lat, lng, RES, backend="h3ronpy")
    loop = h3cells.latlng_to_cells(lat, lng, RES, backend="h3")
    assert fast.dtype == np.uint64 and np.array_equal(fast, loop)
    single = h3cells.latlng_to_cells(lat, lng, RES, backend="h3ronpy", threads=1)
    assert np.array_equal(fast, single)


def test_invalid_coordinates_give_zero(backend: str) -> None:
    lat = np.array([np.nan, 91.0, -90.5, 30.6, np.inf, 30.6, 90.0])
    lng = np.array([104.0, 104.0, 104.0, np.nan, 104.0, 180.5, 180.0])
    out = h3cells.latlng_to_cells(lat, lng, RES, backend=backend)
    assert out[:6].tolist() == [0] * 6
    assert out[6] != 0  # the pole and the antimeridian are valid input
    assert h3cells.latlng_to_cells([], [], RES, backend=backend).shape == (0,)
    with pytest.raises(ValueError, match="differ in length"):
        h3cells.latlng_to_cells([1.0], [1.0, 2.0], RES, backend=backend)


def test_cell_polygons_agree_and_contain_centres(cells: np.ndarray) -> None:
    fast = h3cells.cell_polygons(cells, backend="h3ronpy")
    loop = h3cells.cell_polygons(cells, backend="h3")
    assert all(a.equals_exact(b, 1e-12) for a, b in zip(fast, loop, strict=True))
    lng, lat = h3cells.cell_centres(cells, backend="h3")
    assert shapely.contains_xy(fast, lng, lat).all()
    assert np.allclose(shapely.area(fast), np.median(shapely.area(fast)), rtol=0.05)


def test_invalid_cells_have_no_shape(backend: str, cells: np.ndarray) -> None:
    polys = h3cells.cell_polygons(np.r_[cells[:2], 0, 12345], backend=backend)
    assert polys[2] is None and polys[3] is None and polys[0] is not None
    lng, lat = h3cells.cell_centres(np.r_[cells[:1], 0], backend=backend)
    assert np.isfinite(lng[0]) and np.isnan(lng[1]) and np.isnan(lat[1])


def test_centres_round_trip(backend: str, cells: np.ndarray) -> None:
    lng, lat = h3cells.cell_centres(cells, backend=backend)
    ref_lng, ref_lat = h3cells.cell_centres(cells, backend="h3")
    assert np.allclose(lng, ref_lng, rtol=0, atol=1e-12)
    assert np.allclose(lat, ref_lat, rtol=0, atol=1e-12)
    assert np.array_equal(h3cells.latlng_to_cells(lat, lng, RES, backend=backend), cells)


def test_polygon_cells_multipolygon(backend: str) -> None:
    a = shapely.Point(LNG0, LAT0).buffer(0.003)
    b = (
        shapely.Point(LNG0 + 0.01, LAT0)
        .buffer(0.002)
        .difference(shapely.Point(LNG0 + 0.01, LAT0).buffer(0.001))
    )  # a ring with a hole
    multi = shapely.MultiPolygon([a, b])
    out = h3cells.polygon_cells([multi, None, shapely.Polygon(), a], RES, backend=backend)
    assert len(out) == 4 and out[1].size == 0 and out[2].size == 0
    whole, part = out[0], out[3]
    ref = h3cells.polygon_cells([multi], RES, backend="h3")[0]
    assert np.array_equal(whole, ref) and np.all(np.diff(whole.astype(np.int64)) > 0)
    assert np.isin(part, whole).all() and whole.size > part.size > 0
    lng, lat = h3cells.cell_centres(whole, backend=backend)
    assert shapely.contains_xy(multi, lng, lat).all()  # centre containment, holes respected
    hole = shapely.Point(LNG0 + 0.01, LAT0).buffer(0.0009)
    assert not shapely.contains_xy(hole, lng, lat).any()


def test_grid_disk(backend: str, cells: np.ndarray) -> None:
    one = h3cells.grid_disk(cells[:1], 1, backend=backend)
    assert one.size == 7 and cells[0] in one
    many = h3cells.grid_disk(cells[:50], 2, backend=backend)
    assert np.array_equal(many, h3cells.grid_disk(cells[:50], 2, backend="h3"))
    assert np.array_equal(many, np.unique(many))
    assert h3cells.grid_disk([], 1, backend=backend).size == 0


def test_cell_parents(backend: str, cells: np.ndarray) -> None:
    parents = h3cells.cell_parents(cells, 9, backend=backend)
    assert parents.shape == cells.shape
    assert np.array_equal(parents, h3cells.cell_parents(cells, 9, backend="h3"))
    # a parent's children at res 11 include the cell
    assert np.array_equal(h3cells.cell_parents(cells, RES, backend=backend), cells)


def test_strings_round_trip(backend: str, cells: np.ndarray) -> None:
    strs = h3cells.cells_to_str(cells[:100], backend=backend)
    assert strs.tolist() == h3cells.cells_to_str(cells[:100], backend="h3").tolist()
    assert all(s == format(int(c), "x") for s, c in zip(strs, cells[:100], strict=True))
    assert np.array_equal(h3cells.str_to_cells(strs, backend=backend), cells[:100])
    with pytest.raises(ValueError, match="not an H3 cell"):
        h3cells.str_to_cells(["8b4070600000fff", "not-a-cell"], backend=backend)


def test_edge_length() -> None:
    assert h3cells.edge_length_m(11) == pytest.approx(28.66, rel=0.01)
    assert h3cells.edge_length_m(10) > h3cells.edge_length_m(11)


def test_grown_cell_polygons_hold_the_pad(backend: str, cells: np.ndarray) -> None:
    pad_m = 0.5
    grown = h3cells.grown_cell_polygons(np.r_[cells[:300], 0], pad_m, backend=backend)
    assert grown[-1] is None
    _, lat = h3cells.cell_centres(cells[:300], backend=backend)
    per_lon, per_lat = metres_per_degree(lat)  # the metric pad is widest in degrees of lon
    pad_deg = pad_m / np.minimum(per_lon, per_lat)
    hexes = h3cells.cell_polygons(cells[:300], backend=backend)
    assert shapely.covers(grown[:-1], shapely.buffer(hexes, 0.999 * pad_deg)).all()
    assert (shapely.area(grown[:-1]) < shapely.area(shapely.buffer(hexes, 2 * pad_deg))).all()


def test_line_cells_catch_every_cell_a_line_crosses(backend: str) -> None:
    line = shapely.LineString([(LNG0, LAT0), (LNG0 + 0.01, LAT0 + 0.003), (LNG0 + 0.002, LAT0)])
    found = h3cells.line_cells([line, None], RES, 7.0, backend=backend)
    t = np.linspace(0, 1, 20_000)
    pts = shapely.line_interpolate_point(line, t, normalized=True)
    xy = shapely.get_coordinates(pts)
    crossed = np.unique(h3cells.latlng_to_cells(xy[:, 1], xy[:, 0], RES))
    assert np.isin(crossed, found).all()
    assert np.array_equal(found, h3cells.line_cells([line], RES, 7.0, backend="h3"))
    assert h3cells.line_cells([], RES, 7.0, backend=backend).size == 0
