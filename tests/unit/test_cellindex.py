"""The H3 cell index of a grid layer: exact classification, incremental update, records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

import gridsvc
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.spatial import h3cells
from gridsvc.spatial.cellindex import (
    CellIndex,
    buffered_hexagons,
    build_cell_index,
    update_cell_index,
)

RES = 11
DISTRICTS = Path(gridsvc.__file__).parent / "data" / "districts"


def district_grids(adcode: str = "510104", seed: int = 7) -> tuple[list[str], list]:
    """Generated grids (codes, lon/lat polygons) of a bundled district."""
    raw = shapely.from_geojson((DISTRICTS / f"{adcode}.geojson").read_text())
    boundary = transform_geometries([raw], parse_crs("gcj02"))[0]
    grids = [u for u in generate_hierarchy(boundary, adcode, seed) if u.level.value == "grid"]
    return [u.code for u in grids], [u.geometry for u in grids]


@pytest.fixture(scope="module")
def layer() -> tuple[list[str], list]:
    codes, geoms = district_grids()
    order = np.random.default_rng(0).permutation(len(codes))  # input order must not matter
    return [codes[i] for i in order], [geoms[i] for i in order]


@pytest.fixture(scope="module")
def index(layer: tuple[list[str], list]) -> CellIndex:
    return build_cell_index(*layer, RES)


def _sorted_geoms(index: CellIndex, layer: tuple[list[str], list]) -> np.ndarray:
    by_code = dict(zip(*layer, strict=True))
    return np.array([by_code[c] for c in index.codes.tolist()], dtype=object)


def test_shape_of_index(index: CellIndex, layer: tuple[list[str], list]) -> None:
    assert index.codes.tolist() == sorted(layer[0])
    assert index.cells.dtype == np.uint64 and np.all(np.diff(index.cells.astype(np.int64)) > 0)
    assert index.owner.dtype == np.int32 and index.cand_ids.dtype == np.int32
    assert index.cand_ptr[0] == 0 and index.cand_ptr[-1] == index.cand_ids.size
    sizes = np.diff(index.cand_ptr)
    assert np.all((sizes == 0) == (index.owner >= 0))  # interior ⇔ no candidates
    assert index.n_interior + index.n_boundary == index.cells.size
    assert index.n_interior > 0 and index.n_boundary > 0
    for i in np.flatnonzero(sizes > 1)[:500]:
        cands = index.cand_ids[index.cand_ptr[i] : index.cand_ptr[i + 1]]
        assert np.all(np.diff(cands) > 0)  # ascending by code
    assert index.nbytes() >= index.cells.nbytes + index.owner.nbytes


def test_boundary_cells_touch_a_boundary(index: CellIndex, layer: tuple[list[str], list]) -> None:
    geoms = _sorted_geoms(index, layer)
    rows = np.flatnonzero(index.owner < 0)
    hexes = buffered_hexagons(index.cells[rows], RES)
    edges = shapely.STRtree(shapely.boundary(geoms))
    touching = np.zeros(rows.size, dtype=bool)
    touching[np.unique(edges.query(hexes, predicate="intersects")[0])] = True
    assert touching.all()
    # candidates are exactly the grids meeting the buffered hexagon
    qi, gi = shapely.STRtree(geoms).query(hexes, predicate="intersects")
    for k in range(0, rows.size, 97):
        want = np.sort(gi[qi == k])
        have = index.cand_ids[index.cand_ptr[rows[k]] : index.cand_ptr[rows[k] + 1]]
        assert np.array_equal(want, have)


def test_interior_cells_lie_within_their_grid(
    index: CellIndex, layer: tuple[list[str], list]
) -> None:
    geoms = _sorted_geoms(index, layer)
    rows = np.flatnonzero(index.owner >= 0)
    hexes = h3cells.cell_polygons(index.cells[rows])
    assert shapely.covers(geoms[index.owner[rows]], hexes).all()
    assert shapely.covers(geoms[index.owner[rows]], buffered_hexagons(index.cells[rows], RES)).all()


def test_no_cell_meeting_a_grid_is_missing(index: CellIndex, layer: tuple[list[str], list]) -> None:
    geoms = _sorted_geoms(index, layer)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    rng = np.random.default_rng(1)
    lng, lat = rng.uniform(xmin, xmax, 100_000), rng.uniform(ymin, ymax, 100_000)
    pi, gi = shapely.STRtree(geoms).query(shapely.points(lng, lat), predicate="covered_by")
    cells = h3cells.latlng_to_cells(lat[pi], lng[pi], RES)
    rows = np.searchsorted(index.cells, cells)
    assert np.array_equal(index.cells[rows.clip(0, index.cells.size - 1)], cells)
    owner = index.owner[rows]
    assert np.all((owner == gi) | (owner < 0))
    for r, g in zip(rows[owner < 0][:3000], gi[owner < 0][:3000], strict=True):
        assert g in index.cand_ids[index.cand_ptr[r] : index.cand_ptr[r + 1]]


def test_queries(index: CellIndex) -> None:
    code = index.codes[10]
    cells = index.cells_of_grid(code)
    assert cells.size > 0 and np.isin(cells, index.cells).all()
    assert code in index.grids_of_cells(cells).tolist()
    interior = index.cells[index.owner == 10]
    assert index.grids_of_cells(interior).tolist() == [code]
    assert index.cells_of_grid("999999999999999").size == 0
    assert index.grids_of_cells(np.array([1, 2], dtype=np.uint64)).size == 0


def test_records_round_trip(index: CellIndex) -> None:
    records = list(index.to_records())
    assert len(records) == index.cells.size
    cell, own, cands = records[0]
    assert isinstance(cell, int) and (own is None) == bool(cands)
    assert all(-(2**63) <= r[0] < 2**63 for r in records)
    again = CellIndex.from_records(index.resolution, index.codes.tolist()[::-1], records[::-1])
    assert again == index


def test_update_equals_full_rebuild(layer: tuple[list[str], list]) -> None:
    codes, geoms = list(layer[0]), list(layer[1])
    before = build_cell_index(codes, geoms, RES)
    by_code = dict(zip(codes, geoms, strict=True))
    ordered = sorted(codes)
    gone, grown, split = ordered[5], ordered[6], ordered[40]
    previous = {c: by_code[c] for c in (gone, grown, split)}
    # merge one grid into its neighbour, cut another in two (one half gets a new code)
    by_code[grown] = shapely.union(by_code.pop(gone), by_code[grown])
    cut = by_code[split].centroid.x
    whole = by_code[split]
    by_code[split] = shapely.intersection(whole, shapely.box(-180, -90, cut, 90))
    new_code = split[:-3] + "999"
    by_code[new_code] = shapely.intersection(whole, shapely.box(cut, -90, 180, 90))
    new_codes, new_geoms = list(by_code), list(by_code.values())
    changed = [gone, grown, split, new_code]
    updated = update_cell_index(before, new_codes, new_geoms, changed, previous)
    assert updated == build_cell_index(new_codes, new_geoms, RES)
    assert updated != before
    assert update_cell_index(before, codes, geoms, [], {}) == before


def test_backends_build_the_same_index(layer: tuple[list[str], list]) -> None:
    codes, geoms = layer[0][:40], layer[1][:40]
    fast = build_cell_index(codes, geoms, RES, backend="h3ronpy")
    assert fast == build_cell_index(codes, geoms, RES, backend="h3")


def test_multipolygon_and_hole_grids() -> None:
    lng0, lat0, step = 104.0, 30.5, 2.0**-10  # ~100 m squares, exact binary coordinates
    ring = shapely.Polygon(
        shapely.box(lng0, lat0, lng0 + 3 * step, lat0 + 3 * step).exterior.coords,
        [shapely.box(lng0 + step, lat0 + step, lng0 + 2 * step, lat0 + 2 * step).exterior.coords],
    )
    island = shapely.box(lng0 + step, lat0 + step, lng0 + 2 * step, lat0 + 2 * step)
    far = shapely.MultiPolygon(
        [
            shapely.box(lng0 + 5 * step, lat0, lng0 + 6 * step, lat0 + step),
            shapely.box(lng0 + 8 * step, lat0, lng0 + 9 * step, lat0 + step),
        ]
    )
    codes = ["510104001001002", "510104001001001", "510104001001003"]
    index = build_cell_index(codes, [ring, island, far], RES)
    lng, lat = h3cells.cell_centres(index.cells)
    owner = index.owner
    assert set(owner[owner >= 0].tolist()) == {0, 1, 2}
    assert shapely.contains_xy(island, lng[owner == 0], lat[owner == 0]).all()
    assert not shapely.contains_xy(island, lng[owner == 1], lat[owner == 1]).any()
    with pytest.raises(ValueError, match="unique"):
        build_cell_index(["1", "1"], [island, island], RES)
    with pytest.raises(ValueError, match="geometries"):
        build_cell_index(["1", "2"], [island], RES)


def test_thin_and_tiny_grids_are_never_missed() -> None:
    lng0, lat0 = 104.0, 30.5
    tip = (lng0 + 0.004, lat0 + 0.001)
    sliver = shapely.Polygon([(lng0, lat0), tip, (tip[0], tip[1] + 2e-6)])  # ≤ 0.2 m wide
    speck = shapely.box(lng0 + 0.002, lat0 - 0.001, lng0 + 0.002 + 3e-6, lat0 - 0.001 + 3e-6)
    index = build_cell_index(["510104001001001", "510104001001002"], [sliver, speck], RES)
    rng = np.random.default_rng(2)
    for gid, geom in enumerate([sliver, speck]):
        t = rng.uniform(0, 1, (20_000, 2))
        xmin, ymin, xmax, ymax = geom.bounds
        lng, lat = xmin + t[:, 0] * (xmax - xmin), ymin + t[:, 1] * (ymax - ymin)
        inside = shapely.intersects_xy(geom, lng, lat)
        cells = np.unique(h3cells.latlng_to_cells(lat[inside], lng[inside], RES))
        assert cells.size > 0
        rows = index.rows_of(cells)
        assert rows.size == cells.size
        for r in rows:
            assert gid in index.cand_ids[index.cand_ptr[r] : index.cand_ptr[r + 1]]
